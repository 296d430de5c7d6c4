"""State changes of cases. Each one is atomic and writes its audit row (who, what, when; no
content) and any email through the outbox in the same transaction."""

import secrets
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import links, outbox
from core.audit import forget_subject, record_event
from core.outbox import enqueue_email

from . import attachments, sla
from .access import is_advisor, is_lead
from .models import (
    DESCRIPTION_MAX_LENGTH,
    DESCRIPTION_MIN_LENGTH,
    MESSAGE_MAX_LENGTH,
    Absence,
    Attachment,
    Case,
    CaseTransfer,
    Message,
    Reminder,
    SavedQueueFilter,
    format_reference,
)
from .selectors import advisors, strata_for


def _lock(case):
    """Reload `case` under a row lock for the rest of the transaction: a change is checked
    against, and made on, what is stored now, not what a page loaded earlier; a second
    advisor's change waits for the first and then sees it. The member the page already read
    is kept if the case still names them (refresh_from_db forgets it, and the audit and
    email would read it again)."""
    member_field = Case._meta.get_field("member")
    member = case.member if member_field.is_cached(case) else None
    case.refresh_from_db(from_queryset=Case.objects.select_for_update())
    if member is not None and case.member_id == member.pk:
        member_field.set_cached_value(case, member)
    return case


def _audit(*, actor, action, case):
    record_event(actor=actor, action=f"casework.{action}", target=case, subject=case.member)


# One statement takes the next number of the year, creating the year's row on its first case.
# Concurrent requests queue on the row lock, so no two cases get the same number. Portable:
# PostgreSQL and SQLite (3.35 or newer) both have ON CONFLICT ... RETURNING.
_NEXT_NUMBER_SQL = (
    "INSERT INTO casework_casecounter (year, last_number) VALUES (%s, 1) "
    "ON CONFLICT (year) DO UPDATE SET last_number = casework_casecounter.last_number + 1 "
    "RETURNING last_number"
)


def _next_reference(now):
    year = timezone.localtime(now).year
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER_SQL, [year])
        (number,) = cursor.fetchone()
    return format_reference(year, number)


