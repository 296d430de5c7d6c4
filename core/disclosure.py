"""Disclosure control for every statistic the portal publishes (membership, casework, survey).

Our population is small: a cell of 1 or 2 people points at someone. Every count, percentage
and mean that leaves the portal (page, CSV, XLSX) goes through this module.

API
---
Describe the breakdowns as `Dimension`s (a key, a label and the fixed list of categories,
so empty categories show as 0 and the layout never depends on the data), count the rows, and
ask for a protected table::

    table = protect_table(
        title=_("Members by county and employer type"),
        rows=COUNTY, columns=EMPLOYER_TYPE,            # columns=None for a one-way table
        counts={("46", "nav"): 7, ("46", "municipality"): 2, ...},  # 1-way: {"46": 9, ...}
    )

`protect_table` returns a `ProtectedTable` holding only what may be published: suppressed
cells carry no number at all, so a template or export cannot leak one by mistake.

- Primary suppression: a count with 0 < n < `settings.DISCLOSURE_THRESHOLD` (default 5) is
  suppressed and shown as ":" (Statistics Norway's symbol; see `LEGEND`). Zeros are shown.
- Secondary suppression: more cells are suppressed until no suppressed cell can be worked
  out from the published cells and totals. A two-way table with its margins is a table whose
  rows and columns all sum to zero (totals negated); a suppressed cell is determined exactly
  when it is a bridge in the bipartite graph of suppressed cells (rows and columns as nodes).
  So we add the cheapest cell (interior before margins, non-zero before zero, then the
  smallest) until that graph has no bridge. In a one-way table no line may hold exactly one
  suppressed entry. Totals with 0 < n < threshold are suppressed like any other cell.
- Percentages (share of the row total; of the grand total in a one-way table) are given only
  when the denominator is published and >= threshold, the cell is published, and no single
  category holds the whole group ("everyone in county X is on a temporary contract", G4).
  Rows are the groups, columns the attribute: put the group dimension in `rows`.
- `protected_mean(values)` gives a mean only for n >= threshold and when no single value
  dominates the sum (more than `settings.DISCLOSURE_DOMINANCE_SHARE`, default 0.6).

Limitation: protection is per table. Tables linked through shared categories (a county table
and a region table over the same people) are not protected against each other; callers
publish only predefined tables whose margins are the same counts (see members.reports).

Exports (`csv_response`, `xlsx_response`) write one or more protected tables, aggregates
only, with the legend; every text cell starting with = + - @, tab or CR gets a leading `'`
so a spreadsheet never runs it as a formula. CSV streams row by row; XLSX is built by
openpyxl in write-only mode in a temporary file and streamed from there. Auditing the export
is the caller's job (it knows who and what).
"""

import csv
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

SUPPRESSED = ":"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def threshold():
    return settings.DISCLOSURE_THRESHOLD


def legend(limit=None):
    limit = limit or threshold()
    return _(
        "%(symbol)s = hidden to protect privacy: fewer than %(limit)s people, or hidden so "
        "that another hidden number cannot be worked out from the totals."
    ) % {"symbol": SUPPRESSED, "limit": limit}


@dataclass(frozen=True)
class Dimension:
    """A predefined breakdown: `categories` is the fixed, ordered list of (code, label)."""

    key: str
    label: str
    categories: tuple[tuple[str, str], ...]

    @property
    def codes(self):
        return tuple(code for code, _label in self.categories)


@dataclass(frozen=True)
class Cell:
    """A published cell: `count` is None when suppressed; `percent` None when not shown."""

    count: int | None
    percent: float | None = None

    @property
    def suppressed(self):
        return self.count is None

    def __str__(self):
        return SUPPRESSED if self.count is None else str(self.count)

    @property
    def percent_display(self):
        return "" if self.percent is None else f"{self.percent:.0f}"


@dataclass(frozen=True)
class TableRow:
    code: str
    label: str
    cells: tuple[Cell, ...]
    total: Cell | None  # the row total of a two-way table; None in a one-way table


