import pytest
from django.urls import reverse

from members import factories


@pytest.mark.parametrize("model", ["membership", "consent", "municipality", "county"])
def test_django_admin_lists_member_models(client, db, model):
    superuser = factories.UserFactory(email="super@example.org", is_staff=True, is_superuser=True)
    factories.with_totp(superuser)
    client.force_login(superuser)
    for _ in range(3):
        factories.active_member()
    response = client.get(reverse(f"admin:members_{model}_changelist"))
    assert response.status_code == 200


@pytest.fixture
def superuser_client(client, db):
    superuser = factories.UserFactory(email="super@example.org", is_staff=True, is_superuser=True)
    factories.with_totp(superuser)
    client.force_login(superuser)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/mfa/authenticator/",
        "/admin/account/emailaddress/",
        "/admin/usersessions/usersession/",
        "/admin/members/profile/",
        "/admin/members/importbatch/",
    ],
)
def test_django_admin_does_not_show_secrets_addresses_profiles_or_imports(superuser_client, path):
    advisor = factories.advisor_user()
    factories.with_totp(advisor)
    factories.active_member()

    assert superuser_client.get(path).status_code == 404
    assert superuser_client.get(f"{path}1/change/").status_code == 404


def test_django_admin_index_lists_none_of_them(superuser_client):
    page = superuser_client.get(reverse("admin:index")).content.decode()

    for name in ["authenticator", "emailaddress", "usersession", "profile", "importbatch"]:
        assert f'/{name}/"' not in page


def test_django_admin_cannot_change_a_membership_or_role_groups(superuser_client):
    membership = factories.active_member().membership
    change_url = reverse("admin:members_membership_change", args=[membership.pk])

    superuser_client.post(change_url, {"status": "cancelled"})

    membership.refresh_from_db()
    assert membership.status == "active"
    assert superuser_client.get(reverse("admin:members_membership_add")).status_code == 403
    delete_url = reverse("admin:members_membership_delete", args=[membership.pk])
    assert superuser_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert superuser_client.get("/admin/auth/group/").status_code == 404
