"""The report of a closed, mixed edition: one statistics release (core.releases) per edition,
kind `survey-report-<year>`, counted in the database from `selectors.result_responses` only.

Release design (why the audit is sound)
---------------------------------------
Every published table counts one *variable* (a question; a multiple-choice option; a Likert
item) against the generalised strata stored with each response. All strata of a response
are folded into one dimension, the *stratum* (the combination of region, employer type,
field, contract type, union member and user representative); a breakdown by region is then
a table whose rows are groups of strata (`region:ost` = every stratum in Eastern Norway).

- Each variable is its own population over (answer, stratum) with ONE clique, so its LP is
  exact for it. The answer has the codes of the question plus "declined" and "no answer",
  so every population counts every response of the edition.
- Across variables the full joint table is over (all answers, stratum): the cliques
  (answer_i, stratum) form a star around the stratum, which is acyclic. Each population
  publishes its stratum margin (the `strata` table: generalisation made every combination
  at least k, so these are safe to publish; the microdata export gives more anyway). With
  the stratum margin fixed in every population, the populations' LPs are independent and
  together give exactly the intervals of the LP over the full joint table.
- A question x dimension clique per pair (cyclic, hence unsound) is never used.
- Trends show only cells of each edition's own release: different editions count different
  responses, so nothing is linked across years (no panel).

Numbers that are not counts (n, mean, median, quartiles) are shown only for a group whose
count is at least k and that passes the dominance and p % rules (core.disclosure); they are
stored as the release's `extras`, computed in the database (percentile_cont on PostgreSQL;
on SQLite, which `make run` uses, one ordered column of values per question).

`build_report(edition)` (surveys.tasks.build_report) publishes the release once per
edition; the page and the exports read only the stored release through `report_for`.
"""

import dataclasses
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Avg, Count, FloatField, Max, Sum
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from core import disclosure, releases
from core.disclosure import Dimension
from core.releases import Population, ReleaseSpec, TableSpec
from members.models import ContractType, EmployerType, Field
from members.regions import Region

from . import selectors
from .models import Answer, Edition, Question

KIND_PREFIX = "survey-report-"
STRATUM, ANSWER = "stratum", "answer"
MISSING, DECLINED = "_missing", "_declined"
ANSWERED, CHOSEN, NOT_CHOSEN = "_answered", "_chosen", "_not_chosen"
BLANK = ""
# The predefined dimensions a response carries (surveys.strata).
DIMENSIONS = (
    "region",
    "employer_type",
    "field",
    "contract_type",
    "union_member",
    "user_representative",
    "training_completed",
)
# The ones the report breaks down by. Field and contract type are the first a small edition's
# generalisation gives up (surveys.strata.HIERARCHY): in 2022 they were blank for most
# responses, and publishing them made every stratum finer, so the auditor had to hide most
# distributions. The training programme is a yes/no that generalisation keeps for nearly
# every response (docs/anonymity.md), and the annual report's "the programme goes with higher
# pay" needs it. A stratum is the combination of these only ("ost|municipality|yes").
BREAKDOWNS = ("region", "employer_type", "training_completed")
STRATUM_FIELDS = BREAKDOWNS
YES_NO = (("yes", _("Yes")), ("no", _("No")))
BREAKDOWN_CHOICES = {
    "region": (_("Region"), Region.choices),
    "employer_type": (_("Employer type"), EmployerType.choices),
    "field": (_("Field"), Field.choices),
    "contract_type": (_("Contract type"), ContractType.choices),
    "union_member": (_("Union member"), YES_NO),
    "user_representative": (_("User representative"), YES_NO),
    "training_completed": (_("Training programme"), YES_NO),
}
NOT_BROKEN_DOWN = _("Not broken down")


def kind_for(year):
    return f"{KIND_PREFIX}{year}"


def year_of(kind):
    return int(kind.removeprefix(KIND_PREFIX))


def breakdown_label(by):
    return BREAKDOWN_CHOICES[by][0]


def group_code(by, code):
    return f"{by}:{code}"


def breakdown_categories(by):
    _label, choices = BREAKDOWN_CHOICES[by]
    return (*choices, (BLANK, NOT_BROKEN_DOWN))


