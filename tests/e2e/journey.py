"""What the journeys are made of: a person at a browser who reaches pages only by clicking,
typing and following links in their email, and an audit that runs axe-core and the
sideways-scroll check on every page anyone reaches."""

import json
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.utils import timezone, translation

from core import outbox
from members import factories

AXE = Axe()
# The audits of this test session, for its closing summary.
FINISHED_AUDITS = []
BLOCKING_IMPACTS = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")
PHONE = {"width": 390, "height": 844}
# The document's width and the window's, and the innermost elements that stick out past
# the window or whose content (a long word) spills out of them: what to fix.
DOCUMENT_WIDTHS = """() => {
  const root = document.documentElement;
  const wide = [...document.body.querySelectorAll("*")].filter(
    (e) =>
      e.getBoundingClientRect().right > root.clientWidth + 1 ||
      (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 &&
       getComputedStyle(e).overflowX === "visible" &&
       e.getBoundingClientRect().left + e.scrollWidth > root.clientWidth + 1)
  );
  const innermost = wide.filter((e) => !wide.some((other) => other !== e && e.contains(other)));
  const describe = (e) =>
    e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    [...e.classList].map((c) => "." + c).join("") +
    ` "${e.textContent.replace(/\\s+/g, " ").trim().slice(0, 40)}"`;
  return [root.scrollWidth, root.clientWidth, innermost.slice(0, 5).map(describe)];
}"""


def path_pattern(url):
    """The page a URL shows, whatever the record: /casework/my/17/ -> /casework/my/<n>/."""
    path = re.sub(r"/confirm-email/[^/]+/", "/confirm-email/<key>/", urlsplit(url).path)
    return re.sub(r"/\d+(?=/|$)", "/<n>", path)


class Audit:
    """axe-core (bundled by axe-playwright-python, injected into the page, nothing loaded
    from elsewhere) and the width check, on every page a person reaches."""

    def __init__(self, *, language, viewport):
        self.language = language
        self.viewport = viewport
        self.visits = []
        self.started = time.monotonic()
        self.path = None

    def check(self, person):
        page = person.page
        started = time.monotonic()
        results = AXE.run(page).response
        widths = page.evaluate(DOCUMENT_WIDTHS)
        if self.viewport != PHONE:
            # The phone width too, on every page of every run: Bokmål's long compounds
            # overflow where English fits.
            page.set_viewport_size(PHONE)
            phone_width = page.evaluate(DOCUMENT_WIDTHS)
            page.set_viewport_size(self.viewport)
        else:
            phone_width = widths
        self.visits.append(
            {
                "person": person.name,
                "step": person.step,
                "page": path_pattern(page.url),
                "title": page.title(),
                "at": round(time.monotonic() - self.started, 1),
                "seconds": round(time.monotonic() - started, 2),
                "widths": {
                    self.viewport["width"]: widths,
                    PHONE["width"]: phone_width,
                },
                "violations": [
                    {
                        "rule": violation["id"],
                        "impact": violation["impact"],
                        "help": violation["help"],
                        "elements": [
                            " ".join(map(str, node["target"])) for node in violation["nodes"]
                        ],
                    }
                    for violation in results["violations"]
                ],
            }
        )

    def blocking_violations(self):
        return [
            f"{visit['page']} ({visit['person']}, {visit['step']}): {v['impact']} {v['rule']} "
            f"({v['help']}) on {', '.join(v['elements'])}"
            for visit in self.visits
            for v in visit["violations"]
            if v["impact"] in BLOCKING_IMPACTS
        ]

    def sideways_scrolling(self):
        return [
            f"{visit['page']} ({visit['person']}, {visit['step']}): "
            f"{scroll_width} px wide in a {client_width} px window, past it: {', '.join(wide)}"
            for visit in self.visits
            for scroll_width, client_width, wide in visit["widths"].values()
            if scroll_width > client_width
        ]

    def summary(self):
        """Per page: how often it was checked and its violations by impact (the report's
        figures)."""
        pages = {}
        for visit in self.visits:
            entry = pages.setdefault(visit["page"], {"visits": 0, **dict.fromkeys(IMPACTS, 0)})
            entry["visits"] += 1
            for violation in visit["violations"]:
                entry[violation["impact"]] += len(violation["elements"])
        totals = {impact: sum(entry[impact] for entry in pages.values()) for impact in IMPACTS}
        return {
            "language": self.language,
            "viewport": self.viewport,
            "checks": len(self.visits),
            "seconds": {
                "journey": self.visits[-1]["at"] if self.visits else 0,
                "audit": round(sum(visit["seconds"] for visit in self.visits), 1),
            },
            "pages": pages,
            "totals": totals,
            "rules": sorted(
                {f"{v['impact']} {v['rule']}" for visit in self.visits for v in visit["violations"]}
            ),
        }

    def write(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**self.summary(), "visits": self.visits}, indent=2))
        self.path = path
        FINISHED_AUDITS.append(self)


