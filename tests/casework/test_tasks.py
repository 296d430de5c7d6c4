"""Business-day targets, advisor reminders and retention, as the beat jobs run them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone

from casework import services, sla, stats, tasks
from casework.factories import CaseFactory, MessageFactory, NonMemberCaseFactory
from casework.models import Case, Message, Reminder
from core.models import AuditEvent, OutboxMessage

from .conftest import CANARY_DESCRIPTION, CANARY_NOTE

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*args):
    return datetime(*args, tzinfo=OSLO)


# --- Business days --------------------------------------------------------------------------


def test_business_days_skip_easter_2026():
    # Maundy Thursday 2 April, Good Friday 3 April, Easter Monday 6 April, and the weekend.
    assert sla.add_business_days(date(2026, 4, 1), 1) == date(2026, 4, 7)
    assert sla.add_business_days(date(2026, 4, 1), 2) == date(2026, 4, 8)
    # An ordinary week for comparison: Wednesday + 2 = Friday.
    assert sla.add_business_days(date(2026, 3, 25), 2) == date(2026, 3, 27)


def test_first_response_due_over_easter_is_end_of_the_second_business_day():
    due = sla.first_response_due(oslo(2026, 4, 1, 14, 0), days=2)
    assert due == oslo(2026, 4, 9, 0, 0)


def test_weekend_inquiry_counts_from_monday():
    assert sla.first_response_due(oslo(2026, 3, 28, 10), days=1) == oslo(2026, 3, 31)


def test_overdue_cutoff_matches_due_date():
    created = oslo(2026, 4, 1, 23, 30)
    due = sla.first_response_due(created, days=2)
    assert not created < sla.overdue_if_created_before(due - timedelta(minutes=1), days=2)
    assert created < sla.overdue_if_created_before(due, days=2)


# --- Reminders ------------------------------------------------------------------------------


@override_settings(CASEWORK_FIRST_RESPONSE_BUSINESS_DAYS=2)
def test_no_reminder_during_easter_then_one_digest_once(
    member, advisor, other_advisor, deliver_outbox
):
    case = CaseFactory(member=member, assignee=advisor, created_at=oslo(2026, 4, 1, 9))
    with time_machine.travel(oslo(2026, 4, 8, 18), tick=False):
        tasks.send_casework_reminders()
    assert deliver_outbox() == 0
    with time_machine.travel(oslo(2026, 4, 9, 7), tick=False):
        tasks.send_casework_reminders()
        tasks.send_casework_reminders()
    deliver_outbox()
    assert [m.to for m in mail.outbox] == [[advisor.email]]
    assert "1 sak er ikke besvart" in mail.outbox[0].body
    assert "CANARY" not in mail.outbox[0].body
    with time_machine.travel(oslo(2026, 4, 10, 7), tick=False):
        tasks.send_casework_reminders()
    deliver_outbox()
    assert len(mail.outbox) == 1, "a reminder is sent once, not every day"
    assert Reminder.objects.filter(case=case).count() == 1


@override_settings(CASEWORK_FIRST_RESPONSE_BUSINESS_DAYS=2)
def test_unassigned_overdue_case_reminds_every_advisor_in_one_digest_each(
    member, advisor, other_advisor, deliver_outbox
):
    CaseFactory(member=member, created_at=oslo(2026, 3, 2, 9))
    CaseFactory(member=member, created_at=oslo(2026, 3, 2, 10))
    with time_machine.travel(oslo(2026, 3, 10, 7), tick=False):
        tasks.send_casework_reminders()
    deliver_outbox()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([advisor.email, other_advisor.email])
    assert all("2 saker er ikke besvart" in m.body for m in mail.outbox)


def test_answered_case_gets_no_reminder(member, advisor, deliver_outbox):
    case = CaseFactory(member=member, assignee=advisor, created_at=oslo(2026, 3, 2, 9))
    case.first_response_at = oslo(2026, 3, 2, 12)
    case.status = Case.Status.OPEN
    case.save()
    with time_machine.travel(oslo(2026, 3, 10, 7), tick=False):
        tasks.send_casework_reminders()
    assert deliver_outbox() == 0


def test_passed_follow_up_reminds_once_per_date(member, advisor, deliver_outbox):
    case = CaseFactory(
        member=member,
        assignee=advisor,
        status=Case.Status.WAITING,
        first_response_at=oslo(2026, 3, 2, 12),
        created_at=oslo(2026, 3, 2, 9),
        follow_up_on=date(2026, 3, 9),
    )
    with time_machine.travel(oslo(2026, 3, 9, 7), tick=False):
        tasks.send_casework_reminders()
    assert deliver_outbox() == 0, "the follow-up date itself is not passed yet"
    with time_machine.travel(oslo(2026, 3, 10, 7), tick=False):
        tasks.send_casework_reminders()
    with time_machine.travel(oslo(2026, 3, 11, 7), tick=False):
        tasks.send_casework_reminders()
    deliver_outbox()
    assert len(mail.outbox) == 1
    assert "oppfølgingsdato" in mail.outbox[0].body
    case.follow_up_on = date(2026, 3, 12)
    case.save()
    with time_machine.travel(oslo(2026, 3, 13, 7), tick=False):
        tasks.send_casework_reminders()
    deliver_outbox()
    assert len(mail.outbox) == 2, "a new follow-up date is reminded again"


def test_second_run_on_the_same_day_keeps_new_reminders_for_tomorrow(
    member, advisor, deliver_outbox
):
    CaseFactory(member=member, assignee=advisor, created_at=oslo(2026, 3, 2, 9))
    with time_machine.travel(oslo(2026, 3, 10, 7), tick=False):
        tasks.send_casework_reminders()
    late = CaseFactory(member=member, assignee=advisor, created_at=oslo(2026, 3, 3, 9))
    with time_machine.travel(oslo(2026, 3, 10, 15), tick=False):
        tasks.send_casework_reminders()
    assert not Reminder.objects.filter(case=late).exists()
    with time_machine.travel(oslo(2026, 3, 11, 7), tick=False):
        tasks.send_casework_reminders()
    assert Reminder.objects.filter(case=late).count() == 1
    assert deliver_outbox() == 2


# --- Retention ------------------------------------------------------------------------------


def _closed_case(member, advisor, closed, **extra):
    case = CaseFactory(
        member=member,
        assignee=advisor,
        description=CANARY_DESCRIPTION,
        created_at=closed - timedelta(days=20),
        first_response_at=closed - timedelta(days=19),
        resolved_at=closed - timedelta(days=1),
        closed_at=closed,
        status=Case.Status.CLOSED,
        outcome=Case.Outcome.GUIDANCE_GIVEN,
        region="vest",
        **extra,
    )
    MessageFactory(case=case, author=advisor, kind="internal_note", body=CANARY_NOTE)
    return case


def _all_stats():
    """What every casework release is counted from: the populations' counts and the
    response-time medians (a release protects these; if they stay, so does the release)."""
    spec = stats.release_spec()
    medians = [lines for _key, _title, _header, lines in spec.extras()]
    return [dict(p.counts) for p in spec.populations], medians


@override_settings(CASEWORK_RETENTION_DAYS=365)
def test_retention_anonymises_once_and_statistics_do_not_change(member, advisor, topics):
    old = [_closed_case(member, advisor, oslo(2023, 3, d, 12)) for d in range(1, 8)]
    recent = _closed_case(member, advisor, oslo(2026, 6, 1, 12))
    NonMemberCaseFactory(
        created_at=oslo(2023, 2, 1),
        status=Case.Status.CLOSED,
        closed_at=oslo(2023, 2, 2),
        outcome="other",
    )
    before = _all_stats()
    with time_machine.travel(oslo(2026, 11, 27, 2, 30), tick=False):
        tasks.anonymise_expired_cases()
        first_run = {
            c.pk: c.anonymised_at for c in Case.objects.filter(anonymised_at__isnull=False)
        }
        tasks.anonymise_expired_cases()
    second_run = {c.pk: c.anonymised_at for c in Case.objects.filter(anonymised_at__isnull=False)}
    assert len(first_run) == 8
    assert first_run == second_run, "an anonymised case is not touched again"
    assert _all_stats() == before
    assert AuditEvent.objects.filter(action="casework.case.anonymised").count() == 8

    for case in old:
        case.refresh_from_db()
        assert (case.member, case.description, case.safe_contact) == (None, None, None)
        assert case.topics.exists()
        assert case.outcome == Case.Outcome.GUIDANCE_GIVEN
        assert case.closed_at is not None
        assert not Message.objects.filter(case=case).exists()
    recent.refresh_from_db()
    assert recent.member == member
    assert recent.messages.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM casework_message")
        assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize("status", [Case.Status.OPEN, Case.Status.RESOLVED])
def test_retention_leaves_cases_that_are_not_closed(member, advisor, status):
    case = CaseFactory(member=member, assignee=advisor, status=status, created_at=oslo(2019, 1, 1))
    tasks.anonymise_expired_cases()
    case.refresh_from_db()
    assert case.anonymised_at is None


def test_retention_forgets_the_member_in_the_cases_audit_rows_and_emails(
    member, advisor, topics, deliver_outbox
):
    case = services.request_guidance(
        member=member, topics=[topics["stigma"]], description=CANARY_DESCRIPTION
    )
    services.assign_case(case=case, actor=advisor, assignee=advisor)
    services.record_case_view(case=case, actor=advisor)
    services.post_advisor_message(case=case, advisor=advisor, kind="reply", body="Svar her.")
    services.post_member_reply(case=case, member=member, body="Takk for svaret.")
    services.change_status(case=case, actor=advisor, status=Case.Status.CLOSED, outcome="other")
    deliver_outbox()
    rows = AuditEvent.objects.filter(object_type="casework.case", object_id=str(case.pk))
    before = sorted(rows.values_list("action", "at"))
    assert rows.filter(subject=member).exists()
    assert OutboxMessage.objects.filter(payload__to__icontains=member.email).exists()

    later = timezone.now() + timedelta(days=settings.CASEWORK_RETENTION_DAYS + 1)
    assert services.anonymise_expired_cases(now=later) == 1

    # Action and time stay; the member is named nowhere (the advisor's own acts keep them).
    assert not rows.filter(Q(subject=member) | Q(actor=member)).exists()
    assert sorted(rows.exclude(action="casework.case.anonymised").values_list("action", "at")) == (
        before
    )
    assert rows.filter(actor=advisor, action="casework.case.viewed").exists()
    assert not OutboxMessage.objects.filter(payload__to__icontains=member.email).exists()
    emails = OutboxMessage.objects.filter(payload__about=f"casework.case:{case.pk}")
    assert emails.count() >= 2
    assert all(email.payload["subject"] and email.sent_at for email in emails)
