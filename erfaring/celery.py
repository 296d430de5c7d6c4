import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erfaring.settings")

app = Celery("erfaring")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The whole beat schedule, one entry per job. Every job is idempotent: a unique row records
# what was sent, so a missed or repeated beat never sends anything twice.
BEAT_SCHEDULE = [
    # Re-dispatch outbox rows whose on-commit publish failed (broker down, worker lost).
    ("sweep-outbox", "core.tasks.sweep_outbox", crontab(minute="*")),
    # Lets /healthz tell whether a worker is consuming: the worker stamps the time it ran this.
    ("worker-heartbeat", "core.tasks.record_worker_heartbeat", crontab(minute="*")),
    # Advisors' daily digest of cases with no first response or a passed follow-up date.
    ("casework-reminders", "casework.tasks.send_casework_reminders", crontab(hour=7, minute=0)),
    # Retention: anonymise cases closed longer ago than CASEWORK_RETENTION_DAYS.
    ("casework-retention", "casework.tasks.anonymise_expired_cases", crontab(hour=2, minute=30)),
    # Survey invitations and reminders; hourly so an edition opening at 09:00 invites by 10:00.
    ("survey-mailings", "surveys.tasks.send_survey_mailings", crontab(minute=5)),
    # Closed editions' sealed answers become anonymous responses; also closes editions past
    # their date, so results are ready within ten minutes of a close by date or by an admin.
    ("survey-mixing", "surveys.tasks.mix_closed_editions", crontab(minute="*/10")),
    # Membership lifecycle (active → grace → lapsed) just after midnight Oslo time, so the
    # reminder run below sees today's statuses.
    ("membership-statuses", "members.tasks.update_membership_statuses", crontab(hour=0, minute=15)),
    # An uploaded member list not committed within a day is deleted (it holds personal data).
    (
        "import-preview-purge",
        "members.tasks.purge_stale_import_previews",
        crontab(hour=1, minute=45),
    ),
    # Renewal reminders in the morning, when people read email; each goes once (dedupe key).
    ("membership-reminders", "members.tasks.send_renewal_reminders", crontab(hour=8, minute=0)),
    # Statistics are published as dated releases (core.releases), not live counts.
    (
        "statistics-releases",
        "core.tasks.publish_scheduled_releases",
        crontab(*settings.STATISTICS_RELEASE_CRONTAB.split()),
    ),
    (
        "survey-participation-releases",
        "surveys.tasks.publish_participation_releases",
        crontab(*settings.SURVEY_RELEASE_CRONTAB.split()),
    ),
]
app.conf.beat_schedule = {
    name: {"task": task, "schedule": schedule} for name, task, schedule in BEAT_SCHEDULE
}
