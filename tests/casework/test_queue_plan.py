"""The queue's page is planned once per connection, not on every request (issue 14): its
statement must let PostgreSQL keep a generic plan, which can use the partial index
`case_active_assignee` only if the closed statuses are constants in the statement
(core.lookups.InConstants). With them bound as parameters, PostgreSQL planned the page
anew on every execution: 1.7 ms against 0.8 at 20k cases."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casework.models import Case, CaseCounter, format_reference

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql"
    or not settings.DATABASES["default"]["OPTIONS"].get("prepare_threshold"),
    reason="PostgreSQL's prepared statements (DATABASE_PREPARED)",
)


def _history(member, advisor, *, closed, active):
    """`closed` cases long closed and `active` ones of the advisor's, as in an organisation
    some years old (the generator of manage.py bench, in small)."""
    now = timezone.now()
    cases = []
    for number in range(1, closed + active + 1):
        is_closed = number <= closed
        cases.append(
            Case(
                reference=format_reference(2020, number),
                member=member,
                requester_kind=Case.RequesterKind.MEMBER,
                channel=Case.Channel.PORTAL,
                description="Spørsmål om lønn.",
                status=Case.Status.CLOSED if is_closed else Case.Status.OPEN,
                closed_at=now - timedelta(days=30) if is_closed else None,
                outcome=Case.Outcome.values[0] if is_closed else "",
                assignee=advisor,
                created_at=now - timedelta(days=number),
            )
        )
    Case.objects.bulk_create(cases)
    CaseCounter.objects.update_or_create(year=2020, defaults={"last_number": closed + active})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE casework_case")


def _plans_of_the_queue_page():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s AND statement LIKE %s",
            ['%FROM "casework_case"%', '%"_total"%'],
        )
        return cursor.fetchall()


def test_the_queue_page_keeps_one_plan_for_every_request(advisor_client, advisor, member):
    _history(member, advisor, closed=3000, active=30)
    url = reverse("casework:queue") + "?status=active"
    for _ in range(20):
        response = advisor_client.get(url)
        assert response.status_code == 200
    assert response.context["page"].paginator.count == 30

    [(generic, custom)] = _plans_of_the_queue_page()
    # psycopg prepares a statement once it has run it five times. PostgreSQL then plans the
    # first five executions for their parameters and keeps the generic plan if it is as
    # good; were it not, every further request would be planned anew too.
    assert custom == 5
    assert generic >= 5
