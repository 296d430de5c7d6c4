"""State changes of the survey: editions, drafts, submission, mixing, invitations and
reminders."""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import disclosure, links
from core.audit import record_event
from core.outbox import enqueue_email
from members import selectors as member_selectors

from .answering import PageForm, answer_rows, answers_to_data
from .models import (
    Answer,
    Ballot,
    Choice,
    Draft,
    Edition,
    FreeText,
    LikertItem,
    Participation,
    Publication,
    Question,
    Response,
    Section,
    SubmissionToken,
)
from .sealing import seal, unseal
from .selectors import questionnaire_for
from .strata import TooFewResponses, generalise

logger = logging.getLogger(__name__)

# The consent text shown on the first page; bump the version whenever the text changes.
CONSENT_VERSION = "2026-2"
LEGAL_BASIS = "gdpr-9-2-a-consent"
# The profile categories sealed in a ballot: the strata that mixing generalises.
STRATA_FIELDS = (
    "region",
    "employer_type",
    "field",
    "union_member",
    "user_representative",
    "contract_type",
    "training_completed",
)
# Mixing shuffles with the operating system's randomness: a seeded generator's order could
# be replayed by anyone who learns the seed.
_mixing_random = secrets.SystemRandom()


def submission_digest(*, member_id, edition_id):
    key = settings.SURVEY_RESPONSE_KEY.encode()
    message = f"{member_id}:{edition_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _require_draft(edition):
    if edition.status != Edition.Status.DRAFT:
        raise ValidationError(
            _(
                "The questions of %(year)s are locked because the edition has been opened: "
                "members may already have answered them."
            )
            % {"year": edition.year}
        )


# --- Editions -------------------------------------------------------------------------------


@transaction.atomic
def copy_edition(*, actor, source, year):
    """A new draft edition with the same sections, questions, keys and codes as `source`."""
    if Edition.objects.filter(year=year).exists():
        raise ValidationError(_("An edition for %(year)s already exists.") % {"year": year})
    edition = Edition(
        year=year,
        copied_from=source,
        reminder_days_after_open=source.reminder_days_after_open,
        reminder_days_before_close=source.reminder_days_before_close,
    )
    edition.full_clean()
    edition.save()
    questionnaire = questionnaire_for(source)
    for section in questionnaire.sections:
        new_section = Section.objects.create(
            edition=edition,
            order=section.order,
            title_nb=section.title_nb,
            title_en=section.title_en,
            intro_nb=section.intro_nb,
            intro_en=section.intro_en,
        )
        for question in section.question_list:
            choices = list(question.choices.all())
            items = list(question.items.all())
            question.pk = None
            question.edition = edition
            question.section = new_section
            question.save()
            Choice.objects.bulk_create(
                Choice(
                    question=question, **_copy_fields(c, "order", "code", "label_nb", "label_en")
                )
                for c in choices
            )
            LikertItem.objects.bulk_create(
                LikertItem(
                    question=question, **_copy_fields(i, "order", "code", "text_nb", "text_en")
                )
                for i in items
            )
    record_event(actor=actor, action="survey.edition_copied", target=edition)
    return edition


def _copy_fields(obj, *names):
    return {name: getattr(obj, name) for name in names}


