"""Statistics releases: every table one statistics page and its exports can show, counted from
one snapshot, protected together, proved safe by a linear-programming audit, and stored.

Why releases and not tables: a reader holds every table of the page, the previous month's
downloads too, and may own a solver. Hiding small cells table by table let the demo data give
back hundreds of hidden counts through shared margins, through month/quarter/year, and by
subtracting two downloads. So a release is protected and audited as one system of equations,
together with the previous published release of the same kind.

Model
-----
A `Population` (members, cases, topic mentions) is counted over `dimensions`. Each table of
the release is a margin of one *clique* (a tuple of dimensions) of its population; cells of
different tables that count the same people (the Oslo row total of county x employer type
and Oslo in the county table) are one cell, hidden or published everywhere at once.
A dimension may have `groups` (a quarter or a year is a group of months), so a quarter cell is
the sum of its months and cannot be published while its months say otherwise.

The auditor (`audit`) takes what an attacker has: the published cells of the release, the
published cells of the previous release of the same kind where they cannot have changed
(closed periods), and non-negativity. For every hidden cell it solves min and max of the cell
over all non-negative clique tables consistent with that (the LP relaxation, scipy's HiGHS).
A release passes when:

- no published count is 0 < n < threshold;
- every hidden cell's interval is at least the threshold wide;
- no published line (a row or column, with its total) puts a whole group of people in one
  category ("all 6 in Vestfold are on permanent contracts"): zeros count as published;
- no count published in both releases changed by 0 < |d| < threshold, unless it is a closed
  period's count (which must not change at all): the difference of two releases is a table
  of the people who joined or left, and a change of 1 points at one person.

The cliques of a population must form an acyclic hypergraph (checked by `Population`):
for those, tables that agree on their shared margins always come from one joint table, so the
LP over the clique tables gives exactly the intervals of the LP over the full joint table of
all dimensions (which would have millions of variables). That is why the statistics pages
offer a fixed list of cross-tables (a star around one dimension) and not every pair.

`protect` chooses the hidden cells: primary (0 < n < threshold), dominated lines, small
changes since the previous release, and cells the previous release hid in a closed period;
then, while the auditor finds a hidden cell narrower than the threshold, it hides the
cheapest published cell on a line through it (interior before totals, non-zero before zero,
then the smallest). Hiding more never narrows an interval, so each cell is fixed once. The
final release is audited in full; `publish` refuses anything that fails.
"""

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from .disclosure import Cell, Dimension, ProtectedTable, TableRow, threshold

# Bump when the rules above change, so a stored release says which rules protected it.
RULE_VERSION = "2026.12-lp-1"
TOTAL = None


class ReleaseRefused(Exception):
    """The auditor found a hidden cell that can be narrowed or a published small count."""

    def __init__(self, problems):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


@dataclass(frozen=True)
class Population:
    """People (or cases) counted over `dimensions`; `counts` maps a tuple of base codes (one
    per dimension, in order) to a count. `groups` maps a dimension key to {group code: base
    codes}. `cliques` are the tuples of dimensions the tables are margins of."""

    key: str
    dimensions: tuple[tuple[str, tuple[str, ...]], ...]
    cliques: tuple[tuple[str, ...], ...]
    counts: Mapping[tuple, int] = field(default_factory=dict, compare=False)
    groups: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    # A dimension that is not an attribute of a person (the month of an inquiry): "all of
    # this year's stigma inquiries came in Q1" tells nothing about anyone, so lines along it
    # are not checked for one dominant category.
    timeline: str | None = None

    def __post_init__(self):
        if not _acyclic([set(c) for c in self.cliques]):
            raise ValueError(f"The cliques of {self.key} form a cycle; the audit would be unsound.")

    @property
    def order(self):
        return {key: i for i, (key, _codes) in enumerate(self.dimensions)}

    def base_codes(self, dim):
        return dict(self.dimensions)[dim]

    def members(self, dim, code):
        """The base codes a (possibly group) code stands for."""
        groups = self.groups.get(dim, {})
        return frozenset(groups[code]) if code in groups else frozenset([code])

    def clique_for(self, dims):
        dims = set(dims)
        for clique in self.cliques:
            if set(dims) <= set(clique):
                return clique
        raise ValueError(f"No clique of {self.key} covers {sorted(dims)}.")


