import pytest

from core import roles
from members import factories
from members.backends import PermissionBackend

pytestmark = pytest.mark.django_db


def test_backend_gives_a_superuser_without_a_role_no_permission():
    """ModelBackend gives a superuser every permission; ours gives what roles and own grants
    give, so nothing asking the backend lets a superuser reach members' data by rank alone."""
    superuser = factories.UserFactory(is_superuser=True, is_staff=True)
    backend = PermissionBackend()
    assert backend.get_all_permissions(superuser) == set()
    assert not backend.has_perm(superuser, "members.manage_membership")


def test_backend_gives_the_permissions_of_the_users_role():
    admin = factories.UserFactory()
    roles.grant_role(user=admin, role=roles.ADMIN)
    assert PermissionBackend().has_perm(admin, "members.manage_membership")
    assert not PermissionBackend().has_perm(admin, "members.work_casework")
