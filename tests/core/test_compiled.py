"""core.compiled: a query compiled once for stand-in ids answers for the real ids, each
call its own; compiled again the next day and after a setting changes (issue 14)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.compiled import CompiledSQLMismatch, compiled_models, compiled_sql, fetch_rows
from members import factories
from members.models import Membership


class CountingBuild:
    def __init__(self):
        self.calls = 0

    def __call__(self, user_id, other_id):
        self.calls += 1
        return (
            get_user_model()
            .objects.filter(pk__in=[user_id, other_id], is_active=True)
            .order_by("email")
            .values_list("email", flat=True)
        )


@pytest.mark.django_db
def test_each_call_answers_for_its_own_ids_from_sql_compiled_once(settings):
    settings.COMPILED_SQL_CHECK = False  # it would build the query on every call
    ada, bo, cy = (factories.UserFactory(email=f"{name}@example.org") for name in "abc")
    build = CountingBuild()

    assert fetch_rows("test.pair", build, ada.pk, bo.pk) == [("a@example.org",), ("b@example.org",)]
    assert fetch_rows("test.pair", build, cy.pk, ada.pk) == [("a@example.org",), ("c@example.org",)]
    assert fetch_rows("test.pair", build, -1, -2) == []
    assert build.calls == 1


@pytest.mark.django_db
def test_compiled_again_the_next_day_and_after_a_setting_changes(settings):
    settings.COMPILED_SQL_CHECK = False
    build = CountingBuild()
    compiled_sql("test.days", build, 1, 2)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        compiled_sql("test.days", build, 1, 2)
    assert build.calls == 2
    settings.MEMBERSHIP_GRACE_DAYS = 3
    compiled_sql("test.days", build, 1, 2)
    assert build.calls == 3


@pytest.mark.django_db
def test_a_query_that_leaves_an_id_out_is_refused():
    def ignores_its_id(user_id):
        return get_user_model().objects.filter(is_active=True).values_list("pk")

    with pytest.raises(ValueError, match="stand-in"):
        compiled_sql("test.ignores", ignores_its_id, 5)


@pytest.mark.django_db
def test_a_query_shaped_by_something_its_name_does_not_say_is_refused():
    # The check the tests run with: the cache would reuse the first shape for the second.
    wanted = {"active": True}

    def build(user_id):
        return get_user_model().objects.filter(pk=user_id, is_active=wanted["active"])

    person = factories.UserFactory()
    assert compiled_models("test.shaped", build, person.pk) == [person]
    wanted["active"] = False
    with pytest.raises(CompiledSQLMismatch):
        compiled_models("test.shaped", build, person.pk)


@pytest.mark.django_db
def test_model_instances_come_with_their_related_objects_and_annotations():
    from django.db.models import F, Value

    member = factories.member_user(first_name="Kari", last_name="Nordmann")

    def build(user_id):
        return (
            Membership.objects.filter(user_id=user_id)
            .select_related("user")
            .annotate(label=Value("x"), email=F("user__email"))
        )

    (membership,) = compiled_models("test.related", build, member.pk)
    orm = build(member.pk).get()
    assert membership == orm and membership.status == orm.status
    assert membership.user.get_full_name() == "Kari Nordmann"
    assert (membership.label, membership.email) == ("x", member.email)


@pytest.mark.django_db
def test_a_queryset_with_a_prefetch_is_refused():
    def build(user_id):
        return get_user_model().objects.filter(pk=user_id).prefetch_related("groups")

    with pytest.raises(ValueError, match="plain"):
        compiled_models("test.prefetch", build, 1)
