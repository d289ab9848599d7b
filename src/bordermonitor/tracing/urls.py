from django.urls import path

from bordermonitor.tracing import views

urlpatterns = [
    path("tracing/cases/", views.case_list_view, name="tracing-case-list"),
    path("tracing/reports/new/", views.report_create_view, name="tracing-report-create"),
    path("tracing/cases/<str:code>/", views.case_detail_view, name="tracing-case-detail"),
    path(
        "tracing/cases/<str:code>/status/",
        views.case_transition_view,
        name="tracing-case-transition",
    ),
    path("tracing/cases/<str:code>/assign/", views.case_assign_view, name="tracing-case-assign"),
    path(
        "tracing/cases/<str:code>/restriction/",
        views.case_restriction_view,
        name="tracing-case-restriction",
    ),
    path(
        "tracing/detentions/<str:code>/restriction/",
        views.detention_restriction_view,
        name="tracing-detention-restriction",
    ),
    path("tracing/cases/<str:code>/relay/", views.case_relay_view, name="tracing-case-relay"),
    path("tracing/cases/<str:code>/letter/", views.case_letter_view, name="tracing-case-letter"),
    path(
        "tracing/requests/<str:code>/answer/",
        views.intervention_answer_view,
        name="tracing-intervention-answer",
    ),
    path(
        "tracing/requests/<str:code>/follow-up/",
        views.intervention_follow_up_view,
        name="tracing-intervention-follow-up",
    ),
    path("tracing/deaths/", views.death_list_view, name="tracing-death-list"),
    path("tracing/deaths/new/", views.death_create_view, name="tracing-death-create"),
    path(
        "tracing/deaths/<str:code>/identify/",
        views.death_identify_view,
        name="tracing-death-identify",
    ),
    path(
        "tracing/deaths/<str:code>/confirm/",
        views.death_confirm_view,
        name="tracing-death-confirm",
    ),
    path(
        "persons/<str:code>/detentions/new/",
        views.person_detention_create_view,
        name="person-detention-create",
    ),
    path("tracing/detentions/", views.detention_list_view, name="tracing-detention-list"),
    path("tracing/detentions/new/", views.detention_create_view, name="tracing-detention-create"),
    path(
        "tracing/detentions/<str:code>/",
        views.detention_detail_view,
        name="tracing-detention-detail",
    ),
    path("tracing/statistics/", views.stats_view, name="tracing-stats"),
]
