"""Reads of membership data, for this app and for the surveys and casework apps."""

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Prefetch

from core import roles
from core.compiled import fetch_rows
from core.roles import ROLE_LABELS, STAFF_ROLES

from . import services
from .models import Consent, EmployerType, Field, ImportBatch, Membership, Profile
from .regions import region_for_county

STRATA_KEYS = (
    "region",
    "county",
    "employer_type",
    "field",
    "union_member",
    "user_representative",
    "contract_type",
    "training_completed",
)


def _yes_no(value):
    if value is None:
        return ""
    return "yes" if value else "no"


def breakdown_strata_for(user) -> dict[str, str]:
    """The member's breakdown categories as short stable codes, for anonymous survey responses.

    Exactly the keys in STRATA_KEYS: "region" ("vest"), "county" ("46"), "employer_type"
    ("municipality"), "field" ("both"), "union_member", "user_representative" and
    "training_completed" ("yes"/"no"), "contract_type" ("permanent"). A value is "" when unknown
    (no profile, or not answered).
    Nothing that identifies the person (no municipality, no year).
    """
    profile = Profile.objects.filter(user_id=user.pk).first()
    if profile is None:
        return dict.fromkeys(STRATA_KEYS, "")
    return {
        "region": region_for_county(profile.county_id),
        "county": profile.county_id or "",
        "employer_type": profile.employer_type or "",
        "field": profile.field or "",
        "union_member": _yes_no(profile.union_member),
        "user_representative": _yes_no(profile.user_representative),
        "contract_type": profile.contract_type or "",
        "training_completed": _yes_no(profile.training_completed),
    }


def member_role_rows(user):
    """The member role, as core.roles asks for it: one row when the user holds a membership
    that gives access (approved and current, with consent)."""
    return (
        Membership.objects.giving_access()
        .filter(user=user)
        .values_list(roles.role_value(roles.MEMBER), flat=True)
    )


def active_member_users():
    """Users who are members now (core.roles.is_member says yes to each)."""
    return get_user_model().objects.filter(membership__in=Membership.objects.giving_access())


@dataclass(frozen=True)
class MemberSummary:
    """What an advisor handling someone's case may see of them: no salary, no survey answers."""

    name: str
    county: str
    employer_type: str
    field: str
    membership_status: str
    membership_status_label: str


def _summary_row(user_id):
    # One query: profile and membership are each at most one row of the person's. On every
    # case page, so compiled once (core.compiled).
    return (
        get_user_model()
        .objects.filter(pk=user_id)
        .values_list(
            "profile__county__name",
            "profile__employer_type",
            "profile__field",
            "membership__status",
        )[:1]
    )


def member_summary_for(user) -> MemberSummary:
    """A read-only summary of a person for the advisor handling their case.

    Labels are display strings in the active language; a missing profile or membership gives
    empty strings ("" status when the person never applied).
    """
    rows = fetch_rows("members.member_summary", _summary_row, user.pk)
    county, employer_type, field, status = rows[0] if rows else (None,) * 4
    employer_type = employer_type or ""
    field = field or ""
    status = status or ""
    return MemberSummary(
        name=user.get_full_name() or user.email,
        county=county or "",
        employer_type=EmployerType(employer_type).label if employer_type else "",
        field=Field(field).label if field else "",
        membership_status=status,
        membership_status_label=Membership.Status(status).label if status else "",
    )


@dataclass(frozen=True)
class MembershipStep:
    """Where a person stands on the way to membership, for the home page's next step.

    `code` is one of "apply" (never applied), "wait" (application pending), "consent" (an
    imported member who has not given consent yet), "member" (core.roles.is_member), or
    "ended" (rejected, lapsed or cancelled; `can_apply` says whether to apply again).
    """

    code: str
    membership: Membership | None
    can_apply: bool = False
    can_renew: bool = False


def membership_step_for(user):
    membership = own_membership_for(user)
    if roles.is_member(user):
        return MembershipStep("member", membership, can_renew=services.renewal_open(membership))
    if membership is None:
        return MembershipStep("apply", None, can_apply=True)
    if membership.status == Membership.Status.PENDING:
        return MembershipStep("wait", membership)
    if services.needs_consent(membership):
        return MembershipStep("consent", membership)
    return MembershipStep("ended", membership, can_apply=services.can_apply(membership))


def own_membership_for(user):
    """The user's membership with profile and county, or None."""
    return Membership.objects.select_related("user").filter(user_id=user.pk).first()


def own_profile_for(user):
    return Profile.objects.select_related("county", "municipality").filter(user_id=user.pk).first()


def applications_waiting():
    """Applications for an admin to decide, oldest first."""
    return (
        Membership.objects.awaiting_decision()
        .select_related("user", "user__profile__county", "user__profile__municipality")
        .order_by("applied_at", "pk")
    )


def member_list(*, status="", county=None, employer_type="", field="", search=""):
    """Memberships for the admin member list, filtered; one query per page, however many."""
    from django.db.models import Q

    memberships = Membership.objects.select_related(
        "user", "user__profile__county", "user__profile__municipality"
    ).order_by("user__last_name", "user__first_name", "pk")
    if status:
        memberships = memberships.filter(status=status)
    if county is not None:
        memberships = memberships.filter(user__profile__county=county)
    if employer_type:
        memberships = memberships.filter(user__profile__employer_type=employer_type)
    if field:
        memberships = memberships.filter(user__profile__field=field)
    for word in search.split():
        memberships = memberships.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
        )
    return memberships


def member_record(membership_pk):
    return (
        Membership.objects.select_related(
            "user", "decided_by", "user__profile__county", "user__profile__municipality"
        )
        .filter(pk=membership_pk)
        .first()
    )


def open_import_batch(pk, *, created_by):
    """An import not yet committed, uploaded by `created_by`, or None."""
    return ImportBatch.objects.filter(
        pk=pk, created_by=created_by, committed_at__isnull=True
    ).first()


def consents_of(user):
    return Consent.objects.filter(user_id=user.pk).order_by("-given_at")


def staff_with_roles():
    """Active accounts holding a staff role, each with `staff_roles` ((role, label) in the
    order of roles.STAFF_ROLES) and `has_mfa`, in two queries however many there are."""
    users = (
        get_user_model()
        .objects.filter(groups__name__in=STAFF_ROLES, is_active=True)
        .distinct()
        .annotate(has_mfa=Exists(Authenticator.objects.filter(user=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "groups",
                queryset=Group.objects.filter(name__in=STAFF_ROLES),
                to_attr="staff_groups",
            )
        )
        .order_by("first_name", "last_name", "email")
    )
    for user in users:
        names = {group.name for group in user.staff_groups}
        user.staff_roles = [(role, ROLE_LABELS[role]) for role in STAFF_ROLES if role in names]
    return users
