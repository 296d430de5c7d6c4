import io

from django.contrib.auth import get_user_model
from django.urls import reverse

from casework import demo
from casework.models import Attachment, Case, Message
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

    # The lead sees colleagues' cases and the workload; the demo advisor covers this week.
    lead = get_user_model().objects.get(email=demo.DEMO_LEAD)
    assert client_for(lead).get(reverse("casework:workload")).status_code == 200
    covered = client_for(advisor).get(reverse("casework:queue"), {"assignee": "covered"})
    assert covered.context["page"].paginator.count > 0
    # The demo member's case carries a file the advisor can download.
    (attachment,) = Attachment.objects.all()
    case = attachment.message.case
    download = client_for(advisor).get(
        reverse("casework:case-attachment", kwargs={"pk": case.pk, "attachment_pk": attachment.pk})
    )
    assert download.status_code == 200
