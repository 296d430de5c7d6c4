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
    print(
        f"2022: n=168, union {share(2022, 'union_member'):.1%}, user representatives "
        f"{share(2022, 'user_representative'):.1%}, mean salary {mean:.0f}"
    )
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


def mean_salary(year, key, code):
    """Mean salary of the responses that answered `key` with `code` (None: no such answer)."""
    responses = Answer.objects.filter(
        response__edition__year=year, question_key=key, code=code
    ).values("response")
    return Answer.objects.filter(
        response__in=responses, question_key="salary_annual", declined=False
    ).aggregate(mean=Avg("number"))["mean"]


def test_demo_editions_follow_the_published_reports_directions(admin_user):
    """More job descriptions, more involvement in developing the role, more often treated as
    an equal each year; higher pay grades go with higher pay."""
    demo.seed(stdout=io.StringIO())
    years = (2020, 2021, 2022)
    for key in ("has_job_description", "role_involvement"):
        shares = [share(year, key) for year in years]
        assert shares[0] < shares[1] < shares[2], (key, shares)
    equal = []
    for year in years:
        codes = Answer.objects.filter(
            response__edition__year=year, question_key="treated_as_equal"
        ).values_list("code", flat=True)
        equal.append(sum(int(c) for c in codes) / len(codes))
    assert equal[0] < equal[1] < equal[2], equal

    for year in years:
        grades = [mean_salary(year, "pay_grade", g) for g in ("assistant", "skilled_worker")]
        grades.append(mean_salary(year, "pay_grade", "consultant"))
        assert grades[0] < grades[1] < grades[2], (year, grades)


def test_demo_training_programme_goes_with_higher_pay(admin_user):
    """The programme is a stratum, generalised at mixing like the others: most responses
    keep it, and those who completed it earn more on average, every year."""
    demo.seed(stdout=io.StringIO())
    for year in (2020, 2021, 2022):
        responses = Response.objects.filter(edition__year=year)
        kept = responses.exclude(training_completed="").count()
        trained = mean_salary(year, "training_programme", "yes")
        untrained = mean_salary(year, "training_programme", "no")
        print(
            f"\n{year}: training kept {kept}/{responses.count()}, mean salary "
            f"yes {trained:.0f}, no {untrained:.0f}"
        )
        # The answer is rebuilt from the stratum, one for one.
        assert (
            kept
            == Answer.objects.filter(
                response__edition__year=year, question_key="training_programme"
            ).count()
        )
        assert kept >= 0.8 * responses.count()
        assert trained > untrained
