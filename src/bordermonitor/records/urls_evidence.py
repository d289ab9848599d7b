"""Evidence routes: upload from a source or event, the evidence page and its files.

Only codes appear in these URLs, never a file name."""

from django.urls import path

from bordermonitor.records import evidence_views as views

urlpatterns = [
    path(
        "sources/<str:code>/evidence/new/",
        views.source_evidence_upload_view,
        name="source-evidence-upload",
    ),
    path(
        "events/<str:code>/evidence/new/",
        views.event_evidence_upload_view,
        name="event-evidence-upload",
    ),
    path("evidence/<str:code>/", views.evidence_detail_view, name="evidence-detail"),
    path(
        "evidence/<str:code>/thumbnail/", views.evidence_thumbnail_view, name="evidence-thumbnail"
    ),
    path("evidence/<str:code>/working/", views.evidence_working_view, name="evidence-working"),
    path("evidence/<str:code>/original/", views.evidence_original_view, name="evidence-original"),
]
