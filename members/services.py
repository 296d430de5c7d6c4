"""State changes of memberships: apply, decide, renew, withdraw consent, the nightly lifecycle
and the renewal reminders. Each is atomic and writes its audit row and emails (through the
outbox) in the same transaction."""

import calendar
from datetime import date, timedelta

from allauth.core import context as allauth_context
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox, roles
from core.audit import record_event

from .models import Consent, Membership, Profile, User

PROFILE_FIELDS = (
    "county",
    "municipality",
    "employer_type",
    "field",
    "position_percent",
    "contract_type",
    "training_completed",
    "union_member",
    "user_representative",
    "year_started",
)

NEWS_EMAIL = "members/email/news"
APPLICATION_RECEIVED_EMAIL = "members/email/application_received"
RENEWAL_REMINDER_EMAIL = "members/email/renewal_reminder"


def _today():
    return timezone.localdate()


def _add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_starting(start):
    """(start, end) of a membership period beginning on `start`: to the end of that calendar
    year by default, or MEMBERSHIP_PERIOD_MONTHS months."""
    months = settings.MEMBERSHIP_PERIOD_MONTHS
    if months <= 0:
        return start, date(start.year, 12, 31)
    return start, _add_months(start, months) - timedelta(days=1)


def first_period(day):
    """(start, end) of the first period of a membership approved on `day`.

    With calendar-year periods, someone approved in the last MEMBERSHIP_LATE_APPROVAL_DAYS
    days of the year is a member through the next year as well: otherwise they would be
    asked to renew within weeks of joining.
    """
    start, end = period_starting(day)
    late = (end - day).days < settings.MEMBERSHIP_LATE_APPROVAL_DAYS
    if settings.MEMBERSHIP_PERIOD_MONTHS <= 0 and late:
        end = period_starting(end + timedelta(days=1))[1]
    return start, end


def status_on(membership, day):
    """The lifecycle status of an approved membership on `day`, from its end date alone."""
    if membership.status not in Membership.PERIOD_STATUSES:
        return membership.status
    if day <= membership.period_end:
        return Membership.Status.ACTIVE
    if day <= membership.period_end + timedelta(days=settings.MEMBERSHIP_GRACE_DAYS):
        return Membership.Status.GRACE
    return Membership.Status.LAPSED


def _notify(user):
    """Tell the person there is news, and nothing else: even the word "membership" would tell
    a shared inbox that they belong to an organisation for people with lived experience."""
    return outbox.enqueue_email(to=user.email, template_prefix=NEWS_EMAIL, context={"user": user})


def _save_profile(*, user, data):
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(profile, name, data[name])
    profile.full_clean()
    profile.save()
    return profile


def _give_consent(*, user, now):
    consent = Consent.objects.filter(user=user, withdrawn_at__isnull=True).first()
    if consent is not None and consent.version == settings.MEMBERSHIP_CONSENT_VERSION:
        return consent
    if consent is not None:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
    return Consent.objects.create(
        user=user, version=settings.MEMBERSHIP_CONSENT_VERSION, given_at=now
    )


def has_current_consent(user):
    return Consent.objects.filter(
        user=user, withdrawn_at__isnull=True, version=settings.MEMBERSHIP_CONSENT_VERSION
    ).exists()


def needs_consent(membership):
    """Whether a running membership waits for its holder's consent (an imported member)."""
    if membership is None or not membership.is_current:
        return False
    return not Consent.objects.filter(
        user_id=membership.user_id, withdrawn_at__isnull=True
    ).exists()


def can_apply(membership):
    return membership is None or membership.status in (
        Membership.Status.REJECTED,
        Membership.Status.CANCELLED,
        Membership.Status.LAPSED,
    )


