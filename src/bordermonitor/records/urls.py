from django.urls import path

from bordermonitor.records import views

urlpatterns = [
    path("persons/", views.person_list_view, name="person-list"),
    path("persons/new/", views.person_create_view, name="person-create"),
    path("persons/<str:code>/", views.person_detail_view, name="person-detail"),
    path("persons/<str:code>/edit/", views.person_edit_view, name="person-edit"),
    path("persons/<str:code>/timeline/", views.person_timeline_view, name="person-timeline"),
    path("events/", views.event_list_view, name="event-list"),
    path("events/new/", views.event_create_view, name="event-create"),
    path("events/<str:code>/", views.event_detail_view, name="event-detail"),
    path("events/<str:code>/edit/", views.event_edit_view, name="event-edit"),
    path("events/<str:code>/acts/", views.act_create_view, name="act-create"),
    path("sources/", views.source_list_view, name="source-list"),
    path("sources/new/", views.source_create_view, name="source-create"),
    path("sources/<str:code>/", views.source_detail_view, name="source-detail"),
    path("sources/<str:code>/edit/", views.source_edit_view, name="source-edit"),
    path(
        "sources/<str:code>/restriction/",
        views.source_restriction_view,
        name="source-restriction",
    ),
]
