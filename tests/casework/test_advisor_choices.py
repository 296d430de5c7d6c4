"""The advisors' drop-down (queue and case page) lists exactly whom the assignment accepts:
read from SQL compiled once (casework.selectors.advisor_choices), checked here against the
ORM queryset that validates the choice (issue 14)."""

import pytest
from django.contrib.auth.models import Permission

from casework import selectors
from casework.factories import CaseFactory
from casework.forms import AdvisorChoiceField, AssignForm
from core import roles
from core.templatetags.fields import field_group
from members import factories


def _as_the_queryset_lists(case):
    field = AdvisorChoiceField(queryset=selectors.assignable_advisors(case))
    return [(user.pk, field.label_from_instance(user)) for user in field.queryset]


@pytest.fixture
def people(db):
    advisor = factories.advisor_user(email="a@example.org", first_name="Åse", last_name="Ås")
    nameless = factories.advisor_user(email="nameless@example.org", first_name="", last_name="")
    lead = factories.advisor_user(email="lead@example.org", first_name="Lea", last_name="Leder")
    roles.grant_role(user=lead, role=roles.LEAD_ADVISOR)
    advisor_member = factories.advisor_user(email="am@example.org", first_name="Mia")
    factories.advisor_user(email="gone@example.org", is_active=False)
    granted = factories.UserFactory(email="granted@example.org")
    granted.user_permissions.add(Permission.objects.get(codename="work_casework"))
    member = factories.active_member()
    return {
        "advisor": advisor,
        "nameless": nameless,
        "lead": lead,
        "advisor_member": advisor_member,
        "member": member,
    }


def test_the_drop_down_lists_what_the_assignment_accepts(people):
    cases = [
        None,
        CaseFactory(member=people["member"]),
        CaseFactory(member=people["advisor_member"]),
    ]
    for case in cases:
        assert list(selectors.advisor_choices(case)) == _as_the_queryset_lists(case)
    listed = {pk for pk, _ in selectors.advisor_choices(cases[2])}
    assert people["advisor"].pk in listed and people["advisor_member"].pk not in listed
    assert (people["nameless"].pk, "nameless@example.org") in selectors.advisor_choices()


def test_a_new_advisor_is_listed_at_once_and_a_former_one_no_more(people):
    before = {pk for pk, _ in selectors.advisor_choices()}
    newcomer = factories.advisor_user(email="new@example.org")
    roles.revoke_role(user=people["advisor"], role=roles.ADVISOR)

    after = {pk for pk, _ in selectors.advisor_choices()}

    assert after == (before | {newcomer.pk}) - {people["advisor"].pk}


def test_the_drop_down_reads_as_it_did_from_the_queryset(people):
    case = CaseFactory(member=people["member"], assignee=people["lead"])
    form = AssignForm(case=case, initial={"assignee": case.assignee})
    shown = field_group(form["assignee"])

    field = form.fields["assignee"]
    del field._choices  # back to the choices the queryset gives
    field.queryset = selectors.assignable_advisors(case)

    assert shown == field_group(form["assignee"])
    assert "selected>Lea Leder</option>" in shown
