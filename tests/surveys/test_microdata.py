"""Microdata and codebook exports, and the free-text reading page, of a closed edition."""

import csv
import io
import random
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditEvent
from surveys import demo, questionnaire, services
from surveys.answering import DECLINED
from surveys.models import Answer, Choice, Edition, Response
from surveys.selectors import questionnaire_for

pytestmark = pytest.mark.django_db

N = 30
OUTLIER = 1_400_000
COMMENT_CANARY = "COMMENT-CANARY"
STIGMA_CANARY = "STIGMA-CANARY"


def build_results_edition(year=2022, n=N):
    """A closed, mixed edition of `n` demo-like responses: one salary far above the rest,
    one declined salary, six comments (>= k) and two stigma descriptions (< k)."""
    opens = timezone.make_aware(datetime.combine(datetime(year, 3, 1), time(9)))
    edition = questionnaire.build_edition(
        year=year, status=Edition.Status.CLOSED, opens_at=opens, closes_at=opens + timedelta(45)
    )
    survey = questionnaire_for(edition)
    rng = random.Random(11)
    for i in range(n):
        strata = demo._strata(rng, "yes" if i % 3 else "no", "yes" if i % 2 else "no")
        answers = demo._answers(rng, survey, year, strata, "yes" if i % 2 else "no")
        answers["salary_annual"] = str(400_000 + 1000 * i)
        if i == 0:
            answers["salary_annual"] = str(OUTLIER)
        if i == 1:
            answers["salary_annual"] = DECLINED
        answers["comments"] = f"{COMMENT_CANARY} {i}" if i < 6 else ""
        if i in (0, 1):
            answers["stigma_experienced"] = "often"
            answers["stigma_description"] = f"{STIGMA_CANARY} {i}"
        services.import_ballot(
            edition=edition, answers=answers, questionnaire=survey, strata=strata
        )
    services.mix_edition(edition_id=edition.pk)
    return Edition.objects.get(pk=edition.pk)


@pytest.fixture
def results_edition(db):
    return build_results_edition()


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def url(name, year, fmt=None):
    kwargs = {"year": year} if fmt is None else {"year": year, "fmt": fmt}
    return reverse(f"surveys:{name}", kwargs=kwargs)


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_lines(response):
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def xlsx(response):
    return load_workbook(io.BytesIO(body(response)), read_only=True)


