"""Issue 11 part 3: the annual report as print view and PDF, publishing a frozen report to the
members (with the "results are out" notice), the members' results pages and the public
summary."""

import io
import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from core import releases
from core.audit import AuditEvent
from core.disclosure import threshold
from core.models import OutboxMessage, Release
from surveys import factories as f
from surveys import report, services
from surveys.models import Answer, Edition, Publication, Response

from .conftest import activate
from .test_report import _fixed_edition
from .test_report_disclosure import _edition, _generalised
from .test_report_disclosure import response as response_strategy

pytestmark = pytest.mark.django_db


def _pdf(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(b"".join(response.streaming_content)))


def _built(year=2022):
    edition = _fixed_edition(year)
    # Union membership as a question too, answered as each response's stratum says (10 of 22).
    f.yes_no(edition.sections.get(), "union_member")
    for response in Response.objects.filter(edition=edition):
        Answer.objects.create(
            response=response, question_key="union_member", code=response.union_member
        )
    assert report.build_report(year=year) is not None
    return edition


# --- Print view and PDF --------------------------------------------------------------------------


def test_admin_downloads_the_report_as_a_pdf_with_year_and_n_and_the_download_is_audited(
    admin_client_mfa,
):
    _built()
    response = admin_client_mfa.get(reverse("surveys:report-pdf", args=[2022]))
    assert response["Content-Disposition"] == 'attachment; filename="erfaring-rapport-2022.pdf"'
    document = _pdf(response)
    assert len(document.pages) > 1
    text = " ".join(" ".join(page.extract_text() for page in document.pages).split())
    assert "Erfaringskonsulentundersøkelsen 2022" in text
    assert "22 svar" in text  # n on the title page, in Bokmål by default
    assert "Metode" in text
    assert AuditEvent.objects.filter(action="surveys.report.pdf_downloaded").count() == 1


def test_pdf_and_print_view_are_available_in_english(admin_client_mfa):
    _built()
    url = reverse("surveys:report-pdf", args=[2022])
    pages = _pdf(admin_client_mfa.get(url, {"lang": "en"})).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Peer Support Worker Survey 2022" in text
    assert "Method" in text
    page = admin_client_mfa.get(reverse("surveys:report-print", args=[2022]), {"lang": "en"})
    html = page.content.decode()
    assert '<html lang="en">' in html
    # Charts are server-rendered SVG: the print view and the PDF run no script.
    assert "<svg" in html and "<script" not in html


def test_print_view_of_an_edition_without_a_report_is_404(admin_client_mfa):
    _fixed_edition()
    assert admin_client_mfa.get(reverse("surveys:report-print", args=[2022])).status_code == 404
    assert admin_client_mfa.get(reverse("surveys:report-pdf", args=[2022])).status_code == 404


def _table_numbers(text):
    """Integers in the PDF's text that could be counts: not years, not shares ("55 %"), not
    the page numbers in the footer ("2 / 5")."""
    text = re.sub(r"\d+\s*/\s*\d+", " ", text)
    text = re.sub(r"\d+(\s|\u00a0)*%", " ", text)
    return [int(n) for n in re.findall(r"(?<![\w.,])\d+(?![\w.,])", text) if len(n) < 4]


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.lists(response_strategy, min_size=5, max_size=30), seed=st.integers(0, 1000))
def test_no_count_under_k_in_the_pdf_text(db, admin_user, raw, seed):
    Publication.objects.all().delete()
    Release.objects.all().delete()
    Response.objects.all().delete()
    Edition.objects.all().delete()
    _edition(_generalised(raw, seed))
    report.build_report(year=2022)
    client = Client()
    client.force_login(admin_user)
    pages = _pdf(client.get(reverse("surveys:report-pdf", args=[2022]), {"lang": "en"})).pages
    # From the first theme on (the title page and the method have dates in them).
    numbers = _table_numbers("\n".join(page.extract_text() for page in pages[2:]))
    limit = threshold()
    assert numbers, "the themes' tables are in the text"
    assert [n for n in numbers if 0 < n < limit] == []


# --- Publishing ----------------------------------------------------------------------------------


