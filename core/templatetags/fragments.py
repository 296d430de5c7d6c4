from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja_include(context, template_name, **extra):
    """Render the Jinja2 template `template_name` (an app's `jinja2/` folder) with this
    template's context and `extra`; see core/jinja2.py for why."""
    fragment = engines["jinja2"].get_template(template_name)
    values = context.flatten()
    values.update(extra)
    html = fragment.render(values, request=context.get("request"))
    # Safe: Jinja2 has escaped what it filled in (autoescape), as Django would have;
    # tests/core/test_fragments.py.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703
