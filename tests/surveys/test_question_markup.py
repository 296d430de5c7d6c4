"""The question pages write each choice's <input> themselves (surveys/includes/question.html),
as Django's widget template would (`choice.tag`), which is slower: the two must stay equal,
checked, required, with errors, for every kind of question."""

import re

from django.template.loader import render_to_string

from surveys.answering import PageForm, answers_to_data, field_name
from surveys.models import Question
from surveys.selectors import questionnaire_for

from .conftest import valid_value


def _choice_fields(form):
    for block in form.blocks:
        if "rows" in block:
            yield from (field for _, field in block["rows"])
        elif block["question"].type in Question.CHOICE_TYPES:
            yield block["field"]


def _inputs_of(html, field):
    return re.findall(rf'<input type="[a-z]+" name="{field.html_name}"[^>]*>', html)


def _forms(questions):
    answers = {}
    for question in questions:
        data = valid_value(question)
        if question.type == Question.Type.LIKERT:
            answers[question.key] = {name.rsplit("__", 1)[1]: value for name, value in data.items()}
        else:
            answers[question.key] = data[field_name(question)]
    return [
        PageForm(questions=questions),
        PageForm(initial=answers_to_data(questions, answers), questions=questions),
        PageForm(data={"action": "next"}, questions=questions),  # required: every error
    ]


def test_each_choice_is_written_as_djangos_widget_writes_it(edition):
    survey = questionnaire_for(edition)
    questions = [q for section in survey.sections for q in section.question_list]
    kinds = {q.type for q in questions}
    assert {Question.Type.SINGLE, Question.Type.MULTI, Question.Type.LIKERT} <= kinds
    compared = checked = 0
    for form in _forms(questions):
        form.is_valid()
        html = "".join(
            render_to_string("surveys/includes/question.html", {"block": block})
            for block in form.blocks
        )
        for field in _choice_fields(form):
            expected = [str(choice.tag()) for choice in field]
            assert _inputs_of(html, field) == expected, field.html_name
            compared += len(expected)
            checked += sum(" checked" in tag for tag in expected)
    assert compared > 50 and checked > 5
