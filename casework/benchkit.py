"""The timing harness of `manage.py bench` (casework/bench.py), shared with the
django-helpdesk peer (bench/peer/), so both are measured by the same code: Django's test
client through the whole middleware stack, DEBUG and template debug off, one
CaptureQueriesContext per request, warm-up rounds, then rounds over all pages, each round
in a new order (so drift on the machine, and what a page leaves in the processor's caches,
falls on every page alike). Imports Django only, no app.
"""

import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

TRANSACTION_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


# --- The history both sides generate -----------------------------------------------------

# Share of cases still active; the rest are closed, as in an organisation some years old.
ACTIVE_SHARE = 0.04
ACTIVE_STATES = ("new", "open", "waiting")


@dataclass(frozen=True)
class Shape:
    number: int
    created: datetime
    mine: bool  # the timed member's (one case in 200; always open)
    state: str  # one of ACTIVE_STATES, or "closed"
    closed_after: timedelta | None


def case_shapes(count, *, now):
    """The cases (tickets) both benchmarks generate, alike: `count` over three years, one in
    200 the timed member's, 4 % of the others still active, the rest closed 5 to 60 days
    after they came in."""
    rng = random.Random(count)
    for number in range(count):
        created = now - timedelta(minutes=rng.randint(60, 60 * 24 * 365 * 3))
        mine = number % 200 == 0
        if mine or rng.random() < ACTIVE_SHARE:
            state = "open" if mine else rng.choice(ACTIVE_STATES)
            yield Shape(number, created, mine, state, None)
        else:
            yield Shape(number, created, mine, "closed", timedelta(days=rng.randint(5, 60)))


def batches(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- The measurement ---------------------------------------------------------------------


@dataclass
class Page:
    label: str
    role: str
    url: str
    data: object = None  # a dict (or a callable giving one) makes it a POST
    expect: tuple = (200,)  # checked only when measure() is given a check
    floor: bool = False  # the layout and nothing else, for this role

    @property
    def method(self):
        return "POST" if self.data is not None else "GET"


@dataclass
class Result:
    page: Page
    times: list = field(default_factory=list)
    sql_times: list = field(default_factory=list)
    counts: list = field(default_factory=list)  # (statements, transaction statements) per round
    sql: list = field(default_factory=list)
    status: object = 0

    @property
    def label(self):
        return self.page.label

    @property
    def method(self):
        return self.page.method

    def row(self, floor_median, own_floor_median=None):
        # The usual count: once a minute a portal page also renews the session.
        statements, transactional = statistics.mode(self.counts)
        median = statistics.median(self.times) * 1000
        own_floor_median = own_floor_median or floor_median
        return {
            "page": self.label,
            "method": self.method,
            "status": self.status,
            "queries": statements,
            "tx": transactional,
            "median_ms": median,
            "p95_ms": percentile(self.times, 95) * 1000,
            "sql_ms": statistics.median(self.sql_times) * 1000,
            "x_floor": median / floor_median if floor_median else 0,
            "x_own_floor": median / own_floor_median if own_floor_median else 0,
        }


def summed(label, parts):
    """A Result whose every round is the sum of `parts`' rounds (a list page's shell and
    the rows it fetches)."""
    result = Result(Page(label, parts[0].page.role, ""))
    result.times = [sum(times) for times in zip(*(p.times for p in parts), strict=True)]
    result.sql_times = [sum(times) for times in zip(*(p.sql_times for p in parts), strict=True)]
    result.counts = [
        tuple(sum(column) for column in zip(*counts, strict=True))
        for counts in zip(*(p.counts for p in parts), strict=True)
    ]
    result.status = "+".join(str(p.status) for p in parts)
    return result


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def production_like(urlconf=None):
    """DEBUG off (templates without debug information); `urlconf` for a floor page."""
    templates = [
        {**engine, "OPTIONS": {**engine.get("OPTIONS", {}), "debug": False}}
        if engine["BACKEND"].endswith("DjangoTemplates")
        else engine
        for engine in settings.TEMPLATES
    ]
    extra = {"ROOT_URLCONF": urlconf} if urlconf else {}
    return override_settings(DEBUG=False, TEMPLATES=templates, **extra)


def measure(clients, pages, *, rounds, warmup=3, check=None, seed=14):
    """Each page `warmup` times, then `rounds` rounds over all pages, each request by
    `clients[page.role]`. `check(page, response)` may refuse a response (a redirect to the
    login page is no measurement). Returns one Result per page.

    Each round takes the pages in a new order (seeded, so runs repeat): a page is slower
    after a large one (the processor's caches hold the other page's data), and in a fixed
    order the same page would always pay for it, the floor included."""
    results = [Result(page) for page in pages]
    for _ in range(warmup):
        for page in pages:
            response = request(clients[page.role], page)
            if check:
                check(page, response)
            follow(clients[page.role], response)
    order = list(results)
    shuffle = random.Random(seed).shuffle
    for _ in range(rounds):
        shuffle(order)
        for result in order:
            client = clients[result.page.role]
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = request(client, result.page)
                elapsed = time.perf_counter() - started
            sql = [query["sql"] for query in captured.captured_queries]
            result.times.append(elapsed)
            result.sql_times.append(sum(float(q["time"]) for q in captured.captured_queries))
            transactional = sum(s.startswith(TRANSACTION_WORDS) for s in sql)
            result.counts.append((len(sql) - transactional, transactional))
            result.status = response.status_code
            result.sql = sql
            if check:
                check(result.page, response)
            follow(client, response)
    return results


def follow(client, response):
    """Load the page a POST redirects to, untimed, as the browser would: it shows (and so
    removes from the session) the POST's confirmation, which the next timed page would
    otherwise pay for."""
    if response.status_code == 302 and response.request["REQUEST_METHOD"] == "POST":
        client.get(response["Location"])


def request(client, page):
    if page.data is None:
        return client.get(page.url)
    data = page.data() if callable(page.data) else page.data
    return client.post(page.url, data)


def rows(results):
    """The table's rows as dicts (also written as JSON). "x floor" is over the first result
    (the member's floor); "x own" over the floor of the page's role where there is one: a
    staff layout has more to show (its menu, the MFA state) than a member's, and a staff
    page pays for that layout, not for the member's."""
    floor_median = statistics.median(results[0].times) * 1000
    own = {
        result.page.role: statistics.median(result.times) * 1000
        for result in results
        if result.page.floor
    }
    return [result.row(floor_median, own.get(result.page.role)) for result in results]


def table(row_list):
    header = (
        f"{'page':<26} {'method':<6} {'status':>7} {'queries':>7} {'tx':>3} "
        f"{'median ms':>9} {'p95 ms':>7} {'SQL ms':>7} {'x floor':>7} {'x own':>6}"
    )
    lines = [header, "-" * len(header)]
    for row in row_list:
        lines.append(
            f"{row['page']:<26} {row['method']:<6} {row['status']!s:>7} {row['queries']:>7} "
            f"{row['tx']:>3} {row['median_ms']:>9.1f} {row['p95_ms']:>7.1f} "
            f"{row['sql_ms']:>7.1f} {row['x_floor']:>7.2f} {row['x_own_floor']:>6.2f}"
        )
    return "\n".join(lines)


def statements(results, width=110):
    """Each page's statements of its last round, shortened: what each page costs."""
    lines = []
    for result in results:
        lines.append(f"{result.label}:")
        lines.extend(f"    {' '.join(sql.split())[:width]}" for sql in result.sql)
    return "\n".join(lines)
