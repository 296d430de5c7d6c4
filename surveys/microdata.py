"""De-identified microdata of a closed edition, and its codebook (issue 11).

One row per mixed response, read only through `selectors.result_responses` (so only a
closed, mixed edition has any), with:

- the seven generalised strata as stored at mixing (every combination shared by at least k
  responses, docs/anonymity.md); the questions taken from the profile are left out, because
  their raw answers would undo that generalisation;
- one column per question, per Likert item, and per code of a multiple-choice question (0/1);
- no free text (it is stored apart and never joined to a response), no response id, no
  date, and rows in a fresh random order, so the file cannot be lined up with the database's
  storage order or with an earlier export.

Numbers are top-coded: a single very high salary names its owner. Every value above the
cap is written as the cap, and the cap is the 95th percentile of the edition's answers, or
lower so that at least k answers are at or above it. The codebook states each cap.

Missing values are negative codes, the same in every column (see MISSING).
"""

import csv
import math
import random
import tempfile
from dataclasses import dataclass, field

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.disclosure import escape_formula, threshold
from members.regions import Region

from .answering import DECLINED, is_visible
from .models import Answer, Question
from .selectors import questionnaire_for, result_responses
from .strata import DIMENSIONS

DECLINED_CODE, NOT_SHOWN_CODE, NOT_ANSWERED_CODE, GENERALISED_CODE = -7, -8, -9, -6
MISSING = {
    DECLINED_CODE: gettext_lazy("declined (“prefer not to say”)"),
    NOT_SHOWN_CODE: gettext_lazy("not shown (the question's condition was not met)"),
    NOT_ANSWERED_CODE: gettext_lazy("not answered"),
}
GENERALISED = {GENERALISED_CODE: gettext_lazy("not broken down (group too small)")}
# The strata in the order of the file: the ones the issue names, then any other.
STRATA = (
    "region",
    "employer_type",
    "field",
    "contract_type",
    "union_member",
    "user_representative",
    "training_completed",
)
STRATA = (*STRATA, *(d for d in DIMENSIONS if d not in STRATA))
STRATUM_LABELS = {
    "region": gettext_lazy("Region"),
    "employer_type": gettext_lazy("Employer type"),
    "field": gettext_lazy("Field"),
    "contract_type": gettext_lazy("Contract type"),
    "union_member": gettext_lazy("Union member"),
    "user_representative": gettext_lazy("User representative"),
    "training_completed": gettext_lazy("Training programme"),
}
TOP_PERCENTILE = 95
CHUNK = 500


@dataclass
class Column:
    name: str
    question_key: str
    text_nb: str
    text_en: str
    type: str
    value_labels: list = field(default_factory=list)  # [(code, label nb, label en)]
    unit: str = ""
    missing: dict = field(default_factory=dict)
    top_code: float | None = None
    # How to read a response's value: "stratum", "choice", "multi" (with `code`), "item"
    # (with `code` = item code) or "number".
    kind: str = "choice"
    code: str = ""
    question: Question | None = None


def _both(text):
    with translation.override("nb"):
        nb = str(text)
    with translation.override("en"):
        en = str(text)
    return nb, en


def _number(value):
    if value is None:
        return None
    value = float(value)
    return int(value) if value.is_integer() else value


def top_code_for(edition, key):
    """The cap of a number question: the 95th percentile (nearest rank) of the edition's
    answers, lowered to the k-th largest answer when fewer than k lie at or above it. Two
    ordered index reads in the database, no loop over responses."""
    numbers = Answer.objects.filter(
        response__in=result_responses(edition),
        question_key=key,
        declined=False,
        number__isnull=False,
    ).order_by("number")
    n = numbers.count()
    if n == 0:
        return None
    rank = max(1, math.ceil(TOP_PERCENTILE / 100 * n))
    percentile = numbers.values_list("number", flat=True)[rank - 1]
    k = threshold()
    kth_largest = numbers.values_list("number", flat=True)[max(0, n - k)]
    return _number(min(percentile, kth_largest))


def columns_for(edition):
    """Every column of the microdata file, in order, with what the codebook says of it."""
    survey = questionnaire_for(edition)
    by_profile = {q.profile_field: q for q in survey.profile_questions}
    columns = []
    for stratum in STRATA:
        nb, en = _both(STRATUM_LABELS[stratum])
        if stratum == "region":
            labels = [(code, *_both(label)) for code, label in Region.choices]
        elif stratum in by_profile:
            labels = [(c.code, c.label_nb, c.label_en) for c in by_profile[stratum].choices.all()]
        else:
            labels = [("yes", "Ja", "Yes"), ("no", "Nei", "No")]
        columns.append(
            Column(
                name=stratum,
                question_key="",
                text_nb=nb,
                text_en=en,
                type="stratum",
                value_labels=labels,
                missing=GENERALISED,
                kind="stratum",
            )
        )
    strata_fields = set(DIMENSIONS)
    for section in survey.sections:
        for question in section.question_list:
            if question.type == Question.Type.TEXT or question.profile_field in strata_fields:
                continue
            columns.extend(_question_columns(edition, question))
    return columns


