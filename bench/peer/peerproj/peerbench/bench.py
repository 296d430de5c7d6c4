"""Time django-helpdesk's pages in process, as Erfaring's casework/bench.py times the
portal's: Django's test Client with force_login, DEBUG and template debug off, one
CaptureQueriesContext per request, warm-up rounds, then rounds over all pages (a new order
each round);
median, p95, statements, BEGIN/COMMIT statements, SQL ms, and the median as a multiple of
the floor. The table's columns and the JSON rows are the portal's `table()` and `row()`.
"""

import re
from itertools import count
from urllib.parse import urlencode

from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from casework.benchkit import Page, production_like, statements, summed, table  # noqa: F401 (peer_bench uses them)
from casework.benchkit import measure as measure_pages
from casework.benchkit import rows as rows_of
from peerbench import data


def _form_fields(html, selector):
    """What a browser would post from the form `selector` on the page, untouched."""
    form = BeautifulSoup(html, "html.parser").select_one(selector)
    if form is None:
        raise RuntimeError(f"no form {selector!r} on the page")
    fields = {}
    for element in form.select("input, select, textarea"):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        if element.name == "input":
            kind = element.get("type", "text")
            if kind in ("checkbox", "radio") and not element.has_attr("checked"):
                continue
            if kind in ("file", "submit", "button"):
                continue
            default = "on" if kind in ("checkbox", "radio") else ""
            fields[name] = element.get("value", default)
        elif element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one("option")
            if chosen is not None:
                fields[name] = chosen.get("value", chosen.text)
        else:
            fields[name] = element.text
    return fields


def pages(clients, *, staff, ticket):
    """The pages, with the URLs and form fields taken from helpdesk's own pages (untimed)."""
    member = clients["member"]
    staff_client = clients["staff"]
    # The ticket list as the staff user opens it on their open tickets: open (and
    # reopened) tickets assigned to them or to nobody, helpdesk's default sort.
    shell_url = (
        reverse("helpdesk:list")
        + "?"
        + urlencode([("status", 1), ("status", 2), ("assigned_to", staff.pk), ("assigned_to", -1)])
    )
    shell = staff_client.get(shell_url)
    assert shell.status_code == 200, shell.status_code
    match = re.search(r'"url":\s*"([^"]*datatables_ticket_list/[^"]*)"', shell.content.decode())
    if match is None:
        raise RuntimeError("the ticket list has no datatables URL")
    # What DataTables (serverSide, order: [], pageLength 25) asks for on the first draw.
    rows_url = (
        match.group(1)
        + "?"
        + urlencode(
            {"draw": 1, "start": 0, "length": 25, "search[value]": "", "search[regex]": "false"}
        )
    )
    detail_url = reverse("helpdesk:view", kwargs={"ticket_id": ticket.pk})
    update_fields = _form_fields(
        staff_client.get(detail_url).content.decode(), "form#ticket-respond-form"
    )
    update_fields.pop("csrfmiddlewaretoken", None)
    submit_url = reverse("helpdesk:submit")
    submit_page = member.get(submit_url)
    assert submit_page.status_code == 200, submit_page.status_code
    submit_html = submit_page.content.decode()
    submit_fields = _form_fields(submit_html, "form[enctype='multipart/form-data']")
    submit_fields.pop("csrfmiddlewaretoken", None)
    # The member picks the first queue offered (the portal's guidance POST, its first topic).
    queue_id = next(
        option["value"]
        for option in BeautifulSoup(submit_html, "html.parser").select("select[name=queue] option")
        if option.get("value")
    )
    numbers = count()

    def followup():
        return {**update_fields, "comment": data.BENCH_COMMENT, "public": "1"}

    def submission():
        return {
            **submit_fields,
            "queue": queue_id,
            "title": f"{data.BENCH_TITLE_PREFIX}ingen stillingsbeskrivelse ({next(numbers)})",
            "body": "Ingen stillingsbeskrivelse, jeg trenger råd.",
        }

    return [
        Page("floor (staff)", "staff", reverse("floor"), floor=True),
        Page("ticket list: shell", "staff", shell_url),
        Page("ticket list: rows", "staff", rows_url),
        Page("ticket detail", "staff", detail_url),
        Page(
            "followup POST",
            "staff",
            reverse("helpdesk:update", kwargs={"ticket_id": ticket.pk}),
            followup,
            (302,),
        ),
        Page("submit POST (member)", "member", submit_url, submission, (302,)),
        Page("dashboard", "staff", reverse("helpdesk:dashboard")),
        Page("reports index", "staff", reverse("helpdesk:report_index")),
        Page(
            "report user by status",
            "staff",
            reverse("helpdesk:run_report", kwargs={"report": "userstatus"}),
        ),
    ]


def measure(*, rounds, warmup=3):
    staff, member, ticket = data.world()
    data.reset_bench_writes(ticket)
    clients = {}
    for role, user in (("staff", staff), ("member", member)):
        client = Client(raise_request_exception=True, HTTP_USER_AGENT="peer-bench")
        client.force_login(user)
        clients[role] = client
    the_pages = pages(clients, staff=staff, ticket=ticket)
    results = measure_pages(clients, the_pages, rounds=rounds, warmup=warmup, check=_check)
    return results, ticket


def _check(page, response):
    """A redirect to the login page or any unexpected status means the measurement is
    wrong: stop rather than time it."""
    location = response.get("Location", "")
    if response.status_code not in page.expect or "login" in location:
        raise RuntimeError(
            f"{page.label}: {page.method} {page.url} answered {response.status_code} "
            f"{location} (expected {page.expect})"
        )


def rows(results):
    """The portal's rows, and after the list's rows their sum with the list's shell."""
    by_label = {result.label: result for result in results}
    shell_and_rows = summed(
        "ticket list: shell + rows", [by_label["ticket list: shell"], by_label["ticket list: rows"]]
    )
    ordered = []
    for result in results:
        ordered.append(result)
        if result.label == "ticket list: rows":
            ordered.append(shell_and_rows)
    return rows_of(ordered)
