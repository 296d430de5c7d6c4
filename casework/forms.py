from types import MappingProxyType

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.functional import cached_property, lazy
from django.utils.translation import gettext_lazy as _

from core.forms import OneQueryModelChoiceField, OneQueryModelMultipleChoiceField
from core.kept import kept

from . import attachments
from .models import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENTS_PER_MESSAGE,
    DESCRIPTION_MAX_LENGTH,
    DESCRIPTION_MIN_LENGTH,
    MESSAGE_MAX_LENGTH,
    SAFE_CONTACT_MAX_LENGTH,
    Case,
    Message,
    Topic,
)
from .selectors import advisor_choices, advisors, assignable_advisors


class TopicChoiceField(OneQueryModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


def _description_help():
    # Interpolated when shown: `%` on a lazy string translates at import, in whatever
    # language was active then (English pages showed it in Bokmål).
    return _(
        "Between %(min)d and %(max)d characters. Only the organisation's advisors read it."
    ) % {"min": DESCRIPTION_MIN_LENGTH, "max": DESCRIPTION_MAX_LENGTH}


class GuidanceRequestForm(forms.Form):
    """What a member sends. Only these fields are read: a posted status, member or assignee
    is ignored (mass assignment)."""

    topics = TopicChoiceField(
        label=_("What is it about?"),
        queryset=Topic.objects.all(),
        help_text=_("Choose one or more topics."),
        error_messages={
            "required": _("Choose at least one topic."),
            "invalid_choice": _("Choose topics from the list."),
            "invalid_pk_value": _("Choose topics from the list."),
        },
    )
    description = forms.CharField(
        label=_("Describe your situation"),
        min_length=DESCRIPTION_MIN_LENGTH,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=lazy(_description_help, str)(),
        error_messages={"required": _("Describe your situation.")},
    )
    safe_contact = forms.CharField(
        label=_("How and when is it safe to contact you?"),
        required=False,
        max_length=SAFE_CONTACT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example: only through the portal; by phone on weekdays after 16:00; no voicemail."
        ),
    )


class InquiryForm(GuidanceRequestForm):
    """An inquiry an advisor registers after a phone call, an email or a visit."""

    member_email = forms.EmailField(
        label=_("Member's email address"),
        required=False,
        help_text=_("If the person asking is a member. Leave empty for others."),
    )
    # "Anonymous" is what the public form records; a registered inquiry names its person.
    requester_kind = forms.ChoiceField(
        label=_("Who is asking?"),
        choices=[c for c in Case.RequesterKind.choices if c[0] != Case.RequesterKind.ANONYMOUS],
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[c for c in Case.Channel.choices if c[0] != Case.Channel.PORTAL],
    )
    contact_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    contact_email = forms.EmailField(label=_("Email address"), required=False)
    contact_phone = forms.CharField(label=_("Phone number"), required=False, max_length=40)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Case.Priority.choices, coerce=int, initial=2
    )
    restricted = forms.BooleanField(label=_("Restricted: only I can see this case"), required=False)
    assign_to_self = forms.BooleanField(label=_("Assign to me"), required=False, initial=True)

    field_order = [
        "requester_kind",
        "member_email",
        "contact_name",
        "contact_email",
        "contact_phone",
        "channel",
        "topics",
        "description",
        "safe_contact",
        "priority",
        "restricted",
        "assign_to_self",
    ]

    def clean_member_email(self):
        email = self.cleaned_data.get("member_email")
        if not email:
            return None
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(_("No member has this email address."))
        return user

    def clean(self):
        data = super().clean()
        member = data.get("member_email")
        if member is not None:
            data["requester_kind"] = Case.RequesterKind.MEMBER
        elif data.get("requester_kind") == Case.RequesterKind.MEMBER:
            self.add_error("member_email", _("Give the email address of the member."))
        elif not data.get("contact_name") or not (
            data.get("contact_email") or data.get("contact_phone")
        ):
            self.add_error(
                "contact_name",
                _("Give the name and an email address or phone number of the person asking."),
            )
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to five files at once; what they are is judged by casework.attachments."""

    widget = MultipleFileInput(
        attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,application/pdf,image/jpeg,image/png"}
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attach files"))
        kwargs.setdefault("help_text", lazy(_attachments_help, str)())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(AttachmentsField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _attachments_help():
    return _(
        "Optional. PDF, JPEG, PNG or Word (DOCX), at most %(size)d MB each and %(count)d files."
    ) % {"size": ATTACHMENT_MAX_BYTES // (1024 * 1024), "count": ATTACHMENTS_PER_MESSAGE}


class AttachmentsMixin:
    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        try:
            attachments.check_uploads(files)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["attachments"]) from None
        return files


class MemberReplyForm(AttachmentsMixin, forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a message.")},
    )
    attachments = AttachmentsField()


class AnonymousReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a message.")},
    )


class AnonymousInquiryForm(GuidanceRequestForm):
    """Asking without an account: the same questions, and a way to be reached only if the
    person wants one."""

    contact_email = forms.EmailField(
        label=_("Email address (optional)"),
        required=False,
        help_text=_(
            "Only if you want us to be able to reach you. Leave it empty to stay anonymous."
        ),
    )

    field_order = ["topics", "description", "safe_contact", "contact_email"]


class AnonymousCheckForm(forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        max_length=20,
        help_text=_("For example E-2026-00042."),
        error_messages={"required": _("Give the case reference.")},
    )
    secret = forms.CharField(
        label=_("Secret code"),
        max_length=40,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Give the secret code.")},
    )


class AdvisorMessageForm(AttachmentsMixin, forms.Form):
    """The kind comes from the button pressed ("Send to the member" or "Save internal
    note"), never from a default: a message posted without one is refused."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Message.Kind.choices,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose whether to send it to the member or save it as an internal note.")
        },
    )
    body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a message.")},
    )
    attachments = AttachmentsField()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Case.Status.choices)
    outcome = forms.ChoiceField(
        label=_("Outcome (when closing)"),
        choices=[("", "—"), *Case.Outcome.choices],
        required=False,
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Case.Status.choices)
        # Offer only the moves the workflow allows; the service refuses the rest anyway.
        self.fields["status"].choices = [(s, labels[s]) for s in case.allowed_statuses]


