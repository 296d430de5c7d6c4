"""Time protecting, auditing and storing statistics releases on generated data, and their
peak memory (development only; use a scratch database).

    createdb -h 127.0.0.1 -U postgres erfaring_release_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/erfaring_release_bench
    python manage.py migrate
    python manage.py measure_releases --members 50000 --cases 20000

Generates what is missing (members as measure_exports does, cases spread over three years),
publishes one release of each kind, changes 1 % of the members and adds a month of cases,
and publishes the next release, protected against the first.
"""

import random
import resource
import time
import tracemalloc
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.models import Case, Topic
from core import releases
from members.management.commands.measure_exports import Command as MeasureExports
from members.models import Membership, Profile
from members.regions import Region

BATCH = 2000


class Command(BaseCommand):
    help = "Generate members and cases and time two consecutive releases of each kind."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=50_000)
        parser.add_argument("--cases", type=int, default=20_000)

    def handle(self, *, members, cases, **options):
        if not settings.DEBUG:
            raise CommandError("measure_releases generates data: run it with DJANGO_DEBUG=1.")
        missing = members - Profile.objects.count()
        if missing > 0:
            MeasureExports()._generate(missing)
        if Case.objects.count() < cases:
            self._cases(cases - Case.objects.count(), timezone.now() - timedelta(days=30))
        self.stdout.write(
            f"current members: {Membership.objects.current().count()}, "
            f"cases: {Case.objects.count()}"
        )
        for kind in ("membership", "casework"):
            self._measure(kind, "first release")
        rng = random.Random(1)
        changed = list(Profile.objects.order_by("?")[: members // 100])
        for profile in changed:
            profile.union_member = rng.choice([True, False, None])
        Profile.objects.bulk_update(changed, ["union_member"])
        self._cases(cases // 36, timezone.now(), since=releases.previous_release("casework").as_of)
        for kind in ("membership", "casework"):
            self._measure(kind, "next release (1 % of members changed, a month of new cases)")
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"process max RSS: {maxrss:.0f} MiB")

    def _measure(self, kind, label):
        tracemalloc.start()
        started = time.perf_counter()
        release = releases.publish(kind=kind)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        hidden = sum(len(t["hidden"]) for t in release.audit["tables"])
        cells = sum(len(row) for t in release.data["tables"] for row in t["grid"])
        widths = [
            c["high"] - c["low"] if c["high"] is not None else float("inf")
            for t in release.audit["tables"]
            for c in t["hidden"]
        ]
        self.stdout.write(
            f"{release.label} ({label}): {len(release.data['tables'])} tables, {cells} cells, "
            f"{hidden} hidden, narrowest hidden interval {min(widths, default=float('inf')):g}; "
            f"count + protect + audit + store {elapsed:.1f} s, Python peak "
            f"{peak / 1024 / 1024:.1f} MiB"
        )

    def _cases(self, count, end, since=None):
        """`count` cases over the three years before `end`, or since `since` (new cases come
        after the last release: a closed month never gains a case)."""
        rng = random.Random(count)
        topics = list(Topic.objects.all())
        span = max(1, int((end - since).total_seconds() // 60)) if since else 60 * 24 * 365 * 3
        regions = [*Region.values, ""]
        employers = ["municipality", "specialist", "nav", "ngo_private", "other", ""]
        kinds = [Case.RequesterKind.MEMBER] * 6 + list(Case.RequesterKind.values)
        first = Case.objects.count()
        for offset in range(0, count, BATCH):
            batch = []
            for i in range(min(BATCH, count - offset)):
                created = end - timedelta(minutes=rng.randint(1, span))
                answered = rng.random() < 0.9
                batch.append(
                    Case(
                        reference=f"B{first + offset + i:09d}",
                        requester_kind=rng.choice(kinds),
                        channel=rng.choice(Case.Channel.values),
                        description="Generated for the release measurement.",
                        created_at=created,
                        first_response_at=(
                            created + timedelta(hours=rng.randint(1, 96)) if answered else None
                        ),
                        region=rng.choice(regions),
                        employer_type=rng.choice(employers),
                    )
                )
            created_cases = Case.objects.bulk_create(batch)
            links = [
                Case.topics.through(case_id=case.pk, topic_id=topic.pk)
                for case in created_cases
                for topic in rng.sample(topics, rng.choice([1, 1, 1, 2, 3]))
            ]
            Case.topics.through.objects.bulk_create(links)
