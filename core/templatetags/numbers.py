from decimal import Decimal

from django import template

from core.numbers import format_number

register = template.Library()


@register.filter
def number(value, decimal_places=None):
    """{{ salary|number }} → "452 000" in Bokmål, "452,000" in English. Anything that is not
    a number (a hidden cell's mark) is shown as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    return format_number(value, decimal_places)
