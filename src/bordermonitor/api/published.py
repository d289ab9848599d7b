"""/api/v1/published/events: the anonymised events, as `records.exports` publishes them.

For the analyst and anyone else who counts: no code, no name, no place finer than a
border section, no date finer than a month, and only events some source consented
to publish (decided in `records.consent`).
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from bordermonitor.api.common import Pagination, requires
from bordermonitor.api.schemas import Code
from bordermonitor.records.exports import Period, published_events, published_row

router = Router()


class PublishedCounts(Schema):
    group_size: int | None
    women: int | None
    men: int | None
    children: int | None


class PublishedAct(Schema):
    violation_type: str
    perpetrator: str
    victims: int = Field(description="named victims plus unnamed group members")


class PublishedEventOut(Schema):
    period: str = Field(description='"2024-03", "2024" or "2024-03..2024-05"')
    month_from: str
    month_to: str
    event_types: list[str]
    side: str
    border_section: str | None
    counts: PublishedCounts
    acts: list[PublishedAct]
    sources: int = Field(description="how many sources consented to publication")


class PublishedQuery(Schema):
    date_from: dt.date | None = Field(None, description="events that may fall on or after")
    date_to: dt.date | None = Field(None, description="events that may fall on or before")
    border_section: Code = ""
    violation_type: Code = ""


class _Rows:
    """Paginate the events in the database, then turn only the page into rows."""

    def __init__(self, events):
        self.events = events

    def __getitem__(self, item):
        return [published_row(e) for e in self.events[item]]

    def count(self) -> int:
        return self.events.count()

    def __len__(self) -> int:
        return self.count()


@router.get("/published/events", response=list[PublishedEventOut], tags=["published"])
@requires("published.view")
@paginate(Pagination)
def list_published_events(request: HttpRequest, filters: Query[PublishedQuery]):
    """Events that may be published, oldest first, anonymised."""
    return _Rows(
        published_events(
            Period(filters.date_from, filters.date_to),
            border_section=filters.border_section,
            violation_type=filters.violation_type,
        )
    )
