from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from core.models import OutboxMessage
from members import factories, tasks
from members.models import Membership


def test_nightly_tasks_run_the_lifecycle_and_reminders_once():
    membership = factories.active_member(
        period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    ).membership
    with time_machine.travel(datetime(2027, 1, 14, 8, tzinfo=ZoneInfo("Europe/Oslo")), tick=False):
        for _ in range(2):
            tasks.update_membership_statuses.apply()
            tasks.send_renewal_reminders.apply()
    membership.refresh_from_db()
    assert membership.status == Membership.Status.GRACE
    assert OutboxMessage.objects.filter(dedupe_key__startswith="members:renewal:").count() == 1


def test_beat_schedules_the_membership_jobs():
    from erfaring.celery import app

    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "members.tasks.update_membership_statuses",
        "members.tasks.send_renewal_reminders",
    } <= tasks_scheduled