def _acyclic(edges):
    """GYO reduction: a hypergraph is acyclic when repeatedly removing vertices in one edge
    only and edges inside another edge leaves nothing."""
    edges = [set(e) for e in edges]
    changed = True
    while changed and edges:
        changed = False
        counts = defaultdict(int)
        for edge in edges:
            for v in edge:
                counts[v] += 1
        for edge in edges:
            lonely = {v for v in edge if counts[v] == 1}
            if lonely:
                edge -= lonely
                changed = True
        kept = []
        for i, edge in enumerate(edges):
            inside = any(
                j != i and edge <= other and (edge != other or j < i)
                for j, other in enumerate(edges)
            )
            if inside or not edge:
                changed = True
            else:
                kept.append(edge)
        edges = kept
    return not edges


@dataclass(frozen=True)
class TableSpec:
    """One published table: `rows` (and `columns`) are dimensions of the population whose
    categories are base or group codes; `fixed` pins other dimensions (e.g. the year)."""

    key: str
    title: str
    population: str
    rows: Dimension
    columns: Dimension | None = None
    fixed: tuple[tuple[str, str], ...] = ()
    percent: bool = False
    # The code of the total row when the rows are part of a dimension (the months of one
    # year total to that year); None when the rows cover the whole dimension.
    rows_total: str | None = None
    # Counts everyone may know by construction (a survey's generalised strata: every one is
    # at least the threshold): never hidden, never hidden to protect another cell, not
    # checked for one dominant category; still refused when 0 < n < threshold.
    public: bool = False


@dataclass(frozen=True)
class ReleaseSpec:
    kind: str
    populations: tuple[Population, ...]
    tables: tuple[TableSpec, ...]
    # Extra tables already protected by their own rule (medians for n >= threshold):
    # a callable returning [(key, title, header, lines)], run once per language.
    extras: Callable[[], list] | None = None
    # Cells that cannot change after a moment (closed periods): stable(population, key, moment).
    stable: Callable | None = None


# --- Cells -----------------------------------------------------------------------------------


def _key(population, items):
    order = population.order
    return (population.key, tuple(sorted(items, key=lambda item: order[item[0]])))


def _grid(table):
    rows = [*table.rows.codes, TOTAL]
    cols = [*table.columns.codes, TOTAL] if table.columns is not None else [TOTAL]
    return rows, cols


def table_cells(population, table):
    """{(i, j): cell key} for the table's grid (last row/column = totals)."""
    rows, cols = _grid(table)
    cells = {}
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            items = list(table.fixed)
            if r is not TOTAL:
                items.append((table.rows.key, r))
            elif table.rows_total is not None:
                items.append((table.rows.key, table.rows_total))
            if c is not TOTAL:
                items.append((table.columns.key, c))
            cells[(i, j)] = _key(population, items)
    return cells


class _Counter:
    """True counts of any cell, from the clique margins of the population's counts."""

    def __init__(self, population):
        self.population = population
        order = population.order
        self.margins = {}
        for clique in population.cliques:
            idx = [order[d] for d in clique]
            margin = defaultdict(int)
            for codes, n in population.counts.items():
                margin[tuple(codes[i] for i in idx)] += n
            self.margins[clique] = dict(margin)

    def value(self, key):
        _pop, items = key
        clique = self.population.clique_for(d for d, _c in items)
        wanted = [(clique.index(d), self.population.members(d, code)) for d, code in items]
        return sum(
            n
            for codes, n in self.margins[clique].items()
            if all(codes[i] in allowed for i, allowed in wanted)
        )


# --- The linear program ----------------------------------------------------------------------


