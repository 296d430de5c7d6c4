"""The portal's roles, in one place.

Staff roles (advisor, lead advisor, admin) are Django groups holding permissions, given on
the admin's role page (or with `manage.py grant_role` for the first admin). Views check
permissions (`user.has_perm`), so a role's powers can change here without touching the
views. Staff must use multi-factor authentication (core.middleware.StaffMFARequiredMiddleware).

The member role is never granted: whoever holds a membership that gives access (approved and
current, with consent: Membership.objects.giving_access()) is a member, and loses the role
when the membership lapses, is cancelled or was never approved. is_member() is the one check.
"""

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from .models import Membership

MEMBER = "member"
ADVISOR = "advisor"
LEAD_ADVISOR = "lead_advisor"
ADMIN = "admin"

STAFF_ROLE_PERMISSIONS = {
    ADVISOR: ["members.work_casework"],
    # The lead works cases too, and also sees and reassigns every case that is not restricted.
    LEAD_ADVISOR: ["members.work_casework", "members.lead_casework"],
    ADMIN: [
        "members.manage_membership",
        "members.manage_surveys",
        "members.view_statistics",
        "members.manage_roles",
    ],
}
# Also the roles an admin gives and removes on the role page.
STAFF_ROLES = tuple(STAFF_ROLE_PERMISSIONS)
ROLE_LABELS = {
    MEMBER: _("Member"),
    ADVISOR: _("Advisor"),
    LEAD_ADVISOR: _("Lead advisor"),
    ADMIN: _("Administrator"),
}
# Roles whose accounts reach other people's data: they must have an authenticator.
ROLES_REQUIRING_MFA = frozenset({ADVISOR, LEAD_ADVISOR, ADMIN})


def _permissions(codes):
    perms = []
    for code in codes:
        app_label, codename = code.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return perms


@transaction.atomic
def sync_role_groups():
    """Create each staff role's group and give it exactly the permissions listed above."""
    for role, codes in STAFF_ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions(codes))


def sync_role_groups_after_migrate(**kwargs):
    sync_role_groups()


def role_names(user):
    """The user's roles, read once per request (the menu, the MFA check and the views all
    ask): the staff groups and the member role in one query."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        staff = Group.objects.filter(user=user, name__in=STAFF_ROLES).values_list("name", flat=True)
        member = (
            Membership.objects.giving_access()
            .filter(user=user)
            .values_list(models.Value(MEMBER, output_field=models.CharField()), flat=True)
        )
        cached = frozenset(staff.union(member))
        user._role_names = cached
    return cached


def has_role(user, role):
    return role in role_names(user)


def is_member(user):
    """Whether the user may use what members are promised: the survey, guidance."""
    return has_role(user, MEMBER)


def has_role_permission(user, permission):
    """Whether one of the user's roles grants `permission`. Unlike has_perm() this does not
    say yes to every superuser: access to members' data follows from a role (need-to-know),
    not from being a superuser."""
    return any(permission in STAFF_ROLE_PERMISSIONS.get(role, ()) for role in role_names(user))


def requires_mfa(user):
    return user.is_authenticated and (
        user.is_staff or user.is_superuser or bool(role_names(user) & ROLES_REQUIRING_MFA)
    )


@transaction.atomic
def grant_role(*, user, role):
    """Give `user` a staff role. Admins also get Django admin access (is_staff)."""
    if role not in STAFF_ROLE_PERMISSIONS:
        raise ValueError(
            f"Cannot grant {role!r}; choose one of {', '.join(STAFF_ROLES)}. "
            "Membership is approved in the portal, not granted."
        )
    sync_role_groups()
    user.groups.add(Group.objects.get(name=role))
    if role == ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_role_names", None)
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


@transaction.atomic
def revoke_role(*, user, role):
    user.groups.remove(*Group.objects.filter(name=role))
    if role == ADMIN and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_role_names", None)
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
