import csv
import io
import random
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from core import releases
from core.models import AuditEvent, Release
from core.tasks import publish_release
from members import reports
from members.factories import random_profile
from members.models import Membership, Municipality, Profile

STATS = reverse("members:statistics")


def export_url(fmt, **params):
    from urllib.parse import urlencode

    return reverse("members:statistics-export", kwargs={"fmt": fmt}) + "?" + urlencode(params)


def bulk_members(n, rng=None, *, county_codes=None, prefix="stat", status=None):
    """n current members with random profiles, inserted in bulk (no password hashing)."""
    rng = rng or random.Random(n)
    municipalities = list(Municipality.objects.all())
    if county_codes:
        municipalities = [m for m in municipalities if m.county_id in county_codes]
    User = get_user_model()
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"{prefix}{start + i}@example.org", first_name="Kari", last_name=f"N{i}")
        for i in range(n)
    )
    profiles, memberships = [], []
    for user in users:
        municipality = rng.choice(municipalities)
        profiles.append(random_profile(user, municipality, rng))
        member_status = status or rng.choice(["active", "active", "grace", "lapsed", "pending"])
        approved = member_status != "pending"
        memberships.append(
            Membership(
                user=user,
                status=member_status,
                applied_at="2020-01-01T00:00:00Z",
                member_since=date(rng.randint(2012, 2026), 1, 1) if approved else None,
                period_start=date(2026, 1, 1) if approved else None,
                period_end=date(2026, 12, 31) if approved else None,
            )
        )
    Profile.objects.bulk_create(profiles)
    Membership.objects.bulk_create(memberships)
    return users


def publish():
    return releases.publish(kind=reports.KIND)


def test_page_without_a_release_says_so_and_offers_to_publish(admin_client_mfa):
    response = admin_client_mfa.get(STATS)
    assert response.status_code == 200
    assert response.context["release"] is None
    assert "Ingen statistikk er publisert ennå" in response.content.decode()
    assert b'method="post"' in response.content


def test_admin_publishes_a_release_with_the_button_and_it_is_audited(
    admin_client_mfa, admin_user, django_capture_on_commit_callbacks
):
    bulk_members(30)
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client_mfa.post(STATS)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action="statistics.release.requested", actor=admin_user, object_id="membership"
    ).exists()
    assert len(callbacks) == 1
    # The worker's job, run here: count, protect, audit, store.
    assert publish_release(reports.KIND, admin_user.pk) == "membership-1"
    event = AuditEvent.objects.get(action="statistics.release.published")
    assert event.actor == admin_user and event.object_id == "membership-1"
    page = admin_client_mfa.get(STATS)
    assert b"Release 1, as of" in page.content or b"Utgivelse 1" in page.content


def test_statistics_page_query_count_is_flat(admin_client_mfa, django_assert_num_queries):
    bulk_members(20)
    publish()
    admin_client_mfa.get(STATS)  # the first request of a session writes more
    with django_assert_num_queries(STATISTICS_QUERIES):
        admin_client_mfa.get(STATS, {"table": "county.employer_type"})
    bulk_members(60)
    Release.objects.all().delete()
    publish()
    with django_assert_num_queries(STATISTICS_QUERIES):
        admin_client_mfa.get(STATS, {"table": "county.employer_type"})


# The request's own (session, user, and roles with permissions and authenticator) plus one
# read of the stored release, however many members and tables.
STATISTICS_QUERIES = 4


@pytest.mark.parametrize(
    "query",
    [
        {"table": "salary"},
        {"table": "employer_type.county"},  # each pair once: B x A is not offered
        {"table": "field.contract_type"},  # not on the predefined list
    ],
)
def test_tables_off_the_list_are_refused_with_400(admin_client_mfa, query):
    bulk_members(10)
    publish()
    assert admin_client_mfa.get(STATS, query).status_code == 400
    assert admin_client_mfa.get(export_url("csv", **query)).status_code == 400


def test_each_pair_of_dimensions_is_offered_once():
    pairs = [frozenset(pair) for pair in reports.CROSS_TABLES]
    assert len(pairs) == len(set(pairs))


