"""No report output shows a count 0 < n < k, and no hidden cell can be narrowed below k by an
LP over the FULL joint table of the edition (every question's answer x every stratum
field), written here independently of core.releases' auditor (which solves per population)."""

import csv
import io
import itertools
import random
import re

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from core import releases
from core.disclosure import threshold
from core.models import Release
from surveys import factories as f
from surveys import report
from surveys.models import Edition, Response
from surveys.strata import generalise

ANSWERS = ("yes", "no", report.MISSING)
REGIONS = ("ost", "vest", "")
EMPLOYERS = ("municipality", "nav", "")
TRAININGS = ("yes", "no", "")
QUESTIONS = ("q1", "q2")


def _edition(rows):
    """rows: [(region, employer, training programme, q1 answer, q2 answer)], strata already
    generalised."""
    section = f.SectionFactory(edition=f.EditionFactory(year=2022))
    for key in QUESTIONS:
        f.yes_no(section, key)
    for region, employer, training, a1, a2 in rows:
        answers = {k: a for k, a in zip(QUESTIONS, (a1, a2), strict=True) if a != report.MISSING}
        f.respond(
            section.edition,
            answers,
            region=region,
            employer_type=employer,
            training_completed=training,
        )
    return section.edition


def _generalised(raw, seed):
    strata = [{"region": r, "employer_type": e, "training_completed": t} for r, e, t, *_a in raw]
    done = generalise(strata, k=threshold(), rng=random.Random(seed))
    return [
        (s["region"], s["employer_type"], s["training_completed"], a1, a2)
        for s, (*_strata, a1, a2) in zip(done, raw, strict=True)
    ]


# --- The independent LP -------------------------------------------------------------------------

JOINT = list(itertools.product(ANSWERS, ANSWERS, REGIONS, EMPLOYERS, TRAININGS))


def _matches(cell, joint):
    a1, a2, region, employer, training = joint
    answers = {"q1": a1, "q2": a2}
    strata = {"region": region, "employer_type": employer, "training_completed": training}
    if cell["answer"] is not None and answers[cell["question"]] != cell["answer"]:
        return False
    return all(strata[field] == code for field, code in cell["strata"].items())


def _cells(release):
    """Every cell of every table: ({question, answer, strata}, value or None)."""
    for table in release.data["tables"]:
        _kind, *rest = table["key"].split(":")
        question = rest[-1]
        rows = [*table["rows"]["codes"], None]
        columns = [*table["columns"]["codes"], None] if table["columns"] else [None]
        for i, row in enumerate(rows):
            for j, column in enumerate(columns):
                cell = {"question": question, "answer": None, "strata": {}}
                for code in (row, column):
                    if code is None:
                        continue
                    if code in ANSWERS:
                        cell["answer"] = code
                    elif ":" in code:
                        by, value = code.split(":", 1)
                        cell["strata"][by] = value
                    else:  # a stratum: "region|employer_type|training_completed"
                        values = code.split("|")
                        cell["strata"] = dict(zip(report.STRATUM_FIELDS, values, strict=True))
                yield cell, table["grid"][i][j]


def narrowed_cells(releases_):
    """Hidden cells whose interval over the full joint table is narrower than k, given every
    published cell of `releases_` (an edition's report; a trend adds only cells of other
    editions' reports, which count other responses and so are other joint tables)."""
    limit = threshold()
    rows, rhs, hidden = [], [], []
    for release in releases_:
        for cell, value in _cells(release):
            vector = np.array([1.0 if _matches(cell, joint) else 0.0 for joint in JOINT])
            if value is None:
                hidden.append((cell, vector))
            else:
                rows.append(vector)
                rhs.append(float(value))
    narrow = []
    for cell, vector in hidden:
        bounds = []
        for sign in (1.0, -1.0):
            result = linprog(
                sign * vector, A_eq=np.array(rows), b_eq=np.array(rhs), bounds=(0, None)
            )
            assert result.status == 0, result.message
            bounds.append(sign * result.fun)
        if bounds[1] - bounds[0] < limit - 1e-6:
            narrow.append((cell, bounds))
    return narrow


