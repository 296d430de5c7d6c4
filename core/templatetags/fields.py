"""Bootstrap 5 form fields written in Python, for the pages an advisor loads all day.

crispy-forms renders each field through a dozen nested templates and Django renders each
<option> through a template of its own: on the case queue that was a fifth of the request
(issue 14, docs/performance.md). `field_group` writes the markup crispy's bootstrap5 pack
writes (label, control, errors, help text, the same ids and classes, so the error summary's
links and the accessibility checks hold) for the widgets those pages use, and hands any other
widget (lists of checkboxes or radio buttons, a stored file) to crispy unchanged.
`tests/core/test_fields.py` holds the two renderings equal.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.forms import widgets
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# The class crispy's bootstrap5 pack gives each widget: the widget's own name in lower case,
# then Bootstrap's.
_BOOTSTRAP_CLASS = {forms.Select: "form-select", forms.CheckboxInput: "form-check-input"}
_WRITTEN_HERE = (forms.Select, widgets.Input, forms.Textarea, forms.CheckboxInput)
_DELEGATED = (
    forms.SelectMultiple,
    forms.RadioSelect,
    forms.CheckboxSelectMultiple,
    forms.MultiWidget,
    forms.HiddenInput,
)


def _writes_here(bound):
    widget = bound.field.widget
    if isinstance(widget, forms.ClearableFileInput) and widget.is_initial(bound.value()):
        return False  # a stored file with its "clear" box: crispy's
    return isinstance(widget, _WRITTEN_HERE) and not isinstance(widget, _DELEGATED)


def _widget_class(widget):
    bootstrap = next(
        (css for kind, css in _BOOTSTRAP_CLASS.items() if isinstance(widget, kind)),
        "form-control",
    )
    return f"{type(widget).__name__.lower()} {bootstrap}"


def _attrs(attrs):
    """Django's widgets/attrs.html: each attribute in order, False or None left out, True
    as its bare name, values escaped."""
    if not attrs:
        return ""  # most <option>s
    written = "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )
    # Safe: every name and value is escaped above (tests/core/test_fields.py).
    return mark_safe(written)  # noqa: S308  # nosec B308 B703


def _control(bound):
    widget = bound.field.widget
    attrs = {"class": _widget_class(widget)}
    if bound.errors:
        attrs["class"] += " is-invalid"
    attrs = bound.build_widget_attrs(attrs, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs["id"] = bound.auto_id
    value = bound.value()
    if isinstance(widget, forms.Select):
        options = _plain_options(widget, value)
        if options is not None:
            return format_html(
                '<select name="{}"{}>{}</select>',
                bound.html_name,
                _attrs(widget.build_attrs(widget.attrs, attrs)),
                options,
            )
    context = widget.get_context(bound.html_name, value, attrs)["widget"]
    if isinstance(widget, forms.Select):
        return format_html(
            '<select name="{}"{}>{}</select>',
            context["name"],
            _attrs(context["attrs"]),
            format_html_join("", "{}", ((_optgroup(*group),) for group in context["optgroups"])),
        )
    if isinstance(widget, forms.Textarea):
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            context["name"],
            _attrs(context["attrs"]),
            context["value"] or "",
        )
    value = context["value"]
    value_attr = format_html(' value="{}"', value) if value is not None else ""
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        context["type"],
        context["name"],
        value_attr,
        _attrs(context["attrs"]),
    )


def _file_control(bound):
    """crispy's bootstrap5/layout/field_file.html: the input, then its errors and help,
    in a div of their own."""
    widget = bound.field.widget
    attrs = bound.build_widget_attrs({"id": bound.auto_id} if bound.auto_id else {}, widget)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    css = " ".join(
        filter(None, ["form-control", context["attrs"].get("class"), bound.errors and "is-invalid"])
    )
    return format_html(
        '<div{}><input type="{}" name="{}" class="{}"{}>{}{}</div>',
        format_html(' class="{}"', "is-invalid") if bound.errors else "",
        context["type"],
        context["name"],
        css,
        _attrs({name: value for name, value in context["attrs"].items() if name != "class"}),
        _errors(bound),
        _help(bound),
    )


def _plain_options(widget, value):
    """The <option>s of a one-choice drop-down without groups, as Select.optgroups() and
    Django's option template write them (the first matching value selected), without a
    dict per option; None for anything else (groups, a widget that adds option attributes),
    which goes Django's way."""
    if (
        widget.allow_multiple_selected
        or widget.option_inherits_attrs
        or type(widget).create_option is not forms.Select.create_option
    ):
        return None
    chosen = widget.format_value(value)
    written = []
    has_selected = False
    for option_value, label in widget.choices:
        if isinstance(label, (list, tuple)):
            return None
        text = "" if option_value is None else str(option_value)
        selected = not has_selected and text in chosen
        has_selected |= selected
        written.append(
            f'<option value="{conditional_escape(text)}"{" selected" if selected else ""}>'
            f"{conditional_escape(label)}</option>"
        )
    # Safe: every value and label is escaped above (tests/core/test_fields.py).
    return mark_safe("".join(written))  # noqa: S308  # nosec B308 B703