@transaction.atomic
def schedule_edition(
    *, actor, edition, opens_at, closes_at, reminder_days_after_open, reminder_days_before_close
):
    """Set the dates and reminder days. Once open only the closing date may move (later)."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.status == Edition.Status.CLOSED:
        raise ValidationError(_("A closed edition cannot be rescheduled."))
    if edition.status == Edition.Status.OPEN:
        if opens_at != edition.opens_at:
            raise ValidationError(_("The opening date cannot change once the edition is open."))
        if closes_at <= timezone.now():
            raise ValidationError(_("The closing date must be in the future."))
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationError(_("The closing date must be after the opening date."))
    edition.opens_at = opens_at
    edition.closes_at = closes_at
    edition.reminder_days_after_open = sorted(set(reminder_days_after_open))
    edition.reminder_days_before_close = sorted(set(reminder_days_before_close))
    edition.full_clean()
    edition.save()
    record_event(actor=actor, action="survey.edition_scheduled", target=edition)
    return edition


@transaction.atomic
def open_edition(*, actor, edition, now=None):
    """Lock the questions and publish the edition; invite members if it has opened."""
    now = now or timezone.now()
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.status != Edition.Status.DRAFT:
        raise ValidationError(_("Only a draft edition can be opened."))
    if not (edition.opens_at and edition.closes_at):
        raise ValidationError(_("Set the opening and closing dates first."))
    if edition.closes_at <= now:
        raise ValidationError(_("The closing date has passed; choose a later one."))
    if not edition.questions.exists():
        raise ValidationError(_("The edition has no questions."))
    edition.status = Edition.Status.OPEN
    edition.save(update_fields=["status"])
    record_event(actor=actor, action="survey.edition_opened", target=edition)
    if edition.opens_at <= now:
        invite_members(edition=edition, now=now)
    return edition


@transaction.atomic
def close_edition(*, actor, edition):
    """Stop accepting answers and delete every unsubmitted draft (they hold personal data
    that will never become a response). The mixing job then turns the ballots into
    responses (mix_closed_editions)."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.status != Edition.Status.OPEN:
        raise ValidationError(_("Only an open edition can be closed."))
    edition.status = Edition.Status.CLOSED
    edition.save(update_fields=["status"])
    Draft.objects.filter(edition=edition).delete()
    record_event(actor=actor, action="survey.edition_closed", target=edition)
    return edition


def close_due_editions(*, now=None):
    closed = 0
    for edition in Edition.objects.past_closing(now):
        try:
            close_edition(actor=None, edition=edition)
            closed += 1
        except ValidationError:
            pass  # closed meanwhile by an admin
    return closed


# --- Questions ------------------------------------------------------------------------------

QUESTION_FIELDS = (
    "text_nb",
    "text_en",
    "help_nb",
    "help_en",
    "required",
    "min_value",
    "max_value",
    "unit",
    "allow_decline",
    "max_length",
    "show_if_key",
    "show_if_codes",
)


@transaction.atomic
def update_question(*, actor, question, changes, choice_labels=None):
    """Change a draft edition's question; `choice_labels` maps a choice code to (nb, en)."""
    question = Question.objects.select_related("edition", "section").get(pk=question.pk)
    _require_draft(question.edition)
    for name, value in changes.items():
        if name not in QUESTION_FIELDS:
            raise ValueError(f"{name} is not an editable question field")
        setattr(question, name, value)
    _validate_condition(question)
    question.full_clean()
    question.save()
    for choice in question.choices.all():
        if choice_labels and choice.code in choice_labels:
            choice.label_nb, choice.label_en = choice_labels[choice.code]
            choice.full_clean()
            choice.save(update_fields=["label_nb", "label_en"])
    record_event(actor=actor, action="survey.question_changed", target=question)
    return question


def _validate_condition(question):
    if not question.show_if_key:
        question.show_if_codes = []
        return
    controller = (
        Question.objects.filter(edition_id=question.edition_id, key=question.show_if_key)
        .select_related("section")
        .first()
    )
    earlier = controller is not None and (
        (controller.section.order, controller.order) < (question.section.order, question.order)
    )
    if not earlier or controller.type not in Question.CHOICE_TYPES:
        raise ValidationError(_("A question can only depend on an earlier choice question."))
    codes = set(controller.choices.values_list("code", flat=True))
    if not question.show_if_codes or not set(question.show_if_codes) <= codes:
        raise ValidationError(
            _("Choose answer codes of “%(key)s”: %(codes)s.")
            % {"key": controller.key, "codes": ", ".join(sorted(codes))}
        )


@transaction.atomic
def add_question(*, actor, section, key, type, text_nb, text_en="", choices=(), items=(), **fields):
    """Add a question at the end of a draft edition's page. `choices` and `items` are
    (code, nb, en) triples; choice questions need two choices, a Likert matrix an item."""
    section = Section.objects.select_related("edition").get(pk=section.pk)
    _require_draft(section.edition)
    if Question.objects.filter(edition=section.edition, key=key).exists():
        raise ValidationError(
            _("The key “%(key)s” is already used in this edition.") % {"key": key}
        )
    if type in Question.CHOICE_TYPES and len(choices) < 2:
        raise ValidationError(_("A choice question needs at least two options."))
    if type == Question.Type.LIKERT and not items:
        raise ValidationError(_("A Likert matrix needs at least one statement."))
    if type == Question.Type.TEXT and not fields.get("max_length"):
        fields["max_length"] = 1000
    last = section.questions.order_by("-order").values_list("order", flat=True).first() or 0
    question = Question(
        edition=section.edition,
        section=section,
        order=last + 1,
        key=key,
        type=type,
        text_nb=text_nb,
        text_en=text_en,
        **{name: value for name, value in fields.items() if name in QUESTION_FIELDS},
    )
    _validate_condition(question)
    question.full_clean()
    question.save()
    for model, rows in ((Choice, choices), (LikertItem, items)):
        text = "label" if model is Choice else "text"
        for order, (code, nb, en) in enumerate(rows, start=1):
            row = model(
                question=question, order=order, code=code, **{f"{text}_nb": nb, f"{text}_en": en}
            )
            row.full_clean()
            row.save()
    record_event(actor=actor, action="survey.question_added", target=question)
    return question


