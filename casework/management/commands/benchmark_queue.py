"""Time the advisor's queue page on a large generated data set (development only).

    createdb -h 127.0.0.1 -U postgres erfaring_casework_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/erfaring_casework_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py benchmark_queue --cases 20000 --runs 50

Generates the cases once (a second run reuses them), then requests the queue page through
Django's test client as an advisor and reports the median and 95th percentile time and the
number of queries of each variant.
"""

import random
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Case, CaseCounter, Topic, format_reference
from members import factories

BENCH_ADVISOR = "bench.advisor@example.org"
VARIANTS = [
    # The floor: a casework page with no cases on it, through the same middleware.
    ("baseline", None),
    ("default", {}),
    ("overdue", {"overdue": "on"}),
    ("topic+sort", {"topic": "TOPIC", "sort": "priority"}),
    ("page 40", {"page": "40"}),
]


class Command(BaseCommand):
    help = "Generate N cases and time the advisor's queue page (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=20000)
        parser.add_argument("--runs", type=int, default=50)

    def handle(self, *, cases, runs, **options):
        if not settings.DEBUG:
            raise CommandError("benchmark_queue generates data: run it with DJANGO_DEBUG=1.")
        advisor, colleagues = self._advisors()
        missing = cases - Case.objects.count()
        if missing > 0:
            self._generate(missing, advisor, colleagues)
        client = Client()
        client.force_login(advisor)
        queue_url = reverse("casework:queue")
        baseline_url = reverse("casework:my-case-list")
        topic = str(Topic.objects.get(code="stigma").pk)
        self.stdout.write(
            f"{connection.vendor}, {Case.objects.count()} cases, "
            f"{Case.objects.filter(assignee=advisor).count()} assigned to the advisor"
        )
        for name, params in VARIANTS:
            url = queue_url if params is not None else baseline_url
            params = {k: topic if v == "TOPIC" else v for k, v in (params or {}).items()}
            client.get(url, params)  # warm up: session row, caches
            timings = []
            for _ in range(runs):
                start = time.perf_counter()
                response = client.get(url, params)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.status_code
            with CaptureQueriesContext(connection) as queries:
                client.get(url, params)
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            self.stdout.write(
                f"{name:12} median {statistics.median(timings):6.1f} ms  p95 {p95:6.1f} ms  "
                f"{len(queries.captured_queries)} queries"
            )

    def _advisors(self):
        advisor = factories.advisor_user(email=BENCH_ADVISOR)
        if not advisor.authenticator_set.exists():
            factories.with_totp(advisor)
        colleagues = [
            factories.advisor_user(email=f"bench.colleague{i}@example.org") for i in range(4)
        ]
        return advisor, colleagues

    def _generate(self, count, advisor, colleagues):
        rng = random.Random(20000)
        users = get_user_model()
        members = [
            users(email=f"bench.member{n}@example.org", first_name="Bench", last_name=str(n))
            for n in range(count // 20)
        ]
        for member in members:
            member.set_unusable_password()
        members = users.objects.bulk_create(members, ignore_conflicts=True)
        members = list(users.objects.filter(email__startswith="bench.member"))
        topics = list(Topic.objects.all())
        now = timezone.now()
        year = now.year
        counter, _ = CaseCounter.objects.get_or_create(year=year)
        batch, links = [], []
        for _ in range(count):
            counter.last_number += 1
            roll = rng.random()
            assignee = advisor if roll < 0.2 else None if roll < 0.3 else rng.choice(colleagues)
            status = rng.choice(Case.Status.values)
            closed = status == Case.Status.CLOSED
            batch.append(
                Case(
                    reference=format_reference(year, counter.last_number),
                    member=rng.choice(members),
                    description="Generated for the queue benchmark. " * 5,
                    status=status,
                    priority=rng.randint(1, 4),
                    assignee=assignee,
                    created_at=now - timedelta(minutes=rng.randint(1, 60 * 24 * 365 * 3)),
                    closed_at=now if closed else None,
                    outcome="other" if closed else "",
                    follow_up_on=(now + timedelta(days=rng.randint(-30, 30))).date()
                    if rng.random() < 0.3
                    else None,
                )
            )
        counter.save()
        created = Case.objects.bulk_create(batch, batch_size=1000)
        for case in created:
            for topic in rng.sample(topics, k=rng.choice([1, 1, 2])):
                links.append(Case.topics.through(case_id=case.pk, topic_id=topic.pk))
        Case.topics.through.objects.bulk_create(links, batch_size=5000)
        if connection.vendor == "postgresql":
            # Planner statistics, as autovacuum would have them on a live database.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(f"generated {len(created)} cases")
