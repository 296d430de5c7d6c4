"""The report of a closed, mixed edition (surveys.report): numbers against a small data set
computed by hand, the page, the exports, access and the trend."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import AuditEvent
from surveys import factories as f
from surveys import report
from surveys.models import Edition

pytestmark = pytest.mark.django_db


def _fixed_edition(year=2022, *, text_nb="Har du en skriftlig stillingsbeskrivelse?"):
    """22 responses in two strata of 10 and 12 (region, employer type, union, user
    representative and training programme all follow the stratum), hand-computed in the
    tests below."""
    section = f.SectionFactory(edition=f.EditionFactory(year=year))
    f.yes_no(section, "has_job_description", text_nb=text_nb)
    f.number(section, "salary_annual")
    edition = section.edition
    a = {
        "region": "ost",
        "employer_type": "municipality",
        "union_member": "yes",
        "user_representative": "no",
        "training_completed": "yes",
    }
    b = {
        "region": "vest",
        "employer_type": "specialist",
        "union_member": "no",
        "user_representative": "yes",
        "training_completed": "no",
    }
    salaries_a = [400_000, 410_000, 420_000, 430_000, 440_000]
    salaries_b = [300_000, 310_000, 320_000, 330_000, 340_000, 350_000, 360_000]
    for i in range(10):
        salary = salaries_a[i] if i < 5 else "declined"
        f.respond(
            edition, {"has_job_description": "yes" if i < 5 else "no", "salary_annual": salary}, **a
        )
    for i in range(12):
        salary = salaries_b[i] if i < 7 else "declined"
        f.respond(
            edition, {"has_job_description": "yes" if i < 7 else "no", "salary_annual": salary}, **b
        )
    return edition


def _cells(table):
    return [(row.label, [c.value for c in row.cells]) for row in table.rows]


def _question(result, key):
    return next(q for s in result.sections for q in s.questions if q.key == key)


def test_report_numbers_match_hand_computed_figures():
    edition = _fixed_edition()
    assert report.build_report(year=2022) is not None
    result = report.report_for(edition, by="region", language="en")
    assert result.n == 22
    job = _question(result, "has_job_description")
    dist = job.tables[0]
    assert _cells(dist) == [("Yes", [12]), ("No", [10]), ("No answer", [0]), ("Total", [22])]
    # Shares of those who answered: 12 of 22, 10 of 22.
    assert [round(r.cells[0].percent) for r in dist.rows[:2]] == [55, 45]
    assert _cells(job.breakdown[0]) == [
        ("Western Norway", [7, 5, 0, 12]),
        ("Eastern Norway", [5, 5, 0, 10]),
        ("Total", [12, 10, 0, 22]),
    ]
    salary = _question(result, "salary_annual")
    assert _cells(salary.tables[0]) == [
        ("Answered", [12]),
        ("Prefer not to say", [10]),
        ("No answer", [0]),
        ("Total", [22]),
    ]
    stats = _cells(salary.tables[1])
    # n, mean, Q1, median, Q3; quartiles interpolate linearly between the ordered values.
    assert stats[0] == ("All", [12, 367_500.0, 327_500.0, 355_000.0, 412_500.0])
    assert stats[1] == ("Western Norway", [7, 330_000.0, 315_000.0, 330_000.0, 345_000.0])
    assert stats[2] == ("Eastern Norway", [5, 420_000.0, 410_000.0, 420_000.0, 430_000.0])


def test_report_breaks_down_by_training_programme_and_shows_its_pay(admin_client_mfa):
    """The training programme is a predefined breakdown: those who completed it (the ten of
    Eastern Norway) earn NOK 420,000 on average, the others 330,000."""
    edition = _fixed_edition()
    report.build_report(year=2022)
    result = report.report_for(edition, by="training_completed", language="en")
    job = _question(result, "has_job_description")
    assert job.breakdown[0].row_label == "Training programme"
    assert _cells(job.breakdown[0]) == [
        ("Yes", [5, 5, 0, 10]),
        ("No", [7, 5, 0, 12]),
        ("Total", [12, 10, 0, 22]),
    ]
    stats = _cells(_question(result, "salary_annual").tables[1])
    assert stats[1] == ("Yes", [5, 420_000.0, 410_000.0, 420_000.0, 430_000.0])
    assert stats[2] == ("No", [7, 330_000.0, 315_000.0, 330_000.0, 345_000.0])
    page = admin_client_mfa.get(
        reverse("surveys:report", args=[2022]), {"by": "training_completed"}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Utdanningsprogram" in html
    assert '<th scope="row">Ja</th>' in html and '<th scope="row">Nei</th>' in html


def test_report_is_built_once():
    _fixed_edition()
    first = report.build_report(year=2022)
    assert first is not None
    assert report.build_report(year=2022) is None
    assert report.latest_reports([2022])[2022].pk == first.pk


@pytest.mark.parametrize("status, mixed", [("open", False), ("closed", False)])
def test_edition_not_closed_and_mixed_has_no_report(status, mixed, admin_client_mfa):
    edition = _fixed_edition()
    Edition.objects.filter(pk=edition.pk).update(status=status, mixed_on=None)
    assert report.build_report(year=2022) is None
    assert report.editions_without_report() == []
    assert admin_client_mfa.get(reverse("surveys:report", args=[2022])).status_code == 404
    url = reverse("surveys:report-export", args=[2022, "csv"])
    assert admin_client_mfa.get(url).status_code == 404


def test_trend_shows_n_per_year_and_marks_a_change_of_wording():
    _fixed_edition(2021, text_nb="Har du stillingsbeskrivelse?")
    edition = _fixed_edition(2022)
    report.build_report(year=2021)
    report.build_report(year=2022)
    result = report.report_for(edition, language="en")
    job = _question(result, "has_job_description")
    assert job.trend.chart == "line"
    assert [(row.label, row.cells[0].value) for row in job.trend.rows] == [
        ("2021", 22),
        ("2022", 22),
    ]
    assert job.breaks == [2022]
    salary = _question(result, "salary_annual")
    assert salary.breaks == []


def test_report_page_shows_tables_for_charts_and_audits_the_view(admin_client_mfa):
    _fixed_edition()
    report.build_report(year=2022)
    response = admin_client_mfa.get(reverse("surveys:report", args=[2022]), {"by": "region"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="bar"' in html
    assert '<td data-value="12">' in html
    assert '<th scope="row">Østlandet</th>' in html
    assert AuditEvent.objects.filter(action="surveys.report.viewed", object_id="2022").exists()


def test_breakdown_only_by_a_predefined_dimension(admin_client_mfa):
    _fixed_edition()
    report.build_report(year=2022)
    html = admin_client_mfa.get(reverse("surveys:report", args=[2022]), {"by": "salary_annual"})
    assert html.status_code == 200
    assert "Østlandet" not in html.content.decode()


def test_admin_without_report_gets_the_build_button_which_queues_the_build(
    admin_client_mfa, django_capture_on_commit_callbacks, monkeypatch
):
    _fixed_edition()
    queued = []
    monkeypatch.setattr("surveys.tasks.build_report.delay", lambda *a: queued.append(a))
    page = admin_client_mfa.get(reverse("surveys:report", args=[2022]))
    assert "Lag rapport" in page.content.decode() or "Build report" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_mfa.post(reverse("surveys:report", args=[2022]))
    assert queued and queued[0][0] == 2022
    assert AuditEvent.objects.filter(action="surveys.report.requested").exists()


@pytest.mark.parametrize("fixture", ["member_client", "advisor_client"])
def test_member_and_advisor_cannot_read_report_or_exports(fixture, request):
    _fixed_edition()
    report.build_report(year=2022)
    client = request.getfixturevalue(fixture)
    assert client.get(reverse("surveys:report", args=[2022])).status_code == 403
    assert client.get(reverse("surveys:report-export", args=[2022, "csv"])).status_code == 403
    assert client.get(reverse("surveys:report-export", args=[2022, "xlsx"])).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    _fixed_edition()
    response = client.get(reverse("surveys:report-export", args=[2022, "csv"]))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_exports_parse_escape_formulas_and_are_audited(admin_client_mfa):
    edition = _fixed_edition()
    # A question text a spreadsheet would run as a formula.
    edition.questions.filter(key="has_job_description").update(
        text_nb='=HYPERLINK("http://x")', text_en='=HYPERLINK("http://x")'
    )
    report.build_report(year=2022)
    url = reverse("surveys:report-export", args=[2022, "csv"])
    rows = _csv(admin_client_mfa.get(url, {"by": "region"}))
    flat = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://x")' in flat
    assert not any(cell.startswith("=") for cell in flat)
    assert ["Østlandet", "5", "5", "0", "10"] in rows
    xlsx = admin_client_mfa.get(reverse("surveys:report-export", args=[2022, "xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    values = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert 22 in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert AuditEvent.objects.filter(action="surveys.report.exported").count() == 2


def _page_queries(client, edition):
    report.build_report(year=edition.year)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("surveys:report", args=[edition.year]), {"by": "region"})
    assert response.status_code == 200
    return len(queries)


def test_report_page_queries_do_not_grow_with_responses(admin_client_mfa):
    small = _fixed_edition(2021)
    large = _fixed_edition(2022)
    strata = {
        "region": "nord",
        "employer_type": "nav",
        "union_member": "yes",
        "user_representative": "yes",
    }
    for i in range(198):
        f.respond(large, {"has_job_description": "yes" if i % 3 else "no"}, **strata)
    admin_client_mfa.get(reverse("surveys:manage-edition-list"))  # the session's first queries
    assert _page_queries(admin_client_mfa, small) == _page_queries(admin_client_mfa, large)