# --- Variables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    """One counted thing of a question: the question itself, one option of a multiple choice
    question, or one item of a Likert matrix. `key` names its population."""

    key: str
    question_key: str
    item_code: str  # Likert item; for multiple choice, the option's code
    codes: tuple[tuple[str, str], ...]  # (code, label) without MISSING


# A label of the question's own text (nb/en in the database), read in the language active
# when the release renders it, so the stored release has both.
_localized = lazy(lambda obj, attr: str(getattr(obj, attr)), str)


def variables_of(question):
    """The variables a question is counted as (none for free text)."""
    Type = Question.Type
    missing = ((MISSING, _("No answer")),)
    if question.type == Type.TEXT:
        return []
    if question.type in Question.NUMBER_TYPES:
        codes = [(ANSWERED, _("Answered"))]
        if question.allow_decline:
            codes.append((DECLINED, _("Prefer not to say")))
        return [Variable(question.key, question.key, "", (*codes, *missing))]
    choices = tuple((c.code, _localized(c, "label")) for c in question.choices.all())
    if question.type == Type.MULTI:
        return [
            Variable(
                f"{question.key}.{code}",
                question.key,
                code,
                ((CHOSEN, _("Chosen")), (NOT_CHOSEN, _("Not chosen")), *missing),
            )
            for code, _label in choices
        ]
    if question.type == Type.LIKERT:
        return [
            Variable(f"{question.key}.{item.code}", question.key, item.code, (*choices, *missing))
            for item in question.items.all()
        ]
    return [Variable(question.key, question.key, "", (*choices, *missing))]


def _population_key(year, variable):
    return f"report-{year}-{variable.key}"


# --- Counting in the database ------------------------------------------------------------------


def stratum_of(row, prefix=""):
    return "|".join(row[prefix + name] or BLANK for name in STRATUM_FIELDS)


def _strata_counts(responses):
    rows = responses.values(*STRATUM_FIELDS).annotate(n=Count("pk")).order_by()
    return {stratum_of(row): row["n"] for row in rows}


def _answer_counts(responses):
    """{(question_key, item_code, code or ANSWERED/DECLINED, stratum): answers}, and
    {(question_key, item_code or "", stratum): responses that answered it}, in two GROUP BY
    queries."""
    strata = [f"response__{name}" for name in STRATUM_FIELDS]
    answers = Answer.objects.filter(response__in=responses)
    values = defaultdict(int)
    rows = (
        answers.values("question_key", "item_code", "code", "declined", *strata)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        code = DECLINED if row["declined"] else (row["code"] or ANSWERED)
        values[(row["question_key"], row["item_code"], code, stratum_of(row, "response__"))] += row[
            "n"
        ]
    answered = {}
    rows = (
        answers.values("question_key", *strata)
        .annotate(n=Count("response", distinct=True))
        .order_by()
    )
    for row in rows:
        answered[(row["question_key"], stratum_of(row, "response__"))] = row["n"]
    return values, answered


def _variable_counts(question, variable, strata, values, answered):
    """{(answer code, stratum): responses} of one variable, with MISSING filling up each
    stratum to its number of responses."""
    counts = {}
    for stratum, total in strata.items():
        seen = 0
        if question.type == Question.Type.MULTI:
            chosen = values.get((question.key, "", variable.item_code, stratum), 0)
            asked = answered.get((question.key, stratum), 0)
            pairs = ((CHOSEN, chosen), (NOT_CHOSEN, asked - chosen))
        else:
            pairs = [
                (code, values.get((question.key, variable.item_code, code, stratum), 0))
                for code, _label in variable.codes
                if code != MISSING
            ]
        for code, n in pairs:
            if n:
                counts[(code, stratum)] = n
                seen += n
        if total - seen:
            counts[(MISSING, stratum)] = total - seen
    return counts


# --- Numeric statistics -----------------------------------------------------------------------


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class SecondLargest(Aggregate):
    """The second largest value of the group (for the p % rule)."""

    template = "(array_agg(%(expressions)s ORDER BY %(expressions)s DESC))[2]"
    output_field = FloatField()


@dataclass(frozen=True)
class Stats:
    n: int
    mean: float | None
    q1: float | None
    median: float | None
    q3: float | None


def _passes(n, total, largest, second):
    """The rules of core.disclosure.protected_mean, from the aggregates alone."""
    if n < disclosure.threshold():
        return False
    if total > 0 and n >= 2:
        dominance = settings.DISCLOSURE_DOMINANCE_SHARE
        p = settings.DISCLOSURE_P_PERCENT / 100
        if largest > dominance * total or total - largest - second < p * largest:
            return False
    return True


def numeric_stats(responses, keys, by=None):
    """{(question key, group code or None): Stats} of the numbers given to `keys`, per value
    of the response field `by` (None: all). Figures of a group that fails the rules are None."""
    answers = Answer.objects.filter(
        response__in=responses, question_key__in=keys, number__isnull=False
    )
    group = [f"response__{by}"] if by else []
    result = {}
    if connection.vendor == "postgresql":
        rows = (
            answers.values("question_key", *group)
            .annotate(
                n=Count("pk"),
                total=Sum("number"),
                mean=Avg("number"),
                largest=Max("number"),
                second=SecondLargest("number"),
                q1=PercentileCont("number", 0.25),
                median=PercentileCont("number", 0.5),
                q3=PercentileCont("number", 0.75),
            )
            .order_by()
        )
        for row in rows:
            code = row[group[0]] if by else None
            ok = _passes(row["n"], float(row["total"]), float(row["largest"]), row["second"] or 0)
            result[(row["question_key"], code)] = _stats(row, ok)
        return result
    # SQLite: one ordered column of numbers (and its group), no response rows.
    values = defaultdict(list)
    for row in answers.order_by("question_key", *group, "number").values_list(
        "question_key", *group, "number"
    ):
        values[(row[0], row[1] if by else None)].append(float(row[-1]))
    for key, numbers in values.items():
        n = len(numbers)
        largest = numbers[-1]
        second = numbers[-2] if n > 1 else 0
        ok = _passes(n, sum(numbers), largest, second)
        if n > 1:
            q1, median, q3 = statistics.quantiles(numbers, n=4, method="inclusive")
        else:
            q1 = median = q3 = numbers[0]
        row = {"n": n, "mean": sum(numbers) / n, "q1": q1, "median": median, "q3": q3}
        result[key] = _stats(row, ok)
    return result


def _stats(row, ok):
    def num(value):
        return None if not ok or value is None else round(float(value), 2)

    return Stats(row["n"], num(row["mean"]), num(row["q1"]), num(row["median"]), num(row["q3"]))


# --- The release -----------------------------------------------------------------------------


def answer_dimension(question, variable):
    return Dimension(ANSWER, _localized(question, "text"), variable.codes)


def stratum_dimension(by, codes):
    """Rows of a breakdown: the groups of strata with one value of `by`."""
    index = STRATUM_FIELDS.index(by)
    groups = {
        group_code(by, code): tuple(s for s in codes if s.split("|")[index] == code)
        for code, _label in breakdown_categories(by)
    }
    # Only groups with someone in them: an empty group's cells are zero by definition, so
    # hiding one would protect nothing and the auditor could never widen it.
    categories = tuple(
        (group_code(by, code), label)
        for code, label in breakdown_categories(by)
        if groups[group_code(by, code)]
    )
    groups = {code: members for code, members in groups.items() if members}
    return Dimension(STRATUM, breakdown_label(by), categories), groups


def _questions(edition):
    survey = selectors.questionnaire_for(edition)
    return [q for section in survey.sections for q in section.question_list]


def release_spec(kind):
    """Every table of the report of edition `year`: per variable its distribution, its
    breakdown by each predefined dimension, and its stratum margin (see the module doc)."""
    year = year_of(kind)
    edition = Edition.objects.get(year=year)
    responses = selectors.result_responses(edition)
    strata = _strata_counts(responses)
    values, answered = _answer_counts(responses)
    stratum_codes = tuple(sorted(strata))
    groups, breakdowns = {}, {}
    for by in BREAKDOWNS:
        breakdowns[by], found = stratum_dimension(by, stratum_codes)
        groups.update(found)
    strata_rows = Dimension(STRATUM, _("Stratum"), tuple((s, s) for s in stratum_codes))
    populations, tables = [], []
    questions = _questions(edition)
    for question in questions:
        for variable in variables_of(question):
            key = _population_key(year, variable)
            answer = answer_dimension(question, variable)
            populations.append(
                Population(
                    key=key,
                    dimensions=((ANSWER, answer.codes), (STRATUM, stratum_codes)),
                    cliques=((ANSWER, STRATUM),),
                    counts=_variable_counts(question, variable, strata, values, answered),
                    groups={STRATUM: groups},
                )
            )
            title = _localized(question, "text")
            counts = populations[-1].counts
            options = _BUILDING.get(kind, {})
            keep = options.get("keep", False) and _safe_distribution(counts, answer)
            tables.append(TableSpec(f"dist:{variable.key}", title, key, answer, public=keep))
            for by in BREAKDOWNS:
                if question.profile_field == by or key in options.get("no_breakdown", ()):
                    continue  # the answer is the group itself: a diagonal that says nothing
                tables.append(
                    TableSpec(f"by:{by}:{variable.key}", title, key, breakdowns[by], answer)
                )
            # The stratum margin and its groups: public, since generalisation made every
            # stratum at least k; fixed in every population, so the LPs are exact together.
            tables.append(
                TableSpec(f"strata:{variable.key}", _("Strata"), key, strata_rows, public=True)
            )
            for by in BREAKDOWNS:
                tables.append(
                    TableSpec(
                        f"groups:{by}:{variable.key}",
                        breakdown_label(by),
                        key,
                        breakdowns[by],
                        public=True,
                    )
                )
    numeric = [q.key for q in questions if q.type in Question.NUMBER_TYPES]
    stats = {None: numeric_stats(responses, numeric)}
    for by in BREAKDOWNS:
        stats[by] = numeric_stats(responses, numeric, by)

    def extras():
        lines = []
        for by, found in stats.items():
            entries = [
                [key, code, s.n, s.mean, s.q1, s.median, s.q3]
                for (key, code), s in sorted(found.items(), key=lambda i: (i[0][0], str(i[0][1])))
            ]
            header = ["key", "group", "n", "mean", "q1", "median", "q3"]
            lines.append((f"stats:{by or ''}", _("Numbers"), header, entries))
        return lines

    return ReleaseSpec(
        kind=kind, populations=tuple(populations), tables=tuple(tables), extras=extras
    )


# Kinds being built: {"keep": keep safe distributions fixed, "no_breakdown": populations
# published without breakdowns} (see build_report).
_BUILDING = {}


def _safe_distribution(counts, answer):
    """True when a distribution needs no hiding of its own: no count 0 < n < k and no
    single answer holding everyone."""
    totals = defaultdict(int)
    for (code, _stratum), n in counts.items():
        totals[code] += n
    whole = sum(totals.values())
    limit = disclosure.threshold()
    return all(not 0 < totals[code] < limit for code in answer.codes) and not any(
        totals[code] == whole for code in answer.codes if whole
    )


def build_report(*, year, actor=None):
    """Publish the report release of edition `year` once: None when it exists already or the
    edition has no results (open, or not mixed).

    The distributions are what the report is read for (71 % union members), and hiding
    breakdown cells otherwise ends in hiding them too: with many small groups the
    suppression spreads to the totals. So each distribution that is safe on its own is kept
    (TableSpec.public: fixed, its breakdowns are protected around it). A variable whose
    breakdowns cannot be protected around it is published without breakdowns. Each
    variable is tried alone first (populations share no hidden cell, so this is what the
    whole release would do); then the whole release is protected and audited as always.
    """
    if not Edition.objects.with_results().filter(year=year).exists():
        return None
    kind = kind_for(year)
    if releases.release_for(kind) is not None:
        return None
    _BUILDING[kind] = {"keep": True, "no_breakdown": set()}
    try:
        spec = release_spec(kind)
        for population in spec.populations:
            tables = tuple(t for t in spec.tables if t.population == population.key)
            try:
                releases.protect(ReleaseSpec(kind, (population,), tables))
            except releases.ReleaseRefused:
                _BUILDING[kind]["no_breakdown"].add(population.key)
        return releases.publish(kind=kind, actor=actor)
    finally:
        _BUILDING.pop(kind, None)


# --- Reading the stored release -----------------------------------------------------------------


@dataclass(frozen=True)
class ReportCell:
    """A published number (`value`) or a hidden one (`value` None); `percent` only where it
    may be shown (its count and its base published, the base at least k)."""

    value: int | float | None
    percent: float | None = None
    # The value and the share as the report's language writes them (set by report_for).
    text: str = ""
    percent_text: str = ""

    @property
    def suppressed(self):
        return self.value is None

    def __str__(self):
        return disclosure.SUPPRESSED if self.value is None else str(self.value)


@dataclass(frozen=True)
class ReportRow:
    code: str
    label: str
    cells: tuple[ReportCell, ...]
    # A total line: shown in the table, not drawn as a bar beside its own parts.
    is_total: bool = False


@dataclass(frozen=True)
class ReportTable:
    """One table as the page, the print view and the exports show it. `chart` is "bar" or
    "line" (static/js/charts.js draws it from the HTML table)."""

    key: str
    title: str
    row_label: str
    columns: tuple[str, ...]
    rows: tuple[ReportRow, ...]
    chart: str = "bar"
    percent: bool = False
    threshold: int | None = None  # for the legend of an export; the setting when None

    def lines(self):
        """Header and body as plain values, for core.disclosure's exports."""
        header = [self.row_label]
        for column in self.columns:
            header.append(column)
            if self.percent:
                header.append("%")
        yield header
        for row in self.rows:
            line = [row.label]
            for cell in row.cells:
                line.append(str(cell) if cell.value is None else cell.value)
                if self.percent:
                    line.append("" if cell.percent is None else round(cell.percent))
            yield line