@dataclass(frozen=True)
class ProtectedTable:
    title: str
    rows: Dimension
    columns: Dimension | None
    body: tuple[TableRow, ...]
    column_totals: tuple[Cell, ...]
    total: Cell
    threshold: int

    @property
    def is_two_way(self):
        return self.columns is not None

    @property
    def has_suppressed(self):
        cells = [*self.column_totals, self.total]
        for row in self.body:
            cells.extend(row.cells)
            if row.total is not None:
                cells.append(row.total)
        return any(cell.suppressed for cell in cells)

    def header(self):
        if self.columns is None:
            return [str(self.rows.label), str(_("Count")), str(_("Percent"))]
        return [
            f"{self.rows.label} / {self.columns.label}",
            *(str(label) for _code, label in self.columns.categories),
            str(_("Total")),
        ]

    def lines(self):
        """Header, body and total as lists of display values (str/int), for exports."""
        yield self.header()
        for row in self.body:
            if self.columns is None:
                cell = row.cells[0]
                yield [str(row.label), _value(cell), cell.percent_display]
            else:
                yield [str(row.label), *(_value(c) for c in row.cells), _value(row.total)]
        if self.columns is None:
            yield [str(_("Total")), _value(self.total), ""]
        else:
            yield [
                str(_("Total")),
                *(_value(c) for c in self.column_totals),
                _value(self.total),
            ]


def _value(cell):
    return SUPPRESSED if cell.count is None else cell.count


# --- Suppression ------------------------------------------------------------------------------


def _primary(value, limit):
    return 0 < value < limit


def _cost(value, is_margin):
    """Which published cell to hide next: interior before totals, and non-zero before zero
    (a hidden zero can pin its neighbours to one value once bounds are known), then the
    smallest, which loses the least information."""
    return (is_margin, value == 0, value)


def _protect_one_way(values, total, limit):
    """Suppressed indexes for a one-way table; index len(values) is the total."""
    entries = [*values, total]
    suppressed = {i for i, v in enumerate(entries) if _primary(v, limit)}
    if len(suppressed) == 1:
        margin = len(values)
        candidates = [i for i in range(len(entries)) if i not in suppressed]
        if candidates:
            suppressed.add(min(candidates, key=lambda i: _cost(entries[i], i == margin)))
    return suppressed


def _bridges(edges):
    """Bridges of the undirected bipartite graph whose edges are (("r", i), ("c", j))."""
    adjacency = {}
    for a, b in edges:
        adjacency.setdefault(a, []).append(b)
        adjacency.setdefault(b, []).append(a)
    order, low, found = {}, {}, []
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, None, iter(adjacency[root]))]
        while stack:
            node, parent, neighbours = stack[-1]
            advanced = False
            for nxt in neighbours:
                if nxt == parent:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, node, iter(adjacency[nxt])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if parent is not None:
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append((parent, node))
    return found, adjacency


def _side(adjacency, start, cut):
    """Nodes reachable from `start` without crossing the edge `cut`."""
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for nxt in adjacency[node]:
            if {node, nxt} == set(cut) or nxt in seen:
                continue
            seen.add(nxt)
            todo.append(nxt)
    return seen