def _validate_request(*, topics, description):
    errors = {}
    if not topics:
        errors["topics"] = _("Choose at least one topic.")
    text = (description or "").strip()
    if len(text) < DESCRIPTION_MIN_LENGTH:
        errors["description"] = _("Describe your situation in at least %(min)d characters.") % {
            "min": DESCRIPTION_MIN_LENGTH
        }
    elif len(text) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = _("The description can be at most %(max)d characters.") % {
            "max": DESCRIPTION_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    return text


def _case_url(case, *, for_member):
    name = "casework:my-case-detail" if for_member else "casework:case-detail"
    return links.absolute_url(name, pk=case.pk)


def _notify_member(case, template):
    if case.member_id and case.member.email:
        enqueue_email(
            to=case.member.email,
            template_prefix=f"casework/email/{template}",
            context={"url": _case_url(case, for_member=True)},
            about=outbox.about(case),
        )


def _notify_advisor(case, advisor, template):
    if advisor is not None and advisor.email:
        enqueue_email(
            to=advisor.email,
            template_prefix=f"casework/email/{template}",
            context={"url": _case_url(case, for_member=False)},
            about=outbox.about(case),
        )


@transaction.atomic
def request_guidance(*, member, topics, description, safe_contact=""):
    """A member asks for guidance through the portal."""
    text = _validate_request(topics=topics, description=description)
    now = timezone.now()
    case = Case(
        reference=_next_reference(now),
        member=member,
        requester_kind=Case.RequesterKind.MEMBER,
        channel=Case.Channel.PORTAL,
        description=text,
        safe_contact=(safe_contact or "").strip(),
        created_at=now,
        **strata_for(member),
    )
    # The person's input was checked above; every other value is set here, so the model's
    # constraints (kept by the database as well) hold by construction, and the member is the
    # signed-in user. Checking them again cost 15 statements, each constraint through the
    # database in its own savepoint (issue 14); the fields' own checks stay.
    case.full_clean(exclude=["member"], validate_unique=False, validate_constraints=False)
    case.save()
    case.topics.add(*topics)
    _audit(actor=member, action="case.created", case=case)
    _notify_member(case, "request_received")
    return case


@transaction.atomic
def register_inquiry(
    *,
    advisor,
    requester_kind,
    channel,
    topics,
    description,
    member=None,
    contact_name="",
    contact_email="",
    contact_phone="",
    safe_contact="",
    priority=Case.Priority.NORMAL,
    restricted=False,
    assign_to_self=True,
):
    """An advisor records an inquiry that came by phone, email or a visit, from a member or
    from someone else (a manager, a union representative, a relative)."""
    if not is_advisor(advisor):
        raise ValidationError(_("Only advisors can register inquiries."))
    if member is not None and member.pk == advisor.pk:
        raise ValidationError(
            {
                "member_email": _(
                    "You cannot register an inquiry of your own. Ask for guidance as a "
                    "member, and a colleague will take it."
                )
            }
        )
    text = _validate_request(topics=topics, description=description)
    if member is not None:
        requester_kind = Case.RequesterKind.MEMBER
    elif requester_kind == Case.RequesterKind.MEMBER:
        raise ValidationError({"member_email": _("Give the email address of the member.")})
    elif not (contact_name or "").strip() or not (
        (contact_email or "").strip() or (contact_phone or "").strip()
    ):
        raise ValidationError(
            _("Give the name and an email address or phone number of the person asking.")
        )
    if restricted and not assign_to_self:
        raise ValidationError(
            {"restricted": _("A restricted case must be assigned to you when it is registered.")}
        )
    now = timezone.now()
    case = Case(
        reference=_next_reference(now),
        member=member,
        requester_kind=requester_kind,
        channel=channel,
        contact_name=(contact_name or "").strip(),
        contact_email=(contact_email or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        description=text,
        safe_contact=(safe_contact or "").strip(),
        priority=priority,
        restricted=restricted,
        assignee=advisor if assign_to_self else None,
        created_at=now,
        **(strata_for(member) if member is not None else {}),
    )
    case.full_clean()
    case.save()
    case.topics.set(topics)
    _audit(actor=advisor, action="case.created", case=case)
    return case


def _check_open_for_messages(case):
    if case.is_anonymised:
        raise ValidationError(_("This case has been anonymised."))
    if case.status == Case.Status.CLOSED:
        raise ValidationError(_("This case is closed. Reopen it, or send a new request."))


def _validate_body(body):
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": _("Write a message.")})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("A message can be at most %(max)d characters.")
                % {"max": MESSAGE_MAX_LENGTH}
            }
        )
    return text


def _requester_message(*, case, author, body, files):
    """The requester's message (a member's or an anonymous visitor's), its files, and the
    case open again if it was waiting or resolved. Files are checked before anything is
    written, and stored last, so a refused file leaves nothing behind."""
    _lock(case)
    _check_open_for_messages(case)
    text = _validate_body(body)
    checked = attachments.check_uploads(files)
    message = Message.objects.create(
        case=case, author=author, kind=Message.Kind.REPLY, sender=Message.Sender.MEMBER, body=text
    )
    if case.status in (Case.Status.WAITING, Case.Status.RESOLVED):
        case.status = Case.Status.OPEN
        case.resolved_at = None
        case.save(update_fields=["status", "resolved_at", "updated_at"])
    _audit(actor=author, action="case.replied", case=case)
    _notify_advisor(case, case.assignee, "advisor_news")
    attachments.store(message=message, checked=checked)
    return message


@transaction.atomic
def post_member_reply(*, case, member, body, files=()):
    """The member answers in their own case, with up to five files."""
    if case.member_id != member.pk:
        raise ValidationError(_("You can only reply in your own cases."))
    return _requester_message(case=case, author=member, body=body, files=files)


