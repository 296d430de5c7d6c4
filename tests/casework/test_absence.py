"""Absence cover and moving restricted cases (issue 13)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from casework import tasks
from casework.factories import CaseFactory
from casework.models import Absence, Case, CaseTransfer
from core.models import AuditEvent
from members import factories

from .conftest import CANARY_NOTE, client_for

OSLO = ZoneInfo("Europe/Oslo")
# A Monday in winter; the absence runs Monday to Wednesday.
MONDAY = datetime(2026, 12, 7, 9, tzinfo=OSLO)
THURSDAY = datetime(2026, 12, 10, 9, tzinfo=OSLO)


@pytest.fixture
def away_cases(member, other_advisor):
    """The absent advisor's (other_advisor's) open case and restricted case."""
    return (
        CaseFactory(member=member, assignee=other_advisor, status=Case.Status.OPEN),
        CaseFactory(
            member=member, assignee=other_advisor, restricted=True, status=Case.Status.OPEN
        ),
    )


def _mark(actor, **data):
    return client_for(actor).post(reverse("casework:absence-list"), data)


def _queue(user, params=None):
    response = client_for(user).get(reverse("casework:queue"), params or {})
    assert response.status_code == 200
    return {case.reference for case in response.context["page"]}


@time_machine.travel(MONDAY, tick=False)
def test_advisor_marks_absence_and_the_cover_is_told(other_advisor, advisor, deliver_outbox):
    response = _mark(other_advisor, cover=advisor.pk, starts_on="2026-12-07", ends_on="2026-12-09")
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert (absence.advisor, absence.cover) == (other_advisor, advisor)
    assert AuditEvent.objects.filter(action="casework.absence.marked", actor=other_advisor).exists()
    deliver_outbox()
    [email] = mail.outbox
    assert email.to == [advisor.email]
    assert "?assignee=covered" in email.body


@time_machine.travel(MONDAY, tick=False)
def test_an_advisor_cannot_mark_a_colleagues_absence(advisor, other_advisor, lead):
    _mark(
        advisor,
        advisor=other_advisor.pk,
        cover=lead.pk,
        starts_on="2026-12-07",
        ends_on="2026-12-09",
    )
    # The posted advisor is ignored: only the lead chooses who is away.
    assert Absence.objects.get().advisor == advisor


@time_machine.travel(MONDAY, tick=False)
def test_lead_marks_a_colleagues_absence_and_overlaps_are_refused(lead, advisor, other_advisor):
    data = {"advisor": other_advisor.pk, "cover": advisor.pk}
    assert _mark(lead, **data, starts_on="2026-12-07", ends_on="2026-12-09").status_code == 302
    response = _mark(lead, **data, starts_on="2026-12-09", ends_on="2026-12-11")
    assert response.status_code == 400
    assert "allerede et fravær" in response.content.decode()
    assert Absence.objects.count() == 1


def test_cover_sees_the_absent_advisors_open_cases_until_the_end_date(
    advisor, other_advisor, away_cases
):
    shared, restricted = away_cases
    Absence.objects.create(
        advisor=other_advisor, cover=advisor, starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 9)
    )
    shared_url = reverse("casework:case-detail", kwargs={"pk": shared.pk})
    restricted_url = reverse("casework:case-detail", kwargs={"pk": restricted.pk})
    with time_machine.travel(MONDAY, tick=False):
        assert shared.reference in _queue(advisor)
        assert _queue(advisor, {"assignee": "covered"}) == {shared.reference}
        assert client_for(advisor).get(shared_url).status_code == 200
        assert client_for(advisor).get(restricted_url).status_code == 404
    with time_machine.travel(THURSDAY, tick=False):
        assert shared.reference not in _queue(advisor)
        assert client_for(advisor).get(shared_url).status_code == 404
        assert shared.reference in _queue(other_advisor, {"assignee": "me"})


def test_reminders_go_to_the_cover_during_the_absence_and_back_after(
    advisor, other_advisor, away_cases, deliver_outbox
):
    shared, restricted = away_cases
    Case.objects.filter(pk__in=[shared.pk, restricted.pk]).update(follow_up_on=date(2026, 12, 1))
    Absence.objects.create(
        advisor=other_advisor, cover=advisor, starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 9)
    )
    with time_machine.travel(MONDAY, tick=False):
        tasks.send_casework_reminders()
        deliver_outbox()
    # The cover is reminded of the shared case; the restricted one stays with its advisor.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([advisor.email, other_advisor.email])
    cover_mail = next(m for m in mail.outbox if m.to == [advisor.email])
    assert "1 " in cover_mail.body
    assert CANARY_NOTE not in cover_mail.body
    mail.outbox.clear()
    Case.objects.filter(pk__in=[shared.pk, restricted.pk]).update(follow_up_on=date(2026, 12, 9))
    with time_machine.travel(THURSDAY, tick=False):
        tasks.send_casework_reminders()
        deliver_outbox()
    assert [m.to for m in mail.outbox] == [[other_advisor.email]]


@time_machine.travel(THURSDAY, tick=False)
def test_ending_an_absence_under_way_gives_the_cases_back_today(advisor, other_advisor, away_cases):
    absence = Absence.objects.create(
        advisor=other_advisor,
        cover=advisor,
        starts_on=date(2026, 12, 7),
        ends_on=date(2026, 12, 20),
    )
    assert away_cases[0].reference in _queue(advisor)
    response = client_for(other_advisor).post(
        reverse("casework:absence-end", kwargs={"pk": absence.pk})
    )
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.ends_on == date(2026, 12, 9)
    assert away_cases[0].reference not in _queue(advisor)


@time_machine.travel(MONDAY, tick=False)
def test_another_advisor_cannot_end_someone_elses_absence(advisor, other_advisor, lead):
    absence = Absence.objects.create(
        advisor=other_advisor, cover=lead, starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 9)
    )
    url = reverse("casework:absence-end", kwargs={"pk": absence.pk})
    assert client_for(advisor).post(url).status_code == 404
    assert Absence.objects.filter(pk=absence.pk).exists()


# --- Restricted cases move only with the lead's written reason ------------------------------


def test_lead_moves_a_restricted_case_with_a_reason_and_the_member_sees_it(
    lead, advisor, member, away_cases
):
    _, restricted = away_cases
    url = reverse("casework:restricted-move")
    response = client_for(lead).post(
        url, {"reference": restricted.reference.lower(), "assignee": advisor.pk, "reason": ""}
    )
    assert response.status_code == 400
    response = client_for(lead).post(
        url,
        {"reference": restricted.reference, "assignee": advisor.pk, "reason": "Lang sykemelding"},
    )
    assert response.status_code == 302
    restricted.refresh_from_db()
    assert (restricted.assignee, restricted.restricted) == (advisor, True)
    transfer = CaseTransfer.objects.get()
    assert (transfer.moved_by, transfer.to_advisor, transfer.reason) == (
        lead,
        advisor,
        "Lang sykemelding",
    )
    event = AuditEvent.objects.get(action="casework.case.restricted_moved")
    assert (event.actor, event.subject) == (lead, member)
    page = (
        client_for(member)
        .get(reverse("casework:my-case-detail", kwargs={"pk": restricted.pk}))
        .content.decode()
    )
    assert "flyttet ledende rådgiver Lea Leder saken din til" in page
    assert "Lang sykemelding" not in page


def test_restricted_cases_never_move_without_the_lead(advisor, other_advisor, away_cases):
    _, restricted = away_cases
    for client in (client_for(advisor), client_for(other_advisor)):
        response = client.post(
            reverse("casework:restricted-move"),
            {"reference": restricted.reference, "assignee": advisor.pk, "reason": "Fordi"},
        )
        assert response.status_code == 403
    restricted.refresh_from_db()
    assert restricted.assignee == other_advisor
    assert CaseTransfer.objects.count() == 0


def test_move_form_refuses_a_case_that_is_not_restricted(lead, advisor, away_cases):
    shared, _ = away_cases
    response = client_for(lead).post(
        reverse("casework:restricted-move"),
        {"reference": shared.reference, "assignee": advisor.pk, "reason": "Fordi"},
    )
    assert response.status_code == 400
    shared.refresh_from_db()
    assert shared.assignee != advisor


def test_neither_the_lead_nor_the_cover_moves_a_restricted_case_by_the_ordinary_assign(
    lead, advisor, other_advisor, away_cases
):
    """The restricted-move page with its written reason is the only way: the case page's
    assign and the queue's bulk assign do not reach a colleague's restricted case."""
    _, restricted = away_cases
    today = date.today()
    Absence.objects.create(advisor=other_advisor, cover=advisor, starts_on=today, ends_on=today)
    assign_url = reverse("casework:case-assign", kwargs={"pk": restricted.pk})
    for user in (lead, advisor):
        client = client_for(user)
        assert client.post(assign_url, {"assignee": user.pk}).status_code == 404
        client.post(
            reverse("casework:bulk-assign"), {"cases": [restricted.pk], "assignee": user.pk}
        )
    restricted.refresh_from_db()
    assert restricted.assignee == other_advisor
    assert CaseTransfer.objects.count() == 0
    assert not AuditEvent.objects.filter(action="casework.case.assigned").exists()


def test_the_queue_names_whom_the_cover_covers_for_while_the_absence_lasts(
    advisor, other_advisor, lead
):
    # Read with SQL compiled once a day (today's date is in it): the note must follow the
    # calendar and name the absent colleague, not the cover.
    Absence.objects.create(
        advisor=other_advisor, cover=advisor, starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 9)
    )
    name = other_advisor.get_full_name() or other_advisor.email
    queue = reverse("casework:queue")
    with time_machine.travel(MONDAY, tick=False):
        note = client_for(advisor).get(queue).content.decode()
        assert f"Du dekker for {name} til og med 9. desember 2026" in note
        assert name not in client_for(lead).get(queue).content.decode().split("<form")[0]
    with time_machine.travel(THURSDAY, tick=False):
        assert "Du dekker for" not in client_for(advisor).get(queue).content.decode()


def test_the_queue_starts_from_the_saved_filter_and_names_each_colleague_covered(
    advisor, other_advisor
):
    # The saved filter and today's covers come in one statement, a row per cover: each
    # colleague is named once, by end date, and the saved filter still applies.
    third = factories.advisor_user(first_name="Tora", last_name="Tredje")
    for colleague, ends_on in ((third, date(2026, 12, 9)), (other_advisor, date(2026, 12, 8))):
        Absence.objects.create(
            advisor=colleague, cover=advisor, starts_on=date(2026, 12, 7), ends_on=ends_on
        )
    queue = reverse("casework:queue")
    with time_machine.travel(MONDAY, tick=False):
        client = client_for(advisor)
        client.post(reverse("casework:queue-save-filter"), {"status": "all", "sort": "oldest"})
        response = client.get(queue)
        assert response.status_code == 302
        assert response["Location"] == f"{queue}?status=all&sort=oldest"
        page = client.get(response["Location"]).content.decode()
    notes = re.findall(r"Du dekker for (.+?) til og med (\d+)\. desember", page)
    other_name = other_advisor.get_full_name() or other_advisor.email
    assert notes == [(other_name, "8"), ("Tora Tredje", "9")]
    assert "Åpne køen min med standardfiltrene igjen" in page