@dataclass
class QuestionReport:
    key: str
    text: str
    type: str
    unit: str
    tables: list = field(default_factory=list)  # distribution (and numbers)
    breakdown: list = field(default_factory=list)  # tables by the chosen dimension
    trend: ReportTable | None = None
    breaks: list = field(default_factory=list)  # years whose wording or scale changed


@dataclass
class SectionReport:
    title: str
    questions: list


@dataclass(frozen=True)
class ReleaseInfo:
    kind: str
    number: int
    as_of: object
    rule_version: str


@dataclass
class Report:
    edition: Edition
    release: object
    n: int | None
    opens_at: object
    closes_at: object
    sections: list
    by: str | None
    threshold: int
    legend: str
    response_rate: list = field(default_factory=list)  # participation tables, if published

    @property
    def tables(self):
        for section in self.sections:
            for question in section.questions:
                yield from question.tables
                yield from question.breakdown
                if question.trend is not None:
                    yield question.trend


class _Stored:
    """Lookups into one stored release: cells by table key, labels in one language."""

    def __init__(self, release, language):
        self.release = release
        self.tables = {t["key"]: t for t in release.data["tables"]}
        self.language = language
        self.limit = release.threshold
        extras = release.data.get("extras") or {}
        entries = extras.get(language) or next(iter(extras.values()), [])
        self.stats = {}
        for entry in entries:
            by = entry["key"].removeprefix("stats:") or None
            for key, code, n, mean, q1, median, q3 in entry["lines"][1:]:
                self.stats[(by, key, code)] = Stats(n, mean, q1, median, q3)

    def has(self, key):
        return key in self.tables

    def grid(self, key):
        return self.tables[key]["grid"]

    def labels(self, key, part):
        labels = self.tables[key]["labels"][part]
        return labels.get(self.language) or next(iter(labels.values()))

    def codes(self, key, part):
        return self.tables[key][part]["codes"]


