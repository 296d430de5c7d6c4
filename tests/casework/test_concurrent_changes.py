"""Two advisors change the same case at once, each from the page they loaded (PostgreSQL,
two connections). The second change waits for the first, sees it, and overwrites nothing
it did not mean to change."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from casework import services
from casework.factories import CaseFactory
from casework.models import Case

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(first, second):
    """Run `first` in a transaction held open until `second` (in another connection) has
    started and had time to reach the case; returns what each raised, if anything."""
    first_changed, second_started = threading.Event(), threading.Event()
    raised = {}

    def run_first():
        try:
            with transaction.atomic():
                first()
                first_changed.set()
                second_started.wait(5)
                time.sleep(0.5)  # the second advisor is now waiting for this transaction
        except Exception as error:  # noqa: BLE001 - reported to the test below
            raised["first"] = error
        finally:
            first_changed.set()
            connection.close()

    def run_second():
        try:
            first_changed.wait(5)
            second_started.set()
            second()
        except Exception as error:  # noqa: BLE001 - reported to the test below
            raised["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert not any(thread.is_alive() for thread in threads)
    return raised


def _two_views(case):
    return Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)


def test_a_status_change_and_an_update_at_once_both_survive(member, advisor, other_advisor):
    case = CaseFactory(member=member, assignee=advisor, status=Case.Status.OPEN)
    page_a, page_b = _two_views(case)
    raised = _race(
        lambda: services.change_status(case=page_a, actor=advisor, status=Case.Status.WAITING),
        lambda: services.update_case(
            case=page_b,
            actor=other_advisor,
            priority=Case.Priority.URGENT,
            follow_up_on=None,
            restricted=False,
        ),
    )
    assert raised == {}
    case.refresh_from_db()
    assert case.status == Case.Status.WAITING
    assert case.priority == Case.Priority.URGENT


def test_the_second_status_change_is_checked_against_the_first(member, advisor, other_advisor):
    case = CaseFactory(member=member, assignee=advisor, status=Case.Status.OPEN)
    page_a, page_b = _two_views(case)
    raised = _race(
        lambda: services.change_status(case=page_a, actor=advisor, status=Case.Status.RESOLVED),
        lambda: services.change_status(
            case=page_b, actor=other_advisor, status=Case.Status.WAITING
        ),
    )
    assert set(raised) == {"second"}
    assert isinstance(raised["second"], ValidationError)
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert case.resolved_at is not None


def test_restricting_after_a_concurrent_assignment_sees_the_assignee(
    member, advisor, other_advisor
):
    case = CaseFactory(member=member)
    page_a, page_b = _two_views(case)
    raised = _race(
        lambda: services.assign_case(case=page_a, actor=advisor, assignee=advisor),
        lambda: services.update_case(
            case=page_b,
            actor=advisor,
            priority=Case.Priority.HIGH,
            follow_up_on=None,
            restricted=True,
        ),
    )
    assert raised == {}
    case.refresh_from_db()
    assert (case.assignee_id, case.restricted, case.priority) == (
        advisor.pk,
        True,
        Case.Priority.HIGH,
    )


def test_an_assignment_and_a_status_change_at_once_both_survive(member, advisor, lead):
    case = CaseFactory(member=member)
    page_a, page_b = _two_views(case)
    raised = _race(
        lambda: services.assign_case(case=page_a, actor=lead, assignee=advisor),
        lambda: services.change_status(case=page_b, actor=lead, status=Case.Status.OPEN),
    )
    assert raised == {}
    case.refresh_from_db()
    assert (case.assignee_id, case.status) == (advisor.pk, Case.Status.OPEN)
