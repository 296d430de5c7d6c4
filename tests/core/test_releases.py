"""Releases protected together and proved safe by the auditor (core.releases).

The attacker here is independent of the code under test: a linear program over the *full
joint table* of every dimension (not the auditor's clique tables), constrained by every cell
published in the release(s), solved with HiGHS. A hidden cell is safe when its interval is at
least the threshold wide. The same attacker applied to the old table-by-table protection
(`disclosure.protect_table`) recovers cells, which is what these tests guard against.
"""

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from core import releases
from core.disclosure import Dimension, protect_table
from core.releases import Population, ReleaseRefused, ReleaseSpec, TableSpec, table_cells

LIMIT = 5


def dim(key, codes):
    return Dimension(key, key, tuple((c, c) for c in codes))


DIMS = {"a": ("a0", "a1", "a2"), "b": ("b0", "b1", "b2"), "c": ("c0", "c1")}


def star_spec(counts, kind="test"):
    """One-way tables of a, b, c and the cross-tables a x b and a x c (a star around a)."""
    population = Population(
        key="people",
        dimensions=tuple(DIMS.items()),
        cliques=(("a", "b"), ("a", "c")),
        counts=counts,
    )
    tables = [
        TableSpec(key=k, title=k, population="people", rows=dim(k, v)) for k, v in DIMS.items()
    ]
    tables += [
        TableSpec(
            key="a.b",
            title="a.b",
            population="people",
            rows=dim("a", DIMS["a"]),
            columns=dim("b", DIMS["b"]),
        ),
        TableSpec(
            key="a.c",
            title="a.c",
            population="people",
            rows=dim("a", DIMS["a"]),
            columns=dim("c", DIMS["c"]),
        ),
    ]
    return ReleaseSpec(kind=kind, populations=(population,), tables=tuple(tables))


def joint_attack(dims, published):
    """Min and max of every hidden cell over all non-negative joint tables of `dims`
    consistent with `published` ({items tuple: value or None}); items are ((dim, codes)...)."""
    keys = list(dims)
    combos = list(itertools.product(*(dims[k] for k in keys)))

    def row(items):
        return np.array(
            [all(combo[keys.index(d)] in codes for d, codes in items) for combo in combos],
            dtype=float,
        )

    known = [(row(items), v) for items, v in published.items() if v is not None]
    a_eq = np.array([r for r, _v in known]) if known else None
    b_eq = np.array([v for _r, v in known], dtype=float) if known else None
    intervals = {}
    for items, value in published.items():
        if value is not None:
            continue
        objective = row(items)
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0
        intervals[items] = (low.fun, math.inf if high.status == 3 else -high.fun)
    return intervals


def release_cells(candidate):
    """{items: published value or None} with items as ((dim, (codes,)), ...)."""
    result = {}
    for key, value in candidate.values.items():
        items = tuple((d, (c,)) for d, c in key[1])
        result[items] = None if key in candidate.hidden else value
    return result


def random_counts(rng, size):
    counts = {}
    for _ in range(size):
        combo = tuple(rng.choice(codes) for codes in DIMS.values())
        counts[combo] = counts.get(combo, 0) + 1
    return counts


def narrow(intervals):
    return {k: v for k, v in intervals.items() if v[1] - v[0] < LIMIT - 1e-6}


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.DISCLOSURE_THRESHOLD = LIMIT


# --- Property tests ----------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(0, 60), seed=st.integers(0, 10**6))
def test_a_release_over_a_random_population_withstands_the_joint_attack(size, seed):
    counts = random_counts(random.Random(seed), size)
    try:
        candidate = releases.protect(star_spec(counts))
    except ReleaseRefused:
        return  # refusing is safe; nothing is published
    cells = release_cells(candidate)
    assert not [v for v in cells.values() if v is not None and 0 < v < LIMIT]
    attack = joint_attack(DIMS, cells)
    assert narrow(attack) == {}
    # The auditor's clique LP gives the joint LP's intervals (the cliques are acyclic).
    for key, (low, high) in candidate.intervals.items():
        items = tuple((d, (c,)) for d, c in key[1])
        assert attack[items] == pytest.approx((low, high), abs=1e-6)


