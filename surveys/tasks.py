from celery import shared_task
from django.db import DatabaseError

from core.tasks import publish_release

from . import services
from .models import Edition
from .participation import kind_for


@shared_task(ignore_result=True)
def send_survey_mailings():
    """Close editions past their date, invite new members, send due reminders. Safe to run
    any number of times: every email has a dedupe key, every step checks what was done."""
    return services.run_survey_mailings()


# A database that is down or restarting is worth another try soon; beat also reruns the job.
@shared_task(
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    retry_kwargs={"max_retries": 5},
)
def mix_closed_editions():
    """Turn the sealed ballots of closed editions into anonymous responses. Safe to rerun or
    to kill at any point: each edition is mixed in one transaction that also deletes its
    ballots, so a second run finds nothing and a killed run left nothing."""
    return services.mix_closed_editions()


@shared_task(ignore_result=True)
def publish_participation_releases():
    """A new response-rate release of every edition accepting answers (core.releases)."""
    for year in Edition.objects.accepting_answers().values_list("year", flat=True):
        publish_release(kind_for(year))
