"""Membership statistics: the predefined tables, always through core.disclosure.

Only these dimensions and cross-tables exist (G1): no ad-hoc filters to difference. All
tables are counted in one query and published together as a release (core.releases).
"""

from functools import lru_cache

from django.db.models import Case, CharField, Count, F, Value, When
from django.db.models.functions import Cast, Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.disclosure import Dimension
from core.releases import Population, ReleaseSpec, TableSpec, filled_in

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


# Each breakdown's heading (a table's column heading, a cross-table's name).
HEADINGS = {
    "county": _("County"),
    "employer_type": _("Employer type"),
    "field": _("Field"),
    "status": _("Status"),
    "year_joined": _("Year joined"),
    "position_band": _("Position percentage"),
    "contract_type": _("Contract type"),
    "training": _("Completed a training programme"),
    "union_member": _("Union member"),
    "user_representative": _("User representative"),
}


def _dimensions():
    """Key -> (Dimension, expression over Profile). Built per call: labels follow the active
    language, and the year list follows the calendar."""
    return {
        "county": (Dimension("county", HEADINGS["county"], _counties()), F("county_id")),
        "employer_type": (
            Dimension("employer_type", HEADINGS["employer_type"], tuple(EmployerType.choices)),
            F("employer_type"),
        ),
        "field": (Dimension("field", HEADINGS["field"], tuple(Field.choices)), F("field")),
        "status": (
            Dimension("status", HEADINGS["status"], tuple(Membership.Status.choices)),
            Coalesce("user__membership__status", Value(UNKNOWN)),
        ),
        "year_joined": (
            Dimension("year_joined", HEADINGS["year_joined"], _year_joined_dimension()),
            _year_joined_expression(),
        ),
        "position_band": (
            Dimension(
                "position_band",
                HEADINGS["position_band"],
                tuple((code, label) for code, label, _low, _high in POSITION_BANDS),
            ),
            _position_band_expression(),
        ),
        "contract_type": (
            Dimension("contract_type", HEADINGS["contract_type"], tuple(ContractType.choices)),
            F("contract_type"),
        ),
        "training": (
            _yes_no_dimension("training", HEADINGS["training"]),
            _yes_no_expression("training_completed"),
        ),
        "union_member": (
            _yes_no_dimension("union_member", HEADINGS["union_member"]),
            _yes_no_expression("union_member"),
        ),
        "user_representative": (
            _yes_no_dimension("user_representative", HEADINGS["user_representative"]),
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

# The cross-tables offered, each pair once. A star around employer type: every table shares
# only that margin with the others, so the auditor's LP over these tables is exact (see
# core.releases); every pair (45 tables, full of cycles) would need the joint table of all ten
# dimensions, millions of cells, to audit soundly.
HUB = "employer_type"
CROSS_TABLES = tuple(
    ("county", HUB) if key == "county" else (HUB, key) for key in DIMENSION_KEYS if key != HUB
)
KIND = "membership"


def _current_statuses():
    return tuple(
        (code, label)
        for code, label in Membership.Status.choices
        if code in Membership.CURRENT_STATUSES
    )


def _statistics_dimensions():
    """Status counts current members only (active or in grace), like every other table: a
    status table of all applicants would differ from the member tables by the applicants."""
    dimensions = _dimensions()
    dimensions["status"] = (
        Dimension("status", HEADINGS["status"], _current_statuses()),
        F("user__membership__status"),
    )
    return dimensions


def release_spec():
    """Every membership table, counted now from the current members."""
    dimensions = _statistics_dimensions()
    expressions = {key: dimensions[key][1] for key in DIMENSION_KEYS}
    counted = (
        Profile.objects.filter(user__membership__status__in=Membership.CURRENT_STATUSES)
        .annotate(**{f"d_{key}": expression for key, expression in expressions.items()})
        .values(*(f"d_{key}" for key in DIMENSION_KEYS))
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {tuple(row[f"d_{key}"] for key in DIMENSION_KEYS): row["n"] for row in counted}
    population = Population(
        key="members",
        dimensions=tuple((key, dimensions[key][0].codes) for key in DIMENSION_KEYS),
        cliques=CROSS_TABLES,
        counts=counts,
    )
    tables = [
        TableSpec(
            key=key,
            title=filled_in(_("Members by %(rows)s"), rows=CAPTION_TERMS[key]),
            population="members",
            rows=dimensions[key][0],
            percent=True,
        )
        for key in DIMENSION_KEYS
    ]
    tables.extend(
        TableSpec(
            key=f"{rows}.{columns}",
            title=filled_in(
                _("Members by %(rows)s and %(columns)s"),
                rows=CAPTION_TERMS[rows],
                columns=CAPTION_TERMS[columns],
            ),
            population="members",
            rows=dimensions[rows][0],
            columns=dimensions[columns][0],
        )
        for rows, columns in CROSS_TABLES
    )
    return ReleaseSpec(kind=KIND, populations=(population,), tables=tuple(tables))


def cross_table_keys():
    return [f"{rows}.{columns}" for rows, columns in CROSS_TABLES]


def cross_table_choices():
    """(key, label) of the offered cross-tables, e.g. "County x Employer type"."""
    return [
        (f"{rows}.{columns}", f"{HEADINGS[rows]} × {HEADINGS[columns]}")  # noqa: RUF001
        for rows, columns in CROSS_TABLES
    ]