def _optgroup(label, options, _index):
    written = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((str(option["value"]), _attrs(option["attrs"]), option["label"]) for option in options),
    )
    return format_html('<optgroup label="{}">{}</optgroup>', label, written) if label else written


def _errors(bound):
    if not bound.errors:
        return ""
    return format_html(
        '<div id="{}_error" class="invalid-feedback">{}</div>',
        bound.auto_id,
        format_html_join(
            "",
            '<p id="error_{}_{}"><strong>{}</strong></p>',
            ((n, bound.auto_id, error) for n, error in enumerate(bound.errors, start=1)),
        ),
    )


def _help(bound):
    if not bound.help_text:
        return ""
    return format_html(
        '<div id="{}_helptext" class="form-text">{}</div>', bound.auto_id, bound.help_text
    )


def _label_class(bound, base):
    return f"{base} requiredField" if bound.field.required else base


def _label_text(bound):
    required = (
        format_html('<span class="{}">*</span>', "asteriskField") if bound.field.required else ""
    )
    return format_html("{}{}", conditional_escape(bound.label), required)


@register.filter
def field_group(bound):
    """One field as crispy's bootstrap5 pack writes it: `{{ form.field|field_group }}`."""
    widget = bound.field.widget
    if not _writes_here(bound):
        return as_crispy_field(bound)
    label_for = bound.id_for_label
    if isinstance(widget, forms.FileInput):
        return format_html(
            '<div id="div_{}" class="mb-3"><label for="{}" class="{}">{}</label>{}</div>',
            bound.auto_id,
            label_for,
            _label_class(bound, "form-label"),
            _label_text(bound),
            _file_control(bound),
        )
    if isinstance(widget, forms.CheckboxInput):
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="form-check">{}'
            '<label for="{}" class="{}">{}</label>{}{}</div></div>',
            bound.auto_id,
            _control(bound),
            label_for,
            _label_class(bound, "form-check-label"),
            _label_text(bound),
            _errors(bound),
            _help(bound),
        )
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="{}">{}</label>{}{}{}</div>',
        bound.auto_id,
        label_for,
        _label_class(bound, "form-label"),
        _label_text(bound),
        _control(bound),
        _errors(bound),
        _help(bound),
    )


@register.filter
def field_groups(form):
    """A whole form as `{{ form|crispy }}` writes it: the error summary, then each field."""
    summary = render_to_string("includes/error_summary.html", {"form": form}) if form.errors else ""
    fields = format_html_join(
        "", "{}", ((str(field) if field.is_hidden else field_group(field),) for field in form)
    )
    return format_html("{}{}", summary, fields)