class _Stored:
    """A previous release as `protect` and `audit` read it."""

    def __init__(self, candidate, as_of=None):
        self._cells = {
            key: (None if key in candidate.hidden else v) for key, v in candidate.values.items()
        }
        self.as_of = as_of

    def cells(self):
        return self._cells


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(10, 60),
    seed=st.integers(0, 10**6),
    joined=st.integers(0, 6),
    left=st.integers(0, 6),
)
def test_two_consecutive_releases_reveal_no_change_of_fewer_than_five(size, seed, joined, left):
    rng = random.Random(seed)
    before = random_counts(rng, size)
    try:
        first = releases.protect(star_spec(before))
    except ReleaseRefused:
        return
    after = dict(before)
    for combo in rng.sample(sorted(after), min(left, len(after))):
        after[combo] -= 1
    for combo, n in random_counts(rng, joined).items():
        after[combo] = after.get(combo, 0) + n
    try:
        second = releases.protect(star_spec(after), _Stored(first))
    except ReleaseRefused:
        return
    assert releases.audit(second, _Stored(first)) == []
    for key, now in second.values.items():
        was = first.values[key]
        shown_both = key not in first.hidden and key not in second.hidden
        if shown_both:
            assert not 0 < abs(now - was) < LIMIT, key
    assert narrow(joint_attack(DIMS, release_cells(second))) == {}


# --- The attacks from issue 10, as regressions ----------------------------------------------


def _old_tables_attack(counts):
    """The old design: every table protected on its own, then attacked together."""

    def one_way(key):
        i = list(DIMS).index(key)
        values = {
            code: sum(n for combo, n in counts.items() if combo[i] == code) for code in DIMS[key]
        }
        return protect_table(counts=values, rows=dim(key, DIMS[key]))

    def two_way(key):
        j = list(DIMS).index(key)
        values = {}
        for combo, n in counts.items():
            values[(combo[0], combo[j])] = values.get((combo[0], combo[j]), 0) + n
        return protect_table(counts=values, rows=dim("a", DIMS["a"]), columns=dim(key, DIMS[key]))

    published = {}
    for key in DIMS:
        table = one_way(key)
        for row in table.body:
            published[((key, (row.code,)),)] = row.cells[0].count
        published[()] = table.total.count
    for key in ("b", "c"):
        table = two_way(key)
        for row in table.body:
            for code, cell in zip(DIMS[key], row.cells, strict=True):
                published[(("a", (row.code,)), (key, (code,)))] = cell.count
    return joint_attack(DIMS, published)


# Found by searching random populations for one the old design leaks: a2 x b0 (4 people)
# is hidden in a x b, but a x c and the one-way tables pin it to 2..5; others to 0..2.
LINKED = {
    ("a0", "b0", "c0"): 1, ("a0", "b0", "c1"): 1, ("a0", "b1", "c1"): 2, ("a0", "b2", "c1"): 2,
    ("a1", "b0", "c0"): 1, ("a1", "b1", "c0"): 1, ("a1", "b2", "c0"): 5, ("a1", "b2", "c1"): 1,
    ("a2", "b0", "c1"): 4, ("a2", "b2", "c0"): 1,
}  # fmt: skip


def test_linked_tables_old_design_leaks_and_the_release_does_not():
    assert narrow(_old_tables_attack(LINKED)), "the attack must work on the old design"
    candidate = releases.protect(star_spec(LINKED))
    assert narrow(joint_attack(DIMS, release_cells(candidate))) == {}


def test_a_group_all_in_one_category_is_not_published_even_as_zeros():
    # a1: 6 people, all in c0. Published 6 / 0 / total 6 would tell every a1 is c0.
    counts = {
        ("a0", "b0", "c0"): 7,
        ("a0", "b1", "c1"): 8,
        ("a1", "b1", "c0"): 6,
        ("a2", "b2", "c1"): 9,
    }
    candidate = releases.protect(star_spec(counts))
    cells = release_cells(candidate)
    a1_c0 = (("a", ("a1",)), ("c", ("c0",)))
    assert cells[a1_c0] is None
    low, _high = joint_attack(DIMS, cells)[a1_c0]
    assert low <= 6 - LIMIT  # not everyone in a1 need be c0
    # ...and the auditor rejects such a line when it is published.
    published = releases.Candidate(star_spec(counts), dict(candidate.values), set())
    assert any("one published category" in p for p in releases.audit(published))


