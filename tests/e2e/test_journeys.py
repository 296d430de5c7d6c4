"""Every role's journey in a real browser, from the sign-up page, through the UI only.

A newcomer signs up with a name, verifies through the link in the email, logs in and applies
as the home page suggests (an email confirms it); an admin signs in with a TOTP code and
approves; the new member follows the email about the decision, answers the open survey from
the home page to its receipt and asks for guidance; an advisor (TOTP) finds the case by its
reference, sends a reply and saves an internal note; the member follows the one email that
came, about the reply, and reads the reply, never the note; the admin downloads the
membership and casework statistics as CSV and XLSX, which parse and hide small counts, and
opens the survey's response rate.

Only what is not self-service is prepared directly: the staff accounts with their
authenticators, and this year's survey edition (the admin's editorial work is not this
journey). The journeys run in Bokmål on a desktop window and in English on a 390 px phone
window (menus folded); axe-core checks every page reached (0 serious or critical
violations), and no page may scroll sideways at 390 px in either language. Each run's
audit is written to test-results/axe-<language>-<width>.json.
"""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.conf import settings
from django.utils import timezone

from casework import stats as casework_stats
from core.tasks import publish_release
from members import factories
from members import reports as members_reports
from surveys import questionnaire
from surveys.models import Question

from .conftest import ARTEFACTS, DESKTOP
from .journey import PHONE, Audit, Person, delivered_emails, links_in

pytestmark = pytest.mark.slow

PASSWORD = "Lang-og-unik-passordfrase-2026"
NEWCOMER = {"first_name": "Kari", "last_name": "Nordmann"}
REPLY = "Takk for at du tok kontakt. Jeg ringer deg torsdag som avtalt."
NOTE = "Intern vurdering: følg opp lønnsspørsmålet med tillitsvalgt."
# Enough pages for the survey however its questions reveal one another.
MAX_SURVEY_PAGES = 40


@pytest.fixture
def open_survey(transactional_db):
    now = timezone.now()
    return questionnaire.build_edition(
        year=timezone.localdate().year,
        status="open",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )


@pytest.fixture
def staff(transactional_db):
    """Staff are not self-service: created as an administrator would, with authenticators."""
    admin = factories.admin_user(email="admin.journey@example.org", password=PASSWORD)
    advisor = factories.advisor_user(email="advisor.journey@example.org", password=PASSWORD)
    return {
        "admin": (admin, factories.with_totp(admin)),
        "advisor": (advisor, factories.with_totp(advisor)),
    }


@pytest.mark.parametrize(
    ("language", "viewport"), [("nb", DESKTOP), ("en", PHONE)], ids=["nb-desktop", "en-phone"]
)
def test_journeys_from_sign_up_to_exports(
    browser_pages, live_server, settings, open_survey, staff, language, viewport
):
    settings.SITE_URL = live_server.url
    audit = Audit(language=language, viewport=viewport)

    def person(name):
        return Person(
            name, browser_pages.open(name, viewport=viewport), audit=audit, language=language
        )

    newcomer, admin, advisor = person("newcomer"), person("admin"), person("advisor")
    email = "kari.nordmann@example.org"
    try:
        sign_up_and_apply(newcomer, email, live_server.url)
        approve(admin, *staff["admin"])
        answer_the_survey(newcomer, email, live_server.url, open_survey)
        reference = request_guidance(newcomer)
        emails_before = len(delivered_emails(email))
        reply_and_note(advisor, *staff["advisor"], reference)
        # One email, about the reply: the note is never sent.
        (news,) = delivered_emails(email)[emails_before:]
        read_the_reply(newcomer, news, live_server.url, reference)
        read_the_statistics(admin, staff["admin"][0], open_survey)
    finally:
        audit.write(ARTEFACTS / f"axe-{language}-{viewport['width']}.json")

    violations, overflows = audit.blocking_violations(), audit.sideways_scrolling()
    assert not violations, "axe-core: serious or critical violations:\n" + "\n".join(violations)
    assert not overflows, "Pages that scroll sideways:\n" + "\n".join(overflows)


# --- The newcomer -------------------------------------------------------------------------


