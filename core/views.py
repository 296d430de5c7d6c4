from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import privacy, roles
from .forms import AccountDeleteForm
from .health import health_report
from .home import home_context_for


@login_not_required
def home(request):
    """The front page; signed in, it tells the person what to do next (apply, wait for the
    decision, give consent) or what a member can do now."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/home.html")
    context = {"mfa_enabled": roles.has_authenticator(user), **home_context_for(user)}
    return render(request, "core/home.html", context)


@login_not_required
@never_cache
@require_GET
def health(request):
    report = health_report()
    status = 200 if report["database"] == "up" else 503
    return JsonResponse(report, status=status)


# --- The person's own data (GDPR Art. 15, 17, 20) -------------------------------------------


def _privacy_context(request, **extra):
    return {
        "can_self_delete": privacy.can_self_delete(request.user),
        "casework_retention_years": settings.CASEWORK_RETENTION_DAYS // 365,
        **extra,
    }


@never_cache
@require_GET
def my_data(request):
    return render(request, "core/my_data_detail.html", _privacy_context(request))


@never_cache
@require_GET
@reauthentication_required
def my_data_download(request):
    body = privacy.personal_data_json(request.user)
    privacy.record_export(user=request.user)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="erfaring-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@reauthentication_required
def account_delete(request):
    if not privacy.can_self_delete(request.user):
        return render(
            request, "core/account_delete_form.html", _privacy_context(request), status=403
        )
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.delete_account(user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            messages.success(
                request,
                _("Your account is deleted. Thank you for the time you were with us."),
            )
            return redirect("core:home")
    return render(request, "core/account_delete_form.html", _privacy_context(request, form=form))