class CaseUpdateForm(forms.Form):
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Case.Priority.choices, coerce=int
    )
    follow_up_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    restricted = forms.BooleanField(
        label=_("Restricted: only the assigned advisor can see this case"), required=False
    )


class AdvisorChoiceField(OneQueryModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class AssignForm(forms.Form):
    assignee = AdvisorChoiceField(
        label=_("Assign to"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody (back to triage)"),
        error_messages={"invalid_choice": _("Cases can only be assigned to advisors.")},
    )

    def __init__(self, *args, case=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        if self.is_bound:
            field.queryset = assignable_advisors(case)
        else:
            # Only shown: the advisors the queryset would list, read with SQL compiled once
            # (tests/casework/test_advisor_choices.py), or `choices` already read so; a
            # bound form checks the choice against the queryset.
            if choices is None:
                choices = advisor_choices(case)
            field.choices = [("", field.empty_label), *choices]


class BulkAssignForm(AssignForm):
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases"),
        queryset=Case.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": _("Select at least one case."),
            "invalid_choice": _("One of the selected cases is not available to you."),
        },
    )

    def __init__(self, *args, visible_cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = visible_cases


class QueueFilterForm(forms.Form):
    """The queue's filters. Always bound to the query string: a missing value means its
    default, so page 2 of a filtered queue is page 2 of the same list."""

    DEFAULT_STATUS = "active"

    reference = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=20,
        help_text=_("For example E-2026-00042, or a part of it."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("Not resolved")), ("all", _("All")), *Case.Status.choices],
    )
    topic = OneQueryModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.all(), required=False, empty_label=_("All")
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *Case.Priority.choices],
    )
    assignee = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        choices=[
            ("", _("Me or nobody")),
            ("me", _("Me")),
            ("none", _("Nobody (triage)")),
            ("covered", _("Colleagues I cover for")),
        ],
    )
    # Only a lead advisor's queue offers it (see __init__).
    ALL_ASSIGNEES = ("all", _("Everyone (all cases that are not restricted)"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("priority", _("Priority")),
            ("follow_up", _("Follow-up date")),
            ("status", _("Status")),
            ("reference", _("Reference")),
        ],
    )

    def __init__(self, *args, lead=False, topic_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].label_from_instance = lambda obj: obj.name
        if topic_choices is not None:
            # (id, name) of the topics the queue read once, and names each case's topics with.
            self.fields["topic"].choices = [("", _("All")), *topic_choices]
        self._varying_choices = (lead, topic_choices)
        if lead:
            self.fields["assignee"].choices = [
                *self.fields["assignee"].choices,
                self.ALL_ASSIGNEES,
            ]

    @property
    def shown_key(self):
        """Everything the filter fields' markup shows but the language (the queue caches it
        with {% cache %}): the choices that vary (a lead's, today's topics) and the values
        sent (errors follow from these). Not the reference, which is typed text."""
        data = self.data
        values = [
            (name, data.getlist(name) if hasattr(data, "getlist") else data.get(name))
            for name in self.fields
            if name != "reference"
        ]
        return repr((self._varying_choices, values))

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()

    def clean_status(self):
        return self.cleaned_data["status"] or self.DEFAULT_STATUS


