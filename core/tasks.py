import time

from celery import shared_task
from django.core.cache import cache

from . import outbox

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