@transaction.atomic
def delete_question(*, actor, question):
    question = Question.objects.select_related("edition").get(pk=question.pk)
    _require_draft(question.edition)
    if Question.objects.filter(edition=question.edition, show_if_key=question.key).exists():
        raise ValidationError(
            _("Other questions are shown depending on this one; change them first.")
        )
    record_event(actor=actor, action="survey.question_deleted", target=question)
    question.delete()


# --- Answering ------------------------------------------------------------------------------


@transaction.atomic
def record_consent(*, user, edition, now=None):
    """The member has read the first page and agreed: store the consent version and start a
    draft that can be resumed from any device."""
    now = now or timezone.now()
    participation, _created = Participation.objects.select_for_update().get_or_create(
        member=user, edition=edition
    )
    if participation.submitted_on:
        return participation
    participation.withdrawn_at = None
    if not participation.consent_version:
        participation.consent_version = CONSENT_VERSION
        participation.consented_at = now
        participation.legal_basis = LEGAL_BASIS
    participation.started_at = participation.started_at or now
    participation.full_clean()
    participation.save()
    draft, _created = Draft.objects.get_or_create(member=user, edition=edition, is_preview=False)
    # Profile answers go into the draft now, so questions that depend on them show.
    strata = member_selectors.breakdown_strata_for(user)
    draft.answers = {**draft.answers, **questionnaire_for(edition).profile_answers(strata)}
    draft.save(update_fields=["answers", "updated_at"])
    return participation


@transaction.atomic
def withdraw_participation(*, user, edition, now=None):
    """Withdraw consent before submitting: the draft is deleted and reminders stop. After
    submission there is nothing to withdraw: the response cannot be found again."""
    participation = (
        Participation.objects.select_for_update().filter(member=user, edition=edition).first()
    )
    if participation is None or participation.submitted_on:
        raise ValidationError(_("There is nothing to withdraw."))
    Draft.objects.filter(member=user, edition=edition, is_preview=False).delete()
    participation.consent_version = ""
    participation.consented_at = None
    participation.withdrawn_at = now or timezone.now()
    participation.save(update_fields=["consent_version", "consented_at", "withdrawn_at"])
    record_event(actor=user, action="survey.withdrawn", target=edition, subject=user)
    return participation


def start_preview(*, user, edition):
    draft, created = Draft.objects.get_or_create(member=user, edition=edition, is_preview=True)
    if created:
        strata = member_selectors.breakdown_strata_for(user)
        draft.answers = questionnaire_for(edition).profile_answers(strata)
        draft.save(update_fields=["answers", "updated_at"])
    return draft


