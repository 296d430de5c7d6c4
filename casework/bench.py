"""The page benchmark behind `manage.py bench` (issue 14; docs/performance.md).

It times the main pages in process, through the whole middleware stack, on generated data
in a database of its own: the statements each page sends (deterministic) and its time
(noisy on a shared machine). The floor is a signed-in page with the layout and nothing
else; its URL exists only in this module's URL configuration, never in the project's.
It lives in casework, the app that already depends on the others, because core depends on
no app (tests/core/test_layering.py).
"""

import random
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, connections, transaction
from django.shortcuts import render
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path, reverse
from django.utils import timezone

FLOOR_PATH = "/__floor__/"
TRANSACTION_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def floor(request):
    return render(request, "base.html")


urlpatterns = [path(FLOOR_PATH.strip("/") + "/", floor), path("", include("erfaring.urls"))]


# --- The database -------------------------------------------------------------------------


@contextmanager
def scratch_database(name, *, keep=False):
    """A new database `name` (dropped first if it exists), migrated; the connection uses it
    until the block ends, then it is dropped unless `keep`. Django's test-database creation
    does exactly this, so it is used here too."""
    conn = connections["default"]
    original = conn.settings_dict["NAME"]
    conn.settings_dict.setdefault("TEST", {})["NAME"] = name
    conn.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield conn.settings_dict["NAME"]
    finally:
        conn.creation.destroy_test_db(original, verbosity=0, keepdb=keep)


@contextmanager
def existing_database(name):
    """The database `name` kept by an earlier run (`--keep`), used as it is."""
    conn = connections["default"]
    original = conn.settings_dict["NAME"]
    conn.close()
    conn.settings_dict["NAME"] = name
    try:
        yield name
    finally:
        conn.close()
        conn.settings_dict["NAME"] = original


# --- The data -----------------------------------------------------------------------------

CASES_PER_SIZE = 1000
MEMBERS_PER_SIZE = 300
MESSAGES_PER_CASE = 5
ADVISORS = 5
# Share of cases still active (new, open, waiting); the rest are resolved or closed, as in
# an organisation some years old.
ACTIVE_SHARE = 0.04
BATCH = 2000


@dataclass
class World:
    member: object
    advisor: object
    admin: object
    member_case: object
    advisor_case: object
    edition: object
    counts: dict = field(default_factory=dict)


def generate(size, *, stdout, publish=True):
    """Members, advisors, cases with their messages, an open survey edition and the
    statistics releases, for `size` thousand cases."""
    from casework.models import Case, Message
    from members import factories
    from members.management.commands.measure_exports import Command as MeasureExports
    from surveys import questionnaire

    started = time.perf_counter()
    MeasureExports()._generate(MEMBERS_PER_SIZE * size)
    member = factories.member_user(email="bench.member@example.org")
    advisors = [
        factories.advisor_user(email=f"bench.advisor{i}@example.org") for i in range(ADVISORS)
    ]
    for advisor in advisors:
        factories.with_totp(advisor)
    admin = factories.admin_user(email="bench.admin@example.org")
    factories.with_totp(admin)
    _cases(size * CASES_PER_SIZE, member=member, advisors=advisors)
    now = timezone.now()
    edition = questionnaire.build_edition(
        year=timezone.localdate().year,
        status="open",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )
    member_case = Case.objects.filter(member=member, status=Case.Status.OPEN).first()
    advisor_case = Case.objects.filter(assignee=advisors[0], status=Case.Status.OPEN).first()
    if connection.vendor == "postgresql":
        # As autovacuum would soon after a bulk load: without statistics the planner
        # takes the tables for small ones.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    stdout.write(
        f"  generated {Case.objects.count()} cases, {Message.objects.count()} messages, "
        f"{MEMBERS_PER_SIZE * size + 1} members in {time.perf_counter() - started:.0f} s"
    )
    if publish:
        from core import releases

        for kind in ("membership", "casework"):
            started = time.perf_counter()
            releases.publish(kind=kind)
            stdout.write(f"  published the {kind} release in {time.perf_counter() - started:.0f} s")
    return World(
        member=member,
        advisor=advisors[0],
        admin=admin,
        member_case=member_case,
        advisor_case=advisor_case,
        edition=edition,
    )


