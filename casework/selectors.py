"""Reads for the casework pages, render-ready (related rows loaded in a fixed number of
queries). Every case list starts from the gatekeeper, casework.access.visible_cases_for."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import (
    Aggregate,
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim, TruncDate
from django.utils import timezone

from core import roles
from core.compiled import compiled_models, fetch_rows
from core.kept import kept
from core.models import AuditEvent
from core.paging import counted_page, rows_with_total
from members.selectors import breakdown_strata_for, member_summary_for

from . import sla
from .access import (
    ADVISOR,
    MEMBER,
    advisor_cases,
    advisor_cases_today,
    is_advisor,
    is_lead,
    visible_cases_for,
)
from .models import (
    Absence,
    Attachment,
    Case,
    CaseTransfer,
    Message,
    Topic,
    absence_current_q,
)

# Fields of a case a list never shows; they are decrypted only on the case page.
LIST_DEFERRED = ("description", "safe_contact", "contact_email", "contact_phone")
# What a row of the queue shows (casework/jinja2/casework/queue_rows.html), and no more:
# fewer columns to compile, fetch and turn into objects. The member's and the assignee's
# names come as two columns (_person_name), not as two more objects per row.
QUEUE_ROW_FIELDS = (
    "reference",
    "restricted",
    "requester_kind",
    "contact_name",
    "status",
    "priority",
    "created_at",
    "follow_up_on",
    "member",
    "assignee",
)

QUEUE_SORTS = {
    "newest": ("-created_at", "-pk"),
    "oldest": ("created_at", "pk"),
    "priority": ("-priority", "created_at", "pk"),
    "follow_up": ("follow_up_on", "created_at", "pk"),
    "status": ("status", "-created_at", "pk"),
    "reference": ("reference",),
}


def advisors():
    """Active users who may work cases (and so may be assigned one): the holders of a role
    that grants it, as has_role_permission() decides (a permission given by hand grants
    nothing)."""
    User = get_user_model()
    holders = User.groups.through.objects.filter(
        group__name__in=roles.roles_granting("members.work_casework")
    ).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).order_by(
        "first_name", "last_name", "email"
    )


def assignable_advisors(case=None):
    """The advisors a case may go to: never the member who asked (an advisor who is also
    a member has their case worked by a colleague)."""
    if case is None or case.member_id is None:
        return advisors()
    return advisors().exclude(pk=case.member_id)


def _advisor_names(excluded_id=None):
    listed = advisors() if excluded_id is None else advisors().exclude(pk=excluded_id)
    return listed.values_list("pk", "first_name", "last_name", "email")


def advisor_choices(case=None):
    """(id, name) of each of assignable_advisors(case), for a drop-down: the same rows, from
    SQL compiled once (core.compiled), as the drop-down is on the queue and every case page,
    and kept for a minute (core.kept: a drop-down, not the check of an assignment)."""
    return _advisor_choices(None if case is None else case.member_id)


@kept
def _advisor_choices(member_id):
    if member_id is None:
        rows = fetch_rows("casework.advisor_choices", _advisor_names)
    else:
        rows = fetch_rows("casework.advisor_choices_except", _advisor_names, member_id)
    # As User.get_full_name() or the address, which the form's own labels show.
    return tuple((pk, f"{first} {last}".strip() or email) for pk, first, last, email in rows)


def strata_for(member):
    """The coarse strata copied onto a new case (see Case.region)."""
    strata = breakdown_strata_for(member)
    return {"region": strata["region"], "employer_type": strata["employer_type"]}


@kept
def topics():
    """Every topic, in order (the queue's filter offers them, its rows name them): SQL
    compiled once, the topics kept for a minute (core.kept)."""
    return tuple(compiled_models("casework.topics", Topic.objects.all))


def _with_topics(cases):
    return cases.prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("position")))


def member_cases(user):
    return _with_topics(
        visible_cases_for(user, perspective=MEMBER)
        .defer(*LIST_DEFERRED, "contact_name")
        .order_by("-created_at", "-pk")
    )


def queue_cases(user, *, filters, covered, now=None):
    """The advisor's queue: triage plus their own cases, filtered and sorted.

    `filters` is the cleaned data of QueueFilterForm; `covered` the ids of the advisors
    `user` covers for today (queue_start)."""
    if not is_advisor(user):
        return Case.objects.none()
    return _queue(user.pk, lead=is_lead(user), covered=covered, filters=filters, now=now)


class _IdList(Aggregate):
    """The group's ids as text, comma-separated ("3,7"), in either database."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')",
            **extra_context,
        )


