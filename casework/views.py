"""Casework pages. Every case is fetched through casework.access; every view and change is
audited by the services or here (record_case_view)."""

import re
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import disclosure, releases
from core.audit import log_denied
from core.paging import counted_page
from core.roles import member_required, role_required

from . import access, attachments, selectors, services, stats, throttle
from .access import ADVISOR, get_case_for, visible_cases_for
from .access import MEMBER as MEMBER_VIEW
from .forms import (
    AbsenceForm,
    AdvisorMessageForm,
    AnonymousCheckForm,
    AnonymousInquiryForm,
    AnonymousReplyForm,
    AssignForm,
    BulkAssignForm,
    CaseUpdateForm,
    GuidanceRequestForm,
    InquiryForm,
    MemberReplyForm,
    QueueFilterForm,
    QueueFilters,
    RestrictedMoveForm,
    StatisticsForm,
    StatusForm,
)
from .models import Case

QUEUE_PAGE_SIZE = 25
MY_CASES_PAGE_SIZE = 25
# The case page lists the member's most recent other cases, not all of them: the page's
# cost must not grow with one member's history.
RELATED_SHOWN = 10
FULL_REFERENCE = re.compile(r"E-\d{4}-\d{5,}")


advisor_required = role_required(access.WORK_CASEWORK)
lead_required = role_required(access.LEAD_CASEWORK)
statistics_required = role_required("members.view_statistics")


def _apply_errors(form, error):
    """Put a service's ValidationError on the form, so the person sees why."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Member -------------------------------------------------------------------------------


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def request_guidance(request):
    form = GuidanceRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.request_guidance(member=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you. Your request has been received with reference %(ref)s.")
                % {"ref": case.reference},
            )
            return redirect("casework:my-case-detail", pk=case.pk)
    status = 400 if form.errors else 200
    return render(request, "casework/request_form.html", {"form": form}, status=status)


@never_cache
@require_GET
def my_case_list(request):
    page = counted_page(
        selectors.member_cases(request.user), request.GET.get("page"), MY_CASES_PAGE_SIZE
    )
    return render(request, "casework/mycase_list.html", {"cases": page.object_list, "page": page})


def _my_case_page(request, case, reply_form, status=200):
    services.record_case_view(case=case, actor=request.user)
    context = {
        "case": case,
        "transfers": selectors.case_transfers(case),
        "thread": selectors.member_thread(case),
        "openings": selectors.case_openings_by_day(case),
        "reply_form": reply_form,
    }
    return render(request, "casework/mycase_detail.html", context, status=status)


@never_cache
@require_GET
def my_case_detail(request, pk):
    case = get_case_for(request.user, pk, perspective=MEMBER_VIEW, request=request)
    return _my_case_page(request, case, MemberReplyForm())


@never_cache
@require_POST
def my_case_reply(request, pk):
    case = get_case_for(
        request.user, pk, perspective=MEMBER_VIEW, request=request, with_topics=False
    )
    form = MemberReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.post_member_reply(
                case=case,
                member=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Your reply has been sent."))
            return redirect("casework:my-case-detail", pk=case.pk)
    return _my_case_page(request, case, form, status=400)


# --- Advisor ------------------------------------------------------------------------------


@never_cache
@advisor_required
@require_GET
def queue(request):
    lead = access.is_lead(request.user)
    start = selectors.queue_start(request.user)
    saved = start.saved_query
    # A saved filter may no longer fit (a lead's "everyone" after the role was removed):
    # then the queue opens with the standard filters rather than an error.
    if saved and not request.GET and QueueFilterForm(QueryDict(saved), lead=lead).is_valid():
        return redirect(reverse("casework:queue") + "?" + saved)
    topics = selectors.topics()
    filters = QueueFilters(request.GET, lead=lead, topics=topics)
    if not filters.is_valid():
        return render(request, "casework/case_list.html", {"filters": filters}, status=400)
    cleaned = filters.cleaned_data
    reference = cleaned["reference"]
    if reference:
        found = selectors.visible_case_with_reference(request.user, reference)
        if found is not None:
            return redirect("casework:case-detail", pk=found.pk)
        if FULL_REFERENCE.fullmatch(reference):
            # Logged alike whether the case is missing or a colleague's: no extra query.
            log_denied(request, object_type="casework.case", object_id=reference)
    covering = start.covering
    page = selectors.queue_page(
        request.user,
        filters=cleaned,
        covered=[absence.advisor_id for absence in covering],
        number=request.GET.get("page"),
        per_page=QUEUE_PAGE_SIZE,
    )
    selectors.list_topics(page.object_list, topics)
    advisors = selectors.advisor_choices()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "covering": covering,
        "saved_filter": saved,
        "reference": reference,
        "page": page,
        "labels": Case.choice_labels(),
        "query": query.urlencode(),
        # The drop-down's markup is kept per choices (queue_page.html), so the form is
        # built only when they change. Its own ids: the filter has an "assignee" too.
        "advisors": advisors,
        "assign_form": partial(AssignForm, auto_id="assign_%s", choices=advisors),
    }
    return render(request, "casework/case_list.html", context)


@never_cache
@advisor_required
@require_POST
def queue_save_filter(request):
    """Save the filters the advisor is looking at (posted from the queue page) as their
    queue's start page, or forget the saved one."""
    if request.POST.get("forget"):
        services.forget_queue_filter(advisor=request.user)
        messages.success(request, _("Your queue opens with the standard filters again."))
        return redirect(reverse("casework:queue") + "?status=active")
    filters = QueueFilterForm(request.POST, lead=access.is_lead(request.user))
    if not filters.is_valid():
        return HttpResponseBadRequest(_("Unknown filter choice."))
    query = services.save_queue_filter(advisor=request.user, filters=filters.cleaned_data)
    messages.success(request, _("Saved: your queue opens with these filters."))
    return redirect(reverse("casework:queue") + "?" + query)


