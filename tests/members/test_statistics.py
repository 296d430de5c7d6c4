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

from core.models import AuditEvent
from members import reports
from members.factories import random_profile
from members.models import Membership, Municipality, Profile
from tests.core.test_disclosure import published_two_way, recoverable_cells

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


# The request's own (session, user, user sessions, MFA, permissions, roles, session save:
# 14) plus one count per table: ten one-way tables and the cross-table.
STATISTICS_QUERIES = 14 + 11


def test_statistics_page_query_count_is_flat(admin_client_mfa, django_assert_num_queries):
    url = STATS + "?rows=county&columns=employer_type"
    bulk_members(40)
    admin_client_mfa.get(url)
    with django_assert_num_queries(STATISTICS_QUERIES):
        admin_client_mfa.get(url)
    bulk_members(80)
    with django_assert_num_queries(STATISTICS_QUERIES):
        admin_client_mfa.get(url)


@pytest.mark.parametrize(
    "query",
    [
        "?rows=salary",
        "?rows=county&columns=email",
        "?rows=county&columns=county",
        "?rows=",
        "?rows=county&columns=municipality",
    ],
)
def test_unknown_dimensions_are_refused_with_400(admin_client_mfa, query):
    response = admin_client_mfa.get(STATS + query)
    assert response.status_code == 400
    assert b"<h1" in response.content
    export = reverse("members:statistics-export", kwargs={"fmt": "csv"}) + query
    assert admin_client_mfa.get(export).status_code == 400
    assert not AuditEvent.objects.filter(action__startswith="statistics.export").exists()


def test_page_shows_every_table_and_the_legend(admin_client_mfa):
    bulk_members(30)
    response = admin_client_mfa.get(STATS)
    assert len(response.context["tables"]) == len(reports.DIMENSION_KEYS)
    assert ":" in response.context["legend"]


def test_csv_export_streams_aggregates_only_and_is_audited(admin_client_mfa, admin_user):
    users = bulk_members(60)
    response = admin_client_mfa.get(export_url("csv", rows="county", columns="employer_type"))
    assert response.streaming
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    for user in users:
        assert user.email not in body
    assert "Kari" not in body and "@" not in body
    lines = list(csv.reader(io.StringIO(body)))
    cells = [value for line in lines[2:-2] for value in line[1:]]
    assert cells and all(v == ":" or int(v) == 0 or int(v) >= 5 for v in cells)
    event = AuditEvent.objects.get(action="statistics.export.csv")
    assert event.actor == admin_user and event.object_id == "county-employer_type"


def test_xlsx_export_holds_only_protected_aggregates_and_is_audited(admin_client_mfa):
    bulk_members(60)
    response = admin_client_mfa.get(export_url("xlsx", rows="all"))
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    numbers = [v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, int)]
    assert numbers and all(v == 0 or v >= 5 for v in numbers)
    texts = [v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert not any("@" in v or "Kari" in v for v in texts)
    assert AuditEvent.objects.filter(action="statistics.export.xlsx", object_id="all").exists()


def test_a_county_with_two_members_is_not_published(admin_client_mfa, db):
    bulk_members(30, county_codes={"46"}, prefix="vest", status="active")
    bulk_members(2, county_codes={"56"}, prefix="finnmark", status="active")
    table = reports.membership_table("county")
    by_code = {row.code: row.cells[0] for row in table.body}
    assert by_code["56"].suppressed
    assert table.total.count is not None
    # Its partner is hidden too, so 30 + x = total cannot be solved.
    assert sum(cell.suppressed for cell in by_code.values()) >= 2


TABLE_SPECS = [(key, None) for key in reports.DIMENSION_KEYS] + [
    ("county", "employer_type"),
    ("employer_type", "field"),
    ("county", "union_member"),
    ("year_joined", "status"),
    ("field", "contract_type"),
]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(size=st.integers(min_value=0, max_value=120), seed=st.integers(0, 10_000))
def test_no_published_cell_is_small_or_recoverable_over_random_member_sets(db, size, seed):
    Membership.objects.all().delete()
    Profile.objects.all().delete()
    get_user_model().objects.all().delete()
    bulk_members(size, random.Random(seed))
    for rows, columns in TABLE_SPECS:
        table = reports.membership_table(rows, columns)
        if columns is None:
            published = [row.cells[0].count for row in table.body] + [table.total.count]
            hidden = {i for i, v in enumerate(published) if v is None}
            assert recoverable_cells([list(range(len(published)))], hidden) == []
            values = published
        else:
            lines, hidden, cells = published_two_way(table)
            assert recoverable_cells(lines, hidden) == [], (rows, columns)
            values = list(cells.values())
        assert not [v for v in values if v is not None and 0 < v < 5], (rows, columns)
