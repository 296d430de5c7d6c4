"""Answering page timings for the release note (run with -m slow -s to see the figures):

.venv/bin/pytest tests/surveys/test_performance.py -m slow -s -q
"""

import statistics
import time

import pytest
from django.urls import reverse

from surveys.selectors import questionnaire_for

from .conftest import page_data, start

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROUNDS = 60
# A page must feel instant; well above what we measure, so the test flags a regression
# (a query per question, say), not a slow CI machine.
P95_BUDGET_MS = 500


def _timings(action):
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = action()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 302)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def test_answering_page_timings(client, active_member, edition, answer_everything):
    client.force_login(active_member)
    start(client, edition)
    answer_everything(client, edition)  # a full draft: the heaviest case
    survey = questionnaire_for(edition)
    section = survey.sections[1]  # the role page: choices, a multiple choice and a Likert matrix
    data = page_data([q for q in section.question_list if not q.show_if_key])
    data["q_has_job_description"] = "no"
    path = reverse("surveys:page", kwargs={"year": edition.year, "number": 2})
    get = _timings(lambda: client.get(path))
    post = _timings(lambda: client.post(path, data))
    print(
        f"\nsurvey page GET median {get[0]:.1f} ms p95 {get[1]:.1f} ms; "
        f"POST median {post[0]:.1f} ms p95 {post[1]:.1f} ms ({ROUNDS} requests each)"
    )
    assert get[1] < P95_BUDGET_MS
    assert post[1] < P95_BUDGET_MS
