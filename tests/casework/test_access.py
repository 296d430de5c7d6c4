"""Who reaches which casework page: anonymous, member A, member B, advisor, colleague,
admin. A case that is not yours is a 404, the same as a case that does not exist."""

import logging

import pytest
from django.urls import reverse

from casework.access import ADVISOR, MEMBER, visible_cases_for
from casework.factories import CaseFactory
from casework.models import Case
from core import releases
from members import factories

from .conftest import client_for

MEMBER_CASE_URLS = [
    ("casework:my-case-detail", "get"),
    ("casework:my-case-reply", "post"),
]
ADVISOR_CASE_URLS = [
    ("casework:case-detail", "get"),
    ("casework:case-message", "post"),
    ("casework:case-status", "post"),
    ("casework:case-update", "post"),
    ("casework:case-assign", "post"),
]
PAGES = {
    "casework:request-guidance": {"member": 200, "advisor": 403, "admin": 403},
    "casework:my-case-list": {"member": 200, "advisor": 200, "admin": 200},
    "casework:queue": {"member": 403, "advisor": 200, "admin": 403},
    "casework:register-inquiry": {"member": 403, "advisor": 200, "admin": 403},
    "casework:statistics": {"member": 403, "advisor": 403, "admin": 200},
}


def _call(client, name, method, pk):
    url = reverse(name, kwargs={"pk": pk})
    return client.get(url) if method == "get" else client.post(url, {"body": "x" * 30})


@pytest.mark.parametrize(("name", "method"), MEMBER_CASE_URLS + ADVISOR_CASE_URLS)
def test_anonymous_is_sent_to_login(client, member_case, name, method):
    response = _call(client, name, method, member_case.pk)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(("name", "method"), MEMBER_CASE_URLS)
def test_other_member_gets_404_for_case(other_member, member_case, name, method, caplog):
    client = client_for(other_member)
    with caplog.at_level(logging.WARNING, logger="erfaring.security"):
        response = _call(client, name, method, member_case.pk)
    assert response.status_code == 404
    assert member_case.messages.count() == 0
    denied = [r for r in caplog.records if getattr(r, "event", "") == "access denied"]
    assert len(denied) == 1
    assert denied[0].object_id == str(member_case.pk)
    assert denied[0].user_id == other_member.pk


@pytest.mark.parametrize(("name", "method"), MEMBER_CASE_URLS)
def test_owner_reaches_own_case(member, member_case, name, method):
    response = _call(client_for(member), name, method, member_case.pk)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize(("name", "method"), MEMBER_CASE_URLS)
def test_member_gets_404_for_missing_case(member, name, method):
    assert _call(client_for(member), name, method, 999_999).status_code == 404


@pytest.mark.parametrize(("name", "method"), ADVISOR_CASE_URLS)
def test_member_cannot_reach_advisor_pages_of_own_case(member, member_case, name, method):
    assert _call(client_for(member), name, method, member_case.pk).status_code == 403


@pytest.mark.parametrize(("name", "method"), ADVISOR_CASE_URLS)
def test_advisor_gets_404_for_colleagues_restricted_case(
    advisor, colleague_restricted_case, name, method
):
    response = _call(client_for(advisor), name, method, colleague_restricted_case.pk)
    assert response.status_code == 404
    assert colleague_restricted_case.messages.count() == 0


@pytest.mark.parametrize(("name", "method"), ADVISOR_CASE_URLS)
def test_advisor_gets_404_for_colleagues_assigned_case(
    advisor, other_advisor, member, name, method
):
    case = CaseFactory(member=member, assignee=other_advisor, status=Case.Status.OPEN)
    assert _call(client_for(advisor), name, method, case.pk).status_code == 404


@pytest.mark.parametrize(("name", "method"), ADVISOR_CASE_URLS)
def test_admin_cannot_reach_case_content(admin_user, member_case, name, method):
    response = _call(client_for(admin_user), name, method, member_case.pk)
    assert response.status_code in (403, 404)


@pytest.mark.parametrize(("name", "method"), MEMBER_CASE_URLS)
def test_admin_gets_404_for_members_case(admin_user, member_case, name, method):
    assert _call(client_for(admin_user), name, method, member_case.pk).status_code == 404


@pytest.mark.parametrize(("name", "method"), ADVISOR_CASE_URLS)
def test_superuser_without_the_advisor_role_cannot_reach_case_content(member_case, name, method):
    superuser = factories.UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    factories.with_totp(superuser)
    response = _call(client_for(superuser), name, method, member_case.pk)
    assert response.status_code in (403, 404)
    assert not visible_cases_for(superuser, perspective=ADVISOR).exists()


def test_advisor_sees_triage_and_own_cases_in_detail(advisor, member_case, assigned_case):
    client = client_for(advisor)
    for case in (member_case, assigned_case):
        assert (
            client.get(reverse("casework:case-detail", kwargs={"pk": case.pk})).status_code == 200
        )


def test_restricted_case_is_visible_to_its_assignee(other_advisor, colleague_restricted_case):
    url = reverse("casework:case-detail", kwargs={"pk": colleague_restricted_case.pk})
    assert client_for(other_advisor).get(url).status_code == 200


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("role", ["member", "advisor", "admin"])
def test_page_access_per_role(request, name, role):
    user = request.getfixturevalue({"admin": "admin_user"}.get(role, role))
    response = client_for(user).get(reverse(name))
    assert response.status_code == PAGES[name][role]


@pytest.mark.parametrize("name", [*PAGES, "casework:bulk-assign"])
def test_anonymous_pages_redirect_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302


def test_statistics_export_is_admin_only(member, advisor, admin_user):
    url = reverse("casework:statistics-export", kwargs={"fmt": "csv"})
    assert client_for(member).get(url).status_code == 403
    assert client_for(advisor).get(url).status_code == 403
    assert client_for(admin_user).get(url).status_code == 404  # nothing published yet
    releases.publish(kind="casework")
    assert client_for(admin_user).get(url).status_code == 200


def test_gatekeeper_lists_exactly_what_detail_allows(
    advisor, member, member_case, assigned_case, colleague_restricted_case, other_member_case
):
    colleague_open = CaseFactory(
        member=member, assignee=colleague_restricted_case.assignee, status=Case.Status.OPEN
    )
    advisor_view = set(visible_cases_for(advisor, perspective=ADVISOR))
    assert advisor_view == {member_case, assigned_case, other_member_case}
    assert colleague_open not in advisor_view
    member_view = set(visible_cases_for(member, perspective=MEMBER))
    assert member_view == {member_case, assigned_case, colleague_restricted_case, colleague_open}
    assert set(visible_cases_for(member, perspective=ADVISOR)) == set()


def test_only_holders_of_a_casework_role_are_offered_as_assignees(db):
    from django.contrib.auth.models import Permission

    from casework.selectors import advisors
    from core import roles
    from members import factories

    advisor = factories.advisor_user()
    lead = factories.UserFactory(role=roles.LEAD_ADVISOR)
    both = factories.advisor_user()
    both.groups.add(lead.groups.get())
    factories.admin_user()
    factories.advisor_user(is_active=False)
    by_hand = factories.UserFactory()
    by_hand.user_permissions.add(Permission.objects.get(codename="work_casework"))
    factories.active_member()

    assert sorted(user.pk for user in advisors()) == sorted([advisor.pk, lead.pk, both.pk])
    assert not roles.has_role_permission(by_hand, "members.work_casework")
