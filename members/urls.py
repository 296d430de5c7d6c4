from django.urls import path, re_path

from . import views

app_name = "members"

urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("apply/", views.apply, name="apply"),
    path("apply/received/", views.application_received, name="application-received"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile-edit"),
    path("renew/", views.renew, name="renew"),
    path("consent/", views.consent, name="consent"),
    path("consent/withdraw/", views.withdraw_consent, name="consent-withdraw"),
    path("applications/", views.application_list, name="application-list"),
    path("applications/<int:pk>/", views.application_decide, name="application-decide"),
    path("records/", views.member_list, name="member-list"),
    path("records/<int:pk>/", views.member_detail, name="member-detail"),
    path("import/", views.import_upload, name="import-upload"),
    path("import/<int:pk>/", views.import_preview, name="import-preview"),
    path("staff/roles/", views.staff_roles, name="staff-roles"),
    path("staff/roles/remove/", views.staff_role_remove, name="staff-role-remove"),
    path("statistics/", views.statistics_page, name="statistics"),
    re_path(
        r"^statistics/export\.(?P<fmt>csv|xlsx)$", views.statistics_export, name="statistics-export"
    ),
]
