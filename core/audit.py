import logging

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


def log_denied(request, *, object_type, object_id):
    """A refused access to someone else's object: who, what, when; no content."""
    user = getattr(request, "user", None)
    security_log.warning(
        "access denied",
        extra={
            "user_id": getattr(user, "pk", None),
            "object_type": object_type,
            "object_id": str(object_id),
            "path": request.path,
        },
    )