@transaction.atomic
def post_advisor_message(*, case, advisor, kind, body, files=()):
    """A reply to the requester, or an internal note that only advisors ever see (its
    files too).

    Only replies count as the first response and only replies notify the member; a note is
    never emailed."""
    if not is_advisor(advisor):
        raise ValidationError(_("Only advisors can write in a case."))
    if kind not in Message.Kind.values:
        raise ValidationError({"kind": _("Choose a reply or an internal note.")})
    text = _validate_body(body)
    _lock(case)
    if case.member_id == advisor.pk:
        raise ValidationError(_("A colleague works your own case."))
    checked = attachments.check_uploads(files)
    if kind == Message.Kind.REPLY:
        _check_open_for_messages(case)
    elif case.is_anonymised:
        raise ValidationError(_("This case has been anonymised."))
    message = Message.objects.create(
        case=case, author=advisor, kind=kind, sender=Message.Sender.ADVISOR, body=text
    )
    if kind == Message.Kind.REPLY:
        fields = ["updated_at"]
        if case.first_response_at is None:
            case.first_response_at = message.created_at
            fields.append("first_response_at")
        if case.status == Case.Status.NEW:
            case.status = Case.Status.OPEN
            fields.append("status")
        case.save(update_fields=fields)
        _audit(actor=advisor, action="case.replied", case=case)
        _notify_member(case, "member_news")
    else:
        _audit(actor=advisor, action="case.note_added", case=case)
    attachments.store(message=message, checked=checked)
    return message


def record_attachment_download(*, attachment, case, actor):
    """Who downloaded which file of a case (no content): advisors' downloads show in the
    audit log like openings of the case."""
    record_event(
        actor=actor, action="casework.attachment.downloaded", target=attachment, subject=case.member
    )


@transaction.atomic
def change_status(*, case, actor, status, outcome=""):
    """Move a case along its workflow (see Case.TRANSITIONS); closing needs an outcome."""
    _lock(case)
    if status not in Case.TRANSITIONS.get(case.status, ()):
        raise ValidationError(
            {
                "status": _("A case cannot go from “%(old)s” to “%(new)s”.")
                % {
                    "old": Case.Status(case.status).label,
                    "new": Case.Status(status).label if status in Case.Status.values else status,
                }
            }
        )
    now = timezone.now()
    if status == Case.Status.CLOSED:
        if outcome not in Case.Outcome.values:
            raise ValidationError({"outcome": _("Choose an outcome to close the case.")})
        case.outcome = outcome
        case.closed_at = now
        case.resolved_at = case.resolved_at or now
        case.follow_up_on = None
    elif status == Case.Status.RESOLVED:
        case.resolved_at = now
    elif case.status in (Case.Status.RESOLVED, Case.Status.CLOSED):
        case.resolved_at = None
        case.closed_at = None
        case.outcome = ""
    old = case.status
    case.status = status
    case.full_clean()
    case.save(
        update_fields=[
            "status",
            "outcome",
            "closed_at",
            "resolved_at",
            "follow_up_on",
            "updated_at",
        ]
    )
    _audit(actor=actor, action=f"case.status.{old}-{status}", case=case)
    return case


@transaction.atomic
def update_case(*, case, actor, priority, follow_up_on, restricted):
    """Priority, follow-up date and the restricted flag (only for a case assigned to
    someone: nobody else could see it)."""
    _lock(case)
    if restricted and case.assignee_id is None:
        raise ValidationError({"restricted": _("Assign the case before you restrict it.")})
    case.priority = priority
    case.follow_up_on = follow_up_on
    case.restricted = restricted
    case.full_clean()
    case.save(update_fields=["priority", "follow_up_on", "restricted", "updated_at"])
    _audit(actor=actor, action="case.updated", case=case)
    return case


def _check_assignee(assignee, cases=()):
    if assignee is not None and not advisors().filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("Cases can only be assigned to advisors.")})
    if assignee is not None and any(case.member_id == assignee.pk for case in cases):
        raise ValidationError(
            {"assignee": _("An advisor cannot work their own case: choose a colleague.")}
        )


@transaction.atomic
def assign_case(*, case, actor, assignee):
    """Give the case to an advisor (or back to triage with None)."""
    _lock(case)
    _check_assignee(assignee, [case])
    if assignee is None and case.restricted:
        raise ValidationError(
            {"assignee": _("A restricted case must stay assigned to an advisor.")}
        )
    changed = case.assignee_id != (assignee.pk if assignee else None)
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    _audit(actor=actor, action="case.assigned", case=case)
    if changed and assignee is not None and assignee != actor:
        _notify_advisor(case, assignee, "advisor_assigned")
    return case