def world_in_database():
    """The World of data generated earlier (`generate`), found again by the same queries."""
    from casework.models import Case
    from members.models import User
    from surveys.models import Edition

    member = User.objects.get(email="bench.member@example.org")
    advisor = User.objects.get(email="bench.advisor0@example.org")
    return World(
        member=member,
        advisor=advisor,
        admin=User.objects.get(email="bench.admin@example.org"),
        member_case=Case.objects.filter(member=member, status=Case.Status.OPEN).first(),
        advisor_case=Case.objects.filter(assignee=advisor, status=Case.Status.OPEN).first(),
        edition=Edition.objects.get(year=timezone.localdate().year),
    )


def forget_earlier_runs(world):
    """Remove what earlier runs' POSTs wrote (the member's new cases, the replies beyond the
    generated messages), so that every run on a kept database times the same pages."""
    from casework.models import Case, Message

    generated = Message.objects.filter(case=world.advisor_case).order_by("created_at", "pk")
    keep = list(generated.values_list("pk", flat=True)[:MESSAGES_PER_CASE])
    Message.objects.filter(case=world.advisor_case).exclude(pk__in=keep).delete()
    Case.objects.filter(member=world.member, status=Case.Status.NEW).delete()


def _cases(count, *, member, advisors):
    """`count` cases over three years, a few of them the timed member's, each advisor with
    an equal share and most of it closed, and MESSAGES_PER_CASE messages each."""
    from casework.models import Case, Message, Topic
    from casework.services import strata_for

    rng = random.Random(count)
    topics = list(Topic.objects.all())
    now = timezone.now()
    strata = strata_for(member)
    kinds = [Case.RequesterKind.MEMBER] * 6 + list(Case.RequesterKind.values)
    active = [Case.Status.NEW, Case.Status.OPEN, Case.Status.WAITING]
    for offset in range(0, count, BATCH):
        batch = []
        for i in range(offset, min(offset + BATCH, count)):
            created = now - timedelta(minutes=rng.randint(60, 60 * 24 * 365 * 3))
            mine = i % 200 == 0
            if mine or rng.random() < ACTIVE_SHARE:
                status = Case.Status.OPEN if mine else rng.choice(active)
                closed_at, outcome = None, ""
            else:
                status = Case.Status.CLOSED
                closed_at, outcome = created + timedelta(days=rng.randint(5, 60)), "guidance_given"
            assignee = None if status == Case.Status.NEW else advisors[i % len(advisors)]
            batch.append(
                Case(
                    reference=f"E-{created.year}-B{i:07d}",
                    member=member if mine else None,
                    requester_kind=Case.RequesterKind.MEMBER if mine else rng.choice(kinds),
                    channel=Case.Channel.PORTAL if mine else rng.choice(Case.Channel.values),
                    contact_name="" if mine else f"Kontakt {i}",
                    contact_phone="" if mine else "+47 400 00 000",
                    description="Generert for ytelsesmålingen: rollen er uklar på arbeidsplassen.",
                    status=status,
                    outcome=outcome,
                    assignee=assignee,
                    created_at=created,
                    first_response_at=None
                    if status == Case.Status.NEW
                    else created + timedelta(hours=5),
                    closed_at=closed_at,
                    **(strata if mine else {}),
                )
            )
        with transaction.atomic():
            saved = Case.objects.bulk_create(batch)
            Case.topics.through.objects.bulk_create(
                Case.topics.through(case_id=case.pk, topic_id=topic.pk)
                for case in saved
                for topic in rng.sample(topics, rng.choice([1, 1, 2]))
            )
            Message.objects.bulk_create(
                _message(case, n, member=member, created=case.created_at + timedelta(hours=n))
                for case in saved
                for n in range(MESSAGES_PER_CASE)
            )