def test_page_shows_every_table_the_release_and_the_legend(admin_client_mfa):
    bulk_members(30)
    release = publish()
    response = admin_client_mfa.get(STATS)
    assert response.content.count(b"<caption>") == len(reports.DIMENSION_KEYS)
    assert response.context["release"] == release
    assert ":" in response.context["legend"]


def test_csv_export_streams_aggregates_only_and_names_the_release(admin_client_mfa, admin_user):
    users = bulk_members(60)
    release = publish()
    response = admin_client_mfa.get(export_url("csv", table="county.employer_type"))
    assert response.streaming
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    for user in users:
        assert user.email not in body
    assert "Kari" not in body and "@" not in body
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0][0].startswith(str(releases.heading(release))[:10])
    cells = [value for line in lines[4:-2] for value in line[1:]]
    assert cells and all(v == ":" or int(v) == 0 or int(v) >= 5 for v in cells)
    event = AuditEvent.objects.get(action="statistics.export.csv")
    assert event.actor == admin_user and event.object_id == "membership-1/county.employer_type"


def test_every_download_of_a_release_gives_the_same_numbers(admin_client_mfa):
    bulk_members(60)
    publish()
    first = b"".join(admin_client_mfa.get(export_url("csv", table="all")).streaming_content)
    bulk_members(25, prefix="later")  # joins after the release
    again = b"".join(
        admin_client_mfa.get(export_url("csv", table="all", release=1)).streaming_content
    )
    assert first == again
    assert admin_client_mfa.get(export_url("csv", table="all", release=9)).status_code == 404


def test_xlsx_export_numbers_bold_headers_widths_and_frozen_header(admin_client_mfa):
    bulk_members(80)
    publish()
    response = admin_client_mfa.get(export_url("xlsx", table="all"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(workbook.sheetnames) == len(reports.DIMENSION_KEYS) + len(reports.CROSS_TABLES)
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "B3"
    assert sheet["A1"].font.bold and all(c.font.bold for c in sheet[2] if c.value is not None)
    counts = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True) if row[1] is not None]
    assert counts and all(isinstance(v, int) or v == ":" for v in counts[:-2])
    assert all(v == ":" or v == 0 or v >= 5 for v in counts if not isinstance(v, str) or v == ":")
    assert sheet.column_dimensions["A"].width >= len(str(sheet["A2"].value))
    texts = [
        v
        for ws in workbook
        for r in ws.iter_rows(values_only=True)
        for v in r
        if isinstance(v, str)
    ]
    assert not any("@" in v or "Kari" in v for v in texts)
    assert AuditEvent.objects.filter(
        action="statistics.export.xlsx", object_id="membership-1/all"
    ).exists()


def test_a_county_with_two_members_is_not_published_in_any_table(db):
    bulk_members(30, county_codes={"46"}, prefix="vest", status="active")
    bulk_members(2, county_codes={"56"}, prefix="finnmark", status="active")
    release = publish()
    finnmark = [
        value
        for key, value in release.cells().items()
        if ("county", "56") in key[1] and value is not None
    ]
    # Finnmark's two people appear nowhere; only zeros of other counties' rows may show.
    assert all(v == 0 for v in finnmark)
    assert release.audit["tables"]
    _candidate, problems = releases.audit_stored(release)
    assert problems == []


def test_status_counts_current_members_only(db):
    bulk_members(20, status="active")
    bulk_members(7, prefix="applicant", status="pending")
    release = publish()
    status = dict(zip(release.table_keys(), release.tables(), strict=True))["status"]
    assert [row.code for row in status.body] == ["active", "grace"]
    assert status.total.count == 20


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(size=st.integers(min_value=0, max_value=80), seed=st.integers(0, 10_000))
def test_releases_over_random_member_sets_pass_the_auditor(db, size, seed):
    Release.objects.all().delete()
    Membership.objects.all().delete()
    Profile.objects.all().delete()
    get_user_model().objects.all().delete()
    bulk_members(size, random.Random(seed))
    release = publish()
    published = [v for v in release.cells().values() if v is not None]
    assert not [v for v in published if 0 < v < 5]
    _candidate, problems = releases.audit_stored(release)
    assert problems == []
