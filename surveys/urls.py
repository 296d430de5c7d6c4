from django.urls import path, re_path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.edition_list, name="edition-list"),
    path("<int:year>/", views.start, name="start"),
    path("<int:year>/page/<int:number>/", views.page, name="page"),
    path("<int:year>/review/", views.review, name="review"),
    path("<int:year>/receipt/", views.receipt, name="receipt"),
    path("<int:year>/withdraw/", views.withdraw, name="withdraw"),
    path("manage/", views.manage_edition_list, name="manage-edition-list"),
    path("manage/<int:year>/", views.manage_edition, name="manage-edition"),
    path(
        "manage/<int:year>/status/<str:action>/",
        views.manage_edition_status,
        name="manage-edition-status",
    ),
    path(
        "manage/<int:year>/questions/<int:pk>/",
        views.manage_question,
        name="manage-question",
    ),
    path(
        "manage/<int:year>/sections/<int:section>/questions/new/",
        views.manage_new_question,
        name="manage-new-question",
    ),
    path("manage/<int:year>/responses/", views.dashboard, name="dashboard"),
    path("manage/<int:year>/report/", views.report, name="report"),
    path(
        "manage/<int:year>/report/export.<str:fmt>",
        views.report_export,
        name="report-export",
    ),
    re_path(
        r"^manage/(?P<year>[0-9]+)/microdata\.(?P<fmt>csv|xlsx)$",
        views.microdata_export,
        name="microdata-export",
    ),
    re_path(
        r"^manage/(?P<year>[0-9]+)/codebook\.(?P<fmt>csv|xlsx)$",
        views.codebook_export,
        name="codebook-export",
    ),
    path("manage/<int:year>/free-text/", views.free_text, name="free-text"),
    path("manage/<int:year>/preview/", views.start, {"preview": True}, name="preview-start"),
    path(
        "manage/<int:year>/preview/page/<int:number>/",
        views.page,
        {"preview": True},
        name="preview-page",
    ),
    path(
        "manage/<int:year>/preview/review/",
        views.review,
        {"preview": True},
        name="preview-review",
    ),
    path(
        "manage/<int:year>/preview/receipt/",
        views.receipt,
        {"preview": True},
        name="preview-receipt",
    ),
]
