"""Reads on people, events and sources, authorised in the same step.

`access_*` load one record for a user and answer the same `Http404` whether it
does not exist or the user may not see it, so probing codes reveals nothing.
List selectors return nothing at all to a role without the capability.

Finding events stays fast on big tables: every filter that reaches into acts,
event types or sources is an `EXISTS` subquery (no join, so no `DISTINCT` over
millions of rows), vocabulary codes are resolved to row ids before the query,
and only the page that is shown gets its related rows loaded.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from bordermonitor.accounts import need_to_know
from bordermonitor.accounts.access import record_by_code
from bordermonitor.accounts.models import User
from bordermonitor.core.blind_index import query_digests
from bordermonitor.core.dates import DAY, FuzzyDate, overlaps_q, within_q
from bordermonitor.core.models import (
    BorderSection,
    EventType,
    Nationality,
    Perpetrator,
    Place,
    ViolationType,
)
from bordermonitor.records.models import (
    Act,
    Event,
    NameToken,
    NameVariant,
    Person,
    Source,
    SourceEvent,
)


class AccessDenied(PermissionError):
    """The user's role does not allow this kind of record at all."""


def _require(user: User, capability: str) -> None:
    if not (user and user.is_authenticated and user.can(capability)):
        raise AccessDenied(capability)


def _persons_visible_to(user: User) -> QuerySet[Person]:
    _require(user, "persons.view")
    return need_to_know.visible_persons(user, Person.objects.all())


def _events_visible_to(user: User) -> QuerySet[Event]:
    _require(user, "events.view")
    return need_to_know.visible_events(user, Event.objects.all())


def _sources_visible_to(user: User) -> QuerySet[Source]:
    _require(user, "sources.view")
    return need_to_know.visible_sources(user, Source.objects.all())


def access_person(user: User, code: str, *, for_edit: bool = False) -> Person:
    qs = Person.objects.select_related("nationality").prefetch_related("name_variants")
    # editing needs both capabilities: checked in one lookup, so one audit entry
    may_view = bool(user and user.is_authenticated and user.can("persons.view"))
    capability = "persons.edit" if for_edit and may_view else "persons.view"
    return record_by_code(qs, code, capability, user)


def access_event(user: User, code: str, *, for_edit: bool = False) -> Event:
    qs = Event.objects.select_related("place", "border_section").prefetch_related(
        "event_types",
        Prefetch(
            "acts",
            queryset=Act.objects.select_related(
                "violation_type", "perpetrator", "victim__nationality"
            ),
        ),
    )
    return record_by_code(qs, code, "events.edit" if for_edit else "events.view", user)


def access_source(user: User, code: str, *, for_edit: bool = False) -> Source:
    qs = Source.objects.select_related("interviewer", "team").prefetch_related("events", "persons")
    return record_by_code(qs, code, "sources.edit" if for_edit else "sources.view", user)


# -- shared filter pieces ---------------------------------------------------------


def json_list_has(field_path: str, code: str) -> Q:
    """Rows whose JSON list at `field_path` holds the string `code`.

    Portable on SQLite and PostgreSQL (JSON `__contains` is not supported on
    SQLite): the list's JSON text holds `"code"`, quotes included, exactly when
    the list holds the code, and the quotes keep "child" from matching
    "unaccompanied_child".  LIKE wildcards in `code` are escaped by Django.
    """
    return Q(**{f"{field_path}__icontains": json.dumps(code)})


def _named(query: str) -> Q | None:
    """People with a name token for every word of `query` (blind index), or None when
    the query has no searchable word."""
    groups = query_digests(query)
    if not groups:
        return None
    q = Q()
    for digests in groups:
        q &= Q(pk__in=NameToken.objects.filter(digest__in=sorted(digests)).values("person_id"))
    return q


def _pk_of(model, code: str) -> int | None:
    """A vocabulary row's id, so the big query compares integers instead of joining."""
    return model.objects.filter(code=code).values_list("pk", flat=True).first()


