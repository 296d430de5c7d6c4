"""The member's own casework data for their data export (GDPR art. 15/20).

Replies only, with the names of their files (not the files): internal notes are the
advisors' working notes and are left out of the export (SECURITY.md A6), as they are left
out of every page the member sees.
"""

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