def _share(value, base, limit):
    if value is None or base is None or base < limit:
        return None
    return 100 * value / base


def _distribution(stored, question, variables):
    """Counts and % of those who answered; "No answer" last, without a %."""
    limit = stored.limit
    if question.type == Question.Type.LIKERT:
        first = f"dist:{variables[0].key}"
        codes = stored.codes(first, "rows")
        labels = stored.labels(first, "rows")[1:]
        rows = []
        for variable, item in zip(variables, question.items.all(), strict=True):
            grid = stored.grid(f"dist:{variable.key}")
            values = [line[0] for line in grid[:-1]]
            missing = values[codes.index(MISSING)]
            base = None if grid[-1][0] is None or missing is None else grid[-1][0] - missing
            rows.append(
                ReportRow(
                    item.code,
                    str(item.text),
                    tuple(
                        ReportCell(v, None if c == MISSING else _share(v, base, limit))
                        for c, v in zip(codes, values, strict=True)
                    ),
                )
            )
        return ReportTable(
            f"dist:{question.key}", str(question.text), _("Statement"), tuple(labels), tuple(rows)
        )
    if question.type == Question.Type.MULTI:
        rows, missing_cell, base = [], None, None
        for variable, choice in zip(variables, question.choices.all(), strict=True):
            key = f"dist:{variable.key}"
            codes = stored.codes(key, "rows")
            grid = stored.grid(key)
            chosen, not_chosen = grid[codes.index(CHOSEN)][0], grid[codes.index(NOT_CHOSEN)][0]
            missing_cell = grid[codes.index(MISSING)][0]
            base = None if chosen is None or not_chosen is None else chosen + not_chosen
            rows.append(ReportRow(choice.code, str(choice.label), (ReportCell(chosen),)))
        # Every option's population counts the same people who answered: one base for all.
        rows = [
            ReportRow(
                r.code,
                r.label,
                (ReportCell(r.cells[0].value, _share(r.cells[0].value, base, limit)),),
            )
            for r in rows
        ]
        rows.append(ReportRow(MISSING, str(_("No answer")), (ReportCell(missing_cell),)))
        return ReportTable(
            f"dist:{question.key}",
            str(question.text),
            _("Answer"),
            (str(_("Count")),),
            tuple(rows),
            percent=True,
        )
    key = f"dist:{variables[0].key}"
    codes = stored.codes(key, "rows")
    labels = stored.labels(key, "rows")[1:]
    grid = stored.grid(key)
    missing = grid[codes.index(MISSING)][0]
    base = None if grid[-1][0] is None or missing is None else grid[-1][0] - missing
    rows = [
        ReportRow(
            code,
            label,
            (ReportCell(line[0], None if code == MISSING else _share(line[0], base, limit)),),
        )
        for code, label, line in zip(codes, labels, grid[:-1], strict=True)
    ]
    rows.append(ReportRow("", str(_("Total")), (ReportCell(grid[-1][0]),), is_total=True))
    return ReportTable(
        key, str(question.text), _("Answer"), (str(_("Count")),), tuple(rows), percent=True
    )


