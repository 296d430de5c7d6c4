"""The generated data: django-helpdesk's models filled the way Erfaring's casework/bench.py
`_cases` fills the portal's (N x 1,000 cases over three years, 4 % still active, five
advisors with an equal share, five messages per case, every 200th case the timed member's).
"""

import random
import time
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from helpdesk.models import FollowUp, Queue, Ticket, TicketChange

from casework.benchkit import batches, case_shapes

TICKETS_PER_SIZE = 1000
FOLLOWUPS_PER_TICKET = 5
STAFF = 5
BATCH = 2000
PASSWORD = "peer-bench-passord-2026"  # noqa: S105 (only in this scratch database)

STAFF_EMAIL = "peer.staff{}@example.org"
MEMBER_EMAIL = "peer.member@example.org"
QUEUES = [
    ("Arbeidsforhold", "arbeid"),
    ("Lønn og tariff", "lonn"),
    ("Rolle og ansvar", "rolle"),
]
# Titles of tickets the benchmark's submit POST creates, removed before each run.
BENCH_TITLE_PREFIX = "Bench: "
# Comment of the benchmark's follow-up POST, removed before each run.
BENCH_COMMENT = "Hei, vi ringer deg i morgen formiddag."


@contextmanager
def own_timestamps():
    """Ticket.created is auto_now_add and Ticket.modified auto_now: switched off while
    generating, so the tickets get their dates spread over three years."""
    created = Ticket._meta.get_field("created")
    modified = Ticket._meta.get_field("modified")
    saved = created.auto_now_add, modified.auto_now
    created.auto_now_add, modified.auto_now = False, False
    try:
        yield
    finally:
        created.auto_now_add, modified.auto_now = saved


def wipe(stdout):
    """Everything a previous generation made (tickets, follow-ups, queues, the users)."""
    User = get_user_model()
    with transaction.atomic():
        TicketChange.objects.all().delete()
        # Raw truncation: deleting 100,000 follow-ups through the ORM collector is slow.
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE helpdesk_followupattachment, helpdesk_ticketchange, "
                "helpdesk_followup, helpdesk_ticketcc, helpdesk_ticketcustomfieldvalue, "
                "helpdesk_ticketdependency, helpdesk_ticket, helpdesk_queue, "
                "django_session CASCADE"
            )
        User.objects.filter(email__startswith="peer.").delete()
        # Queue.save() creates a queue_access_<slug> permission; the truncation bypassed
        # Queue.delete(), which would have removed it.
        from django.contrib.auth.models import Permission

        Permission.objects.filter(codename__startswith="queue_access_").delete()


def generate(size, *, stdout):
    User = get_user_model()
    started = time.perf_counter()
    wipe(stdout)
    member = User.objects.create_user(
        username="peer.member",
        email=MEMBER_EMAIL,
        password=PASSWORD,
        first_name="Mina",
        last_name="Medlem",
    )
    staff = [
        User.objects.create_user(
            username=f"peer.staff{i}",
            email=STAFF_EMAIL.format(i),
            password=PASSWORD,
            first_name=f"Rådgiver{i}",
            last_name="Bench",
            is_staff=True,
        )
        for i in range(STAFF)
    ]
    queues = [
        Queue.objects.create(
            title=title,
            slug=slug,
            email_address=f"{slug}@example.org",
            allow_public_submission=True,
        )
        for title, slug in QUEUES
    ]
    counts = _tickets(size * TICKETS_PER_SIZE, member=member, staff=staff, queues=queues)
    elapsed = time.perf_counter() - started
    stdout.write(
        f"  generated {Ticket.objects.count()} tickets ({counts['open']} open, "
        f"{counts['closed']} closed), {FollowUp.objects.count()} follow-ups, "
        f"{len(queues)} queues, {len(staff)} staff + 1 member in {elapsed:.1f} s"
    )
    # As the portal's generator (casework/bench.py): what autovacuum would soon do.
    # VACUUM runs outside a transaction.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return elapsed


def _tickets(count, *, member, staff, queues):
    rng = random.Random(count)
    # The portal's history (casework.benchkit.case_shapes); helpdesk has one "Open" (plus
    # "Reopened"): the portal's NEW is an open unassigned ticket, WAITING an open one put
    # on hold.
    counts = {"open": 0, "closed": 0}
    with own_timestamps():
        for shapes in batches(case_shapes(count, now=timezone.now()), BATCH):
            batch = []
            for shape in shapes:
                i, created, mine, kind = shape.number, shape.created, shape.mine, shape.state
                if shape.closed_after is None:
                    status, resolution = Ticket.OPEN_STATUS, None
                    modified = created + timedelta(hours=FOLLOWUPS_PER_TICKET - 1)
                    counts["open"] += 1
                else:
                    status = Ticket.CLOSED_STATUS
                    resolution = "Veiledning gitt."
                    modified = created + shape.closed_after
                    counts["closed"] += 1
                assignee = None if kind == "new" else staff[i % len(staff)]
                reference = f"E-{created.year}-B{i:07d}"
                batch.append(
                    Ticket(
                        title=f"{reference} Rollen er uklar",
                        queue=rng.choice(queues),
                        created=created,
                        modified=modified,
                        submitter_email=MEMBER_EMAIL if mine else f"kontakt{i}@example.org",
                        assigned_to=assignee,
                        status=status,
                        on_hold=kind == "waiting",
                        description=(
                            "Generert for ytelsesmålingen: rollen er uklar på arbeidsplassen."
                        ),
                        resolution=resolution,
                        priority=3,
                    )
                )
            with transaction.atomic():
                saved = Ticket.objects.bulk_create(batch)
                FollowUp.objects.bulk_create(
                    _followup(ticket, n, member=member, mine=ticket.submitter_email == MEMBER_EMAIL)
                    for ticket in saved
                    for n in range(FOLLOWUPS_PER_TICKET)
                )
    return counts


def _followup(ticket, n, *, member, mine):
    # As the portal's _message: odd messages (and all of a case without a member) are the
    # advisor's, the fourth one an internal note (helpdesk: a non-public follow-up).
    by_staff = n % 2 == 1 or not mine
    return FollowUp(
        ticket=ticket,
        date=ticket.created + timedelta(hours=n),
        title="Ticket Opened" if n == 0 else "Comment",
        comment="Takk for meldingen. Vi ser på saken og kommer tilbake til deg.",
        public=not (by_staff and n == 3),
        user=ticket.assigned_to if by_staff else member,
    )


def world():
    """The timed accounts and objects, from the generated data."""
    User = get_user_model()
    staff = User.objects.get(email=STAFF_EMAIL.format(0))
    member = User.objects.get(email=MEMBER_EMAIL)
    ticket = (
        Ticket.objects.filter(assigned_to=staff, status=Ticket.OPEN_STATUS, on_hold=False)
        .order_by("id")
        .first()
    )
    return staff, member, ticket


def reset_bench_writes(ticket):
    """Undo what earlier benchmark runs wrote, so every run starts from the same state: the
    follow-ups posted on the timed ticket and the tickets the submit POST created."""
    FollowUp.objects.filter(ticket=ticket, comment=BENCH_COMMENT).delete()
    Ticket.objects.filter(title__startswith=BENCH_TITLE_PREFIX).delete()
    with own_timestamps():
        last = ticket.followup_set.order_by("-date").first()
        Ticket.objects.filter(pk=ticket.pk).update(modified=last.date)
    # As the portal's bench does after undoing its writes: no run reads the last one's dead rows.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) helpdesk_ticket, helpdesk_followup")
