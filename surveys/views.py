import io

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core import disclosure, releases
from core.roles import is_member, role_required
from members import selectors as member_selectors

from . import access, headlines, microdata, participation, printing, selectors, services
from . import report as survey_report
from .answering import PageForm, answers_to_data, display_value
from .forms import (
    ConsentForm,
    CopyEditionForm,
    NewQuestionForm,
    QuestionForm,
    ReportBreakdownForm,
    ScheduleForm,
)

MANAGE = access.MANAGE_PERMISSION


def _error_text(error):
    return " ".join(error.messages)


# --- Member: answering ----------------------------------------------------------------------


class Flow:
    """One person's way through an edition: a member answering, or an admin previewing
    (same pages, but nothing recorded about them and a test response at the end)."""

    def __init__(self, *, user, edition, preview):
        self.user = user
        self.edition = edition
        self.preview = preview
        self.prefix = "surveys:preview-" if preview else "surveys:"
        self.draft = selectors.draft_for(user, edition, preview=preview)
        self._questionnaire = None

    @cached_property
    def participation(self):
        return None if self.preview else selectors.participation_for(self.user, self.edition)

    @property
    def questionnaire(self):
        if self._questionnaire is None:
            self._questionnaire = selectors.answering_questionnaire_for(self.edition)
        return self._questionnaire

    @property
    def submitted(self):
        # A member's draft lives from consent to submission, both under the participation's
        # lock (services.record_consent, submit_response, withdraw_participation): with a
        # draft they have not submitted, and the answering pages need not read it.
        if self.draft is not None:
            return False
        return bool(self.participation and self.participation.submitted_on)

    @property
    def started(self):
        return self.draft is not None

    def url(self, name, **kwargs):
        return reverse(self.prefix + name, kwargs={"year": self.edition.year, **kwargs})

    def context(self, **extra):
        return {
            "edition": self.edition,
            "preview": self.preview,
            "draft": self.draft,
            "start_url": self.url("start"),
            "review_url": self.url("review"),
            **extra,
        }


def _member_flow(request, year):
    """The gatekeeper, plus a clear message instead of a bare 404 when the member's
    survey closed while they were answering."""
    try:
        edition = access.get_answerable_edition_for(request.user, year)
    except Http404:
        if is_member(request.user) and selectors.took_part_in_year(request.user, year):
            return None
        raise
    return Flow(user=request.user, edition=edition, preview=False)


def _closed(request):
    messages.error(request, _("This survey is closed; answers are no longer received."))
    return redirect("surveys:edition-list")


def _preview_flow(request, year):
    edition = access.get_managed_edition_for(request.user, year)
    return Flow(user=request.user, edition=edition, preview=True)


def _flow(request, year, preview):
    return _preview_flow(request, year) if preview else _member_flow(request, year)


@require_http_methods(["GET"])
def edition_list(request):
    if not is_member(request.user):
        return render(request, "surveys/edition_list.html", {"editions": [], "not_member": True})
    editions = selectors.open_editions_for(request.user)
    return render(request, "surveys/edition_list.html", {"editions": editions})


@require_http_methods(["GET", "POST"])
def start(request, year, preview=False):
    flow = _flow(request, year, preview)
    if flow is None:
        return _closed(request)
    if flow.submitted:
        return redirect(flow.url("receipt"))
    form = ConsentForm(request.POST or None)
    if flow.started and not preview:
        form = None
    if request.method == "POST":
        if form is None:
            return redirect(flow.url("page", number=1))
        if form.is_valid():
            if preview:
                services.start_preview(user=request.user, edition=flow.edition)
            else:
                services.record_consent(user=request.user, edition=flow.edition)
            return redirect(flow.url("page", number=1))
    return render(
        request,
        "surveys/consent_form.html",
        flow.context(form=form, consent_version=services.CONSENT_VERSION),
    )


@require_POST
def withdraw(request, year):
    flow = _member_flow(request, year)
    if flow is None:
        return _closed(request)
    try:
        services.withdraw_participation(user=request.user, edition=flow.edition)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("You have withdrawn. Your saved answers are deleted; no more reminders.")
        )
    return redirect("surveys:edition-list")


