import logging

from django.db import connection
from django.utils import timezone

from .models import AuditEvent

security_log = logging.getLogger("erfaring.security")


def record_event(*, actor, action, target=None, object_type="", object_id="", subject=None):
    """Write one audit row in the caller's transaction. `target` is a model instance whose
    type and primary key are recorded; nothing of its content is."""
    if target is not None:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        subject=subject,
    )


def unlink_deleted_user(user_id):
    """The erasure path: after the account `user_id` was deleted (in this transaction), the
    audit rows it acted in or was the subject of keep action and time but no longer point
    at it. On PostgreSQL only this database function may null who-did-it, and it refuses
    while the account exists (core/migrations/0005)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT core_auditevent_unlink_deleted_user(%s)", [user_id])
            return cursor.fetchone()[0]
    rows = AuditEvent._base_manager
    return rows.filter(actor_id=user_id).update(actor=None) + rows.filter(
        subject_id=user_id
    ).update(subject=None)


def forget_subject(*, target, user_id):
    """Retention: the audit rows of `target` that were about `user_id` keep action, time and
    the staff who acted, but no longer name the person (nor their own actions)."""
    object_type, object_id = target._meta.label_lower, str(target.pk)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT core_auditevent_forget_subject(%s, %s, %s)",
                [object_type, object_id, user_id],
            )
            return cursor.fetchone()[0]
    rows = AuditEvent._base_manager.filter(
        object_type=object_type, object_id=object_id, subject_id=user_id
    )
    own = rows.filter(actor_id=user_id).update(actor=None, subject=None)
    return own + rows.update(subject=None)


def log_security_event(
    event, *, request=None, user=None, object_type="", object_id="", level=logging.WARNING
):
    """One line of the security log (SECURITY.md A9, E4): what happened, who (a user id,
    never an email), to which object, on which path and when. Never content, credentials,
    codes or addresses: callers pass ids and fixed words only."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    user_id = getattr(user, "pk", None)
    target = f"{object_type}:{object_id}" if object_type else "-"
    path = request.path if request is not None else "-"
    at = timezone.now().isoformat(timespec="seconds")
    security_log.log(
        level,
        "%s user=%s object=%s path=%s at=%s",
        event,
        user_id if user_id is not None else "-",
        target,
        path,
        at,
        extra={
            "event": event,
            "user_id": user_id,
            "object_type": object_type,
            "object_id": str(object_id),
            "path": path,
            "at": at,
        },
    )


def log_denied(request, *, object_type, object_id):
    """A refused access to someone else's object: who, what, when; no content."""
    log_security_event(
        "access denied", request=request, object_type=object_type, object_id=object_id
    )


# --- allauth's authentication events (connected in core.apps) --------------------------------


def log_login(sender, request, user, **kwargs):
    log_security_event("login", request=request, user=user, level=logging.INFO)


def log_mfa_failed(sender, request, user, authenticator=None, **kwargs):
    # The kind of factor only; the code that was tried is never logged.
    kind = getattr(authenticator, "type", "") or ""
    log_security_event(
        "mfa failed", request=request, user=user, object_type="mfa.authenticator", object_id=kind
    )


def log_password_reset(sender, request, user, **kwargs):
    log_security_event("password reset", request=request, user=user)


def log_password_changed(sender, request, user, **kwargs):
    log_security_event("password changed", request=request, user=user, level=logging.INFO)


def log_rate_limited(request):
    log_security_event("rate limited", request=request)