def _message(case, n, *, member, created):
    from casework.models import Message

    by_advisor = n % 2 == 1 or case.member_id is None
    return Message(
        case=case,
        author=case.assignee if by_advisor else member,
        kind=Message.Kind.INTERNAL_NOTE if by_advisor and n == 3 else Message.Kind.REPLY,
        sender=Message.Sender.ADVISOR if by_advisor else Message.Sender.MEMBER,
        body="Takk for meldingen. Vi ser på saken og kommer tilbake til deg.",
        created_at=created,
    )


# The password of the load-test accounts, which exist only in the kept scratch database.
LOAD_PASSWORD = "bench-load-passord-2026"  # noqa: S105


def load_accounts(world, *, members, advisors):
    """Accounts for the load test (bench/locustfile.py) with a known password: `members`
    members with an open case each, and `advisors` advisors with their TOTP secrets."""
    from django.contrib.auth.hashers import make_password

    from casework.models import Case, Topic
    from casework.services import request_guidance
    from members import factories

    password = make_password(LOAD_PASSWORD)
    accounts = {
        "password": LOAD_PASSWORD,
        "year": world.edition.year,
        "members": [],
        "advisors": [],
    }
    topic = Topic.objects.order_by("position").first()
    for i in range(members):
        user = factories.member_user(email=f"load.member{i}@example.org")
        type(user).objects.filter(pk=user.pk).update(password=password)
        request_guidance(
            member=user, topics=[topic], description="Generert: jeg trenger råd om rollen min."
        )
        accounts["members"].append({"email": user.email})
    # The advisors share the timed advisor's cases, active and closed.
    theirs = list(Case.objects.filter(assignee=world.advisor).values_list("pk", flat=True))
    for i in range(advisors):
        user = factories.advisor_user(email=f"load.advisor{i}@example.org")
        type(user).objects.filter(pk=user.pk).update(password=password)
        secret = factories.with_totp(user)
        Case.objects.filter(pk__in=theirs[i::advisors]).update(assignee=user)
        accounts["advisors"].append({"email": user.email, "totp_secret": secret})
    return accounts


# --- The pages ----------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    role: str
    url: str
    data: object = None  # a dict (or a callable giving one) makes it a POST

    @property
    def method(self):
        return "POST" if self.data is not None else "GET"


def pages(world):
    from casework.models import Topic

    topic = Topic.objects.order_by("position").first()
    year = world.edition.year
    counter = iter(range(10**9))
    return [
        Page("floor (member)", "member", FLOOR_PATH),
        Page("floor (advisor)", "advisor", FLOOR_PATH),
        Page("home (member)", "member", reverse("core:home")),
        Page("membership (member)", "member", reverse("members:profile")),
        Page("my cases", "member", reverse("casework:my-case-list")),
        Page(
            "my case",
            "member",
            reverse("casework:my-case-detail", kwargs={"pk": world.member_case.pk}),
        ),
        Page("survey page", "member", reverse("surveys:page", kwargs={"year": year, "number": 1})),
        Page(
            "guidance POST",
            "member",
            reverse("casework:request-guidance"),
            lambda: {
                "topics": [topic.pk],
                "description": f"Ingen stillingsbeskrivelse, jeg trenger råd ({next(counter)}).",
                "safe_contact": "",
            },
        ),
        Page("queue", "advisor", reverse("casework:queue") + "?status=active"),
        Page(
            "case detail",
            "advisor",
            reverse("casework:case-detail", kwargs={"pk": world.advisor_case.pk}),
        ),
        Page(
            "reply POST",
            "advisor",
            reverse("casework:case-message", kwargs={"pk": world.advisor_case.pk}),
            lambda: {"kind": "reply", "body": "Hei, vi ringer deg i morgen formiddag."},
        ),
        Page("membership statistics", "admin", reverse("members:statistics")),
        Page("casework statistics", "admin", reverse("casework:statistics")),
        Page(
            "membership export (csv)",
            "admin",
            reverse("members:statistics-export", kwargs={"fmt": "csv"}) + "?table=all",
        ),
        Page(
            "casework export (xlsx)",
            "admin",
            reverse("casework:statistics-export", kwargs={"fmt": "xlsx"}),
        ),
        Page("member list", "admin", reverse("members:member-list")),
    ]