# -- persons -----------------------------------------------------------------------


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
        qs = qs.filter(_listed("vulnerabilities", filters.vulnerability))
    named = _named(filters.name)
    if named is not None:
        qs = qs.filter(named)
    return qs.order_by("-created_at")


# -- events ------------------------------------------------------------------------

DATE_OVERLAP = "overlap"
DATE_WITHIN = "within"
DATE_MODE_CHOICES = [
    (DATE_OVERLAP, "may fall in the period"),
    (DATE_WITHIN, "certainly within the period"),
]


@dataclass(frozen=True)
class EventFilters:
    """What the event list, the map and /api/v1/events can be narrowed by.

    The act-level filters (violation type, perpetrator, victims' nationality,
    vulnerability, victim name) must all hold for one and the same act: "pushbacks
    of Syrians by the Polish Border Guard", not three different acts.
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    date_mode: str = DATE_OVERLAP
    place: str = ""
    border_section: str = ""
    side: str = ""
    event_type: str = ""
    violation_type: str = ""
    perpetrator: str = ""
    nationality: str = ""
    vulnerability: str = ""
    source_kind: str = ""
    victim_name: str = ""

    @property
    def looks_beyond_the_event(self) -> bool:
        """Whether a filter reaches into event types, acts, victims or sources."""
        return any(
            (
                self.event_type,
                self.violation_type,
                self.perpetrator,
                self.nationality,
                self.vulnerability,
                self.source_kind,
                self.victim_name,
            )
        )


class _NoMatch(Exception):
    """A filter names a code that does not exist: nothing can match."""


def _pk_or_nothing(model, code: str) -> int:
    pk = _pk_of(model, code)
    if pk is None:
        raise _NoMatch(code)
    return pk


def _listed(field_path: str, code: str) -> Q:
    """`json_list_has`, read through an index on the list column where one helps.

    Most rows hold an empty list.  On SQLite a non-empty list's JSON text sorts
    before "[]" ('["' < '[]'); PostgreSQL's jsonb sorts "[]" before any longer array.
    Saying so lets the database read only the rows that have flags, through the
    index, before testing them (PostgreSQL with jsonb containment `@>`, which it has
    and SQLite has not); elsewhere the portable text test alone is used.
    """
    vendor = connection.vendor
    if vendor == "sqlite":
        return Q(**{f"{field_path}__lt": []}) & json_list_has(field_path, code)
    if vendor == "postgresql":  # and jsonb containment, much cheaper than jsonb -> text
        return Q(**{f"{field_path}__gt": [], f"{field_path}__contains": [code]})
    return json_list_has(field_path, code)


def _act_filter(user: User, f: EventFilters, *, groups_only: bool = False) -> tuple[list[Q], bool]:
    """Conditions on one act, as alternatives (an act matches if it meets one of them),
    and whether they are narrow (a name or a vulnerability: few acts, best found first
    and their events looked up by key).  `groups_only`: only the unnamed-group
    alternative of a vulnerability (none when there is no such alternative)."""
    q = Q()
    if f.violation_type:
        q &= Q(violation_type_id=_pk_or_nothing(ViolationType, f.violation_type))
    if f.perpetrator:
        q &= Q(perpetrator_id=_pk_or_nothing(Perpetrator, f.perpetrator))
    # what the victim must be: one query on people, whatever the combination
    person, needs_person, narrow = Q(), False, False
    if f.nationality:
        nationality_id = _pk_or_nothing(Nationality, f.nationality)
        person &= Q(nationality_id=nationality_id)
        needs_person = True
    if f.vulnerability:
        person &= _listed("vulnerabilities", f.vulnerability)
        narrow = True
    if f.victim_name:
        _require(user, "persons.view")  # searching by name is reading people
        named = _named(f.victim_name)
        if named is not None:
            person &= named
            needs_person = narrow = True
    if person and not narrow:  # a nationality alone: many people, checked act by act
        return [q & Q(victim__nationality_id=nationality_id)], False
    groups = None
    if f.vulnerability and not needs_person:  # or an unnamed group with that flag
        groups = q & _listed("victim_group_vulnerabilities", f.vulnerability)
    if groups_only:
        if groups is None:
            raise _NoMatch("no unnamed-group alternative")
        return [groups], True
    if person:  # few people: found once, through their own indexes
        alternatives = [q & Q(victim_id__in=Person.objects.filter(person).values("pk"))]
        if groups is not None:
            alternatives.append(groups)
        return alternatives, narrow
    return ([q] if q else []), False


def _filter_events(
    qs: QuerySet[Event],
    user: User,
    f: EventFilters,
    *,
    many: bool = False,
    groups_only: bool = False,
) -> QuerySet[Event]:
    """Apply the filters.  Two shapes of the same question:

    - `many=False`: narrow conditions (a name, a vulnerability, a source kind) first
      find their few acts or sources, then look their events up by key;
    - `many=True` (the caller knows more than COUNT_CAP events match): walk events
      newest first and check each, stopping as soon as the page is full.
    Broad conditions (a violation type, a perpetrator, an event type, a nationality)
    are always checked event by event through the (event, ...) indexes.
    """
    # PostgreSQL plans the key-lookup shape well from its statistics, long lists too,
    # but for a page of a long list found through alternatives (see below)
    walk_alternatives = many and connection.vendor == "postgresql"
    many = many and connection.vendor != "postgresql"
    dates = within_q if f.date_mode == DATE_WITHIN else overlaps_q
    qs = qs.filter(dates("date", f.date_from, f.date_to))
    if f.side:
        qs = qs.filter(side=f.side)
    try:
        if f.place:
            qs = qs.filter(place_id=_pk_or_nothing(Place, f.place))
        if f.border_section:
            qs = qs.filter(border_section_id=_pk_or_nothing(BorderSection, f.border_section))
        if f.event_type:
            type_id = _pk_or_nothing(EventType, f.event_type)
            links = Event.event_types.through.objects.filter(
                event_id=OuterRef("pk"), eventtype_id=type_id
            )
            qs = qs.filter(Exists(links))
        act_qs, narrow = _act_filter(user, f, groups_only=groups_only)
    except _NoMatch:
        return qs.none()
    if f.source_kind:
        links = SourceEvent.objects.filter(source__kind=f.source_kind)
        if many:
            qs = qs.filter(Exists(links.filter(event_id=OuterRef("pk"))))
        else:
            qs = qs.filter(pk__in=links.values("event_id"))
    if act_qs and narrow and walk_alternatives and len(act_qs) > 1:
        # A victim's or an unnamed group's vulnerability, more than COUNT_CAP events:
        # the key lookups would read every flagged person's acts ("child": thousands)
        # before the first event is shown.  One EXISTS per alternative, checked event
        # by event, newest first, stops when the page is full: 3-6x faster for the
        # first page, 2-3x slower 10-20 pages deep (callers that know the offset walk
        # only the first WALK_ROWS rows).  PostgreSQL would still hash each EXISTS over
        # every act, as if no LIMIT followed; the redundant `event_id >= pk` (not a
        # hashable equality) keeps it from doing so.
        found = Q()
        for act_q in act_qs:
            acts = Act.objects.filter(act_q, event_id=OuterRef("pk"), event_id__gte=OuterRef("pk"))
            found |= Q(Exists(acts))
        qs = qs.filter(found)
    elif act_qs and narrow and not many:
        # one key lookup per alternative: an OR inside one subquery would make
        # PostgreSQL read every act to test it
        found = Q()
        for act_q in act_qs:
            found |= Q(pk__in=Act.objects.filter(act_q).values("event_id"))
        qs = qs.filter(found)
    elif act_qs:
        either = Q()
        for act_q in act_qs:
            either |= act_q
        qs = qs.filter(Exists(Act.objects.filter(either, event_id=OuterRef("pk"))))
    return qs


def _acts_prefetch() -> Prefetch:
    acts = (
        Act.objects.select_related("violation_type", "perpetrator", "victim__nationality")
        .defer("notes", "victim__notes")
        .order_by("created_at")
    )
    return Prefetch("acts", queryset=acts)


def event_list(
    user: User,
    filters: EventFilters = EventFilters(),
    *,
    with_acts: bool = False,
    many: bool = False,
) -> QuerySet[Event]:
    """Events the user may see, newest first; a date filter keeps events that may fall
    in the period unless `date_mode` asks for those certainly within it.

    `with_acts` also loads each shown event's acts and victims (for the API); read
    them through `act_summaries`, which leaves out what the role may not see.
    `many`: pass `not event_count(...).exact`, so a page of a long list stops early
    (when the offset is known, only for the first WALK_ROWS rows).
    """
    qs = _filter_events(_events_visible_to(user), user, filters, many=many)
    qs = qs.select_related("place", "border_section").prefetch_related("event_types")
    if with_acts:
        qs = qs.prefetch_related(_acts_prefetch())
    return qs.order_by("-date_earliest", "-created_at")


COUNT_CAP = 1_000
# Walking events newest first (`many=True`) pays off for the first rows of a long list;
# deeper, looking the matches up by key is cheaper (and does not grow with the offset).
WALK_ROWS = 250


@dataclass(frozen=True)
class ListCount:
    """How many rows a list holds: exact, or "more than `value`"."""

    value: int
    exact: bool


def event_count(user: User, filters: EventFilters = EventFilters()) -> ListCount:
    """How many events `event_list` finds, exactly when that is cheap.

    Filters on the event's own columns are counted from an index.  Filters that look
    into acts, victims, types or sources must check every candidate event, which on
    SQLite with 100,000 events costs more than the page itself; there those are
    counted up to COUNT_CAP and then reported as "more than COUNT_CAP" (narrow the
    filters, or use the figures pages for totals).
    """
    events = _filter_events(_events_visible_to(user), user, filters).order_by()
    through_people = filters.nationality and not (filters.vulnerability or filters.victim_name)
    if not filters.looks_beyond_the_event or (
        # told LIMIT, PostgreSQL joins acts to people along the keys to start fast,
        # which reads far more than counting them all with hash joins (measured 3x)
        connection.vendor == "postgresql" and through_people
    ):
        return ListCount(events.count(), True)
    if filters.vulnerability:
        # "More than COUNT_CAP" needs no more proof than that many events with unnamed
        # groups so flagged: read from one index, where the people's flags take a
        # lookup of acts per person (thousands for "child").
        groups = _filter_events(_events_visible_to(user), user, filters, groups_only=True)
        if groups.order_by()[: COUNT_CAP + 1].count() > COUNT_CAP:
            return ListCount(COUNT_CAP, False)
    n = events[: COUNT_CAP + 1].count()
    return ListCount(min(n, COUNT_CAP), n <= COUNT_CAP)


@dataclass(frozen=True)
class VictimSummary:
    """A named victim as the lists show it: by code, never by name."""

    code: str | None  # None for a role that may not open people
    nationality: str | None
    sex: str


@dataclass(frozen=True)
class GroupSummary:
    """Unnamed victims: how many, and who among them."""

    count: int | None
    women: int | None
    men: int | None
    children: int | None
    vulnerabilities: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ActSummary:
    violation_type: str
    perpetrator: str
    victim: VictimSummary | None
    group: GroupSummary | None


def act_summaries(user: User, event: Event) -> list[ActSummary]:
    """An event's acts (loaded by `event_list(with_acts=True)` or `access_event`)."""
    _require(user, "events.view")
    show_codes = user.can("persons.view")
    out = []
    for a in event.acts.all():
        victim = group = None
        if a.victim_id is not None:
            p = a.victim
            victim = VictimSummary(
                code=p.code if show_codes else None,
                nationality=p.nationality.code if p.nationality_id else None,
                sex=p.sex,
            )
        else:
            group = GroupSummary(
                count=a.victim_group_count,
                women=a.victim_group_women,
                men=a.victim_group_men,
                children=a.victim_group_children,
                vulnerabilities=list(a.victim_group_vulnerabilities or []),
            )
        out.append(ActSummary(a.violation_type.code, a.perpetrator.code, victim, group))
    return out