def test_preview_shows_what_members_will_see_and_publishing_needs_the_confirm_post(
    admin_client_mfa,
):
    _built()
    url = reverse("surveys:report-publish", args=[2022])
    preview = admin_client_mfa.get(url)
    assert preview.status_code == 200
    assert "Preview: this is what members will see" in preview.content.decode() or (
        "Forhåndsvisning" in preview.content.decode()
    )
    assert not Publication.objects.exists()
    response = admin_client_mfa.post(url)
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.release == report.latest_reports([2022])[2022]
    assert AuditEvent.objects.filter(action="surveys.report.published").count() == 1


def test_publishing_notifies_every_member_once_without_content(
    admin_user, member, other_member, advisor
):
    activate(member)
    activate(other_member, county="03", employer_type="nav")
    edition = _built()
    services.publish_report(actor=admin_user, edition=edition)
    services.publish_report(actor=admin_user, edition=edition)  # a double click
    services.unpublish_report(actor=admin_user, edition=edition)
    services.publish_report(actor=admin_user, edition=edition)  # and published again
    notices = OutboxMessage.objects.filter(dedupe_key__contains=":results:")
    assert sorted(m.payload["to"][0] for m in notices) == sorted([member.email, other_member.email])
    for message in notices:
        # No figure (n = 22), only that the results are out.
        assert not re.search(r"\b22\b", message.payload["body"])
        assert "/surveys/results/2022/" in message.payload["body"]
    assert Publication.objects.count() == 2
    assert Publication.objects.live().count() == 1


