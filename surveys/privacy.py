"""The surveys app's entries in the portal's privacy registry (core.privacy).

A submitted ballot or response has no link to the person (models.Ballot, models.Response),
so neither the export nor the erasure can find it; the published figures stay as they are.
What knows the person is the participation record, an unfinished draft and the keyed
"has submitted" token."""

from core.privacy import register

from .models import Draft, Participation, Publication, SubmissionToken
from .services import submission_digest


def _iso(value):
    return value.isoformat() if value is not None else None


def _export_participations(user):
    participations = (
        Participation.objects.filter(member=user)
        .select_related("edition")
        .order_by("edition__year")
    )
    return [
        {
            "survey_year": participation.edition.year,
            "invited": _iso(participation.invited_at),
            "reminders_sent": participation.reminders_sent,
            "started": _iso(participation.started_at),
            "submitted": _iso(participation.submitted_on),
            "consent_version": participation.consent_version,
            "consented": _iso(participation.consented_at),
            "legal_basis": participation.legal_basis,
            "withdrawn": _iso(participation.withdrawn_at),
        }
        for participation in participations
    ]


def _export_drafts(user):
    drafts = Draft.objects.filter(member=user).select_related("edition").order_by("edition__year")
    return [
        {
            "survey_year": draft.edition.year,
            "preview": draft.is_preview,
            "saved": _iso(draft.updated_at),
            "answers_so_far": draft.answers,
        }
        for draft in drafts
    ]


def _erase_participations(user):
    editions = Participation.objects.filter(member=user).values_list("edition_id", flat=True)
    digests = [submission_digest(member_id=user.pk, edition_id=pk) for pk in editions]
    # The token only says "this person has submitted"; with the person gone it says nothing
    # useful and is derived from their id.
    SubmissionToken.objects.filter(digest__in=digests).delete()
    Participation.objects.filter(member=user).delete()


def _erase_drafts(user):
    Draft.objects.filter(member=user).delete()


def _erase_publications(user):
    # The publication stays (members read it); who published it is in the audit log.
    Publication.objects.filter(published_by=user).update(published_by=None)


register(
    "surveys.Publication",
    fields=["published_by"],
    section="survey_reports_you_published",
    export_exemption="an administrator's act of publishing a report, not data about them; "
    "who published what is in their audit trail, which the download holds",
    eraser=_erase_publications,
)
register(
    "surveys.Participation",
    fields=["member"],
    section="survey_participations",
    exporter=_export_participations,
    eraser=_erase_participations,
)
register(
    "surveys.Draft",
    fields=["member"],
    section="survey_drafts",
    exporter=_export_drafts,
    eraser=_erase_drafts,
)