def small_published(release):
    limit = threshold()
    return [(c, v) for c, v in _cells(release) if v is not None and 0 < v < limit]


# --- The outputs -------------------------------------------------------------------------------


def _page_and_exports_counts(client, edition):
    """Counts in the page's tables (data-value), the CSV (not the % columns) and the XLSX."""
    from openpyxl import load_workbook

    url = reverse("surveys:report", args=[edition.year])
    counts = []
    for by in ("", "region", "employer_type"):
        html = client.get(url, {"by": by}).content.decode()
        counts += [float(v) for v in re.findall(r'data-value="([^"]+)"', html)]
        export = reverse("surveys:report-export", args=[edition.year, "csv"])
        text = b"".join(client.get(export, {"by": by}).streaming_content).decode("utf-8-sig")
        header = None
        for line in csv.reader(io.StringIO(text)):
            if "%" in line:
                header = line
            for index, value in enumerate(line):
                if header and index < len(header) and header[index] == "%":
                    continue
                if re.fullmatch(r"\d+", value):
                    counts.append(float(value))
        xlsx = reverse("surveys:report-export", args=[edition.year, "xlsx"])
        book = load_workbook(io.BytesIO(b"".join(client.get(xlsx, {"by": by}).streaming_content)))
        for sheet in book.worksheets:
            header = None
            for line in sheet.iter_rows(values_only=True):
                if "%" in line:
                    header = line
                for index, value in enumerate(line):
                    if header and index < len(header) and header[index] == "%":
                        continue
                    if isinstance(value, int):
                        counts.append(float(value))
    return counts


answer = st.sampled_from(ANSWERS)
response = st.tuples(
    st.sampled_from(REGIONS[:2]),
    st.sampled_from(EMPLOYERS[:2]),
    st.sampled_from(TRAININGS[:2]),
    answer,
    answer,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.lists(response, min_size=5, max_size=30), seed=st.integers(0, 1000))
def test_no_output_shows_a_small_count_and_no_hidden_cell_is_recoverable(db, admin_user, raw, seed):
    Release.objects.all().delete()
    Response.objects.all().delete()
    Edition.objects.all().delete()
    edition = _edition(_generalised(raw, seed))
    release = report.build_report(year=2022)
    assert small_published(release) == []
    assert narrowed_cells([release]) == []
    client = Client()
    client.force_login(admin_user)
    limit = threshold()
    assert [v for v in _page_and_exports_counts(client, edition) if 0 < v < limit] == []


def _primary_only(spec, previous=None):
    """protect() switched off: only the small counts hidden, no secondary cells, no audit."""
    populations = {p.key: p for p in spec.populations}
    counters = {p.key: releases._Counter(p) for p in spec.populations}
    values = {}
    for table in spec.tables:
        for key in releases.table_cells(populations[table.population], table).values():
            values[key] = counters[key[0]].value(key)
    hidden = {k for k, v in values.items() if 0 < v < threshold()}
    return releases.Candidate(spec, values, hidden, dict.fromkeys(hidden, (0, float("inf"))))


@pytest.mark.django_db
def test_the_full_lp_catches_a_report_without_secondary_suppression(monkeypatch):
    # Eastern Norway: 3 yes, 7 no; the region's 10 is public, so its hidden 3 = 10 - 7.
    rows = [("ost", "municipality", "yes", "yes" if i < 3 else "no", "yes") for i in range(10)]
    rows += [("vest", "nav", "no", "yes" if i < 6 else "no", "no") for i in range(10)]
    _edition(rows)
    monkeypatch.setattr(releases, "protect", _primary_only)
    release = report.build_report(year=2022)
    assert narrowed_cells([release]) != []


@pytest.mark.django_db
def test_the_same_data_protected_passes_the_full_lp():
    rows = [("ost", "municipality", "yes", "yes" if i < 3 else "no", "yes") for i in range(10)]
    rows += [("vest", "nav", "no", "yes" if i < 6 else "no", "no") for i in range(10)]
    _edition(rows)
    release = report.build_report(year=2022)
    assert small_published(release) == []
    assert narrowed_cells([release]) == []
