from django.urls import path

from . import views

app_name = "casework"

urlpatterns = [
    # Members
    path("request/", views.request_guidance, name="request-guidance"),
    path("my/", views.my_case_list, name="my-case-list"),
    path("my/<int:pk>/", views.my_case_detail, name="my-case-detail"),
    path("my/<int:pk>/reply/", views.my_case_reply, name="my-case-reply"),
    path(
        "my/<int:pk>/files/<int:attachment_pk>/",
        views.my_case_attachment,
        name="my-case-attachment",
    ),
    # Anyone, without an account
    path("ask/", views.anonymous_inquiry, name="anonymous-inquiry"),
    path("ask/check/", views.anonymous_check, name="anonymous-check"),
    path("ask/case/", views.anonymous_case, name="anonymous-case"),
    path(
        "ask/case/files/<int:attachment_pk>/",
        views.anonymous_attachment,
        name="anonymous-attachment",
    ),
    # Advisors
    path("queue/", views.queue, name="queue"),
    path("queue/assign/", views.bulk_assign, name="bulk-assign"),
    path("queue/save-filter/", views.queue_save_filter, name="queue-save-filter"),
    path("workload/", views.workload, name="workload"),
    path("workload/move-restricted/", views.restricted_move, name="restricted-move"),
    path("absences/", views.absence_list, name="absence-list"),
    path("absences/<int:pk>/end/", views.absence_end, name="absence-end"),
    path("inquiries/new/", views.register_inquiry, name="register-inquiry"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/messages/", views.case_message, name="case-message"),
    path(
        "cases/<int:pk>/files/<int:attachment_pk>/",
        views.case_attachment,
        name="case-attachment",
    ),
    path("cases/<int:pk>/status/", views.case_status, name="case-status"),
    path("cases/<int:pk>/update/", views.case_update, name="case-update"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case-assign"),
    # Admins
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics/export.<str:fmt>", views.statistics_export, name="statistics-export"),
]