def test_one_new_member_changes_no_published_count_by_one():
    counts = dict.fromkeys(itertools.product(*DIMS.values()), 6)
    first = releases.protect(star_spec(counts))
    assert not first.hidden
    after = dict(counts)
    after[("a1", "b2", "c0")] += 1
    second = releases.protect(star_spec(after), _Stored(first))
    changed = {key for key in second.values if second.values[key] != first.values[key]}
    assert changed and changed <= second.hidden
    # The old design would simply publish both: every attribute of the newcomer by subtraction.
    assert releases.audit(releases.Candidate(second.spec, second.values, set()), _Stored(first))


# Months, quarters and a year of one population (casework): Q2 - April - May = June.
MONTHS = ("m4", "m5", "m6")
QUARTER_SPEC_DIMS = {"month": MONTHS, "topic": ("t0", "t1")}


def quarter_spec(counts):
    population = Population(
        key="cases",
        dimensions=tuple(QUARTER_SPEC_DIMS.items()),
        cliques=(("month", "topic"),),
        counts=counts,
        groups={"month": {"q2": MONTHS}},
    )
    months = dim("month", MONTHS)
    quarter = dim("month", ("q2",))
    topics = dim("topic", QUARTER_SPEC_DIMS["topic"])
    return ReleaseSpec(
        kind="quarters",
        populations=(population,),
        tables=(
            TableSpec(
                key="m", title="m", population="cases", rows=months, columns=topics, rows_total="q2"
            ),
            TableSpec(key="q", title="q", population="cases", rows=quarter, columns=topics),
        ),
    )


def test_month_quarter_year_are_protected_as_one_system():
    counts = {("m4", "t0"): 7, ("m4", "t1"): 6, ("m5", "t0"): 8, ("m5", "t1"): 9, ("m6", "t0"): 1}
    candidate = releases.protect(quarter_spec(counts))
    cells = {}
    for key, value in candidate.values.items():
        items = tuple((d, MONTHS if c == "q2" else (c,)) for d, c in key[1])
        cells[items] = None if key in candidate.hidden else value
    assert cells[(("month", ("m6",)), ("topic", ("t0",)))] is None
    assert narrow(joint_attack(QUARTER_SPEC_DIMS, cells)) == {}
    # Table by table, the quarter table would publish Q2 / t0 = 16 and April and May 7 + 8.
    old = protect_table(
        counts={
            ("m4", "t0"): 7,
            ("m4", "t1"): 6,
            ("m5", "t0"): 8,
            ("m5", "t1"): 9,
            ("m6", "t0"): 1,
        },
        rows=dim("month", MONTHS),
        columns=dim("topic", ("t0", "t1")),
    )
    quarter_old = protect_table(
        counts={("q2", "t0"): 16, ("q2", "t1"): 15},
        rows=dim("month", ("q2",)),
        columns=dim("topic", ("t0", "t1")),
    )
    assert quarter_old.body[0].cells[0].count == 16 and old.body[2].cells[0].suppressed


def test_closed_periods_keep_their_published_values():
    counts = {("m4", "t0"): 7, ("m4", "t1"): 6, ("m5", "t0"): 8, ("m5", "t1"): 1}
    spec = quarter_spec(counts)
    first = releases.protect(spec)
    later = dict(counts)
    later[("m6", "t0")] = 9
    closed = ReleaseSpec(
        kind=spec.kind,
        populations=quarter_spec(later).populations,
        tables=spec.tables,
        stable=lambda key, moment: dict(key[1]).get("month") in ("m4", "m5"),
    )
    second = releases.protect(closed, _Stored(first, as_of="then"))
    for key in first.values:
        if dict(key[1]).get("month") in ("m4", "m5"):
            assert (key in first.hidden) == (key in second.hidden), key


def test_the_auditor_refuses_a_cyclic_set_of_cross_tables():
    with pytest.raises(ValueError, match="cycle"):
        Population(
            key="p", dimensions=tuple(DIMS.items()), cliques=(("a", "b"), ("b", "c"), ("a", "c"))
        )


def test_every_table_cell_of_a_release_is_one_cell_of_the_system():
    spec = star_spec(random_counts(random.Random(3), 40))
    population = spec.populations[0]
    one_way = table_cells(population, spec.tables[0])
    cross = table_cells(population, spec.tables[3])
    # The a-table's a0 is the a x b table's row total: the same cell, hidden or shown once.
    assert one_way[(0, 0)] == cross[(0, len(DIMS["b"]))]
