"""Time django-helpdesk's pages in process, as Erfaring's casework/bench.py times the
portal's: Django's test Client with force_login, DEBUG and template debug off, one
CaptureQueriesContext per request, warm-up rounds, then rounds over all pages in turn;
median, p95, statements, BEGIN/COMMIT statements, SQL ms, and the median as a multiple of
the floor. The table's columns and the JSON rows are the portal's `table()` and `row()`.
"""

import re
import statistics
import time
from dataclasses import dataclass, field
from itertools import count
from urllib.parse import urlencode

from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from peerbench import data

TRANSACTION_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@dataclass
class Page:
    label: str
    role: str
    url: str
    data: object = None  # a dict (or a callable giving one) makes it a POST
    expect: tuple = (200,)

    @property
    def method(self):
        return "POST" if self.data is not None else "GET"


@dataclass
class Result:
    page: Page
    times: list = field(default_factory=list)
    sql_times: list = field(default_factory=list)
    counts: list = field(default_factory=list)  # (statements, transaction statements)
    sql: list = field(default_factory=list)
    status: int = 0
    statuses: set = field(default_factory=set)

    def row(self, floor_median):
        statements, transactional = statistics.mode(self.counts)
        median = statistics.median(self.times) * 1000
        return {
            "page": self.page.label,
            "method": self.page.method,
            "status": self.status,
            "queries": statements,
            "tx": transactional,
            "median_ms": median,
            "p95_ms": _percentile(self.times, 95) * 1000,
            "sql_ms": statistics.median(self.sql_times) * 1000,
            "x_floor": median / floor_median if floor_median else 0,
        }


@dataclass
class Summed:
    """A row that is the per-round sum of other rows (the list's shell + its rows)."""

    label: str
    parts: list

    def row(self, floor_median):
        rounds = len(self.parts[0].times)
        times = [sum(p.times[i] for p in self.parts) for i in range(rounds)]
        sql_times = [sum(p.sql_times[i] for p in self.parts) for i in range(rounds)]
        counts = [
            tuple(sum(c) for c in zip(*(p.counts[i] for p in self.parts), strict=True))
            for i in range(rounds)
        ]
        statements, transactional = statistics.mode(counts)
        median = statistics.median(times) * 1000
        return {
            "page": self.label,
            "method": "GET",
            "status": "+".join(str(p.status) for p in self.parts),
            "queries": statements,
            "tx": transactional,
            "median_ms": median,
            "p95_ms": _percentile(times, 95) * 1000,
            "sql_ms": statistics.median(sql_times) * 1000,
            "x_floor": median / floor_median if floor_median else 0,
        }


def _percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def production_like():
    templates = [
        {**engine, "OPTIONS": {**engine["OPTIONS"], "debug": False}}
        for engine in settings.TEMPLATES
    ]
    return override_settings(DEBUG=False, TEMPLATES=templates)


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
        Page("floor (staff)", "staff", reverse("floor")),
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


def measure(*, rounds, warmup=3, stdout=None):
    staff, member, ticket = data.world()
    data.reset_bench_writes(ticket)
    clients = {}
    for role, user in (("staff", staff), ("member", member)):
        client = Client(raise_request_exception=True, HTTP_USER_AGENT="peer-bench")
        client.force_login(user)
        clients[role] = client
    the_pages = pages(clients, staff=staff, ticket=ticket)
    results = [Result(page) for page in the_pages]
    for _ in range(warmup):
        for page in the_pages:
            response = _request(clients[page.role], page)
            _check(page, response)
            _follow(clients[page.role], response)
    for _ in range(rounds):
        for result in results:
            client = clients[result.page.role]
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = _request(client, result.page)
                elapsed = time.perf_counter() - started
            sql = [query["sql"] for query in captured.captured_queries]
            result.times.append(elapsed)
            result.sql_times.append(sum(float(q["time"]) for q in captured.captured_queries))
            transactional = sum(s.startswith(TRANSACTION_WORDS) for s in sql)
            result.counts.append((len(sql) - transactional, transactional))
            result.status = response.status_code
            result.statuses.add(response.status_code)
            result.sql = sql
            _check(result.page, response)
            _follow(client, response)
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


def _follow(client, response):
    """Load the page a POST redirects to, untimed, as a browser would."""
    if response.status_code == 302 and response.request["REQUEST_METHOD"] == "POST":
        client.get(response["Location"])


def _request(client, page):
    if page.data is None:
        return client.get(page.url)
    payload = page.data() if callable(page.data) else page.data
    return client.post(page.url, payload)


def rows(results):
    by_label = {r.page.label: r for r in results}
    floor_median = statistics.median(results[0].times) * 1000
    out = []
    for result in results:
        out.append(result.row(floor_median))
        if result.page.label == "ticket list: rows":
            summed = Summed(
                "ticket list: shell + rows",
                [by_label["ticket list: shell"], by_label["ticket list: rows"]],
            )
            out.append(summed.row(floor_median))
    return out


def table(row_list):
    header = (
        f"{'page':<26} {'method':<6} {'status':>7} {'queries':>7} {'tx':>3} "
        f"{'median ms':>9} {'p95 ms':>7} {'SQL ms':>7} {'x floor':>7}"
    )
    lines = [header, "-" * len(header)]
    for row in row_list:
        lines.append(
            f"{row['page']:<26} {row['method']:<6} {row['status']!s:>7} {row['queries']:>7} "
            f"{row['tx']:>3} {row['median_ms']:>9.1f} {row['p95_ms']:>7.1f} "
            f"{row['sql_ms']:>7.1f} {row['x_floor']:>7.2f}"
        )
    return "\n".join(lines)


def statements(results, width=110):
    lines = []
    for result in results:
        lines.append(f"{result.page.label}:")
        lines.extend(f"    {' '.join(sql.split())[:width]}" for sql in result.sql)
    return "\n".join(lines)