@never_cache
@advisor_required
@require_POST
def bulk_assign(request):
    visible = visible_cases_for(request.user, perspective=ADVISOR)
    form = BulkAssignForm(request.POST, visible_cases=visible)
    if form.is_valid():
        try:
            count = services.assign_cases(
                cases=list(form.cleaned_data["cases"]),
                actor=request.user,
                assignee=form.cleaned_data["assignee"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("%(count)d cases assigned.") % {"count": count})
            return redirect("casework:queue")
    for error in form.errors.values():
        for text in error:
            messages.error(request, text)
    return redirect("casework:queue")


@never_cache
@advisor_required
@require_http_methods(["GET", "POST"])
def register_inquiry(request):
    form = InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        member = data.pop("member_email")
        try:
            case = services.register_inquiry(advisor=request.user, member=member, **data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Inquiry %(ref)s registered.") % {"ref": case.reference})
            if case.assignee_id == request.user.pk or case.assignee_id is None:
                return redirect("casework:case-detail", pk=case.pk)
            return redirect("casework:queue")
    status = 400 if form.errors else 200
    return render(request, "casework/inquiry_form.html", {"form": form}, status=status)


def _case_page(request, case, *, status=200, **forms):
    services.record_case_view(case=case, actor=request.user)
    related = selectors.related_cases(case, request.user, limit=RELATED_SHOWN + 1)
    context = {
        "case": case,
        "thread": selectors.advisor_thread(case),
        "related": related[:RELATED_SHOWN],
        "related_more": len(related) > RELATED_SHOWN,
        "summary": selectors.member_summary(case),
        "message_form": forms.get("message_form") or AdvisorMessageForm(),
        "status_form": forms.get("status_form") or StatusForm(case=case),
        "update_form": forms.get("update_form")
        or CaseUpdateForm(
            initial={
                "priority": case.priority,
                "follow_up_on": case.follow_up_on,
                "restricted": case.restricted,
            }
        ),
        "assign_form": forms.get("assign_form")
        or AssignForm(case=case, initial={"assignee": case.assignee}),
    }
    return render(request, "casework/case_detail.html", context, status=status)


def _advisor_case(request, pk, *, with_topics=True):
    return get_case_for(
        request.user, pk, perspective=ADVISOR, request=request, with_topics=with_topics
    )


@never_cache
@advisor_required
@require_GET
def case_detail(request, pk):
    return _case_page(request, _advisor_case(request, pk))


def _case_action(form_name, form, action, success_message, *, keeps_access=False):
    """The common shape of a POST on the case page: validate, call the service, or show
    the page again with the reasons and nothing changed. After the action the advisor goes
    back to the case if they may still open it (an assignment or a restriction may have
    taken it away), else to the queue; `keeps_access` says the action cannot."""

    def run(request, case):
        if form.is_valid():
            try:
                action(form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, success_message)
                if keeps_access or access.can_open_case(request.user, case.pk, perspective=ADVISOR):
                    return redirect("casework:case-detail", pk=case.pk)
                return redirect("casework:queue")
        case.refresh_from_db()
        return _case_page(request, case, status=400, **{form_name: form})

    return run


@never_cache
@advisor_required
@require_POST
def case_message(request, pk):
    case = _advisor_case(request, pk, with_topics=False)
    form = AdvisorMessageForm(request.POST, request.FILES)
    return _case_action(
        "message_form",
        form,
        lambda data: services.post_advisor_message(
            case=case,
            advisor=request.user,
            kind=data["kind"],
            body=data["body"],
            files=data["attachments"],
        ),
        _("Saved."),
        keeps_access=True,
    )(request, case)


@never_cache
@advisor_required
@require_POST
def case_status(request, pk):
    case = _advisor_case(request, pk, with_topics=False)
    form = StatusForm(request.POST, case=case)
    return _case_action(
        "status_form",
        form,
        lambda data: services.change_status(
            case=case, actor=request.user, status=data["status"], outcome=data["outcome"]
        ),
        _("Status changed."),
    )(request, case)


@never_cache
@advisor_required
@require_POST
def case_update(request, pk):
    case = _advisor_case(request, pk, with_topics=False)
    form = CaseUpdateForm(request.POST)
    return _case_action(
        "update_form",
        form,
        lambda data: services.update_case(case=case, actor=request.user, **data),
        _("Case updated."),
    )(request, case)


@never_cache
@advisor_required
@require_POST
def case_assign(request, pk):
    case = _advisor_case(request, pk, with_topics=False)
    form = AssignForm(request.POST, case=case)
    return _case_action(
        "assign_form",
        form,
        lambda data: services.assign_case(case=case, actor=request.user, assignee=data["assignee"]),
        _("Case assigned."),
    )(request, case)


# --- Attachments -------------------------------------------------------------------------


def _download(attachment):
    """The decrypted file, streamed, always as a download: never shown inline, and the
    browser must not guess another type than the one found from the content."""
    response = StreamingHttpResponse(
        attachments.open_plaintext(attachment), content_type=attachment.content_type
    )
    response["Content-Disposition"] = content_disposition_header(True, attachment.name)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_GET
def my_case_attachment(request, pk, attachment_pk):
    case, attachment = access.get_attachment_for(
        request.user, pk, attachment_pk, perspective=MEMBER_VIEW, request=request
    )
    services.record_attachment_download(attachment=attachment, case=case, actor=request.user)
    return _download(attachment)


@never_cache
@advisor_required
@require_GET
def case_attachment(request, pk, attachment_pk):
    case, attachment = access.get_attachment_for(
        request.user, pk, attachment_pk, perspective=ADVISOR, request=request
    )
    services.record_attachment_download(attachment=attachment, case=case, actor=request.user)
    return _download(attachment)


# --- Anonymous inquiries -----------------------------------------------------------------
# Public pages. Nothing about the visitor is stored: no address or browser in the database
# or the logs (the throttle keeps a keyed hash of the address for a short window, in the
# cache), and no account.


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def anonymous_inquiry(request):
    form = AnonymousInquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if throttle.inquiry_blocked(request):
            form.add_error(None, _("Too many inquiries from here. Try again in an hour."))
            return render(request, "casework/anonymous_form.html", {"form": form}, status=429)
        try:
            case, secret = services.submit_anonymous_inquiry(**form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            throttle.record_inquiry(request)
            # Rendered, not redirected: the secret is never stored, so this is the one
            # moment it exists outside the person's own notes.
            return render(
                request,
                "casework/anonymous_created.html",
                {"reference": case.reference, "secret": secret},
            )
    status = 400 if form.errors else 200
    return render(request, "casework/anonymous_form.html", {"form": form}, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def anonymous_check(request):
    form = AnonymousCheckForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        if throttle.check_blocked(request, reference):
            form.add_error(None, _("Too many tries. Wait 15 minutes and try again."))
            status = 429
        else:
            case = services.find_anonymous_case(
                reference=reference, secret=form.cleaned_data["secret"]
            )
            if case is not None:
                request.session.cycle_key()
                request.session[access.ANONYMOUS_CASE_SESSION_KEY] = case.pk
                return redirect("casework:anonymous-case")
            throttle.record_wrong_try(request, reference)
            # The same words for an unknown reference and a wrong secret.
            form.add_error(None, _("We found no inquiry with this reference and secret code."))
    if form.errors and status == 200:
        status = 400
    return render(request, "casework/anonymous_check.html", {"form": form}, status=status)


def _anonymous_page(request, case, form, status=200):
    context = {"case": case, "thread": selectors.member_thread(case), "reply_form": form}
    return render(request, "casework/anonymous_detail.html", context, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def anonymous_case(request):
    case = access.anonymous_case_for(request)
    if case is None:
        return redirect("casework:anonymous-check")
    if request.method == "GET":
        return _anonymous_page(request, case, AnonymousReplyForm())
    if request.POST.get("leave"):
        request.session.pop(access.ANONYMOUS_CASE_SESSION_KEY, None)
        messages.success(request, _("You have left your inquiry on this device."))
        return redirect("core:home")
    form = AnonymousReplyForm(request.POST)
    if form.is_valid():
        try:
            services.post_anonymous_reply(case=case, body=form.cleaned_data["body"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Your reply has been sent."))
            return redirect("casework:anonymous-case")
    return _anonymous_page(request, case, form, status=400)


@login_not_required
@never_cache
@require_GET
def anonymous_attachment(request, attachment_pk):
    _case, attachment = access.get_anonymous_attachment_for(request, attachment_pk)
    return _download(attachment)


# --- Lead advisor -------------------------------------------------------------------------


@never_cache
@lead_required
@require_GET
def workload(request):
    advisors, triage = selectors.advisor_workload(request.user)
    return render(request, "casework/workload_list.html", {"advisors": advisors, "triage": triage})


@never_cache
@lead_required
@require_http_methods(["GET", "POST"])
def restricted_move(request):
    form = RestrictedMoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.move_restricted_case(lead=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Case %(ref)s moved to %(who)s.")
                % {
                    "ref": case.reference,
                    "who": case.assignee.get_full_name() or case.assignee.email,
                },
            )
            return redirect("casework:workload")
    status = 400 if form.errors else 200
    return render(request, "casework/restricted_move_form.html", {"form": form}, status=status)


# --- Absence cover -----------------------------------------------------------------------


@never_cache
@advisor_required
@require_http_methods(["GET", "POST"])
def absence_list(request):
    lead = access.is_lead(request.user)
    form = AbsenceForm(
        request.POST if request.method == "POST" else None, user=request.user, lead=lead
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_absence(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Absence marked; the cover has been told by email."))
            return redirect("casework:absence-list")
    context = {"form": form, "absences": selectors.absences_for(request.user, lead=lead)}
    status = 400 if form.errors else 200
    return render(request, "casework/absence_list.html", context, status=status)


@never_cache
@advisor_required
@require_POST
def absence_end(request, pk):
    absence = access.get_absence_for(request.user, pk)
    services.end_absence(actor=request.user, absence=absence)
    messages.success(request, _("Absence ended: the cases are back with their advisor."))
    return redirect("casework:absence-list")


# --- Admin statistics ---------------------------------------------------------------------


def _statistics_tables(request):
    """The release (?release=N, else the latest) and its tables for the chosen
    period/year/breakdown: (form, None) for a bad choice, (form, {}) when none is published."""
    number = request.GET.get("release", "")
    release = releases.release_for(stats.KIND, number or None)
    if release is None and number:
        raise Http404
    years = stats.release_years(release) if release is not None else []
    initial = {"year": years[-1]} if years else {}
    query = request.GET.copy()
    query.pop("release", None)
    form = StatisticsForm(query or None, years=years, initial=initial)
    if form.is_bound and not form.is_valid():
        return form, None
    if release is None:
        return form, {}
    data = form.cleaned_data if form.is_bound else {}
    period = data.get("period") or "quarter"
    year = data.get("year") or (None if period == "year" else years[-1])
    breakdown = data.get("breakdown") or "region"
    tables = stats.tables_for(release, period=period, year=year, breakdown=breakdown)
    return form, {
        "release": release,
        "period": period,
        "year": year,
        "breakdown": breakdown,
        "tables": tables,
    }


@never_cache
@statistics_required
@require_http_methods(["GET", "POST"])
def statistics_page(request):
    if request.method == "POST":
        releases.request_release(kind=stats.KIND, actor=request.user)
        messages.success(request, _("A new release is being counted and audited."))
        return redirect("casework:statistics")
    form, result = _statistics_tables(request)
    if result is None:
        return render(request, "casework/statistics_detail.html", {"form": form}, status=400)
    release = result.get("release")
    releases.record_read(actor=request.user, action="casework.statistics.viewed", release=release)
    query = request.GET.copy()
    if release is not None:
        query["release"] = release.number
    return render(
        request,
        "casework/statistics_detail.html",
        {"form": form, "query": query.urlencode(), "legend": disclosure.legend(), **result},
    )


@never_cache
@statistics_required
@require_GET
def statistics_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, result = _statistics_tables(request)
    if result is None:
        return HttpResponseBadRequest(_("Unknown statistics choice."))
    if not result:
        raise Http404
    release = result["release"]
    releases.record_read(
        actor=request.user, action=f"casework.statistics.exported.{fmt}", release=release
    )
    name = (
        f"casework-statistics-{release.number}-{result['period']}-{result['year'] or 'all'}.{fmt}"
    )
    heading = releases.heading(release)
    if fmt == "csv":
        return disclosure.csv_response(result["tables"], filename=name, heading=heading)
    return disclosure.xlsx_response(result["tables"], filename=name, heading=heading)
