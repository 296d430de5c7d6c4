"""The portal's data-subject rights (GDPR Art. 15, 17, 20): one registry of everything that
points at a person, so the export and the erasure cannot miss a model.

Each app declares, in its `privacy.py`, every model with a foreign key or one-to-one field
to the user: the fields concerned, how to export them (a function of the user returning
JSON-ready data) and how to erase them (a function of the user, run inside the deletion
transaction), or a reason why a side is exempt. The app modules are imported lazily on the
first use, so no app needs a `ready()` hook. tests/core/test_privacy.py fails when a model
linked to the user is missing from the registry.
"""

import importlib
import json
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import roles
from .audit import record_event, unlink_deleted_user


@dataclass(frozen=True)
class Registration:
    model: str  # "app_label.ModelName"
    fields: tuple  # the model's fields that point at the user
    section: str  # the key of this model's data in the export
    exporter: object = None
    eraser: object = None
    export_exemption: str = ""
    erasure_exemption: str = ""


_registry = {}
_loaded = False


def register(
    model,
    *,
    fields,
    section,
    exporter=None,
    eraser=None,
    export_exemption="",
    erasure_exemption="",
):
    """Declare how `model` ("app_label.ModelName") is exported and erased. Each side needs a
    function or a reason for its exemption, never neither and never both."""
    for function, reason, side in (
        (exporter, export_exemption, "export"),
        (eraser, erasure_exemption, "erasure"),
    ):
        if (function is None) == (not reason):
            raise ValueError(f"{model}: give either a function or an exemption for {side}.")
    _registry[model] = Registration(
        model=model,
        fields=tuple(fields),
        section=section,
        exporter=exporter,
        eraser=eraser,
        export_exemption=export_exemption,
        erasure_exemption=erasure_exemption,
    )


def _load():
    global _loaded
    if _loaded:
        return
    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.privacy")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.privacy":
                raise
    _loaded = True


def registrations():
    _load()
    return dict(_registry)


def user_linked_fields():
    """{"app_label.ModelName": {field names}} for every model with a foreign key or
    one-to-one field to the user model (the auto-created many-to-many tables are left out:
    groups and permissions go with the user row)."""
    user_model = get_user_model()
    linked = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                field.concrete
                and (field.many_to_one or field.one_to_one)
                and field.related_model is user_model
            ):
                linked.setdefault(model._meta.label, set()).add(field.name)
    return linked


def coverage_problems(linked=None):
    """What keeps the registry from covering every link to a person: a model not
    registered, or registered for other fields than those pointing at the user. Empty when
    all is covered. `linked` defaults to the installed models (user_linked_fields)."""
    linked = user_linked_fields() if linked is None else linked
    registered = registrations()
    problems = []
    for label, fields in sorted(linked.items()):
        entry = registered.get(label)
        if entry is None:
            problems.append(f"{label} ({', '.join(sorted(fields))}) is not registered")
        elif set(entry.fields) != set(fields):
            problems.append(f"{label} registers {sorted(entry.fields)}; linked: {sorted(fields)}")
    return problems


# --- Export -----------------------------------------------------------------------------


NOTICE = gettext_lazy(
    "This file holds the personal data Erfaring stores about you, as of 'generated_at'. "
    "Sections marked 'not_exported' say why they are left out."
)
SURVEY_ANSWERS_WHY = gettext_lazy(
    "Your answers to the annual survey are stored without any link to you, by design: no "
    "one, not even we, can find which answers are yours. The participation section shows "
    "only that you were invited, started or submitted."
)
INTERNAL_NOTES_WHY = gettext_lazy(
    "The internal notes advisors write about an inquiry are their working notes and are "
    "not part of the conversation with you."
)


def export_personal_data(user):
    """Everything the portal holds about `user`, JSON-ready, section by section."""
    data = {
        "generated_at": timezone.now().isoformat(),
        "notice": str(NOTICE),
        "account": export_account(user),
        "survey_answers": {"not_exported": str(SURVEY_ANSWERS_WHY)},
        "internal_notes": {"not_exported": str(INTERNAL_NOTES_WHY)},
        "sections": {},
    }
    for registration in sorted(registrations().values(), key=lambda r: r.section):
        if registration.exporter is not None:
            value = registration.exporter(user)
        else:
            value = {"not_exported": registration.export_exemption}
        data["sections"][registration.section] = value
    return data


def personal_data_json(user):
    return json.dumps(
        export_personal_data(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )


@transaction.atomic
def record_export(*, user):
    record_event(actor=user, action="privacy.data_exported", target=user, subject=user)


# --- Erasure ----------------------------------------------------------------------------


def can_self_delete(user):
    """Staff accounts (advisors, admins, Django staff: those that must use MFA) are deleted
    by an administrator, who hands over their cases and decisions first; a member, or
    someone who only signed up, deletes their own."""
    return user.is_authenticated and not roles.requires_mfa(user)


@transaction.atomic
def delete_account(*, user):
    """Erase `user`: every registered eraser, then the account itself (sessions, email
    addresses and authenticators go with it). What must be kept was unlinked by its eraser.
    The audit row says an account was deleted, not whose."""
    if not can_self_delete(user):
        raise ValidationError(
            _("Staff accounts cannot be deleted here. Ask an administrator to delete it.")
        )
    user_model = get_user_model()
    user = user_model.objects.select_for_update().get(pk=user.pk)
    # Registration order: core's own entries first (the outbox eraser reads the email
    # addresses before their eraser removes them), then the apps in INSTALLED_APPS order.
    for registration in registrations().values():
        if registration.eraser is not None:
            registration.eraser(user)
    user_id = user.pk
    user.delete()
    # The audit rows are unlinked only here, once the account is gone (see AuditEvent).
    unlink_deleted_user(user_id)
    record_event(
        actor=None, action="privacy.account_deleted", object_type=settings.AUTH_USER_MODEL.lower()
    )


# --- The account itself and the framework's models ----------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def export_account(user):
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "roles": sorted(roles.role_names(user)),
    }


