"""Everything the members app holds about a person, for the portal's one audited download
(core.privacy, registered in members/privacy.py, which also erases it)."""

from core.models import AuditEvent

from .models import Consent, Membership, Profile

# The reads by staff a member may see in their access log (Normen: access to the log).
ACCESS_ACTIONS = ("membership.viewed",)


def access_log_for(user):
    """Who among the staff opened the person's record, newest first."""
    return (
        AuditEvent.objects.filter(subject_id=user.pk, action__in=ACCESS_ACTIONS)
        .select_related("actor")
        .order_by("-at")
    )


def _iso(value):
    return value.isoformat() if value is not None else None


def personal_data_for(user):
    """Everything this app holds about `user`, as JSON-ready data."""
    profile = Profile.objects.select_related("county", "municipality").filter(user=user).first()
    membership = Membership.objects.filter(user=user).first()
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
        },
        "profile": profile
        and {
            "county": profile.county.name,
            "municipality": str(profile.municipality),
            "employer_type": profile.employer_type,
            "field": profile.field,
            "position_percent": profile.position_percent,
            "contract_type": profile.contract_type,
            "training_completed": profile.training_completed,
            "union_member": profile.union_member,
            "user_representative": profile.user_representative,
            "year_started": profile.year_started,
            "updated_at": _iso(profile.updated_at),
        },
        "membership": membership
        and {
            "status": membership.status,
            "applied_at": _iso(membership.applied_at),
            "decided_at": _iso(membership.decided_at),
            "rejection_reason": membership.rejection_reason,
            "member_since": _iso(membership.member_since),
            "period_start": _iso(membership.period_start),
            "period_end": _iso(membership.period_end),
            "ended_at": _iso(membership.ended_at),
        },
        "consents": [
            {
                "version": consent.version,
                "given_at": _iso(consent.given_at),
                "withdrawn_at": _iso(consent.withdrawn_at),
            }
            for consent in Consent.objects.filter(user=user).order_by("given_at")
        ],
        "access_log": [
            {
                "at": _iso(event.at),
                "action": event.action,
                "by": event.actor.get_full_name() or event.actor.email if event.actor else "",
            }
            for event in access_log_for(user)
        ],
    }
