from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report


@login_not_required
def home(request):
    return render(request, "core/home.html")


@login_not_required
@never_cache
@require_GET
def health(request):
    report = health_report()
    status = 200 if report["database"] == "up" else 503
    return JsonResponse(report, status=status)
