from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def send_survey_mailings():
    """Close editions past their date, invite new members, send due reminders. Safe to run
    any number of times: every email has a dedupe key, every step checks what was done."""
    return services.run_survey_mailings()
