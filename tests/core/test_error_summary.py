"""Long forms open with an error summary (the GOV.UK pattern): announced, focusable, and
each error a link to an input that exists on the page."""

import re

import pytest
from django.urls import reverse

from members import factories
from surveys import questionnaire

pytestmark = pytest.mark.django_db


def summary_of(response):
    html = response.content.decode()
    match = re.search(r'<div class="alert alert-danger error-summary"(.*?)</div>', html, re.S)
    assert match, "no error summary"
    opening, body = match.group(1).split(">", 1)
    assert 'role="alert"' in opening and 'tabindex="-1"' in opening
    targets = re.findall(r'href="#([^"]+)"', body)
    for target in targets:
        assert f'id="{target}"' in html, f"the summary links to #{target}, which is not there"
    return body, targets


def test_application_form_links_each_error_to_its_field(client):
    client.force_login(factories.UserFactory())
    response = client.post(reverse("members:apply"), {"position_percent": "50"})
    _body, targets = summary_of(response)
    assert "id_county" in targets and "id_employer_type_0" in targets
    assert "id_consent" in targets


def test_profile_form_has_the_summary(client):
    client.force_login(factories.active_member())
    response = client.post(reverse("members:profile-edit"), {"position_percent": "500"})
    _body, targets = summary_of(response)
    assert "id_position_percent" in targets


def test_survey_page_links_to_the_first_option_of_a_question(client, member):
    from tests.surveys.conftest import activate, start

    edition = questionnaire.build_edition(year=2026)
    edition.status, edition.opens_at = "open", edition.created_at
    edition.closes_at = edition.created_at.replace(year=2027)
    edition.save()
    activate(member)
    client.force_login(member)
    start(client, edition)
    page = reverse("surveys:page", kwargs={"year": 2026, "number": 2})
    response = client.post(page, {"action": "next"})
    _body, targets = summary_of(response)
    assert targets[0] == "id_q_has_job_description_0"


def test_guidance_request_form_has_the_summary(client, member):
    client.force_login(member)
    response = client.post(reverse("casework:request-guidance"), {"description": "kort"})
    _body, targets = summary_of(response)
    assert "id_description" in targets


def test_a_sign_in_error_is_shown_once_in_the_summary(client, member):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "not the password"}
    )
    body, _targets = summary_of(response)
    html = response.content.decode()
    message = re.sub(r"<[^>]+>", "", body).split("\n")
    error = next(line.strip() for line in message if "passord" in line or "password" in line)
    assert html.count(error) == 1
