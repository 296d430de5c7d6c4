from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report


@login_not_required
def home(request):
    user = request.user
    context = {"mfa_enabled": user.is_authenticated and is_mfa_enabled(user)}
    return render(request, "core/home.html", context)


@login_not_required
@never_cache
@require_GET
def health(request):
    report = health_report()
    status = 200 if report["database"] == "up" else 503
    return JsonResponse(report, status=status)