def _topic_ids():
    # The topics of each row ride along with the page (25 index lookups inside the
    # statement): one round trip fewer than reading the links afterwards.
    links = Case.topics.through.objects.filter(case_id=OuterRef("pk"))
    return Subquery(links.values("case_id").annotate(ids=_IdList("topic_id")).values("ids"))


def _person_name(relation):
    """As User.get_full_name() or the address, in SQL (NULL without a person)."""
    full_name = Trim(Concat(f"{relation}__first_name", Value(" "), f"{relation}__last_name"))
    return Coalesce(NullIf(full_name, Value("")), f"{relation}__email", output_field=CharField())


def _queue(user_id, *, lead, covered, filters, now=None):
    cases = advisor_cases(user_id, lead=lead, covered=covered).annotate(
        overdue=ExpressionWrapper(overdue_q(now), output_field=BooleanField()),
        topic_ids=_topic_ids(),
        member_name=_person_name("member"),
        assignee_name=_person_name("assignee"),
    )
    if filters.get("reference"):
        cases = cases.filter(reference__icontains=filters["reference"])
    status = filters.get("status")
    if status == "active":
        cases = cases.open()
    elif status and status != "all":
        cases = cases.filter(status=status)
    if filters.get("topic"):
        cases = cases.filter(topics=filters["topic"])
    if filters.get("priority"):
        cases = cases.filter(priority=filters["priority"])
    assignee = filters.get("assignee")
    if assignee == "me":
        cases = cases.filter(assignee_id=user_id)
    elif assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif assignee == "covered":
        cases = cases.filter(assignee__in=covered)
    elif assignee != "all" and lead:
        # A lead's visible cases include colleagues'; their queue starts like everyone's:
        # their own, triage, and those of anyone they cover for. (Everyone else sees no
        # more than that anyway.)
        cases = cases.filter(
            Q(assignee_id=user_id) | Q(assignee__isnull=True) | Q(assignee__in=covered)
        )
    if filters.get("overdue"):
        cases = cases.filter(overdue_q(now))
    sort = QUEUE_SORTS.get(filters.get("sort") or "newest", QUEUE_SORTS["newest"])
    return cases.only(*QUEUE_ROW_FIELDS).order_by(*sort)


def queue_page(user, *, filters, covered, number, per_page):
    """Page `number` of queue_cases(user, filters=…, covered=…) with its total
    (core.paging.counted_page), read with SQL compiled once per shape of the queue (the
    role, the filters, how many colleagues are covered, the page): the ids (the advisor's,
    the topic's, the colleagues') are the only values swapped in (core.compiled; checked
    against the ORM in every test). A search by reference goes the ORM's way: its text is
    no id."""
    if filters.get("reference") or not is_advisor(user):
        return counted_page(queue_cases(user, filters=filters, covered=covered), number, per_page)
    lead = is_lead(user)
    topic = filters.get("topic")
    fixed = {key: value for key, value in filters.items() if key not in ("topic", "reference")}
    shape = (lead, len(covered), topic is not None, tuple(sorted(fixed.items())))

    def build(start, stop):
        def rows(user_id, *ids):
            topic_id, covered_ids = (ids[0], ids[1:]) if topic is not None else (None, ids)
            cases = _queue(
                user_id, lead=lead, covered=list(covered_ids), filters={**fixed, "topic": topic_id}
            )
            return rows_with_total(cases, start, stop)

        return rows

    ids = (user.pk, *([topic.pk] if topic is not None else []), *covered)
    return counted_page(
        lambda: queue_cases(user, filters=filters, covered=covered),
        number,
        per_page,
        fetch=lambda start, stop: compiled_models(
            ("casework.queue", shape, start, stop), build(start, stop), *ids
        ),
    )


