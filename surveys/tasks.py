import logging

from celery import shared_task
from django.db import DatabaseError, transaction

from core.releases import ReleaseRefused
from core.tasks import publish_release

from . import report, services
from .models import Edition
from .participation import kind_for

logger = logging.getLogger(__name__)


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
    mixed = services.mix_closed_editions()
    if mixed:
        # robust: a broker outage must not fail the mixing; the admin's button builds it too.
        for year in report.editions_without_report():
            transaction.on_commit(lambda year=year: build_report.delay(year), robust=True)
    return mixed


@shared_task(ignore_result=True)
def publish_participation_releases():
    """A new response-rate release of every edition accepting answers (core.releases)."""
    for year in Edition.objects.accepting_answers().values_list("year", flat=True):
        publish_release(kind_for(year))


@shared_task(ignore_result=True)
def build_report(year, actor_id=None):
    """Build the report release of a mixed edition once (surveys.report): a second run, or
    one for an edition without results, does nothing."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        release = report.build_report(year=year, actor=actor)
    except ReleaseRefused as refused:
        logger.error("Report of %s refused by the auditor: %s", year, refused)
        return None
    return release.label if release else None
