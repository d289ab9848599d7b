"""A story: events chained by `previous_event`, read first to last.

A person's journey ("pushed back from Poland three times, then driven to the
Russian border") is several events; each points to the one before it.
"""

from __future__ import annotations

from django.db.models import Prefetch

from bordermonitor.records.models import Act, Event

MAX_STORY = 200  # guards the walk against a loop written behind the services' back


def story_of(event: Event) -> list[Event]:
    """The whole chain `event` belongs to, in order; just `[event]` when it stands alone."""
    first, seen = event, {event.pk}
    while first.previous_event_id and len(seen) < MAX_STORY:
        before = Event.objects.filter(pk=first.previous_event_id).first()
        if before is None or before.pk in seen:
            break
        seen.add(before.pk)
        first = before
    chain, seen = [first], {first.pk}
    while len(chain) < MAX_STORY:
        after = Event.objects.filter(previous_event_id=chain[-1].pk).first()
        if after is None or after.pk in seen:
            break
        seen.add(after.pk)
        chain.append(after)
    return chain


def story_with_details(event: Event) -> list[Event]:
    """The story, each event with its place, types and acts loaded for display."""
    ids = [e.pk for e in story_of(event)]
    loaded = Event.objects.filter(pk__in=ids).select_related("place", "border_section")
    loaded = loaded.prefetch_related(
        "event_types",
        Prefetch(
            "acts",
            queryset=Act.objects.select_related(
                "violation_type", "perpetrator", "victim"
            ).prefetch_related("items"),
        ),
    )
    by_id = {e.pk: e for e in loaded}
    return [by_id[i] for i in ids if i in by_id]
