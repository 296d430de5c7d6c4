"""Issue 13 in a real browser, on the demo data (`seed_demo`), through the UI only.

The admin gives a demo member the advisor role on the roles page; the lead advisor lists
everyone's cases, reassigns a colleague's case and opens the workload page; the demo member
sends a message with a PDF and the advisor downloads it; the advisor marks an absence with a
colleague as cover, and the cover finds the advisor's case in their queue; an anonymous
visitor asks from the home page, the advisor answers, and the visitor reads the answer with
the reference and the secret code. Bokmål, desktop window; axe-core on every page reached.
"""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from casework import demo as casework_demo
from casework.models import Attachment, Case
from members import demo as members_demo
from members import factories

from .conftest import ARTEFACTS, DESKTOP
from .journey import Audit, Person

pytestmark = pytest.mark.slow

PASSWORD = factories.DEFAULT_PASSWORD
SECRET = factories.DEMO_TOTP_SECRET
COVER = "kollega.vest@erfaring.example"
PAYSLIP = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ANSWER = "Du kan trygt ta dette opp med tillitsvalgt; vi kan være med i møtet."


@pytest.fixture
def demo_data(transactional_db, settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise (published demo passwords)
    call_command("seed_demo")
    settings.DEBUG = False


def test_staff_do_issue_13_on_the_demo_data(
    browser_pages, live_server, settings, demo_data, tmp_path
):
    settings.SITE_URL = live_server.url
    audit = Audit(language="nb", viewport=DESKTOP)

    def person(name):
        return Person(name, browser_pages.open(name), audit=audit, language="nb")

    try:
        admin_gives_a_role(person("admin"))
        lead_reassigns_and_sees_workload(person("lead"))
        advisor = person("advisor")
        member_sends_a_file_the_advisor_downloads(person("member"), advisor, tmp_path)
        advisor_marks_absence_and_cover_sees_the_case(advisor, person("cover"))
        anonymous_visitor_asks_and_reads_the_answer(person("visitor"), advisor)
    finally:
        audit.write(ARTEFACTS / "axe-nb-staff-issue13.json")

    violations, overflows = audit.blocking_violations(), audit.sideways_scrolling()
    assert not violations, "axe-core: serious or critical violations:\n" + "\n".join(violations)
    assert not overflows, "Pages that scroll sideways:\n" + "\n".join(overflows)


def log_in(someone, email, *, totp=True):
    someone.step = "logs in"
    someone.open("/")
    someone.follow(someone.t("Log in"))
    someone.log_in(email, PASSWORD, totp_secret=SECRET if totp else None)


def admin_gives_a_role(admin):
    t = admin.t
    log_in(admin, members_demo.DEMO_ADMIN)
    admin.step = "gives a demo member the advisor role"
    admin.menu(t("Roles"))
    if "/reauthenticate/" in admin.page.url:
        # Giving a role asks for the password again (allauth reauthentication).
        admin.field("Password").fill(PASSWORD)
        admin.click(admin.button(t("Confirm")))
    admin.field("Email address of the account").fill("demo.medlem001@erfaring.example")
    admin.select("Role", t("Advisor"))
    admin.click(admin.button(t("Give the role")))
    assert "demo.medlem001@erfaring.example" in admin.main_text()


def _filter_assigned_to(someone, option):
    someone.select("Assigned to", option)
    someone.click(someone.button(someone.t("Filter")))


def _find(someone, reference):
    someone.menu(someone.t("Case queue"))
    someone.field("Case reference").fill(reference)
    someone.click(someone.button(someone.t("Find the case")))
    assert reference in someone.heading()


def lead_reassigns_and_sees_workload(lead):
    t = lead.t
    nora = (
        Case.objects.filter(assignee__email="kollega.nord@erfaring.example", restricted=False)
        .exclude(status=Case.Status.CLOSED)
        .first()
    )
    log_in(lead, casework_demo.DEMO_LEAD)
    lead.step = "lists every case that is not restricted"
    lead.menu(t("Case queue"))
    _filter_assigned_to(lead, t("Everyone (all cases that are not restricted)"))
    assert "assignee=all" in lead.page.url
    assert "Nora Nordby" in lead.main_text()

    lead.step = "reassigns a colleague's case"
    _find(lead, nora.reference)
    lead.select("Assign to", "Vegard Vestre")
    lead.click(lead.button(t("Assign")))
    nora.refresh_from_db()
    assert nora.assignee.email == COVER

    lead.step = "sees the workload"
    lead.menu(t("Workload"))
    assert "Vegard Vestre" in lead.main_text()


def member_sends_a_file_the_advisor_downloads(member, advisor, tmp_path):
    t = member.t
    log_in(member, members_demo.DEMO_MEMBER, totp=False)
    member.step = "sends a message with a pay slip"
    member.menu(t("My cases"))
    case = Case.objects.filter(
        member__email=members_demo.DEMO_MEMBER, assignee__isnull=False
    ).first()
    member.follow(case.reference)
    member.field("Your reply").fill("Her er lønnsslippen for mars.")
    payslip = tmp_path / "Lønnsslipp mars.pdf"
    payslip.write_bytes(PAYSLIP)
    member.page.get_by_label(re.compile(t("Attach files"))).set_input_files(str(payslip))
    member.click(member.button(t("Send reply")))
    assert t("Your reply has been sent.") in member.main_text()
    assert "Lønnsslipp mars.pdf" in member.main_text()

    log_in(advisor, members_demo.DEMO_ADVISOR)
    advisor.step = "downloads the member's file"
    _find(advisor, case.reference)
    name, body = advisor.download(advisor.link("Lønnsslipp mars.pdf"))
    assert name == "Lønnsslipp mars.pdf"
    assert body == PAYSLIP
    assert Attachment.objects.filter(message__case=case).count() == 2


def advisor_marks_absence_and_cover_sees_the_case(advisor, cover):
    t = advisor.t
    advisor.step = "marks an absence with a cover"
    advisor.menu(t("Case queue"))
    advisor.follow(t("Absences"))
    today = timezone.localdate()
    advisor.select("Covered by", "Vegard Vestre")
    advisor.field("From").fill(today.isoformat())
    advisor.field("To and including").fill(today.isoformat())
    advisor.click(advisor.button(t("Mark the absence")))
    assert t("Absence marked; the cover has been told by email.") in advisor.main_text()

    shared = (
        Case.objects.filter(assignee__email=members_demo.DEMO_ADVISOR, restricted=False)
        .exclude(status=Case.Status.CLOSED)
        .first()
    )
    log_in(cover, COVER)
    cover.step = "sees the absent advisor's case"
    cover.menu(t("Case queue"))
    _filter_assigned_to(cover, t("Colleagues I cover for"))
    assert "Rune Rådgiver" in cover.main_text()
    _find(cover, shared.reference)


def anonymous_visitor_asks_and_reads_the_answer(visitor, advisor):
    t = visitor.t
    visitor.step = "asks anonymously from the home page"
    visitor.open("/")
    visitor.follow(t("Ask anonymously"))
    visitor.page.locator("input[name=topics]").nth(1).check()
    visitor.field("Describe your situation").fill(
        "Jeg får assistentlønn selv om jeg ble lovet fagarbeiderlønn, og tør ikke si fra."
    )
    visitor.click(visitor.button(t("Send inquiry")))
    reference = visitor.page.get_by_test_id("anonymous-reference").inner_text().strip()
    secret = visitor.page.get_by_test_id("anonymous-secret").inner_text().strip()

    advisor.step = "answers the anonymous inquiry"
    _find(advisor, reference)
    assert t("Anonymous") in advisor.main_text()
    advisor.field("Message").fill(ANSWER)
    advisor.click(advisor.button(t("Send to the requester")))

    visitor.step = "reads the answer with the secret code"
    visitor.follow(t("Check your anonymous inquiry"))
    visitor.field("Case reference").fill(reference)
    visitor.field("Secret code").fill(secret)
    visitor.click(visitor.button(t("Open the inquiry")))
    assert reference in visitor.heading()
    assert ANSWER in visitor.main_text()
