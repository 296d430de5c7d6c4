"""Numbers as people write them in the active language: "1 234 567" and "47,5" in Bokmål,
"1,234,567" and "47.5" in English, both when shown and when typed into a form."""

import re
from decimal import Decimal, InvalidOperation

from django.utils import formats

# What a person may type between groups of digits: spaces of any kind.
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_ENGLISH_GROUPS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def format_number(value, decimal_places=None):
    """`value` with the active language's digit grouping and decimal separator; a Decimal
    without its trailing zeros (a limit stored as 150000.00 reads "150 000")."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal) and decimal_places is None:
        value = value.normalize()
    return formats.number_format(value, decimal_places, use_l10n=True, force_grouping=True)


def parse_number(text):
    """A typed number in the active language's way as a plain string Python can read:
    grouping spaces dropped, the decimal comma of Bokmål (or the English thousands comma)
    resolved. Anything else is left for the form field to reject."""
    text = _SPACES.sub("", text.strip())
    decimal_separator = formats.get_format("DECIMAL_SEPARATOR")
    if decimal_separator == ",":
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
    elif _ENGLISH_GROUPS.match(text):
        text = text.replace(",", "")
    return text


def as_decimal(value):
    """A stored answer ("47.5") as a Decimal, or None when it is not a number."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
