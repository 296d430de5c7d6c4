from celery import shared_task

from . import importing, services


@shared_task
def update_membership_statuses():
    """Nightly: active → grace → lapsed by the end dates, then the retention purge.
    Idempotent."""
    changed = services.update_membership_statuses()
    purged = services.purge_expired_profiles()
    return {"changed": changed, "purged": purged}


@shared_task
def send_renewal_reminders():
    """Daily: renewal reminders due today; the outbox's dedupe key sends each once."""
    return services.send_renewal_reminders()


@shared_task
def purge_stale_import_previews():
    """Nightly: member-list previews never committed, older than a day, are deleted with the
    rows they hold. Idempotent."""
    return importing.purge_stale_previews()
