"""The lead advisor (issue 13): every case that is not restricted, reassignment, workload."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.factories import CaseFactory
from casework.models import Case
from core.models import AuditEvent

from .conftest import client_for


@pytest.fixture
def colleague_case(member, other_advisor):
    return CaseFactory(member=member, assignee=other_advisor, status=Case.Status.OPEN)


def _refs(client, params):
    response = client.get(reverse("casework:queue"), params)
    assert response.status_code == 200
    return {case.reference for case in response.context["page"]}


def test_lead_queue_all_shows_every_case_but_colleagues_restricted_ones(
    lead, member, colleague_case, colleague_restricted_case
):
    triage = CaseFactory(member=member)
    mine_restricted = CaseFactory(
        member=member, assignee=lead, restricted=True, status=Case.Status.OPEN
    )
    client = client_for(lead)
    assert _refs(client, {"assignee": "all"}) == {
        triage.reference,
        colleague_case.reference,
        mine_restricted.reference,
    }
    # The lead's queue starts like everyone's: their own cases and triage.
    assert _refs(client, {}) == {triage.reference, mine_restricted.reference}


def test_plain_advisor_cannot_ask_for_all_cases(advisor_client, colleague_case):
    response = advisor_client.get(reverse("casework:queue"), {"assignee": "all"})
    assert response.status_code == 400
    assert "page" not in response.context


def test_lead_reassigns_a_colleagues_case(lead, advisor, colleague_case):
    client = client_for(lead)
    url = reverse("casework:case-detail", kwargs={"pk": colleague_case.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        reverse("casework:case-assign", kwargs={"pk": colleague_case.pk}),
        {"assignee": advisor.pk},
    )
    assert response.status_code == 302
    colleague_case.refresh_from_db()
    assert colleague_case.assignee == advisor
    assert AuditEvent.objects.filter(
        action="casework.case.assigned", actor=lead, object_id=str(colleague_case.pk)
    ).exists()


def test_lead_cannot_open_or_move_a_colleagues_restricted_case(
    lead, advisor, colleague_restricted_case
):
    client = client_for(lead)
    pk = colleague_restricted_case.pk
    assert client.get(reverse("casework:case-detail", kwargs={"pk": pk})).status_code == 404
    response = client.post(
        reverse("casework:case-assign", kwargs={"pk": pk}), {"assignee": advisor.pk}
    )
    assert response.status_code == 404
    colleague_restricted_case.refresh_from_db()
    assert colleague_restricted_case.assignee != advisor


def test_workload_counts_open_overdue_and_waiting_per_advisor(lead, advisor, other_advisor, member):
    old = timezone.now() - timezone.timedelta(days=30)
    CaseFactory(member=member, assignee=advisor, status=Case.Status.OPEN, created_at=old)
    CaseFactory(
        member=member,
        assignee=advisor,
        status=Case.Status.OPEN,
        first_response_at=timezone.now(),
    )
    CaseFactory(member=member, assignee=advisor, status=Case.Status.RESOLVED)
    CaseFactory(member=member, assignee=other_advisor, restricted=True, status=Case.Status.WAITING)
    CaseFactory(member=member, created_at=old)
    response = client_for(lead).get(reverse("casework:workload"))
    rows = {
        a.email: (a.open_cases, a.overdue_cases, a.awaiting_first_response)
        for a in response.context["advisors"]
    }
    assert rows[advisor.email] == (2, 1, 1)
    assert rows[other_advisor.email] == (1, 0, 1)
    assert rows[lead.email] == (0, 0, 0)
    triage = response.context["triage"]
    assert (triage["open_cases"], triage["overdue_cases"]) == (1, 1)


def test_workload_query_count_is_flat(lead, advisor, member):
    client = client_for(lead)
    url = reverse("casework:workload")
    client.get(url)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    CaseFactory.create_batch(3, member=member, assignee=advisor)
    small = queries()
    CaseFactory.create_batch(9, member=member, assignee=advisor)
    from members import factories

    factories.advisor_user(email="third.advisor@example.org")
    assert queries() == small


def test_plain_advisor_has_no_workload_page(advisor_client):
    assert advisor_client.get(reverse("casework:workload")).status_code == 403


def test_a_former_leads_saved_everyone_filter_falls_back_to_the_standard_queue(lead):
    from core import roles

    client = client_for(lead)
    client.post(reverse("casework:queue-save-filter"), {"assignee": "all"})
    assert client.get(reverse("casework:queue")).status_code == 302
    roles.revoke_role(user=lead, role=roles.LEAD_ADVISOR)
    response = client_for(lead).get(reverse("casework:queue"))
    assert response.status_code == 200
    assert response.context["filters"].cleaned_data["assignee"] == ""
