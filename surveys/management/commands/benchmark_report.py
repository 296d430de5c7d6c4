"""Time the report of a large edition: `manage.py benchmark_report --responses 5000
--questions 40` makes a closed, mixed edition (year 1990 unless --year) of random responses
in a development database, builds its report release and loads the admin page 20 times
with every breakdown. Prints the build time and the page's median and p95."""

import random
import statistics
import time
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys import report
from surveys.models import Answer, Choice, Edition, Question, Response, Section

REGIONS = ["nord", "midt", "vest", "ost", "sor", ""]
EMPLOYERS = ["municipality", "specialist", "nav", "ngo_private", "other", ""]


class Command(BaseCommand):
    help = "Build and time the report of a generated large edition (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--responses", type=int, default=5000)
        parser.add_argument("--questions", type=int, default=40)
        parser.add_argument("--year", type=int, default=1990)
        parser.add_argument("--loads", type=int, default=20)

    def handle(self, *, responses, questions, year, loads, **options):
        if not settings.DEBUG:
            raise CommandError("benchmark_report only runs with DJANGO_DEBUG=1.")
        rng = random.Random(year)
        edition = Edition.objects.filter(year=year).first() or self._edition(
            rng, year, responses, questions
        )
        started = time.perf_counter()
        report.build_report(year=year)
        self.stdout.write(f"build: {time.perf_counter() - started:.1f} s")
        admin = get_user_model().objects.filter(groups__name="admin").order_by("pk").first()
        client = Client()
        client.force_login(admin)
        url = reverse("surveys:report", args=[edition.year])
        for by in ("", *report.BREAKDOWNS):
            times = []
            for _ in range(loads):
                started = time.perf_counter()
                response = client.get(url, {"by": by})
                times.append(time.perf_counter() - started)
            times.sort()
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            self.stdout.write(
                f"page by={by or '-'}: status {response.status_code}, median "
                f"{statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
            )

    def _edition(self, rng, year, responses, questions):
        opens = timezone.make_aware(datetime(year, 3, 1, 9))
        edition = Edition.objects.create(
            year=year,
            status=Edition.Status.CLOSED,
            opens_at=opens,
            closes_at=opens.replace(month=4),
            mixed_on=opens.replace(month=4).date(),
        )
        section = Section.objects.create(edition=edition, order=1, title_nb="Alt")
        keys = []
        for i in range(questions):
            number = i % 8 == 7
            question = Question.objects.create(
                edition=edition,
                section=section,
                order=i + 1,
                key=f"bench_{i}",
                type=Question.Type.INTEGER if number else Question.Type.SINGLE,
                text_nb=f"Spørsmål {i}",
                allow_decline=number,
            )
            if not number:
                for j in range(4):
                    Choice.objects.create(
                        question=question, order=j, code=f"c{j}", label_nb=f"Svar {j}"
                    )
            keys.append((question.key, number))
        batch = [
            Response(
                edition=edition,
                region=rng.choice(REGIONS),
                employer_type=rng.choice(EMPLOYERS),
                union_member=rng.choice(["yes", "no"]),
                user_representative=rng.choice(["yes", "no"]),
                training_completed=rng.choice(["yes", "no", ""]),
            )
            for _ in range(responses)
        ]
        Response.objects.bulk_create(batch, batch_size=1000)
        answers = []
        for response in batch:
            for key, number in keys:
                if rng.random() < 0.05:
                    continue
                if number:
                    answers.append(
                        Answer(response=response, question_key=key, number=rng.randint(1, 100_000))
                    )
                else:
                    answers.append(
                        Answer(response=response, question_key=key, code=f"c{rng.randint(0, 3)}")
                    )
        Answer.objects.bulk_create(answers, batch_size=5000)
        return edition