class _Program:
    """Variables: every cell of every clique table (base codes, zeros included). Equalities:
    cliques agree on their shared margins; published cells equal their values."""

    def __init__(self, populations):
        self.populations = {p.key: p for p in populations}
        self.index = {}  # (population, clique) -> {codes: variable}
        n = 0
        for population in populations:
            for clique in population.cliques:
                codes = [population.base_codes(d) for d in clique]
                variables = {}
                for combo in itertools.product(*codes):
                    variables[combo] = n
                    n += 1
                self.index[(population.key, clique)] = variables
        self.size = n
        self.cache = {}
        self.rows, self.rhs = [], []
        for population in populations:
            cliques = population.cliques
            for a, b in itertools.combinations(cliques, 2):
                shared = [d for d in a if d in b]
                shared_codes = [population.base_codes(d) for d in shared]
                for combo in itertools.product(*shared_codes):
                    items = tuple(zip(shared, ((c,) for c in combo), strict=True))
                    left = self._expression(population, a, items)
                    right = self._expression(population, b, items)
                    row = defaultdict(float)
                    for v in left:
                        row[v] += 1
                    for v in right:
                        row[v] -= 1
                    self.rows.append(dict(row))
                    self.rhs.append(0.0)

    def _expression(self, population, clique, items):
        """Variables summed by a cell; items are (dim, allowed base codes)."""
        variables = self.index[(population.key, clique)]
        wanted = [(clique.index(d), set(allowed)) for d, allowed in items]
        return [v for combo, v in variables.items() if all(combo[i] in a for i, a in wanted)]

    def cell(self, key):
        if key not in self.cache:
            population = self.populations[key[0]]
            items = [(d, population.members(d, code)) for d, code in key[1]]
            clique = population.clique_for(d for d, _c in items)
            self.cache[key] = self._expression(population, clique, items)
        return self.cache[key]

    def solver(self, fixed, pool, upper):
        """interval(key) -> (min, max) of a cell given the cells `fixed` ({key: value}).

        `pool` collects the solutions found; they stay feasible when fewer cells are fixed,
        so a cell whose value in some pooled solution reaches its lower bound (0) or its
        upper bound `upper(key)` (a published total of a line through it) needs no LP for
        that side: the bound is attained, hence exact."""
        rows = list(self.rows) + [dict.fromkeys(self.cell(key), 1.0) for key in fixed]
        rhs = np.array([*self.rhs, *(float(v) for v in fixed.values())])
        data, cols, indptr = [], [], [0]
        for row in rows:
            cols.extend(row)
            data.extend(row.values())
            indptr.append(len(cols))
        matrix = csr_matrix((data, cols, indptr), shape=(len(rows), self.size))
        maxima = {}  # of cells solved in this system: a line's maximum bounds its cells

        def upper_bound(key):
            return min(upper(key, maxima), default=math.inf)

        def attained(variables, bound):
            return math.isfinite(bound) and pool.attains(variables, bound)

        def interval(key):
            variables = self.cell(key)
            objective = np.zeros(self.size)
            objective[variables] = 1.0
            bounds = []
            for sign, known in ((1.0, 0.0), (-1.0, upper_bound(key))):
                if attained(variables, known):
                    bounds.append(known)
                    continue
                result = linprog(
                    sign * objective, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs"
                )
                if result.status == 3:  # unbounded
                    bounds.append(-sign * math.inf)
                elif result.status != 0:
                    raise ReleaseRefused([f"The published figures are inconsistent ({key})."])
                else:
                    pool.append(result.x)
                    bounds.append(sign * result.fun)
            maxima[key] = bounds[1]
            return bounds[0], bounds[1]

        return interval


# --- Releases as data ------------------------------------------------------------------------


@dataclass
class Candidate:
    """A release before it is stored: its spec, true cell values and what is hidden."""

    spec: ReleaseSpec
    values: dict  # cell key -> true count
    hidden: set
    intervals: dict = field(default_factory=dict)  # hidden cell key -> (lo, hi)

    def published(self):
        return {key: v for key, v in self.values.items() if key not in self.hidden}


def _lines(spec, attributes_only=False):
    """Every line of every table as (cells of the line, its total), both directions; with
    `attributes_only`, not the lines along a population's timeline."""
    populations = {p.key: p for p in spec.populations}
    for table in spec.tables:
        if attributes_only and table.public:
            continue
        population = populations[table.population]
        cells = table_cells(population, table)
        rows, cols = _grid(table)
        last_r, last_c = len(rows) - 1, len(cols) - 1
        along_rows = attributes_only and table.rows.key == population.timeline
        if table.columns is None:
            if not along_rows:
                yield [cells[(i, 0)] for i in range(last_r)], cells[(last_r, 0)]
            continue
        if not (attributes_only and table.columns.key == population.timeline):
            for i in range(len(rows)):
                yield [cells[(i, j)] for j in range(last_c)], cells[(i, last_c)]
        if not along_rows:
            for j in range(len(cols)):
                yield [cells[(i, j)] for i in range(last_r)], cells[(last_r, j)]


