"""The members app's entries in the portal's privacy registry (core.privacy): the data
itself comes from members.personal_data."""

from core.privacy import register

from .models import ImportBatch, Membership
from .personal_data import personal_data_for


def _export_profile(user):
    return personal_data_for(user)["profile"]


def _export_consents(user):
    return personal_data_for(user)["consents"]


def _export_membership(user):
    return {
        "yours": personal_data_for(user)["membership"],
        # An administrator's decisions are about other people: how many, not whose.
        "applications_you_decided": Membership.objects.filter(decided_by=user).count(),
    }


def _export_imports(user):
    return [
        {
            "created": batch.created_at.isoformat(),
            "committed": batch.committed_at.isoformat() if batch.committed_at else None,
            "created_count": batch.created_count,
            "updated_count": batch.updated_count,
        }
        for batch in ImportBatch.objects.filter(created_by=user).order_by("created_at")
    ]


def _erase_profile(user):
    from .models import Profile

    Profile.objects.filter(user=user).delete()


def _erase_consents(user):
    from .models import Consent

    Consent.objects.filter(user=user).delete()


def _erase_membership(user):
    Membership.objects.filter(user=user).delete()
    # Someone else's membership decided by this person stays decided.
    Membership.objects.filter(decided_by=user).update(decided_by=None)


def _erase_imports(user):
    ImportBatch.objects.filter(created_by=user).delete()


register(
    "members.Profile",
    fields=["user"],
    section="profile",
    exporter=_export_profile,
    eraser=_erase_profile,
)
register(
    "members.Consent",
    fields=["user"],
    section="consents",
    exporter=_export_consents,
    eraser=_erase_consents,
)
register(
    "members.Membership",
    fields=["user", "decided_by"],
    section="membership",
    exporter=_export_membership,
    eraser=_erase_membership,
)
register(
    "members.ImportBatch",
    fields=["created_by"],
    section="member_imports",
    exporter=_export_imports,
    eraser=_erase_imports,
)
