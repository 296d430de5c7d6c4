"""Casework statistics for admins: the predefined tables only, every count protected by
core.disclosure (primary and secondary suppression), medians only for n >= the threshold.

Counts and medians are computed in the database (GROUP BY; the median row picked with
window functions), on case fields that retention leaves in place (topics, channel, requester
kind, dates, strata), so anonymising old cases does not change any figure.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Window
from django.db.models.functions import RowNumber, TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _

from core import disclosure
from core.disclosure import Dimension, protect_table
from members.models import EmployerType
from members.regions import Region

from .models import Case, Topic

TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
UNKNOWN = ""


def years():
    first = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    last = timezone.localdate().year
    start = timezone.localtime(first).year if first else last
    return list(range(start, last + 1))


def _period_code(moment, period):
    local = timezone.localtime(moment)
    if period == "year":
        return str(local.year)
    if period == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return f"{local.year}-{local.month:02d}"


def period_dimension(period, year):
    if period == "year":
        categories = tuple((str(y), str(y)) for y in years())
    elif period == "quarter":
        categories = tuple((f"{year}-Q{q}", f"{year} Q{q}") for q in range(1, 5))
    else:
        categories = tuple((f"{year}-{m:02d}", f"{year}-{m:02d}") for m in range(1, 13))
    labels = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}
    return Dimension("period", labels[period], categories)


def topic_dimension():
    return Dimension(
        "topic", _("Topic"), tuple((t.code, t.name) for t in Topic.objects.order_by("position"))
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


def _cases(period, year):
    cases = Case.objects.all()
    if period != "year" and year:
        cases = cases.filter(created_at__year=year)
    return cases


def _grouped(cases, period, field):
    rows = (
        cases.annotate(p=TRUNC[period]("created_at"))
        .values("p", field)
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    counts = {}
    for row in rows:
        key = (_period_code(row["p"], period), row[field])
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


def topic_table(*, period, year):
    counts = _grouped(_cases(period, year), period, "topics__code")
    return protect_table(
        title=_("Inquiries per topic (an inquiry about several topics counts under each)"),
        rows=period_dimension(period, year),
        columns=topic_dimension(),
        counts={key: n for key, n in counts.items() if key[1] is not None},
    )


def channel_table(*, period, year):
    return protect_table(
        title=_("Inquiries by channel"),
        rows=period_dimension(period, year),
        columns=channel_dimension(),
        counts=_grouped(_cases(period, year), period, "channel"),
    )


def requester_table(*, period, year):
    counts = {}
    for (p, kind), n in _grouped(_cases(period, year), period, "requester_kind").items():
        key = (p, "member" if kind == Case.RequesterKind.MEMBER else "other")
        counts[key] = counts.get(key, 0) + n
    return protect_table(
        title=_("Inquiries from members and others"),
        rows=period_dimension(period, year),
        columns=requester_dimension(),
        counts=counts,
    )


def breakdown_table(*, breakdown, period, year):
    field = "employer_type" if breakdown == "employer_type" else "region"
    cases = Case.objects.all()
    if year:
        cases = cases.filter(created_at__year=year)
    rows = cases.values(field, "topics__code").annotate(n=Count("pk", distinct=True)).order_by()
    dimension = breakdown_dimension(field)
    known = set(dimension.codes)
    counts = {}
    for row in rows:
        if row["topics__code"] is None:
            continue
        stratum = row[field] if row[field] in known else UNKNOWN
        key = (stratum, row["topics__code"])
        counts[key] = counts.get(key, 0) + row["n"]
    title = _("Inquiries per topic by %(breakdown)s, %(year)s") % {
        "breakdown": str(dimension.label).lower(),
        "year": year or _("all years"),
    }
    return protect_table(title=title, rows=dimension, columns=topic_dimension(), counts=counts)


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


@dataclass(frozen=True)
class ResponseTimeRow:
    label: str
    answered: str
    first_response_hours: str
    resolved: str
    resolution_days: str


@dataclass(frozen=True)
class ResponseTimeTable:
    """Medians per period; a median and its n are shown only when n >= the threshold.
    Exports like a ProtectedTable (title, threshold, lines)."""

    title: str
    rows: tuple[ResponseTimeRow, ...]
    threshold: int

    def header(self):
        return [
            _("Period"),
            _("Answered"),
            _("Median time to first response (hours)"),
            _("Resolved"),
            _("Median time to resolution (days)"),
        ]

    def lines(self):
        yield [str(h) for h in self.header()]
        for row in self.rows:
            yield [
                row.label,
                row.answered,
                row.first_response_hours,
                row.resolved,
                row.resolution_days,
            ]


def response_time_table(*, period, year):
    cases = _cases(period, year)
    limit = disclosure.threshold()
    first = _medians(cases, start="created_at", end="first_response_at", period=period)
    resolved = _medians(cases, start="created_at", end="resolved_at", period=period)

    def shown(entry, unit_seconds):
        if entry is None or entry[0] < limit:
            return (disclosure.SUPPRESSED if entry else "0"), ""
        n, median = entry
        return str(n), f"{median.total_seconds() / unit_seconds:.1f}"

    rows = []
    for code, label in period_dimension(period, year).categories:
        answered, hours = shown(first.get(code), 3600)
        done, days = shown(resolved.get(code), 86400)
        rows.append(ResponseTimeRow(str(label), answered, hours, done, days))
    return ResponseTimeTable(_("Response times (medians)"), tuple(rows), limit)


def all_tables(*, period, year, breakdown):
    return [
        topic_table(period=period, year=year),
        channel_table(period=period, year=year),
        requester_table(period=period, year=year),
        response_time_table(period=period, year=year),
        breakdown_table(breakdown=breakdown, period=period, year=year),
    ]
