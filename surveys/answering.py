"""Turning a page of questions into a form, and a draft's answers back into form data.

Draft answers are stored by question key: a choice code (single, yes/no), a list of codes
(multiple choice), {item code: scale code} (Likert), a number as a string or DECLINED
(numbers), or a string (free text). Submission re-validates every page through the same
forms, so whatever reached the draft is checked again before it becomes a response.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.numbers import as_decimal, format_number, parse_number

from .models import Question

DECLINED = "declined"


def field_name(question, item=None, suffix=None):
    name = f"q_{question.key}"
    if item is not None:
        name += f"__{item.code}"
    if suffix:
        name += f"__{suffix}"
    return name


def is_visible(question, answers, questions_by_key):
    """Shown when it has no condition, or when its controlling question is itself shown and
    was answered with one of the listed codes."""
    if not question.show_if_key:
        return True
    controller = questions_by_key.get(question.show_if_key)
    if controller is None or not is_visible(controller, answers, questions_by_key):
        return False
    given = answers.get(controller.key)
    given = given if isinstance(given, list) else [given]
    return any(code in question.show_if_codes for code in given)


class _TypedNumberMixin:
    """Accepts a number as written in the active language ("452 000", "47,5" in Bokmål) and
    shows a stored one ("47.5") the same way."""

    def to_python(self, value):
        if isinstance(value, str):
            value = parse_number(value)
        return super().to_python(value)

    def prepare_value(self, value):
        number = as_decimal(value) if isinstance(value, str) else None
        return value if number is None else format_number(number)


class TypedIntegerField(_TypedNumberMixin, forms.IntegerField):
    pass


class TypedDecimalField(_TypedNumberMixin, forms.DecimalField):
    pass


def _range_messages(question):
    """Range errors with the limits written the way the member writes numbers."""
    low, high = question.min_value, question.max_value
    limits = {"min": format_number(low), "max": format_number(high)}
    if low is not None and high is not None:
        message = _("Write a number from %(min)s to %(max)s.") % limits
        return {"min_value": message, "max_value": message}
    messages = {}
    if low is not None:
        messages["min_value"] = _("Write a number of at least %(min)s.") % limits
    if high is not None:
        messages["max_value"] = _("Write a number of at most %(max)s.") % limits
    return messages


def range_hint(question):
    low, high = question.min_value, question.max_value
    if low is None or high is None:
        return ""
    return _("From %(min)s to %(max)s.") % {"min": format_number(low), "max": format_number(high)}


def _choice_pairs(question):
    return [(choice.code, choice.label) for choice in question.choices.all()]


class PageForm(forms.Form):
    """The visible questions of one page. `blocks` pairs each question with its bound
    fields, in order, for the template."""

    def __init__(self, *args, questions, enforce_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.enforce_required = enforce_required
        for question in self.questions:
            self._add_fields(question)
        if self.is_bound:
            self._drop_declined_numbers()
        if not enforce_required:
            # Saving to come back later: check what was given, not what is missing.
            for form_field in self.fields.values():
                form_field.required = False

    def _add_fields(self, question):
        Type = Question.Type
        common = {"label": question.text, "help_text": question.help}
        required = question.required
        if question.type in (Type.SINGLE, Type.YES_NO):
            self.fields[field_name(question)] = forms.ChoiceField(
                choices=_choice_pairs(question),
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=required,
                error_messages={"invalid_choice": _("Choose one of the options shown.")},
                **common,
            )
        elif question.type == Type.MULTI:
            self.fields[field_name(question)] = forms.MultipleChoiceField(
                choices=_choice_pairs(question),
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                required=required,
                error_messages={"invalid_choice": _("Choose only among the options shown.")},
                **common,
            )
        elif question.type == Type.LIKERT:
            scale = _choice_pairs(question)
            for item in question.items.all():
                self.fields[field_name(question, item)] = forms.ChoiceField(
                    label=item.text,
                    choices=scale,
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    required=required,
                    error_messages={"invalid_choice": _("Choose one of the options shown.")},
                )
        elif question.type in Question.NUMBER_TYPES:
            integer = question.type == Type.INTEGER
            field_class = TypedIntegerField if integer else TypedDecimalField
            extra = {} if integer else {"decimal_places": 2}
            # A text input: a number input refuses the Bokmål decimal comma in some browsers.
            number = field_class(
                required=False,
                min_value=question.min_value,
                max_value=question.max_value,
                widget=forms.TextInput(attrs={"inputmode": "numeric" if integer else "decimal"}),
                error_messages={
                    "invalid": _("Write a whole number.") if integer else _("Write a number."),
                    **_range_messages(question),
                },
                **extra,
                **common,
            )
            self.fields[field_name(question)] = number
            if question.allow_decline:
                self.fields[field_name(question, suffix="declined")] = forms.BooleanField(
                    label=_("Prefer not to say"), required=False
                )
        elif question.type == Type.TEXT:
            self.fields[field_name(question)] = forms.CharField(
                required=required,
                max_length=question.max_length,
                widget=forms.Textarea(attrs={"rows": 4}),
                **common,
            )

    def _drop_declined_numbers(self):
        """ "Prefer not to say" wins over a number typed in the same field."""
        declined = [
            field_name(q)
            for q in self.questions
            if q.allow_decline and self.data.get(field_name(q, suffix="declined"))
        ]
        if declined:
            self.data = self.data.copy()
            for name in declined:
                self.data.pop(name, None)

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            if question.type not in Question.NUMBER_TYPES:
                continue
            name = field_name(question)
            declined = cleaned.get(field_name(question, suffix="declined"))
            if declined:
                cleaned[name] = None
            elif (
                cleaned.get(name) is None
                and question.required
                and self.enforce_required
                and name not in self.errors
            ):
                message = (
                    _("Give a number, or choose “prefer not to say”.")
                    if question.allow_decline
                    else _("This field is required.")
                )
                self.add_error(name, message)
        return cleaned

    @property
    def blocks(self):
        for question in self.questions:
            if question.type == Question.Type.LIKERT:
                rows = [(item, self[field_name(question, item)]) for item in question.items.all()]
                yield {"question": question, "rows": rows}
            else:
                declined = field_name(question, suffix="declined")
                yield {
                    "question": question,
                    "field": self[field_name(question)],
                    "declined": self[declined] if declined in self.fields else None,
                    "hint": range_hint(question),
                }

    def answers(self):
        """The page's answers in draft form, leaving out unanswered questions."""
        result = {}
        for question in self.questions:
            value = self._answer(question)
            if value not in (None, "", [], {}):
                result[question.key] = value
        return result

    def _answer(self, question):
        data = self.cleaned_data
        if question.type == Question.Type.LIKERT:
            return {
                item.code: data[field_name(question, item)]
                for item in question.items.all()
                if data.get(field_name(question, item))
            }
        if question.type in Question.NUMBER_TYPES:
            if data.get(field_name(question, suffix="declined")):
                return DECLINED
            value = data.get(field_name(question))
            return None if value is None else str(value)
        if question.type == Question.Type.TEXT:
            return data.get(field_name(question), "").strip()
        return data.get(field_name(question))


