from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone

from core import roles
from members import factories, selectors, services
from members.models import Consent, Membership


def test_migrations_create_staff_role_groups_but_no_accounts(db):
    assert set(Group.objects.values_list("name", flat=True)) == set(roles.STAFF_ROLES)
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
        call_command("grant_role", "nobody@example.org", "advisor")


def test_the_member_role_cannot_be_granted_by_hand(db):
    user = factories.UserFactory(email="not.approved@example.org")

    with pytest.raises(CommandError, match="invalid choice"):
        call_command("grant_role", user.email, "member")
    with pytest.raises(ValueError, match="approved in the portal"):
        roles.grant_role(user=user, role=roles.MEMBER)

    assert not roles.is_member(user)


def test_members_need_no_mfa(db):
    assert not roles.requires_mfa(factories.member_user())


# --- The member role follows the membership -------------------------------------------------


def _membership(status, **overrides):
    if status in ("pending", "rejected"):
        overrides |= {"member_since": None, "period_start": None, "period_end": None}
    return factories.active_member(status=status, **overrides)


@pytest.mark.parametrize(
    ("status", "member"),
    [
        ("active", True),
        ("grace", True),
        ("pending", False),
        ("lapsed", False),
        ("rejected", False),
        ("cancelled", False),
    ],
)
def test_member_access_follows_the_membership_status(db, status, member):
    user = _membership(status)

    assert roles.is_member(user) is member
    assert (user in selectors.active_member_users()) is member


def test_approval_makes_a_member_at_once_and_lapsing_ends_it(db, admin_user):
    user = factories.applicant()
    assert not roles.is_member(user)

    services.approve_membership(membership=user.membership, actor=admin_user)
    assert roles.is_member(get_user_model().objects.get(pk=user.pk))

    Membership.objects.filter(user=user).update(status=Membership.Status.LAPSED)
    assert not roles.is_member(get_user_model().objects.get(pk=user.pk))


def test_access_ends_with_the_grace_period_even_before_the_nightly_job(db):
    # The status job has not run: the row still says "grace" a day after grace ended.
    ended = timezone.localdate() - timedelta(days=settings.MEMBERSHIP_GRACE_DAYS + 1)
    user = _membership("grace", period_start=ended.replace(month=1, day=1), period_end=ended)

    assert not roles.is_member(user)


def test_withdrawn_consent_or_a_deactivated_account_ends_access(db):
    withdrawn, deactivated = factories.member_user(), factories.member_user()
    services.withdraw_consent(user=withdrawn)
    get_user_model().objects.filter(pk=deactivated.pk).update(is_active=False)

    assert not roles.is_member(get_user_model().objects.get(pk=withdrawn.pk))
    assert not roles.is_member(get_user_model().objects.get(pk=deactivated.pk))


def test_an_imported_member_is_a_member_once_they_give_consent(db):
    user = factories.active_member()
    Consent.objects.filter(user=user).delete()  # as the import leaves them
    assert not roles.is_member(user)

    services.give_consent(user=user)

    assert roles.is_member(get_user_model().objects.get(pk=user.pk))


def test_roles_cost_one_query_however_many(db, django_assert_num_queries):
    user = factories.admin_user()
    factories.ProfileFactory(user=user)
    factories.consented(user)
    factories.MembershipFactory(user=user)

    with django_assert_num_queries(1):
        assert roles.role_names(user) == {roles.ADMIN, roles.MEMBER}