def _breakdown(stored, question, variables, by):
    """The distribution of each group of `by`: one table per Likert item, one for the rest."""
    tables = []
    first = f"by:{by}:{variables[0].key}"
    if not all(stored.has(f"by:{by}:{v.key}") for v in variables):
        return []  # published without this breakdown (build_report)
    groups = [code.split(":", 1)[1] for code in stored.codes(first, "rows")]
    group_labels = stored.labels(first, "rows")[1:]
    if question.type == Question.Type.MULTI:
        columns = [str(c.label) for c in question.choices.all()]
        grids = [stored.grid(f"by:{by}:{v.key}") for v in variables]
        col = stored.codes(f"by:{by}:{variables[0].key}", "columns").index(CHOSEN)
        rows = [
            ReportRow(code, label, tuple(ReportCell(grid[i][col]) for grid in grids))
            for i, (code, label) in enumerate(zip(groups, group_labels, strict=True))
        ]
        title = _("%(question)s, by %(dimension)s") % {
            "question": question.text,
            "dimension": str(breakdown_label(by)).lower(),
        }
        return [
            ReportTable(
                f"by:{by}:{question.key}",
                title,
                str(breakdown_label(by)),
                tuple(columns),
                tuple(rows),
            )
        ]
    items = list(question.items.all()) if question.type == Question.Type.LIKERT else [None]
    for variable, item in zip(variables, items, strict=True):
        key = f"by:{by}:{variable.key}"
        grid = stored.grid(key)
        columns = [*stored.labels(key, "columns")[1:], str(_("Total"))]
        rows = [
            ReportRow(code, label, tuple(ReportCell(v) for v in grid[i]))
            for i, (code, label) in enumerate(zip(groups, group_labels, strict=True))
        ]
        rows.append(
            ReportRow("", str(_("Total")), tuple(ReportCell(v) for v in grid[-1]), is_total=True)
        )
        subject = question.text if item is None else f"{question.text}: {item.text}"
        title = _("%(question)s, by %(dimension)s") % {
            "question": subject,
            "dimension": str(breakdown_label(by)).lower(),
        }
        tables.append(
            ReportTable(key, title, str(breakdown_label(by)), tuple(columns), tuple(rows))
        )
    return tables