def _neighbours(spec):
    populations = {p.key: p for p in spec.populations}
    found = defaultdict(set)
    for table in spec.tables:
        cells = table_cells(populations[table.population], table)
        for (i, j), key in cells.items():
            for (k, m), other in cells.items():
                if (k == i) != (m == j):
                    found[key].add(other)
    return found


def _margins(spec):
    """Cells that are a total in some table."""
    populations = {p.key: p for p in spec.populations}
    found = set()
    for table in spec.tables:
        rows, cols = _grid(table)
        for (i, j), key in table_cells(populations[table.population], table).items():
            if rows[i] is TOTAL or cols[j] is TOTAL:
                found.add(key)
    return found


def _public(spec):
    """Cells of the tables everyone may know (TableSpec.public)."""
    populations = {p.key: p for p in spec.populations}
    return {
        key
        for table in spec.tables
        if table.public
        for key in table_cells(populations[table.population], table).values()
    }


def _stable_previous(spec, previous):
    """Cells of the previous release that cannot have changed: {key: published value or
    None when it was hidden}."""
    if previous is None or spec.stable is None:
        return {}
    moment = previous.as_of
    return {
        key: value
        for key, value in previous.cells().items()
        if key[0] in {p.key for p in spec.populations} and spec.stable(key, moment)
    }


class _Pool:
    """Solutions found so far, one per row of a growing matrix."""

    def __init__(self, size):
        self.rows = np.zeros((16, size))
        self.count = 0

    def append(self, x):
        if self.count == len(self.rows):
            self.rows = np.vstack([self.rows, np.zeros_like(self.rows)])
        self.rows[self.count] = x
        self.count += 1

    def spread(self, variables):
        """How far apart the cell lies in two pooled solutions: a proven lower bound of the
        width of its interval."""
        if self.count < 2:
            return 0.0
        sums = self.rows[: self.count, variables].sum(axis=1)
        return float(sums.max() - sums.min())

    def attains(self, variables, bound):
        if not self.count:
            return False
        sums = self.rows[: self.count, variables].sum(axis=1)
        return bool((np.abs(sums - bound) < 1e-7).any())


class _Solvers:
    """One LP per population: populations share no cell, so their systems are independent,
    and small systems solve much faster than one large one."""

    def __init__(self, spec):
        self.programs = {p.key: _Program([p]) for p in spec.populations}
        self.pools = {key: _Pool(program.size) for key, program in self.programs.items()}
        self.solvers = {}
        self.lines = defaultdict(list)  # cell -> totals of the lines it lies on
        for line, total in _lines(spec):
            for key in line:
                self.lines[key].append(total)

    def update(self, fixed, population=None):
        """Rebuild the systems of `population` (all when None) from the fixed cells. Fixing
        fewer cells keeps every pooled solution feasible, so pools survive updates."""

        def upper(key, maxima):
            for total in self.lines[key]:
                if total in fixed:
                    yield fixed[total]
                elif total in maxima:
                    yield maxima[total]

        for key, program in self.programs.items():
            if population is None or key == population:
                mine = {k: v for k, v in fixed.items() if k[0] == key}
                self.solvers[key] = program.solver(mine, self.pools[key], upper)

    def interval(self, key):
        return self.solvers[key[0]](key)

    def wide(self, key, limit):
        """True when two solutions already found put the cell at least `limit` apart."""
        variables = self.programs[key[0]].cell(key)
        return self.pools[key[0]].spread(variables) >= limit - 1e-6


def _fixed(published, previous_stable):
    """What an attacker knows: this release's published cells and the previous release's
    published cells that cannot have changed."""
    fixed = dict(published)
    for key, value in previous_stable.items():
        if value is not None and key not in fixed:
            fixed[key] = value
    return fixed


