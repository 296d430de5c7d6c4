import hashlib
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from core import privacy
from core.models import AuditEvent, OutboxMessage
from members import factories
from surveys import services
from surveys.answering import PageForm
from surveys.models import (
    Answer,
    Ballot,
    Choice,
    Draft,
    Edition,
    FreeText,
    LikertItem,
    Participation,
    Question,
    Response,
    SubmissionToken,
)
from surveys.selectors import questionnaire_for

from .conftest import activate, close_and_mix, page_data, sealed_ballots

pytestmark = pytest.mark.django_db


def fill_draft(user, edition, **overrides):
    """Consent and a draft holding valid answers to every visible question."""
    services.record_consent(user=user, edition=edition)
    survey = questionnaire_for(edition)
    draft = Draft.objects.get(member=user, edition=edition, is_preview=False)
    answers = dict(draft.answers)  # what consent took from the profile
    for section in survey.sections:
        # Twice, so questions revealed by answers on the same page are answered too.
        for _round in range(2):
            questions = survey.visible_questions(section, answers)
            form = PageForm(page_data(questions, **overrides), questions=questions)
            assert form.is_valid(), form.errors
            answers.update(form.answers())
    draft.answers = answers
    draft.save()
    return draft


# --- Anonymity ------------------------------------------------------------------------------


UNLINKED = (Ballot, Response, Answer, FreeText, SubmissionToken)


def test_no_column_of_ballot_response_answer_or_free_text_points_at_a_person():
    for model in UNLINKED:
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            assert related not in (
                Participation,
                Draft,
                settings.AUTH_USER_MODEL,
            ), f"{model.__name__}.{field.name}"
            if related is not None:
                assert related._meta.label not in ("members.User", "surveys.Participation")
    # Ask the database itself, not just the models.
    with connection.cursor() as cursor:
        for model in UNLINKED:
            table = model._meta.db_table
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            id_columns = {c for c in columns if c.endswith("_id")}
            assert id_columns <= {"edition_id", "response_id"}, (table, columns)
            assert not {"member", "user", "email", "participation", "created_at"} & set(columns)
            targets = {
                fk[1] for fk in connection.introspection.get_relations(cursor, table).values()
            }
            assert targets <= {"surveys_edition", "surveys_response"}, (table, targets)


def test_after_submit_no_row_links_the_answers_to_the_member(active_member, edition):
    fill_draft(active_member, edition, q_comments="Kanarifugl-5521")
    ballot = services.submit_response(user=active_member, edition=edition)
    assert not Draft.objects.filter(member=active_member).exists()
    # The only traces of the member are the participation, the audit row and the receipt
    # email; none of them names the ballot, and the ballot has no timestamp to match.
    for rows in (AuditEvent.objects.values(), OutboxMessage.objects.values()):
        assert str(ballot.pk) not in str(list(rows))
        assert "Kanarifugl" not in str(list(rows))
    assert str(ballot.pk) not in str(list(Participation.objects.values()))
    token = SubmissionToken.objects.get()
    assert token.digest == services.submission_digest(
        member_id=active_member.pk, edition_id=edition.pk
    )
    # Keyed: without SURVEY_RESPONSE_KEY no one can compute a member's digest and look for it
    # (an unkeyed hash of "member:edition" could be tried for every member id).
    unkeyed = hashlib.sha256(f"{active_member.pk}:{edition.pk}".encode()).hexdigest()
    with override_settings(SURVEY_RESPONSE_KEY="another-key"):
        other_key = services.submission_digest(member_id=active_member.pk, edition_id=edition.pk)
    assert token.digest not in {unkeyed, other_key}
    assert not hasattr(Response, "created_at")
    assert isinstance(ballot.pk, type(token.pk))  # random ids: no order to match on


def test_second_submit_creates_nothing(active_member, edition):
    fill_draft(active_member, edition)
    assert services.submit_response(user=active_member, edition=edition) is not None
    counts = (Ballot.objects.count(), OutboxMessage.objects.count())
    assert services.submit_response(user=active_member, edition=edition) is None
    assert counts == (Ballot.objects.count(), OutboxMessage.objects.count()) == (1, 1)


def test_token_refuses_a_second_response_even_without_the_participation_flag(
    active_member, edition
):
    fill_draft(active_member, edition)
    services.submit_response(user=active_member, edition=edition)
    # Someone resets the participation: the database still refuses a second response.
    Participation.objects.update(submitted_on=None)
    fill_draft(active_member, edition)
    assert services.submit_response(user=active_member, edition=edition) is None
    assert Ballot.objects.count() == 1