@dataclass
class Result:
    page: Page
    times: list = field(default_factory=list)
    sql_times: list = field(default_factory=list)
    counts: list = field(default_factory=list)  # (statements, transaction statements) per round
    sql: list = field(default_factory=list)
    status: int = 0

    def row(self, floor_median):
        # The usual count: once a minute a page also renews the session (two more UPDATEs).
        statements, transactional = statistics.mode(self.counts)
        median = statistics.median(self.times) * 1000
        p95 = _percentile(self.times, 95) * 1000
        return {
            "page": self.page.label,
            "method": self.page.method,
            "status": self.status,
            "queries": statements,
            "tx": transactional,
            "median_ms": median,
            "p95_ms": p95,
            "sql_ms": statistics.median(self.sql_times) * 1000,
            "x_floor": median / floor_median if floor_median else 0,
        }


def _percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def production_like():
    """DEBUG off (templates without debug information), this module's URLs for the floor."""
    templates = [
        {**engine, "OPTIONS": {**engine["OPTIONS"], "debug": False}}
        for engine in settings.TEMPLATES
    ]
    return override_settings(DEBUG=False, TEMPLATES=templates, ROOT_URLCONF=__name__)


def measure(world, *, rounds, warmup=3):
    """Each page `warmup` times, then `rounds` rounds over all pages in turn (so drift on a
    shared machine spreads over every page alike). Returns one Result per page."""
    clients = {}
    for role in ("member", "advisor", "admin"):
        client = Client(raise_request_exception=True, HTTP_USER_AGENT="erfaring-bench")
        client.force_login(getattr(world, role))
        clients[role] = client
    # The member has agreed to take part in the survey, as before answering its first page.
    year = world.edition.year
    clients["member"].post(reverse("surveys:start", kwargs={"year": year}), {"consent": "on"})
    the_pages = pages(world)
    results = [Result(page) for page in the_pages]
    for _ in range(warmup):
        for page in the_pages:
            _follow(clients[page.role], _request(clients[page.role], page))
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
            result.sql = sql
            _follow(client, response)
    return results


def _follow(client, response):
    """Load the page a POST redirects to, untimed, as the browser would: it shows (and so
    removes from the session) the POST's confirmation, which the next timed page would
    otherwise pay for."""
    if response.status_code == 302 and response.request["REQUEST_METHOD"] == "POST":
        client.get(response["Location"])


def _request(client, page):
    if page.data is None:
        return client.get(page.url)
    data = page.data() if callable(page.data) else page.data
    return client.post(page.url, data)


def statements(results, width=110):
    """Each page's statements of its last round, shortened: what each page costs."""
    lines = []
    for result in results:
        lines.append(f"{result.page.label}:")
        lines.extend(f"    {' '.join(sql.split())[:width]}" for sql in result.sql)
    return "\n".join(lines)


def rows(results):
    floor_median = statistics.median(results[0].times) * 1000
    return [result.row(floor_median) for result in results]


def table(results):
    rows_ = rows(results)
    header = (
        f"{'page':<26} {'method':<6} {'status':>6} {'queries':>7} {'tx':>3} "
        f"{'median ms':>9} {'p95 ms':>7} {'SQL ms':>7} {'x floor':>7}"
    )
    lines = [header, "-" * len(header)]
    for row in rows_:
        lines.append(
            f"{row['page']:<26} {row['method']:<6} {row['status']:>6} {row['queries']:>7} "
            f"{row['tx']:>3} {row['median_ms']:>9.1f} {row['p95_ms']:>7.1f} "
            f"{row['sql_ms']:>7.1f} {row['x_floor']:>7.2f}"
        )
    return "\n".join(lines)
