"""Routes of the testimony intake flow, the story page and translations.

Drafts travel as `?draft=<code>` (a code, never anything typed), so every route here
takes no URL argument but a record's `code`."""

from django.urls import path

from bordermonitor.records import intake

urlpatterns = [
    path("intake/", intake.intake_drafts_view, name="intake-drafts"),
    path("intake/new/", intake.intake_new_view, name="intake-new"),
    path("intake/source/", intake.intake_source_view, name="intake-source"),
    path("intake/events/", intake.intake_events_view, name="intake-events"),
    path("intake/review/", intake.intake_review_view, name="intake-review"),
    path("intake/autosave/", intake.intake_autosave_view, name="intake-autosave"),
    path("intake/discard/", intake.intake_discard_view, name="intake-discard"),
    path("events/<str:code>/story/", intake.event_story_view, name="event-story"),
    path(
        "sources/<str:code>/translations/",
        intake.translation_create_view,
        name="source-translation-create",
    ),
]
