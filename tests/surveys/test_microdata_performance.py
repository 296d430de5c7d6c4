"""Microdata export timings and memory for the release note (run with -m slow -s):

.venv/bin/pytest tests/surveys/test_microdata_performance.py -m slow -s -q
"""

import random
import time
import tracemalloc
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys import questionnaire
from surveys.models import Answer, Edition, Question, Response
from surveys.selectors import questionnaire_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

RESPONSES = 5_000
# Streaming keeps memory flat: far under what holding 5,000 rows of objects would take.
PEAK_BUDGET_MB = 64


def _bulk_edition(n):
    """A closed, mixed edition of `n` responses answering every question, written directly
    (mixing 5,000 ballots would measure the mixing, not the export)."""
    opens = timezone.make_aware(datetime(2022, 3, 1, 9))
    edition = questionnaire.build_edition(
        year=2022,
        status=Edition.Status.CLOSED,
        opens_at=opens,
        closes_at=opens + timedelta(days=45),
    )
    Edition.objects.filter(pk=edition.pk).update(mixed_on=date(2022, 5, 1))
    survey = questionnaire_for(edition)
    questions = [q for s in survey.sections for q in s.question_list]
    rng = random.Random(5)
    responses = Response.objects.bulk_create(
        Response(edition=edition, region=rng.choice(["ost", "vest", ""]), union_member="yes")
        for _ in range(n)
    )
    rows = []
    for response in responses:
        for question in questions:
            codes = [c.code for c in question.choices.all()]
            if question.type == Question.Type.TEXT:
                continue
            if question.type in Question.NUMBER_TYPES:
                rows.append(Answer(response=response, question_key=question.key, number=50))
            elif question.type == Question.Type.LIKERT:
                rows.extend(
                    Answer(
                        response=response,
                        question_key=question.key,
                        item_code=item.code,
                        code=rng.choice(codes),
                    )
                    for item in question.items.all()
                )
            elif question.type == Question.Type.MULTI:
                rows.extend(
                    Answer(response=response, question_key=question.key, code=code)
                    for code in rng.sample(codes, 2)
                )
            else:
                rows.append(Answer(response=response, question_key=question.key, code=codes[0]))
        if len(rows) > 20_000:
            Answer.objects.bulk_create(rows)
            rows = []
    Answer.objects.bulk_create(rows)
    return edition, len(questions)


def _measure(client, path, *, trace):
    """Seconds in all, seconds to the first bytes, peak Python memory (MB, with `trace`:
    tracemalloc slows Python down several times, so times are taken without it) and size."""
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(path)
    first = None
    size = 0
    for chunk in response.streaming_content if response.streaming else [response.content]:
        first = first or time.perf_counter() - started
        size += len(chunk)
    seconds = time.perf_counter() - started
    peak = 0
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return seconds, first, peak / 2**20, size


def test_microdata_export_of_5000_responses_streams_in_flat_memory(client, admin_user):
    edition, question_count = _bulk_edition(RESPONSES)
    client.force_login(admin_user)
    figures = {}
    for fmt in ("csv", "xlsx"):
        path = reverse("surveys:microdata-export", kwargs={"year": edition.year, "fmt": fmt})
        seconds, first, _peak, size = _measure(client, path, trace=False)
        peak = _measure(client, path, trace=True)[2]
        figures[fmt] = seconds, first, peak, size
    for fmt, (seconds, first, peak, size) in figures.items():
        print(
            f"\nmicrodata {fmt}: {RESPONSES} responses x {question_count} questions: "
            f"{seconds:.1f} s total, first bytes after {first:.2f} s, "
            f"peak Python memory {peak:.1f} MB, {size / 2**20:.1f} MB file"
        )
        assert peak < PEAK_BUDGET_MB
