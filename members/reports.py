"""Membership statistics: the predefined tables, always through core.disclosure.

Only these dimensions exist (G1): an unknown one is refused, which stops differencing
attacks through ad-hoc filters. One query per table, whatever the number of members.
"""

from functools import lru_cache

from django.db.models import Case, CharField, Count, F, Value, When
from django.db.models.functions import Cast, Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.disclosure import Dimension, protect_table

from .models import ContractType, County, EmployerType, Field, Membership, Profile

UNKNOWN = "unknown"
UNKNOWN_LABEL = _("Not stated")
# The organisation was founded in 2017; earlier join years (imports) are pooled.
FIRST_JOIN_YEAR = 2017

POSITION_BANDS = (
    ("1-49", _("1–49 %"), 1, 49),  # noqa: RUF001 - an en dash is right in a range
    ("50-79", _("50–79 %"), 50, 79),  # noqa: RUF001
    ("80-99", _("80–99 %"), 80, 99),  # noqa: RUF001
    ("100", _("100 %"), 100, 100),
)


def _yes_no_expression(field):
    return Case(
        When(**{field: True}, then=Value("yes")),
        When(**{field: False}, then=Value("no")),
        default=Value(UNKNOWN),
        output_field=CharField(),
    )


def _yes_no_dimension(key, label):
    return Dimension(key, label, (("yes", _("Yes")), ("no", _("No")), (UNKNOWN, UNKNOWN_LABEL)))


def _year_joined_expression():
    year = ExtractYear("user__membership__member_since")
    return Case(
        When(user__membership__member_since__isnull=True, then=Value(UNKNOWN)),
        When(
            user__membership__member_since__year__lt=FIRST_JOIN_YEAR,
            then=Value(f"<{FIRST_JOIN_YEAR}"),
        ),
        default=Cast(year, CharField()),
        output_field=CharField(),
    )


def _year_joined_dimension():
    this_year = timezone.localdate().year
    years = [(str(y), str(y)) for y in range(FIRST_JOIN_YEAR, this_year + 1)]
    return (
        (f"<{FIRST_JOIN_YEAR}", _("Before %(year)s") % {"year": FIRST_JOIN_YEAR}),
        *years,
        (UNKNOWN, UNKNOWN_LABEL),
    )


def _position_band_expression():
    return Case(
        *(
            When(position_percent__gte=low, position_percent__lte=high, then=Value(code))
            for code, _label, low, high in POSITION_BANDS
        ),
        default=Value(UNKNOWN),
        output_field=CharField(),
    )


@lru_cache(maxsize=1)
def _counties():
    # Reference data, loaded by a migration and never edited: read it once per process.
    return tuple(County.objects.order_by("name").values_list("code", "name"))


def _dimensions():
    """Key -> (Dimension, expression over Profile). Built per call: labels follow the active
    language, and the year list follows the calendar."""
    return {
        "county": (Dimension("county", _("County"), _counties()), F("county_id")),
        "employer_type": (
            Dimension("employer_type", _("Employer type"), tuple(EmployerType.choices)),
            F("employer_type"),
        ),
        "field": (Dimension("field", _("Field"), tuple(Field.choices)), F("field")),
        "status": (
            Dimension("status", _("Status"), tuple(Membership.Status.choices)),
            Coalesce("user__membership__status", Value(UNKNOWN)),
        ),
        "year_joined": (
            Dimension("year_joined", _("Year joined"), _year_joined_dimension()),
            _year_joined_expression(),
        ),
        "position_band": (
            Dimension(
                "position_band",
                _("Position percentage"),
                tuple((code, label) for code, label, _low, _high in POSITION_BANDS),
            ),
            _position_band_expression(),
        ),
        "contract_type": (
            Dimension("contract_type", _("Contract type"), tuple(ContractType.choices)),
            F("contract_type"),
        ),
        "training": (
            _yes_no_dimension("training", _("Completed a training programme")),
            _yes_no_expression("training_completed"),
        ),
        "union_member": (
            _yes_no_dimension("union_member", _("Union member")),
            _yes_no_expression("union_member"),
        ),
        "user_representative": (
            _yes_no_dimension("user_representative", _("User representative")),
            _yes_no_expression("user_representative"),
        ),
    }


# How a caption names each breakdown ("Members by union membership"): a noun phrase, not the
# column heading ("Union member"), so the caption reads as a sentence in both languages.
CAPTION_TERMS = {
    "county": _("county"),
    "employer_type": _("employer type"),
    "field": _("field of work"),
    "status": _("membership status"),
    "year_joined": _("year joined"),
    "position_band": _("position percentage"),
    "contract_type": _("contract type"),
    "training": _("completed training programme"),
    "union_member": _("union membership"),
    "user_representative": _("role as user representative"),
}


DIMENSION_KEYS = (
    "county",
    "employer_type",
    "field",
    "status",
    "year_joined",
    "position_band",
    "contract_type",
    "training",
    "union_member",
    "user_representative",
)


class UnknownDimension(ValueError):
    pass


def _population(keys):
    """Current members (active or in grace); with "status" in the table, everyone who has
    applied, since the table is about the statuses themselves."""
    profiles = Profile.objects.all()
    if "status" in keys:
        return profiles.filter(user__membership__isnull=False)
    return profiles.filter(user__membership__status__in=Membership.CURRENT_STATUSES)


def membership_table(rows, columns=None):
    """A protected table of members by `rows` (and `columns`): keys from DIMENSION_KEYS."""
    keys = [rows] if columns is None else [rows, columns]
    if any(key not in DIMENSION_KEYS for key in keys) or rows == columns:
        raise UnknownDimension(keys)
    dimensions = _dimensions()
    annotations = {f"d{i}": dimensions[key][1] for i, key in enumerate(keys)}
    counted = (
        _population(keys)
        .annotate(**annotations)
        .values(*annotations)
        .annotate(n=Count("pk"))
        .order_by()
    )
    if columns is None:
        counts = {row["d0"]: row["n"] for row in counted}
        title = _("Members by %(rows)s") % {"rows": CAPTION_TERMS[rows]}
        return protect_table(counts=counts, rows=dimensions[rows][0], title=title)
    counts = {(row["d0"], row["d1"]): row["n"] for row in counted}
    title = _("Members by %(rows)s and %(columns)s") % {
        "rows": CAPTION_TERMS[rows],
        "columns": CAPTION_TERMS[columns],
    }
    return protect_table(
        counts=counts, rows=dimensions[rows][0], columns=dimensions[columns][0], title=title
    )


def dimension_choices():
    dimensions = _dimensions()
    return [(key, dimensions[key][0].label) for key in DIMENSION_KEYS]
