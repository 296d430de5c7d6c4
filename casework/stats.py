"""Casework statistics for admins: one release (core.releases) holds every table the
statistics page and its exports can show, for every year, month, quarter and breakdown, so no
table can be played against another or against last month's download.

Two populations are counted: cases (by month, channel and requester) and topic mentions (a
case about two topics counts under each; by month, topic, region and employer type). Quarters
and years are groups of months, so a quarter is the sum of its months in every table.
Counts come from case fields that retention leaves in place (topics, channel, requester kind,
dates, strata), so anonymising old cases changes no figure, and a month that has ended keeps
its published values in every later release. Medians of response times are given only for a
period of at least the threshold answered cases.

Not modelled by the auditor: a case's topic mentions belong to the case, so a month's
mentions are at least its cases (two populations, each audited on its own).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Window
from django.db.models.functions import RowNumber, TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from core import disclosure
from core.disclosure import Dimension
from core.releases import ExtraTable, Population, ReleaseSpec, TableSpec, filled_in
from members.models import EmployerType
from members.regions import Region

from .models import Case, Topic

KIND = "casework"
TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
UNKNOWN = ""
PERIODS = ("month", "quarter", "year")
BREAKDOWNS = ("region", "employer_type")
COLUMNS = ("topic", "channel", "requester")


def years():
    first = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    last = timezone.localdate().year
    start = timezone.localtime(first).year if first else last
    return list(range(start, last + 1))


def _month_code(moment):
    local = timezone.localtime(moment)
    return f"{local.year}-{local.month:02d}"


def _period_code(moment, period):
    local = timezone.localtime(moment)
    if period == "year":
        return str(local.year)
    if period == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return f"{local.year}-{local.month:02d}"


def period_dimension(period, year, all_years):
    if period == "year":
        categories = tuple((str(y), str(y)) for y in all_years)
    elif period == "quarter":
        categories = tuple((f"{year}-Q{q}", f"{year} Q{q}") for q in range(1, 5))
    else:
        categories = tuple((f"{year}-{m:02d}", f"{year}-{m:02d}") for m in range(1, 13))
    labels = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}
    return Dimension("month", labels[period], categories)


def _month_groups(all_years):
    groups = {}
    for year in all_years:
        groups[str(year)] = tuple(f"{year}-{m:02d}" for m in range(1, 13))
        for q in range(1, 5):
            groups[f"{year}-Q{q}"] = tuple(f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1))
    return groups


# In the language the release is stored in, as the words around it (core.releases.filled_in).
lowercase = lazy(lambda text: str(text).lower(), str)


def topic_dimension():
    # A topic's name follows the active language, as the release stores every language.
    name = lazy(lambda topic: topic.name, str)
    return Dimension(
        "topic", _("Topic"), tuple((t.code, name(t)) for t in Topic.objects.order_by("position"))
    )


def channel_dimension():
    return Dimension("channel", _("Channel"), tuple(Case.Channel.choices))


def requester_dimension():
    return Dimension(
        "requester", _("Requester"), (("member", _("Member")), ("other", _("Not a member")))
    )


def breakdown_dimension(breakdown):
    if breakdown == "employer_type":
        choices = EmployerType.choices
        label = _("Employer type")
    else:
        choices = Region.choices
        label = _("Region")
    return Dimension(breakdown, label, (*choices, (UNKNOWN, _("Unknown"))))


COLUMN_TITLES = {
    "topic": _("Inquiries per topic (an inquiry about several topics counts under each)"),
    "channel": _("Inquiries by channel"),
    "requester": _("Inquiries from members and others"),
}


def table_key(column, period, year):
    return f"{column}.{period}" if period == "year" else f"{column}.{period}.{year}"


def _stratum(value, dimension):
    return value if value in dimension.codes else UNKNOWN


def release_spec():
    """Every casework table for every year, counted now."""
    all_years = years()
    topics, channels, requesters = topic_dimension(), channel_dimension(), requester_dimension()
    regions, employers = breakdown_dimension("region"), breakdown_dimension("employer_type")

    case_counts = {}
    for row in Case.objects.values("created_at", "channel", "requester_kind").iterator():
        kind = "member" if row["requester_kind"] == Case.RequesterKind.MEMBER else "other"
        key = (_month_code(row["created_at"]), row["channel"], kind)
        case_counts[key] = case_counts.get(key, 0) + 1
    mention_counts = {}
    mentions = Case.topics.through.objects.values(
        "case__created_at", "topic__code", "case__region", "case__employer_type"
    )
    for row in mentions.iterator():
        key = (
            _month_code(row["case__created_at"]),
            row["topic__code"],
            _stratum(row["case__region"], regions),
            _stratum(row["case__employer_type"], employers),
        )
        mention_counts[key] = mention_counts.get(key, 0) + 1

    columns = {"topic": topics, "channel": channels, "requester": requesters}
    populations, tables = [], []
    # One pair of populations per year: no published cell spans two years (the year view
    # shows each year's total row), so each year is audited as a small system of its own.
    for year in all_years:
        months = tuple(f"{year}-{m:02d}" for m in range(1, 13))
        populations.append(
            Population(
                key=f"cases-{year}",
                dimensions=(
                    ("month", months),
                    ("channel", channels.codes),
                    ("requester", requesters.codes),
                ),
                cliques=(("month", "channel"), ("month", "requester")),
                counts={k: n for k, n in case_counts.items() if k[0] in months},
                groups={"month": _month_groups([year])},
                timeline="month",
            )
        )
        populations.append(
            Population(
                key=f"mentions-{year}",
                dimensions=(
                    ("month", months),
                    ("topic", topics.codes),
                    ("region", regions.codes),
                    ("employer_type", employers.codes),
                ),
                cliques=(("month", "region", "topic"), ("month", "employer_type", "topic")),
                counts={k: n for k, n in mention_counts.items() if k[0] in months},
                groups={"month": _month_groups([year])},
                timeline="month",
            )
        )
        for period in ("month", "quarter"):
            for column in COLUMNS:
                tables.append(
                    TableSpec(
                        key=table_key(column, period, year),
                        title=COLUMN_TITLES[column],
                        population=f"{'mentions' if column == 'topic' else 'cases'}-{year}",
                        rows=period_dimension(period, year, all_years),
                        columns=columns[column],
                        rows_total=str(year),
                    )
                )
        for breakdown, dimension in (("region", regions), ("employer_type", employers)):
            tables.append(
                TableSpec(
                    key=f"{breakdown}.{year}",
                    title=filled_in(
                        _("Inquiries per topic by %(breakdown)s, %(year)s"),
                        breakdown=lowercase(dimension.label),
                        year=year,
                    ),
                    population=f"mentions-{year}",
                    rows=dimension,
                    columns=topics,
                    fixed=(("month", str(year)),),
                )
            )
    return ReleaseSpec(
        kind=KIND,
        populations=tuple(populations),
        tables=tuple(tables),
        extras=lambda: response_time_tables(all_years),
        stable=closed_period,
    )


def _period_end(code):
    """The first moment after a month, quarter or year code, in Oslo time."""
    oslo = ZoneInfo(settings.TIME_ZONE)
    if "-Q" in code:
        year, quarter = code.split("-Q")
        year, month = int(year), 3 * int(quarter) + 1
    elif "-" in code:
        year, month = (int(part) for part in code.split("-"))
        month += 1
    else:
        year, month = int(code) + 1, 1
    if month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=oslo)


def closed_period(key, moment):
    """A cell of a period that had ended at `moment` keeps its value for ever."""
    period = dict(key[1]).get("month")
    return period is not None and _period_end(period) <= moment


def _medians(cases, *, start, end, period):
    """{period code: (n, median timedelta)} with the middle row(s) picked in the database."""
    duration = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    partition = [TRUNC[period]("created_at")]
    rows = (
        cases.filter(**{f"{end}__isnull": False})
        .annotate(p=TRUNC[period]("created_at"), d=duration)
        .annotate(
            rn=Window(RowNumber(), partition_by=partition, order_by=F("d").asc()),
            n=Window(Count("pk"), partition_by=partition),
        )
        .filter(rn__gte=(F("n") + 1) / 2, rn__lte=(F("n") + 2) / 2)
        .values_list("p", "d", "n")
        .order_by()
    )
    middle = {}
    for moment, value, n in rows:
        code = _period_code(moment, period)
        middle.setdefault(code, (n, []))[1].append(value)
    return {
        code: (n, sum(values, timedelta()) / len(values)) for code, (n, values) in middle.items()
    }


def response_time_tables(all_years):
    """Median times per period as [(key, title, header, lines)]: a median is given only for
    a period with at least the threshold answered (or resolved) cases; its n is not shown."""
    cases = Case.objects.all()
    limit = disclosure.threshold()
    header = [
        _("Period"),
        _("Median time to first response (hours)"),
        _("Median time to resolution (days)"),
    ]
    tables = []
    for period in PERIODS:
        first = _medians(cases, start="created_at", end="first_response_at", period=period)
        resolved = _medians(cases, start="created_at", end="resolved_at", period=period)

        def shown(entry, unit_seconds):
            if entry is None or entry[0] < limit:
                return disclosure.SUPPRESSED
            return f"{entry[1].total_seconds() / unit_seconds:.1f}"

        for year in [None] if period == "year" else all_years:
            lines = [
                [
                    str(label),
                    shown(first.get(code), 3600),
                    shown(resolved.get(code), 86400),
                ]
                for code, label in period_dimension(period, year, all_years).categories
            ]
            tables.append(
                (table_key("response", period, year), _("Response times (medians)"), header, lines)
            )
    return tables


def release_years(release):
    return sorted({int(t["key"].rsplit(".", 1)[1]) for t in release.data["tables"]})


def tables_for(release, *, period, year, breakdown):
    """The release's tables for one choice of the page, in page order."""
    by_key = dict(zip((t["key"] for t in release.data["tables"]), release.tables(), strict=True))
    extras = {e.key: e for e in release.extra_tables()}
    if period == "year":
        chosen = [_year_view(release, by_key, column) for column in COLUMNS]
    else:
        chosen = [by_key[table_key(column, period, year)] for column in COLUMNS]
    response = extras.get(table_key("response", period, year))
    if response is not None:
        chosen.append(response)
    if year and f"{breakdown}.{year}" in by_key:
        chosen.append(by_key[f"{breakdown}.{year}"])
    return chosen


def _year_view(release, by_key, column):
    """One row per year: each is the total row of that year's quarter table (the same
    published cells), so the view adds nothing the release does not already publish."""
    rows = []
    table = None
    for year in release_years(release):
        table = by_key[table_key(column, "quarter", year)]
        rows.append([str(year), *(_shown(c) for c in table.column_totals), _shown(table.total)])
    header = [str(_("Year")), *(str(label) for _c, label in table.columns.categories)]
    header.append(str(_("Total")))
    return ExtraTable(f"year.{column}", table.title, (header, *rows), table.threshold)


def _shown(cell):
    return disclosure.SUPPRESSED if cell.count is None else cell.count