@dataclass(frozen=True)
class EventSummary:
    """An event with its acts, as the API shows it (victims by code, never by name)."""

    code: str
    date: FuzzyDate
    title: str
    place: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    side: str
    border_section: str | None
    event_types: list[str]
    description: str
    group_size: int | None
    women: int | None
    men: int | None
    children: int | None
    acts: list[ActSummary]


def event_summary(user: User, event: Event) -> EventSummary:
    """One event loaded by `access_event`, in the shape `event_summaries` gives a page."""
    return EventSummary(
        code=event.code,
        date=event.date,
        title=event.title,
        place=event.place.code if event.place_id else None,
        latitude=event.latitude,
        longitude=event.longitude,
        side=event.side,
        border_section=event.border_section.code if event.border_section_id else None,
        event_types=[t.code for t in event.event_types.all()],
        description=event.description or "",
        group_size=event.group_size,
        women=event.women_count,
        men=event.men_count,
        children=event.children_count,
        acts=act_summaries(user, event),
    )


_SUMMARY_COLUMNS = (
    "pk",
    "code",
    "date_earliest",
    "date_latest",
    "date_precision",
    "date_approximate",
    "title",
    "place__code",
    "latitude",
    "longitude",
    "side",
    "border_section__code",
    "description",
    "group_size",
    "women_count",
    "men_count",
    "children_count",
)
_ACT_COLUMNS = (
    "event_id",
    "violation_type__code",
    "perpetrator__code",
    "victim_id",
    "victim__code",
    "victim__nationality__code",
    "victim__sex",
    "victim_group_count",
    "victim_group_women",
    "victim_group_men",
    "victim_group_children",
    "victim_group_vulnerabilities",
)