def list_topics(cases, topics):
    """Set `case.topic_names` (the names, comma-separated, in the topics' order) on each of
    `cases`, rows of the queue (their `topic_ids` came with them), from `topics`: all of
    them, read once for the page's topic filter anyway. A topic added elsewhere since
    `topics` was kept (core.kept) is read here."""
    linked = {
        case.pk: [int(pk) for pk in case.topic_ids.split(",")] if case.topic_ids else []
        for case in cases
    }
    known = {topic.pk for topic in topics}
    added = {pk for pks in linked.values() for pk in pks} - known
    if added:
        topics = [*topics, *Topic.objects.filter(pk__in=added)]
        topics.sort(key=lambda topic: (topic.position, topic.code))
    order = {topic.pk: i for i, topic in enumerate(topics)}
    names = {topic.pk: topic.name for topic in topics}  # each in the active language, once
    for case in cases:
        ordered = sorted(linked[case.pk], key=order.__getitem__)
        case.topic_names = ", ".join(names[pk] for pk in ordered)
    return cases


def visible_case_with_reference(user, reference):
    """The case with exactly this reference if the advisor may open it, else None: the
    same None for an unknown reference and for a colleague's restricted case."""
    return (
        visible_cases_for(user, perspective=ADVISOR).filter(reference=reference).only("pk").first()
    )


OPEN_STATUSES = (Case.Status.NEW, Case.Status.OPEN, Case.Status.WAITING)


