"""core.compiled: a query compiled once for stand-in ids answers for the real ids, each
call its own; compiled again the next day and after a setting changes (issue 14)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.compiled import compiled_sql, fetch_rows
from members import factories


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
def test_each_call_answers_for_its_own_ids_from_sql_compiled_once():
    ada, bo, cy = (factories.UserFactory(email=f"{name}@example.org") for name in "abc")
    build = CountingBuild()

    assert fetch_rows("test.pair", build, ada.pk, bo.pk) == [("a@example.org",), ("b@example.org",)]
    assert fetch_rows("test.pair", build, cy.pk, ada.pk) == [("a@example.org",), ("c@example.org",)]
    assert fetch_rows("test.pair", build, -1, -2) == []
    assert build.calls == 1


@pytest.mark.django_db
def test_compiled_again_the_next_day_and_after_a_setting_changes(settings):
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