def event_summaries(
    user: User,
    filters: EventFilters = EventFilters(),
    *,
    offset: int = 0,
    limit: int = 50,
    many: bool = False,
) -> list[EventSummary]:
    """One page of `event_list` with each event's types and acts, read as plain rows.

    The same page through model objects (events, places, acts, violation types,
    perpetrators, victims, nationalities: ~1,000 objects for 50 events) cost more
    than finding the events.  Three queries: the page, its types, its acts.  The
    description is opened only where there is one; victims' notes are never read.
    """
    qs = _filter_events(_events_visible_to(user), user, filters, many=many)
    rows = list(
        qs.order_by("-date_earliest", "-created_at").values_list(*_SUMMARY_COLUMNS)[
            offset : offset + limit
        ]
    )
    if not rows:
        return []
    ids = [r[0] for r in rows]
    types: dict = {pk: [] for pk in ids}
    type_order = [f"eventtype__{f}" for f in EventType._meta.ordering]
    links = Event.event_types.through.objects.filter(event_id__in=ids).order_by(*type_order)
    for event_id, code in links.values_list("event_id", "eventtype__code"):
        types[event_id].append(code)
    acts: dict = {pk: [] for pk in ids}
    show_codes = user.can("persons.view")
    act_rows = Act.objects.filter(event_id__in=ids).order_by("created_at")
    for (
        event_id,
        violation,
        perpetrator,
        victim_id,
        victim_code,
        nationality,
        sex,
        *group,
    ) in act_rows.values_list(*_ACT_COLUMNS):
        victim = grouped = None
        if victim_id is not None:
            victim = VictimSummary(victim_code if show_codes else None, nationality, sex)
        else:
            count, women, men, children, vulnerabilities = group
            grouped = GroupSummary(count, women, men, children, list(vulnerabilities or []))
        acts[event_id].append(ActSummary(violation, perpetrator, victim, grouped))
    description = Event._meta.get_field("description")
    return [
        EventSummary(
            code=code,
            date=FuzzyDate.from_stored(earliest, latest, precision, approximate),
            title=title,
            place=place,
            latitude=latitude,
            longitude=longitude,
            side=side,
            border_section=section,
            event_types=types[pk],
            description=(description.open(Event(pk=pk, code=code), sealed.blob) if sealed else ""),
            group_size=group_size,
            women=women,
            men=men,
            children=children,
            acts=acts[pk],
        )
        for (
            pk,
            code,
            earliest,
            latest,
            precision,
            approximate,
            title,
            place,
            latitude,
            longitude,
            side,
            section,
            sealed,
            group_size,
            women,
            men,
            children,
        ) in rows
    ]