def sign_up_and_apply(newcomer, email, base_url):
    t, page = newcomer.t, newcomer.page
    newcomer.step = "signs up"
    newcomer.open("/accounts/signup/")
    newcomer.choose_language()
    newcomer.field("First name").fill(NEWCOMER["first_name"])
    newcomer.field("Last name").fill(NEWCOMER["last_name"])
    newcomer.field("Email").fill(email)
    newcomer.field("Password").fill(PASSWORD)
    newcomer.field("Password (again)").fill(PASSWORD)
    newcomer.click(newcomer.button(t("Sign Up")))

    newcomer.step = "verifies the email address"
    (verification,) = delivered_emails(email)
    (link,) = [url for url in links_in(verification, base_url) if "/confirm-email/" in url]
    newcomer.open(link)
    newcomer.click(newcomer.button(t("Confirm")))

    newcomer.step = "logs in"
    newcomer.log_in(email, PASSWORD)

    newcomer.step = "applies, as the home page says"
    assert newcomer.heading() == t("Hello, %(name)s") % {"name": NEWCOMER["first_name"]}
    newcomer.follow(t("Apply for membership"))
    newcomer.select("county", "Vestland")
    newcomer.select("municipality", "Bergen")
    newcomer.choose("employer type", "Municipality")
    newcomer.choose("field", "Both")
    newcomer.field("position percentage").fill("80")
    newcomer.choose("contract type", "Permanent")
    newcomer.field("year started as a peer support worker").fill("2019")
    page.locator("#id_consent").check()
    newcomer.click(newcomer.button(t("Send application")))
    assert t("Application received") in newcomer.main_text()
    (received,) = delivered_emails(email)[1:]
    assert received.subject.endswith(t("We have received your application"))


# --- The admin ----------------------------------------------------------------------------


def approve(admin, user, secret):
    t = admin.t
    admin.step = "logs in with a TOTP code"
    admin.open("/")
    admin.choose_language()
    admin.follow(t("Log in"))
    admin.log_in(user.email, PASSWORD, totp_secret=secret)

    admin.step = "approves the application"
    admin.menu(t("Applications"))
    admin.follow(f"{NEWCOMER['first_name']} {NEWCOMER['last_name']}")
    admin.page.get_by_role("radio", name=t("Approve"), exact=True).check()
    admin.click(admin.button(t("Save decision")))
    assert t("The application was approved.") in admin.main_text()


def read_the_statistics(admin, user, edition):
    t = admin.t
    admin.step = "publishes and downloads the membership statistics"
    admin.menu(t("Membership statistics"))
    admin.click(admin.button(t("Publish a new release now")))
    worker_publishes(members_reports.KIND, user)
    admin.menu(t("Membership statistics"))
    downloads_parse(
        admin, t("Download all tables (CSV)"), t("Download all tables (XLSX)"), "membership"
    )

    admin.step = "publishes and downloads the casework statistics"
    admin.menu(t("Casework statistics"))
    admin.click(admin.button(t("Publish a new release now")))
    worker_publishes(casework_stats.KIND, user)
    admin.menu(t("Casework statistics"))
    downloads_parse(admin, t("Download CSV"), t("Download XLSX"), "casework")

    admin.step = "opens the survey's response rate"
    admin.menu(t("Survey editions"))
    admin.follow(str(edition.year))
    admin.follow(t("Response rate"))


def worker_publishes(kind, admin):
    """What the worker does with the admin's request for a release (the task it queued)."""
    assert publish_release(kind, admin.pk) is not None, f"the {kind} release was refused"


def downloads_parse(admin, csv_link, xlsx_link, prefix):
    """Both exports download, parse, and show no count small enough to point at a person
    (the journey's member is the only one in the population)."""
    name, body = admin.download(admin.link(csv_link))
    assert name.startswith(prefix) and name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) > 1
    assert_no_small_counts(cell for row in rows for cell in row)

    name, body = admin.download(admin.link(xlsx_link))
    assert name.startswith(prefix) and name.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    rows = [row for sheet in workbook for row in sheet.iter_rows(values_only=True)]
    assert len(rows) > 1
    assert_no_small_counts(cell for row in rows for cell in row)


def assert_no_small_counts(cells):
    counts = [int(cell) for cell in cells if re.fullmatch(r"\d+", str(cell or "").strip())]
    small = [n for n in counts if 0 < n < settings.DISCLOSURE_THRESHOLD]
    assert small == []


# --- The member ---------------------------------------------------------------------------