@transaction.atomic
def submit_application(*, user, data, consent):
    """Store the profile and explicit consent, and queue the application for an admin."""
    if not consent:
        raise ValidationError(
            _("We need your consent to process this information before you can apply.")
        )
    membership = Membership.objects.select_for_update().filter(user=user).first()
    if not can_apply(membership):
        raise ValidationError(_("You have already applied, or your membership is running."))
    now = timezone.now()
    _save_profile(user=user, data=data)
    _give_consent(user=user, now=now)
    membership = membership or Membership(user=user)
    membership.status = Membership.Status.PENDING
    membership.applied_at = now
    membership.decided_at = membership.decided_by = membership.ended_at = None
    membership.rejection_reason = ""
    membership.full_clean()
    membership.save()
    record_event(actor=user, action="membership.applied", target=membership, subject=user)
    outbox.enqueue_email(
        to=user.email, template_prefix=APPLICATION_RECEIVED_EMAIL, context={"user": user}
    )
    return membership


@transaction.atomic
def update_profile(*, user, data):
    """Change the member's own profile."""
    profile = _save_profile(user=user, data=data)
    record_event(actor=user, action="profile.updated", target=profile, subject=user)
    return profile


@transaction.atomic
def approve_membership(*, membership, actor):
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("Only an application that is waiting can be approved."))
    today = _today()
    membership.period_start, membership.period_end = first_period(today)
    membership.member_since = membership.member_since or today
    membership.status = Membership.Status.ACTIVE
    membership.decided_at, membership.decided_by = timezone.now(), actor
    membership.full_clean()
    membership.save()
    record_event(
        actor=actor, action="membership.approved", target=membership, subject=membership.user
    )
    _notify(membership.user)
    return membership


# One INSERT each, atomic on its own: no transaction of their own (two statements more on
# pages an admin opens often).
def record_membership_view(*, actor, membership):
    """An admin opened a membership record: the member sees it in their access log."""
    record_event(
        actor=actor, action="membership.viewed", target=membership, subject=membership.user
    )


def record_member_list_view(*, actor):
    record_event(actor=actor, action="membership.list.viewed", object_type="members.membership")


@transaction.atomic
def reject_membership(*, membership, actor, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: the applicant will see it."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("Only an application that is waiting can be rejected."))
    membership.status = Membership.Status.REJECTED
    membership.rejection_reason = reason
    membership.decided_at, membership.decided_by = timezone.now(), actor
    membership.full_clean()
    membership.save()
    record_event(
        actor=actor, action="membership.rejected", target=membership, subject=membership.user
    )
    _notify(membership.user)
    return membership


def renewal_open(membership, day=None):
    """Whether the member may renew now: within the window before the end date, or in grace."""
    day = day or _today()
    if membership is None or membership.status not in Membership.CURRENT_STATUSES:
        return False
    window = timedelta(days=settings.MEMBERSHIP_RENEWAL_WINDOW_DAYS)
    return status_on(membership, day) != Membership.Status.LAPSED and (
        membership.period_end - day <= window
    )


@transaction.atomic
def renew_membership(*, user, consent=False):
    """Extend the membership by one period from its current end date.

    The member has just confirmed the profile; if they have no consent to the current text
    (imported members, or a changed text) they must give it here.
    """
    membership = Membership.objects.select_for_update().filter(user=user).first()
    if not renewal_open(membership):
        raise ValidationError(_("Your membership cannot be renewed now."))
    if not has_current_consent(user):
        if not consent:
            raise ValidationError(
                _("We need your consent to process this information before you can renew.")
            )
        _give_consent(user=user, now=timezone.now())
    membership.period_start, membership.period_end = period_starting(
        membership.period_end + timedelta(days=1)
    )
    membership.status = Membership.Status.ACTIVE
    membership.full_clean()
    membership.save()
    record_event(actor=user, action="membership.renewed", target=membership, subject=user)
    return membership


@transaction.atomic
def give_consent(*, user):
    """Consent from a member whose membership runs without one: someone imported from the
    old member list, once they have accepted the invitation. It opens member access."""
    membership = Membership.objects.filter(user=user).first()
    if membership is None or not membership.is_current:
        raise ValidationError(_("Apply for membership to give your consent."))
    consent = _give_consent(user=user, now=timezone.now())
    record_event(actor=user, action="consent.given", target=consent, subject=user)
    return consent


@transaction.atomic
def withdraw_consent(*, user):
    """Stop processing the member's special-category data: the profile is deleted, the
    membership ends (cancelled), the consent is marked withdrawn. The account stays, so the
    person can apply again later."""
    now = timezone.now()
    Consent.objects.filter(user=user, withdrawn_at__isnull=True).update(withdrawn_at=now)
    Profile.objects.filter(user=user).delete()
    membership = Membership.objects.select_for_update().filter(user=user).first()
    if membership is not None and membership.status != Membership.Status.CANCELLED:
        membership.status = Membership.Status.CANCELLED
        membership.ended_at = now
        membership.save(update_fields=["status", "ended_at", "updated_at"])
    record_event(
        actor=user, action="consent.withdrawn", object_type="members.consent", subject=user
    )
    return membership


@transaction.atomic
def update_membership_statuses(*, today=None):
    """Move approved memberships along active → grace → lapsed by their end dates.

    Idempotent: the status follows from the date, so a second run changes nothing.
    Returns the number of memberships changed.
    """
    today = today or _today()
    changed = 0
    memberships = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(status__in=Membership.CURRENT_STATUSES)
    )
    for membership in memberships:
        status = status_on(membership, today)
        if status == membership.status:
            continue
        membership.status = status
        if status == Membership.Status.LAPSED:
            membership.ended_at = timezone.now()
        membership.save(update_fields=["status", "ended_at", "updated_at"])
        record_event(
            actor=None, action=f"membership.{status}", target=membership, subject=membership.user
        )
        changed += 1
    return changed