STAT_COLUMNS = (_("n"), _("Mean"), _("Q1"), _("Median"), _("Q3"))


def _stats_table(stored, question, by):
    def cells(stats):
        if stats is None:
            return tuple(ReportCell(None) for _c in STAT_COLUMNS)
        n = stats.n if stats.n >= stored.limit else None
        return (
            ReportCell(n),
            *(ReportCell(v) for v in (stats.mean, stats.q1, stats.median, stats.q3)),
        )

    rows = [ReportRow("", str(_("All")), cells(stored.stats.get((None, question.key, None))))]
    if by and stored.has(f"by:{by}:{question.key}"):
        present = set(stored.codes(f"by:{by}:{question.key}", "rows"))
        for code, label in breakdown_categories(by):
            if group_code(by, code) not in present:
                continue
            rows.append(
                ReportRow(code, str(label), cells(stored.stats.get((by, question.key, code))))
            )
    title = _("%(question)s: figures") % {"question": question.text}
    if question.unit_symbol:
        title = f"{title} ({question.unit_symbol})"
    return ReportTable(
        f"stats:{by or ''}:{question.key}",
        title,
        str(breakdown_label(by)) if by else "",
        tuple(str(c) for c in STAT_COLUMNS),
        tuple(rows),
    )


def scale_of(question):
    """What makes two editions' answers comparable: wording, options, unit and range."""
    return (
        question.text_nb,
        question.type,
        tuple((c.code, c.label_nb) for c in question.choices.all()),
        tuple((i.code, i.text_nb) for i in question.items.all()),
        question.unit,
        question.min_value,
        question.max_value,
    )