def answers_to_data(questions, answers):
    """Form data that reproduces stored answers, to show a saved page or re-check a draft."""
    data = {}
    for question in questions:
        value = answers.get(question.key)
        if value is None:
            continue
        if question.type == Question.Type.LIKERT:
            for item_code, code in (value if isinstance(value, dict) else {}).items():
                data[f"q_{question.key}__{item_code}"] = code
        elif question.type in Question.NUMBER_TYPES and value == DECLINED:
            data[f"q_{question.key}__declined"] = "on"
        elif question.type == Question.Type.MULTI:
            data[f"q_{question.key}"] = value if isinstance(value, list) else [value]
        else:
            data[f"q_{question.key}"] = value
    return data


def answer_rows(question, value):
    """Answer rows (without the response) for one stored answer."""
    Type = Question.Type
    if question.type == Type.LIKERT:
        return [{"item_code": item, "code": code} for item, code in value.items()]
    if question.type == Type.MULTI:
        return [{"code": code} for code in value]
    if question.type in Question.NUMBER_TYPES:
        if value == DECLINED:
            return [{"declined": True}]
        return [{"number": Decimal(value)}]
    if question.type == Type.TEXT:
        return [{"text": value}]
    return [{"code": value}]


def display_value(question, value):
    """A readable rendering of a stored answer for the review page."""
    labels = {choice.code: choice.label for choice in question.choices.all()}
    if question.type == Question.Type.LIKERT:
        items = {item.code: item.text for item in question.items.all()}
        return [
            f"{items.get(item, item)}: {labels.get(code, code)}" for item, code in value.items()
        ]
    if question.type == Question.Type.MULTI:
        return [labels.get(code, code) for code in value]
    if question.type in Question.NUMBER_TYPES:
        if value == DECLINED:
            return [str(_("Prefer not to say"))]
        return [f"{format_number(as_decimal(value))} {question.unit_symbol}".strip()]
    if question.type == Question.Type.TEXT:
        return [value]
    return [labels.get(value, value)]
