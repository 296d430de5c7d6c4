"""No page scrolls sideways on a 360 px phone, and the staff menu fits on one line at 1280 px:
every role's main pages, in Bokmål and in English, in Debian's Chromium."""

import os
import shutil
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from casework.factories import CaseFactory, MessageFactory
from members import factories
from surveys import questionnaire

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
# Counts what overflows the page, including text wider than its box (a long compound word),
# which no element's own width shows.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
MENU_ROWS = """() => new Set(
  [...document.querySelectorAll('.site-header .nav-link, .site-header .language-switch')]
    .map(element => Math.round(element.getBoundingClientRect().top + element.offsetHeight / 2))
).size"""


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed: apt-get install -y chromium chromium-driver")
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def people(transactional_db):
    """A member with a case and an open survey started, an advisor and an admin."""
    now = timezone.now()
    edition = questionnaire.build_edition(
        year=now.year,
        status="open",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )
    member = factories.active_member(user_kwargs={"first_name": "Mona", "last_name": "Medlem"})
    advisor = factories.advisor_user(first_name="Rune", last_name="Rådgiver")
    admin = factories.admin_user()
    for staff in (advisor, admin):
        factories.with_totp(staff)
    case = CaseFactory(member=member, assignee=advisor)
    MessageFactory(
        case=case, author=advisor, body="Takk for henvendelsen. Vi ringer deg på torsdag."
    )
    factories.applicant()
    year = edition.year
    survey = [f"/surveys/{year}/page/{n}/" for n in range(1, 8)] + [f"/surveys/{year}/review/"]
    return {
        "member": (
            member,
            [
                "/",
                "/members/profile/",
                "/members/profile/edit/",
                "/surveys/",
                f"/surveys/{year}/",
                *survey,
                "/casework/request/",
                "/casework/my/",
                f"/casework/my/{case.pk}/",
                "/my-data/",
                "/accounts/sessions/",
                "/accounts/email/",
                "/accounts/2fa/",
            ],
        ),
        "advisor": (
            advisor,
            ["/", "/casework/queue/", f"/casework/cases/{case.pk}/", "/casework/inquiries/new/"],
        ),
        "admin": (
            admin,
            [
                "/",
                "/members/applications/",
                "/members/records/",
                f"/members/records/{member.membership.pk}/",
                "/members/statistics/",
                "/members/import/",
                "/surveys/manage/",
                f"/surveys/manage/{year}/",
                f"/surveys/manage/{year}/responses/",
                "/casework/statistics/",
            ],
        ),
        "visitor": (
            None,
            [
                "/",
                "/accounts/login/",
                "/accounts/signup/",
                "/accounts/password/reset/",
                "/members/privacy/",
            ],
        ),
        "edition": edition,
    }


def browse_as(browser, live_server, user, language, width, *, start_survey=None):
    """A browser context signed in as `user` (a session made by Django's test client: staff
    have an authenticator, so the portal lets them in)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}
    )
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        if start_survey:
            client.post(f"/surveys/{start_survey.year}/", {"consent": "on"})
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append(
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}
        )
    context.add_cookies(cookies)
    return context


@pytest.mark.parametrize("language", ["nb", "en"])
def test_no_page_scrolls_sideways_at_360_px(browser, live_server, people, language):
    too_wide, seen = {}, 0
    for role in ("visitor", "member", "advisor", "admin"):
        user, paths = people[role]
        context = browse_as(
            browser,
            live_server,
            user,
            language,
            360,
            start_survey=people["edition"] if role == "member" else None,
        )
        page = context.new_page()
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, f"{role} {path}: {response.status}"
            seen += 1
            if (overflow := page.evaluate(OVERFLOW)) > 0:
                too_wide[f"{role} {path}"] = overflow
        context.close()
    assert not too_wide, f"pages wider than 360 px (by px): {too_wide}"
    assert seen == sum(len(people[role][1]) for role in ("visitor", "member", "advisor", "admin"))


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("role", ["advisor", "admin"])
def test_staff_menu_fits_on_one_line_at_1280_px(browser, live_server, people, role, language):
    user, _paths = people[role]
    context = browse_as(browser, live_server, user, language, 1280)
    page = context.new_page()
    page.goto("/")
    assert page.evaluate(MENU_ROWS) == 1
    assert page.evaluate(OVERFLOW) <= 0
    context.close()
