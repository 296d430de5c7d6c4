"""The headline figures of a published report, for the public summary page: every figure is
a cell of the published release (surveys.report), so a hidden one stays hidden here."""

from dataclasses import dataclass

from core.disclosure import SUPPRESSED
from core.numbers import format_number

from . import printing

UNION, REPRESENTATIVE, SALARY, JOB_DESCRIPTION = (
    "union_member",
    "user_representative",
    "salary_annual",
    "has_job_description",
)


@dataclass
class Summary:
    year: int
    n: str
    response_rate: str | None  # None: no response rate published for this edition
    union_share: str
    representative_share: str
    mean_salary: str
    trend: object  # ReportTable or None
    trend_chart: str
    legend: str


def _questions(report):
    return {q.key: q for section in report.sections for q in section.questions}


def _share(question, code="yes"):
    if question is None:
        return SUPPRESSED
    for row in question.tables[0].rows:
        if row.code == code:
            cell = row.cells[0]
            return SUPPRESSED if cell.percent is None else cell.percent_text
    return SUPPRESSED


def _mean(question):
    if question is None or len(question.tables) < 2:
        return SUPPRESSED
    cell = question.tables[1].rows[0].cells[1]  # "All", the mean
    return SUPPRESSED if cell.value is None else format_number(int(round(cell.value, -3)))


def _rate(report):
    if not report.response_rate:
        return None
    rate = report.response_rate[0]["rows"][-1][3]
    return SUPPRESSED if rate is None else format_number(rate)


def summary(report):
    questions = _questions(report)
    trend = getattr(questions.get(JOB_DESCRIPTION), "trend", None)
    chart = printing.chart_for(trend) if trend is not None else ""
    return Summary(
        year=report.edition.year,
        n=SUPPRESSED if report.n is None else format_number(report.n),
        response_rate=_rate(report),
        union_share=_share(questions.get(UNION)),
        representative_share=_share(questions.get(REPRESENTATIVE)),
        mean_salary=_mean(questions.get(SALARY)),
        trend=trend,
        legend=report.legend,
        trend_chart=chart,
    )
