from django.contrib import admin
from django.urls import include, path
from peerbench.views import floor

urlpatterns = [
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls")),
    # The floor: a staff-signed-in page rendering helpdesk's base template, nothing else.
    path("__floor__/", floor, name="floor"),
]
