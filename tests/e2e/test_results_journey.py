"""Issue 11 part 3 in a real browser, on the demo's 2022 edition: the admin opens the report,
previews and publishes it; a member finds the results from the menu, reads them and
downloads the PDF; an anonymous visitor reads the public summary. axe-core on every page."""

import io
import re

import pytest
from pypdf import PdfReader

from core.models import OutboxMessage
from members import factories
from surveys import demo, report
from tests.e2e.test_layout import browse_as
from tests.e2e.test_results_pages import violations

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def checked(page, path=None):
    if path:
        assert page.goto(path).status == 200, path
    assert violations(page) == [], page.url
    return " ".join(page.locator("main").inner_text().split())


def test_admin_publishes_the_2022_report_and_members_and_visitors_read_it(browser, live_server):
    admin = factories.admin_user(email="journey.results.admin@example.org")
    factories.with_totp(admin)
    member = factories.active_member(user_kwargs={"email": "journey.results@example.org"})
    demo.seed(stdout=io.StringIO())
    for year in (2020, 2021, 2022):  # what the worker does after `make run`
        report.build_report(year=year)

    context = browse_as(browser, live_server, admin, "nb", 1280)
    page = context.new_page()
    try:
        text = checked(page, "/surveys/manage/2022/report/")
        assert "168 svar" in text
        page.get_by_role("link", name="Forhåndsvis og publiser").click()
        text = checked(page)
        assert "Forhåndsvisning: dette er det medlemmene vil se" in text
        assert "168 erfaringskonsulenter svarte" in text
        page.get_by_role("button", name="Publiser for medlemmene").click()
        text = checked(page)
        assert "Rapporten 2022 er publisert for medlemmene." in text
    finally:
        context.close()
    # One content-free notice for the member, through the outbox.
    notices = OutboxMessage.objects.filter(dedupe_key__contains=":results:")
    assert [m.payload["to"] for m in notices] == [[member.email]]

    context = browse_as(browser, live_server, member, "nb", 1280)
    page = context.new_page()
    try:
        checked(page, "/")
        page.get_by_role("navigation", name="Hovedmeny").get_by_role(
            "link", name="Resultater", exact=True
        ).click()
        checked(page)
        page.get_by_role("link", name="Erfaringskonsulentundersøkelsen 2022").click()
        text = checked(page)
        assert "168 erfaringskonsulenter svarte" in text
        with page.expect_download() as info:
            page.get_by_role("link", name="Last ned rapporten (PDF)").click()
        download = info.value
        assert download.suggested_filename == "erfaring-rapport-2022.pdf"
        document = PdfReader(io.BytesIO(download.path().read_bytes()))
        assert len(document.pages) > 1
        pdf_text = " ".join(" ".join(p.extract_text() for p in document.pages[:2]).split())
        assert "Erfaringskonsulentundersøkelsen 2022" in pdf_text and "168 svar" in pdf_text
    finally:
        context.close()

    context = browse_as(browser, live_server, None, "nb", 1280)
    page = context.new_page()
    try:
        text = checked(page, "/surveys/results/summary/")
        assert "Erfaringskonsulentundersøkelsen 2022: hovedtall" in text
        assert re.search(r"Svar 168\b", text)
        assert "Medlemmer av fagforening 71 %" in text
        assert "Også brukerrepresentanter 49 %" in text
        assert re.search(r"Gjennomsnittlig årslønn kr 450\s000\b", text)
        assert all(year in text for year in ("2020", "2021", "2022"))
        assert "/accounts/login/" in page.goto("/surveys/results/2022/").url
    finally:
        context.close()
