from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import roles
from core.forms import OneQueryModelChoiceField

from .models import ContractType, County, EmployerType, Field, Membership, Municipality, Profile
from .services import PROFILE_FIELDS

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _to_bool(value):
    return {"yes": True, "no": False}.get(value)


def _from_bool(value):
    return {True: "yes", False: "no"}.get(value, "")


class SignupForm(forms.Form):
    """The name fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): staff see the
    name on the application, and emails greet the person by it. allauth's adapter stores
    them on the user."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user):
        """Nothing more to store: allauth saved the names with the user."""


class YesNoField(forms.TypedChoiceField):
    """Yes / no as radio buttons, nothing chosen beforehand; left empty = not stated."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=YES_NO,
            coerce=_to_bool,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
            **kwargs,
        )


def municipality_choices():
    """Municipalities grouped by county, so the list works without JavaScript; the script
    in members/static/members/municipality-filter.js then shows only the chosen county's group."""
    groups = {}
    for municipality in Municipality.objects.select_related("county").order_by(
        "county__name", "name"
    ):
        groups.setdefault(municipality.county.name, []).append(
            (municipality.code, str(municipality))
        )
    return [("", "---------"), *groups.items()]


class ProfileForm(forms.ModelForm):
    """The member's own profile. Only these fields are read from the request: status, owner
    and role fields posted alongside are ignored."""

    training_completed = YesNoField(label=_("Have you completed a peer-work training programme?"))
    union_member = YesNoField(label=_("Are you a member of a union?"))
    user_representative = YesNoField(label=_("Do you also serve as a user representative?"))

    class Meta:
        model = Profile
        fields = list(PROFILE_FIELDS)
        widgets = {
            "employer_type": forms.RadioSelect,
            "field": forms.RadioSelect,
            "contract_type": forms.RadioSelect,
        }
        error_messages = {
            "municipality": {
                "invalid_choice": _("Choose a municipality from the list."),
            },
            "county": {"invalid_choice": _("Choose a county from the list.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = County.objects.order_by("name")
        self.fields["municipality"].widget.choices = municipality_choices()
        self.fields["municipality"].widget.attrs["data-filter-by"] = "id_county"
        self.fields["employer_type"].choices = EmployerType.choices
        self.fields["field"].choices = Field.choices
        self.fields["contract_type"].choices = ContractType.choices
        self.fields["position_percent"].min_value = 1
        self.fields["position_percent"].max_value = 100
        self.fields["position_percent"].widget.attrs.update({"min": 1, "max": 100})
        self.fields["year_started"].widget.attrs["max"] = timezone.localdate().year
        self.fields["position_percent"].help_text = _("A whole number from 1 to 100.")
        for name in ("training_completed", "union_member", "user_representative"):
            self.fields[name].help_text = _("Leave empty if you would rather not say.")
            if self.instance.pk:
                self.initial[name] = _from_bool(getattr(self.instance, name))


class ApplicationForm(ProfileForm):
    consent = forms.BooleanField(
        required=True,
        label=_(
            "I consent to Erfaring processing this information, including union membership and "
            "what membership in the organisation says about my health background, for my "
            "membership and for anonymous statistics."
        ),
        error_messages={
            "required": _("We need your consent to process this information before you can apply.")
        },
    )


class RenewForm(forms.Form):
    """One click to renew; the consent box is shown only when no current consent exists."""

    confirm_profile = forms.BooleanField(
        required=True,
        label=_("My profile above is still correct."),
        error_messages={"required": _("Confirm that your profile is correct, or edit it first.")},
    )

    def __init__(self, *args, needs_consent=False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_consent:
            self.fields["consent"] = ApplicationForm.base_fields["consent"]


class ConsentForm(forms.Form):
    """The consent of a member imported from the old member list, who never applied."""

    consent = forms.BooleanField(
        required=True,
        label=ApplicationForm.base_fields["consent"].label,
        error_messages={"required": _("We need your consent before you can use the member pages.")},
    )


class DecisionForm(forms.Form):
    APPROVE, REJECT = "approve", "reject"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for rejection"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when rejecting. The applicant sees it when they sign in."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REJECT and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Give a reason: the applicant will see it."))
        return cleaned


class MemberFilterForm(forms.Form):
    """Filters of the member list. Only categories in the URL: no name or email (SECURITY D9)."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Membership.Status.choices]
    )
    county = OneQueryModelChoiceField(
        label=_("County"),
        required=False,
        queryset=County.objects.order_by("name"),
        empty_label=_("All"),
        to_field_name="code",
    )
    employer_type = forms.ChoiceField(
        label=_("Employer type"), required=False, choices=[("", _("All")), *EmployerType.choices]
    )
    field = forms.ChoiceField(
        label=_("Field"), required=False, choices=[("", _("All")), *Field.choices]
    )


class MemberSearchForm(forms.Form):
    """Name or email search: sent by POST so it never lands in a URL or an access log."""

    q = forms.CharField(label=_("Name or email"), max_length=200, required=False)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Member list (CSV or XLSX)"),
        help_text=_(
            "Columns: email, first_name, last_name, county, municipality, employer_type, field, "
            "position_percent, contract_type, training_completed, union_member, "
            "user_representative, year_started, year_joined. CSV in UTF-8."
        ),
    )


class GiveRoleForm(forms.Form):
    """Give a staff role to an existing account, found by its email address (posted, so the
    address never lands in a URL or an access log)."""

    email = forms.EmailField(label=_("Email address of the account"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", "—"), *((r, roles.ROLE_LABELS[r]) for r in roles.STAFF_ROLES)],
    )

    def clean_email(self):
        email = self.cleaned_data["email"]
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("No account has this email address. The person must sign up first.")
            )
        return user


class RemoveRoleForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True))
    role = forms.ChoiceField(choices=[(r, r) for r in roles.STAFF_ROLES])
