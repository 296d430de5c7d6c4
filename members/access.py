"""Gatekeepers: every read of someone's membership record or an import goes through here.
The policy is core.roles': the view's role check answers 403 to those without the role;
here, missing and not-allowed look the same (404), and a refusal is logged."""

from django.http import Http404

from core.audit import log_denied
from core.roles import has_role_permission

from . import selectors

MANAGE = "members.manage_membership"


def get_membership_for(user, pk, *, request=None):
    """A membership record for an admin who manages memberships; 404 for anyone else."""
    membership = selectors.member_record(pk) if has_role_permission(user, MANAGE) else None
    if membership is None:
        if request is not None:
            log_denied(request, object_type="members.membership", object_id=pk)
        raise Http404
    return membership


def get_import_batch_for(user, pk, *, request=None):
    """An uncommitted import, only for the admin who uploaded it."""
    batch = (
        selectors.open_import_batch(pk, created_by=user)
        if has_role_permission(user, MANAGE)
        else None
    )
    if batch is None:
        if request is not None:
            log_denied(request, object_type="members.importbatch", object_id=pk)
        raise Http404
    return batch
