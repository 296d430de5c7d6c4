"""The answering flow through HTTP, as a member experiences it."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from surveys.models import Ballot, Draft, Participation, Response, SubmissionToken

from .conftest import sealed_ballots, start

pytestmark = pytest.mark.django_db


def url(name, edition, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"year": edition.year, **kwargs})


def test_member_answers_resumes_after_logout_reviews_and_submits_once(
    client, active_member, edition, answer_everything
):
    client.force_login(active_member)
    listing = client.get(reverse("surveys:edition-list"))
    assert "2026" in listing.content.decode()

    first = client.get(url("start", edition))
    assert "anonymous" in first.content.decode() or "anonyme" in first.content.decode()
    assert start(client, edition).status_code == 302
    participation = Participation.objects.get(member=active_member, edition=edition)
    assert participation.consent_version and participation.consented_at

    response = client.post(
        url("page", edition, number=1),
        {"action": "later", "q_peer_colleagues": "no", "q_position_percent": "60"},
        follow=True,
    )
    assert re.search(r"(Lagret|Saved) \d\d:\d\d", response.content.decode())

    # Another device: a fresh login finds the saved answers.
    client.logout()
    client.force_login(active_member)
    resumed = client.get(url("page", edition, number=1)).content.decode()
    assert re.search(
        r'<input type="radio" name="q_peer_colleagues" value="no"[^>]*checked', resumed
    )
    assert 'value="60"' in resumed

    answer_everything(client, edition)
    review = client.get(url("review", edition))
    assert review.status_code == 200
    assert "Kommune" in review.content.decode()  # page 1 answered again: the first choice

    submitted = client.post(url("review", edition))
    assert submitted.status_code == 302
    assert submitted["Location"] == url("receipt", edition)
    # Sealed until the edition closes and is mixed: no response yet.
    assert Ballot.objects.count() == 1
    assert Response.objects.count() == 0
    (sealed,) = sealed_ballots()
    assert len(sealed["answers"]) > 20
    assert not Draft.objects.filter(member=active_member).exists()
    receipt = client.get(url("receipt", edition))
    assert receipt.status_code == 200

    again = client.post(url("review", edition))
    assert again.status_code == 302
    assert sealed_ballots() == [sealed]
    assert SubmissionToken.objects.count() == 1
    # Pages of a submitted edition lead to the receipt, not to a new draft.
    assert client.get(url("page", edition, number=1))["Location"] == url("receipt", edition)
    assert client.post(url("start", edition), {"consent": "on"})["Location"] == url(
        "receipt", edition
    )
    assert not Draft.objects.filter(member=active_member).exists()


def test_answering_needs_consent_first(client, active_member, edition):
    client.force_login(active_member)
    response = client.get(url("page", edition, number=1))
    assert response["Location"] == url("start", edition)
    refused = client.post(url("start", edition), {})
    assert refused.status_code == 200
    assert not Participation.objects.filter(member=active_member).exists()
    assert "checkbox" in refused.content.decode()


def test_consent_box_is_not_preticked(client, active_member, edition):
    client.force_login(active_member)
    page = client.get(url("start", edition)).content.decode()
    box = re.search(r'<input[^>]*name="consent"[^>]*>', page).group(0)
    assert "checked" not in box


def test_required_question_blocks_next_but_not_save_for_later(client, active_member, edition):
    client.force_login(active_member)
    start(client, edition)
    blocked = client.post(url("page", edition, number=2), {"action": "next"})
    assert blocked.status_code == 200
    assert "required" in blocked.content.decode() or "obligatorisk" in blocked.content.decode()
    saved = client.post(url("page", edition, number=2), {"action": "later"})
    assert saved.status_code == 302


def test_submit_with_missing_required_answer_says_which_page(client, active_member, edition):
    client.force_login(active_member)
    start(client, edition)
    client.post(url("page", edition, number=1), {"action": "later"})
    response = client.post(url("review", edition), follow=True)
    assert Ballot.objects.count() == 0
    assert re.search(r"(Page|Side) 2", response.content.decode())


def test_profile_questions_are_not_asked_but_answered_from_the_profile(
    client, active_member, edition, answer_everything
):
    client.force_login(active_member)
    start(client, edition)
    page_one = client.get(url("page", edition, number=1)).content.decode()
    assert "q_employer_sector" not in page_one
    assert "q_position_percent" in page_one
    # A member cannot answer them in place of the profile.
    answer_everything(client, edition, q_union_member="no", q_employer_sector="nav")
    review = client.get(url("review", edition)).content.decode()
    assert "Kommune" in review  # employer type from the profile, shown for transparency
    client.post(url("review", edition))
    (sealed,) = sealed_ballots()
    assert sealed["answers"]["union_member"] == "yes"
    assert sealed["answers"]["employer_sector"] == "municipality"
    # The union follow-up is shown to union members (per the profile) and was answered.
    assert "union_understands" in sealed["answers"]


def test_submission_seals_strata_and_a_date_and_no_identity(
    client, active_member, edition, answer_everything
):
    client.force_login(active_member)
    start(client, edition)
    answer_everything(client, edition, q_comments="Kanarifugl-7731")
    client.post(url("review", edition))
    ballot = Ballot.objects.get()
    assert "Kanarifugl-7731" not in ballot.sealed
    (sealed,) = sealed_ballots()
    # County 46 (Vestland) is not stored, its region is.
    assert sealed["strata"] == {
        "region": "vest",
        "employer_type": "municipality",
        "field": "both",
        "union_member": "yes",
        "user_representative": "no",
        "contract_type": "temporary",
        "training_completed": "yes",
    }
    assert sealed["answers"]["comments"] == "Kanarifugl-7731"
    participation = Participation.objects.get(member=active_member)
    assert participation.submitted_on == timezone.localdate()
    # The receipt email says only that answers arrived.
    message = OutboxMessage.objects.get(dedupe_key__contains=":receipt:")
    assert "Kanarifugl" not in str(message.payload)


def test_closed_edition_page_gives_a_clear_message(client, active_member, edition):
    client.force_login(active_member)
    start(client, edition)
    edition.status = "closed"
    edition.save()
    response = client.post(
        url("page", edition, number=1), {"action": "next", "q_position_percent": "50"}, follow=True
    )
    assert response.status_code == 200
    assert "closed" in response.content.decode() or "stengt" in response.content.decode()
    assert Ballot.objects.count() == 0
    assert "position_percent" not in Draft.objects.get(member=active_member).answers


def test_posting_after_closing_time_stores_nothing(client, active_member, edition):
    client.force_login(active_member)
    start(client, edition)
    import time_machine

    with time_machine.travel(edition.closes_at, tick=False):
        response = client.post(url("review", edition), follow=True)
    assert response.status_code == 200
    assert Ballot.objects.count() == 0


def test_page_beyond_the_last_goes_to_review(client, active_member, edition):
    client.force_login(active_member)
    start(client, edition)
    assert client.get(url("page", edition, number=99))["Location"] == url("review", edition)
    assert client.get(url("page", edition, number=0)).status_code == 404


def test_likert_matrix_is_an_accessible_table(client, active_member, edition):
    client.force_login(active_member)
    start(client, edition)
    html = client.get(url("page", edition, number=2)).content.decode()
    assert html.count("<h1") == 1
    assert '<th scope="col">' in html
    assert html.count('<th scope="row"') >= 3
    assert html.count("<legend") >= 3 + 1
    # Every radio button has its own label.
    for input_id in re.findall(r'<input type="radio"[^>]*id="([^"]+)"', html):
        assert f'for="{input_id}"' in html


def test_salary_page_has_unit_and_prefer_not_to_say(client, active_member, edition):
    client.force_login(active_member)
    start(client, edition)
    html = client.get(url("page", edition, number=5)).content.decode()
    assert '<span class="input-group-text">kr</span>' in html
    assert "q_salary_annual__declined" in html


def test_member_withdraws_before_submitting_and_is_not_reminded(
    client, active_member, edition, deliver_outbox
):
    from datetime import timedelta

    import time_machine

    from surveys import services

    client.force_login(active_member)
    start(client, edition)
    services.invite_members(edition=edition)
    client.post(url("page", edition, number=1), {"action": "later", "q_position_percent": "50"})
    response = client.post(url("withdraw", edition), follow=True)
    assert response.status_code == 200
    assert not Draft.objects.filter(member=active_member).exists()
    participation = Participation.objects.get(member=active_member)
    assert participation.withdrawn_at and not participation.consent_version
    with time_machine.travel(edition.opens_at + timedelta(days=8), tick=False):
        assert services.send_due_reminders(edition=edition) == 0
    # Changing their mind again is allowed: consent is recorded anew.
    start(client, edition)
    participation.refresh_from_db()
    assert participation.consent_version and participation.withdrawn_at is None


def test_withdrawing_after_submission_changes_nothing(
    client, active_member, edition, answer_everything
):
    client.force_login(active_member)
    start(client, edition)
    answer_everything(client, edition)
    client.post(url("review", edition))
    response = client.post(url("withdraw", edition), follow=True)
    assert response.status_code == 200
    assert Ballot.objects.count() == 1
    assert Participation.objects.get(member=active_member).submitted_on is not None


def test_next_with_an_answer_that_reveals_questions_stays_on_the_page(
    client, active_member, edition
):
    client.force_login(active_member)
    start(client, edition)
    response = client.post(
        url("page", edition, number=2), {"action": "next", "q_has_job_description": "yes"}
    )
    assert response["Location"] == url("page", edition, number=2)
    assert "q_job_description_fits" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nb", ["forsegles", "blandes", "færre enn fem", "nøkkelen"]),
        ("en", ["sealed", "mixed", "fewer than five", "the key"]),
    ],
)
def test_consent_and_privacy_page_say_answers_are_sealed_then_mixed(
    client, active_member, edition, language, words
):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    privacy = client.get(reverse("members:privacy")).content.decode()
    client.force_login(active_member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    consent = client.get(url("start", edition)).content.decode()
    for word in words[:3]:
        assert word in consent, word
    for word in words:
        assert word in privacy, word
