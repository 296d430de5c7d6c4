"""Casework's part of the data-subject rights (GDPR Art. 15, 17, 20), registered with
core.privacy (which imports this module on first use; core depends on no app).

The member's export holds replies only, with the names of their files (not the files):
internal notes are the advisors' working notes and are left out (SECURITY.md A6), as they
are left out of every page the member sees. The retention design is in
casework.models.Case.member and services.anonymise_expired_cases.
"""

from django.db.models import Q

from core.audit import record_event
from core.privacy import register

from .attachments import delete_attachments
from .models import Absence, Attachment, Case, CaseTransfer, Message, Reminder, SavedQueueFilter
from .selectors import case_access_log, member_cases, member_thread


def export_member_data(user):
    """A JSON-ready list of the member's cases with their replies and who opened them."""
    return [
        {
            "reference": case.reference,
            "received": case.created_at.isoformat(),
            "status": case.status,
            "topics": [topic.code for topic in case.topics.all()],
            "description": case.description,
            "safe_contact": case.safe_contact,
            "messages": [
                {
                    "from": message.sender,
                    "at": message.created_at.isoformat(),
                    "text": message.body,
                    # Listed, not embedded: the files are downloaded from the case page.
                    "attachments": [
                        {
                            "name": attachment.name,
                            "type": attachment.content_type,
                            "bytes": attachment.size,
                        }
                        for attachment in message.attachments.all()
                    ],
                }
                for message in member_thread(case)
            ],
            "opened_by": [
                {
                    "who": event.actor.get_full_name() or event.actor.email,
                    "at": event.at.isoformat(),
                }
                for event in case_access_log(case)
            ],
        }
        for case in member_cases(user).defer(None)
    ]


def _erase_case_links(user):
    # The files the member sent (contracts, pay slips) go now: they are documents about the
    # person, not the organisation's record of its guidance.
    delete_attachments(
        Attachment.objects.filter(message__case__member=user, message__sender="member")
    )
    # Kept for possible legal claims (Art. 17(3)(e)) until the casework retention job
    # anonymises them; unlinked from the person now, and flagged in the audit log so the
    # advisors know the requester is gone.
    for case in Case.objects.select_for_update().filter(member=user):
        case.member = None
        case.save(update_fields=["member", "updated_at"])
        record_event(actor=None, action="casework.case.member_erased", target=case)


def _export_work_as_advisor(user):
    # Counts only: the cases are other people's.
    return {
        "cases_assigned_to_you": Case.objects.filter(assignee=user).count(),
        "messages_you_wrote_on_other_peoples_cases": Message.objects.filter(author=user)
        .exclude(case__member=user)
        .count(),
        "reminders_sent_to_you": Reminder.objects.filter(advisor=user).count(),
    }


def _erase_message_authorship(user):
    Message.objects.filter(author=user).update(author=None)


def _erase_reminders(user):
    Reminder.objects.filter(advisor=user).delete()


def _export_absences(user):
    return {
        "your_absences": [
            {"from": a.starts_on.isoformat(), "to": a.ends_on.isoformat()}
            for a in Absence.objects.filter(advisor=user)
        ],
        "absences_you_covered": Absence.objects.filter(cover=user).count(),
    }


def _erase_absences(user):

    Absence.objects.filter(Q(advisor=user) | Q(cover=user)).delete()
    Absence.objects.filter(created_by=user).update(created_by=None)


def _export_transfers(user):
    # Counts only: the cases are other people's, and the reasons are advisors' notes.
    return {
        "restricted_cases_you_moved": CaseTransfer.objects.filter(moved_by=user).count(),
        "restricted_cases_moved_to_you": CaseTransfer.objects.filter(to_advisor=user).count(),
        "restricted_cases_moved_from_you": CaseTransfer.objects.filter(from_advisor=user).count(),
    }


def _erase_transfer_links(user):
    CaseTransfer.objects.filter(moved_by=user).update(moved_by=None)
    CaseTransfer.objects.filter(to_advisor=user).update(to_advisor=None)
    CaseTransfer.objects.filter(from_advisor=user).update(from_advisor=None)


register(
    "casework.Absence",
    fields=["advisor", "cover", "created_by"],
    section="casework_absences",
    exporter=_export_absences,
    eraser=_erase_absences,
)
register(
    "casework.CaseTransfer",
    fields=["from_advisor", "to_advisor", "moved_by"],
    section="casework_restricted_moves",
    exporter=_export_transfers,
    eraser=_erase_transfer_links,
)


def _export_saved_queue_filter(user):
    return {
        "saved_queue_filter": SavedQueueFilter.objects.filter(advisor=user)
        .values_list("query", flat=True)
        .first()
    }


def _erase_saved_queue_filter(user):
    SavedQueueFilter.objects.filter(advisor=user).delete()


register(
    "casework.SavedQueueFilter",
    fields=["advisor"],
    section="casework_queue_filter",
    exporter=_export_saved_queue_filter,
    eraser=_erase_saved_queue_filter,
)


# `assignee` is only ever a staff account, and staff do not delete themselves here; an
# administrator reassigns their cases first (a restricted case must keep an assignee).
register(
    "casework.Case",
    fields=["member", "assignee"],
    section="cases",
    exporter=export_member_data,
    eraser=_erase_case_links,
)
register(
    "casework.Message",
    fields=["author"],
    section="casework_authorship",
    exporter=_export_work_as_advisor,
    eraser=_erase_message_authorship,
)
register(
    "casework.Reminder",
    fields=["advisor"],
    section="casework_reminders",
    export_exemption=(
        "Reminders to advisors are counted under 'casework_authorship'; they name "
        "other people's cases."
    ),
    eraser=_erase_reminders,
)
