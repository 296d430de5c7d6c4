"""The portal's URLs plus one fixture page with chart tables, for tests/e2e/test_charts.py."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.generic import TemplateView

from erfaring.urls import urlpatterns as portal

urlpatterns = [
    path(
        "chart-fixture/",
        login_not_required(TemplateView.as_view(template_name="tests/chart_fixture.html")),
        name="chart-fixture",
    ),
    *portal,
]
