"""/api/v1/persons, /events, /sources: thin handlers over records.services and selectors."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.responses import Response

from bordermonitor.accounts.models import User
from bordermonitor.api.common import Pagination, requires, restriction_out
from bordermonitor.api.schemas import (
    Code,
    ConsentIn,
    DateMode,
    EventIn,
    EventOut,
    EventPatch,
    NameIn,
    PagedEventOut,
    PersonIn,
    PersonOut,
    PersonPatch,
    ShortText,
    SourceIn,
    SourceOut,
    SourcePatch,
    TimelineOut,
    _fuzzy,
)
from bordermonitor.records import selectors, services
from bordermonitor.records.models import Person, Source

router = Router()


# -- persons -------------------------------------------------------------------


def person_out(p: Person) -> dict:
    birth = p.birth
    return {
        "code": p.code,
        "names": [
            {
                "full_name": v.full_name,
                "script": v.script,
                "written_by": v.written_by,
                "is_primary": v.is_primary,
            }
            for v in p.name_variants.all()
        ],
        "sex": p.sex,
        "birth": str(birth) if birth else None,
        "birth_earliest": p.birth_earliest,
        "birth_latest": p.birth_latest,
        "estimated_age": p.estimated_age,
        "nationality": p.nationality.code if p.nationality else None,
        "languages": p.languages,
        "vulnerabilities": p.vulnerabilities,
        "notes": p.notes or "",
        "created_at": p.created_at,
    }


def _names(names: list[NameIn]) -> list[services.NameInput]:
    return [services.NameInput(n.full_name, n.written_by, n.script, n.is_primary) for n in names]


class PersonQuery(Schema):
    name: ShortText = ""
    nationality: Code = ""
    sex: Code = ""
    vulnerability: Code = ""


@router.get("/persons", response=list[PersonOut], tags=["persons"])
@requires("persons.view")
@paginate(Pagination)
def list_persons(request: HttpRequest, filters: Query[PersonQuery]):
    qs = selectors.person_list(request.auth, selectors.PersonFilters(**filters.dict()))
    return _LazyMap(qs, person_out)


class _LazyMap:
    """Paginate the queryset in the database, then convert only the page."""

    def __init__(self, queryset, convert):
        self.queryset, self.convert = queryset, convert

    def __getitem__(self, item):
        return [self.convert(o) for o in self.queryset[item]]

    def count(self):
        return self.queryset.count()

    def __len__(self):
        return self.count()


@router.post("/persons", response={201: PersonOut}, tags=["persons"])
@requires("persons.edit")
def create_person(request: HttpRequest, payload: PersonIn):
    person = services.person_create(
        names=_names(payload.names),
        created_by=request.auth,
        sex=payload.sex,
        birth=_fuzzy(payload.birth),
        estimated_age=payload.estimated_age,
        nationality=payload.nationality,
        languages=payload.languages,
        vulnerabilities=payload.vulnerabilities,
        notes=payload.notes,
    )
    return Status(201, person_out(selectors.access_person(request.auth, person.code)))


@router.get("/persons/{code}", response=PersonOut, tags=["persons"])
@requires("persons.view")
def read_person(request: HttpRequest, code: Code):
    return person_out(selectors.access_person(request.auth, code))


@router.get("/persons/{code}/timeline", response=TimelineOut, tags=["persons"])
@requires("persons.view")
def read_person_timeline(request: HttpRequest, code: Code):
    """Every event, source and record about one person, oldest first (by the earliest
    day each date may mean)."""
    person, entries = selectors.person_timeline(request.auth, code)
    return {
        "code": person.code,
        "entries": [
            {
                "date": str(e.date),
                "date_earliest": e.date.earliest,
                "date_latest": e.date.latest,
                "date_precision": e.date.precision,
                "kind": e.kind,
                "code": e.code,
                "summary": e.summary,
            }
            for e in entries
        ],
    }


@router.patch("/persons/{code}", response=PersonOut, tags=["persons"])
@requires("persons.edit")
def update_person(request: HttpRequest, code: Code, payload: PersonPatch):
    person = selectors.access_person(request.auth, code, for_edit=True)
    given = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in given.items() if k not in {"names", "birth"}}
    if "names" in given:
        if payload.names is None:
            raise ValidationError({"names": "at least one spelling of the name is required"})
        changes["names"] = _names(payload.names)
    if "birth" in given:
        changes["birth"] = _fuzzy(payload.birth)
    for key in ("sex", "languages", "vulnerabilities", "notes"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "may not be null"})
    services.person_update(person=person, **changes)
    return person_out(selectors.access_person(request.auth, code))


# -- events --------------------------------------------------------------------


def _act_out(a: selectors.ActSummary) -> dict:
    return {
        "violation_type": a.violation_type,
        "perpetrator": a.perpetrator,
        "victim": None
        if a.victim is None
        else {"code": a.victim.code, "nationality": a.victim.nationality, "sex": a.victim.sex},
        "victim_group": None
        if a.group is None
        else {
            "count": a.group.count,
            "women": a.group.women,
            "men": a.group.men,
            "children": a.group.children,
            "vulnerabilities": a.group.vulnerabilities,
        },
    }


def event_out(e: selectors.EventSummary) -> dict:
    """The documented `EventOut` shape, for one event or a page of them."""
    return {
        "code": e.code,
        "date": str(e.date),
        "date_earliest": e.date.earliest,
        "date_latest": e.date.latest,
        "date_precision": e.date.precision,
        "title": e.title,
        "place": e.place,
        "latitude": e.latitude,
        "longitude": e.longitude,
        "side": e.side,
        "border_section": e.border_section,
        "event_types": e.event_types,
        "description": e.description,
        "counts": {
            "group_size": e.group_size,
            "women": e.women,
            "men": e.men,
            "children": e.children,
        },
        "acts": [_act_out(a) for a in e.acts],
    }


def _event_read(user: User, code: str) -> dict:
    return event_out(selectors.event_summary(user, selectors.access_event(user, code)))


class EventQuery(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    date_mode: DateMode = Field(
        "overlap",
        description="overlap: events that may fall in the period (a 'March 2024' event "
        "is in 10–12 March); within: only events certainly inside it",
    )
    place: Code = ""
    border_section: Code = ""
    side: ShortText = ""
    event_type: Code = ""
    violation_type: Code = ""
    perpetrator: Code = ""
    nationality: Code = Field("", description="victims' nationality, ISO 3166-1 alpha-3")
    vulnerability: Code = Field("", description="a victim's or victim group's vulnerability")
    source_kind: Code = Field("", description="events with at least one source of this kind")
    victim_name: ShortText = Field("", description="a victim's name (exact words, any script)")


def _event_kwargs(data: dict) -> dict:
    counts = data.get("counts") or {}
    return {
        "date": _fuzzy(data["date"]),
        "title": data.get("title") or "",
        "place": data.get("place"),
        "latitude": data.get("latitude"),
        "longitude": data.get("longitude"),
        "side": data.get("side"),
        "border_section": data.get("border_section"),
        "event_types": data.get("event_types") or [],
        "description": data.get("description") or "",
        "counts": services.GroupCounts(
            group_size=counts.get("group_size"),
            women=counts.get("women"),
            men=counts.get("men"),
            children=counts.get("children"),
        ),
    }


@router.get("/events", response=PagedEventOut, tags=["events"])
@requires("events.view")
def list_events(
    request: HttpRequest, filters: Query[EventQuery], page: Query[Pagination.Input]
) -> HttpResponse:
    """Events newest first, counted the way the web list counts them."""
    # Built as plain data in the documented `PagedEventOut` shape and sent as is:
    # letting ninja validate a page of nested events again cost more than finding them
    # (tests/api/test_api.py checks the body is what that schema would make of it).
    user, wanted = request.auth, selectors.EventFilters(**filters.dict())
    counted = selectors.event_count(user, wanted)  # first: it decides how to find the page
    shallow = page.offset + page.limit <= selectors.WALK_ROWS
    events = selectors.event_summaries(
        user, wanted, offset=page.offset, limit=page.limit, many=shallow and not counted.exact
    )
    body = {
        "items": [event_out(e) for e in events],
        "count": counted.value,
        "count_exact": counted.exact,
    }
    return Response(body, content_type="application/json; charset=utf-8")


@router.post("/events", response={201: EventOut}, tags=["events"])
@requires("events.edit")
def create_event(request: HttpRequest, payload: EventIn):
    event = services.event_create(created_by=request.auth, **_event_kwargs(payload.dict()))
    return Status(201, _event_read(request.auth, event.code))


@router.get("/events/{code}", response=EventOut, tags=["events"])
@requires("events.view")
def read_event(request: HttpRequest, code: Code):
    return _event_read(request.auth, code)


@router.patch("/events/{code}", response=EventOut, tags=["events"])
@requires("events.edit")
def update_event(request: HttpRequest, code: Code, payload: EventPatch):
    event = selectors.access_event(request.auth, code, for_edit=True)
    current = event_out(selectors.event_summary(request.auth, event))
    current["date"] = event.date.as_input()
    given = payload.dict(exclude_unset=True)
    if given.get("counts") is not None:  # a partial `counts` changes only what it names
        given["counts"] = {**current["counts"], **given["counts"]}
    current.update(given)
    if current.get("date") is None:
        raise ValidationError({"date": "a date (or at least a year) is required"})
    services.event_update(event=event, **_event_kwargs(current))
    return _event_read(request.auth, code)


# -- sources -------------------------------------------------------------------


def source_out(s: Source) -> dict:
    return {
        "code": s.code,
        "kind": s.kind,
        "received_on": s.received_on,
        "reliability": s.reliability,
        "language": s.language,
        "interpreter_used": s.interpreter_used,
        "consent": {
            "quote": s.consent_quote,
            "share_un": s.consent_share_un,
            "publish_anonymously": s.consent_publish_anonymously,
            "internal_only": s.internal_only,
        },
        "testimony": s.testimony or "",
        "events": [e.code for e in s.events.all()],
        "persons": [p.code for p in s.persons.all()],
        **restriction_out(s),
    }


class SourceQuery(Schema):
    kind: Code = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None


def _linked(request, events: list[str] | None, persons: list[str] | None):
    """Resolve linked codes through the access helpers: an invisible record is unknown."""
    errors = {}
    found_events, found_persons = None, None
    if events is not None:
        found_events = []
        for code in events:
            try:
                found_events.append(selectors.access_event(request.auth, code))
            except Exception:  # noqa: BLE001 - Http404: unknown or not visible
                errors["events"] = f"unknown event {code!r}"
    if persons is not None:
        found_persons = []
        for code in persons:
            try:
                found_persons.append(selectors.access_person(request.auth, code))
            except Exception:  # noqa: BLE001
                errors["persons"] = f"unknown person {code!r}"
    if errors:
        raise ValidationError(errors)
    return found_events, found_persons


def _consent(c: ConsentIn | dict) -> services.Consent:
    c = c if isinstance(c, dict) else c.dict()
    return services.Consent(
        quote=c["quote"],
        share_un=c["share_un"],
        publish_anonymously=c["publish_anonymously"],
        internal_only=c["internal_only"],
    )


@router.get("/sources", response=list[SourceOut], tags=["sources"])
@requires("sources.view")
@paginate(Pagination)
def list_sources(request: HttpRequest, filters: Query[SourceQuery]):
    qs = selectors.source_list(request.auth, selectors.SourceFilters(**filters.dict()))
    return _LazyMap(qs.prefetch_related("events", "persons"), source_out)


@router.post("/sources", response={201: SourceOut}, tags=["sources"])
@requires("sources.edit")
def create_source(request: HttpRequest, payload: SourceIn):
    with transaction.atomic():
        events, persons = _linked(request, payload.events, payload.persons)
        source = services.source_create(
            kind=payload.kind,
            received_on=payload.received_on,
            created_by=request.auth,
            reliability=payload.reliability,
            language=payload.language,
            interpreter_used=payload.interpreter_used,
            consent=_consent(payload.consent),
            testimony=payload.testimony,
            events=events,
            persons=persons,
        )
    return Status(201, source_out(selectors.access_source(request.auth, source.code)))


@router.get("/sources/{code}", response=SourceOut, tags=["sources"])
@requires("sources.view")
def read_source(request: HttpRequest, code: Code):
    return source_out(selectors.access_source(request.auth, code))


@router.patch("/sources/{code}", response=SourceOut, tags=["sources"])
@requires("sources.edit")
def update_source(request: HttpRequest, code: Code, payload: SourcePatch):
    source = selectors.access_source(request.auth, code, for_edit=True)
    data = source_out(source)
    given = payload.dict(exclude_unset=True)
    for key, value in given.items():
        if value is None and key not in {"events", "persons"}:
            raise ValidationError({key: "may not be null"})
    if "consent" in given:  # a partial `consent` changes only what it names
        given["consent"] = {**data["consent"], **given["consent"]}
    data.update(given)
    events, persons = _linked(request, given.get("events"), given.get("persons"))
    services.source_update(
        source=source,
        kind=data["kind"],
        received_on=data["received_on"],
        reliability=data["reliability"],
        language=data["language"],
        interpreter_used=data["interpreter_used"],
        consent=_consent(data["consent"]),
        testimony=data["testimony"],
        events=events,
        persons=persons,
    )
    return source_out(selectors.access_source(request.auth, code))
