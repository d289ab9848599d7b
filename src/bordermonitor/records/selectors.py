"""Reads on people, events and sources, authorised in the same step.

`access_*` load one record for a user and answer the same `Http404` whether it
does not exist or the user may not see it, so probing codes reveals nothing.
List selectors return nothing at all to a role without the capability.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from bordermonitor.accounts.models import User
from bordermonitor.core.blind_index import query_digests
from bordermonitor.core.dates import overlaps_q
from bordermonitor.records.models import Act, Event, NameToken, NameVariant, Person, Source


class AccessDenied(PermissionError):
    """The user's role does not allow this kind of record at all."""


def _require(user: User, capability: str) -> None:
    if not (user and user.is_authenticated and user.can(capability)):
        raise AccessDenied(capability)


def _persons_visible_to(user: User) -> QuerySet[Person]:
    _require(user, "persons.view")
    return Person.objects.all()


def _events_visible_to(user: User) -> QuerySet[Event]:
    _require(user, "events.view")
    return Event.objects.all()


def _sources_visible_to(user: User) -> QuerySet[Source]:
    _require(user, "sources.view")
    return Source.objects.all()


def _one(queryset: QuerySet, code: str, capability: str, user: User):
    if not (user and user.is_authenticated and user.can(capability)):
        raise Http404("no such record")
    obj = queryset.filter(code=code).first()
    if obj is None:
        raise Http404("no such record")
    return obj


def access_person(user: User, code: str, *, for_edit: bool = False) -> Person:
    qs = Person.objects.select_related("nationality").prefetch_related("name_variants")
    if for_edit:
        _one(qs, code, "persons.view", user)
        return _one(qs, code, "persons.edit", user)
    return _one(qs, code, "persons.view", user)


def access_event(user: User, code: str, *, for_edit: bool = False) -> Event:
    qs = Event.objects.select_related("place", "border_section").prefetch_related(
        "event_types",
        Prefetch(
            "acts", queryset=Act.objects.select_related("violation_type", "perpetrator", "victim")
        ),
    )
    return _one(qs, code, "events.edit" if for_edit else "events.view", user)


def access_source(user: User, code: str, *, for_edit: bool = False) -> Source:
    qs = Source.objects.select_related("interviewer").prefetch_related("events", "persons")
    return _one(qs, code, "sources.edit" if for_edit else "sources.view", user)


@dataclass(frozen=True)
class PersonFilters:
    name: str = ""
    nationality: str = ""
    sex: str = ""
    vulnerability: str = ""
    code: str = ""


def person_list(user: User, filters: PersonFilters = PersonFilters()) -> QuerySet[Person]:
    """People the user may see, filtered; name search goes through the blind index."""
    qs = (
        _persons_visible_to(user)
        .select_related("nationality")
        .prefetch_related(
            Prefetch(
                "name_variants", queryset=NameVariant.objects.order_by("-is_primary", "created_at")
            )
        )
    )
    if filters.code:
        qs = qs.filter(code__iexact=filters.code.strip())
    if filters.nationality:
        qs = qs.filter(nationality__code=filters.nationality)
    if filters.sex:
        qs = qs.filter(sex=filters.sex)
    if filters.vulnerability:
        ids = [
            p
            for p, flags in Person.objects.values_list("pk", "vulnerabilities")
            if filters.vulnerability in (flags or [])
        ]
        qs = qs.filter(pk__in=ids)
    for digests in query_digests(filters.name):
        qs = qs.filter(
            pk__in=NameToken.objects.filter(digest__in=list(digests)).values("person_id")
        )
    return qs.order_by("-created_at")


@dataclass(frozen=True)
class EventFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    place: str = ""
    border_section: str = ""
    side: str = ""
    event_type: str = ""
    violation_type: str = ""


def event_list(user: User, filters: EventFilters = EventFilters()) -> QuerySet[Event]:
    """Events the user may see; a date filter keeps events that may fall in the period."""
    qs = (
        _events_visible_to(user)
        .select_related("place", "border_section")
        .prefetch_related("event_types")
    )
    qs = qs.filter(overlaps_q("date", filters.date_from, filters.date_to))
    if filters.place:
        qs = qs.filter(place__code=filters.place)
    if filters.border_section:
        qs = qs.filter(border_section__code=filters.border_section)
    if filters.side:
        qs = qs.filter(side=filters.side)
    if filters.event_type:
        qs = qs.filter(event_types__code=filters.event_type)
    if filters.violation_type:
        qs = qs.filter(acts__violation_type__code=filters.violation_type)
    return qs.distinct().order_by("-date_earliest", "-created_at")


@dataclass(frozen=True)
class SourceFilters:
    kind: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None


def source_list(user: User, filters: SourceFilters = SourceFilters()) -> QuerySet[Source]:
    qs = _sources_visible_to(user).select_related("interviewer")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.received_from:
        qs = qs.filter(received_on__gte=filters.received_from)
    if filters.received_to:
        qs = qs.filter(received_on__lte=filters.received_to)
    return qs.order_by("-received_on", "-created_at")


def headline_counts(user: User) -> dict[str, int]:
    """Counts for the dashboard: aggregates only, safe for every role."""
    _require(user, "dashboard.view")
    events = Event.objects.aggregate(
        events=Count("id"),
        people_in_groups=Count("id", filter=Q(group_size__isnull=False)),
    )
    return {
        "persons": Person.objects.count(),
        "events": events["events"],
        "acts": Act.objects.count(),
        "sources": Source.objects.count(),
        "pushbacks": Act.objects.filter(violation_type__code="pushback").count(),
    }
