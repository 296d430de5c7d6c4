"""Bad input on the answering pages: a clear message or ignored, nothing stored wrongly,
never a 500."""

import pytest
from django.urls import reverse

from surveys.models import Draft

from .conftest import start

pytestmark = pytest.mark.django_db


def page_url(edition, number):
    return reverse("surveys:page", kwargs={"year": edition.year, "number": number})


@pytest.fixture
def answering(client, active_member, edition):
    client.force_login(active_member)
    start(client, edition)
    return client


def draft_answers(user):
    return Draft.objects.get(member=user).answers


PROFILE_KEYS = {
    "employer_sector",
    "service_field",
    "contract_type",
    "union_member",
    "user_representative",
    "training_programme",
}


def without_profile(answers):
    return {key: value for key, value in answers.items() if key not in PROFILE_KEYS}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"q_position_percent": "101"}, ("100",)),
        ({"q_position_percent": "0"}, ("1",)),
        ({"q_position_percent": "fifty"}, ("heltall", "whole number")),
        ({"q_position_percent": "50.5"}, ("heltall", "whole number")),
        ({"q_peer_colleagues": "maybe"}, ("Choose one of the options", "Velg ett av")),
        ({"q_years_as_peer": "-3"}, ("0",)),
    ],
)
def test_bad_values_on_page_one_are_refused_with_a_message(
    answering, active_member, edition, data, message
):
    response = answering.post(page_url(edition, 1), {"action": "later", **data})
    assert response.status_code == 200
    html = response.content.decode()
    assert any(text in html for text in message), html[:200]
    assert without_profile(draft_answers(active_member)) == {}


def test_unknown_code_in_a_multiple_choice_is_refused(answering, active_member, edition):
    response = answering.post(
        page_url(edition, 2), {"action": "later", "q_tasks": ["groups", "astrology"]}
    )
    assert response.status_code == 200
    assert "tasks" not in draft_answers(active_member)


def test_unknown_likert_item_is_ignored_and_bad_scale_code_refused(
    answering, active_member, edition
):
    answering.post(page_url(edition, 2), {"action": "later", "q_role_clarity__made_up": "5"})
    assert "role_clarity" not in draft_answers(active_member)
    response = answering.post(
        page_url(edition, 2), {"action": "later", "q_role_clarity__clear_role": "9"}
    )
    assert response.status_code == 200
    assert "role_clarity" not in draft_answers(active_member)


def test_salary_out_of_plausible_range_is_refused_and_decline_accepted(
    answering, active_member, edition
):
    response = answering.post(page_url(edition, 5), {"action": "next", "q_salary_annual": "45"})
    assert response.status_code == 200
    assert "salary_annual" not in draft_answers(active_member)
    response = answering.post(page_url(edition, 5), {"action": "next"})
    assert response.status_code == 200
    assert "prefer not to say" in response.content.decode() or "ønsker ikke" in (
        response.content.decode()
    )
    answering.post(
        page_url(edition, 5),
        {"action": "next", "q_salary_annual": "999", "q_salary_annual__declined": "on"},
    )
    assert draft_answers(active_member)["salary_annual"] == "declined"
    answering.post(page_url(edition, 5), {"action": "next", "q_salary_annual": "452000"})
    assert draft_answers(active_member)["salary_annual"] == "452000"


def test_oversized_free_text_is_refused(answering, active_member, edition):
    # Page 7 holds the comments (max 2000 characters).
    response = answering.post(page_url(edition, 7), {"action": "later", "q_comments": "x" * 2001})
    assert response.status_code == 200
    assert "2000" in response.content.decode()
    assert "comments" not in draft_answers(active_member)


def test_answer_to_a_hidden_question_is_discarded(answering, active_member, edition):
    answering.post(
        page_url(edition, 2),
        {"action": "later", "q_has_job_description": "no", "q_job_description_fits": "fully"},
    )
    assert without_profile(draft_answers(active_member)) == {"has_job_description": "no"}


def test_changing_an_answer_discards_the_answers_it_hid(answering, active_member, edition):
    answering.post(page_url(edition, 4), {"action": "later", "q_gets_supervision": "yes"})
    answering.post(
        page_url(edition, 4),
        {
            "action": "later",
            "q_gets_supervision": "yes",
            "q_supervision_frequency": "weekly",
            "q_supervisor_lived_experience": "yes",
        },
    )
    assert draft_answers(active_member)["supervision_frequency"] == "weekly"
    answering.post(page_url(edition, 4), {"action": "later", "q_gets_supervision": "no"})
    assert without_profile(draft_answers(active_member)) == {"gets_supervision": "no"}


def test_hidden_page_is_skipped_and_a_dependent_question_appears(answering, active_member, edition):
    html = answering.get(page_url(edition, 2)).content.decode()
    assert "q_job_description_fits" not in html
    answering.post(page_url(edition, 2), {"action": "later", "q_has_job_description": "yes"})
    html = answering.get(page_url(edition, 2)).content.decode()
    assert "q_job_description_fits" in html


def test_garbage_post_never_gives_a_500(answering, edition):
    for number in range(1, 9):
        response = answering.post(
            page_url(edition, number),
            {
                "action": "nonsense",
                "q_salary_annual": "1e999",
                "q_comments": "\x00",
                "q_tasks": "",
                "csrfmiddlewaretoken": "x",
            },
        )
        assert response.status_code in (200, 302)
