"""core.templatetags.fields: the fast field markup equals crispy's bootstrap5 markup, for
every widget it writes itself, in every state a person meets (empty, filled, chosen, wrong,
required, with help), so the error summary's links and the accessibility checks hold."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.html import parse_html

from casework.forms import (
    AdvisorMessageForm,
    AssignForm,
    CaseUpdateForm,
    QueueFilterForm,
    StatusForm,
)
from casework.models import Case
from core.templatetags.fields import field_group, field_groups
from members.factories import advisor_user


class EveryWidget(forms.Form):
    name = forms.CharField(label="Navn & <b>tittel</b>", max_length=20, help_text="Som på kortet.")
    email = forms.EmailField(
        label="E-post",
        required=False,
        widget=forms.EmailInput(attrs={"placeholder": 'ola@"eksempel".no <b>'}),
    )
    age = forms.IntegerField(label="Alder", min_value=18, required=False)
    when = forms.DateField(
        label="Dato", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    secret = forms.CharField(label="Kode", required=False, widget=forms.PasswordInput)
    kind = forms.ChoiceField(
        label="Type",
        choices=[("", "Alle"), ("a", "A <1>"), ("b", "B"), ('"q"&<r>', 'Sitat "og" <i>')],
    )
    number = forms.TypedChoiceField(
        label="Tall", coerce=int, required=False, choices=[("", "Alle"), (1, "En"), (2, "To")]
    )
    grouped = forms.ChoiceField(
        label="Gruppert", required=False, choices=[("Nord", [("n", "Nord")]), ("s", "Sør")]
    )
    text = forms.CharField(label="Tekst", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    agree = forms.BooleanField(label="Jeg er enig", required=False, help_text="Frivillig.")
    must = forms.BooleanField(label="Må krysses av")
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    upload = forms.FileField(label="Fil", required=False, help_text="PDF & bilder.")
    many = forms.MultipleChoiceField(
        label="Flere",
        required=False,
        choices=[("x", "X"), ("y", "Y")],
        widget=forms.CheckboxSelectMultiple,
    )


STATES = {
    "empty": None,
    "filled": {
        "name": "Kari",
        "email": "kari@example.org",
        "age": "40",
        "when": "2026-12-01",
        "kind": "a",
        "number": "2",
        "grouped": "n",
        "text": "Linje én\n<script>",
        "agree": "on",
        "must": "on",
        "many": ["y"],
    },
    "wrong": {
        "name": "x" * 30,
        "email": "ikke-epost",
        "age": "12",
        "kind": "zz",
        "number": "9",
        "grouped": "q",
        "text": "",
    },
}


def _same(ours, theirs):
    assert parse_html(str(ours)) == parse_html(str(theirs)), f"\n{ours}\n!=\n{theirs}"


@pytest.mark.parametrize("state", STATES)
def test_each_field_is_written_as_crispy_writes_it(state):
    form = EveryWidget(STATES[state])
    if STATES[state] is not None:
        form.is_valid()
    for bound in form:
        if bound.is_hidden:
            continue
        _same(field_group(bound), as_crispy_field(bound))


@pytest.mark.parametrize("state", STATES)
def test_a_whole_form_is_written_as_crispy_writes_it(state):
    form = EveryWidget(STATES[state])
    if STATES[state] is not None:
        form.is_valid()
    _same(field_groups(form), as_crispy_form(form))


def test_the_wrong_state_shows_errors_linked_to_their_control():
    form = EveryWidget(STATES["wrong"])
    assert not form.is_valid()
    html = str(field_group(form["kind"]))
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_kind_error"' in html
    assert 'id="id_kind_error"' in html
    assert "is-invalid" in html


def test_labels_and_values_are_escaped():
    form = EveryWidget(STATES["filled"])
    form.is_valid()
    assert "<b>tittel</b>" not in str(field_group(form["name"]))
    assert "<script>" not in str(field_group(form["text"]))
    assert "A &lt;1&gt;" in str(field_group(form["kind"]))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make",
    [
        lambda: QueueFilterForm({"status": "active"}, lead=False),
        lambda: QueueFilterForm({"status": "bogus", "priority": "7"}, lead=True),
        lambda: AssignForm(auto_id="assign_%s"),
        lambda: StatusForm({"status": "closed"}, case=Case(status=Case.Status.OPEN)),
        lambda: CaseUpdateForm({"priority": "x", "follow_up_on": "i går"}),
        lambda: AdvisorMessageForm(),
        # A file that is not one of the allowed kinds: the attachments field in error.
        lambda: AdvisorMessageForm(
            {"kind": "reply", "body": ""},
            {"attachments": SimpleUploadedFile("tool.exe", b"MZ\x90\x00 not a document")},
        ),
    ],
)
def test_the_advisor_pages_forms_are_written_as_crispy_writes_them(make):
    advisor_user()
    form = make()
    if form.is_bound:
        form.is_valid()
    _same(field_groups(form), as_crispy_form(form))


def test_a_drop_down_writes_what_was_typed_into_its_choices_as_text():
    form = EveryWidget({"kind": '"q"&<r>'})
    html = field_group(form["kind"])
    assert '<option value="&quot;q&quot;&amp;&lt;r&gt;" selected>' in html
    assert "Sitat &quot;og&quot; &lt;i&gt;</option>" in html
    assert "<i>" not in html and "<r>" not in html