def answer_the_survey(member, email, base_url, edition):
    t, page = member.t, member.page
    member.step = "follows the email about the decision"
    news = delivered_emails(email)[-1]
    (link,) = links_in(news, base_url)
    member.open(link)
    assert t("Active") in member.main_text()

    member.step = "answers the survey from the home page"
    member.menu("Erfaring")
    member.follow(t("Answer the survey"))
    page.locator("#id_consent").check()
    member.click(member.button(t("Start the survey")))
    for _ in range(MAX_SURVEY_PAGES):
        if member.heading() == t("Review your answers"):
            break
        answer_every_question(page, numbers=typical_numbers(edition))
        member.click(page.locator("button[name=action][value=next]"))
    else:
        raise AssertionError("the survey never reached its review page")
    member.click(member.button(t("Submit")))
    assert member.heading() == t("Thank you")


def typical_numbers(edition):
    """A valid answer to each number question of the edition: the middle of its range, as
    its help text gives it to the person."""
    numbers = {}
    for question in Question.objects.filter(edition=edition, type__in=Question.NUMBER_TYPES):
        low = question.min_value if question.min_value is not None else 1
        high = question.max_value if question.max_value is not None else low
        numbers[f"q_{question.key}"] = str(int((low + high) / 2))
    return numbers


def answer_every_question(page, *, numbers):
    """A first choice for each unanswered choice question, a typical number in each empty
    number box, and a short comment in each empty text box."""
    main = page.locator("main form")
    for name in main.evaluate(
        "form => [...new Set([...form.querySelectorAll('input[type=radio]')].map(e => e.name))]"
    ):
        group = main.locator(f"input[type=radio][name='{name}']")
        if not group.evaluate_all("inputs => inputs.some(input => input.checked)"):
            group.first.check()
    for name in main.evaluate(
        "form => [...new Set([...form.querySelectorAll('input[type=checkbox]')]"
        ".filter(e => form.querySelectorAll(`input[name='${e.name}']`).length > 1)"
        ".map(e => e.name))]"
    ):
        group = main.locator(f"input[type=checkbox][name='{name}']")
        if not group.evaluate_all("inputs => inputs.some(input => input.checked)"):
            group.first.check()
    for name, value in numbers.items():
        box = main.locator(f"input[name='{name}']")
        if box.count() and not box.input_value():
            box.fill(value)
    for text in main.locator("textarea").all():
        if not text.input_value():
            text.fill("Ingen flere kommentarer.")


def request_guidance(member):
    t, page = member.t, member.page
    member.step = "requests guidance from the home page"
    member.menu("Erfaring")
    assert t("You have answered it. Thank you!") in member.main_text()
    member.follow(t("Request guidance"))
    page.locator("input[name=topics]").first.check()
    member.field("Describe your situation").fill(
        "Jeg ble lovet fagarbeiderlønn, men får assistentlønn. HR svarer ikke på e-post."
    )
    member.field("How and when is it safe to contact you?").fill("Bare gjennom portalen.")
    member.click(member.button(t("Send request")))
    match = re.search(r"\S+\s*$", member.heading())
    return match.group().strip()


def read_the_reply(member, news, base_url, reference):
    member.step = "follows the email about news in the case"
    # The email says only that there is news: a shared inbox learns nothing of the case.
    assert REPLY not in news.body and NOTE not in news.body
    (link,) = [url for url in links_in(news, base_url) if "/casework/my/" in url]
    member.open(link)
    assert reference in member.heading()
    text = member.main_text()
    assert REPLY in text
    assert NOTE not in member.page.content()


# --- The advisor --------------------------------------------------------------------------


def reply_and_note(advisor, user, secret, reference):
    t = advisor.t
    advisor.step = "logs in with a TOTP code"
    advisor.open("/")
    advisor.choose_language()
    advisor.follow(t("Log in"))
    advisor.log_in(user.email, PASSWORD, totp_secret=secret)

    advisor.step = "finds the case by its reference"
    advisor.menu(t("Case queue"))
    advisor.field("Case reference").fill(reference)
    advisor.click(advisor.button(t("Find the case")))
    assert reference in advisor.heading()

    advisor.step = "sends a reply"
    advisor.field("Message").fill(REPLY)
    advisor.click(advisor.button(t("Send to the member")))

    advisor.step = "saves an internal note"
    advisor.field("Message").fill(NOTE)
    advisor.click(advisor.button(t("Save internal note")))
    text = advisor.main_text()
    assert REPLY in text and NOTE in text