def test_failure_in_the_middle_of_submission_leaves_nothing(active_member, edition, monkeypatch):
    fill_draft(active_member, edition)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # Fail after the token, the ballot and the participation are written (outside our code:
    # Django's delete of the draft).
    monkeypatch.setattr(Draft, "delete", broken)
    with pytest.raises(RuntimeError):
        services.submit_response(user=active_member, edition=edition)
    monkeypatch.undo()
    assert Ballot.objects.count() == 0
    assert SubmissionToken.objects.count() == 0
    assert Draft.objects.filter(member=active_member).exists()
    assert Participation.objects.get(member=active_member).submitted_on is None


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_store_one_response(active_member, edition):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite in memory has one connection; run on PostgreSQL")
    fill_draft(active_member, edition)
    barrier = threading.Barrier(2)
    results = []

    def submit():
        try:
            barrier.wait()
            results.append(services.submit_response(user=active_member, edition=edition))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    assert sum(result is not None for result in results) == 1
    assert Ballot.objects.count() == 1
    assert OutboxMessage.objects.filter(dedupe_key__contains=":receipt:").count() == 1


def test_mixed_answers_are_stored_as_codes_numbers_and_free_text_apart(active_member, edition):
    members = [active_member] + [
        activate(factories.member_user(email=f"codes{n}@example.org")) for n in range(4)
    ]
    for user in members:
        fill_draft(
            user,
            edition,
            q_tasks=["groups", "teaching"],
            q_salary_annual="452000",
            q_has_job_description="yes",
            q_comments="Fint å bli spurt.",
        )
        services.submit_response(user=user, edition=edition)
    assert Response.objects.count() == 0
    assert close_and_mix(edition) == 5
    assert Ballot.objects.count() == 0
    assert Answer.objects.filter(question_key="tasks", code="groups").count() == 5
    assert Answer.objects.filter(question_key="tasks", code="teaching").count() == 5
    assert set(
        Answer.objects.filter(question_key="salary_annual").values_list("number", flat=True)
    ) == {452000}
    likert = Answer.objects.filter(question_key="role_clarity")
    assert {a.item_code for a in likert} == {"clear_role", "clear_to_colleagues", "experience_used"}
    assert Answer.objects.filter(question_key="job_description_fits").count() == 5
    texts = FreeText.objects.filter(edition=edition, question_key="comments")
    assert list(texts.values_list("text", flat=True)) == ["Fint å bli spurt."] * 5
    edition.refresh_from_db()
    assert edition.mixed_on == timezone.localdate()


def test_submission_revalidates_a_tampered_draft(active_member, edition):
    draft = fill_draft(active_member, edition)
    draft.answers["position_percent"] = "250"
    draft.answers["job_description_fits"] = "fully"
    draft.answers["has_job_description"] = "no"
    draft.save()
    with pytest.raises(ValidationError):
        services.submit_response(user=active_member, edition=edition)
    draft.answers["position_percent"] = "50"
    draft.save()
    services.submit_response(user=active_member, edition=edition)
    # The answer to the question that "no" hides was dropped, not sealed.
    (sealed,) = sealed_ballots()
    assert "job_description_fits" not in sealed["answers"]


def test_submit_after_closing_is_refused(active_member, edition):
    fill_draft(active_member, edition)
    with pytest.raises(ValidationError):
        services.submit_response(
            user=active_member, edition=edition, now=edition.closes_at + timedelta(minutes=1)
        )
    assert Ballot.objects.count() == 0


def test_consent_version_basis_and_time_are_stored(active_member, edition):
    participation = services.record_consent(user=active_member, edition=edition)
    assert participation.consent_version == services.CONSENT_VERSION
    assert participation.legal_basis
    assert abs(participation.consented_at - timezone.now()) < timedelta(minutes=1)


# --- Editions -------------------------------------------------------------------------------


def test_copy_keeps_keys_and_codes(admin_user, edition):
    copy = services.copy_edition(actor=admin_user, source=edition, year=2027)
    assert copy.status == Edition.Status.DRAFT
    assert copy.copied_from == edition
    assert list(
        copy.questions.order_by("section__order", "order").values_list("key", flat=True)
    ) == list(edition.questions.order_by("section__order", "order").values_list("key", flat=True))
    assert (
        Choice.objects.filter(question__edition=copy).count()
        == Choice.objects.filter(question__edition=edition).count()
    )
    assert (
        LikertItem.objects.filter(question__edition=copy).count()
        == LikertItem.objects.filter(question__edition=edition).count()
    )
    with pytest.raises(ValidationError):
        services.copy_edition(actor=admin_user, source=edition, year=2027)