class QueueFilters:
    """The queue's filters for a query string, as its page uses them: the cleaned values,
    and for the page's markup `shown_key` and the form itself.

    Most requests send a query string seen before (the same few filters, page after
    page), so a valid one's cleaned values and key are kept per process (core.kept: for a
    minute, and forgotten when a topic changes here), and the form is built only when its
    fields are written: the first time for a choice of filters, for a typed reference (never
    kept), or to show what was wrong. The kept values are shared by requests: a read-only
    mapping."""

    def __init__(self, query, *, lead, topics):
        self._query = query
        self._lead = lead
        # Names in the active language: a key for the language's markup too.
        self._topic_choices = tuple((topic.pk, topic.name) for topic in topics)
        if query.get("reference", "").strip():
            # What an advisor typed to search for is not a choice of filters: never kept.
            form = self.form
            self._valid = (form.cleaned_data, form.shown_key) if form.is_valid() else None
        else:
            self._valid = _valid_queue_filters(lead, query.urlencode(), self._topic_choices)

    def is_valid(self):
        return self._valid is not None

    @property
    def cleaned_data(self):
        return self._valid[0]

    @property
    def shown_key(self):
        return self._valid[1] if self._valid else self.form.shown_key

    @property
    def typed_reference(self):
        """Whether the reference field shows what was typed (or an error), not an empty
        field that reads the same for everyone."""
        return not self._valid or bool(self.cleaned_data["reference"])

    @cached_property
    def form(self):
        form = QueueFilterForm(self._query, lead=self._lead, topic_choices=self._topic_choices)
        form.is_valid()
        return form


@kept
def _valid_queue_filters(lead, query_string, topic_choices):
    form = QueueFilterForm(QueryDict(query_string), lead=lead, topic_choices=topic_choices)
    if not form.is_valid():
        return None
    return MappingProxyType(form.cleaned_data), form.shown_key


class StatisticsForm(forms.Form):
    """The fixed choices of the statistics page: nothing else can be asked for."""

    PERIODS = [("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))]
    BREAKDOWNS = [("region", _("Region")), ("employer_type", _("Employer type"))]

    period = forms.ChoiceField(label=_("Per"), choices=PERIODS, initial="quarter", required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    breakdown = forms.ChoiceField(
        label=_("Break down by"), choices=BREAKDOWNS, initial="region", required=False
    )

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *((y, str(y)) for y in years)]

    def clean_period(self):
        return self.cleaned_data.get("period") or "quarter"

    def clean_breakdown(self):
        return self.cleaned_data.get("breakdown") or "region"


class AbsenceForm(forms.Form):
    """An absence: the lead chooses who is away; an advisor marks their own."""

    advisor = AdvisorChoiceField(label=_("Who is away"), queryset=get_user_model().objects.none())
    cover = AdvisorChoiceField(label=_("Covered by"), queryset=get_user_model().objects.none())
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("To and including"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cover"].queryset = advisors()
        if lead:
            self.fields["advisor"].queryset = advisors()
        else:
            del self.fields["advisor"]
            self.user = user

    def clean(self):
        data = super().clean()
        if "advisor" not in self.fields:
            data["advisor"] = self.user
        return data


class RestrictedMoveForm(forms.Form):
    reference = forms.CharField(label=_("Case reference"), max_length=20)
    assignee = AdvisorChoiceField(label=_("Move to"), queryset=get_user_model().objects.none())
    reason = forms.CharField(
        label=_("Why the case must move"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with the move. The member is told that you moved the case."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = advisors()

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()
