"""Every members URL, walked per role: anonymous, member, advisor, admin; and one member
reaching another's record."""

import pytest
from django.urls import reverse

from members import factories

LOGIN = "/accounts/login/"

OWN_PAGES = [
    "members:apply",
    "members:profile",
    "members:profile-edit",
    "members:renew",
    "members:consent-withdraw",
    "members:application-received",
]
ADMIN_PAGES = ["members:application-list", "members:member-list", "members:import-upload"]
STATISTICS_PAGES = [
    reverse("members:statistics"),
    reverse("members:statistics-export", kwargs={"fmt": "csv"}) + "?table=county",
    reverse("members:statistics-export", kwargs={"fmt": "xlsx"}) + "?table=county",
]
RECORD_PAGES = ["members:member-detail", "members:application-decide"]


@pytest.fixture
def someone_elses_application(db):
    return factories.applicant(email="someone@example.org").membership


@pytest.mark.parametrize("name", [*OWN_PAGES, *ADMIN_PAGES])
def test_anonymous_visitor_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_privacy_page_is_public(client, db):
    response = client.get(reverse("members:privacy"))
    assert response.status_code == 200
    assert b"<h1>" in response.content


@pytest.mark.parametrize("url", STATISTICS_PAGES)
def test_anonymous_visitor_gets_no_statistics(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


@pytest.mark.parametrize("name", OWN_PAGES)
def test_member_reaches_own_pages(client, member_with_profile, name):
    client.force_login(member_with_profile)
    response = client.get(reverse(name))
    assert response.status_code in (200, 302)
    if name == "members:consent-withdraw":  # asks for the password again first
        assert response.url.startswith(reverse("account_reauthenticate"))
    elif response.status_code == 302:  # e.g. renew outside the window, apply when a member
        assert response.url == reverse("members:profile")


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_member_is_refused_admin_pages(member_client, name):
    assert member_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("url", STATISTICS_PAGES)
def test_member_and_advisor_get_no_statistics(client, member, advisor, url):
    for user in (member, advisor):
        client.force_login(user)
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_member_is_refused_every_record_page_alike(
    client, member_with_profile, other_member_with_profile, someone_elses_application, name
):
    """Role first (core.roles): 403 for a page of a role the member lacks, the same answer
    for another's record, their own and one that does not exist, so it tells nothing."""
    client.force_login(member_with_profile)
    for pk in (
        other_member_with_profile.membership.pk,
        someone_elses_application.pk,
        member_with_profile.membership.pk,
        999_999,
    ):
        url = reverse(name, kwargs={"pk": pk})
        assert client.get(url).status_code == 403
        assert client.post(url, {"decision": "approve"}).status_code == 403
    someone_elses_application.refresh_from_db()
    assert someone_elses_application.status == "pending"


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_advisor_is_refused_member_records(advisor_client, someone_elses_application, name):
    url = reverse(name, kwargs={"pk": someone_elses_application.pk})
    assert advisor_client.get(url).status_code == 403


@pytest.mark.parametrize("name", [*RECORD_PAGES, "members:import-preview"])
def test_superuser_without_a_role_sees_no_member_record(
    client, member_with_profile, someone_elses_application, name
):
    """A superuser's has_perm() says yes to everything; access follows the roles instead."""
    superuser = factories.UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    factories.with_totp(superuser)
    client.force_login(superuser)
    url = reverse(name, kwargs={"pk": member_with_profile.membership.pk})
    response = client.get(url)
    assert response.status_code == 403
    assert member_with_profile.email not in response.content.decode()
    for page in ADMIN_PAGES:
        assert client.get(reverse(page)).status_code == 403, page


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_advisor_is_refused_admin_pages(advisor_client, name):
    assert advisor_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_reaches_admin_pages(admin_client_mfa, name):
    assert admin_client_mfa.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("url", STATISTICS_PAGES)
def test_admin_reaches_statistics(admin_client_mfa, url):
    from core import releases

    releases.publish(kind="membership")
    assert admin_client_mfa.get(url).status_code == 200


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_admin_opens_a_record_and_the_read_is_audited(
    admin_client_mfa, admin_user, someone_elses_application, name
):
    from core.models import AuditEvent

    url = reverse(name, kwargs={"pk": someone_elses_application.pk})
    response = admin_client_mfa.get(url)
    assert response.status_code == 200
    assert b"someone@example.org" in response.content
    event = AuditEvent.objects.get(action="membership.viewed")
    assert event.actor == admin_user and event.subject == someone_elses_application.user
    assert admin_client_mfa.get(reverse(name, kwargs={"pk": 99999})).status_code == 404


def test_import_preview_belongs_to_the_admin_who_uploaded_it(client, admin_user, member):
    from members.importing import create_import_batch

    other_admin = factories.admin_user(email="admin2@example.org")
    factories.with_totp(other_admin)
    batch = create_import_batch(actor=admin_user, rows=[])
    url = reverse("members:import-preview", kwargs={"pk": batch.pk})
    for user, status in ((member, 403), (other_admin, 404), (admin_user, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status


def test_staff_without_mfa_is_sent_to_set_it_up(client, db):
    admin = factories.admin_user(email="nomfa.admin@example.org")
    client.force_login(admin)
    response = client.get(reverse("members:member-list"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_menu_offers_a_superuser_without_a_role_no_staff_page(client, db):
    superuser = factories.UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    factories.with_totp(superuser)
    client.force_login(superuser)
    html = client.get(reverse("core:home")).content.decode()
    for name in (
        "members:application-list",
        "members:member-list",
        "members:staff-roles",
        "members:statistics",
        "surveys:manage-edition-list",
        "casework:workload",
    ):
        assert f'href="{reverse(name)}"' not in html, name


def test_menu_offers_an_admin_the_admin_pages(admin_client_mfa):
    html = admin_client_mfa.get(reverse("core:home")).content.decode()
    for name in ("members:member-list", "members:staff-roles", "surveys:manage-edition-list"):
        assert f'href="{reverse(name)}"' in html, name
