"""The admin's side: copy last year's edition, edit while draft, preview, schedule, open,
close, and the response-rate dashboard."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core import releases
from core.models import AuditEvent
from members import factories
from surveys import participation, questionnaire, services
from surveys.models import Draft, Edition, Participation, Question, Response

from .conftest import activate, page_data
from .test_services import fill_draft

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"surveys:{name}", kwargs=kwargs)


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def test_admin_copies_last_years_edition(admin, edition):
    listing = admin.get(url("manage-edition-list"))
    assert listing.status_code == 200
    response = admin.post(url("manage-edition-list"), {"year": 2027})
    assert response["Location"] == url("manage-edition", year=2027)
    copy = Edition.objects.get(year=2027)
    assert copy.copied_from == edition and copy.status == "draft"
    assert copy.questions.count() == edition.questions.count()
    again = admin.post(url("manage-edition-list"), {"year": 2027})
    assert again.status_code == 200
    assert Edition.objects.count() == 2
    assert AuditEvent.objects.filter(action="survey.edition_copied").count() == 1


def test_admin_edits_a_draft_question_and_its_labels(admin, draft_edition):
    question = draft_edition.questions.get(key="union_member")
    target = url("manage-question", year=2027, pk=question.pk)
    form = admin.get(target)
    assert form.status_code == 200
    response = admin.post(
        target,
        {
            "text_nb": "Er du fagorganisert?",
            "text_en": "Are you in a union?",
            "help_nb": "",
            "help_en": "",
            "required": "on",
            "show_if_key": "",
            "show_if_codes": "",
            "choice_yes_nb": "Ja, det er jeg",
            "choice_yes_en": "Yes",
            "choice_no_nb": "Nei",
            "choice_no_en": "No",
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text_nb == "Er du fagorganisert?" and question.required
    assert question.choices.get(code="yes").label_nb == "Ja, det er jeg"


def test_open_edition_cannot_be_edited_and_the_page_says_why(admin, edition):
    question = edition.questions.get(key="union_member")
    target = url("manage-question", year=2026, pk=question.pk)
    page = admin.get(target).content.decode()
    assert "locked" in page or "låst" in page
    response = admin.post(target, {"text_nb": "Endret", "choice_yes_nb": "x", "choice_no_nb": "y"})
    assert response.status_code == 200
    assert "locked" in response.content.decode() or "låst" in response.content.decode()
    question.refresh_from_db()
    assert question.text_nb != "Endret"
    deleted = admin.post(target, {"action": "delete"}, follow=True)
    assert deleted.status_code == 200
    assert Question.objects.filter(pk=question.pk).exists()


def test_admin_schedules_in_norwegian_time_and_opens(admin, draft_edition):
    target = url("manage-edition", year=2027)
    response = admin.post(
        target,
        {
            "opens_at": "2027-03-01T09:00",
            "closes_at": "2027-03-31T23:59",
            "reminder_days_after_open": "7, 14",
            "reminder_days_before_close": "2",
        },
    )
    assert response.status_code == 302
    draft_edition.refresh_from_db()
    assert draft_edition.opens_at == datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    assert draft_edition.opens_at.astimezone(ZoneInfo("UTC")).hour == 8
    assert draft_edition.reminder_days_after_open == [7, 14]
    admin.post(url("manage-edition-status", year=2027, action="open"))
    draft_edition.refresh_from_db()
    assert draft_edition.status == "open"
    # Not open yet (March 2027): nobody invited.
    assert not Participation.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"opens_at": "2027-03-31T09:00", "closes_at": "2027-03-01T09:00"},
        {"opens_at": "tomorrow", "closes_at": "2027-03-01T09:00"},
        {
            "opens_at": "2027-03-01T09:00",
            "closes_at": "2027-03-31T09:00",
            "reminder_days_after_open": "seven",
        },
        {
            "opens_at": "2027-03-01T09:00",
            "closes_at": "2027-03-31T09:00",
            "reminder_days_after_open": "-1, 900",
        },
    ],
)
def test_bad_schedule_is_refused_with_a_message(admin, draft_edition, data):
    response = admin.post(url("manage-edition", year=2027), data)
    assert response.status_code == 200
    draft_edition.refresh_from_db()
    assert draft_edition.opens_at is None


def test_opening_without_dates_says_why(admin, draft_edition):
    response = admin.post(url("manage-edition-status", year=2027, action="open"), follow=True)
    assert "dates" in response.content.decode() or "stengetidspunkt" in response.content.decode()
    draft_edition.refresh_from_db()
    assert draft_edition.status == "draft"
    assert admin.post(url("manage-edition-status", year=2027, action="burn")).status_code == 404


def test_opening_now_invites_active_members(admin, draft_edition, member):
    activate(member)
    now = timezone.now()
    services.schedule_edition(
        actor=None,
        edition=draft_edition,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=20),
        reminder_days_after_open=[7],
        reminder_days_before_close=[],
    )
    admin.post(url("manage-edition-status", year=2027, action="open"))
    assert Participation.objects.get(member=member).invited_at is not None


def test_admin_closes_an_edition_and_drafts_go(admin, edition, active_member):
    fill_draft(active_member, edition)
    admin.post(url("manage-edition-status", year=2026, action="close"))
    edition.refresh_from_db()
    assert edition.status == "closed"
    assert not Draft.objects.exists()


def test_preview_shows_the_member_pages_and_stores_a_test_response(
    admin, admin_user, draft_edition
):
    start = admin.get(url("preview-start", year=2027))
    assert "Preview" in start.content.decode() or "Forhåndsvisning" in start.content.decode()
    admin.post(url("preview-start", year=2027), {"consent": "on"})
    assert not Participation.objects.exists()
    page = admin.get(url("preview-page", year=2027, number=1))
    assert page.status_code == 200
    assert "q_position_percent" in page.content.decode()
    questions = list(draft_edition.questions.filter(section__order=1))
    admin.post(url("preview-page", year=2027, number=1), page_data(questions))
    draft = Draft.objects.get(member=admin_user, is_preview=True)
    draft.answers.update({"has_job_description": "no", "salary_annual": "declined"})
    draft.save()
    response = admin.post(url("preview-review", year=2027))
    assert response["Location"] == url("preview-receipt", year=2027)
    assert Response.objects.get().is_test
    assert Response.objects.counted().count() == 0


def publish_participation(year):
    return releases.publish(kind=participation.kind_for(year))


def _dashboard_row(html, label):
    table = html[html.index("<h2") :]
    row = re.search(rf"{label}</th><td>([^<]+)</td><td>([^<]+)</td><td>([^<]*)</td>", table)
    assert row, table[:1500]
    return row.groups()


def test_dashboard_shows_response_rates_from_participation(admin, edition):
    west = [activate(factories.member_user(email=f"rate{n}@example.org")) for n in range(10)]
    east = [
        activate(
            factories.member_user(email=f"east{n}@example.org"), county="03", employer_type="nav"
        )
        for n in range(10)
    ]
    services.invite_members(edition=edition)
    for user in west[:5] + east[:5]:
        fill_draft(user, edition)
        services.submit_response(user=user, edition=edition)
    publish_participation(2026)
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = admin.get(url("dashboard", year=2026)).content.decode()
    # Ten invited in Vestland (west), five submitted, and the same in Oslo: the rate is
    # there, and there is no response to count it from: the answers are still sealed.
    assert _dashboard_row(html, "Western Norway") == ("10", "5", "50")
    assert _dashboard_row(html, "Municipality") == ("10", "5", "50")
    assert _dashboard_row(html, "Total") == ("20", "10", "50")
    assert Response.objects.count() == 0


def test_dashboard_suppresses_small_groups(admin, edition):
    for n in range(7):
        user = factories.member_user(email=f"dash{n}@example.org")
        # Six in Vestland (west), one in Oslo (east): the east count must not show.
        activate(user, county="46" if n < 6 else "03")
        fill_draft(user, edition)
        services.submit_response(user=user, edition=edition)
    publish_participation(2026)
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = admin.get(url("dashboard", year=2026)).content.decode()
    assert _dashboard_row(html, "Eastern Norway") == (":", ":", "")
    # Secondary suppression: the total less the west's six would give the east away.
    assert _dashboard_row(html, "Total")[0] == ":"


def test_admin_adds_a_likert_question_that_members_then_see(admin, draft_edition):
    section = draft_edition.sections.get(order=3)
    target = url("manage-new-question", year=2027, section=section.pk)
    assert admin.get(target).status_code == 200
    response = admin.post(
        target,
        {
            "key": "workload",
            "type": "likert",
            "text_nb": "Arbeidsmengde",
            "text_en": "Workload",
            "choices": "1 | Helt uenig | Strongly disagree\n5 | Helt enig | Strongly agree",
            "items": "manageable | Arbeidsmengden er håndterbar | The workload is manageable",
        },
    )
    assert response.status_code == 302
    question = draft_edition.questions.get(key="workload")
    assert question.section == section
    assert question.order == section.questions.count()
    assert [c.code for c in question.choices.all()] == ["1", "5"]
    html = admin.get(url("preview-start", year=2027))
    assert html.status_code == 200


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"key": "union_member", "type": "yes_no", "choices": "yes|Ja|Yes\nno|Nei|No"}, "used"),
        ({"key": "new_one", "type": "single", "choices": "only|Bare én|Only one"}, "two"),
        ({"key": "new_one", "type": "single", "choices": "a b|A|A\nc|C|C"}, "a-z"),
        ({"key": "new_one", "type": "single", "choices": "a|A|A|extra\nc|C|C"}, "code |"),
        ({"key": "new_one", "type": "likert", "choices": "1|x|x\n2|y|y"}, "statement"),
        ({"key": "Bad Key!", "type": "text"}, ""),
        ({"key": "new_one", "type": "essay"}, ""),
    ],
)
def test_bad_new_question_is_refused(admin, draft_edition, data, why):
    section = draft_edition.sections.get(order=3)
    before = draft_edition.questions.count()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin.post(
        url("manage-new-question", year=2027, section=section.pk),
        {"text_nb": "Nytt spørsmål", **data},
    )
    assert response.status_code == 200
    assert why in response.content.decode()
    assert draft_edition.questions.count() == before


def test_no_question_can_be_added_to_an_open_edition(admin, edition):
    section = edition.sections.get(order=1)
    target = url("manage-new-question", year=2026, section=section.pk)
    before = edition.questions.count()
    response = admin.post(target, {"key": "late", "type": "text", "text_nb": "Sent"})
    assert response.status_code == 200
    assert edition.questions.count() == before
    other = url("manage-new-question", year=2026, section=999999)
    assert admin.get(other).status_code == 404


def test_admin_copies_the_latest_edition_whatever_order_they_were_made_in(admin, db):
    for year in (2020, 2022, 2021):
        questionnaire.build_edition(year=year)
    listing = admin.get(url("manage-edition-list"))
    years = [int(y) for y in re.findall(r'/manage/(\d{4})/"', listing.content.decode())]
    assert years == [2022, 2021, 2020]
    assert listing.context["form"]["year"].value() == 2023
    admin.post(url("manage-edition-list"), {"year": 2023})
    assert Edition.objects.get(year=2023).copied_from.year == 2022


# The framework's per-request queries (session, user, and roles with permissions and
# authenticator), the edition, and the stored release it shows.
DASHBOARD_QUERIES = 5


def test_dashboard_query_count_is_flat_in_the_number_of_participants(admin, edition):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def invite(first, count):
        for n in range(first, first + count):
            county = ("46", "03", "18")[n % 3]
            activate(factories.member_user(email=f"count{n}@example.org"), county=county)
        services.invite_members(edition=edition)
        publish_participation(2026)

    admin.get(url("dashboard", year=2026))  # the session's first request stores more
    counts = []
    for first, count in ((0, 5), (5, 10)):  # N, then 3N participants
        invite(first, count)
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(url("dashboard", year=2026)).status_code == 200
        counts.append(len(queries))
    assert counts == [DASHBOARD_QUERIES, DASHBOARD_QUERIES]
