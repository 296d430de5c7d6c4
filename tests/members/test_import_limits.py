"""Hostile and oversized member lists: each is parsed in a child process under an address-space
limit, measuring its peak memory and the time to an answer. The files are built here."""

import base64
import io
import json
import random
import subprocess
import sys
import zipfile

import pytest
from django.conf import settings
from openpyxl import Workbook

from .test_import import GOOD_ROWS, HEADER

MB = 1024 * 1024
# The bound: any upload of 5 MB or less costs under 100 MB of memory.
MEMORY_LIMIT_MB = 100

# Runs read_member_file on one file and prints what happened as JSON. The address space is
# capped at what the process has mapped after start-up plus MEMORY_LIMIT_MB, so a parse that
# needs more dies with MemoryError instead of taking the machine; the peak is the resident
# high-water mark (VmHWM) minus the resident size before the parse.
CHILD = r"""
import json, os, resource, sys, time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erfaring.settings")
django.setup()
import openpyxl  # noqa: F401 - loaded before measuring, as in a running server
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import translation

from members import importing


def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key + ":"))


path, limit = sys.argv[1], int(sys.argv[2]) * 1024 * 1024
rss_before = status("VmRSS")
resource.setrlimit(resource.RLIMIT_AS, (status("VmSize") + limit, resource.RLIM_INFINITY))
outcome = {}
wall, cpu = time.perf_counter(), time.process_time()
try:
    with open(path, "rb") as fh, translation.override("en"):
        rows = importing.read_member_file(File(fh, name=os.path.basename(path)))
    outcome["rows"] = len(rows)
except ValidationError as exc:
    outcome["refused"] = " ".join(exc.messages)
except MemoryError:
    outcome["memory_error"] = True
outcome["seconds"] = time.perf_counter() - wall
outcome["cpu_seconds"] = time.process_time() - cpu
outcome["peak_mb"] = (status("VmHWM") - rss_before) / (1024 * 1024)
print(json.dumps(outcome))
"""


def parse_in_child(path):
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(MEMORY_LIMIT_MB)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    print(path.name, outcome)  # the figures, shown with pytest -s
    return outcome


