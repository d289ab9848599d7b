"""Sections the testimony intake adds to the event and source pages, one tag each, so
those pages need a single line: the story line, items and each source's version on an
event; translations (and the form to add one) on a source."""

from __future__ import annotations

from django import template

from bordermonitor.accounts import need_to_know
from bordermonitor.records.intake_forms import TranslationForm
from bordermonitor.records.models import ConfiscatedItem, Event, Source, SourceEvent
from bordermonitor.records.stories import story_of

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("records/intake/_event_story.html")
def event_story(event: Event) -> dict:
    """ "Story: E-1 → E-2 → E-3" with dates, places and sides, when the event is in one."""
    story = story_of(event)
    if len(story) > 1:
        loaded = Event.objects.filter(pk__in=[e.pk for e in story]).select_related("place")
        by_id = {e.pk: e for e in loaded}
        story = [by_id.get(e.pk, e) for e in story]
    return {"event": event, "story": story}


@register.inclusion_tag("records/intake/_event_accounts.html", takes_context=True)
def event_accounts(context, event: Event) -> dict:
    """Items taken in the event's acts, and each source's own version of the event
    (the versions only for a role that may read sources)."""
    user = _user(context)
    items = ConfiscatedItem.objects.filter(act__event=event).select_related(
        "act__violation_type", "act__victim"
    )
    links = []
    if user is not None and user.is_authenticated and user.can("sources.view"):
        links = SourceEvent.objects.filter(event=event).select_related("source")
        # a restricted source's version only for its team (accounts.need_to_know)
        links = links.filter(source__in=need_to_know.visible_sources(user).values("pk"))
        links = links.order_by("source__received_on", "source__code")
    # sealed, so filtered after opening: a source that gave no version of its own is
    # already in the page's list of sources
    return {"items": list(items), "links": [link for link in links if link.account]}


@register.inclusion_tag("records/intake/_source_translations.html", takes_context=True)
def source_translations(context, source: Source) -> dict:
    """Translations, attributed and shown right to left when the script is; the form
    to add one for a role that may edit sources."""
    user = _user(context)
    form = None
    if user is not None and user.is_authenticated and user.can("sources.edit"):
        form = context.get("translation_form") or TranslationForm()
    translations = source.translations.select_related("translator")
    return {"source": source, "translations": list(translations), "form": form}