def test_open_edition_locks_questions(admin_user, draft_edition):
    question = draft_edition.questions.get(key="union_member")
    services.update_question(
        actor=admin_user, question=question, changes={"text_en": "Are you unionised?"}
    )
    now = timezone.now()
    services.schedule_edition(
        actor=admin_user,
        edition=draft_edition,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=20),
        reminder_days_after_open=[7],
        reminder_days_before_close=[2],
    )
    services.open_edition(actor=admin_user, edition=draft_edition)
    with pytest.raises(ValidationError, match=r"låst|locked"):
        services.update_question(actor=admin_user, question=question, changes={"text_en": "x"})
    with pytest.raises(ValidationError, match=r"låst|locked"):
        services.delete_question(actor=admin_user, question=question)
    question.refresh_from_db()
    assert question.text_en == "Are you unionised?"


def test_condition_must_point_to_an_earlier_page_and_real_codes(admin_user, draft_edition):
    question = draft_edition.questions.get(key="union_member")
    with pytest.raises(ValidationError):
        services.update_question(
            actor=admin_user,
            question=question,
            changes={"show_if_key": "comments", "show_if_codes": ["yes"]},
        )
    with pytest.raises(ValidationError):
        services.update_question(
            actor=admin_user,
            question=question,
            changes={"show_if_key": "has_job_description", "show_if_codes": ["maybe"]},
        )
    services.update_question(
        actor=admin_user,
        question=question,
        changes={"show_if_key": "has_job_description", "show_if_codes": ["yes"]},
    )


def test_open_needs_dates(admin_user, draft_edition):
    with pytest.raises(ValidationError):
        services.open_edition(actor=admin_user, edition=draft_edition)
    assert Edition.objects.get(pk=draft_edition.pk).status == "draft"


def test_close_deletes_every_draft(admin_user, active_member, edition):
    fill_draft(active_member, edition)
    services.close_edition(actor=admin_user, edition=edition)
    assert not Draft.objects.filter(edition=edition).exists()


def test_closing_time_closes_the_edition_and_deletes_drafts(active_member, edition):
    fill_draft(active_member, edition)
    services.run_survey_mailings(now=edition.closes_at + timedelta(hours=1))
    edition.refresh_from_db()
    assert edition.status == "closed"
    assert not Draft.objects.exists()


def test_preview_submission_is_a_test_response_and_not_counted(admin_user, draft_edition):
    services.start_preview(user=admin_user, edition=draft_edition)
    draft = Draft.objects.get(member=admin_user, is_preview=True)
    draft.answers = {
        "position_percent": "50",
        "has_job_description": "yes",
        "salary_annual": "declined",
    }
    draft.save()
    response = services.submit_preview(user=admin_user, edition=draft_edition)
    assert response.is_test
    assert Response.objects.counted().count() == 0
    assert not Participation.objects.exists()
    assert not SubmissionToken.objects.exists()


def test_inactive_person_gets_no_strata_of_someone_else(member, other_member, edition):
    activate(member)
    activate(other_member, county="18", employer_type="nav", union=False)
    fill_draft(other_member, edition)
    services.submit_response(user=other_member, edition=edition)
    (sealed,) = sealed_ballots()
    strata = sealed["strata"]
    assert (strata["region"], strata["employer_type"], strata["union_member"]) == (
        "nord",
        "nav",
        "no",
    )


def test_question_type_constraint_holds_in_the_database(draft_edition):
    question = draft_edition.questions.first()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(type="essay")


def test_deleting_a_member_keeps_their_anonymous_answers_and_nothing_else(
    active_member, edition, other_active_member
):
    fill_draft(active_member, edition, q_comments="Kanarifugl-slett")
    services.submit_response(user=active_member, edition=edition)
    fill_draft(other_active_member, edition)
    counts = (Ballot.objects.count(), Response.objects.count(), Answer.objects.count())
    member_id = active_member.pk
    privacy.delete_account(user=active_member)
    assert not Participation.objects.filter(member_id=member_id).exists()
    assert not Draft.objects.filter(member_id=member_id).exists()
    # The ballot stays: it never belonged to anyone.
    assert (Ballot.objects.count(), Response.objects.count(), Answer.objects.count()) == counts
    assert counts[0] == 1