def test_microdata_csv_has_one_row_per_response_and_nothing_that_identifies(admin, results_edition):
    response = admin.get(url("microdata-export", 2022, "csv"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    header, *rows = csv_lines(response)
    assert len(rows) == Response.objects.filter(edition=results_edition).count() == N
    assert header[:7] == [
        "region",
        "employer_type",
        "field",
        "contract_type",
        "union_member",
        "user_representative",
        "training_completed",
    ]
    text = body(admin.get(url("microdata-export", 2022, "csv"))).decode()
    # No identifier, no free text, and not the raw profile answers behind the strata.
    assert "id" not in header
    for pk in Response.objects.values_list("pk", flat=True):
        assert str(pk) not in text
    assert COMMENT_CANARY not in text and STIGMA_CANARY not in text
    profile_answers = {"employer_sector", "service_field", "training_programme"}
    assert not {"comments", "stigma_description", *profile_answers} & set(header)
    # The training programme is there as a generalised stratum, not always "not answered".
    training = [row[header.index("training_completed")] for row in rows]
    assert set(training) & {"yes", "no"} and set(training) <= {"yes", "no", "-6"}
    # Multiple choice: one 0/1 column per code.
    tasks = [i for i, name in enumerate(header) if name.startswith("tasks__")]
    assert len(tasks) == 5
    assert {row[i] for row in rows for i in tasks} <= {"0", "1", "-8", "-9"}


def test_microdata_rows_come_in_a_new_random_order_each_time(admin, results_edition):
    first = csv_lines(admin.get(url("microdata-export", 2022, "csv")))[1:]
    others = [csv_lines(admin.get(url("microdata-export", 2022, "csv")))[1:] for _ in range(3)]
    assert all(sorted(rows) == sorted(first) for rows in others)
    assert any(rows != first for rows in others)


def test_numbers_are_top_coded_so_a_very_high_salary_is_not_in_the_file(admin, results_edition):
    header, *rows = csv_lines(admin.get(url("microdata-export", 2022, "csv")))
    column = header.index("salary_annual")
    salaries = [float(row[column]) for row in rows if float(row[column]) >= 0]
    cap = max(salaries)
    assert OUTLIER not in salaries
    # At least k answers share the cap, so the top value points at nobody.
    assert sum(1 for s in salaries if s == cap) >= 5
    book = csv_lines(admin.get(url("codebook-export", 2022, "csv")))
    line = next(row for row in book if row[0] == "salary_annual")
    assert f"{cap:.0f}" in line[-1]


def test_missing_values_have_their_own_codes(admin, results_edition):
    header, *rows = csv_lines(admin.get(url("microdata-export", 2022, "csv")))
    salary = header.index("salary_annual")
    assert sum(1 for row in rows if row[salary] == "-7") == 1
    gets, how_often = header.index("gets_supervision"), header.index("supervision_frequency")
    without = [row for row in rows if row[gets] == "no"]
    assert without and all(row[how_often] == "-8" for row in without)


def test_xlsx_microdata_has_the_codebook_as_second_sheet_covering_every_column(
    admin, results_edition
):
    workbook = xlsx(admin.get(url("microdata-export", 2022, "xlsx")))
    assert workbook.sheetnames == ["microdata", "codebook"]
    data = list(workbook["microdata"].iter_rows(values_only=True))
    book = list(workbook["codebook"].iter_rows(values_only=True))
    assert len(data) == N + 1
    variables = [row[0] for row in book[1:]]
    assert variables == list(data[0])
    for variable, _key, text_nb, text_en, kind, labels, _unit, missing, _top in book[1:]:
        assert text_nb and text_en and kind and missing, variable
        if kind in ("single", "yes_no", "likert", "multi", "stratum"):
            assert labels, variable
    salary = next(row for row in book if row[0] == "salary_annual")
    assert "-7" in salary[7] and salary[6] == "nok" and salary[8]
    training = next(row for row in book if row[0] == "training_completed")
    assert training[4] == "stratum" and training[3] == "Training programme"
    assert "yes = Ja / Yes" in training[5] and "-6" in training[7]
    # Numbers are numbers in the sheet.
    column = data[0].index("salary_annual")
    assert all(isinstance(row[column], int | float) for row in data[1:])


def test_codebook_csv_covers_every_microdata_column(admin, results_edition):
    header = csv_lines(admin.get(url("microdata-export", 2022, "csv")))[0]
    book = csv_lines(admin.get(url("codebook-export", 2022, "csv")))
    assert [row[0] for row in book[1:]] == header
    workbook = xlsx(admin.get(url("codebook-export", 2022, "xlsx")))
    assert [r[0] for r in workbook["codebook"].iter_rows(min_row=2, values_only=True)] == header


def test_text_that_a_spreadsheet_would_run_is_escaped(admin, results_edition):
    Choice.objects.filter(question__edition=results_edition, code="never").update(
        label_nb='=HYPERLINK("http://evil.example")'
    )
    book = csv_lines(admin.get(url("codebook-export", 2022, "csv")))
    cells = [cell for row in book for cell in row]
    assert not any(cell.startswith("=") for cell in cells)
    assert any("=HYPERLINK" in cell for cell in cells)
    workbook = xlsx(admin.get(url("microdata-export", 2022, "xlsx")))
    values = [v for row in workbook["codebook"].iter_rows(values_only=True) for v in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_every_export_and_free_text_view_is_audited(admin, admin_user, results_edition):
    admin.get(url("microdata-export", 2022, "csv"))
    admin.get(url("microdata-export", 2022, "xlsx"))
    admin.get(url("codebook-export", 2022, "csv"))
    admin.get(url("free-text", 2022))
    actions = list(
        AuditEvent.objects.filter(actor=admin_user, object_id=str(results_edition.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "survey.microdata.export.csv",
        "survey.microdata.export.xlsx",
        "survey.codebook.export.csv",
        "survey.free_text.viewed",
    ]


def test_an_edition_without_results_has_no_exports_and_no_free_text(admin, edition):
    for response in (
        admin.get(url("microdata-export", edition.year, "csv")),
        admin.get(url("codebook-export", edition.year, "xlsx")),
        admin.get(url("free-text", edition.year)),
    ):
        assert response.status_code == 404


def test_members_and_advisors_are_refused(client, active_member, results_edition):
    client.force_login(active_member)
    assert client.get(url("microdata-export", 2022, "csv")).status_code == 403
    assert client.get(url("free-text", 2022)).status_code == 403


def test_free_text_page_shows_questions_with_k_answers_shuffled_and_hides_the_rest(
    admin, results_edition
):
    page = admin.get(url("free-text", 2022))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    for i in range(6):
        assert f"{COMMENT_CANARY} {i}" in html
    assert STIGMA_CANARY not in html
    assert "For få svar til å vise." in html or "Too few answers to show." in html

    def order(response):
        texts = response.context["groups"]
        return next(g.texts for g in texts if g.question.key == "comments")

    first = order(page)
    assert any(order(admin.get(url("free-text", 2022))) != first for _ in range(5))


def test_free_text_page_shows_nothing_beside_the_texts(admin, results_edition):
    html = admin.get(url("free-text", 2022)).content.decode()
    # No number, strata or other answer next to a text: each is a bare list item.
    salaries = Answer.objects.filter(question_key="salary_annual").values_list("number", flat=True)
    assert not any(f"{s:.0f}" in html for s in salaries if s is not None)
    assert html.count('class="list-group-item free-text"') == 6
