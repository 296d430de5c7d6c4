"""Browser fixtures: one Debian Chromium per test module, one context per person, and the
page of every person saved (screenshot and HTML) into test-results/ when a test fails."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(settings.BASE_DIR) / "test-results"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed: apt-get install -y chromium chromium-driver")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the Django calls the tests make
    # (creating staff, reading the outbox) are still plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class BrowserPages:
    """The pages a test opened, by the name of who looks at them, so that a failure can
    save what each person saw."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base_url = base_url
        self.pages = {}

    def open(self, name, *, viewport=DESKTOP):
        context = self.browser.new_context(base_url=self.base_url, viewport=viewport)
        # A timeout well under pytest's patience, long enough for a loaded 2-core machine.
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.csp_violations = []
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        self.pages[name] = page
        return page

    def save(self, folder):
        saved = []
        folder.mkdir(parents=True, exist_ok=True)
        for name, page in self.pages.items():
            if page.is_closed() or page.url == "about:blank":
                continue
            screenshot, html = folder / f"{name}.png", folder / f"{name}.html"
            try:
                page.screenshot(path=str(screenshot), full_page=True)
                html.write_text(page.content(), encoding="utf-8")
            except Exception as exc:  # noqa: BLE001 - report the test's failure, not this one
                saved.append(f"{name}: could not be saved ({exc})")
                continue
            saved.append(f"{name} at {page.url}: {screenshot} and {html}")
        return saved

    def close(self):
        for page in self.pages.values():
            page.context.close()


def artefact_folder(item):
    return ARTEFACTS / re.sub(r"[^\w.-]+", "_", item.nodeid)


@pytest.fixture
def browser_pages(request, browser, live_server):
    # What an earlier failure of this test saved would be mistaken for this run's.
    shutil.rmtree(artefact_folder(request.node), ignore_errors=True)
    pages = BrowserPages(browser, live_server.url)
    yield pages
    pages.close()


@pytest.fixture
def page(browser_pages):
    return browser_pages.open("page")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, save each open page while it still shows what went wrong, and name the
    files in the failure report (CI prints it)."""
    outcome = yield
    report = outcome.get_result()
    pages = getattr(item, "funcargs", {}).get("browser_pages")
    if report.when != "call" or not report.failed or pages is None:
        return
    saved = pages.save(artefact_folder(item))
    report.sections.append(("browser pages saved", "\n".join(saved) or "no page was open"))


def pytest_terminal_summary(terminalreporter):
    """The axe-core figures of the journeys that ran, where a CI log shows them."""
    from .journey import FINISHED_AUDITS

    for audit in FINISHED_AUDITS:
        summary = audit.summary()
        totals = ", ".join(f"{count} {impact}" for impact, count in summary["totals"].items())
        seconds = summary["seconds"]
        terminalreporter.write_line(
            f"axe-core {summary['language']} at {summary['viewport']['width']} px: "
            f"{summary['checks']} checks of {len(summary['pages'])} pages "
            f"({seconds['audit']} s of the journey's {seconds['journey']} s); "
            f"violations by impact: {totals}; details in {audit.path}"
        )
