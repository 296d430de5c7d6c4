"""The response-rate dashboard reads stored releases (surveys.participation): published by
beat while an edition is open and by the admin's button, protected together with the
edition's previous release, audited, and never read from answers."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from core import releases
from core.models import AuditEvent, Release
from core.tasks import publish_release
from members import factories
from surveys import participation, questionnaire, services, tasks

from .conftest import activate
from .test_services import fill_draft

pytestmark = pytest.mark.django_db

KIND = participation.kind_for(2026)


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def dashboard(year=2026, **query):
    target = reverse("surveys:dashboard", kwargs={"year": year})
    return target + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def total_row(html):
    """(invited, submitted, rate) of the first table's Total line as the page shows them."""
    table = html[html.index('<h2 class="h4"') :]
    row = re.search(r"Total</th><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", table)
    assert row, table[:1500]
    return row.groups()


def join(first, count, *, county, employer_type, edition, submit):
    users = [
        activate(
            factories.member_user(email=f"p{n}@example.org"),
            county=county,
            employer_type=employer_type,
        )
        for n in range(first, first + count)
    ]
    services.invite_members(edition=edition)
    for user in users[:submit]:
        fill_draft(user, edition)
        services.submit_response(user=user, edition=edition)


@pytest.fixture
def monday_edition(db):
    # A Monday at noon in Oslo, so the weeks below are whole weeks of the edition.
    opens = datetime(2026, 3, 2, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    return questionnaire.build_edition(
        year=2026, status="open", opens_at=opens, closes_at=opens + timedelta(days=30)
    )


def test_one_more_person_a_week_later_cannot_be_read_off_two_releases(
    admin, admin_user, monday_edition
):
    """Issue 10: the dashboard published a cumulative weekly series, and [6, 7] showed one
    person acting in week 2. Now each week's figures are a release, protected jointly with
    the one before, so a difference of fewer than five people is never published."""
    opens = monday_edition.opens_at
    with time_machine.travel(opens + timedelta(hours=1), tick=False):
        admin.force_login(admin_user)
        join(0, 10, county="46", employer_type="municipality", edition=monday_edition, submit=5)
        join(10, 10, county="03", employer_type="nav", edition=monday_edition, submit=5)
        assert admin.post(dashboard()).status_code == 302
        publish_release(KIND)
    with time_machine.travel(opens + timedelta(days=8), tick=False):
        join(20, 1, county="46", employer_type="municipality", edition=monday_edition, submit=1)
        publish_release(KIND)
        admin.force_login(admin_user)  # a week later the session has timed out
        first = admin.get(dashboard(release=1)).content.decode()
        latest = admin.get(dashboard()).content.decode()
    assert total_row(first) == ("20", "10", "50")
    assert total_row(latest)[:2] == (":", ":")
    assert "Cumulative" not in latest and "Week starting" not in latest
    # Every cell both releases publish differs by 0 or by at least the threshold.
    before, after = (Release.objects.get(kind=KIND, number=n).cells() for n in (1, 2))
    changes = {
        abs(after[key] - before[key])
        for key in before
        if before[key] is not None and after.get(key) is not None
    }
    assert not changes & set(range(1, settings.DISCLOSURE_THRESHOLD))


def test_a_release_passes_the_auditor_command(capsys, edition):
    join(0, 12, county="46", employer_type="municipality", edition=edition, submit=6)
    join(12, 9, county="03", employer_type="nav", edition=edition, submit=2)
    releases.publish(kind=KIND)
    join(21, 6, county="18", employer_type="ngo_private", edition=edition, submit=5)
    releases.publish(kind=KIND)
    # Without --kind it audits the latest release of every kind, the edition's included.
    call_command("audit_disclosure")
    out = capsys.readouterr().out
    assert f"{KIND}-2" in out
    call_command("audit_disclosure", "--kind", KIND)
    assert releases.audit_stored(Release.objects.get(kind=KIND, number=2))[1] == []


def test_page_says_as_of_and_shows_the_numbers_of_the_stored_release(admin, edition):
    join(0, 10, county="46", employer_type="municipality", edition=edition, submit=7)
    join(10, 8, county="03", employer_type="nav", edition=edition, submit=3)
    release = releases.publish(kind=KIND)
    join(18, 10, county="18", employer_type="nav", edition=edition, submit=10)
    html = admin.get(dashboard()).content.decode()
    assert "Release 1, as of" in html
    # What is counted after the release does not reach the page until the next one.
    by_region = release.tables()[0]
    assert total_row(html) == (str(by_region.total), str(by_region.column_totals[0]), "56")
    assert (by_region.total.count, by_region.column_totals[0].count) == (18, 10)


def test_rates_are_given_only_where_both_counts_are_published(admin, edition):
    join(0, 10, county="46", employer_type="municipality", edition=edition, submit=5)
    join(10, 2, county="03", employer_type="nav", edition=edition, submit=1)
    releases.publish(kind=KIND)
    html = admin.get(dashboard()).content.decode()
    east = re.search(r"Eastern Norway</th><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", html)
    assert east.groups() == (":", ":", "")


def test_admin_asks_for_a_release_with_the_button_and_it_is_audited(
    admin, admin_user, edition, django_capture_on_commit_callbacks
):
    join(0, 10, county="46", employer_type="municipality", edition=edition, submit=5)
    empty = admin.get(dashboard()).content.decode()
    assert "No statistics have been published yet." in empty
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin.post(dashboard())
    assert response["Location"] == dashboard()
    assert AuditEvent.objects.filter(
        action="statistics.release.requested", actor=admin_user, object_id=KIND
    ).exists()
    assert len(callbacks) == 1
    # The worker's job, run here.
    assert publish_release(KIND, admin_user.pk) == f"{KIND}-1"
    assert AuditEvent.objects.filter(
        action="statistics.release.published", actor=admin_user, object_id=f"{KIND}-1"
    ).exists()


def test_beat_publishes_a_release_of_each_open_edition_only(edition, draft_edition):
    join(0, 10, county="46", employer_type="municipality", edition=edition, submit=5)
    tasks.publish_participation_releases()
    assert list(Release.objects.values_list("kind", flat=True)) == [KIND]


def test_the_monthly_schedule_does_not_publish_survey_releases(edition):
    assert not any(kind.startswith(participation.KIND_PREFIX) for kind in releases.kinds())


def test_an_unknown_release_number_is_404(admin, edition):
    assert admin.get(dashboard(release=3)).status_code == 404
