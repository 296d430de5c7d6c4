"""The membership statistics' tables are written once per release, language and cross-table,
then kept (members/jinja2/members/statistics_tables.html): a release never changes, so its
markup cannot go stale. Each test changes one part of the key and fails if it is left out."""

from django.conf import settings

from core.models import Release

from .test_statistics import STATS, bulk_members, publish


def tables_part(response):
    """The page from its first table on (the rest holds a CSRF token that changes)."""
    html = response.content.decode()
    return html[html.index("<caption>") :]


def test_the_tables_are_read_from_the_release_once_then_kept(admin_client_mfa, monkeypatch):
    bulk_members(30)
    publish()
    reads = []
    read_tables = Release.tables
    monkeypatch.setattr(Release, "tables", lambda release: reads.append(1) or read_tables(release))

    first = admin_client_mfa.get(STATS)
    second = admin_client_mfa.get(STATS)

    assert len(reads) == 1
    assert tables_part(first) == tables_part(second)


def test_a_new_release_shows_its_own_numbers_at_once(admin_client_mfa):
    bulk_members(30)
    first = publish()
    before = tables_part(admin_client_mfa.get(STATS))
    bulk_members(40, prefix="later")
    second = publish()

    latest = tables_part(admin_client_mfa.get(STATS))
    earlier = tables_part(admin_client_mfa.get(STATS, {"release": first.number}))

    assert latest != before
    assert f'<td class="text-end">{second.tables()[0].total}</td>' in latest
    assert f"release={second.number}&amp;" in latest
    assert earlier == before


def test_the_chosen_cross_table_shows(admin_client_mfa):
    bulk_members(30)
    publish()
    plain = tables_part(admin_client_mfa.get(STATS))
    crossed = tables_part(admin_client_mfa.get(STATS, {"table": "county.employer_type"}))

    assert "table=county.employer_type" not in plain
    assert "table=county.employer_type" in crossed


def test_the_tables_follow_the_language(admin_client_mfa):
    bulk_members(30)
    publish()
    norwegian = tables_part(admin_client_mfa.get(STATS))
    admin_client_mfa.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = tables_part(admin_client_mfa.get(STATS))

    assert ">Last ned CSV<" in norwegian and ">Download CSV<" not in norwegian
    assert ">Download CSV<" in english and ">Last ned CSV<" not in english