@transaction.atomic
def assign_cases(*, cases, actor, assignee):
    """Bulk assignment from the queue: all of them or none."""
    for case in sorted(cases, key=lambda case: case.pk):  # one lock order: no deadlock
        _lock(case)
    _check_assignee(assignee, cases)
    if assignee is None and any(case.restricted for case in cases):
        raise ValidationError(
            {"assignee": _("A restricted case must stay assigned to an advisor.")}
        )
    for case in cases:
        case.assignee = assignee
        case.save(update_fields=["assignee", "updated_at"])
        _audit(actor=actor, action="case.assigned", case=case)
    if assignee is not None and assignee != actor and cases:
        enqueue_email(
            to=assignee.email,
            template_prefix="casework/email/advisor_assigned",
            context={"url": links.absolute_url("casework:queue")},
        )
    return len(cases)


def record_case_view(*, case, actor):
    _audit(actor=actor, action="case.viewed", case=case)


# --- Reminders ----------------------------------------------------------------------------


def _due_reminders(now):
    """(case, reason, due_on, recipients) for every case an advisor should be reminded of.
    An absent advisor's cases are reminded to the cover, except restricted ones, which
    nobody else may see."""
    today = timezone.localtime(now).date()
    cutoff = sla.overdue_if_created_before(now)
    triage = list(advisors())
    covers = {
        absence.advisor_id: absence.cover
        for absence in Absence.objects.current(today).select_related("cover")
    }

    def recipients(case):
        # Nobody is reminded of their own case as a member.
        if case.assignee_id is None:
            return [advisor for advisor in triage if advisor.pk != case.member_id]
        cover = covers.get(case.assignee_id)
        if cover is not None and not case.restricted and cover.pk != case.member_id:
            return [cover]
        return [case.assignee]

    due = []
    overdue = Case.objects.awaiting_first_response().filter(created_at__lt=cutoff)
    for case in overdue.select_related("assignee"):
        due_on = timezone.localtime(sla.first_response_due(case.created_at)).date()
        due.append((case, Reminder.Reason.FIRST_RESPONSE, due_on, recipients(case)))
    follow_ups = (
        Case.objects.follow_up_passed(today)
        .filter(anonymised_at__isnull=True)
        .select_related("assignee")
    )
    for case in follow_ups:
        due.append((case, Reminder.Reason.FOLLOW_UP, case.follow_up_on, recipients(case)))
    return due


