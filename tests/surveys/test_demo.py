import io
from decimal import Decimal

import pytest
from django.db.models import Avg
from django.urls import reverse

from surveys import demo, questionnaire
from surveys.models import Answer, Ballot, Edition, FreeText, Participation, Response

from .conftest import start
from .test_anonymity import smallest_stratum_groups

pytestmark = pytest.mark.django_db


def share(year, key, code="yes"):
    answers = Answer.objects.filter(response__edition__year=year, question_key=key)
    return answers.filter(code=code).count() / answers.count()


def test_demo_editions_match_the_published_figures(admin_user, active_member, client):
    demo.seed(stdout=io.StringIO())
    assert list(Edition.objects.order_by("year").values_list("year", "status")) == [
        (2020, "closed"),
        (2021, "closed"),
        (2022, "closed"),
        (2026, "open"),
    ]
    assert Response.objects.filter(edition__year=2022).count() == 168
    # Stored as every closed edition is: mixed, strata shared by at least five, free text apart.
    assert not Ballot.objects.exists()
    assert all(e.mixed_on for e in Edition.objects.filter(status="closed"))
    smallest = smallest_stratum_groups()
    print(f"\nsmallest stratum group per seeded edition: {smallest}")
    assert min(smallest[year] for year in (2020, 2021, 2022)) >= 5
    assert FreeText.objects.filter(edition__year=2022).exists()
    assert 30 <= questionnaire.question_count(2022) <= 40
    assert abs(share(2022, "union_member") - 0.71) < 0.06
    assert abs(share(2022, "user_representative") - 0.49) < 0.06
    mean = Answer.objects.filter(
        response__edition__year=2022, question_key="salary_annual", declined=False
    ).aggregate(mean=Avg("number"))["mean"]
    assert abs(Decimal(mean) - 450_000) < 20_000
    shares = [share(year, "has_job_description") for year in (2020, 2021, 2022)]
    assert shares == sorted(shares)
    # The same keys in every edition, so the trend can join on them.
    keys = {
        year: set(Edition.objects.get(year=year).questions.values_list("key", flat=True))
        for year in (2020, 2022, 2026)
    }
    assert keys[2020] <= keys[2022] == keys[2026]

    # The demo member was invited to the open edition and can answer it.
    assert Participation.objects.get(member=active_member).invited_at is not None
    client.force_login(active_member)
    start(client, Edition.objects.get(year=2026))
    page = client.get(reverse("surveys:page", kwargs={"year": 2026, "number": 1}))
    assert page.status_code == 200