def audit(candidate, previous=None):
    """Problems (empty when the release may be published); fills candidate.intervals."""
    spec, limit = candidate.spec, threshold()
    published = candidate.published()
    problems = []
    for key, value in published.items():
        if 0 < value < limit:
            problems.append(f"{_describe(key)} = {value} is published")
    for line, total in _lines(spec, attributes_only=True):
        whole = published.get(total)
        if whole and len(line) > 1 and any(published.get(key) == whole for key in line):
            problems.append(f"{_describe(total)}: everyone is in one published category")
    stable = _stable_previous(spec, previous)
    if previous is not None:
        for key, before in previous.cells().items():
            now = published.get(key)
            if before is None or now is None:
                continue
            if key in stable and now != before:
                problems.append(f"{_describe(key)} changed in a closed period")
            elif 0 < abs(now - before) < limit:
                problems.append(
                    f"{_describe(key)} changed by {now - before} since the last release"
                )
    try:
        solvers = _Solvers(spec)
        solvers.update(_fixed(published, stable))
        interval = solvers.interval
        # Totals first: their maxima bound the cells of their lines (see _Program.solver).
        for key in sorted(candidate.hidden, key=lambda k: (len(k[1]), repr(k))):
            lo, hi = interval(key)
            candidate.intervals[key] = (lo, hi)
            if hi - lo < limit - 1e-6:
                problems.append(f"{_describe(key)} is narrowed to [{lo:g}, {hi:g}]")
    except ReleaseRefused as refused:
        problems.extend(refused.problems)
    return problems


def _describe(key):
    population, items = key
    return population + "[" + ", ".join(f"{d}={c or '-'}" for d, c in items) + "]"


def _frontier(key, neighbours, hidden, known):
    """Published cells on a line through `key` or, when there are none, through the nearest
    hidden cells linked to it by lines: hiding one of them opens a way for `key` to vary.
    Cells `known` from the previous release (closed periods) stay known when hidden, so
    they are passed through, never chosen."""
    blocked = hidden | known
    seen, layer = {key}, [key]
    while layer:
        ring = {n for cell in layer for n in neighbours[cell] if n not in blocked}
        if ring:
            return ring
        layer = [n for cell in layer for n in neighbours[cell] if n not in seen]
        seen.update(layer)
    return set()


def protect(spec, previous=None):
    """Choose the hidden cells of a release; raises ReleaseRefused when none suffice."""
    limit = threshold()
    populations = {p.key: p for p in spec.populations}
    counters = {p.key: _Counter(p) for p in spec.populations}
    values = {}
    for table in spec.tables:
        for key in table_cells(populations[table.population], table).values():
            if key not in values:
                values[key] = counters[key[0]].value(key)
    public = _public(spec)
    small = [key for key in public if 0 < values[key] < limit]
    if small:
        raise ReleaseRefused([f"{_describe(key)} is public but small" for key in small])
    hidden = {key for key, v in values.items() if 0 < v < limit}
    for line, total in _lines(spec, attributes_only=True):
        whole = values[total]
        if whole and len(line) > 1:
            hidden.update(key for key in line if values[key] == whole)
    stable = _stable_previous(spec, previous)
    if previous is not None:
        for key, before in previous.cells().items():
            if key not in values:
                continue
            if key in stable:
                if before is None:
                    hidden.add(key)
            elif before is not None and 0 < abs(values[key] - before) < limit:
                hidden.add(key)
    neighbours, margins = _neighbours(spec), _margins(spec)
    known = {key for key, value in stable.items() if value is not None} | public

    def cost(key):
        return (key in margins, values[key] == 0, values[key], repr(key))

    solvers = _Solvers(spec)
    stale = set(populations)
    todo = sorted(hidden, key=lambda k: (len(k[1]), repr(k)))
    while todo:
        key = todo.pop(0)
        if key[0] in stale:
            published = {k: v for k, v in values.items() if k not in hidden}
            solvers.update(_fixed(published, stable), key[0])
            stale.discard(key[0])
        # Choosing cells needs only "wide enough"; the exact intervals come from the audit.
        if solvers.wide(key, limit):
            continue
        lo, hi = solvers.interval(key)
        if hi - lo >= limit - 1e-6:
            continue
        ring = _frontier(key, neighbours, hidden, known)
        if not ring:
            raise ReleaseRefused([f"{_describe(key)} cannot be protected"])
        choice = min(ring, key=cost)
        hidden.add(choice)
        stale.add(choice[0])
        todo[:0] = [key, choice]
    candidate = Candidate(spec, values, hidden)
    problems = audit(candidate, previous)
    if problems:
        raise ReleaseRefused(problems)
    return candidate


# --- Storing and showing ---------------------------------------------------------------------


def _languages():
    return [code for code, _name in settings.LANGUAGES]


def _filled_in(text, values):
    return str(text) % {name: str(value) for name, value in values.items()}


# `_("Members by %(rows)s") % {...}` is translated at once, in the language active when the
# release is counted; a release stores every language (`_rendered`), so a title with parts
# filled in must wait until then: `title=filled_in(_("Members by %(rows)s"), rows=term)`.
_filled_in_lazy = lazy(_filled_in, str)