def _protect_two_way(matrix, limit):
    """Suppressed (i, j) positions of the augmented table: row len(matrix) holds the column
    totals, column len(matrix[0]) the row totals, the corner the grand total."""
    n_rows, n_cols = len(matrix), len(matrix[0])
    row_totals = [sum(row) for row in matrix]
    col_totals = [sum(matrix[i][j] for i in range(n_rows)) for j in range(n_cols)]
    grid = [[*row, row_totals[i]] for i, row in enumerate(matrix)]
    grid.append([*col_totals, sum(row_totals)])
    size_r, size_c = n_rows + 1, n_cols + 1

    def is_margin(i, j):
        return i == n_rows or j == n_cols

    suppressed = {
        (i, j) for i in range(size_r) for j in range(size_c) if _primary(grid[i][j], limit)
    }

    def cheapest(candidates):
        return min(candidates, key=lambda p: (_cost(grid[p[0]][p[1]], is_margin(*p)), p))

    while True:
        edges = [(("r", i), ("c", j)) for i, j in suppressed]
        bridges, adjacency = _bridges(edges)
        if not bridges:
            return suppressed
        a, b = bridges[0]
        row_node, col_node = (a, b) if a[0] == "r" else (b, a)
        cut = (row_node, col_node)
        row_side = _side(adjacency, row_node, cut)
        col_side = _side(adjacency, col_node, cut)
        # A cell joining the two sides closes a cycle through the bridge.
        closing = [
            (i, j)
            for i in range(size_r)
            for j in range(size_c)
            if (i, j) not in suppressed
            and (
                (("r", i) in row_side and ("c", j) in col_side)
                or (("r", i) in col_side and ("c", j) in row_side)
            )
        ]
        if closing:
            suppressed.add(cheapest(closing))
            continue
        # Nothing closes a cycle yet: grow the chain along the line of a dangling end.
        i, j = row_node[1], col_node[1]
        if len(adjacency[row_node]) == 1:
            line = [(i, k) for k in range(size_c) if (i, k) not in suppressed]
        else:
            line = [(k, j) for k in range(size_r) if (k, j) not in suppressed]
        if not line:
            line = [(i, k) for k in range(size_c) if (i, k) not in suppressed] + [
                (k, j) for k in range(size_r) if (k, j) not in suppressed
            ]
        suppressed.add(cheapest(line))


def _percent(part, whole, limit, dominated):
    if part is None or whole is None or whole < limit or dominated:
        return None
    return 100 * part / whole


def protect_table(
    *, counts: Mapping, rows: Dimension, columns: Dimension | None = None, title="", limit=None
) -> ProtectedTable:
    """Protect counts by `rows` (and `columns`): keys are row codes, or (row, column) codes.

    Raises ValueError for a code outside the dimensions' categories: tables are predefined.
    """
    limit = limit or threshold()
    row_index = {code: i for i, code in enumerate(rows.codes)}
    if columns is None:
        values = [0] * len(row_index)
        for code, n in counts.items():
            if code not in row_index:
                raise ValueError(f"Unknown category {code!r} for {rows.key}.")
            values[row_index[code]] += int(n)
        total = sum(values)
        hidden = _protect_one_way(values, total, limit)
        shown_total = None if len(values) in hidden else total
        dominated = total > 0 and any(v == total for v in values)
        body = []
        for i, (code, label) in enumerate(rows.categories):
            count = None if i in hidden else values[i]
            cell = Cell(count, _percent(count, shown_total, limit, dominated))
            body.append(TableRow(code, label, (cell,), None))
        return ProtectedTable(title, rows, None, tuple(body), (), Cell(shown_total), limit)

    col_index = {code: j for j, code in enumerate(columns.codes)}
    matrix = [[0] * len(col_index) for _ in row_index]
    for key, n in counts.items():
        try:
            row_code, col_code = key
            matrix[row_index[row_code]][col_index[col_code]] += int(n)
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"Unknown category {key!r} for {rows.key} x {columns.key}.") from None
    hidden = _protect_two_way(matrix, limit)
    n_rows, n_cols = len(matrix), len(matrix[0])

    def shown(i, j, value):
        return None if (i, j) in hidden else value

    body = []
    for i, (code, label) in enumerate(rows.categories):
        row_total = sum(matrix[i])
        shown_total = shown(i, n_cols, row_total)
        dominated = row_total > 0 and max(matrix[i]) == row_total
        cells = tuple(
            Cell(
                shown(i, j, matrix[i][j]),
                _percent(shown(i, j, matrix[i][j]), shown_total, limit, dominated),
            )
            for j in range(n_cols)
        )
        body.append(TableRow(code, label, cells, Cell(shown_total)))
    grand = sum(sum(row) for row in matrix)
    shown_grand = shown(n_rows, n_cols, grand)
    column_totals = []
    for j in range(n_cols):
        col_total = sum(matrix[i][j] for i in range(n_rows))
        dominated = grand > 0 and col_total == grand
        count = shown(n_rows, j, col_total)
        column_totals.append(Cell(count, _percent(count, shown_grand, limit, dominated)))
    return ProtectedTable(
        title, rows, columns, tuple(body), tuple(column_totals), Cell(shown_grand), limit
    )