# -- events on a map ---------------------------------------------------------------


@dataclass(frozen=True)
class MapPoint:
    """What a map marker may tell: no description, no names."""

    code: str
    date: FuzzyDate
    types: list[str]
    side: str
    latitude: Decimal
    longitude: Decimal


@dataclass(frozen=True)
class MapPoints:
    points: list[MapPoint]
    total: int  # events matching the filters
    located: int  # of them with coordinates

    @property
    def truncated(self) -> bool:
        return len(self.points) < self.located


def event_map_points(user: User, filters: EventFilters, limit: int = 10_000) -> MapPoints:
    """Matching events with coordinates, newest first, at most `limit` of them."""
    qs = _filter_events(_events_visible_to(user), user, filters)
    counts = qs.aggregate(total=Count("pk"), located=Count("pk", filter=Q(latitude__isnull=False)))
    rows = list(
        qs.filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("-date_earliest", "-created_at")
        .values_list(
            "pk",
            "code",
            "date_earliest",
            "date_latest",
            "date_precision",
            "date_approximate",
            "side",
            "latitude",
            "longitude",
        )[:limit]
    )
    types: dict = {}
    link = Event.event_types.through
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 500):  # bounded IN lists on every database
        chunk = link.objects.filter(event_id__in=ids[start : start + 500])
        for event_id, code in chunk.values_list("event_id", "eventtype__code"):
            types.setdefault(event_id, []).append(code)
    points = [
        MapPoint(
            code=code,
            date=FuzzyDate(earliest, latest, precision, approximate),
            types=sorted(types.get(pk, [])),
            side=side,
            latitude=lat,
            longitude=lon,
        )
        for pk, code, earliest, latest, precision, approximate, side, lat, lon in rows
    ]
    return MapPoints(points, counts["total"], counts["located"])


