"""Health of the parts the portal depends on, each reported on its own.

The web process is ready when the database answers; the broker and the worker only delay
emails and reminders (the outbox keeps them), so their state is reported, not required.
"""

import logging
import time

from django.core.cache import cache
from django.db import connection

from erfaring.celery import app as celery_app

from .tasks import WORKER_HEARTBEAT_KEY

alerts = logging.getLogger("erfaring.alerts")

# Beat asks the worker for a heartbeat every minute; allow for one missed beat.
WORKER_HEARTBEAT_MAX_AGE = 180


def database_status():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means down
        return "down"
    return "up"


def broker_status():
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception:  # noqa: BLE001 - any failure means down
        return "down"
    return "up"


def worker_status():
    try:
        last_beat = cache.get(WORKER_HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001 - the cache lives in the database, which may be down
        return "unknown"
    if last_beat is None:
        return "unknown"
    return "up" if time.time() - last_beat < WORKER_HEARTBEAT_MAX_AGE else "down"


def health_report():
    report = {"database": database_status()}
    report["broker"] = broker_status()
    report["worker"] = worker_status() if report["database"] == "up" else "unknown"
    for part in ("broker", "worker"):
        if report[part] == "down":
            alerts.warning("Health: %s is down.", part)
    return report