@transaction.atomic
def send_reminders(*, now=None):
    """One digest a day per advisor, counting the cases they have not been reminded of yet:
    no first response within the business-day target, or a passed follow-up date. Each
    reminder is recorded once (Reminder), each digest once a day (outbox dedupe key), so a
    job that runs twice sends nothing twice. Returns the number of digests queued."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    pending = {}
    for case, reason, due_on, recipients in _due_reminders(now):
        for advisor in recipients:
            pending.setdefault(advisor, []).append((case, reason, due_on))
    already = set(
        Reminder.objects.filter(
            case__in={case for items in pending.values() for case, _, _ in items}
        ).values_list("case_id", "advisor_id", "reason", "due_on")
    )
    sent = 0
    for advisor, items in pending.items():
        fresh = [
            (case, reason, due_on)
            for case, reason, due_on in items
            if (case.pk, advisor.pk, reason, due_on) not in already
        ]
        if not fresh:
            continue
        counts = {
            "first_response": sum(1 for _, r, _ in fresh if r == Reminder.Reason.FIRST_RESPONSE),
            "follow_up": sum(1 for _, r, _ in fresh if r == Reminder.Reason.FOLLOW_UP),
        }
        message = enqueue_email(
            to=advisor.email,
            template_prefix="casework/email/advisor_digest",
            context={
                **counts,
                "url": links.absolute_url("casework:queue", query={"overdue": 1}),
            },
            dedupe_key=f"casework:digest:{advisor.pk}:{today.isoformat()}",
        )
        if message is None:
            # Today's digest went out already; these wait for tomorrow's.
            continue
        Reminder.objects.bulk_create(
            [
                Reminder(case=case, advisor=advisor, reason=reason, due_on=due_on, sent_at=now)
                for case, reason, due_on in fresh
            ]
        )
        sent += 1
    return sent


# --- Saved queue filter -------------------------------------------------------------------

# What a saved filter keeps: the filters, not a one-off reference search or a page number.
SAVED_FILTER_FIELDS = ("status", "topic", "priority", "assignee", "overdue", "sort")


@transaction.atomic
def save_queue_filter(*, advisor, filters):
    """Keep the advisor's current queue filters (cleaned data of QueueFilterForm) as the
    page their queue opens with. Returns the query string saved."""
    if not is_advisor(advisor):
        raise ValidationError(_("Only advisors have a queue."))
    values = {}
    for name in SAVED_FILTER_FIELDS:
        value = filters.get(name)
        if name == "topic" and value is not None:
            value = value.pk
        if name == "overdue":
            value = "on" if value else None
        if value not in (None, ""):
            values[name] = value
    query = urlencode(values)
    SavedQueueFilter.objects.update_or_create(advisor=advisor, defaults={"query": query})
    record_event(actor=advisor, action="casework.queue_filter.saved", target=advisor)
    return query


@transaction.atomic
def forget_queue_filter(*, advisor):
    deleted, _rows = SavedQueueFilter.objects.filter(advisor=advisor).delete()
    if deleted:
        record_event(actor=advisor, action="casework.queue_filter.forgotten", target=advisor)


# --- Absence cover and restricted cases ---------------------------------------------------


@transaction.atomic
def mark_absence(*, actor, advisor, cover, starts_on, ends_on):
    """An advisor marks their own absence, or the lead marks anyone's. The cover is emailed.
    One absence at a time per advisor: overlapping dates are refused."""
    if not (actor == advisor and is_advisor(actor)) and not is_lead(actor):
        raise ValidationError(_("Only the lead advisor can mark a colleague's absence."))
    _check_assignee(cover)
    errors = {}
    if cover is None or cover == advisor:
        errors["cover"] = _("Choose another advisor to cover.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The absence cannot end before it starts.")
    elif ends_on < timezone.localdate():
        errors["ends_on"] = _("The absence is over already.")
    if errors:
        raise ValidationError(errors)
    # Lock the advisor's row so two overlapping absences cannot be marked at once.
    get_user_model().objects.select_for_update().get(pk=advisor.pk)
    if Absence.objects.filter(
        advisor=advisor, starts_on__lte=ends_on, ends_on__gte=starts_on
    ).exists():
        raise ValidationError(_("This advisor already has an absence in those days."))
    if Absence.objects.filter(
        advisor=cover, starts_on__lte=ends_on, ends_on__gte=starts_on
    ).exists():
        raise ValidationError({"cover": _("The cover is away in those days too.")})
    absence = Absence(
        advisor=advisor, cover=cover, starts_on=starts_on, ends_on=ends_on, created_by=actor
    )
    absence.full_clean()
    absence.save()
    record_event(actor=actor, action="casework.absence.marked", target=absence, subject=advisor)
    if cover.email:
        enqueue_email(
            to=cover.email,
            template_prefix="casework/email/cover_assigned",
            context={
                "absent": advisor.get_full_name() or advisor.email,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "url": links.absolute_url("casework:queue", query={"assignee": "covered"}),
            },
        )
    return absence


@transaction.atomic
def end_absence(*, actor, absence):
    """The absent advisor is back (or the plan changed): an absence not begun is removed;
    one under way ends yesterday, so the cases are back with the advisor today."""
    if actor != absence.advisor and not is_lead(actor):
        raise ValidationError(_("Only the lead advisor can end a colleague's absence."))
    today = timezone.localdate()
    record_event(
        actor=actor, action="casework.absence.ended", target=absence, subject=absence.advisor
    )
    if absence.starts_on >= today:
        absence.delete()
    else:
        absence.ends_on = min(absence.ends_on, today - timedelta(days=1))
        absence.save(update_fields=["ends_on"])


@transaction.atomic
def move_restricted_case(*, lead, reference, assignee, reason):
    """The lead moves a restricted case to another advisor, with a written reason: the one
    way a restricted case changes hands without its advisor. Audited with the member as
    subject, and shown to the member (who moved it, to whom, when; not the reason)."""
    if not is_lead(lead):
        raise ValidationError(_("Only the lead advisor can move a restricted case."))
    _check_assignee(assignee)
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Write why the case must move.")})
    case = (
        Case.objects.select_for_update()
        .filter(reference=reference, restricted=True, anonymised_at__isnull=True)
        .exclude(member=lead)
        .first()
    )
    # The lead's own case as a member is not theirs to move: the same answer as for none.
    if case is None:
        raise ValidationError({"reference": _("No restricted case has this reference.")})
    if case.assignee_id == assignee.pk:
        raise ValidationError({"assignee": _("The case is already with this advisor.")})
    _check_assignee(assignee, [case])
    CaseTransfer.objects.create(
        case=case, from_advisor=case.assignee, to_advisor=assignee, moved_by=lead, reason=text
    )
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    _audit(actor=lead, action="case.restricted_moved", case=case)
    _notify_advisor(case, assignee, "advisor_assigned")
    return case


# --- Retention ----------------------------------------------------------------------------


@transaction.atomic
def anonymise_expired_cases(*, now=None):
    """Remove the content and the people from cases closed longer ago than the retention
    period; topics, dates, channel, outcome and strata stay for the statistics.
    Idempotent: an anonymised case is never touched again. Returns the number anonymised."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CASEWORK_RETENTION_DAYS)
    cases = list(Case.objects.due_for_anonymisation(cutoff).select_for_update())
    for case in cases:
        attachments.delete_attachments(Attachment.objects.filter(message__case=case))
        Message.objects.filter(case=case).delete()
        Reminder.objects.filter(case=case).delete()
        CaseTransfer.objects.filter(case=case).delete()
        # The audit rows and emails about the case keep action, subject line and time, but
        # no longer name the person or hold their address.
        if case.member_id:
            forget_subject(target=case, user_id=case.member_id)
        outbox.forget_recipients(about=outbox.about(case))
        case.description = ""
        case.safe_contact = ""
        case.contact_name = ""
        case.contact_email = ""
        case.contact_phone = ""
        case.visitor_secret_hash = ""
        case.member = None
        case.anonymised_at = now
        case.save()
        record_event(actor=None, action="casework.case.anonymised", target=case)
    return len(cases)


