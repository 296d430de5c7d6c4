import pytest
from django.db.models import F

from casework.factories import CaseFactory
from casework.models import Case
from core.lookups import InConstants


@pytest.mark.parametrize("values", [[], ["closed'); DROP TABLE x; --"], ["Closed"], ["a b"], [1]])
def test_only_plain_words_are_written_into_a_statement(values):
    with pytest.raises(ValueError):
        InConstants(F("status"), values)


def test_the_constants_are_in_the_statement_and_select_as_in_does(db):
    for status in ("new", "open", "closed"):
        CaseFactory(
            status=status,
            closed_at="2026-01-05T10:00Z" if status == "closed" else None,
            outcome=Case.Outcome.values[0] if status == "closed" else "",
        )
    cases = Case.objects.exclude(InConstants(F("status"), [Case.Status.RESOLVED, "closed"]))
    sql, params = cases.query.sql_with_params()
    assert "IN ('resolved', 'closed')" in sql
    assert "resolved" not in params and "closed" not in params
    assert sorted(cases.values_list("status", flat=True)) == ["new", "open"]
    assert list(cases) == list(Case.objects.exclude(status__in=["resolved", "closed"]))