def filled_in(text, **values):
    """`text % values`, translated (`text` and each value) when it is read, not now."""
    return _filled_in_lazy(text, values)


def _rendered(spec):
    """Titles and labels in every language, so a stored release reads the same for ever."""
    tables, extras = [], {}
    for language in _languages():
        with translation.override(language):
            for i, table in enumerate(spec.tables):
                if len(tables) <= i:
                    tables.append({"title": {}, "rows": {}, "columns": {}})
                entry = tables[i]
                entry["title"][language] = str(table.title)
                entry["rows"][language] = [str(table.rows.label)] + [
                    str(label) for _c, label in table.rows.categories
                ]
                if table.columns is not None:
                    entry["columns"][language] = [str(table.columns.label)] + [
                        str(label) for _c, label in table.columns.categories
                    ]
            if spec.extras is not None:
                extras[language] = [
                    {
                        "key": key,
                        "title": str(title),
                        "lines": [[str(h) for h in header], *lines],
                    }
                    for key, title, header, lines in spec.extras()
                ]
    return tables, extras


def serialise(candidate):
    spec = candidate.spec
    populations = {p.key: p for p in spec.populations}
    labels, extras = _rendered(spec)
    tables = []
    for table, label in zip(spec.tables, labels, strict=True):
        cells = table_cells(populations[table.population], table)
        rows, cols = _grid(table)
        grid = [
            [
                None if cells[(i, j)] in candidate.hidden else candidate.values[cells[(i, j)]]
                for j in range(len(cols))
            ]
            for i in range(len(rows))
        ]
        tables.append(
            {
                "key": table.key,
                "population": table.population,
                "rows": {"key": table.rows.key, "codes": list(table.rows.codes)},
                "columns": (
                    None
                    if table.columns is None
                    else {"key": table.columns.key, "codes": list(table.columns.codes)}
                ),
                "fixed": [list(item) for item in table.fixed],
                "rows_total": table.rows_total,
                "percent": table.percent,
                "public": table.public,
                "grid": grid,
                "labels": label,
            }
        )
    return {
        "populations": [
            {
                "key": p.key,
                "dimensions": [[d, list(codes)] for d, codes in p.dimensions],
                "cliques": [list(c) for c in p.cliques],
                "groups": {d: {g: list(b) for g, b in m.items()} for d, m in p.groups.items()},
                "timeline": p.timeline,
            }
            for p in spec.populations
        ],
        "tables": tables,
        "extras": extras,
    }


def spec_from_data(kind, data, stable=None):
    """The structure of a stored release (no counts), for auditing it again."""
    populations = tuple(
        Population(
            key=p["key"],
            dimensions=tuple((d, tuple(codes)) for d, codes in p["dimensions"]),
            cliques=tuple(tuple(c) for c in p["cliques"]),
            groups={d: {g: tuple(b) for g, b in m.items()} for d, m in p["groups"].items()},
            timeline=p.get("timeline"),
        )
        for p in data["populations"]
    )
    tables = tuple(
        TableSpec(
            key=t["key"],
            title=t["key"],
            population=t["population"],
            rows=Dimension(t["rows"]["key"], "", tuple((c, c) for c in t["rows"]["codes"])),
            columns=(
                None
                if t["columns"] is None
                else Dimension(
                    t["columns"]["key"], "", tuple((c, c) for c in t["columns"]["codes"])
                )
            ),
            fixed=tuple(tuple(item) for item in t["fixed"]),
            rows_total=t["rows_total"],
            public=t.get("public", False),
        )
        for t in data["tables"]
    )
    return ReleaseSpec(kind=kind, populations=populations, tables=tables, stable=stable)


def stored_cells(data):
    """{cell key: published value or None} of a stored release."""
    spec = spec_from_data("", data)
    by_key = {p.key: p for p in spec.populations}
    cells = {}
    for stored, table in zip(data["tables"], spec.tables, strict=True):
        for (i, j), key in table_cells(by_key[table.population], table).items():
            cells[key] = stored["grid"][i][j]
    return cells


