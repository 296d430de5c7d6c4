import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from members import factories, roles


def test_migrations_create_role_groups_but_no_accounts(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    assert get_user_model().objects.count() == 0


def test_grant_role_command_gives_the_role_and_its_permissions(db):
    user = factories.UserFactory(email="new.advisor@example.org")
    assert not user.has_perm("members.work_casework")

    call_command("grant_role", "New.Advisor@example.org", "advisor")

    user = get_user_model().objects.get(pk=user.pk)
    assert roles.has_role(user, roles.ADVISOR)
    assert user.has_perm("members.work_casework")
    assert not user.has_perm("members.manage_membership")
    assert roles.requires_mfa(user)


def test_admin_role_opens_the_django_admin_and_revoking_closes_it(db):
    user = factories.UserFactory(email="new.admin@example.org")
    call_command("grant_role", user.email, "admin")
    user.refresh_from_db()
    assert user.is_staff

    call_command("grant_role", user.email, "admin", "--revoke")
    user = get_user_model().objects.get(pk=user.pk)
    assert not user.is_staff
    assert not roles.has_role(user, roles.ADMIN)


def test_grant_role_to_unknown_person_fails_clearly(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("grant_role", "nobody@example.org", "member")


def test_members_need_no_mfa(db):
    assert not roles.requires_mfa(factories.member_user())