# -- sources -----------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFilters:
    kind: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None


def sources_of(
    user: User, *, person: Person | None = None, event: Event | None = None
) -> QuerySet[Source]:
    """The sources naming a person or telling of an event that the user may see
    (restricted ones only for their team); none without `sources.view`."""
    if not (user and user.is_authenticated and user.can("sources.view")):
        return Source.objects.none()
    qs = _sources_visible_to(user)
    if person is not None:
        qs = qs.filter(persons=person)
    if event is not None:
        qs = qs.filter(events=event)
    return qs


def source_list(user: User, filters: SourceFilters = SourceFilters()) -> QuerySet[Source]:
    qs = _sources_visible_to(user).select_related("interviewer", "team")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.received_from:
        qs = qs.filter(received_on__gte=filters.received_from)
    if filters.received_to:
        qs = qs.filter(received_on__lte=filters.received_to)
    return qs.order_by("-received_on", "-created_at")


# -- a person's timeline -----------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One dated thing in a person's story; `summary` carries no name."""

    date: FuzzyDate
    kind: str
    code: str
    summary: str


TimelineProvider = Callable[[Person], Iterable[TimelineEntry]]


@dataclass(frozen=True)
class _Provider:
    kind: str
    capability: str
    entries: TimelineProvider


_TIMELINE_PROVIDERS: list[_Provider] = []


def timeline_provider(kind: str, capability: str) -> Callable[[TimelineProvider], TimelineProvider]:
    """Register where entries of one kind come from, and who may see them.

    Later record kinds (missing-person reports, detentions) add a provider in their
    own app (imported from its `AppConfig.ready`), without touching this module:

        @timeline_provider("detention", "detentions.view")
        def _detentions(person): ...
    """

    def register(func: TimelineProvider) -> TimelineProvider:
        _TIMELINE_PROVIDERS[:] = [p for p in _TIMELINE_PROVIDERS if p.kind != kind]
        _TIMELINE_PROVIDERS.append(_Provider(kind, capability, func))
        return func

    return register


