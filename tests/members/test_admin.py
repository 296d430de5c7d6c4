import pytest
from django.urls import reverse

from members import factories


@pytest.mark.parametrize("model", ["profile", "membership", "consent", "municipality", "county"])
def test_django_admin_lists_member_models(client, db, model):
    superuser = factories.UserFactory(email="super@example.org", is_staff=True, is_superuser=True)
    factories.with_totp(superuser)
    client.force_login(superuser)
    for _ in range(3):
        factories.active_member()
    response = client.get(reverse(f"admin:members_{model}_changelist"))
    assert response.status_code == 200
