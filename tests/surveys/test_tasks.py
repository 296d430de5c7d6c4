"""Invitations and reminders: right members, right days, once each, none after submission."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from core.models import OutboxMessage
from members import factories
from surveys import questionnaire, services
from surveys.models import Participation
from surveys.tasks import send_survey_mailings

from .conftest import activate
from .test_services import fill_draft

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
OPENS = datetime(2026, 3, 2, 9, 0, tzinfo=OSLO)
CLOSES = datetime(2026, 3, 31, 23, 59, tzinfo=OSLO)


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def scheduled(admin_user):
    with at(OPENS - timedelta(days=3)):
        edition = questionnaire.build_edition(year=2026)
        services.schedule_edition(
            actor=admin_user,
            edition=edition,
            opens_at=OPENS,
            closes_at=CLOSES,
            reminder_days_after_open=[7, 14],
            reminder_days_before_close=[2],
        )
        services.open_edition(actor=admin_user, edition=edition)
    return edition


@pytest.fixture
def people(member, other_member):
    lapsed = factories.UserFactory(email="no.membership@example.org")
    return {"a": activate(member), "b": activate(other_member), "lapsed": lapsed}


def run_at(moment, deliver_outbox):
    """Run the beat job at `moment`; who got an email from that run."""
    deliver_outbox()  # earlier mail (e.g. a receipt) is not this run's
    mail.outbox.clear()
    with at(moment):
        send_survey_mailings()
        deliver_outbox()
    return sorted(address for message in mail.outbox for address in message.to)


def test_invitations_go_to_active_members_once_when_the_edition_opens(
    scheduled, people, deliver_outbox
):
    assert run_at(OPENS - timedelta(hours=1), deliver_outbox) == []
    invited = run_at(OPENS + timedelta(minutes=5), deliver_outbox)
    assert invited == sorted([people["a"].email, people["b"].email])
    assert run_at(OPENS + timedelta(hours=1), deliver_outbox) == []
    assert Participation.objects.filter(invited_at__isnull=False).count() == 2
    assert not Participation.objects.filter(member=people["lapsed"]).exists()


def test_reminders_on_day_7_and_14_and_2_days_before_closing_stop_after_submission(
    scheduled, people, deliver_outbox
):
    a, b = people["a"], people["b"]
    run_at(OPENS + timedelta(minutes=5), deliver_outbox)
    assert run_at(OPENS + timedelta(days=6, hours=23), deliver_outbox) == []
    assert run_at(OPENS + timedelta(days=7, minutes=5), deliver_outbox) == sorted(
        [a.email, b.email]
    )
    assert run_at(OPENS + timedelta(days=7, hours=2), deliver_outbox) == []

    with at(OPENS + timedelta(days=8)):
        fill_draft(a, scheduled)
        services.submit_response(user=a, edition=scheduled)

    assert run_at(OPENS + timedelta(days=14, minutes=5), deliver_outbox) == [b.email]
    assert run_at(OPENS + timedelta(days=20), deliver_outbox) == []
    assert run_at(CLOSES - timedelta(days=2) + timedelta(minutes=5), deliver_outbox) == [b.email]
    assert run_at(CLOSES - timedelta(hours=5), deliver_outbox) == []
    assert run_at(CLOSES + timedelta(hours=1), deliver_outbox) == []
    assert Participation.objects.get(member=b).reminders_sent == 3
    assert Participation.objects.get(member=a).reminders_sent == 1


def test_a_missed_run_sends_only_the_latest_reminder(scheduled, people, deliver_outbox):
    run_at(OPENS + timedelta(minutes=5), deliver_outbox)
    # Beat was down from day 6 to day 15: one reminder each, not two.
    assert run_at(OPENS + timedelta(days=15), deliver_outbox) == sorted(
        [people["a"].email, people["b"].email]
    )
    assert OutboxMessage.objects.filter(dedupe_key__contains="after-7").count() == 0


def test_member_joining_late_is_invited_and_not_reminded_at_once(scheduled, people, deliver_outbox):
    run_at(OPENS + timedelta(minutes=5), deliver_outbox)
    late = factories.UserFactory(email="late@example.org")
    with at(OPENS + timedelta(days=13)):
        activate(late)
    # The others get their (missed) day-7 reminder in the same run.
    assert late.email in run_at(OPENS + timedelta(days=13, hours=1), deliver_outbox)
    reminded = run_at(OPENS + timedelta(days=14, minutes=5), deliver_outbox)
    assert reminded == sorted([people["a"].email, people["b"].email])
    assert late.email in run_at(CLOSES - timedelta(days=2) + timedelta(minutes=5), deliver_outbox)


def test_running_the_job_twice_at_once_sends_each_email_once(scheduled, people, deliver_outbox):
    mail.outbox.clear()
    with at(OPENS + timedelta(days=7, minutes=5)):
        send_survey_mailings()
        send_survey_mailings()
        deliver_outbox()
        deliver_outbox()
    # Two invitations and no reminder yet: the invitation was just now.
    assert len(mail.outbox) == 2


def test_emails_carry_no_content_only_a_link(scheduled, people, deliver_outbox):
    run_at(OPENS + timedelta(minutes=5), deliver_outbox)
    message = mail.outbox[0]
    assert "/surveys/2026/" in message.body
    for word in ("salary", "lønn", "union", "fagforening", "stigma"):
        assert word not in message.body.lower()


def test_reminder_days_are_configurable_per_edition(admin_user, people, deliver_outbox):
    with at(OPENS - timedelta(days=3)):
        edition = questionnaire.build_edition(year=2026)
        services.schedule_edition(
            actor=admin_user,
            edition=edition,
            opens_at=OPENS,
            closes_at=CLOSES,
            reminder_days_after_open=[3],
            reminder_days_before_close=[],
        )
        services.open_edition(actor=admin_user, edition=edition)
    run_at(OPENS + timedelta(minutes=5), deliver_outbox)
    assert len(run_at(OPENS + timedelta(days=3, minutes=5), deliver_outbox)) == 2
    assert run_at(OPENS + timedelta(days=7, minutes=5), deliver_outbox) == []
    assert run_at(CLOSES - timedelta(days=1), deliver_outbox) == []
