from datetime import timedelta

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core import disclosure, releases
from core.roles import ROLE_LABELS, role_required

from . import access, importing, personal_data, reports, selectors, services
from .forms import (
    ApplicationForm,
    ConsentForm,
    DecisionForm,
    GiveRoleForm,
    ImportUploadForm,
    MemberFilterForm,
    MemberSearchForm,
    ProfileForm,
    RemoveRoleForm,
    RenewForm,
)

MANAGE = "members.manage_membership"
STATISTICS = "members.view_statistics"
SEARCH_SESSION_KEY = "members:member-search"
PAGE_SIZE = 50


def _form_errors_from(form, exc):
    for message in exc.messages:
        form.add_error(None, message)


# --- The member's own pages ---------------------------------------------------------------


@login_not_required
def privacy(request):
    context = {"retention_days": settings.MEMBERSHIP_PROFILE_RETENTION_DAYS}
    return render(request, "members/privacy_detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request):
    membership = selectors.own_membership_for(request.user)
    if not services.can_apply(membership):
        return redirect("members:profile")
    profile = selectors.own_profile_for(request.user)
    form = ApplicationForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_application(
                user=request.user, data=form.cleaned_data, consent=form.cleaned_data["consent"]
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            return redirect("members:application-received")
    return render(request, "members/application_form.html", {"form": form})


@never_cache
def application_received(request):
    membership = selectors.own_membership_for(request.user)
    if membership is None:
        return redirect("members:apply")
    return render(request, "members/application_detail.html", {"membership": membership})


@never_cache
def profile(request):
    membership = selectors.own_membership_for(request.user)
    if membership is None:
        return redirect("members:apply")
    context = {
        "membership": membership,
        "profile": selectors.own_profile_for(request.user),
        "consents": selectors.consents_of(request.user),
        "can_renew": services.renewal_open(membership),
        "can_apply": services.can_apply(membership),
        "access_log": personal_data.access_log_for(request.user)[:50],
    }
    return render(request, "members/profile_detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    profile = selectors.own_profile_for(request.user)
    if profile is None:
        return redirect("members:apply")
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("members:profile")
    return render(request, "members/profile_form.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def renew(request):
    membership = selectors.own_membership_for(request.user)
    if not services.renewal_open(membership):
        messages.info(request, _("Your membership cannot be renewed now."))
        return redirect("members:profile")
    needs_consent = not services.has_current_consent(request.user)
    form = RenewForm(request.POST or None, needs_consent=needs_consent)
    if request.method == "POST" and form.is_valid():
        try:
            services.renew_membership(
                user=request.user, consent=form.cleaned_data.get("consent", False)
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("Thank you! Your membership has been renewed."))
            return redirect("members:profile")
    context = {
        "form": form,
        "membership": membership,
        "profile": selectors.own_profile_for(request.user),
        "next_end": services.period_starting(membership.period_end + timedelta(days=1))[1],
    }
    return render(request, "members/renewal_form.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def consent(request):
    """Where an imported member, after accepting the invitation, checks the profile we hold
    and gives the consent that opens the member pages."""
    membership = selectors.own_membership_for(request.user)
    if not services.needs_consent(membership):
        return redirect("members:profile")
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.give_consent(user=request.user)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("Thank you. You now have access to the member pages."))
            return redirect("core:home")
    context = {"form": form, "profile": selectors.own_profile_for(request.user)}
    return render(request, "members/consent_form.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
# Withdrawing deletes the profile and ends the membership: a borrowed or stolen session
# must not do that without the password (or code) again, as for deleting the account.
@reauthentication_required
def withdraw_consent(request):
    if request.method == "POST":
        services.withdraw_consent(user=request.user)
        messages.success(
            request, _("Your consent is withdrawn, your profile deleted and your membership ended.")
        )
        return redirect("members:profile")
    return render(request, "members/consent_withdraw_form.html")


# --- Admin: applications, members, import ------------------------------------------------


@never_cache
@role_required(MANAGE)
def application_list(request):
    applications = selectors.applications_waiting()
    return render(request, "members/application_list.html", {"applications": applications})


@never_cache
@role_required(MANAGE)
@require_http_methods(["GET", "POST"])
def application_decide(request, pk):
    membership = access.get_membership_for(request.user, pk, request=request)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == DecisionForm.APPROVE:
                services.approve_membership(membership=membership, actor=request.user)
                messages.success(request, _("The application was approved."))
            else:
                services.reject_membership(
                    membership=membership, actor=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("The application was rejected."))
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            return redirect("members:application-list")
    else:
        services.record_membership_view(actor=request.user, membership=membership)
    return render(
        request, "members/application_detail_admin.html", {"membership": membership, "form": form}
    )


@never_cache
@role_required(MANAGE)
@require_http_methods(["GET", "POST"])
def member_list(request):
    if request.method == "POST":
        search_form = MemberSearchForm(request.POST)
        if search_form.is_valid():
            request.session[SEARCH_SESSION_KEY] = search_form.cleaned_data["q"].strip()
        # Back to the list with the same filters; the search stays in the session only.
        return redirect(f"{reverse('members:member-list')}?{request.GET.urlencode()}")
    search = request.session.get(SEARCH_SESSION_KEY, "")
    filter_form = MemberFilterForm(request.GET or None)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    memberships = selectors.member_list(
        status=filters.get("status", ""),
        county=filters.get("county"),
        employer_type=filters.get("employer_type", ""),
        field=filters.get("field", ""),
        search=search,
    )
    page = Paginator(memberships, PAGE_SIZE).get_page(request.GET.get("page"))
    services.record_member_list_view(actor=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filter_form": filter_form,
        "search_form": MemberSearchForm(initial={"q": search}),
        "search": search,
        "query": query.urlencode(),
    }
    return render(request, "members/member_list.html", context)


@never_cache
@role_required(MANAGE)
def member_detail(request, pk):
    membership = access.get_membership_for(request.user, pk, request=request)
    services.record_membership_view(actor=request.user, membership=membership)
    context = {"membership": membership, "consents": selectors.consents_of(membership.user)}
    return render(request, "members/member_detail.html", context)


@never_cache
@role_required(MANAGE)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = importing.read_member_file(form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            batch = importing.create_import_batch(actor=request.user, rows=rows)
            return redirect("members:import-preview", pk=batch.pk)
    return render(request, "members/import_form.html", {"form": form})


@never_cache
@role_required(MANAGE)
@require_http_methods(["GET", "POST"])
def import_preview(request, pk):
    batch = access.get_import_batch_for(request.user, pk, request=request)
    error = None
    if request.method == "POST":
        try:
            committed = importing.commit_import(
                batch=batch, actor=request.user, confirmed=request.POST.getlist("confirm")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _(
                    "Import done: %(created)s created, %(updated)s updated, %(invited)s "
                    "invited to apply. Invitations are sent."
                )
                % {
                    "created": committed.created,
                    "updated": committed.updated,
                    "invited": committed.invited,
                },
            )
            return redirect("members:member-list")
    results = importing.preview_import(batch.rows)
    counts = {
        action: sum(r.action == action for r in results)
        for action in ("create", "update", "invite", "skip", "reject")
    }
    context = {"batch": batch, "results": results, "counts": counts, "error": error}
    return render(request, "members/import_detail.html", context)


# --- Admin: statistics ------------------------------------------------------------------------


def _release_request(request):
    """The release asked for (?release=N), else the latest; 404 when there is none."""
    number = request.GET.get("release", "")
    release = releases.release_for(reports.KIND, number or None)
    if release is None and number:
        raise Http404
    return release


def _chosen_table_key(request):
    """The cross-table chosen (?table=key), one of the release's predefined ones, or ""."""
    key = request.GET.get("table", "")
    if key and key not in reports.cross_table_keys():
        raise BadRequest(_("Unknown table."))
    return key


class _ReleaseTables:
    """A release's tables for the page, read from its stored data only when the page's
    tables are written: a release never changes, so their markup is kept once written
    (members/jinja2/members/statistics_tables.html)."""

    def __init__(self, release, cross_key):
        self.release = release
        self.cross_key = cross_key

    @cached_property
    def _by_key(self):
        return dict(zip(self.release.table_keys(), self.release.tables(), strict=True))

    @property
    def dimensions(self):
        return [self._by_key[key] for key in reports.DIMENSION_KEYS]

    @property
    def cross(self):
        return self._by_key[self.cross_key] if self.cross_key else None


@never_cache
@role_required(STATISTICS)
@require_http_methods(["GET", "POST"])
def statistics_page(request):
    if request.method == "POST":
        releases.request_release(kind=reports.KIND, actor=request.user)
        messages.success(request, _("A new release is being counted and audited."))
        return redirect("members:statistics")
    release = _release_request(request)
    context = {
        "release": release,
        "cross_tables": reports.cross_table_choices(),
        "legend": disclosure.legend(),
    }
    if release is not None:
        selected = _chosen_table_key(request)
        context["selected"] = selected
        context["release_tables"] = _ReleaseTables(release, selected)
    return render(request, "members/statistics_list.html", context)


@never_cache
@role_required(STATISTICS)
def statistics_export(request, fmt):
    release = _release_request(request)
    if release is None:
        raise Http404
    key = request.GET.get("table", "")
    tables = dict(zip(release.table_keys(), release.tables(), strict=True))
    if key == "all":
        chosen = list(tables.values())
    elif key in tables:
        chosen = [tables[key]]
    else:
        raise BadRequest(_("Unknown table."))
    filename = f"membership-{release.number}-{key}-{release.as_of:%Y-%m-%d}.{fmt}"
    releases.record_read(
        actor=request.user, action=f"statistics.export.{fmt}", release=release, part=key
    )
    heading = releases.heading(release)
    if fmt == "csv":
        return disclosure.csv_response(chosen, filename=filename, heading=heading)
    return disclosure.xlsx_response(chosen, filename=filename, heading=heading)


# --- Staff roles ----------------------------------------------------------------------------

MANAGE_ROLES = "members.manage_roles"


def _staff_roles_page(request, give_form, status=200):
    context = {"staff": selectors.staff_with_roles(), "give_form": give_form}
    return render(request, "members/staff_role_list.html", context, status=status)


@never_cache
@role_required(MANAGE_ROLES)
@reauthentication_required
@require_http_methods(["GET", "POST"])
def staff_roles(request):
    """Who has which staff role; give one to an existing account."""
    form = GiveRoleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user, role = form.cleaned_data["email"], form.cleaned_data["role"]
        try:
            given = services.give_staff_role(actor=request.user, user=user, role=role)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            text = (
                _("%(who)s now has the role %(role)s and has been told by email.")
                if given
                else _("%(who)s already has the role %(role)s.")
            )
            messages.success(
                request,
                text % {"who": user.get_full_name() or user.email, "role": ROLE_LABELS[role]},
            )
            return redirect("members:staff-roles")
    return _staff_roles_page(request, form, status=400 if form.errors else 200)


@never_cache
@role_required(MANAGE_ROLES)
@reauthentication_required
@require_POST
def staff_role_remove(request):
    form = RemoveRoleForm(request.POST)
    if not form.is_valid():
        raise BadRequest
    user, role = form.cleaned_data["user"], form.cleaned_data["role"]
    try:
        services.remove_staff_role(actor=request.user, user=user, role=role)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(who)s no longer has the role %(role)s and has been told by email.")
            % {"who": user.get_full_name() or user.email, "role": ROLE_LABELS[role]},
        )
    return redirect("members:staff-roles")
