"""Candidate events for "this is an event already recorded": one incident, many witnesses.

When a second source describes an incident, it should attach to the Event already
recorded, so the group is counted once.  Candidates are events whose date range
overlaps (a day either side, testimonies are rarely exact), ranked by the same
place or border section, the same side, and a similar group size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

from bordermonitor.accounts import need_to_know
from bordermonitor.accounts.models import User
from bordermonitor.core.dates import FuzzyDate, overlaps_q
from bordermonitor.core.models import Place
from bordermonitor.records.models import Event
from bordermonitor.records.selectors import AccessDenied

DATE_SLACK = dt.timedelta(days=1)
MAX_SCANNED = 300


@dataclass(frozen=True)
class Candidate:
    event: Event
    score: int
    reasons: tuple[str, ...]


def similar_group_size(a: int | None, b: int | None) -> bool:
    """Witnesses count a group differently: 10 and 12 are the same group, 10 and 40 not."""
    if not a or not b:
        return False
    return abs(a - b) <= max(2, round(0.25 * max(a, b)))


def candidate_events(
    user: User,
    *,
    date: FuzzyDate | None,
    place: str = "",
    border_section: str = "",
    side: str = "",
    group_size: int | None = None,
    exclude: Sequence[str] = (),
    limit: int = 8,
) -> list[Candidate]:
    """Events the user may see that may be the same incident, best first.

    The date must overlap; when a place, section or group size is given, a candidate
    must also share the place or section or have a similar group size."""
    if not (user and user.is_authenticated and user.can("events.view")):
        raise AccessDenied("events.view")
    if date is None:
        return []
    if place and not border_section:
        section = Place.objects.filter(code=place).values_list("border_section__code", flat=True)
        border_section = section.first() or ""
    qs = (
        need_to_know.visible_events(
            user,
            Event.objects.filter(
                overlaps_q("date", date.earliest - DATE_SLACK, date.latest + DATE_SLACK)
            ),
        )
        .exclude(code__in=list(exclude))
        .select_related("place", "border_section")
        .prefetch_related("event_types")
        .order_by("-date_earliest")[:MAX_SCANNED]
    )
    wanted_something = bool(place or border_section or group_size)
    found = []
    for event in qs:
        reasons, score = [gettext("date overlaps")], 0
        if place and event.place and event.place.code == place:
            score, reasons = score + 3, [*reasons, gettext("same place")]
        elif (
            border_section and event.border_section and event.border_section.code == border_section
        ):
            score, reasons = score + 2, [*reasons, gettext("same border section")]
        if similar_group_size(group_size, event.group_size):
            score, reasons = (
                score + 2,
                [
                    *reasons,
                    gettext("group of %(count)s") % {"count": event.group_size},
                ],
            )
        if score == 0 and wanted_something:
            continue
        if side and event.side == side:
            score, reasons = score + 1, [*reasons, gettext("same side")]
        if date.certainly_within(event.date_earliest, event.date_latest) or (
            event.date.certainly_within(date.earliest, date.latest)
        ):
            score += 1
        found.append(Candidate(event, score, tuple(reasons)))
    found.sort(key=lambda c: (-c.score, abs((c.event.date_earliest - date.earliest).days)))
    return found[:limit]