def test_members_keep_seeing_the_release_published_even_after_a_rebuild(client, admin_user, member):
    activate(member)
    edition = _built()
    services.publish_report(actor=admin_user, edition=edition)
    # More responses and a new report release (a rebuild): members still read the old one.
    strata = {"region": "ost", "employer_type": "municipality"}
    strata |= {"union_member": "yes", "user_representative": "no"}
    for _i in range(10):
        f.respond(edition, {"has_job_description": "yes"}, **strata)
    newer = releases.publish(kind=report.kind_for(2022))
    assert newer.number == 2
    client.force_login(member)
    page = client.get(reverse("surveys:results-detail", args=[2022]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "22 peer support workers answered" in text or "22 erfaringskonsulenter" in text
    assert "32" not in re.findall(r"\b\d+\b", text)
    # The admin's own report page reads the newest build.
    assert report.report_for(edition, language="en").n == 32


def test_members_see_only_published_editions(client, admin_user, member):
    activate(member)
    edition = _built()
    client.force_login(member)
    detail = reverse("surveys:results-detail", args=[2022])
    pdf = reverse("surveys:results-pdf", args=[2022])
    assert client.get(detail).status_code == 404
    assert client.get(pdf).status_code == 404
    assert "2022" not in client.get(reverse("surveys:results-list")).content.decode()
    services.publish_report(actor=admin_user, edition=edition)
    listing = client.get(reverse("surveys:results-list")).content.decode()
    assert detail in listing and pdf in listing
    assert client.get(detail).status_code == 200
    document = _pdf(client.get(pdf))
    assert len(document.pages) > 1
    assert AuditEvent.objects.filter(action="surveys.results.pdf_downloaded").count() == 1
    services.unpublish_report(actor=admin_user, edition=edition)
    assert client.get(detail).status_code == 404
    assert AuditEvent.objects.filter(action="surveys.report.unpublished").count() == 1


def test_results_are_linked_from_the_menu_and_home_page(client, member):
    activate(member)
    client.force_login(member)
    html = client.get(reverse("core:home")).content.decode()
    assert html.count(reverse("surveys:results-list")) >= 2


def test_advisor_who_is_not_a_member_cannot_read_results(advisor_client):
    assert advisor_client.get(reverse("surveys:results-list")).status_code == 403


def _results_page_queries(client, year):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("surveys:results-detail", args=[year]))
    assert response.status_code == 200
    return len(queries)


def test_results_page_queries_do_not_grow_with_responses(client, admin_user, member):
    activate(member)
    small = _built(2021)
    large = _fixed_edition(2022)
    strata = {"region": "nord", "employer_type": "nav"}
    strata |= {"union_member": "yes", "user_representative": "yes"}
    for i in range(198):  # 22 and 220 responses
        f.respond(large, {"has_job_description": "yes" if i % 3 else "no"}, **strata)
    report.build_report(year=2022)
    services.publish_report(actor=admin_user, edition=small)
    services.publish_report(actor=admin_user, edition=large)
    client.force_login(member)
    client.get(reverse("surveys:results-list"))  # the session's first queries
    assert _results_page_queries(client, 2021) == _results_page_queries(client, 2022)


# --- The public summary --------------------------------------------------------------------------


def test_anonymous_sees_the_headline_figures_of_the_latest_published_edition(client, admin_user):
    edition = _built()
    url = reverse("surveys:results-summary")
    assert "2022" not in client.get(url).content.decode()
    services.publish_report(actor=admin_user, edition=edition)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "2022" in text
    assert re.search(r"Responses</dt><dd[^>]*>22</dd>", text)
    # Union members in the fixed data set: 10 of 22 = 45 %; mean salary 367,500 -> 368,000.
    assert re.search(r"Union members</dt><dd[^>]*>45 %</dd>", text)
    assert "NOK 368,000<" in text
    # Anonymous visitors reach nothing else of the results.
    assert client.get(reverse("surveys:results-list")).status_code == 302
    assert client.get(reverse("surveys:results-detail", args=[2022])).status_code == 302


def test_summary_keeps_a_hidden_share_hidden(client, admin_user):
    edition = _built()
    services.publish_report(actor=admin_user, edition=edition)
    publication = Publication.objects.get()
    data = publication.release.data
    assert data  # the figure comes from the release: hiding it there hides it on the page
    from surveys import headlines

    result = report.published_report_for(publication, language="en")
    union = next(q for s in result.sections for q in s.questions if q.key == "union_member")
    for row in union.tables[0].rows:
        object.__setattr__(row.cells[0], "percent", None)
    assert headlines.summary(result).union_share == ":"


# --- The response rate of a closed edition -------------------------------------------------------


def test_building_the_report_publishes_the_final_response_rate_for_the_method(admin_client_mfa):
    from django.utils import timezone

    from members import factories as member_factories
    from surveys import tasks
    from surveys.models import Participation

    edition = _fixed_edition()
    # 24 invited in two regions and two employer types, half of each submitted.
    for i in range(24):
        user = member_factories.active_member(
            user_kwargs={"email": f"rate{i}@example.org"},
            profile={
                "county_id": "03" if i % 2 else "46",
                "employer_type": "municipality" if (i // 2) % 2 else "specialist",
            },
        )
        Participation.objects.create(
            member=user,
            edition=edition,
            invited_at=edition.opens_at,
            submitted_on=timezone.localdate(edition.opens_at) if (i // 4) % 2 else None,
        )
    tasks.build_report(2022)
    result = report.report_for(edition, language="en")
    assert result.response_rate, "the report has a response-rate table"
    assert result.response_rate[0]["rows"][-1][3] == 50
    page = admin_client_mfa.get(reverse("surveys:report-print", args=[2022]), {"lang": "en"})
    assert "Response rate: 50 % of those invited" in " ".join(page.content.decode().split())
    assert report.build_state(2022) is None  # done: the page shows the report, no progress


def test_report_page_shows_the_build_state_and_reloads_itself_until_done(admin_client_mfa):
    _fixed_edition()
    url = reverse("surveys:report", args=[2022])
    admin_client_mfa.post(url)  # "Build report": queued for the worker
    assert report.build_state(2022) == report.QUEUED
    page = admin_client_mfa.get(url).content.decode()
    assert 'http-equiv="refresh"' in page
    assert "<script" not in page.split("</main>")[0].split("<main")[1]  # CSP: no inline script
    report.set_build_state(2022, report.RUNNING)
    assert "lages nå" in admin_client_mfa.get(url).content.decode()
    report.set_build_state(2022, None)
    report.build_report(year=2022)
    page = admin_client_mfa.get(url).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert reverse("surveys:report-publish", args=[2022]) in page
