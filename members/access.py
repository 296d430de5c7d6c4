"""Gatekeepers: every read of someone's membership record or an import goes through here.
Missing and not-allowed look the same (404), and a refusal is logged."""

from django.http import Http404

from core.audit import log_denied

from . import selectors
from .models import ImportBatch

MANAGE = "members.manage_membership"


def get_membership_for(request, pk):
    """A membership record for an admin who manages memberships; 404 for anyone else."""
    user = request.user
    membership = selectors.member_record(pk) if user.has_perm(MANAGE) else None
    if membership is None:
        log_denied(request, object_type="members.membership", object_id=pk)
        raise Http404
    return membership


def get_import_batch_for(request, pk):
    """An uncommitted import, only for the admin who uploaded it."""
    user = request.user
    batch = (
        ImportBatch.objects.filter(pk=pk, created_by=user, committed_at__isnull=True).first()
        if user.has_perm(MANAGE)
        else None
    )
    if batch is None:
        log_denied(request, object_type="members.importbatch", object_id=pk)
        raise Http404
    return batch