def _sort_key(entry: TimelineEntry, order: dict[str, int]):
    # Earliest possible day first; among entries starting the same day, the more
    # precise ("15 March 2024") before the vaguer ("March 2024" ... wider range last).
    return (entry.date.earliest, entry.date.latest, order.get(entry.kind, 99), entry.code)


def person_timeline(user: User, code: str) -> tuple[Person, list[TimelineEntry]]:
    """Everything dated about one person, oldest first; each kind only for the roles
    that may see it."""
    person = access_person(user, code)
    order = {p.kind: i for i, p in enumerate(_TIMELINE_PROVIDERS)}
    entries = [
        entry
        for provider in _TIMELINE_PROVIDERS
        if user.can(provider.capability)
        for entry in provider.entries(person)
    ]
    entries = _need_to_know(user, entries)
    return person, sorted(entries, key=lambda e: _sort_key(e, order))


# the record type behind each timeline kind that need-to-know may hide
_TIMELINE_MODELS = {
    "event": "records.Event",
    "source": "records.Source",
    "case": "tracing.TracingCase",
    "missing_report": "tracing.MissingPersonReport",
    "detention": "tracing.Detention",
}


def _need_to_know(user: User, entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """Drop the entries of restricted records the user is not assigned to."""
    if need_to_know.sees_everything(user):
        return entries
    hidden: set[tuple[str, str]] = set()
    for kind, label in _TIMELINE_MODELS.items():
        codes = {e.code for e in entries if e.kind == kind}
        if not codes:
            continue
        base = apps.get_model(label).objects.filter(code__in=codes)
        seen = need_to_know.restrict_to_assigned(base, user).values("pk")
        hidden |= {(kind, c) for c in base.exclude(pk__in=seen).values_list("code", flat=True)}
    return [e for e in entries if (e.kind, e.code) not in hidden]


def _day(date: dt.date) -> FuzzyDate:
    return FuzzyDate(date, date, DAY)


@timeline_provider("record", "persons.view")
def _record_entries(person: Person) -> Iterable[TimelineEntry]:
    yield TimelineEntry(
        _day(timezone.localdate(person.created_at)),
        "record",
        person.code,
        gettext("record opened"),
    )


@timeline_provider("event", "events.view")
def _event_entries(person: Person) -> Iterable[TimelineEntry]:
    acts = (
        Act.objects.filter(victim=person)
        .select_related("event__place", "violation_type", "perpetrator")
        .defer("notes", "event__description")
        .order_by("event__date_earliest", "created_at")
    )
    by_event: dict[str, tuple[Event, list[str]]] = {}
    for a in acts:
        _, violations = by_event.setdefault(a.event.code, (a.event, []))
        violations.append(
            gettext("%(violation)s by %(perpetrator)s")
            % {"violation": a.violation_type, "perpetrator": a.perpetrator}
        )
    for event_code, (event, violations) in by_event.items():
        where = event.place.display_name if event.place_id else event.get_side_display()
        what = "; ".join(violations)
        summary = f"{what} — {event.title}" if event.title else f"{what} — {where}"
        yield TimelineEntry(event.date, "event", event_code, summary)


@timeline_provider("source", "sources.view")
def _source_entries(person: Person) -> Iterable[TimelineEntry]:
    for s in person.sources.defer("testimony").order_by("received_on"):
        reliability = str(s.get_reliability_display()).partition(":")[0]
        summary = gettext("%(kind)s, reliability %(reliability)s") % {
            "kind": s.get_kind_display(),
            "reliability": reliability,
        }
        yield TimelineEntry(_day(s.received_on), "source", s.code, summary)


# -- dashboard ---------------------------------------------------------------------


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
