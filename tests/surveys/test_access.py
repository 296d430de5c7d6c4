"""Who reaches what: members see only open editions and their own draft; advisors see no
responses; admins manage editions and see aggregates only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core import releases
from members import factories
from surveys import participation, questionnaire, services

from .conftest import activate, start
from .test_services import fill_draft

pytestmark = pytest.mark.django_db

MEMBER_PAGES = ["start", "page", "review", "receipt"]
ADMIN_PAGES = ["manage-edition", "dashboard", "preview-start", "preview-page", "preview-review"]


def member_url(name, year=2026):
    kwargs = {"year": year, "number": 1} if name == "page" else {"year": year}
    return reverse(f"surveys:{name}", kwargs=kwargs)


def admin_url(name, year=2026):
    kwargs = {"year": year, "number": 1} if name == "preview-page" else {"year": year}
    return reverse(f"surveys:{name}", kwargs=kwargs)


@pytest.mark.parametrize("name", [*ADMIN_PAGES, "manage-edition-list"])
def test_member_cannot_reach_admin_pages(client, active_member, edition, name):
    client.force_login(active_member)
    target = (
        reverse("surveys:manage-edition-list")
        if name == "manage-edition-list"
        else (admin_url(name))
    )
    assert client.get(target).status_code == 403
    assert client.post(target, {"year": 2030}).status_code in (403, 405)


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_advisor_cannot_answer_or_see_answers(client, advisor, edition, name):
    client.force_login(advisor)
    assert client.get(member_url(name)).status_code in (403, 404)


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_advisor_cannot_reach_admin_pages(client, advisor, edition, name):
    client.force_login(advisor)
    assert client.get(admin_url(name)).status_code == 403


def test_advisor_sees_no_survey_on_the_list(client, advisor, edition):
    client.force_login(advisor)
    html = client.get(reverse("surveys:edition-list")).content.decode()
    assert "2026" not in html


def test_member_without_current_membership_cannot_answer(client, person, edition):
    client.force_login(person)
    assert client.get(member_url("start")).status_code == 403


@pytest.mark.parametrize("status", ["draft", "closed", "future"])
def test_member_gets_404_for_editions_that_are_not_open(client, active_member, status):
    now = timezone.now()
    fields = {
        "status": "open",
        "opens_at": now + timedelta(days=2),
        "closes_at": now + timedelta(days=9),
    }
    if status == "draft":
        fields = {}
    elif status == "closed":
        fields = {
            "status": "closed",
            "opens_at": now - timedelta(days=9),
            "closes_at": now - timedelta(days=2),
        }
    questionnaire.build_edition(year=2026, **fields)
    client.force_login(active_member)
    for name in ("start", "page", "review"):
        assert client.get(member_url(name)).status_code == 404
    assert "2026" not in client.get(reverse("surveys:edition-list")).content.decode()


def test_member_sees_only_their_own_draft(client, active_member, other_active_member, edition):
    fill_draft(active_member, edition, q_comments="Kanarifugl-A-9981", q_position_percent="37")
    client.force_login(other_active_member)
    start(client, edition)
    for number in range(1, 9):
        html = client.get(member_url("page").replace("/page/1/", f"/page/{number}/"), follow=True)
        assert "Kanarifugl-A-9981" not in html.content.decode()
        assert 'value="37"' not in html.content.decode()
    review = client.get(member_url("review")).content.decode()
    assert "Kanarifugl-A-9981" not in review
    # Their receipt page does not exist until they submit, whoever else has.
    services.submit_response(user=active_member, edition=edition)
    assert client.get(member_url("receipt")).status_code == 404


def test_admin_sees_aggregates_but_never_an_answer(client, admin_user, edition):
    for n in range(6):
        user = activate(factories.member_user(email=f"resp{n}@example.org"))
        fill_draft(user, edition, q_comments=f"Kanarifugl-fritekst-{n}", q_salary_annual="512345")
        services.submit_response(user=user, edition=edition)
    releases.publish(kind=participation.kind_for(edition.year))
    client.force_login(admin_user)
    pages = [
        reverse("surveys:manage-edition-list"),
        admin_url("manage-edition"),
        admin_url("dashboard"),
    ]
    for target in pages:
        html = client.get(target).content.decode()
        assert "Kanarifugl" not in html
        assert "512345" not in html and "512 345" not in html
    dashboard = client.get(admin_url("dashboard")).content.decode()
    # Six people all in one region and all submitted: the release hides the counts that
    # would say so, but the page shows the release.
    assert "Utgivelse 1" in dashboard


def test_admin_who_is_not_a_member_cannot_answer(client, admin_user, edition):
    client.force_login(admin_user)
    assert client.get(member_url("start")).status_code == 403


def test_unknown_edition_and_question_are_404_for_admin(client, admin_user, draft_edition):
    client.force_login(admin_user)
    assert client.get(admin_url("manage-edition", 1999)).status_code == 404
    assert (
        client.get(
            reverse("surveys:manage-question", kwargs={"year": 2027, "pk": 999999})
        ).status_code
        == 404
    )
    other = questionnaire.build_edition(year=2028).questions.first()
    # A question of another edition is not reachable through this edition's URL.
    assert (
        client.get(
            reverse("surveys:manage-question", kwargs={"year": 2027, "pk": other.pk})
        ).status_code
        == 404
    )
