import logging
import time

from celery import shared_task
from django.core.cache import cache

from . import outbox, releases

logger = logging.getLogger(__name__)

WORKER_HEARTBEAT_KEY = "core:worker-heartbeat"


@shared_task(bind=True, max_retries=outbox.MAX_ATTEMPTS - 1)
def deliver_outbox_message(self, message_id):
    try:
        outbox.deliver_message(message_id)
    except outbox.TRANSIENT_ERRORS as exc:
        # The failure is already counted on the row; if the retry cannot be queued, the
        # sweeper picks the row up when its next attempt is due.
        raise self.retry(exc=exc, countdown=outbox.retry_delay(self.request.retries + 1)) from exc


@shared_task
def sweep_outbox():
    outbox.sweep()


@shared_task
def record_worker_heartbeat():
    cache.set(WORKER_HEARTBEAT_KEY, time.time(), timeout=None)


@shared_task
def publish_release(kind, actor_id=None):
    """Count, protect, audit and store a release; a refusal is logged, never retried (the
    same data would be refused again)."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        release = releases.publish(kind=kind, actor=actor)
    except releases.ReleaseRefused as refused:
        logger.error("Release of %s refused by the auditor: %s", kind, refused)
        return None
    return release.label


@shared_task
def publish_scheduled_releases():
    for kind in releases.kinds():
        publish_release(kind)
