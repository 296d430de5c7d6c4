from django import template

register = template.Library()


@register.filter
def error_summary_items(form):
    """Every error of `form` as {"message", "target"}: non-field errors first (no target),
    then each field's in field order, linking to the input a person must correct (for a group
    of radio buttons or checkboxes, and for split inputs, the first one)."""
    items = [{"message": error, "target": ""} for error in form.non_field_errors()]
    for field in form:
        if not field.errors:
            continue
        # A hidden field has nothing to link to or to name.
        if field.is_hidden:
            target, label = "", ""
        else:
            target, label = field.id_for_label or f"{field.auto_id}_0", field.label
        items += [{"message": error, "target": target, "label": label} for error in field.errors]
    return items
