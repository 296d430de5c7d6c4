"""The response-rate dashboard as a statistics release (core.releases): one release series per
edition, kind `survey-participation-<year>`, counted from participation records only (who was
invited, who submitted), never from answers or ballots.

Why no weekly curve: a cumulative series published week by week is a series of releases whose
differences are the people who answered that week ([6, 7] is one person in week 2). The
releases themselves are that series, protected jointly with the one before, so the page
shows only the latest counts and the auditor sees to it that no difference gives anyone away.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from core.disclosure import Dimension
from core.releases import Population, ReleaseSpec, TableSpec
from members.models import EmployerType
from members.regions import Region, region_for_county

from .models import Participation

KIND_PREFIX = "survey-participation-"
UNKNOWN = ""
SUBMITTED, NOT_SUBMITTED = "submitted", "not_submitted"
BREAKDOWNS = ("region", "employer_type")
# Whole phrases, so each language gets its own word order in the stored release.
TITLES = {
    "region": _("Response rate by region"),
    "employer_type": _("Response rate by employer type"),
}


def kind_for(year):
    return f"{KIND_PREFIX}{year}"


def year_of(kind):
    return int(kind.removeprefix(KIND_PREFIX))


def breakdown_dimension(breakdown):
    if breakdown == "employer_type":
        choices, label = EmployerType.choices, _("Employer type")
    else:
        choices, label = Region.choices, _("Region")
    return Dimension(breakdown, label, (*choices, (UNKNOWN, _("Unknown"))))


def outcome_dimension():
    return Dimension(
        "outcome", _("Response"), ((SUBMITTED, _("Submitted")), (NOT_SUBMITTED, _("Not submitted")))
    )


def _counts(year, regions, employers):
    """{(region, employer type, outcome): people} of the edition, in one query."""
    rows = (
        Participation.objects.filter(edition__year=year)
        .filter(Q(invited_at__isnull=False) | Q(submitted_on__isnull=False))
        .values("member__profile__county_id", "member__profile__employer_type")
        .annotate(people=Count("pk"), submitted=Count("pk", filter=Q(submitted_on__isnull=False)))
        .order_by()
    )
    counts = {}
    for row in rows:
        region = region_for_county(row["member__profile__county_id"] or "")
        region = region if region in regions.codes else UNKNOWN
        employer = row["member__profile__employer_type"] or UNKNOWN
        employer = employer if employer in employers.codes else UNKNOWN
        for outcome, n in (
            (SUBMITTED, row["submitted"]),
            (NOT_SUBMITTED, row["people"] - row["submitted"]),
        ):
            if n:
                key = (region, employer, outcome)
                counts[key] = counts.get(key, 0) + n
    return counts


def release_spec(kind):
    """People invited to the edition (or who submitted without an invitation) by region and
    by employer type of their profile now, each against whether they submitted."""
    year = year_of(kind)
    regions, employers = breakdown_dimension("region"), breakdown_dimension("employer_type")
    outcome = outcome_dimension()
    population = Population(
        key=f"participation-{year}",
        dimensions=(
            ("region", regions.codes),
            ("employer_type", employers.codes),
            ("outcome", outcome.codes),
        ),
        cliques=(("region", "outcome"), ("employer_type", "outcome")),
        counts=_counts(year, regions, employers),
    )
    tables = tuple(
        TableSpec(
            key=breakdown,
            title=TITLES[breakdown],
            population=population.key,
            rows=dimension,
            columns=outcome,
        )
        for breakdown, dimension in (("region", regions), ("employer_type", employers))
    )
    return ReleaseSpec(kind=kind, populations=(population,), tables=tables)


def rate_rows(table):
    """The table's lines as (label, invited, submitted, rate %): a rate only where both of
    its counts are published, since it is computed from them."""
    lines = [(row.label, row.total, row.cells[0]) for row in table.body]
    lines.append((_("Total"), table.total, table.column_totals[0]))
    return [
        (label, invited, submitted, _rate(invited.count, submitted.count))
        for label, invited, submitted in lines
    ]


def _rate(invited, submitted):
    if invited is None or submitted is None or invited == 0:
        return None
    return round(100 * submitted / invited)