def overdue_q(now=None, *, prefix=""):
    """Open cases with no first response within the target, or a passed follow-up date.
    `prefix` names the relation from another model ("assigned_cases__")."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()

    def q(**lookups):
        return Q(**{prefix + key: value for key, value in lookups.items()})

    return q(status__in=OPEN_STATUSES) & (
        q(first_response_at__isnull=True, created_at__lt=sla.overdue_if_created_before(now))
        | q(follow_up_on__lt=today)
    )


def _workload_counts(now, prefix, viewer):
    def q(**lookups):
        return Q(**{prefix + key: value for key, value in lookups.items()})

    # The viewer's own cases (a lead who is also a member) are not theirs to count.
    live = q(anonymised_at__isnull=True, status__in=OPEN_STATUSES) & (
        q(member__isnull=True) | ~q(member=viewer)
    )
    return {
        "open_cases": Count(prefix + "pk", filter=live, distinct=True),
        "overdue_cases": Count(
            prefix + "pk",
            filter=live & overdue_q(now, prefix=prefix),
            distinct=True,
        ),
        "awaiting_first_response": Count(
            prefix + "pk",
            filter=live & q(first_response_at__isnull=True),
            distinct=True,
        ),
    }


def advisor_workload(viewer, *, now=None):
    """For the lead advisor (`viewer`): per advisor, their open cases, how many are overdue
    and how many wait for a first response (restricted ones counted, never shown); and the
    same for triage; the viewer's own cases as a member left out. Counts only, in two
    queries."""
    now = now or timezone.now()
    per_advisor = advisors().annotate(**_workload_counts(now, "assigned_cases__", viewer))
    triage = Case.objects.filter(assignee__isnull=True).aggregate(
        **_workload_counts(now, "", viewer)
    )
    return list(per_advisor), triage


def member_thread(case):
    """What the member sees of the conversation: replies only, never internal notes."""
    return (
        case.messages.filter(kind=Message.Kind.REPLY)
        .select_related("author")
        .prefetch_related("attachments")
    )


def advisor_thread(case):
    """The case's messages, each with `files`, its attachments (read in one plain query by
    the case, not a prefetch that lists every message's id), from SQL compiled once
    (core.compiled): every case page reads them."""
    messages = compiled_models("casework.advisor_thread", _thread, case.pk)
    files = {message.pk: [] for message in messages}
    if messages:
        for attachment in compiled_models("casework.thread_files", _thread_files, case.pk):
            files[attachment.message_id].append(attachment)
    for message in messages:
        message.case = case
        message.files = files[message.pk]
    return messages


def _thread(case_id):
    return Message.objects.filter(case_id=case_id).select_related("author")


def _thread_files(case_id):
    return Attachment.objects.filter(message__case_id=case_id)


def related_cases(case, user, *, limit):
    """Up to `limit` other cases of the same member that this advisor may see, newest
    first, from SQL compiled once (core.compiled): every case page lists them."""
    if case.member_id is None or not is_advisor(user):
        return []
    lead = is_lead(user)

    def build(user_id, member_id, case_id):
        return (
            advisor_cases_today(user_id, lead=lead)
            .filter(member_id=member_id)
            .exclude(pk=case_id)
            .only("pk", "reference", "status", "created_at")
            .order_by("-created_at")[:limit]
        )

    return compiled_models(
        ("casework.related_cases", lead, limit), build, user.pk, case.member_id, case.pk
    )


def member_summary(case):
    return member_summary_for(case.member) if case.member_id else None


def _openings(case):
    return (
        AuditEvent.objects.filter(
            object_type="casework.case", object_id=str(case.pk), action="casework.case.viewed"
        )
        .exclude(actor_id=case.member_id)
        .exclude(actor__isnull=True)
    )


def case_access_log(case):
    """Every time someone (other than the member) opened the case: the member is entitled
    to know (Normen, GDPR art. 15). The data download lists them all."""
    return _openings(case).select_related("actor").order_by("-at")


def case_openings_by_day(case):
    """Who opened the case on which day (Norwegian time), one row per person and day,
    newest first: what the member's case page shows, readable however often a page was
    reloaded. Rows: {"who", "day", "first", "last", "times"}."""
    rows = (
        _openings(case)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_default_timezone()))
        .values("day", "actor_id", "actor__first_name", "actor__last_name", "actor__email")
        .annotate(first=Min("at"), last=Max("at"), times=Count("pk"))
        .order_by("-day", "-last")
    )
    return [
        {
            "who": f"{row['actor__first_name']} {row['actor__last_name']}".strip()
            or row["actor__email"],
            "day": row["day"],
            "first": row["first"],
            "last": row["last"],
            "times": row["times"],
        }
        for row in rows
    ]


def absences_for(user, *, lead, today=None):
    """Absences that are current or ahead: all of them for the lead, otherwise those where
    `user` is away or covers."""
    today = today or timezone.localdate()
    absences = Absence.objects.filter(ends_on__gte=today).select_related("advisor", "cover")
    if not lead:
        absences = absences.filter(Q(advisor=user) | Q(cover=user))
    return absences.order_by("starts_on", "pk")


@dataclass(frozen=True)
class Covering:
    advisor_id: int
    advisor_name: str
    ends_on: date


@dataclass(frozen=True)
class QueueStart:
    saved_query: str | None  # the advisor's saved filter (a query string), if any
    covering: list  # of Covering, by end date


def _queue_start_rows(advisor_id):
    # One row per colleague covered today (or one with no colleague), each with the saved
    # filter: two lookups by the advisor in one statement.
    today = timezone.localdate()
    return (
        get_user_model()
        .objects.filter(pk=advisor_id)
        .annotate(
            cover_today=FilteredRelation(
                "covering", condition=absence_current_q(today, prefix="covering__")
            )
        )
        .order_by("cover_today__ends_on", "cover_today__pk")
        .values_list(
            "saved_queue_filter__query",
            "cover_today__advisor_id",
            "cover_today__advisor__first_name",
            "cover_today__advisor__last_name",
            "cover_today__advisor__email",
            "cover_today__ends_on",
        )
    )


def queue_start(user):
    """What the advisor's queue starts from: their saved filter and whom they cover for
    today and until when (the note above the queue and its filter). On every queue page,
    so in one statement compiled once a day (core.compiled: today's date is in the SQL)."""
    rows = fetch_rows("casework.queue_start", _queue_start_rows, user.pk)
    return QueueStart(
        saved_query=rows[0][0] if rows else None,
        covering=[
            Covering(advisor_id, f"{first} {last}".strip() or email, ends_on)
            for _, advisor_id, first, last, email, ends_on in rows
            if advisor_id is not None
        ],
    )


def case_transfers(case):
    """Moves of a restricted case by the lead, for the member's page: who moved it, to whom
    and when; never the reason (an advisors' note)."""
    return CaseTransfer.objects.filter(case=case).select_related("moved_by", "to_advisor")