class Person:
    """One person in their own browser context. Every page they reach is checked: it must
    answer without an error status, and it goes through the audit."""

    def __init__(self, name, page, *, audit, language):
        self.name = name
        self.page = page
        self.audit = audit
        self.language = language
        self.step = "start"
        self.documents = []
        page.on("response", self._remember_document)

    def _remember_document(self, response):
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            self.documents.append(response)

    def t(self, text):
        """The text as this person reads it (their language's translation)."""
        with translation.override(self.language):
            return translation.gettext(text)

    # --- Getting to a page ------------------------------------------------------------------

    def open(self, path):
        """Only for where a person starts (an address typed) and links in their email."""
        self.page.goto(path)
        self.arrived()

    def click(self, target):
        with self.page.expect_navigation():
            target.click()
        self.arrived()

    def arrived(self):
        self.page.wait_for_load_state()
        response = self.documents[-1]
        heading = (
            self.page.locator("h1").first.inner_text() if self.page.locator("h1").count() else ""
        )
        assert response.status < 400, (
            f"{self.name} ({self.step}): {response.request.method} "
            f"{urlsplit(response.url).path} answered {response.status} {heading!r}"
        )
        assert self.page.csp_violations == [], self.page.csp_violations
        self.audit.check(self)

    def follow(self, name):
        """Follow the link `name` in the page's content."""
        link = self.link(name)
        if link.count() == 0:
            offered = self.page.get_by_role("main").get_by_role("link").all_text_contents()
            raise AssertionError(
                f"{self.name} ({self.step}): no link {name!r} on {self.page.url} "
                f"({self.heading()!r}), only {[text.strip() for text in offered]}"
            )
        self.click(link)

    def menu(self, name):
        """Follow a link of the main menu, opening it first where it is folded (phones)."""
        menu = self.page.get_by_role("navigation", name=self.t("Main menu"))
        link = menu.get_by_role("link", name=name, exact=True, include_hidden=True)
        if link.count() == 0:
            offered = menu.get_by_role("link", include_hidden=True).all_text_contents()
            raise AssertionError(
                f"{self.name} ({self.step}): the menu has no {name!r} on {self.page.url}, "
                f"only {[text.strip() for text in offered]}"
            )
        if not link.is_visible():
            menu.get_by_role("button", name=self.t("Menu")).click()
        self.click(link)

    def label(self, text):
        """A pattern for the accessible name of a control labelled `text` in this person's
        language: case aside (Django capitalises field names) and a required field's
        asterisk aside."""
        return re.compile(rf"^\s*{re.escape(self.t(text))}\s*\*?\s*$", re.IGNORECASE)

    def field(self, label):
        return self.page.get_by_label(self.label(label))

    def select(self, label, option):
        self.page.get_by_role("combobox", name=self.label(label)).select_option(label=option)

    def choose(self, group, option):
        """Tick the radio button or checkbox `option` in the question (fieldset) `group`."""
        self.page.get_by_role("group", name=self.label(group)).get_by_label(
            self.t(option), exact=True
        ).check()

    def button(self, name, **kwargs):
        return self.page.get_by_role("button", name=name, exact=True, **kwargs)

    def link(self, name, **kwargs):
        """A link in the page's content (menu links: see menu())."""
        return self.page.get_by_role("main").get_by_role("link", name=name, exact=True, **kwargs)

    def heading(self):
        return self.page.get_by_role("heading", level=1).inner_text().strip()

    def main_text(self):
        return self.page.locator("main").inner_text()

    def choose_language(self):
        """Bokmål is the default; an English reader presses the switch on the first page."""
        if self.language != "nb":
            self.click(self.page.locator(f"button[lang='{self.language}']"))
        assert self.page.get_attribute("html", "lang") == self.language

    def log_in(self, email, password, *, totp_secret=None):
        self.field("Email").fill(email)
        self.field("Password").fill(password)
        self.click(self.button(self.t("Sign In")))
        if totp_secret is not None:
            self.field("Code").fill(totp_code(totp_secret))
            self.click(self.button(self.t("Sign In")))
        assert self.button(self.t("My account"), include_hidden=True).count() == 1, (
            f"{self.name} is not signed in: {self.heading()!r}"
        )

    def download(self, link):
        with self.page.expect_download() as info:
            link.click()
        download = info.value
        return download.suggested_filename, download.path().read_bytes()


def totp_code(secret):
    """The code the authenticator app shows now. allauth accepts no clock drift, so a code
    from the last seconds of its 30-second window could expire on the way: wait for the
    next one instead."""
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.5)
    return factories.current_totp_code(secret)


def delivered_emails(to):
    """Send what the worker would send (every pending outbox message, in this process, into
    Django's test mailbox) and return the messages to `to`, oldest first."""
    for message_id in outbox.due_message_ids(now=timezone.now() + timedelta(days=1)):
        outbox.deliver_message(message_id)
    return [message for message in mail.outbox if to in message.to]


def links_in(message, base_url):
    return re.findall(re.escape(base_url) + r"[^\s\"'<>]*", message.body)