def protected_tables(data, language=None):
    """The stored tables as ProtectedTables for templates and exports, in `language`."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    limit = data.get("threshold") or threshold()
    result = []
    for table in data["tables"]:
        labels = table["labels"]
        lang = language if language in labels["title"] else next(iter(labels["title"]))
        row_labels = labels["rows"][lang]
        rows = Dimension(
            table["rows"]["key"],
            row_labels[0],
            tuple(zip(table["rows"]["codes"], row_labels[1:], strict=True)),
        )
        columns = None
        if table["columns"] is not None:
            col_labels = labels["columns"][lang]
            columns = Dimension(
                table["columns"]["key"],
                col_labels[0],
                tuple(zip(table["columns"]["codes"], col_labels[1:], strict=True)),
            )
        grid = table["grid"]
        last = len(grid) - 1
        grand = grid[last][-1]

        def percent(value, whole, wanted=table["percent"]):
            # A share is shown only of a published group of at least the threshold.
            shown = wanted and whole is not None and whole >= limit and value is not None
            return 100 * value / whole if shown else None

        body = []
        for i, (code, label) in enumerate(rows.categories):
            line = grid[i]
            if columns is None:
                cells = (Cell(line[0], percent(line[0], grand)),)
                body.append(TableRow(code, label, cells, None))
            else:
                cells = tuple(Cell(v) for v in line[:-1])
                body.append(TableRow(code, label, cells, Cell(line[-1])))
        column_totals = () if columns is None else tuple(Cell(v) for v in grid[last][:-1])
        result.append(
            ProtectedTable(
                labels["title"][lang], rows, columns, tuple(body), column_totals, Cell(grand), limit
            )
        )
    return result


@dataclass(frozen=True)
class ExtraTable:
    """A stored table of figures protected by their own rule (e.g. medians)."""

    key: str
    title: str
    lines_: tuple
    threshold: int

    def header(self):
        return self.lines_[0]

    def lines(self):
        yield from self.lines_


def extra_tables(data, language=None):
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    extras = data.get("extras") or {}
    if not extras:
        return []
    entries = extras.get(language) or next(iter(extras.values()))
    limit = data.get("threshold") or threshold()
    return [ExtraTable(e["key"], e["title"], tuple(e["lines"]), limit) for e in entries]


# --- Publishing ------------------------------------------------------------------------------

_BUILDERS = {}
# Kinds made per object (one survey edition, one release series): prefix -> builder(kind).
_FAMILIES = {}


def register(kind, builder, stable=None):
    """An app's release: builder() -> ReleaseSpec counted now; stable(key, moment) as above."""
    _BUILDERS[kind] = (builder, stable)


def register_family(prefix, builder, stable=None):
    """Kinds `prefix` + a suffix (e.g. an edition's year), each with its own series of
    releases: builder(kind) -> ReleaseSpec. Not published by the monthly schedule."""
    _FAMILIES[prefix] = (builder, stable)


def kinds():
    return sorted(_BUILDERS)


def published_family_kinds():
    """The family kinds that have at least one stored release, for the auditor."""
    from .models import Release

    stored = Release.objects.values_list("kind", flat=True).distinct().order_by("kind")
    return [kind for kind in stored if _family(kind) is not None]


def _family(kind):
    for prefix, entry in _FAMILIES.items():
        if kind.startswith(prefix) and kind != prefix:
            return entry
    return None


def is_known(kind):
    return kind in _BUILDERS or _family(kind) is not None


def _builder_for(kind):
    if kind in _BUILDERS:
        return _BUILDERS[kind]
    family = _family(kind)
    if family is None:
        raise KeyError(kind)
    builder, stable = family
    return (lambda: builder(kind)), stable


def stored_candidate(release):
    """A stored release as the auditor sees it: its published cells, and which are hidden."""
    try:
        _builder, stable = _builder_for(release.kind)
    except KeyError:
        stable = None
    spec = spec_from_data(release.kind, release.data, stable=stable)
    cells = release.cells()
    hidden = {key for key, value in cells.items() if value is None}
    values = {key: value for key, value in cells.items() if value is not None}
    return Candidate(spec, values, hidden)


def audit_stored(release):
    """Audit a stored release again, with the release before it: (candidate, problems)."""
    from .models import Release

    before = (
        Release.objects.filter(kind=release.kind, number__lt=release.number)
        .order_by("-number")
        .first()
    )
    candidate = stored_candidate(release)
    return candidate, audit(candidate, before)