def _trend(question, variables, history):
    """Per year with a report: n (who answered) and the distribution's published counts;
    a year whose wording or scale differs from the one after it is marked as a break."""
    points = []
    for year, stored, other in history:
        if other is None or other.type != question.type:
            continue
        found = list(variables_of(other))
        if question.type == Question.Type.LIKERT or not found:
            continue
        points.append((year, stored, other, found))
    if len(points) < 2:
        return None, []
    codes = [code for code, _label in variables[0].codes if code != MISSING]
    labels = [str(label) for code, label in variables[0].codes if code != MISSING]
    if question.type == Question.Type.MULTI:
        codes = [v.item_code for v in variables]
        labels = [str(c.label) for c in question.choices.all()]
    rows, breaks = [], []
    later = None
    for year, _stored, other, _found in sorted(points, key=lambda p: p[0]):
        if later is not None and scale_of(later) != scale_of(other):
            breaks.append(year)
        later = other
    for year, stored, _other, found in sorted(points, key=lambda p: p[0]):
        cells = []
        if question.type == Question.Type.MULTI:
            by_code = {v.item_code: v for v in found}
            n = None
            for code in codes:
                variable = by_code.get(code)
                value = None
                if variable and stored.has(f"dist:{variable.key}"):
                    key = f"dist:{variable.key}"
                    rc = stored.codes(key, "rows")
                    grid = stored.grid(key)
                    value = grid[rc.index(CHOSEN)][0]
                    c, nc = grid[rc.index(CHOSEN)][0], grid[rc.index(NOT_CHOSEN)][0]
                    n = None if c is None or nc is None else c + nc
                cells.append(value)
        else:
            key = f"dist:{found[0].key}"
            if not stored.has(key):
                continue
            rc = stored.codes(key, "rows")
            grid = stored.grid(key)
            missing = grid[rc.index(MISSING)][0]
            n = None if grid[-1][0] is None or missing is None else grid[-1][0] - missing
            cells = [grid[rc.index(code)][0] if code in rc else None for code in codes]
        rows.append(
            ReportRow(
                str(year),
                str(year),
                (ReportCell(n), *(ReportCell(v, _share(v, n, stored.limit)) for v in cells)),
            )
        )
    table = ReportTable(
        f"trend:{question.key}",
        _("%(question)s: trend") % {"question": question.text},
        _("Year"),
        (str(_("n")), *labels),
        tuple(rows),
        chart="line",
    )
    return table, breaks


def latest_reports(years):
    """{year: latest report release} of `years`, in one query."""
    from core.models import Release

    found = {}
    for release in Release.objects.filter(kind__in=[kind_for(y) for y in years]).order_by(
        "kind", "-number"
    ):
        found.setdefault(year_of(release.kind), release)
    return found


def report_for(edition, *, by=None, language=None):
    """The structured report of `edition` from its stored release, in `language` (the active
    one when None), with the breakdown `by` (one of BREAKDOWNS) or none; None when no
    report has been built. A fixed number of queries, whatever the number of responses.

    Releases never change, so the report read from a set of them is cached under their ids:
    decoding a release of 40 questions takes most of a second, a cached report a few ms."""
    from core.models import Release

    from . import participation

    language = language or translation.get_language() or settings.LANGUAGE_CODE
    by = by if by in BREAKDOWNS else None
    years = Edition.objects.with_results().values_list("year", flat=True)
    ids = {}
    for pk, kind in (
        Release.objects.filter(kind__in=[kind_for(y) for y in years])
        .order_by("kind", "-number")
        .values_list("pk", "kind")
    ):
        ids.setdefault(kind, pk)
    if kind_for(edition.year) not in ids:
        return None
    rate = (
        Release.objects.filter(kind=participation.kind_for(edition.year))
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )
    key = "surveys-report-3:{}:{}:{}:{}:{}".format(
        edition.year, language, by or "", rate, ",".join(str(ids[k]) for k in sorted(ids))
    )
    found = cache.get(key)
    if found is None:
        found = _report_for(edition, by=by, language=language)
        if found is not None:
            with translation.override(language):
                _format(found)
        cache.set(key, found, timeout=7 * 24 * 3600)
    return found


