import io

from django.urls import reverse

from casework import demo
from casework.models import Case, Message
from members import factories

from .conftest import client_for


def test_demo_cases_span_the_years_and_hold_the_seed_examples(db):
    factories.member_user(email=demo.DEMO_MEMBER)
    advisor = factories.advisor_user(email=demo.DEMO_ADVISOR)
    factories.with_totp(advisor)
    for n in range(8):
        factories.member_user(email=f"demo.medlem{n:03d}@erfaring.example")
    demo.seed(stdout=io.StringIO())

    assert Case.objects.count() > 300
    years = {case.created_at.year for case in Case.objects.only("created_at")}
    assert set(range(2020, 2026)) <= years
    assert Case.objects.filter(member__isnull=True).exists(), "some inquiries from non-members"
    assert Case.objects.filter(assignee=advisor).count() > 50
    assert Message.objects.filter(kind=Message.Kind.INTERNAL_NOTE).exists()
    mine = Case.objects.filter(member__email=demo.DEMO_MEMBER)
    assert {c.topics.first().code for c in mine} >= {"pay_conditions"}
    assert any("stillingsbeskrivelse" in case.description for case in mine)
    assert any("assistentlønn" in case.description for case in mine)
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references))

    response = client_for(advisor).get(reverse("casework:queue"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count > 0
