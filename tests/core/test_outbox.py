"""The transactional outbox: a user action never waits on, or fails because of, the broker or
the mail server; every message is delivered exactly once in the end."""

import logging
import smtplib
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from core.tasks import deliver_outbox_message


def _after_grace():
    return time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True)


def test_action_succeeds_quickly_with_broker_down(
    client, member, dead_broker, django_capture_on_commit_callbacks, caplog
):
    started = time.monotonic()
    with (
        caplog.at_level(logging.WARNING, logger="core.outbox"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(reverse("account_reset_password"), {"email": member.email})
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert len(callbacks) == 1
    assert "not published (OperationalError)" in caplog.text
    assert elapsed < 2.0
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.payload["to"] == [member.email]
    assert mail.outbox == []


def test_sweeper_delivers_each_pending_message_exactly_once(client, member, dead_broker):
    client.post(reverse("account_reset_password"), {"email": member.email})
    message = OutboxMessage.objects.get()

    call_command("sweep_outbox")  # within the grace period: left to its on-commit publish
    assert mail.outbox == []

    with _after_grace():
        call_command("sweep_outbox")
        call_command("sweep_outbox")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.sent_at is not None
    # The sign-in link is not kept once the email is out.
    assert "body" not in message.payload


def test_redelivered_task_sends_one_email(db):
    message = outbox.enqueue_rendered_email(
        to=["a@example.org"], subject="Hei", body="Du har en ny melding."
    )
    deliver_outbox_message.apply(args=[message.pk])
    deliver_outbox_message.apply(args=[message.pk])
    assert len(mail.outbox) == 1


def test_same_dedupe_key_queues_once(db):
    first = outbox.enqueue_rendered_email(
        to=["a@example.org"], subject="S", body="B", dedupe_key="k:1"
    )
    second = outbox.enqueue_rendered_email(
        to=["a@example.org"], subject="S", body="B", dedupe_key="k:1"
    )
    assert first is not None
    assert second is None
    assert OutboxMessage.objects.count() == 1


def test_nothing_is_sent_when_the_action_rolls_back(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.enqueue_rendered_email(to=["a@example.org"], subject="S", body="B")
        raise RuntimeError("the action failed")
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


class FlakyBackend:
    """An SMTP server that refuses the first `failures` messages."""

    failures = 0
    calls = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("connection lost")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky_smtp():
    FlakyBackend.calls = 0
    with override_settings(EMAIL_BACKEND="tests.core.test_outbox.FlakyBackend"):
        yield FlakyBackend


def test_mail_server_failing_twice_then_recovering_delivers_once(db, flaky_smtp):
    flaky_smtp.failures = 2
    message = outbox.enqueue_rendered_email(to=["a@example.org"], subject="S", body="B")
    deliver_outbox_message.apply(args=[message.pk])  # eager: retries run in place
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 3
    assert len(mail.outbox) == 1


def test_mail_server_always_failing_marks_failed_and_alerts_once(db, flaky_smtp, caplog):
    flaky_smtp.failures = 1000
    message = outbox.enqueue_rendered_email(to=["a@example.org"], subject="S", body="B")
    with caplog.at_level(logging.ERROR, logger="erfaring.alerts"):
        deliver_outbox_message.apply(args=[message.pk])
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == outbox.MAX_ATTEMPTS
    assert message.last_error == "SMTPServerDisconnected"
    alerts = [r for r in caplog.records if r.name == "erfaring.alerts"]
    assert len(alerts) == 1
    assert mail.outbox == []


def test_sweeper_respects_retry_delay_after_a_failure(db, flaky_smtp, dead_broker):
    flaky_smtp.failures = 1
    message = outbox.enqueue_rendered_email(to=["a@example.org"], subject="S", body="B")
    with _after_grace():
        call_command("sweep_outbox")  # fails once; the next try waits for its delay
        call_command("sweep_outbox")
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.status == OutboxMessage.Status.PENDING
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=True):
        call_command("sweep_outbox")
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert len(mail.outbox) == 1


def test_a_message_failed_for_good_keeps_no_text(db, flaky_smtp):
    """A reset link in a message that will never be sent must not stay in the database."""
    flaky_smtp.failures = 1000
    link = "https://erfaring.example/accounts/password/reset/key/1-CANARY-RESET-TOKEN/"
    message = outbox.enqueue_rendered_email(
        to=["a@example.org"], subject="Reset", body=f"Reset: {link}", html=f'<a href="{link}">'
    )
    with pytest.raises(smtplib.SMTPException):
        outbox.deliver_message(message.pk)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert link in message.payload["body"]  # kept while a retry can still send it

    deliver_outbox_message.apply(args=[message.pk])

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.payload == {"to": ["a@example.org"], "subject": "Reset"}


def test_an_error_in_an_html_part_is_not_hidden(db, settings, tmp_path):
    (tmp_path / "broken_subject.txt").write_text("Subject")
    (tmp_path / "broken_message.txt").write_text("Text part")
    (tmp_path / "broken_message.html").write_text("<p>{% url 'no-such-view' %}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    with pytest.raises(NoReverseMatch):
        outbox.enqueue_email(to="a@example.org", template_prefix="broken")
    assert OutboxMessage.objects.count() == 0


def test_an_email_without_an_html_part_is_text_only(db, settings, tmp_path):
    (tmp_path / "plain_subject.txt").write_text("Subject")
    (tmp_path / "plain_message.txt").write_text("Text part")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    message = outbox.enqueue_email(to="a@example.org", template_prefix="plain")
    assert (message.payload["body"], message.payload["html"]) == ("Text part", "")
