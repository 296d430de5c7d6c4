"""The journeys' checks catch what they are there to catch: a clean audit of the portal
means something only if the same audit fails a page with known faults."""

from urllib.parse import quote

import pytest

from .conftest import BrowserPages
from .journey import BLOCKING_IMPACTS, PHONE, Audit

pytestmark = pytest.mark.slow

FAULTY_PAGE = """<!DOCTYPE html><html lang="nb"><head><title>Feil</title></head><body>
<main><h1>Feil med vilje</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<a href="/"></a>
<p style="color: #bbb; background: #fff">For svak kontrast</p>
<table><tr><td>Erfaringskonsulentundersøkelsesresultattabellen</td><td>1</td></tr></table>
<div style="width: 600px">Bred boks</div>
</main></body></html>"""


class Visitor:
    name, step = "tester", "opens a faulty page"

    def __init__(self, page):
        self.page = page


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}])
def test_audit_reports_axe_violations_and_sideways_scrolling(browser, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_content(FAULTY_PAGE)
    audit = Audit(language="nb", viewport=viewport)

    audit.check(Visitor(page))
    context.close()

    (visit,) = audit.visits
    blocking = {v["rule"] for v in visit["violations"] if v["impact"] in BLOCKING_IMPACTS}
    assert {"image-alt", "link-name", "color-contrast"} <= blocking
    assert len(audit.blocking_violations()) == len(blocking)
    # Measured at 390 px even when the journey runs in a desktop window.
    (overflow,) = audit.sideways_scrolling()
    assert "in a 390 px window" in overflow
    assert 'div "Bred boks"' in overflow
    assert audit.summary()["totals"]["critical"] >= 1


def test_a_failure_saves_each_opened_page_as_screenshot_and_html(browser, tmp_path):
    pages = BrowserPages(browser, base_url=None)
    pages.open("member").goto("data:text/html;charset=utf-8," + quote(FAULTY_PAGE))
    pages.open("advisor")  # never navigated: nothing worth saving

    saved = pages.save(tmp_path)
    pages.close()

    assert len(saved) == 1 and saved[0].startswith("member at data:text/html")
    assert (tmp_path / "member.png").read_bytes().startswith(b"\x89PNG")
    assert "Feil med vilje" in (tmp_path / "member.html").read_text()
    assert not (tmp_path / "advisor.png").exists()
