"""Time the membership statistics exports over many generated members, and their peak memory.

Meant for a scratch database: it refuses to add people to a database that has users unless
--reuse is given (then it measures what is there, having generated them before).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/erfaring_scratch \\
        python manage.py migrate && python manage.py measure_exports --members 50000
"""

import random
import resource
import time
import tracemalloc
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from core import disclosure, releases
from members import reports
from members.factories import random_profile
from members.models import Membership, Municipality, Profile

BATCH = 5000


class Command(BaseCommand):
    help = "Generate members in a scratch database and time the CSV and XLSX exports."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=50_000)
        parser.add_argument("--reuse", action="store_true", help="Measure the existing rows.")
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *, members, reuse, repeat, **options):
        users = get_user_model().objects
        if users.exists() and not reuse:
            raise CommandError("The database has users; use a scratch database (or --reuse).")
        if not reuse:
            started = time.perf_counter()
            self._generate(members)
            self.stdout.write(
                f"generated {members} members in {time.perf_counter() - started:.1f} s"
            )
        self.stdout.write(
            f"database: {connection.vendor}, profiles: {Profile.objects.count()}, "
            f"current members: {Membership.objects.current().count()}"
        )
        for label, build in (
            ("every table of the release", self._all_tables),
            ("county x employer type", self._cross_table),
        ):
            for fmt, export in (
                ("csv", disclosure.csv_response),
                ("xlsx", disclosure.xlsx_response),
            ):
                timings = []
                for _ in range(repeat):
                    tracemalloc.start()
                    started = time.perf_counter()
                    response = export(build(), filename=f"x.{fmt}")
                    size = sum(len(chunk) for chunk in response.streaming_content)
                    timings.append(time.perf_counter() - started)
                    _, peak = tracemalloc.get_traced_memory()
                    tracemalloc.stop()
                self.stdout.write(
                    f"{label} {fmt}: best {min(timings) * 1000:.0f} ms, "
                    f"median {sorted(timings)[len(timings) // 2] * 1000:.0f} ms, "
                    f"{size} bytes, Python peak {peak / 1024 / 1024:.1f} MiB"
                )
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"process max RSS: {maxrss:.0f} MiB")

    @staticmethod
    def _release():
        return releases.previous_release(reports.KIND) or releases.publish(kind=reports.KIND)

    def _all_tables(self):
        return self._release().tables()

    def _cross_table(self):
        tables = dict(zip(self._release().table_keys(), self._release().tables(), strict=True))
        return [tables["county.employer_type"]]

    def _generate(self, count):
        rng = random.Random(50_000)
        municipalities = list(Municipality.objects.all())
        User = get_user_model()
        # Nobody signs in to a scratch database: skip the (deliberately slow) hashing.
        unusable = make_password(None)
        for offset in range(0, count, BATCH):
            size = min(BATCH, count - offset)
            with transaction.atomic():
                people = User.objects.bulk_create(
                    User(email=f"scratch{offset + i}@example.invalid", password=unusable)
                    for i in range(size)
                )
                profiles, memberships = [], []
                for user in people:
                    municipality = rng.choice(municipalities)
                    profiles.append(random_profile(user, municipality, rng))
                    status = rng.choice(["active"] * 6 + ["grace", "lapsed", "pending"])
                    approved = status != "pending"
                    memberships.append(
                        Membership(
                            user=user,
                            status=status,
                            applied_at="2020-01-01T00:00:00Z",
                            member_since=date(rng.randint(2012, 2026), 1, 1) if approved else None,
                            period_start=date(2026, 1, 1) if approved else None,
                            period_end=date(2026, 12, 31) if approved else None,
                        )
                    )
                Profile.objects.bulk_create(profiles)
                Membership.objects.bulk_create(memberships)