# A reminder is still sent this many days late (the job did not run), never later.
REMINDER_CATCH_UP_DAYS = 6


def reminder_offset_due(membership, today):
    """The reminder (days relative to the end date) due today, or None.

    Only the latest due reminder within the catch-up window counts, so a job that missed
    days sends one reminder, not a burst.
    """
    due = [
        offset
        for offset in settings.MEMBERSHIP_REMINDER_DAYS
        if 0
        <= (today - (membership.period_end + timedelta(days=offset))).days
        <= REMINDER_CATCH_UP_DAYS
    ]
    return max(due) if due else None


def send_renewal_reminders(*, today=None):
    """Queue the renewal reminders due today: "renew", and by when. The subject says no more
    than that (see _notify); the membership is named inside. Each goes once per period and
    reminder: the outbox's dedupe key holds the end date, so renewing (a new end date) stops
    the rest. Returns the number queued."""
    today = today or _today()
    earliest = min(settings.MEMBERSHIP_REMINDER_DAYS)
    latest = max(settings.MEMBERSHIP_REMINDER_DAYS)
    candidates = (
        Membership.objects.current()
        .select_related("user")
        .filter(
            period_end__gte=today - timedelta(days=latest + REMINDER_CATCH_UP_DAYS),
            period_end__lte=today - timedelta(days=earliest),
            user__is_active=True,
        )
    )
    sent = 0
    for membership in candidates:
        offset = reminder_offset_due(membership, today)
        if offset is None or status_on(membership, today) == Membership.Status.LAPSED:
            continue
        key = f"members:renewal:{membership.pk}:{membership.period_end:%Y-%m-%d}:{offset}"
        context = {
            "user": membership.user,
            "period_end": membership.period_end,
            "renew_by": membership.period_end + timedelta(days=settings.MEMBERSHIP_GRACE_DAYS),
            "ended": offset > 0,
        }
        with transaction.atomic():
            message = outbox.enqueue_email(
                to=membership.user.email,
                template_prefix=RENEWAL_REMINDER_EMAIL,
                context=context,
                dedupe_key=key,
            )
            if message is not None:
                sent += 1
    return sent


@transaction.atomic
def purge_expired_profiles(*, today=None):
    """Delete the profiles of memberships lapsed or rejected longer ago than the retention
    period. The membership row (status and dates) stays, so a later application knows the
    person was a member. Idempotent. Returns the number of profiles deleted."""
    today = today or _today()
    cutoff = today - timedelta(days=settings.MEMBERSHIP_PROFILE_RETENTION_DAYS)
    expired = Profile.objects.filter(
        models.Q(
            user__membership__status=Membership.Status.LAPSED,
            user__membership__period_end__lt=cutoff
            - timedelta(days=settings.MEMBERSHIP_GRACE_DAYS),
        )
        | models.Q(
            user__membership__status=Membership.Status.REJECTED,
            user__membership__decided_at__date__lt=cutoff,
        )
    ).select_related("user")
    deleted = 0
    for profile in expired:
        record_event(actor=None, action="profile.purged", target=profile, subject=profile.user)
        profile.delete()
        deleted += 1
    return deleted


