from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _


class OneQueryChoiceIterator(ModelChoiceIterator):
    """A drop-down's choices read with one plain query. Django's default iterates with
    `.iterator()`, which on PostgreSQL opens a server-side cursor: DECLARE, FETCH and CLOSE,
    three round trips for the handful of topics or advisors a drop-down lists."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class OneQueryModelChoiceField(forms.ModelChoiceField):
    iterator = OneQueryChoiceIterator


class OneQueryModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = OneQueryChoiceIterator


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account and the data listed above are deleted for good."),
        error_messages={
            "required": _("Tick the box to confirm that you want to delete your account.")
        },
    )