def _question_columns(edition, question):
    codes = (NOT_SHOWN_CODE, NOT_ANSWERED_CODE)
    if question.allow_decline:
        codes = (DECLINED_CODE, *codes)
    missing = {code: MISSING[code] for code in codes}
    base = {
        "question_key": question.key,
        "type": question.type,
        "missing": missing,
        "question": question,
    }
    choices = [(c.code, c.label_nb, c.label_en) for c in question.choices.all()]
    if question.type == Question.Type.MULTI:
        return [
            Column(
                name=f"{question.key}__{code}",
                text_nb=f"{question.text_nb}: {label_nb}",
                text_en=f"{question.text_en}: {label_en}",
                value_labels=[("1", "Valgt", "Chosen"), ("0", "Ikke valgt", "Not chosen")],
                kind="multi",
                code=code,
                **base,
            )
            for code, label_nb, label_en in choices
        ]
    if question.type == Question.Type.LIKERT:
        return [
            Column(
                name=f"{question.key}__{item.code}",
                text_nb=f"{question.text_nb}: {item.text_nb}",
                text_en=f"{question.text_en}: {item.text_en}",
                value_labels=choices,
                kind="item",
                code=item.code,
                **base,
            )
            for item in question.items.all()
        ]
    if question.type in Question.NUMBER_TYPES:
        return [
            Column(
                name=question.key,
                text_nb=question.text_nb,
                text_en=question.text_en,
                unit=question.unit,
                top_code=top_code_for(edition, question.key),
                kind="number",
                **base,
            )
        ]
    return [
        Column(
            name=question.key,
            text_nb=question.text_nb,
            text_en=question.text_en,
            value_labels=choices,
            kind="choice",
            **base,
        )
    ]


def _answers_of(response_ids):
    """{response id: answers as the questionnaire takes them} for one chunk of responses."""
    answers = {pk: {} for pk in response_ids}
    rows = Answer.objects.filter(response_id__in=response_ids).values_list(
        "response_id", "question_key", "item_code", "code", "number", "declined"
    )
    for response_id, key, item, code, number, declined in rows:
        given = answers[response_id]
        if declined:
            given[key] = DECLINED
        elif number is not None:
            given[key] = number
        elif item:
            given.setdefault(key, {})[item] = code
        else:
            previous = given.get(key)
            if previous is None:
                given[key] = code
            else:  # a second code: multiple choice
                given[key] = [*(previous if isinstance(previous, list) else [previous]), code]
    return answers


def _cell(column, strata, answers, by_key):
    if column.kind == "stratum":
        return strata[column.name] or GENERALISED_CODE
    question = column.question
    if not is_visible(question, answers, by_key):
        return NOT_SHOWN_CODE
    given = answers.get(question.key)
    if given is None:
        return NOT_ANSWERED_CODE
    if given == DECLINED:
        return DECLINED_CODE
    if column.kind == "multi":
        return 1 if column.code in (given if isinstance(given, list) else [given]) else 0
    if column.kind == "item":
        if not isinstance(given, dict):
            return NOT_ANSWERED_CODE
        return given.get(column.code, NOT_ANSWERED_CODE)
    if column.kind == "number":
        value = _number(given)
        if column.top_code is not None and value > column.top_code:
            return column.top_code
        return value
    return given if isinstance(given, str) else given[0]


def rows(edition, columns=None):
    """The header, then one list per response in a random order, read chunk by chunk so
    memory stays flat however large the edition."""
    columns = columns if columns is not None else columns_for(edition)
    by_key = {c.question.key: c.question for c in columns if c.question is not None}
    # Every question of the edition, for conditions on questions that have no column.
    by_key.update(questionnaire_for(edition).by_key)
    yield [c.name for c in columns]
    ids = list(result_responses(edition).values_list("pk", flat=True))
    random.SystemRandom().shuffle(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        strata = {
            row["pk"]: row
            for row in result_responses(edition).filter(pk__in=chunk).values("pk", *STRATA)
        }
        answers = _answers_of(chunk)
        for pk in chunk:
            yield [_cell(c, strata[pk], answers[pk], by_key) for c in columns]


def codebook_header():
    return [
        _("Variable"),
        _("Question key"),
        _("Text (Bokmål)"),
        _("Text (English)"),
        _("Type"),
        _("Value labels"),
        _("Unit"),
        _("Missing codes"),
        _("Top-coding"),
    ]


def codebook_rows(columns):
    """The header, then one line per column of the microdata."""
    yield codebook_header()
    for column in columns:
        labels = "; ".join(f"{code} = {nb} / {en}" for code, nb, en in column.value_labels)
        missing = "; ".join(
            "{} = {} / {}".format(code, *_both(label)) for code, label in column.missing.items()
        )
        top = ""
        if column.top_code is not None:
            top = _(
                "Values above %(cap)s are given as %(cap)s (the %(percentile)sth percentile, "
                "or lower so that at least %(k)s answers share it)."
            ) % {"cap": column.top_code, "percentile": TOP_PERCENTILE, "k": threshold()}
        yield [
            column.name,
            column.question_key,
            column.text_nb,
            column.text_en,
            column.type,
            labels,
            column.unit,
            missing,
            top,
        ]


# --- Files ------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _safe(value):
    return escape_formula(value) if isinstance(value, str) else value


def csv_response(lines, *, filename):
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff"
        for line in lines:
            yield writer.writerow([_safe(v) for v in line])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(sheets, *, filename):
    """`sheets` is [(name, lines)]: openpyxl's write-only mode keeps one row in memory at a
    time; the file is built in a temporary file (a zip cannot be streamed) and streamed."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, lines in sheets:
        sheet = workbook.create_sheet(name)
        for line in lines:
            sheet.append([_safe(v) for v in line])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
