"""The queue's page and the case page read with SQL compiled once per shape
(casework.selectors.queue_page, casework.access.get_case_for, core.compiled): for every role
and filter, one person after another, the same cases as the ORM's querysets give. The tests
run with COMPILED_SQL_CHECK on, so each call here is also checked to be the ORM's own SQL
with the ids swapped in (issue 14)."""

import itertools
import random
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from casework import selectors
from casework.factories import CaseFactory, NonMemberCaseFactory
from casework.forms import QueueFilterForm
from casework.models import Absence, Case, Topic
from members import factories

PER_PAGE = 3


@pytest.fixture
def world(advisor, other_advisor, lead, member):
    topics = list(Topic.objects.order_by("position"))
    rng = random.Random(14)
    old = timezone.now() - timedelta(days=30)
    for i in range(24):
        assignee = [None, advisor, other_advisor, lead][i % 4]
        closed = bool(assignee) and i % 4 == 3
        CaseFactory(
            closed_at=timezone.now() if closed else None,
            outcome=Case.Outcome.values[0] if closed else "",
            member=member if i % 3 else factories.member_user(email=f"m{i}@example.org"),
            assignee=assignee,
            status=[Case.Status.NEW, Case.Status.OPEN, Case.Status.WAITING, Case.Status.CLOSED][
                i % 4
            ]
            if assignee
            else Case.Status.NEW,
            restricted=bool(assignee) and i % 5 == 0,
            priority=rng.randint(1, 4),
            topics=topics[i % 3 : i % 3 + 1 + i % 2],
            follow_up_on=timezone.localdate() - timedelta(days=1) if i % 6 == 0 else None,
        )
    NonMemberCaseFactory(topics=topics[:1])
    Case.objects.filter(pk__in=Case.objects.order_by("pk").values("pk")[:6]).update(created_at=old)
    # The advisor's own case as a member: never in anyone's queue but a colleague's.
    CaseFactory(member=advisor, assignee=other_advisor, status=Case.Status.OPEN)
    today = timezone.localdate()
    Absence.objects.create(
        advisor=other_advisor, cover=advisor, starts_on=today, ends_on=today + timedelta(days=2)
    )
    return {"topics": topics}


def _filters(params, *, lead, topics):
    form = QueueFilterForm(
        QueryDict(params), lead=lead, topic_choices=[(t.pk, t.name) for t in topics]
    )
    assert form.is_valid(), form.errors
    return form.cleaned_data


def _shapes(lead, topics):
    assignees = ["", "me", "none", "covered", *(["all"] if lead else [])]
    statuses = ["active", "all", "new", "open", "closed"]
    single = [
        *(f"status={s}" for s in statuses),
        *(f"assignee={a}" for a in assignees),
        "overdue=on",
        f"topic={topics[0].pk}",
        f"topic={topics[1].pk}",
        "priority=1",
        "priority=4",
        *(f"sort={s}" for s in selectors.QUEUE_SORTS),
    ]
    rng = random.Random(5)
    mixed = [
        "&".join(
            [
                f"status={rng.choice(statuses)}",
                f"assignee={rng.choice(assignees)}",
                f"sort={rng.choice(list(selectors.QUEUE_SORTS))}",
                *([f"topic={rng.choice(topics).pk}"] if rng.random() < 0.5 else []),
                *(["overdue=on"] if rng.random() < 0.3 else []),
            ]
        )
        for _ in range(25)
    ]
    return single + mixed


def _seen(cases):
    return [(case.pk, case._total, case.overdue, str(case.assignee or "")) for case in cases]


@pytest.mark.parametrize("who", ["advisor", "lead", "other_advisor"])
def test_every_shape_of_the_queue_lists_what_the_orm_lists(who, world, request):
    user = request.getfixturevalue(who)
    lead = who == "lead"
    covered = [absence.advisor_id for absence in selectors.queue_start(user).covering]
    for params, page in itertools.product(_shapes(lead, world["topics"]), (1, 2, 9)):
        filters = _filters(params, lead=lead, topics=world["topics"])
        compiled = selectors.queue_page(
            user, filters=filters, covered=covered, number=page, per_page=PER_PAGE
        )
        orm = list(selectors.queue_cases(user, filters=filters, covered=covered))
        start = (compiled.number - 1) * PER_PAGE
        assert compiled.paginator.count == len(orm), params
        expected = orm[start : start + PER_PAGE]
        assert [case.pk for case in compiled] == [case.pk for case in expected], params
        for case in compiled:
            assert case.pk in {c.pk for c in orm}
            assert case.member_id != user.pk
    # Covering mattered: the covered colleague's shared cases are in the advisor's queue.
    if who == "advisor":
        assert covered


def test_a_page_of_the_queue_is_made_of_the_same_objects_as_the_orm_makes(advisor, world):
    filters = _filters("status=all&sort=oldest", lead=False, topics=world["topics"])
    page = selectors.queue_page(advisor, filters=filters, covered=[], number=1, per_page=50)
    orm = selectors.queue_cases(advisor, filters=filters, covered=[])
    assert _seen(page) == [
        (case.pk, len(orm), case.overdue, str(case.assignee or "")) for case in orm
    ]
    assert all(case.requester_display for case in page)


def test_advisors_and_a_lead_one_after_another_each_get_their_own_queue(
    advisor, other_advisor, lead, world
):
    # One process serves everyone: a shape compiled for one must never answer for another.
    filters = _filters("status=all", lead=True, topics=world["topics"])
    seen = {}
    for user in (lead, advisor, other_advisor, lead, advisor):
        covered = [absence.advisor_id for absence in selectors.queue_start(user).covering]
        page = selectors.queue_page(user, filters=filters, covered=[], number=1, per_page=100)
        orm = selectors.queue_cases(user, filters=filters, covered=[])
        assert [case.pk for case in page] == [case.pk for case in orm]
        seen[user.pk] = {case.pk for case in page}
        page = selectors.queue_page(user, filters=filters, covered=covered, number=1, per_page=100)
        orm = selectors.queue_cases(user, filters=filters, covered=covered)
        assert [case.pk for case in page] == [case.pk for case in orm]
    assert len({frozenset(cases) for cases in seen.values()}) == 3


def test_a_case_opens_for_exactly_those_the_gatekeeper_lets_in_one_after_another(
    advisor, other_advisor, lead, member, world
):
    # get_case_for reads the case with SQL compiled once per perspective and role: each
    # person, in any order, gets what visible_cases_for says, never the previous one's answer.
    from django.http import Http404

    from casework.access import ADVISOR, MEMBER, get_case_for, visible_cases_for

    cases = list(Case.objects.order_by("pk"))
    people = [advisor, other_advisor, lead, member, advisor, lead]
    for user, perspective in itertools.product(people, (ADVISOR, MEMBER)):
        allowed = set(visible_cases_for(user, perspective=perspective).values_list("pk", flat=True))
        for case in cases:
            try:
                opened = get_case_for(user, case.pk, perspective=perspective)
            except Http404:
                assert case.pk not in allowed, (user, perspective, case)
            else:
                assert case.pk in allowed and opened.pk == case.pk, (user, perspective, case)
                assert opened.member_id == case.member_id
    for junk in ("x", None, -1, 0, 2**63, "1 OR 1=1"):
        with pytest.raises(Http404):
            get_case_for(advisor, junk, perspective=ADVISOR)