def _format(result):
    """Write every number once, in the report's language (formatting thousands of cells
    on every page view was most of its time)."""
    from core.numbers import format_number

    def formatted(cell):
        text = disclosure.SUPPRESSED if cell.value is None else format_number(cell.value)
        share = "" if cell.percent is None else format_number(round(cell.percent))
        return ReportCell(cell.value, cell.percent, text, share)

    def table(t):
        rows = tuple(
            ReportRow(r.code, r.label, tuple(formatted(c) for c in r.cells), r.is_total)
            for r in t.rows
        )
        return dataclasses.replace(t, rows=rows)

    for section in result.sections:
        for question in section.questions:
            question.tables = [table(t) for t in question.tables]
            question.breakdown = [table(t) for t in question.breakdown]
            if question.trend is not None:
                question.trend = table(question.trend)


def _report_for(edition, *, by, language):
    from . import participation

    with translation.override(language):
        editions = list(Edition.objects.with_results().order_by("year"))
        reports = latest_reports([e.year for e in editions])
        release = reports.get(edition.year)
        if release is None:
            return None
        stored = _Stored(release, language)
        others = {e.year: _Stored(reports[e.year], language) for e in editions if e.year in reports}
        # Every edition's questions with a key of this edition, for trends: two queries.
        questions_by_year = defaultdict(dict)
        for q in (
            Question.objects.filter(edition__year__in=list(others))
            .select_related("edition")
            .prefetch_related("choices", "items")
        ):
            questions_by_year[q.edition.year][q.key] = q
        survey = selectors.questionnaire_for(edition)
        sections = []
        for section in survey.sections:
            found = []
            for question in section.question_list:
                variables = variables_of(question)
                if not variables or not stored.has(f"dist:{variables[0].key}"):
                    continue
                entry = QuestionReport(
                    question.key, str(question.text), question.type, question.unit_symbol
                )
                entry.tables.append(_distribution(stored, question, variables))
                if question.type in Question.NUMBER_TYPES:
                    entry.tables.append(_stats_table(stored, question, by))
                if by:
                    entry.breakdown = _breakdown(stored, question, variables, by)
                history = [
                    (year, others[year], questions_by_year[year].get(question.key))
                    for year in sorted(others)
                ]
                entry.trend, entry.breaks = _trend(question, variables, history)
                found.append(entry)
            if found:
                sections.append(SectionReport(str(section.title), found))
        dist = stored.grid(next(iter(stored.tables)))
        rate = releases.release_for(participation.kind_for(edition.year))
        rate_tables = []
        if rate is not None:
            rate_tables = [
                {"title": t.title, "label": t.rows.label, "rows": participation.rate_rows(t)}
                for t in rate.tables()
            ]
        return Report(
            edition=edition,
            # What the page and the exports' heading need, without the release's tables.
            release=ReleaseInfo(release.kind, release.number, release.as_of, release.rule_version),
            n=dist[-1][0],
            opens_at=edition.opens_at,
            closes_at=edition.closes_at,
            sections=sections,
            by=by,
            threshold=release.threshold,
            legend=str(disclosure.legend(release.threshold)),
            response_rate=rate_tables,
        )


def editions_without_report():
    """Years of the editions with results whose report has not been built."""
    from core.models import Release

    built = Release.objects.filter(kind__startswith=KIND_PREFIX).values_list("kind", flat=True)
    built = {year_of(kind) for kind in built}
    years = Edition.objects.with_results().values_list("year", flat=True)
    return [year for year in years if year not in built]


def request_report(*, edition, actor):
    """An admin asks for the report: audited here, built by the worker (once)."""
    from django.db import transaction

    from core.audit import record_event

    from .tasks import build_report as task

    record_event(
        actor=actor,
        action="surveys.report.requested",
        object_type="surveys.edition",
        object_id=str(edition.year),
    )
    transaction.on_commit(lambda: task.delay(edition.year, actor.pk), robust=True)