def protected_mean(values: Iterable[float], *, limit=None, dominance=None, p_percent=None):
    """The mean of `values`, or None when the group fails: fewer than the threshold, one value
    more than the dominance share of the sum, or the p % rule (the second largest contributor,
    knowing the sum, would estimate the largest to within p %: two equal large values fail)."""
    values = sorted(values, reverse=True)
    limit = limit or threshold()
    dominance = dominance if dominance is not None else settings.DISCLOSURE_DOMINANCE_SHARE
    p_percent = p_percent if p_percent is not None else settings.DISCLOSURE_P_PERCENT
    if len(values) < limit:
        return None
    total = sum(values)
    if total > 0:
        largest, second = values[0], values[1]
        if largest > dominance * total or total - largest - second < p_percent / 100 * largest:
            return None
    return total / len(values)


# --- Exports ----------------------------------------------------------------------------------


def escape_formula(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_lines(tables: Iterable[ProtectedTable], heading=None):
    """All tables one after another (title, header, body, total, blank line), then the legend."""
    limit = None
    if heading:
        yield [str(heading)]
        yield []
    for table in tables:
        limit = table.threshold
        yield [str(table.title)]
        yield from table.lines()
        yield []
    yield [str(legend(limit))]


class _Echo:
    def write(self, value):
        return value


def csv_response(tables: Iterable[ProtectedTable], *, filename, heading=None):
    """Stream the tables as CSV (UTF-8 with a byte-order mark, so Excel reads æøå)."""
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff"
        for line in export_lines(tables, heading):
            yield writer.writerow([escape_formula(_text(v)) for v in line])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _text(value):
    return value if isinstance(value, int | float) else str(value)


def write_xlsx(tables: Iterable[ProtectedTable], handle, heading=None):
    """Write the tables to an open binary file, one sheet per table: title and header row
    bold, counts as numbers, columns wide enough for their text, title, header and row labels
    frozen; the release heading and the legend under each table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for number, table in enumerate(tables, start=1):
        sheet = workbook.create_sheet(_sheet_name(number, table.title))
        sheet.cell(row=1, column=1, value=escape_formula(str(table.title))).font = bold
        widths = {}
        row = 1
        for index, line in enumerate(table.lines()):
            row += 1
            for column, value in enumerate(line, start=1):
                cell = sheet.cell(row=row, column=column, value=escape_formula(_text(value)))
                if index == 0 or column == 1:
                    cell.font = bold
                if column > 1:
                    cell.alignment = Alignment(horizontal="right")
                widths[column] = max(widths.get(column, 0), len(str(value)))
        for text in (heading, legend(table.threshold)):
            if text:
                row += 2
                sheet.cell(row=row, column=1, value=escape_formula(str(text)))
        for column, width in widths.items():
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width, 8) + 2, 60)
        sheet.freeze_panes = "B3"
    if not workbook.sheetnames:
        workbook.create_sheet(str(_("Statistics")))
    workbook.save(handle)


def _sheet_name(number, title):
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title))
    return f"{number} {cleaned}"[:31].strip()


def xlsx_response(tables: Iterable[ProtectedTable], *, filename, heading=None):
    """Build the XLSX in a temporary file (a zip cannot be written as a stream) and stream it."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(tables, handle, heading)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
