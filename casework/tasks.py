from celery import shared_task

from . import services


@shared_task
def send_casework_reminders():
    """Daily digest to advisors; safe to run twice (see services.send_reminders)."""
    services.send_reminders()


@shared_task
def anonymise_expired_cases():
    """Nightly retention job; an anonymised case is never touched again."""
    services.anonymise_expired_cases()