def _workbook_parts(*rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    content = io.BytesIO()
    workbook.save(content)
    archive = zipfile.ZipFile(content)
    return {info.filename: archive.read(info) for info in archive.infolist()}


def _write_xlsx(path, parts, sheet_writer=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if name == "xl/worksheets/sheet1.xml" and sheet_writer is not None:
                with archive.open(name, "w", force_zip64=True) as stream:
                    sheet_writer(stream, data)
            else:
                archive.writestr(name, data)
    return path


def padded_dimension_xlsx(tmp_path):
    """A 2 KB workbook with one member that declares the largest possible sheet
    (A1:XFD1048576) and has an empty, formatted cell in its last row and column: every row
    in between is "missing", and a reader that fills them in builds 17 billion cells."""
    parts = _workbook_parts(GOOD_ROWS[0].split(","))
    sheet = parts["xl/worksheets/sheet1.xml"]
    start = sheet.index(b"<dimension ")
    end = sheet.index(b"/>", start) + 2
    sheet = sheet[:start] + b'<dimension ref="A1:XFD1048576"/>' + sheet[end:]
    far_cell = b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>'
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"</sheetData>", far_cell)
    return _write_xlsx(tmp_path / "padded.xlsx", parts)


def zip_bomb_xlsx(tmp_path):
    """A workbook of about 100 KB whose sheet unpacks to 100 MB: one cell of 100 MB of "A"."""
    parts = _workbook_parts()

    def write(stream, sheet):
        before, after = sheet.split(b"</sheetData>")
        stream.write(before.replace(b"<sheetData/>", b"<sheetData>"))
        stream.write(b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
        for _ in range(100):
            stream.write(b"A" * MB)
        stream.write(b"</t></is></c></row></sheetData>" + after)

    if b"</sheetData>" not in parts["xl/worksheets/sheet1.xml"]:
        raise AssertionError("openpyxl wrote no sheetData")
    return _write_xlsx(tmp_path / "bomb.xlsx", parts, write)


def wide_xlsx(tmp_path):
    """A sheet whose second row has a cell in each of Excel's 16384 columns."""
    from openpyxl.utils import get_column_letter

    parts = _workbook_parts()

    def write(stream, sheet):
        before, after = sheet.split(b"</sheetData>")
        stream.write(before)
        cells = "".join(f'<c r="{get_column_letter(i)}2"><v>1</v></c>' for i in range(1, 16385))
        stream.write(f'<row r="2">{cells}</row></sheetData>'.encode() + after)

    return _write_xlsx(tmp_path / "wide.xlsx", parts, write)


def styles_bomb_xlsx(tmp_path):
    """4 MB of cell styles (200,000 <xf/>) in a 0.5 MB workbook."""
    parts = _workbook_parts(GOOD_ROWS[0].split(","))
    styles = parts["xl/styles.xml"]
    start, end = styles.index(b"<cellXfs"), styles.index(b"</cellXfs>")
    formats = b"".join(b'<xf numFmtId="%d"/>' % i for i in range(200_000))
    parts["xl/styles.xml"] = styles[:start] + b'<cellXfs count="200000">' + formats + styles[end:]
    return _write_xlsx(tmp_path / "styles.xlsx", parts)


def shared_strings_xlsx(tmp_path):
    """A 1.1 MB workbook whose shared-string table holds 400,000 numbers (7.6 MB)."""
    parts = _workbook_parts(GOOD_ROWS[0].split(","))
    table = b"".join(b"<si><t>%d</t></si>" % i for i in range(400_000))
    parts["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + table
        + b"</sst>"
    )
    # openpyxl writes its strings inline, so the table is registered by hand.
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    return _write_xlsx(tmp_path / "strings.xlsx", parts)


def long_cell_xlsx(tmp_path):
    """A member whose first name is 4 MB of text that does not pack (so no zip bomb)."""
    parts = _workbook_parts()

    def write(stream, sheet):
        before, after = sheet.split(b"</sheetData>")
        stream.write(before)
        stream.write(b'<row r="2"><c r="B2" t="inlineStr"><is><t>')
        stream.write(base64.b64encode(random.Random(12).randbytes(3 * MB)))
        stream.write(b"</t></is></c></row></sheetData>" + after)

    return _write_xlsx(tmp_path / "long.xlsx", parts, write)


def large_xlsx(tmp_path):
    """A genuine list at the row limit: 10,000 members."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER.split(","))
    for i in range(10_000):
        sheet.append([f"person{i}@example.org", *GOOD_ROWS[0].split(",")[1:]])
    path = tmp_path / "large.xlsx"
    workbook.save(path)
    return path


def huge_csv(tmp_path):
    """5 MB of one-character rows under a valid header: 2.6 million rows."""
    path = tmp_path / "huge.csv"
    head = (HEADER + "\n").encode()
    path.write_bytes(head + b"x\n" * ((5 * MB - len(head)) // 2))
    return path


def wide_csv(tmp_path):
    """A valid header, then one line of 5 MB of commas (5 million empty fields)."""
    path = tmp_path / "wide.csv"
    head = (HEADER + "\n").encode()
    path.write_bytes(head + b"," * (5 * MB - len(head) - 1) + b"\n")
    return path


def large_csv(tmp_path):
    path = tmp_path / "large.csv"
    rows = (f"person{i}@example.org,{GOOD_ROWS[0].split(',', 1)[1]}" for i in range(10_000))
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (padded_dimension_xlsx, {"rows": 1}),
        (zip_bomb_xlsx, {"refused": "would unpack to far more than a member list needs"}),
        (wide_xlsx, {"refused": "Row 2 has more than 100 columns."}),
        (styles_bomb_xlsx, {"refused": "holds far more formatting or text entries"}),
        (shared_strings_xlsx, {"refused": "holds far more formatting or text entries"}),
        (long_cell_xlsx, {"refused": "Row 2 has a cell longer than 1000 characters."}),
        (huge_csv, {"refused": "The file has more than 10000 rows; split it up."}),
        (wide_csv, {"refused": "A line in the file is longer than 20000 characters."}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_hostile_file_is_answered_within_a_second_and_100_mb(tmp_path, build, expected):
    path = build(tmp_path)
    assert path.stat().st_size <= 5 * MB
    outcome = parse_in_child(path)
    assert "memory_error" not in outcome, outcome
    assert outcome["peak_mb"] < MEMORY_LIMIT_MB, outcome
    assert outcome["cpu_seconds"] < 1, outcome
    if "rows" in expected:
        assert outcome.get("rows") == expected["rows"], outcome
    else:
        assert expected["refused"] in outcome.get("refused", ""), outcome


@pytest.mark.parametrize("build", [large_csv, large_xlsx], ids=["csv", "xlsx"])
def test_a_list_of_10000_members_is_read_within_100_mb(tmp_path, build):
    outcome = parse_in_child(build(tmp_path))
    assert outcome.get("rows") == 10_000, outcome
    assert outcome["peak_mb"] < MEMORY_LIMIT_MB, outcome