def report_lines(candidate):
    """Per table, its hidden cells and their intervals, as text lines."""
    for entry in audit_summary(candidate)["tables"]:
        yield f"{entry['table']}: {len(entry['hidden'])} hidden"
        for cell in entry["hidden"]:
            high = "inf" if cell["high"] is None else f"{cell['high']:g}"
            low = "-inf" if cell["low"] is None else f"{cell['low']:g}"
            row = "Total" if cell["row"] is None else cell["row"]
            column = "Total" if cell["column"] is None else cell["column"]
            yield f"  {row} / {column}: [{low}, {high}]"


def previous_release(kind):
    from .compiled import compiled_models
    from .models import Release

    # The audit (every hidden cell's interval) is as large as the data and no page shows it:
    # read on first use only. Compiled once per kind: every statistics page and download
    # reads the latest release.
    found = compiled_models(
        ("core.previous_release", kind),
        lambda: Release.objects.filter(kind=kind).defer("audit").order_by("-number")[:1],
    )
    return found[0] if found else None


def release_for(kind, number=None):
    """The release `number` of `kind` (the latest when None), or None."""
    from .models import Release

    if number is None:
        return previous_release(kind)
    try:
        return Release.objects.filter(kind=kind, number=int(number)).defer("audit").first()
    except ValueError:
        return None


def heading(release):
    """The first line of every export: which release, as of when, under which rules."""
    as_of = formats.date_format(timezone.localtime(release.as_of), "DATETIME_FORMAT")
    return _("Release %(number)s, as of %(as_of)s (disclosure rules %(rules)s)") % {
        "number": release.number,
        "as_of": as_of,
        "rules": release.rule_version,
    }


@transaction.atomic
def record_read(*, actor, action, release=None, part=""):
    """An admin viewed or exported a release (or asked for one where none is published
    yet): the audit row, with the release and the table, never the numbers."""
    from .audit import record_event

    label = release.label if release is not None else ""
    record_event(
        actor=actor,
        action=action,
        object_type="core.release",
        object_id=f"{label}/{part}" if part else label,
    )


def request_release(*, kind, actor):
    """An admin asks for a new release now: audited here, counted by the worker (a release
    of the demo data takes about a minute of solver time, too long for a request)."""
    from .audit import record_event
    from .tasks import publish_release

    record_event(
        actor=actor,
        action="statistics.release.requested",
        object_type="core.release",
        object_id=kind,
    )
    # robust: a broker outage loses only this request (the admin can press again), never
    # the page; the monthly schedule publishes anyway.
    transaction.on_commit(lambda: publish_release.delay(kind, actor.pk), robust=True)


def build(kind):
    """A protected, audited candidate for `kind` (not stored), with the release it follows."""
    builder, _stable = _builder_for(kind)
    previous = previous_release(kind)
    return protect(builder(), previous), previous


def publish(*, kind, actor=None):
    """Count, protect, audit and store a new release of `kind`, with its audit row.

    Raises ReleaseRefused (and stores nothing) when the auditor finds a problem.
    """
    from .audit import record_event
    from .models import Release

    as_of = timezone.now()
    with transaction.atomic():
        # One publisher at a time per kind: the new release is protected against the last.
        Release.objects.select_for_update().filter(kind=kind).order_by("-number").first()
        candidate, previous = build(kind)
        data = serialise(candidate)
        data["threshold"] = threshold()
        release = Release.objects.create(
            kind=kind,
            number=(previous.number + 1) if previous else 1,
            as_of=as_of,
            rule_version=RULE_VERSION,
            threshold=threshold(),
            data=data,
            audit=audit_summary(candidate),
        )
        record_event(
            actor=actor,
            action="statistics.release.published",
            object_type="core.release",
            object_id=release.label,
        )
    return release


def audit_summary(candidate):
    """Per table, its hidden cells and their intervals (infinite bounds as None)."""
    populations = {p.key: p for p in candidate.spec.populations}
    summary = []
    for table in candidate.spec.tables:
        rows, cols = _grid(table)
        hidden = []
        for (i, j), key in table_cells(populations[table.population], table).items():
            if key in candidate.hidden:
                lo, hi = candidate.intervals[key]
                hidden.append(
                    {
                        "row": rows[i],
                        "column": cols[j],
                        "low": _finite(lo),
                        "high": _finite(hi),
                    }
                )
        summary.append({"table": table.key, "hidden": hidden})
    return {"tables": summary}


def _finite(value):
    return None if math.isinf(value) else round(value, 6)
