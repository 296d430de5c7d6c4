from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from core.models import AuditEvent, OutboxMessage
from members import factories, tasks
from members.importing import create_import_batch
from members.models import ImportBatch, Membership


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
        "members.tasks.purge_stale_import_previews",
    } <= tasks_scheduled


def test_an_uncommitted_import_preview_is_purged_after_24_hours_once(admin_user):
    rows = [{"email": "ny.person@example.org", "first_name": "Nora"}]
    oslo = ZoneInfo("Europe/Oslo")
    with time_machine.travel(datetime(2027, 3, 1, 10, tzinfo=oslo), tick=False):
        stale = create_import_batch(actor=admin_user, rows=rows)
        committed = create_import_batch(actor=admin_user, rows=[])
        ImportBatch.objects.filter(pk=committed.pk).update(committed_at=committed.created_at)
    with time_machine.travel(datetime(2027, 3, 2, 9, 59, tzinfo=oslo), tick=False):
        fresh = create_import_batch(actor=admin_user, rows=rows)
        assert tasks.purge_stale_import_previews.apply().get() == 0  # 23 h 59 min old
    with time_machine.travel(datetime(2027, 3, 2, 10, 1, tzinfo=oslo), tick=False):
        assert tasks.purge_stale_import_previews.apply().get() == 1
        assert tasks.purge_stale_import_previews.apply().get() == 0
    assert set(ImportBatch.objects.values_list("pk", flat=True)) == {committed.pk, fresh.pk}
    assert AuditEvent.objects.get(action="members.import.purged").object_id == str(stale.pk)