@transaction.atomic
def save_page(*, draft, questionnaire, section, page_answers):
    """Merge one page's answers into the draft and discard answers to questions that the
    new answers hide."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    answers = dict(draft.answers)
    for question in section.question_list:
        if not question.profile_field:
            answers.pop(question.key, None)
    answers.update(page_answers)
    visible = {q.key for q in questionnaire.all_visible(answers)}
    draft.answers = {key: value for key, value in answers.items() if key in visible}
    draft.save()
    return draft


def validated_answers(questionnaire, answers, strata=None):
    """Every visible question re-checked through its page form, plus the answers taken from
    the profile (`strata`, as at submission). Raises ValidationError naming the first page
    with a problem."""
    profile = questionnaire.profile_answers(strata or {})
    stale = {q.key for q in questionnaire.profile_questions}
    answers = {**{k: v for k, v in answers.items() if k not in stale}, **profile}
    result = dict(profile)
    for number, section in enumerate(questionnaire.pages(answers), start=1):
        questions = questionnaire.visible_questions(section, answers)
        form = PageForm(answers_to_data(questions, answers), questions=questions)
        if not form.is_valid():
            raise ValidationError(
                _("Page %(number)s (%(title)s) needs an answer or a correction.")
                % {"number": number, "title": section.title},
                code=f"page-{number}",
            )
        result.update(form.answers())
    return result


@transaction.atomic
def submit_response(*, user, edition, now=None):
    """Seal the member's answers in a ballot and record that they have submitted. Returns
    the ballot, or None when they had already submitted (a second submit creates nothing).

    No response is written here: the ballot becomes one, unlinked, when the edition is mixed
    (mix_edition), so the response shares no transaction, order or time with this one."""
    now = now or timezone.now()
    # The edition's row lock orders submissions and closing: once an edition is closed (and
    # then mixed), no ballot can still arrive for it.
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    participation = (
        Participation.objects.select_for_update().filter(member=user, edition=edition).first()
    )
    if participation is None or not participation.consent_version:
        raise ValidationError(_("Start the survey from its first page."))
    if participation.submitted_on:
        return None
    if not edition.is_accepting(now):
        raise ValidationError(_("This survey is closed; answers are no longer received."))
    draft = Draft.objects.filter(member=user, edition=edition, is_preview=False).first()
    if draft is None:
        raise ValidationError(_("There are no answers to submit."))
    questionnaire = questionnaire_for(edition)
    strata = member_selectors.breakdown_strata_for(user)
    answers = validated_answers(questionnaire, draft.answers, strata)
    digest = submission_digest(member_id=user.pk, edition_id=edition.pk)
    try:
        with transaction.atomic():
            SubmissionToken.objects.create(edition=edition, digest=digest)
    except IntegrityError:
        return None
    ballot = _cast_ballot(edition=edition, answers=answers, strata=strata)
    participation.submitted_on = timezone.localdate(now)
    participation.save(update_fields=["submitted_on"])
    draft.delete()
    # The audit row names the member and the edition, nothing of the answers.
    record_event(actor=user, action="survey.submitted", target=edition, subject=user)
    enqueue_email(
        to=user.email,
        template_prefix="surveys/email/receipt",
        context={"year": edition.year, "link": links.absolute_url("surveys:edition-list")},
        dedupe_key=f"survey:{edition.pk}:receipt:{user.pk}",
    )
    return ballot


@transaction.atomic
def submit_preview(*, user, edition, now=None):
    """An admin's preview answers become a test response at once: flagged, never counted,
    and without its free text, which is never stored apart for a test."""
    draft = Draft.objects.filter(member=user, edition=edition, is_preview=True).first()
    if draft is None:
        raise ValidationError(_("There are no answers to submit."))
    questionnaire = questionnaire_for(edition)
    strata = member_selectors.breakdown_strata_for(user)
    answers = validated_answers(questionnaire, draft.answers, strata)
    response = Response.objects.create(edition=edition, is_test=True)
    Answer.objects.bulk_create(
        Answer(response=response, question_key=key, **row)
        for key, value in answers.items()
        if questionnaire.by_key[key].type != Question.Type.TEXT
        for row in answer_rows(questionnaire.by_key[key], value)
    )
    draft.delete()
    record_event(actor=user, action="survey.preview_submitted", target=edition)
    return response


@transaction.atomic
def record_results_read(*, actor, edition, action):
    """An admin read or exported a closed edition's results: audited before the first byte
    is sent."""
    record_event(actor=actor, action=action, target=edition)


@transaction.atomic
def record_report_read(*, actor, action, object_id):
    """An admin viewed or exported an edition's report (the edition's year, format and
    breakdown; never the numbers)."""
    record_event(actor=actor, action=action, object_type="surveys.edition", object_id=object_id)


@transaction.atomic
def import_ballot(*, edition, answers, strata, questionnaire=None):
    """A ballot for a response collected outside the portal (earlier editions), validated
    like a member's and mixed with the others. There is no participation: who answered was
    never recorded here."""
    questionnaire = questionnaire or questionnaire_for(edition)
    return _cast_ballot(
        edition=edition,
        answers=validated_answers(questionnaire, answers, strata),
        strata=strata,
    )


def _cast_ballot(*, edition, answers, strata):
    content = {
        "answers": answers,
        "strata": {name: strata.get(name, "") for name in STRATA_FIELDS},
    }
    return Ballot.objects.create(edition=edition, sealed=seal(content))


# --- Mixing ---------------------------------------------------------------------------------


def mix_edition(*, edition_id, now=None):
    """Turn a closed edition's ballots into responses, in one transaction, and delete them.

    In random order (so neither row order nor ids follow the order of submission), with the
    breakdown categories generalised so that each combination occurs at least k times, and
    the free texts shuffled apart from their responses. Fewer than k ballots are deleted
    unread: no generalisation could hide who gave them. Idempotent: a rerun finds no ballots,
    and a run that dies rolls back whole, ballots included. Returns the responses created."""
    with transaction.atomic():
        edition = (
            Edition.objects.select_for_update()
            .filter(pk=edition_id, status=Edition.Status.CLOSED)
            .first()
        )
        if edition is None:
            return 0
        ballots = list(Ballot.objects.filter(edition=edition).select_for_update())
        contents = [unseal(ballot.sealed) for ballot in ballots]
        try:
            created = _store_responses(edition=edition, contents=contents)
        except TooFewResponses:
            created = 0
        Ballot.objects.filter(pk__in=[ballot.pk for ballot in ballots]).delete()
        edition.mixed_on = timezone.localdate(now)
        edition.save(update_fields=["mixed_on"])
    # Counts only: a log line never carries anything of the answers.
    logger.info(
        "Survey %s: %s ballots mixed into %s responses.", edition.year, len(ballots), created
    )
    return created


def _store_responses(*, edition, contents):
    _mixing_random.shuffle(contents)
    strata = generalise(
        [content["strata"] for content in contents],
        k=disclosure.threshold(),
        rng=_mixing_random,
    )
    questionnaire = questionnaire_for(edition)
    profile_keys = {question.key for question in questionnaire.profile_questions}
    responses, answers, texts = [], [], []
    for content, categories in zip(contents, strata, strict=True):
        response = Response(edition=edition, **categories)
        responses.append(response)
        given = {k: v for k, v in content["answers"].items() if k not in profile_keys}
        given.update(questionnaire.profile_answers(categories))
        # A question shown only for a category that was generalised away would give that
        # category back (only union members are asked about their union): drop its answer.
        visible = {question.key for question in questionnaire.all_visible(given)}
        for key, value in given.items():
            question = questionnaire.by_key.get(key)
            if question is None or key not in visible:
                continue
            if question.type == Question.Type.TEXT:
                texts.append(FreeText(edition=edition, question_key=key, text=value))
                continue
            answers.extend(
                Answer(response=response, question_key=key, **row)
                for row in answer_rows(question, value)
            )
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create(answers)
    _mixing_random.shuffle(texts)
    FreeText.objects.bulk_create(texts)
    return len(responses)


def mix_closed_editions(*, now=None):
    """The beat job: close editions past their date, then mix every closed edition that has
    ballots or was never mixed. Returns the responses created."""
    close_due_editions(now=now)
    return sum(
        mix_edition(edition_id=pk, now=now)
        for pk in Edition.objects.awaiting_mixing().values_list("pk", flat=True)
    )


# --- Invitations and reminders --------------------------------------------------------------


def _survey_link(edition):
    return links.absolute_url("surveys:start", year=edition.year)


@transaction.atomic
def invite_members(*, edition, now=None):
    """Invite every active member not invited yet. Returns how many were invited."""
    now = now or timezone.now()
    if not edition.is_accepting(now):
        return 0
    invited = 0
    members = member_selectors.active_member_users().exclude(
        survey_participations__edition=edition, survey_participations__invited_at__isnull=False
    )
    for user in members.only("pk", "email"):
        participation, _created = Participation.objects.get_or_create(member=user, edition=edition)
        if participation.invited_at or participation.submitted_on:
            continue
        participation.invited_at = now
        participation.save(update_fields=["invited_at"])
        enqueue_email(
            to=user.email,
            template_prefix="surveys/email/invitation",
            context={"year": edition.year, "link": _survey_link(edition)},
            dedupe_key=f"survey:{edition.pk}:invitation:{user.pk}",
        )
        invited += 1
    return invited


def due_reminder(edition, participation, now):
    """The latest reminder whose day has come for this participant, as (label, due time),
    or None. Earlier reminders that were missed are skipped, so nobody gets a burst, and a
    reminder falling due within two days of the invitation is not sent at all."""
    candidates = [
        (f"after-{days}", edition.opens_at + timedelta(days=days))
        for days in edition.reminder_days_after_open
    ] + [
        (f"before-{days}", edition.closes_at - timedelta(days=days))
        for days in edition.reminder_days_before_close
    ]
    due = [(label, at) for label, at in candidates if at <= now]
    if not due:
        return None
    label, at = max(due, key=lambda pair: pair[1])
    if participation.invited_at and at < participation.invited_at + timedelta(days=2):
        return None
    if participation.last_reminded_at and participation.last_reminded_at >= at:
        return None
    return label, at


@transaction.atomic
def send_due_reminders(*, edition, now=None):
    """Remind invited members who have not submitted. Returns how many were reminded."""
    now = now or timezone.now()
    if not edition.is_accepting(now):
        return 0
    active = member_selectors.active_member_users().values("pk")
    participations = (
        Participation.objects.select_for_update()
        .filter(
            edition=edition,
            submitted_on__isnull=True,
            withdrawn_at__isnull=True,
            invited_at__isnull=False,
            member__in=active,
        )
        .select_related("member")
    )
    sent = 0
    for participation in participations:
        reminder = due_reminder(edition, participation, now)
        if reminder is None:
            continue
        label, _at = reminder
        message = enqueue_email(
            to=participation.member.email,
            template_prefix="surveys/email/reminder",
            context={
                "year": edition.year,
                "link": _survey_link(edition),
                "closes_at": edition.closes_at,
            },
            dedupe_key=f"survey:{edition.pk}:reminder:{label}:{participation.member_id}",
        )
        participation.last_reminded_at = now
        if message is not None:
            participation.reminders_sent += 1
            sent += 1
        participation.save(update_fields=["last_reminded_at", "reminders_sent"])
    return sent


def run_survey_mailings(*, now=None):
    """The beat job: close editions past their date, invite, remind."""
    now = now or timezone.now()
    close_due_editions(now=now)
    totals = {"invited": 0, "reminded": 0}
    for edition in Edition.objects.accepting_answers(now):
        totals["invited"] += invite_members(edition=edition, now=now)
        totals["reminded"] += send_due_reminders(edition=edition, now=now)
    return totals


# --- Publishing results to members -------------------------------------------------------------


@transaction.atomic
def publish_report(*, actor, edition, now=None):
    """Publish the edition's report to the members as it is now: the publication names the
    releases it reads, so a later rebuild changes nothing they see. Every member with access
    gets one content-free "the results are out" email through the outbox, once per edition
    (the dedupe key is the unique row; republishing after an unpublish sends none again).
    Returns the publication; the live one unchanged if the edition is published already."""
    from . import report

    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    live = Publication.objects.live().filter(edition=edition).first()
    if live is not None:
        return live
    pinned = report.pinned_releases(edition)
    release = pinned["reports"].get(edition.year)
    if release is None:
        raise ValidationError(_("The report of this edition has not been built yet."))
    publication = Publication.objects.create(
        edition=edition,
        release_id=release,
        rate_release_id=pinned["rate"],
        trend_releases={str(y): pk for y, pk in pinned["reports"].items() if y != edition.year},
        published_at=now or timezone.now(),
        published_by=actor,
    )
    record_event(actor=actor, action="surveys.report.published", target=publication)
    link = links.absolute_url("surveys:results-detail", year=edition.year)
    for user in member_selectors.active_member_users().only("pk", "email"):
        enqueue_email(
            to=user.email,
            template_prefix="surveys/email/results",
            context={"year": edition.year, "link": link},
            dedupe_key=f"survey:{edition.pk}:results:{user.pk}",
        )
    return publication


@transaction.atomic
def unpublish_report(*, actor, edition, now=None):
    """Hide the edition's published report from the members again (the row stays, audited).
    Returns the publication withdrawn, or None when none was live."""
    publication = Publication.objects.select_for_update().live().filter(edition=edition).first()
    if publication is None:
        return None
    publication.unpublished_at = now or timezone.now()
    publication.save(update_fields=["unpublished_at"])
    record_event(actor=actor, action="surveys.report.unpublished", target=publication)
    return publication
