from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members import factories
from members.models import Consent, Membership, Municipality, Profile
from surveys import questionnaire, services, tasks
from surveys.models import Ballot, Draft, Question
from surveys.sealing import unseal
from surveys.selectors import questionnaire_for


def activate(user, *, county="46", employer_type="municipality", union=True, rep=False):
    """Make `user` a current member with this profile and consent (what approval leaves);
    a member from the factories gets their membership and profile changed to these."""
    today = timezone.localdate()
    Membership.objects.update_or_create(
        user=user,
        defaults={
            "status": Membership.Status.ACTIVE,
            "applied_at": timezone.now() - timedelta(days=30),
            "decided_at": timezone.now() - timedelta(days=29),
            "member_since": today - timedelta(days=29),
            "period_start": today - timedelta(days=29),
            "period_end": today + timedelta(days=336),
        },
    )
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "county_id": county,
            "municipality": Municipality.objects.filter(county_id=county).first(),
            "employer_type": employer_type,
            "field": "both",
            "position_percent": 80,
            "contract_type": "temporary",
            "training_completed": True,
            "union_member": union,
            "user_representative": rep,
            "year_started": 2018,
        },
    )
    if not Consent.objects.filter(user=user, withdrawn_at__isnull=True).exists():
        factories.consented(user)
    return user


@pytest.fixture
def active_member(member):
    return activate(member)


@pytest.fixture
def other_active_member(other_member):
    return activate(other_member, county="03", employer_type="nav")


@pytest.fixture
def edition(db):
    """The 2026 edition, open since yesterday for thirty days."""
    now = timezone.now()
    return questionnaire.build_edition(
        year=2026,
        status="open",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )


@pytest.fixture
def draft_edition(db):
    return questionnaire.build_edition(year=2027)


def valid_value(question):
    """Form data answering `question` validly (first choice, lowest number, short text)."""
    name = f"q_{question.key}"
    if question.type == Question.Type.LIKERT:
        first = question.choices.all()[0].code
        return {f"{name}__{item.code}": first for item in question.items.all()}
    if question.type == Question.Type.MULTI:
        return {name: [question.choices.all()[0].code]}
    if question.type in Question.CHOICE_TYPES:
        return {name: question.choices.all()[0].code}
    if question.type in Question.NUMBER_TYPES:
        return {name: str(int(question.min_value or 1))}
    return {name: "Fint."}


def page_data(questions, **overrides):
    data = {"action": "next"}
    for question in questions:
        data.update(valid_value(question))
    data.update(overrides)
    return data


@pytest.fixture
def answer_everything():
    """Walk every page of the member's flow through HTTP with valid answers, staying on a
    page while answers reveal more of its questions. `overrides` go into every page's data.
    Returns the number of posts."""

    def run(client, edition, **overrides):
        survey = questionnaire_for(edition)
        user_id = int(client.session["_auth_user_id"])
        # Start from what consent took from the profile, as the server does.
        answers = dict(Draft.objects.get(member_id=user_id, edition=edition).answers)
        number, posts = 1, 0
        while True:
            pages = survey.pages(answers)
            if number > len(pages):
                return posts
            questions = survey.visible_questions(pages[number - 1], answers)
            data = page_data(questions, **overrides)
            page_url = reverse("surveys:page", kwargs={"year": edition.year, "number": number})
            response = client.post(page_url, data)
            posts += 1
            assert response.status_code == 302, response.content.decode()[:2000]
            for question in questions:
                value = data.get(f"q_{question.key}")
                if value is not None:
                    answers[question.key] = value
            if response["Location"] != page_url:
                number += 1

    return run


def start(client, edition):
    return client.post(reverse("surveys:start", kwargs={"year": edition.year}), {"consent": "on"})


def sealed_ballots(edition=None):
    """What the waiting ballots hold, opened with the keys from the environment (as only the
    mixing job does): [{"answers": ..., "strata": ...}]."""
    ballots = Ballot.objects.all() if edition is None else Ballot.objects.filter(edition=edition)
    return [unseal(ballot.sealed) for ballot in ballots]


def close_and_mix(edition):
    """Close `edition` as an admin would, then run the mixing job as beat would."""
    services.close_edition(actor=None, edition=edition)
    return tasks.mix_closed_editions.apply().get()
