"""The page benchmark behind `manage.py bench` (issue 14; docs/performance.md).

It times the main pages in process, through the whole middleware stack, on generated data
in a database of its own: the statements each page sends (deterministic) and its time
(noisy on a shared machine). The floor is a signed-in page with the layout and nothing
else; its URL exists only in this module's URL configuration, never in the project's.
It lives in casework, the app that already depends on the others, because core depends on
no app (tests/core/test_layering.py).
"""

import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, connections, transaction
from django.shortcuts import render
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone

from . import benchkit

FLOOR_PATH = "/__floor__/"


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
        # As autovacuum would soon after a bulk load (it vacuums after inserts too): without
        # statistics the planner takes the tables for small ones, and without the
        # visibility map an index-only scan reads the table after all.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
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
    if connection.vendor == "postgresql":
        # The deleted cases were new, so still in the queue's partial index: until a vacuum
        # the queue's count steps over their dead entries too (a kept database run 30 times
        # doubled them), and every run would start slower than the one before.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) casework_case, casework_case_topics, casework_message")


def _cases(count, *, member, advisors):
    """`count` cases over three years, a few of them the timed member's, each advisor with
    an equal share and most of it closed, and MESSAGES_PER_CASE messages each."""
    from casework.models import Case, Message, Topic
    from casework.services import strata_for

    rng = random.Random(count)
    topics = list(Topic.objects.all())
    strata = strata_for(member)
    kinds = [Case.RequesterKind.MEMBER] * 6 + list(Case.RequesterKind.values)
    for shapes in benchkit.batches(benchkit.case_shapes(count, now=timezone.now()), BATCH):
        batch = []
        for shape in shapes:
            i, created, mine = shape.number, shape.created, shape.mine
            status = Case.Status(shape.state)
            if shape.closed_after is None:
                closed_at, outcome = None, ""
            else:
                closed_at, outcome = created + shape.closed_after, "guidance_given"
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


def pages(world):
    from casework.models import Topic

    topic = Topic.objects.order_by("position").first()
    year = world.edition.year
    counter = iter(range(10**9))
    return [
        benchkit.Page("floor (member)", "member", FLOOR_PATH, floor=True),
        benchkit.Page("floor (advisor)", "advisor", FLOOR_PATH, floor=True),
        benchkit.Page("floor (admin)", "admin", FLOOR_PATH, floor=True),
        benchkit.Page("home (member)", "member", reverse("core:home")),
        benchkit.Page("membership (member)", "member", reverse("members:profile")),
        benchkit.Page("my cases", "member", reverse("casework:my-case-list")),
        benchkit.Page(
            "my case",
            "member",
            reverse("casework:my-case-detail", kwargs={"pk": world.member_case.pk}),
        ),
        benchkit.Page(
            "survey page", "member", reverse("surveys:page", kwargs={"year": year, "number": 1})
        ),
        benchkit.Page(
            "guidance POST",
            "member",
            reverse("casework:request-guidance"),
            lambda: {
                "topics": [topic.pk],
                "description": f"Ingen stillingsbeskrivelse, jeg trenger råd ({next(counter)}).",
                "safe_contact": "",
            },
        ),
        benchkit.Page("queue", "advisor", reverse("casework:queue") + "?status=active"),
        benchkit.Page(
            "case detail",
            "advisor",
            reverse("casework:case-detail", kwargs={"pk": world.advisor_case.pk}),
        ),
        benchkit.Page(
            "reply POST",
            "advisor",
            reverse("casework:case-message", kwargs={"pk": world.advisor_case.pk}),
            lambda: {"kind": "reply", "body": "Hei, vi ringer deg i morgen formiddag."},
        ),
        benchkit.Page("membership statistics", "admin", reverse("members:statistics")),
        benchkit.Page("casework statistics", "admin", reverse("casework:statistics")),
        benchkit.Page(
            "membership export (csv)",
            "admin",
            reverse("members:statistics-export", kwargs={"fmt": "csv"}) + "?table=all",
        ),
        benchkit.Page(
            "casework export (xlsx)",
            "admin",
            reverse("casework:statistics-export", kwargs={"fmt": "xlsx"}),
        ),
        benchkit.Page("member list", "admin", reverse("members:member-list")),
    ]


def production_like():
    """DEBUG off, and this module's URLs for the floor."""
    return benchkit.production_like(urlconf=__name__)


def measure(world, *, rounds, warmup=3):
    """The member, the advisor and the admin signed in; each page through
    casework.benchkit. Returns one Result per page."""
    clients = {}
    for role in ("member", "advisor", "admin"):
        client = Client(raise_request_exception=True, HTTP_USER_AGENT="erfaring-bench")
        client.force_login(getattr(world, role))
        clients[role] = client
    # The member has agreed to take part in the survey, as before answering its first page.
    year = world.edition.year
    clients["member"].post(reverse("surveys:start", kwargs={"year": year}), {"consent": "on"})
    return benchkit.measure(clients, pages(world), rounds=rounds, warmup=warmup)