# --- Account ---------------------------------------------------------------------------------

EMAIL_CHANGED_EMAIL = "members/email/email_changed"
PASSWORD_CHANGED_EMAIL = "members/email/password_changed"  # noqa: S105 - a template name


def _actor_of_account_change(user):
    """(actor, whether it was someone else): from the request, when there is one."""
    actor = getattr(allauth_context.request, "user", None)
    return actor, bool(actor is not None and actor.is_authenticated and actor.pk != user.pk)


def notify_email_changed(*, user, old_email):
    """Audit a change of `user`'s sign-in address and tell them at both addresses. Called by
    User.save() inside its transaction, so the change, its audit row and the emails commit
    together."""
    actor, by_other = _actor_of_account_change(user)
    record_event(actor=actor, action="members.email.changed", target=user, subject=user)
    for address in (old_email, user.email):
        outbox.enqueue_email(
            to=address,
            template_prefix=EMAIL_CHANGED_EMAIL,
            context={"user": user, "old_email": old_email, "by_other": by_other},
        )


def notify_password_changed(*, user):
    """Audit a new password and tell the person, as notify_email_changed does (a reset
    through allauth, a change on the account page, or set in a shell)."""
    actor, by_other = _actor_of_account_change(user)
    record_event(actor=actor, action="members.password.changed", target=user, subject=user)
    outbox.enqueue_email(
        to=user.email,
        template_prefix=PASSWORD_CHANGED_EMAIL,
        context={"user": user, "by_other": by_other},
    )


# --- Staff roles ----------------------------------------------------------------------------

ROLE_EMAIL = "members/email/role_changed"


def _check_staff_role(*, actor, role):
    if not roles.has_role_permission(actor, "members.manage_roles"):
        raise ValidationError(_("Only administrators can change roles."))
    if role not in roles.STAFF_ROLES:
        raise ValidationError({"role": _("Choose advisor, lead advisor or administrator.")})


def _role_email(*, user, role, given):
    outbox.enqueue_email(
        to=user.email,
        template_prefix=ROLE_EMAIL,
        context={"role": roles.ROLE_LABELS[role], "given": given, "mfa": not is_mfa_enabled(user)},
    )


@transaction.atomic
def give_staff_role(*, actor, user, role):
    """An admin makes `user` an advisor, a lead advisor or an admin. The person is emailed;
    staff must set up two-factor authentication before they reach anything (the MFA
    middleware sends them there). Giving a role someone has changes nothing."""
    _check_staff_role(actor=actor, role=role)
    if not user.is_active:
        raise ValidationError(_("This account is deactivated."))
    if roles.has_role(user, role):
        return False
    roles.grant_role(user=user, role=role)
    record_event(actor=actor, action=f"members.role.given.{role}", target=user, subject=user)
    _role_email(user=user, role=role, given=True)
    return True


@transaction.atomic
def remove_staff_role(*, actor, user, role):
    """An admin takes a staff role away. The portal always keeps one admin: the last one
    cannot remove themselves (nobody else could give the role back but the command line)."""
    _check_staff_role(actor=actor, role=role)
    if role == roles.ADMIN:
        # Locks the admin group's row, so two admins removing each other at once cannot both
        # pass the count below.
        roles.Group.objects.select_for_update().get(name=roles.ADMIN)
        admins = User.objects.filter(groups__name=roles.ADMIN, is_active=True)
        if not admins.exclude(pk=user.pk).exists():
            raise ValidationError(
                _("%(who)s is the last administrator: give the role to someone else first.")
                % {"who": user.get_full_name() or user.email}
            )
    if not roles.has_role(user, role):
        return False
    roles.revoke_role(user=user, role=role)
    record_event(actor=actor, action=f"members.role.removed.{role}", target=user, subject=user)
    _role_email(user=user, role=role, given=False)
    return True