@require_http_methods(["GET", "POST"])
def page(request, year, number, preview=False):
    flow = _flow(request, year, preview)
    if flow is None:
        return _closed(request)
    if flow.submitted:
        return redirect(flow.url("receipt"))
    if number < 1:
        raise Http404
    if not flow.started:
        return redirect(flow.url("start"))
    questionnaire = flow.questionnaire
    answers = flow.draft.answers
    pages = questionnaire.pages(answers)
    if number > len(pages):
        return redirect(flow.url("review"))
    section = pages[number - 1]
    questions = questionnaire.visible_questions(section, answers)
    if request.method == "POST":
        action = request.POST.get("action", "next")
        form = PageForm(request.POST, questions=questions, enforce_required=action == "next")
        if form.is_valid():
            draft = services.save_page(
                draft=flow.draft,
                questionnaire=questionnaire,
                section=section,
                page_answers=form.answers(),
            )
            if action == "back" and number > 1:
                return redirect(flow.url("page", number=number - 1))
            if action == "later":
                # The question pages show when they were saved; the page they leave for does not.
                saved_at = formats.time_format(timezone.localtime(draft.updated_at))
                messages.success(request, _("Saved %(time)s") % {"time": saved_at})
                return redirect("surveys:edition-list" if not preview else flow.url("start"))
            if action == "back":
                return redirect(flow.url("start"))
            shown = {q.key for q in questions}
            revealed = [
                q
                for q in questionnaire.visible_questions(section, draft.answers)
                if q.key not in shown
            ]
            if revealed and action == "next":
                messages.info(request, _("Your answers opened more questions on this page."))
                return redirect(flow.url("page", number=number))
            next_pages = questionnaire.pages(draft.answers)
            if number < len(next_pages):
                return redirect(flow.url("page", number=number + 1))
            return redirect(flow.url("review"))
    else:
        form = PageForm(initial=answers_to_data(questions, answers), questions=questions)
    return render(
        request,
        "surveys/page_form.html",
        flow.context(
            form=form,
            section=section,
            number=number,
            page_count=len(pages),
            page_url=flow.url("page", number=number),
        ),
    )


@require_http_methods(["GET", "POST"])
def review(request, year, preview=False):
    flow = _flow(request, year, preview)
    if flow is None:
        return _closed(request)
    if flow.submitted:
        if request.method == "POST":
            messages.info(request, _("You have already submitted; nothing more was stored."))
        return redirect(flow.url("receipt"))
    if not flow.started:
        return redirect(flow.url("start"))
    if request.method == "POST":
        try:
            if preview:
                services.submit_preview(user=request.user, edition=flow.edition)
            else:
                services.submit_response(user=request.user, edition=flow.edition)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            return redirect(flow.url("receipt"))
    questionnaire = flow.questionnaire
    answers = flow.draft.answers
    pages = []
    for number, section in enumerate(questionnaire.pages(answers), start=1):
        rows = []
        for question in questionnaire.visible_questions(section, answers):
            value = answers.get(question.key)
            rows.append(
                {
                    "question": question,
                    "values": display_value(question, value) if value is not None else [],
                    "missing": value is None and question.required,
                }
            )
        pages.append(
            {
                "number": number,
                "section": section,
                "rows": rows,
                "url": flow.url("page", number=number),
            }
        )
    # As they will be copied at submission: from the profile as it is now.
    profile = questionnaire.profile_answers(member_selectors.breakdown_strata_for(request.user))
    from_profile = [
        {"question": question, "values": display_value(question, profile[question.key])}
        for question in questionnaire.profile_questions
        if question.key in profile
    ]
    return render(
        request,
        "surveys/review_detail.html",
        flow.context(pages=pages, from_profile=from_profile),
    )


@require_http_methods(["GET"])
def receipt(request, year, preview=False):
    if preview:
        flow = _preview_flow(request, year)
    else:
        if not is_member(request.user):
            raise Http404
        participation = selectors.submitted_participation_for(request.user, year)
        if participation is None:
            raise Http404
        flow = Flow(user=request.user, edition=participation.edition, preview=False)
    return render(
        request, "surveys/receipt_detail.html", flow.context(participation=flow.participation)
    )


# --- Admin: editions ------------------------------------------------------------------------