# --- Anonymous inquiries ------------------------------------------------------------------

# Easy to read aloud and type: no 0/O or 1/I/L.
SECRET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # noqa: S105 (an alphabet, not a secret)
SECRET_GROUPS = 4
SECRET_GROUP_LENGTH = 5  # 20 characters of 31: about 99 bits


def new_visitor_secret():
    groups = (
        "".join(secrets.choice(SECRET_ALPHABET) for _i in range(SECRET_GROUP_LENGTH))
        for _g in range(SECRET_GROUPS)
    )
    return "-".join(groups)


def _normalise_secret(secret):
    return "".join(ch for ch in (secret or "").upper() if ch.isalnum())


@lru_cache(maxsize=1)
def _stand_in_hash():
    # Checked against when the reference is unknown, so that answer takes as long as a
    # wrong secret for a real reference (no timing oracle).
    return make_password(secrets.token_hex(16))


@transaction.atomic
def submit_anonymous_inquiry(*, topics, description, contact_email="", safe_contact=""):
    """Anyone asks for guidance without an account. Returns (case, secret): the secret is
    shown once and never stored (only its hash) nor emailed. Nothing about the visitor is
    kept but what they typed: no address, no browser, no account."""
    text = _validate_request(topics=topics, description=description)
    secret = new_visitor_secret()
    now = timezone.now()
    case = Case(
        reference=_next_reference(now),
        requester_kind=Case.RequesterKind.ANONYMOUS,
        channel=Case.Channel.PORTAL,
        contact_email=(contact_email or "").strip(),
        description=text,
        safe_contact=(safe_contact or "").strip(),
        visitor_secret_hash=make_password(_normalise_secret(secret)),
        created_at=now,
    )
    case.full_clean()
    case.save()
    case.topics.set(topics)
    _audit(actor=None, action="case.created", case=case)
    return case, secret


def find_anonymous_case(*, reference, secret):
    """The anonymous case with this reference if the secret fits, else None: the same
    answer, after the same hashing work, for an unknown reference and a wrong secret."""
    case = (
        Case.objects.filter(
            reference=(reference or "").strip().upper(),
            requester_kind=Case.RequesterKind.ANONYMOUS,
            anonymised_at__isnull=True,
        )
        .exclude(visitor_secret_hash="")
        .first()
    )
    encoded = case.visitor_secret_hash if case is not None else _stand_in_hash()
    matches = check_password(_normalise_secret(secret), encoded)
    return case if case is not None and matches else None


@transaction.atomic
def post_anonymous_reply(*, case, body):
    """The anonymous requester answers in their case (no author: there is no account)."""
    if not case.is_anonymous:
        raise ValidationError(_("You can only reply in your own cases."))
    return _requester_message(case=case, author=None, body=body, files=())
