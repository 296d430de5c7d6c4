import csv
import io
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from core import disclosure
from core.disclosure import Dimension, protect_table

LIMIT = 5


def dimension(key, size):
    return Dimension(key, key, tuple((f"{key}{i}", f"{key.upper()} {i}") for i in range(size)))


def rank(rows):
    """Rank over the rationals (Gaussian elimination)."""
    matrix = [[Fraction(v) for v in row] for row in rows]
    rank_, n_cols = 0, len(matrix[0]) if matrix else 0
    for col in range(n_cols):
        pivot = next((r for r in range(rank_, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank_], matrix[pivot] = matrix[pivot], matrix[rank_]
        for r in range(len(matrix)):
            if r != rank_ and matrix[r][col] != 0:
                factor = matrix[r][col] / matrix[rank_][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank_], strict=True)]
        rank_ += 1
    return rank_


def recoverable_cells(lines, hidden):
    """Hidden cells whose value follows from the published sums.

    `lines` are lists of cell ids summing to zero (a total counted negatively); the unknowns
    are the hidden cells. A cell is determined iff its unit vector lies in the row space of
    the system restricted to the unknowns.
    """
    unknowns = sorted(hidden)
    if not unknowns:
        return []
    system = [[1 if u in line else 0 for u in unknowns] for line in lines]
    system = [row for row in system if any(row)]
    base = rank(system) if system else 0
    found = []
    for k, cell in enumerate(unknowns):
        unit = [1 if i == k else 0 for i in range(len(unknowns))]
        if rank([*system, unit]) == base:
            found.append(cell)
    return found


def published_two_way(table):
    """(lines, hidden, values) of a two-way table as cell ids ('c', i, j) / ('r', i) / ..."""
    values, hidden, lines = {}, set(), []
    n_cols = len(table.columns.categories)
    for i, row in enumerate(table.body):
        ids = [("c", i, j) for j in range(n_cols)]
        for j, cell in enumerate(row.cells):
            values[("c", i, j)] = cell.count
        values[("rt", i)] = row.total.count
        lines.append([*ids, ("rt", i)])
    for j, cell in enumerate(table.column_totals):
        values[("ct", j)] = cell.count
        lines.append([*(("c", i, j) for i in range(len(table.body))), ("ct", j)])
    values[("g",)] = table.total.count
    lines.append([*(("ct", j) for j in range(n_cols)), ("g",)])
    lines.append([*(("rt", i) for i in range(len(table.body))), ("g",)])
    hidden = {key for key, value in values.items() if value is None}
    return lines, hidden, values


small_counts = st.integers(min_value=0, max_value=12)


@st.composite
def two_way_data(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 5))
    matrix = draw(
        st.lists(
            st.lists(small_counts, min_size=n_cols, max_size=n_cols),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    return matrix


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_way_data())
def test_two_way_tables_publish_no_small_cell_and_no_recoverable_cell(matrix):
    rows, cols = dimension("r", len(matrix)), dimension("c", len(matrix[0]))
    counts = {
        (rows.codes[i], cols.codes[j]): n for i, row in enumerate(matrix) for j, n in enumerate(row)
    }
    table = protect_table(counts=counts, rows=rows, columns=cols, limit=LIMIT)

    lines, hidden, values = published_two_way(table)
    assert not [v for v in values.values() if v is not None and 0 < v < LIMIT]
    # Published numbers are the true ones.
    for i, row in enumerate(matrix):
        for j, n in enumerate(row):
            assert values[("c", i, j)] in (None, n)
    assert recoverable_cells(lines, hidden) == []
    # The quick rule, too: no line with exactly one hidden entry.
    assert all(sum(cell in hidden for cell in line) != 1 for line in lines)
    for row in table.body:
        for cell in row.cells:
            if cell.percent is not None:
                assert row.total.count is not None and row.total.count >= LIMIT
                assert cell.count is not None and cell.count != row.total.count


@settings(max_examples=300, deadline=None)
@given(st.lists(small_counts, min_size=1, max_size=15))
def test_one_way_tables_publish_no_small_cell_and_no_recoverable_cell(values):
    rows = dimension("r", len(values))
    table = protect_table(counts=dict(zip(rows.codes, values, strict=True)), rows=rows, limit=LIMIT)
    published = [row.cells[0].count for row in table.body] + [table.total.count]
    assert not [v for v in published if v is not None and 0 < v < LIMIT]
    hidden = {i for i, v in enumerate(published) if v is None}
    assert recoverable_cells([list(range(len(published)))], hidden) == []
    for row, true in zip(table.body, values, strict=True):
        assert row.cells[0].count in (None, true)
        if row.cells[0].percent is not None:
            assert table.total.count >= LIMIT and true != table.total.count


def test_a_cell_below_the_threshold_shows_the_ssb_symbol_and_its_partner_is_hidden():
    rows = dimension("county", 3)
    table = protect_table(counts={"county0": 2, "county1": 10, "county2": 20}, rows=rows, limit=5)
    shown = [str(row.cells[0]) for row in table.body]
    assert shown == [":", ":", "20"]
    assert table.total.count == 32
    assert table.body[2].cells[0].percent == pytest.approx(62.5)


def test_everyone_in_one_category_gets_no_percentage():
    rows, cols = dimension("county", 2), dimension("contract", 2)
    counts = {
        ("county0", "contract0"): 6,
        ("county0", "contract1"): 0,
        ("county1", "contract0"): 10,
        ("county1", "contract1"): 10,
    }
    table = protect_table(counts=counts, rows=rows, columns=cols, limit=5)
    assert [c.percent for c in table.body[0].cells] == [None, None]
    assert [c.percent for c in table.body[1].cells] == [50, 50]


def test_unknown_category_is_refused():
    with pytest.raises(ValueError):
        protect_table(counts={"nowhere": 3}, rows=dimension("county", 2), limit=5)


def test_mean_needs_enough_values_and_no_dominant_one():
    assert disclosure.protected_mean([400_000] * 4, limit=5) is None
    assert disclosure.protected_mean([400_000] * 5, limit=5) == 400_000
    assert disclosure.protected_mean([1, 1, 1, 1, 100], limit=5, dominance=0.6) is None


def evil_table():
    rows = Dimension("x", "=cmd|' /C calc'!A0", (("a", "=1+1"), ("b", "@SUM(A1)"), ("c", "-2+3")))
    return protect_table(counts={"a": 7, "b": 8, "c": 9}, rows=rows, title="+title", limit=5)


def test_csv_export_escapes_formulas_and_holds_only_the_aggregates():
    response = disclosure.csv_response([evil_table()], filename="t.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0] == ["'+title"]
    assert lines[1][0] == "'=cmd|' /C calc'!A0"
    assert [line[0] for line in lines[2:5]] == ["'=1+1", "'@SUM(A1)", "'-2+3"]
    assert [line[1] for line in lines[2:6]] == ["7", "8", "9", "24"]
    assert ":" in lines[-1][0]


def test_xlsx_export_escapes_formulas():
    response = disclosure.xlsx_response([evil_table()], filename="t.xlsx")
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "'+title"
    assert [row[0] for row in values[2:5]] == ["'=1+1", "'@SUM(A1)", "'-2+3"]
    assert [row[1] for row in values[2:6]] == [7, 8, 9, 24]
    assert all(not (isinstance(v, str) and v.startswith("=")) for row in values for v in row)