@role_required(MANAGE)
@require_http_methods(["GET", "POST"])
def manage_edition_list(request):
    editions = list(selectors.editions_for_admin())
    next_year = editions[0].year + 1 if editions else timezone.localdate().year
    form = CopyEditionForm(request.POST or None, initial={"year": next_year})
    if request.method == "POST" and form.is_valid():
        source = editions[0] if editions else None
        if source is None:
            messages.error(request, _("There is no edition to copy."))
        else:
            try:
                edition = services.copy_edition(
                    actor=request.user, source=source, year=form.cleaned_data["year"]
                )
            except ValidationError as error:
                form.add_error("year", _error_text(error))
            else:
                messages.success(
                    request,
                    _("Edition %(year)s created as a copy of %(source)s.")
                    % {"year": edition.year, "source": source.year},
                )
                return redirect("surveys:manage-edition", year=edition.year)
    return render(
        request,
        "surveys/manage_edition_list.html",
        {"editions": editions, "form": form, "source": editions[0] if editions else None},
    )


@require_http_methods(["GET", "POST"])
def manage_edition(request, year):
    edition = access.get_managed_edition_for(request.user, year)
    initial = {
        "opens_at": edition.opens_at and timezone.localtime(edition.opens_at),
        "closes_at": edition.closes_at and timezone.localtime(edition.closes_at),
        "reminder_days_after_open": ", ".join(map(str, edition.reminder_days_after_open)),
        "reminder_days_before_close": ", ".join(map(str, edition.reminder_days_before_close)),
    }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_edition(actor=request.user, edition=edition, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Dates saved."))
            return redirect("surveys:manage-edition", year=year)
    questionnaire = selectors.questionnaire_for(edition)
    return render(
        request,
        "surveys/manage_edition_detail.html",
        {"edition": edition, "form": form, "sections": questionnaire.sections},
    )


@require_POST
def manage_edition_status(request, year, action):
    edition = access.get_managed_edition_for(request.user, year)
    service = {"open": services.open_edition, "close": services.close_edition}.get(action)
    if service is None:
        raise Http404
    try:
        service(actor=request.user, edition=edition)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        text = _("The edition is open.") if action == "open" else _("The edition is closed.")
        messages.success(request, text)
    return redirect("surveys:manage-edition", year=year)


@require_http_methods(["GET", "POST"])
def manage_new_question(request, year, section):
    edition = access.get_managed_edition_for(request.user, year)
    section = access.get_managed_section_for(request.user, edition, section)
    form = NewQuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_question(actor=request.user, section=section, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Question added."))
            return redirect("surveys:manage-edition", year=year)
    return render(
        request,
        "surveys/question_new_form.html",
        {"edition": edition, "section": section, "form": form, "locked": not edition.is_draft},
    )


@require_http_methods(["GET", "POST"])
def manage_question(request, year, pk):
    edition = access.get_managed_edition_for(request.user, year)
    question = access.get_managed_question_for(request.user, edition, pk)
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            try:
                services.delete_question(actor=request.user, question=question)
            except ValidationError as error:
                messages.error(request, _error_text(error))
            else:
                messages.success(request, _("Question deleted."))
                return redirect("surveys:manage-edition", year=year)
        elif form.is_valid():
            try:
                services.update_question(
                    actor=request.user,
                    question=question,
                    changes=form.changes(),
                    choice_labels=form.choice_labels(),
                )
            except ValidationError as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, _("Question saved."))
                return redirect("surveys:manage-edition", year=year)
    return render(
        request,
        "surveys/question_form.html",
        {"edition": edition, "question": question, "form": form, "locked": not edition.is_draft},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def dashboard(request, year):
    edition = access.get_managed_edition_for(request.user, year)
    kind = participation.kind_for(edition.year)
    if request.method == "POST":
        releases.request_release(kind=kind, actor=request.user)
        messages.success(request, _("A new release is being counted and audited."))
        return redirect("surveys:dashboard", year=edition.year)
    number = request.GET.get("release", "")
    release = releases.release_for(kind, number or None)
    if release is None and number:
        raise Http404
    tables = []
    if release is not None:
        tables = [
            {
                "title": table.title,
                "label": table.rows.label,
                "rows": participation.rate_rows(table),
            }
            for table in release.tables()
        ]
    return render(
        request,
        "surveys/dashboard_detail.html",
        {"edition": edition, "release": release, "tables": tables, "legend": disclosure.legend()},
    )


# --- Admin: the report -------------------------------------------------------------------------


def _report_edition(user, year):
    """A managed edition that can have a report: closed and mixed; 404 otherwise."""
    return access.get_results_edition_for(user, year)


@never_cache
@role_required(MANAGE)
@require_http_methods(["GET", "POST"])
def report(request, year):
    edition = _report_edition(request.user, year)
    if request.method == "POST":
        survey_report.request_report(edition=edition, actor=request.user)
        messages.success(request, _("The report is being built. Reload this page in a while."))
        return redirect("surveys:report", year=edition.year)
    form = ReportBreakdownForm(request.GET or None)
    by = form.cleaned_data["by"] if form.is_valid() else ""
    result = survey_report.report_for(edition, by=by or None)
    services.record_report_read(
        actor=request.user, action="surveys.report.viewed", object_id=str(edition.year)
    )
    return render(
        request,
        "surveys/report_detail.html",
        {
            "edition": edition,
            "report": result,
            "form": form,
            "by": by,
            "suppressed": disclosure.SUPPRESSED,
            "build_state": survey_report.build_state(edition.year) if result is None else None,
            "publication": selectors.live_publications().filter(edition=edition).first(),
            "report_release_id": (
                survey_report.pinned_releases(edition)["reports"].get(edition.year)
                if result is not None
                else None
            ),
        },
    )


@never_cache
@role_required(MANAGE)
@require_http_methods(["GET"])
def report_export(request, year, fmt):
    edition = _report_edition(request.user, year)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = ReportBreakdownForm(request.GET or None)
    by = form.cleaned_data["by"] if form.is_valid() else ""
    result = survey_report.report_for(edition, by=by or None)
    if result is None:
        raise Http404
    services.record_report_read(
        actor=request.user,
        action="surveys.report.exported",
        object_id=f"{edition.year} {fmt} {by}".strip(),
    )
    heading = releases.heading(result.release)
    filename = f"survey-report-{edition.year}{'-' + by if by else ''}.{fmt}"
    tables = list(result.tables)
    if fmt == "csv":
        return disclosure.csv_response(tables, filename=filename, heading=heading)
    return disclosure.xlsx_response(tables, filename=filename, heading=heading)


# --- Admin: results of a closed edition -----------------------------------------------------


def _audit_results(request, edition, action):
    services.record_results_read(actor=request.user, edition=edition, action=action)


@never_cache
@require_http_methods(["GET"])
def microdata_export(request, year, fmt):
    """De-identified microdata (surveys.microdata); the XLSX has the codebook as its second
    sheet. Audited before the first byte is sent."""
    edition = access.get_results_edition_for(request.user, year)
    _audit_results(request, edition, f"survey.microdata.export.{fmt}")
    columns = microdata.columns_for(edition)
    filename = f"survey-{edition.year}-microdata.{fmt}"
    if fmt == "csv":
        return microdata.csv_response(microdata.rows(edition, columns), filename=filename)
    return microdata.xlsx_response(
        [
            ("microdata", microdata.rows(edition, columns)),
            ("codebook", microdata.codebook_rows(columns)),
        ],
        filename=filename,
    )


@never_cache
@require_http_methods(["GET"])
def codebook_export(request, year, fmt):
    edition = access.get_results_edition_for(request.user, year)
    _audit_results(request, edition, f"survey.codebook.export.{fmt}")
    lines = microdata.codebook_rows(microdata.columns_for(edition))
    filename = f"survey-{edition.year}-codebook.{fmt}"
    if fmt == "csv":
        return microdata.csv_response(lines, filename=filename)
    return microdata.xlsx_response([("codebook", lines)], filename=filename)


@never_cache
@require_http_methods(["GET"])
def free_text(request, year):
    """What members wrote, per question, shuffled anew on every view and with nothing beside
    it; only for questions with at least k answers. Never part of a report or an export."""
    edition = access.get_results_edition_for(request.user, year)
    _audit_results(request, edition, "survey.free_text.viewed")
    return render(
        request,
        "surveys/free_text_list.html",
        {
            "edition": edition,
            "groups": selectors.free_text_groups(edition),
            "threshold": disclosure.threshold(),
        },
    )


# --- The annual report on paper and its publication ---------------------------------------------


def _print_response(request, result, *, audited_as):
    language = printing.language_of(request)
    services.record_report_read(
        actor=request.user, action=audited_as, object_id=f"{result.edition.year} {language}"
    )
    with translation.override(language):
        return render(request, printing.TEMPLATE, printing.context(result, language=language))


def _pdf_response(request, result, *, audited_as):
    """The PDF as an attachment, streamed; audited before the first byte is sent."""
    language = printing.language_of(request)
    services.record_report_read(
        actor=request.user, action=audited_as, object_id=f"{result.edition.year} {language}"
    )
    document = printing.render_pdf(
        result, language=language, base_url=request.build_absolute_uri("/")
    )
    return FileResponse(
        io.BytesIO(document),
        as_attachment=True,
        filename=f"erfaring-rapport-{result.edition.year}.pdf",
        content_type="application/pdf",
    )


def _built_report(request, year):
    edition = _report_edition(request.user, year)
    result = survey_report.report_for(edition, language=printing.language_of(request))
    if result is None:
        raise Http404
    return edition, result


@never_cache
@role_required(MANAGE)
@require_http_methods(["GET"])
def report_print(request, year):
    _edition, result = _built_report(request, year)
    return _print_response(request, result, audited_as="surveys.report.printed")


@never_cache
@role_required(MANAGE)
@require_http_methods(["GET"])
def report_pdf(request, year):
    _edition, result = _built_report(request, year)
    return _pdf_response(request, result, audited_as="surveys.report.pdf_downloaded")


@never_cache
@role_required(MANAGE)
@require_http_methods(["GET", "POST"])
def report_publish(request, year):
    """GET: the preview, exactly what members will see, with the confirm button. POST: publish."""
    edition, result = _built_report(request, year)
    if request.method == "POST":
        services.publish_report(actor=request.user, edition=edition)
        messages.success(
            request, _("The report %(year)s is published to the members.") % {"year": edition.year}
        )
        return redirect("surveys:report", year=edition.year)
    return render(
        request,
        "surveys/results_detail.html",
        {
            "edition": edition,
            "report": result,
            "preview": True,
            "suppressed": disclosure.SUPPRESSED,
        },
    )


@never_cache
@role_required(MANAGE)
@require_POST
def report_unpublish(request, year):
    edition = _report_edition(request.user, year)
    if services.unpublish_report(actor=request.user, edition=edition):
        messages.success(
            request,
            _("The report %(year)s is no longer shown to members.") % {"year": edition.year},
        )
    return redirect("surveys:report", year=edition.year)


# --- Members: published results ----------------------------------------------------------------


@never_cache
@require_http_methods(["GET"])
def results_list(request):
    if not access.can_read_results(request.user):
        raise PermissionDenied
    return render(
        request,
        "surveys/results_list.html",
        {"publications": list(selectors.live_publications())},
    )


@never_cache
@require_http_methods(["GET"])
def results_detail(request, year):
    publication = access.get_publication_for(request.user, year)
    result = survey_report.published_report_for(publication)
    return render(
        request,
        "surveys/results_detail.html",
        {
            "edition": publication.edition,
            "publication": publication,
            "report": result,
            "suppressed": disclosure.SUPPRESSED,
        },
    )


@never_cache
@require_http_methods(["GET"])
def results_pdf(request, year):
    publication = access.get_publication_for(request.user, year)
    result = survey_report.published_report_for(publication, language=printing.language_of(request))
    return _pdf_response(request, result, audited_as="surveys.results.pdf_downloaded")


@login_not_required
@require_http_methods(["GET"])
def results_summary(request):
    """The headline figures of the latest published edition, for everyone (no login): each
    read from the published release, a hidden one stays hidden."""
    publication = selectors.latest_publication()
    summary = None
    if publication is not None:
        summary = headlines.summary(survey_report.published_report_for(publication))
    return render(request, "surveys/results_summary.html", {"summary": summary})