def _export_email_addresses(user):
    from allauth.account.models import EmailAddress

    return [
        {"email": address.email, "verified": address.verified, "primary": address.primary}
        for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    ]


def _erase_email_addresses(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).delete()


def _export_sessions(user):
    from allauth.usersessions.models import UserSession

    return [
        {
            "started": _iso(session.created_at),
            "last_seen": _iso(session.last_seen_at),
            "ip": session.ip,
            "browser": session.user_agent,
        }
        for session in UserSession.objects.filter(user=user).order_by("-last_seen_at")
    ]


def _erase_sessions(user):
    from importlib import import_module

    from allauth.usersessions.models import UserSession

    # End the sessions themselves too: a session row holds the user's id and would outlive
    # the account (the tracking rows alone would go by cascade).
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for session in UserSession.objects.filter(user=user):
        store.delete(session.session_key)
    UserSession.objects.filter(user=user).delete()


def _export_authenticators(user):
    from allauth.mfa.models import Authenticator

    # The kind and dates only: the secrets would let anyone holding the file log in.
    return [
        {
            "type": authenticator.type,
            "created": _iso(authenticator.created_at),
            "last_used": _iso(authenticator.last_used_at),
        }
        for authenticator in Authenticator.objects.filter(user=user).order_by("created_at")
    ]


def _erase_authenticators(user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=user).delete()


def _export_admin_log(user):
    from django.contrib.admin.models import LogEntry

    # What and when, not the object's name: the entries are about other people's records.
    return [
        {
            "at": _iso(entry.action_time),
            "object_type": entry.content_type.model if entry.content_type_id else "",
            "object_id": entry.object_id,
            "action": entry.get_action_flag_display(),
        }
        for entry in LogEntry.objects.filter(user=user).select_related("content_type")
    ]


def _erase_admin_log(user):
    from django.contrib.admin.models import LogEntry

    LogEntry.objects.filter(user=user).delete()


def _export_audit_events(user):
    from .models import AuditEvent

    about_you = AuditEvent.objects.filter(subject=user).select_related("actor").order_by("at")
    return {
        "about_you": [
            {
                "at": _iso(event.at),
                "action": event.action,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "by": (
                    "you"
                    if event.actor_id == user.pk
                    else (event.actor.get_full_name() or event.actor.email)
                    if event.actor_id
                    else ""
                ),
            }
            for event in about_you
        ],
        "actions_by_you_on_other_records": AuditEvent.objects.filter(actor=user)
        .exclude(subject=user)
        .count(),
    }


def _outbox_messages_to(user):
    from allauth.account.models import EmailAddress

    from .models import OutboxMessage

    addresses = {user.email.lower()} | {
        email.lower()
        for email in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    candidates = OutboxMessage.objects.none()
    for address in addresses:
        candidates |= OutboxMessage.objects.filter(payload__to__icontains=address)
    return [
        message
        for message in candidates.order_by("created_at")
        if addresses & {to.lower() for to in message.payload.get("to", [])}
    ]


def _export_emails(user):
    # The subject says what kind of news it was; the body is only a link.
    return [
        {
            "subject": message.payload.get("subject", ""),
            "queued": _iso(message.created_at),
            "sent": _iso(message.sent_at),
        }
        for message in _outbox_messages_to(user)
    ]


def _erase_emails(user):
    from .models import OutboxMessage

    # Nothing more is sent to a deleted account, and the sent ones would keep its address.
    OutboxMessage.objects.filter(pk__in=[m.pk for m in _outbox_messages_to(user)]).delete()


# Not linked by a foreign key (an email may go to a non-member), but it holds the address.
# Registered before account.EmailAddress: its eraser needs the addresses.
register(
    "core.OutboxMessage",
    fields=[],
    section="emails_sent_to_you",
    exporter=_export_emails,
    eraser=_erase_emails,
)
register(
    "account.EmailAddress",
    fields=["user"],
    section="email_addresses",
    exporter=_export_email_addresses,
    eraser=_erase_email_addresses,
)
register(
    "usersessions.UserSession",
    fields=["user"],
    section="sessions",
    exporter=_export_sessions,
    eraser=_erase_sessions,
)
register(
    "mfa.Authenticator",
    fields=["user"],
    section="two_factor_authentication",
    exporter=_export_authenticators,
    eraser=_erase_authenticators,
)
register(
    "admin.LogEntry",
    fields=["user"],
    section="admin_log",
    exporter=_export_admin_log,
    eraser=_erase_admin_log,
)
register(
    "core.AuditEvent",
    fields=["actor", "subject"],
    section="access_log",
    exporter=_export_audit_events,
    erasure_exemption=(
        "Kept for accountability (who read or changed what, and when). The rows hold no "
        "content; deleting the account unlinks them (actor and subject are set to null, "
        "only by delete_account, through core.audit.unlink_deleted_user)."
    ),
)
