"""An advisor who is also a member: their own case is a member's case to them, never a
staff one. No staff view lists, counts, opens or lets them work or take it; a colleague does."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.factories import CaseFactory, MessageFactory
from casework.models import Case, Message
from core import roles
from members import factories

from .conftest import CANARY_NOTE, client_for

ADVISOR_CASE_ACTIONS = [
    ("casework:case-message", {"kind": "internal_note", "body": "x" * 30}),
    ("casework:case-status", {"status": "closed", "outcome": "guidance_given"}),
    ("casework:case-update", {"priority": "3", "restricted": "on"}),
    ("casework:case-assign", {"assignee": ""}),
]


@pytest.fixture
def advisor_member(db):
    """An advisor who is also an active member, with an authenticator."""
    user = factories.member_user(
        email="radgiver.medlem@example.org", first_name="Rita", last_name="Rådgiver"
    )
    roles.grant_role(user=user, role=roles.ADVISOR)
    factories.with_totp(user)
    return user


@pytest.fixture
def lead_member(advisor_member):
    roles.grant_role(user=advisor_member, role=roles.LEAD_ADVISOR)
    return advisor_member


@pytest.fixture
def own_case(advisor_member, other_advisor):
    """The advisor's own case as a member, in triage, with a colleague's internal note."""
    case = CaseFactory(member=advisor_member)
    MessageFactory(
        case=case,
        author=other_advisor,
        kind=Message.Kind.INTERNAL_NOTE,
        sender=Message.Sender.ADVISOR,
        body=CANARY_NOTE,
    )
    return case


def _queue_refs(client, **params):
    response = client.get(reverse("casework:queue"), {"status": "all", **params})
    assert response.status_code == 200
    return {case.reference for case in response.context["page"]}


def test_advisor_gets_404_on_own_case_in_the_advisor_view(advisor_member, own_case):
    client = client_for(advisor_member)
    response = client.get(reverse("casework:case-detail", kwargs={"pk": own_case.pk}))
    assert response.status_code == 404
    assert CANARY_NOTE not in response.content.decode()
    # As a member they see their case, without the advisors' notes.
    mine = client.get(reverse("casework:my-case-detail", kwargs={"pk": own_case.pk}))
    assert mine.status_code == 200
    assert CANARY_NOTE not in mine.content.decode()


@pytest.mark.parametrize(("name", "data"), ADVISOR_CASE_ACTIONS)
def test_advisor_cannot_work_or_take_own_case(advisor_member, own_case, name, data):
    before = Case.objects.values().get(pk=own_case.pk)
    response = client_for(advisor_member).post(reverse(name, kwargs={"pk": own_case.pk}), data)
    assert response.status_code == 404
    assert Case.objects.values().get(pk=own_case.pk) == before
    assert own_case.messages.count() == 1


def test_own_case_is_in_no_queue_and_not_found_by_reference(advisor_member, own_case):
    client = client_for(advisor_member)
    colleague_case = CaseFactory(member=factories.member_user(email="annen@example.org"))
    assert _queue_refs(client) == {colleague_case.reference}
    assert _queue_refs(client, assignee="none") == {colleague_case.reference}
    # A full reference opens the case it names; their own is "not found", as a colleague's
    # restricted case is.
    response = client.get(reverse("casework:queue"), {"reference": own_case.reference})
    assert response.status_code == 200
    assert list(response.context["page"]) == []


def test_lead_who_is_a_member_neither_sees_nor_counts_own_case(lead_member, own_case, advisor):
    own_case.assignee = advisor
    own_case.status = Case.Status.OPEN
    own_case.save()
    client = client_for(lead_member)
    assert own_case.reference not in _queue_refs(client, assignee="all")
    workload = client.get(reverse("casework:workload")).context
    counts = {row.email: row.open_cases for row in workload["advisors"]}
    assert counts[advisor.email] == 0
    CaseFactory(member=factories.member_user(email="annen@example.org"), assignee=advisor)
    workload = client.get(reverse("casework:workload")).context
    assert {row.email: row.open_cases for row in workload["advisors"]}[advisor.email] == 1


def test_bulk_assign_cannot_take_own_case(advisor_member, own_case):
    response = client_for(advisor_member).post(
        reverse("casework:bulk-assign"), {"cases": [own_case.pk], "assignee": advisor_member.pk}
    )
    assert response.status_code == 302
    own_case.refresh_from_db()
    assert own_case.assignee_id is None


def test_a_colleague_cannot_give_the_case_to_its_member(advisor_member, own_case, other_advisor):
    client = client_for(other_advisor)
    url = reverse("casework:case-detail", kwargs={"pk": own_case.pk})
    field = client.get(url).context["assign_form"].fields["assignee"]
    shown = {value for value, _ in field.choices}
    assert other_advisor.pk in shown and advisor_member.pk not in shown
    response = client.post(
        reverse("casework:case-assign", kwargs={"pk": own_case.pk}),
        {"assignee": advisor_member.pk},
    )
    assert response.status_code == 400
    bulk = client.post(
        reverse("casework:bulk-assign"), {"cases": [own_case.pk], "assignee": advisor_member.pk}
    )
    assert bulk.status_code == 302
    own_case.refresh_from_db()
    assert own_case.assignee_id is None
    with pytest.raises(services.ValidationError):
        services.assign_case(case=own_case, actor=other_advisor, assignee=advisor_member)


def test_advisor_cannot_register_an_inquiry_of_their_own(advisor_member, topics):
    with pytest.raises(services.ValidationError) as error:
        services.register_inquiry(
            advisor=advisor_member,
            member=advisor_member,
            requester_kind=Case.RequesterKind.MEMBER,
            channel=Case.Channel.PHONE,
            topics=[topics["stigma"]],
            description="Ringte inn om sin egen sak, med nok tekst til å passere.",
        )
    assert "member_email" in error.value.error_dict
    assert not Case.objects.filter(member=advisor_member).exists()


def test_own_overdue_case_is_reminded_to_colleagues_only(
    advisor_member, own_case, other_advisor, deliver_outbox
):
    Case.objects.filter(pk=own_case.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=30)
    )
    services.send_reminders()
    deliver_outbox()
    recipients = {address for message in mail.outbox for address in message.to}
    assert other_advisor.email in recipients
    assert advisor_member.email not in recipients


def test_lead_cannot_move_own_restricted_case(lead_member, own_case, advisor, other_advisor):
    own_case.assignee = advisor
    own_case.restricted = True
    own_case.status = Case.Status.OPEN
    own_case.save()
    response = client_for(lead_member).post(
        reverse("casework:restricted-move"),
        {"reference": own_case.reference, "assignee": other_advisor.pk, "reason": "Flytt den."},
    )
    assert response.status_code == 400
    own_case.refresh_from_db()
    assert own_case.assignee_id == advisor.pk


def test_covering_for_a_colleague_does_not_open_own_case(advisor_member, own_case, other_advisor):
    from casework.models import Absence

    own_case.assignee = other_advisor
    own_case.status = Case.Status.OPEN
    own_case.save()
    today = timezone.localdate()
    Absence.objects.create(
        advisor=other_advisor, cover=advisor_member, starts_on=today, ends_on=today
    )
    colleague_case = CaseFactory(
        member=factories.member_user(email="annen@example.org"),
        assignee=other_advisor,
        status=Case.Status.OPEN,
    )
    client = client_for(advisor_member)
    assert _queue_refs(client, assignee="covered") == {colleague_case.reference}
    url = reverse("casework:case-detail", kwargs={"pk": own_case.pk})
    assert client.get(url).status_code == 404
