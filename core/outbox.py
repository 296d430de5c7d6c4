"""Transactional outbox: side effects of user actions, stored with the action, delivered later.

enqueue_* writes a row in the caller's transaction and publishes its id to Celery on commit.
Publishing is bounded by a short timeout and never raises: if the broker is down, the row
stays pending and the sweeper (manage.py sweep_outbox, also run by beat) delivers it.
deliver_message claims the row with SELECT ... FOR UPDATE SKIP LOCKED and a status check,
so a redelivered or duplicated task sends nothing twice.
"""

import logging
import smtplib
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from . import links
from .models import OutboxMessage

logger = logging.getLogger(__name__)
alerts = logging.getLogger("erfaring.alerts")

# Seconds to wait before each retry of a failed delivery; the message is marked failed after
# the last one. Well under the Redis visibility timeout.
RETRY_DELAYS = (30, 120, 600, 1800)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Errors worth retrying: the mail server or the network is down or refused us for now.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


# Whether _enqueue publishes its rows on commit; see unpublished().
_publishing = ContextVar("outbox_publishing", default=True)


@contextmanager
def unpublished():
    """Queue rows without publishing them on commit. For seed_demo, which drops the
    notifications its services queued to invented people: published, each would still have
    reached the worker as a task with nothing to send. Rows left pending go to the sweeper."""
    token = _publishing.set(False)
    try:
        yield
    finally:
        _publishing.reset(token)


def _grace():
    return timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)


def _enqueue(*, kind, payload, dedupe_key=None):
    if dedupe_key is not None:
        message, created = OutboxMessage.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "kind": kind,
                "payload": payload,
                "next_attempt_at": timezone.now() + _grace(),
            },
        )
        if not created:
            return None
    else:
        message = OutboxMessage.objects.create(
            kind=kind, payload=payload, next_attempt_at=timezone.now() + _grace()
        )
    if _publishing.get():
        transaction.on_commit(lambda: publish(message.pk))
    return message


def about(target):
    """The tag naming the object an email is about ("app.model:pk"): kept on the row after
    sending, so the object's retention can find the emails and forget their addresses."""
    return f"{target._meta.label_lower}:{target.pk}"


def enqueue_email(*, to, template_prefix, context=None, dedupe_key=None, about=None):
    """Queue an email rendered now, in the active language, from
    `<template_prefix>_subject.txt`, `_message.txt` and (optional) `_message.html`.

    Returns the outbox row, or None when `dedupe_key` shows it was queued before.
    Emails carry no case or survey content: only that there is news, and a link.
    """
    context = {"site_url": links.absolute_url("core:home"), **(context or {})}
    subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
    body = render_to_string(f"{template_prefix}_message.txt", context)
    # The HTML part is optional: only its absence is expected. An error inside one that
    # exists (a broken tag, a failing lookup) propagates, as it would for the text part.
    try:
        html_template = get_template(f"{template_prefix}_message.html")
    except TemplateDoesNotExist:
        html = ""
    else:
        html = html_template.render(context)
    return enqueue_rendered_email(
        to=[to] if isinstance(to, str) else list(to),
        subject=subject,
        body=body,
        html=html,
        dedupe_key=dedupe_key,
        about=about,
    )


def enqueue_rendered_email(
    *, to, subject, body, html="", from_email=None, dedupe_key=None, about=None
):
    payload = {
        "to": list(to),
        "from": from_email or settings.DEFAULT_FROM_EMAIL,
        "subject": " ".join(subject.splitlines()),
        "body": body,
        "html": html,
    }
    if about:
        payload["about"] = about
    return _enqueue(kind=OutboxMessage.Kind.EMAIL, payload=payload, dedupe_key=dedupe_key)


def publish(message_id):
    """Hand the message to Celery. Never raises and never blocks for long: the request that
    caused the message has already committed, and the sweeper covers any failure here."""
    from .tasks import deliver_outbox_message

    try:
        deliver_outbox_message.apply_async(args=[message_id], retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure means "sweeper later"
        logger.warning(
            "Outbox message %s not published (%s); the sweeper will deliver it.",
            message_id,
            type(exc).__name__,
        )
        return False
    return True


def _send_email(message):
    payload = message.payload
    email = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload.get("from"),
        to=payload["to"],
    )
    if payload.get("html"):
        email.attach_alternative(payload["html"], "text/html")
    email.send()
    message.payload = _without_text(payload)


def _without_text(payload):
    """Who and what kind (and what about, for retention), not the text: it may hold a
    password reset, sign-in or verification link, which must not outlive its delivery."""
    kept = ("to", "subject", "about")
    return {key: payload[key] for key in kept if key in payload}


def forget_recipients(*, about):
    """Retention: the emails about one object (see `about`) keep their subject and times
    but no longer the addresses they went to; one not yet sent is dropped."""
    messages = OutboxMessage.objects.select_for_update().filter(payload__about=about)
    messages.filter(status=OutboxMessage.Status.PENDING).delete()
    forgotten = 0
    for message in messages:
        message.payload = {"to": [], "subject": message.payload.get("subject", ""), "about": about}
        message.save(update_fields=["payload"])
        forgotten += 1
    return forgotten


HANDLERS = {OutboxMessage.Kind.EMAIL: _send_email}


def deliver_message(message_id):
    """Deliver one pending message exactly once.

    Returns the message when this call sent it, None when it was not ours to send (already
    sent, failed, or claimed by a concurrent worker). A transient failure is counted and
    re-raised after the count is committed, so the caller can retry; after MAX_ATTEMPTS the
    message is marked failed and an alert is logged.
    """
    error = None
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxMessage.Status.PENDING)
            .first()
        )
        if message is None:
            return None
        now = timezone.now()
        try:
            HANDLERS[message.kind](message)
        except TRANSIENT_ERRORS as exc:
            error = exc
            message.attempts += 1
            message.last_error = type(exc).__name__
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxMessage.Status.FAILED
                # Never sent now, so the text (and any link in it) has no more use.
                message.payload = _without_text(message.payload)
                alerts.error(
                    "Outbox message %s failed after %s attempts (%s).",
                    message.pk,
                    message.attempts,
                    message.last_error,
                )
            else:
                delay = RETRY_DELAYS[message.attempts - 1]
                message.next_attempt_at = now + timedelta(seconds=delay) + _grace()
        else:
            message.attempts += 1
            message.status = OutboxMessage.Status.SENT
            message.sent_at = now
            message.last_error = ""
        message.save()
    if error is not None and message.status == OutboxMessage.Status.PENDING:
        raise error
    return message if error is None else None


def retry_delay(attempts):
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def due_message_ids(now=None):
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )


def sweep(*, inline=False, now=None):
    """Deliver every pending message whose turn has come.

    Through the broker when it answers; with `inline`, or when the broker does not answer,
    in this process, so delivery never depends on Redis or beat.
    Returns (published, delivered_inline).
    """
    published = delivered = 0
    broker_up = not inline
    for message_id in due_message_ids(now):
        if broker_up and publish(message_id):
            published += 1
            continue
        broker_up = False
        try:
            if deliver_message(message_id) is not None:
                delivered += 1
        except TRANSIENT_ERRORS:
            pass  # counted on the row; the next sweep tries again after its delay
    return published, delivered
