import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Question, Unit

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ConsentForm(forms.Form):
    # Not pre-ticked: consent must be an active choice (GDPR art. 7, privacy by default).
    consent = forms.BooleanField(
        label=_("I have read this and want to take part."),
        error_messages={"required": _("Tick the box to take part, or simply leave the page.")},
    )


class DaysField(forms.CharField):
    """Comma-separated whole days, e.g. "7, 14"."""

    def to_python(self, value):
        value = super().to_python(value)
        days = []
        for part in value.replace(" ", "").split(","):
            if not part:
                continue
            if not part.isdigit() or not 0 < int(part) <= 365:
                raise forms.ValidationError(
                    _("Write whole days between 1 and 365, separated by commas.")
                )
            days.append(int(part))
        return days


class ScheduleForm(forms.Form):
    opens_at = forms.DateTimeField(
        label=_("Opens (Norwegian time)"), widget=DATETIME_WIDGET, input_formats=["%Y-%m-%dT%H:%M"]
    )
    closes_at = forms.DateTimeField(
        label=_("Closes (Norwegian time)"),
        widget=DATETIME_WIDGET,
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    reminder_days_after_open = DaysField(
        label=_("Reminders, days after opening"), required=False, max_length=100
    )
    reminder_days_before_close = DaysField(
        label=_("Reminders, days before closing"), required=False, max_length=100
    )

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The closing date must be after the opening date."))
        return cleaned


class CopyEditionForm(forms.Form):
    year = forms.IntegerField(label=_("New year"), min_value=2000, max_value=2100)


class QuestionForm(forms.ModelForm):
    show_if_codes = forms.CharField(
        label=_("Show if answer codes"),
        required=False,
        max_length=200,
        help_text=_("Comma-separated codes of the earlier question; empty when always shown."),
    )

    class Meta:
        model = Question
        fields = [
            "text_nb",
            "text_en",
            "help_nb",
            "help_en",
            "required",
            "min_value",
            "max_value",
            "unit",
            "allow_decline",
            "max_length",
            "show_if_key",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["show_if_codes"] = ", ".join(self.instance.show_if_codes or [])
        question = self.instance
        if question.type not in Question.NUMBER_TYPES:
            for name in ("min_value", "max_value", "unit", "allow_decline"):
                del self.fields[name]
        if question.type != Question.Type.TEXT:
            del self.fields["max_length"]
        for choice in question.choices.all():
            self.fields[f"choice_{choice.code}_nb"] = forms.CharField(
                label=_("Option “%(code)s” (Bokmål)") % {"code": choice.code},
                initial=choice.label_nb,
                max_length=200,
            )
            self.fields[f"choice_{choice.code}_en"] = forms.CharField(
                label=_("Option “%(code)s” (English)") % {"code": choice.code},
                initial=choice.label_en,
                max_length=200,
                required=False,
            )

    def clean_show_if_codes(self):
        value = self.cleaned_data["show_if_codes"]
        return [code.strip() for code in value.split(",") if code.strip()]

    def changes(self):
        names = [name for name in self.Meta.fields if name in self.fields]
        changes = {name: self.cleaned_data[name] for name in names}
        changes["show_if_codes"] = self.cleaned_data["show_if_codes"]
        return changes

    def choice_labels(self):
        return {
            choice.code: (
                self.cleaned_data[f"choice_{choice.code}_nb"],
                self.cleaned_data[f"choice_{choice.code}_en"],
            )
            for choice in self.instance.choices.all()
        }


class OptionLinesField(forms.CharField):
    """One option per line: "code | Bokmål | English" (English optional)."""

    widget = forms.Textarea(attrs={"rows": 5})

    def to_python(self, value):
        value = super().to_python(value)
        rows, seen = [], set()
        for line in value.splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            code, nb, en = [*parts, "", ""][:3]
            if len(parts) > 3 or not code or not nb:
                raise forms.ValidationError(
                    _("Write each option as “code | Bokmål text | English text”.")
                )
            if not re.fullmatch(r"[a-z0-9_-]{1,40}", code) or code in seen:
                raise forms.ValidationError(
                    _("Codes are unique, short, and use a-z, 0-9, - and _ only: “%(code)s”.")
                    % {"code": code}
                )
            seen.add(code)
            rows.append((code, nb[:200], en[:200]))
        return rows


class NewQuestionForm(forms.Form):
    key = forms.SlugField(
        label=_("Key"),
        max_length=60,
        help_text=_("Reuse last year's key for the same question, so years can be compared."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=Question.Type.choices)
    text_nb = forms.CharField(label=_("Question (Bokmål)"), max_length=500)
    text_en = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = OptionLinesField(
        label=_("Options or scale"),
        required=False,
        help_text=_(
            "Choice questions and Likert matrices: one per line, “code | Bokmål | English”."
        ),
    )
    items = OptionLinesField(
        label=_("Statements"),
        required=False,
        help_text=_("Likert matrices only: one per line, “code | Bokmål | English”."),
    )
    min_value = forms.DecimalField(label=_("Minimum"), required=False, max_digits=12)
    max_value = forms.DecimalField(label=_("Maximum"), required=False, max_digits=12)
    unit = forms.ChoiceField(
        label=_("Unit"), required=False, choices=[("", _("None")), *Unit.choices]
    )
    max_length = forms.IntegerField(
        label=_("Maximum length (free text)"), required=False, min_value=1, max_value=5000
    )


class ReportBreakdownForm(forms.Form):
    """The one predefined dimension a report is broken down by (surveys.report.BREAKDOWNS)."""

    by = forms.ChoiceField(
        label=_("Break down by"),
        required=False,
        choices=(("", _("No breakdown")),),
    )

    def __init__(self, *args, **kwargs):
        from .report import BREAKDOWNS, breakdown_label

        super().__init__(*args, **kwargs)
        self.fields["by"].choices = [
            ("", _("No breakdown")),
            *((by, breakdown_label(by)) for by in BREAKDOWNS),
        ]
