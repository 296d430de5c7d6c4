"""The one gatekeeper for cases: every list and every page asks here what a user may see,
so a list never shows a case its detail page would refuse.

Two perspectives: a member sees their own cases (replies only); an advisor sees the triage
queue (unassigned, not restricted), the cases assigned to them (restricted or not) and,
while they cover for an absent colleague, that colleague's cases that are not restricted; a
lead advisor also sees every colleague's case that is not restricted, to reassign it.
Never, from the advisor perspective, a case of their own: an advisor who is also a member
meets their own case only as a member (replies, no internal notes), and a colleague works it.
Admins see statistics only, never case content.
"""

from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from core.audit import log_denied
from core.compiled import compiled_models
from core.roles import has_role_permission

from .models import Absence, Attachment, Case, Message

MEMBER = "member"
ADVISOR = "advisor"
# The session key holding the anonymous case a visitor opened with its reference and secret.
ANONYMOUS_CASE_SESSION_KEY = "casework_anonymous_case"
WORK_CASEWORK = "members.work_casework"
LEAD_CASEWORK = "members.lead_casework"


def is_advisor(user):
    return user.is_authenticated and user.is_active and has_role_permission(user, WORK_CASEWORK)


def is_lead(user):
    return is_advisor(user) and has_role_permission(user, LEAD_CASEWORK)


def _covered_by(user_id):
    """The advisors `user_id` covers for today (a subquery of their ids)."""
    return (
        Absence.objects.current(timezone.localdate()).filter(cover_id=user_id).values("advisor_id")
    )


def visible_cases_for(user, *, perspective, covered=None):
    """The cases `user` may see from `perspective`. `covered`: the ids of the advisors they
    cover for today, when the caller has read them already (the queue shows them); else
    read by a subquery."""
    if not user.is_authenticated:
        return Case.objects.none()
    if perspective == MEMBER:
        return _member_cases(user.pk)
    if perspective == ADVISOR and is_advisor(user):
        if covered is None:
            return advisor_cases_today(user.pk, lead=is_lead(user))
        return advisor_cases(user.pk, lead=is_lead(user), covered=covered)
    return Case.objects.none()


def advisor_cases_today(user_id, *, lead):
    """advisor_cases() with the colleagues covered today read by a subquery: what
    visible_cases_for(user, perspective=ADVISOR) gives, built from ids alone."""
    return advisor_cases(user_id, lead=lead, covered=_covered_by(user_id))


def advisor_cases(user_id, *, lead, covered):
    """What visible_cases_for gives the advisor `user_id`, for a caller that has read their
    roles: their own cases, and those not restricted in triage or with a colleague they
    cover for (`covered`: ids or a subquery of them); a lead's, every case not restricted;
    never a case they asked as a member, nor an anonymised one. Built from its arguments
    alone, so that core.compiled may compile it once (casework.selectors.queue_page)."""
    if lead:
        shared = Q(restricted=False)
    else:
        shared = Q(restricted=False) & (Q(assignee__isnull=True) | Q(assignee__in=covered))
    return Case.objects.filter(Q(assignee_id=user_id) | shared, anonymised_at__isnull=True).exclude(
        member_id=user_id
    )


def _member_cases(user_id):
    return Case.objects.filter(member_id=user_id, anonymised_at__isnull=True)


def can_open_case(user, pk, *, perspective):
    return visible_cases_for(user, perspective=perspective).filter(pk=pk).exists()


def get_case_for(user, pk, *, perspective, request=None, with_topics=True):
    """The case if `user` may see it from `perspective`; otherwise 404, the same answer for
    "missing" and "not yours", and the refusal is logged. A POST that only redirects has no
    use for the topics (`with_topics=False`): a page shown again reads them when it needs
    them."""
    case = _visible_case(user, pk, perspective=perspective)
    if case is None:
        if request is not None:
            log_denied(request, object_type="casework.case", object_id=pk)
        raise Http404
    if with_topics:
        prefetch_related_objects([case], "topics")
    return case


def _visible_case(user, pk, *, perspective):
    """visible_cases_for(user, perspective=…).get(pk=pk) or None, from SQL compiled once per
    perspective and role (core.compiled: every case page asks)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not (0 < pk < 2**63) or not user.is_authenticated:
        return None
    if perspective == MEMBER:
        lead = None

        def build(user_id, case_id):
            return _with_people(_member_cases(user_id), case_id)

    elif perspective == ADVISOR and is_advisor(user):
        lead = is_lead(user)

        def build(user_id, case_id):
            return _with_people(advisor_cases_today(user_id, lead=lead), case_id)

    else:
        return None
    found = compiled_models(("casework.case", perspective, lead), build, user.pk, pk)
    return found[0] if found else None


def _with_people(cases, case_id):
    return cases.filter(pk=case_id).select_related("member", "assignee")


def get_absence_for(user, pk):
    """An absence the user may end: their own, or anyone's for the lead; otherwise 404."""
    absences = Absence.objects.select_related("advisor")
    if not is_lead(user):
        absences = absences.filter(advisor=user) if is_advisor(user) else absences.none()
    try:
        return absences.get(pk=pk)
    except (Absence.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_attachment_for(user, case_pk, attachment_pk, *, perspective, request=None):
    """(case, attachment) through the case gatekeeper; the member never reaches a file of an
    internal note. Otherwise 404, logged, as for a case."""
    case = get_case_for(user, case_pk, perspective=perspective, request=request)
    files = Attachment.objects.filter(message__case=case)
    if perspective == MEMBER:
        files = files.filter(message__kind=Message.Kind.REPLY)
    try:
        return case, files.get(pk=attachment_pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        if request is not None:
            log_denied(request, object_type="casework.attachment", object_id=attachment_pk)
        raise Http404 from None


def anonymous_case_for(request):
    """The anonymous case this browser session opened with reference and secret, or None."""
    pk = request.session.get(ANONYMOUS_CASE_SESSION_KEY)
    if pk is None:
        return None
    return (
        Case.objects.filter(
            pk=pk, requester_kind=Case.RequesterKind.ANONYMOUS, anonymised_at__isnull=True
        )
        .prefetch_related("topics")
        .first()
    )


def get_anonymous_attachment_for(request, attachment_pk):
    case = anonymous_case_for(request)
    if case is None:
        raise Http404
    try:
        return case, Attachment.objects.get(
            pk=attachment_pk, message__case=case, message__kind=Message.Kind.REPLY
        )
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
