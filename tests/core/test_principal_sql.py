"""core.roles reads a person's roles with SQL compiled once a day for a stand-in id: it must
answer exactly what the ORM query answers, for every kind of person, and follow the
calendar and the settings (issue 14)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone

from core import roles
from members import factories


def _fresh(user):
    roles.forget_principal(user)
    return roles._principal(user)


def _by_orm(user):
    return frozenset(roles._principal_rows(user))


@pytest.mark.django_db
def test_compiled_query_answers_what_the_orm_answers_for_everyone():
    member = factories.active_member()
    advisor = factories.advisor_user()
    factories.with_totp(advisor)
    admin = factories.admin_user()
    last_year = timezone.localdate().replace(month=1, day=1) - timedelta(days=365)
    lapsed = factories.active_member(
        period_start=last_year, period_end=last_year + timedelta(days=30)
    )
    inactive = factories.active_member(user_kwargs={"is_active": False})
    granted = factories.UserFactory()
    granted.user_permissions.add(Permission.objects.get(codename="work_casework"))
    nobody = factories.UserFactory()
    people = [member, advisor, admin, lapsed, inactive, granted, nobody]

    answers = [_fresh(person) for person in people]

    assert answers == [_by_orm(person) for person in people]
    # Each person gets their own answer, not the first one's or the stand-in's.
    assert "role:member" in answers[0] and "role:advisor" not in answers[0]
    assert {"role:advisor", "mfa:"} <= answers[1] and "role:member" not in answers[1]
    assert "role:admin" in answers[2]
    assert answers[3] == answers[4] == answers[6] == frozenset()
    assert answers[5] == {"perm:members.work_casework"}


@pytest.mark.django_db
def test_the_member_role_ends_with_the_grace_period_on_the_next_day(settings):
    today = timezone.localdate()
    member = factories.active_member(
        period_end=today - timedelta(days=settings.MEMBERSHIP_GRACE_DAYS)
    )
    assert roles.has_role(member, roles.MEMBER)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert "role:member" not in _fresh(member)
        assert _fresh(member) == _by_orm(member)


@pytest.mark.django_db
def test_a_changed_setting_is_read_by_the_next_request(settings):
    today = timezone.localdate()
    member = factories.active_member(period_end=today - timedelta(days=3))
    settings.MEMBERSHIP_GRACE_DAYS = 5
    assert "role:member" in _fresh(member)
    settings.MEMBERSHIP_GRACE_DAYS = 1
    assert "role:member" not in _fresh(member)
