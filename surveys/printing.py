"""The annual report on paper: the print view and the PDF (core.pdf), drawn from a Report
(surveys.report) with server-rendered SVG charts (surveys.charts), so the PDF needs no
JavaScript. Only published cells reach a chart; a hidden one is drawn as a gap."""

from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import disclosure, pdf

from . import charts
from .report import MISSING

TEMPLATE = "surveys/report/print.html"
LANGUAGES = ("nb", "en")


@dataclass
class PrintedTable:
    table: object
    chart: str  # SVG markup, or "" for a table without a chart


def _distribution_chart(table):
    rows = [
        (row.label, cell.value, cell.percent)
        for row in table.rows
        if not row.is_total and row.code != MISSING
        for cell in row.cells[:1]
    ]
    if not rows:
        return ""
    return charts.bar_chart(rows, title=str(table.title), unit="%")


def _trend_chart(table):
    """One line per answer (the share of the year's n), n itself left to the table."""
    series = []
    for index, name in enumerate(table.columns[1:], start=1):
        points = [(int(row.code), row.cells[index].percent) for row in table.rows]
        series.append((name, points))
    return charts.trend_chart(series, title=str(table.title), unit="%")


def chart_for(table):
    if table.key.startswith("trend:"):
        return _trend_chart(table)
    if table.key.startswith("dist:") and table.percent:
        return _distribution_chart(table)
    return ""


def printed_sections(report):
    """[(section title, [(question, [PrintedTable])])] of the report, charts drawn."""
    sections = []
    for section in report.sections:
        questions = []
        for question in section.questions:
            tables = [*question.tables]
            if question.trend is not None:
                tables.append(question.trend)
            questions.append((question, [PrintedTable(t, chart_for(t)) for t in tables]))
        sections.append((section.title, questions))
    return sections


def language_of(request):
    """?lang=en|nb, else the active language."""
    wanted = request.GET.get("lang", "")
    if wanted in LANGUAGES:
        return wanted
    return (translation.get_language() or "nb")[:2]


def context(report, *, language):
    """Everything the print template needs, rendered in `language`."""
    from . import headlines

    with translation.override(language):
        title = _("Peer Support Worker Survey %(year)s") % {"year": report.edition.year}
        return {
            "report": report,
            "title": title,
            "organisation": "Erfaring",
            "printed_on": timezone.localdate(),
            "sections": printed_sections(report),
            "summary": headlines.summary(report),
            "suppressed": disclosure.SUPPRESSED,
            "language": language,
        }


def render_pdf(report, *, language, base_url):
    with translation.override(language):
        return pdf.render_pdf(TEMPLATE, context(report, language=language), base_url=base_url)
