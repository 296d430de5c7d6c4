"""The portal's roles and its one access policy, in one place.

Staff roles (advisor, lead advisor, admin) are Django groups holding permissions, given on
the admin's role page (or with `manage.py grant_role` for the first admin). Staff must use
multi-factor authentication (core.middleware.StaffMFARequiredMiddleware).

The member role is never granted: whoever holds a membership that gives access is a member,
and loses the role when the membership lapses. The members app tells core who that is
(register_role_source, from its AppConfig.ready()), so core depends on no app.

The policy, the same in every app:
- Power comes from a role, never from being a superuser or from a permission given by hand:
  has_role_permission(), not user.has_perm(). A superuser without a role sees nothing of
  anyone's data (the Django admin is gated on its own). Templates get the same answer
  through `perms` (role_perms below replaces Django's).
- A page for a role the user lacks answers 403 (role_required): the URL says nothing about
  any person. A page about one object goes through the app's gatekeeper,
  `get_<thing>_for(user, pk)`, which answers 404 alike for "missing" and "not yours", and
  logs the refusal.
"""

from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from .compiled import fetch_rows

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


# Prefixes of the rows of the one query behind _principal(): a role, a permission, an
# authenticator.
_ROLE, _PERM, _MFA = "role:", "perm:", "mfa:"

_role_sources = []


def register_role_source(source):
    """Add a role that follows from an app's data: `source(user)` returns a queryset of
    one row per role the user has, as `role_value(name)` (unioned into the request's one
    query, _principal()). The queryset may depend on the user's id and today's date only:
    its SQL is compiled once a day (core.compiled)."""
    if source not in _role_sources:
        _role_sources.append(source)


def role_value(name):
    return models.Value(_ROLE + name, output_field=models.CharField())


def _principal_rows(user):
    text = models.CharField()

    def tagged(prefix, *parts):
        return Concat(models.Value(prefix), *parts, output_field=text)

    permission = ("content_type__app_label", models.Value("."), "codename")
    return (
        Group.objects.filter(user=user, name__in=STAFF_ROLES)
        .values_list(tagged(_ROLE, "name"), flat=True)
        .union(
            *(source(user) for source in _role_sources),
            # Permission is ordered; a part of a UNION may not be.
            Permission.objects.filter(group__user=user)
            .order_by()
            .values_list(tagged(_PERM, *permission), flat=True),
            Permission.objects.filter(user=user)
            .order_by()
            .values_list(tagged(_PERM, *permission), flat=True),
            Authenticator.objects.filter(user=user).values_list(
                models.Value(_MFA, output_field=text), flat=True
            ),
        )
    )


# Building that UNION with the ORM took about 2.5 ms of every request, three times what the
# database needs to run it (issue 14): it is compiled once a day per process, for a stand-in
# user id (core.compiled); the role sources depend on nothing else (register_role_source).
def _principal_rows_of(user_id):
    return _principal_rows(get_user_model()(pk=user_id))


def _principal(user):
    """What every page asks about the signed-in person, read in one query and kept on the user
    object for the rest of the request: the roles (staff groups and the registered sources,
    the member role), the permissions their groups and their own grants give (what the
    permission backend answers, for the Django admin), and whether they have an
    authenticator (the MFA check). Nothing is kept across requests, so a role granted or
    revoked counts from the next request."""
    cached = getattr(user, "_principal", None)
    if cached is not None:
        return cached
    rows = fetch_rows("core.roles.principal", _principal_rows_of, user.pk)
    cached = frozenset(row[0] for row in rows)
    user._principal = cached
    return cached


def forget_principal(user):
    """Drop what this request read about `user`'s roles and permissions (after a change)."""
    for cache in ("_principal", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def role_names(user):
    """The user's roles, read once per request (the menu, the MFA check and the views all
    ask), in the same query as their permissions and authenticator. An inactive account
    has none."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return frozenset(row[len(_ROLE) :] for row in _principal(user) if row.startswith(_ROLE))


def permission_codes(user):
    """The "app_label.codename" permissions of the user's groups and own grants (what
    ModelBackend would read with two more queries). Being a superuser adds none."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return frozenset(row[len(_PERM) :] for row in _principal(user) if row.startswith(_PERM))


def has_authenticator(user):
    """allauth's is_mfa_enabled(), from the request's one query."""
    return user.is_authenticated and _MFA in _principal(user)


def has_role(user, role):
    return role in role_names(user)


def is_member(user):
    """Whether the user may use what members are promised: the survey, guidance."""
    return has_role(user, MEMBER)


def roles_granting(permission):
    """The roles whose holders have `permission` (has_role_permission says yes to them)."""
    return [role for role, codes in STAFF_ROLE_PERMISSIONS.items() if permission in codes]


def has_role_permission(user, permission):
    """Whether one of the user's roles grants `permission`. Unlike has_perm() this does not
    say yes to every superuser: access to members' data follows from a role (need-to-know),
    not from being a superuser."""
    return any(permission in STAFF_ROLE_PERMISSIONS.get(role, ()) for role in role_names(user))


def role_required(permission):
    """A view for the holders of a role permission: anyone else gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role_permission(request.user, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def member_required(view):
    """A view for members (the member role): anyone else gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class _AppRolePerms:
    def __init__(self, user, app_label):
        self.user, self.app_label = user, app_label

    def __getitem__(self, codename):
        return has_role_permission(self.user, f"{self.app_label}.{codename}")

    def __contains__(self, codename):
        return self[codename]

    def __bool__(self):
        return any(code.startswith(f"{self.app_label}.") for code in self._codes())

    def _codes(self):
        return {
            code for role in role_names(self.user) for code in STAFF_ROLE_PERMISSIONS.get(role, ())
        }


class RolePerms:
    """`perms` in templates, answered by the roles (`{% if perms.members.lead_casework %}`),
    so a menu never offers a superuser a page the view refuses."""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, app_label):
        return _AppRolePerms(self.user, app_label)

    def __contains__(self, code):
        if "." in code:
            return has_role_permission(self.user, code)
        return bool(self[code])

    def __iter__(self):
        # Django's PermWrapper refuses iteration too: it would list nothing useful.
        raise TypeError("RolePerms is not iterable.")


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
    forget_principal(user)


@transaction.atomic
def revoke_role(*, user, role):
    user.groups.remove(*Group.objects.filter(name=role))
    if role == ADMIN and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    forget_principal(user)
