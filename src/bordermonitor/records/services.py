"""Writes on people, events, acts and sources: the one write path for each model.

Every function is `<entity>_<verb>` with keyword-only arguments, validates
everything before it writes, raises `ValidationError` keyed by field name, and
runs in one transaction, so a refused write changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from bordermonitor.accounts import need_to_know
from bordermonitor.accounts.models import User
from bordermonitor.core.blind_index import name_digests
from bordermonitor.core.codes import next_code, today
from bordermonitor.core.crypto import create_data_key, key_cache
from bordermonitor.core.dates import FuzzyDate, FuzzyDateError, parse_fuzzy_date
from bordermonitor.core.models import (
    SIDE_CHOICES,
    BorderSection,
    DataKey,
    EventType,
    Nationality,
    Perpetrator,
    Place,
    ViolationType,
)
from bordermonitor.core.scripts import detect_script
from bordermonitor.records.models import (
    IDENTITY_DOCUMENTS,
    ITEM_CHOICES,
    ITEM_FATE_CHOICES,
    LANGUAGE_CODES,
    RELIABILITY_CHOICES,
    SCRIPT_CHOICES,
    SEX_CHOICES,
    SOURCE_KIND_CHOICES,
    VULNERABILITY_CODES,
    WRITTEN_BY_CHOICES,
    Act,
    ConfiscatedItem,
    Draft,
    Event,
    NameToken,
    NameVariant,
    Person,
    Source,
    SourceEvent,
    TestimonyTranslation,
)

_UNSET = object()
MAX_NAME_LENGTH = 300
MAX_TEXT_LENGTH = 200_000


@dataclass(frozen=True)
class NameInput:
    """One spelling of a name as typed, with who wrote it; script detected when omitted."""

    full_name: str
    written_by: str = "relative"
    script: str = ""
    is_primary: bool = False


def _choice(errors: dict, field: str, value: str, choices: Sequence[tuple[str, str]]) -> None:
    allowed = [c for c, _ in choices]
    if value not in allowed:
        errors[field] = gettext("%(value)s is not one of: %(allowed)s") % {
            "value": repr(value),
            "allowed": ", ".join(allowed),
        }


def _codes_in(errors: dict, field: str, values: Iterable[str], allowed: Sequence[str]) -> list:
    values = list(values or [])
    bad = [v for v in values if v not in allowed]
    if bad:
        errors[field] = gettext("unknown value(s) %(values)s") % {
            "values": ", ".join(map(repr, bad))
        }
    return sorted(set(values), key=values.index)


def _lookup(errors: dict, field: str, model, code: str | None, key: str = "code"):
    if code in (None, ""):
        return None
    obj = model.objects.filter(**{key: code}).first()
    if obj is None:
        errors[field] = gettext("unknown %(what)s %(code)s") % {
            "what": model._meta.verbose_name,
            "code": repr(code),
        }
    return obj


def _text(errors: dict, field: str, value: str | None, limit: int = MAX_TEXT_LENGTH) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors[field] = gettext("at most %(limit)s characters") % {"limit": limit}
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


# -- persons -----------------------------------------------------------------


def _check_names(errors: dict, names: Sequence[NameInput]) -> list[NameInput]:
    cleaned = []
    for i, n in enumerate(names):
        full = (n.full_name or "").strip()
        if not full:
            continue
        if len(full) > MAX_NAME_LENGTH:
            errors[f"names[{i}].full_name"] = gettext("at most %(limit)s characters") % {
                "limit": MAX_NAME_LENGTH
            }
        if n.written_by not in dict(WRITTEN_BY_CHOICES):
            errors[f"names[{i}].written_by"] = gettext("%(value)s is not a known writer") % {
                "value": repr(n.written_by)
            }
        script = n.script or detect_script(full)
        if script not in dict(SCRIPT_CHOICES):
            errors[f"names[{i}].script"] = gettext("%(value)s is not a known script") % {
                "value": repr(script)
            }
        cleaned.append(NameInput(full, n.written_by, script, n.is_primary))
    if not cleaned:
        errors["names"] = gettext("at least one spelling of the name is required")
    if cleaned and not any(n.is_primary for n in cleaned):
        cleaned[0] = NameInput(cleaned[0].full_name, cleaned[0].written_by, cleaned[0].script, True)
    return cleaned


def _check_birth(errors: dict, birth: FuzzyDate | None, estimated_age: int | None) -> None:
    if birth is not None and birth.earliest > today():
        errors["birth"] = gettext("a birth date cannot be in the future")
    if birth is not None and birth.latest.year < 1900:
        errors["birth"] = gettext("a birth date before 1900 is not plausible")
    if estimated_age is not None and not 0 <= estimated_age <= 120:
        errors["estimated_age"] = gettext("an age between 0 and 120")


def _write_names(person: Person, names: Sequence[NameInput]) -> None:
    person.name_variants.all().delete()  # tokens cascade
    for n in names:
        variant = NameVariant(
            person=person,
            full_name=n.full_name,
            script=n.script,
            written_by=n.written_by,
            is_primary=n.is_primary,
        )
        variant.save()
        NameToken.objects.bulk_create(
            NameToken(person=person, variant=variant, digest=d) for d in name_digests(n.full_name)
        )


@transaction.atomic
def person_create(
    *,
    names: Sequence[NameInput],
    created_by: User | None,
    sex: str = "u",
    birth: FuzzyDate | None = None,
    estimated_age: int | None = None,
    age_estimated_on: dt.date | None = None,
    nationality: str | None = None,
    languages: Sequence[str] = (),
    vulnerabilities: Sequence[str] = (),
    notes: str = "",
    code_year: int | None = None,
) -> Person:
    """Record a person with one or more spellings of the name."""
    errors: dict[str, str] = {}
    names = _check_names(errors, names)
    _choice(errors, "sex", sex, SEX_CHOICES)
    _check_birth(errors, birth, estimated_age)
    nat = _lookup(errors, "nationality", Nationality, nationality)
    languages = _codes_in(errors, "languages", languages, LANGUAGE_CODES)
    vulnerabilities = _codes_in(errors, "vulnerabilities", vulnerabilities, VULNERABILITY_CODES)
    notes = _text(errors, "notes", notes)
    _raise(errors)

    code = next_code(Person.CODE_PREFIX, code_year)
    person = Person(
        code=code,
        data_key=create_data_key(code),
        sex=sex,
        estimated_age=estimated_age,
        age_estimated_on=age_estimated_on or (today() if estimated_age is not None else None),
        nationality=nat,
        languages=languages,
        vulnerabilities=vulnerabilities,
        notes=notes,
        created_by=created_by,
    )
    _set_birth(person, birth)
    person.save()
    _write_names(person, names)
    return person


def _set_birth(person: Person, birth: FuzzyDate | None) -> None:
    person.birth_earliest = birth.earliest if birth else None
    person.birth_latest = birth.latest if birth else None
    person.birth_precision = birth.precision if birth else ""
    person.birth_approximate = birth.approximate if birth else False


@transaction.atomic
def person_update(
    *,
    person: Person,
    names=_UNSET,
    sex=_UNSET,
    birth=_UNSET,
    estimated_age=_UNSET,
    nationality=_UNSET,
    languages=_UNSET,
    vulnerabilities=_UNSET,
    notes=_UNSET,
) -> Person:
    """Change what is given; leave the rest as it was."""
    errors: dict[str, str] = {}
    if names is not _UNSET:
        names = _check_names(errors, names)
    if sex is not _UNSET:
        _choice(errors, "sex", sex, SEX_CHOICES)
    _check_birth(
        errors,
        None if birth is _UNSET else birth,
        None if estimated_age is _UNSET else estimated_age,
    )
    nat = _UNSET
    if nationality is not _UNSET:
        nat = _lookup(errors, "nationality", Nationality, nationality)
    if languages is not _UNSET:
        languages = _codes_in(errors, "languages", languages, LANGUAGE_CODES)
    if vulnerabilities is not _UNSET:
        vulnerabilities = _codes_in(errors, "vulnerabilities", vulnerabilities, VULNERABILITY_CODES)
    if notes is not _UNSET:
        notes = _text(errors, "notes", notes)
    _raise(errors)

    if sex is not _UNSET:
        person.sex = sex
    if birth is not _UNSET:
        _set_birth(person, birth)
    if estimated_age is not _UNSET:
        if estimated_age != person.estimated_age:
            person.age_estimated_on = today() if estimated_age is not None else None
        person.estimated_age = estimated_age
    if nat is not _UNSET:
        person.nationality = nat
    if languages is not _UNSET:
        person.languages = languages
    if vulnerabilities is not _UNSET:
        person.vulnerabilities = vulnerabilities
    if notes is not _UNSET:
        person.notes = notes
    person.save()
    if names is not _UNSET:
        _write_names(person, names)
    return person


# -- events ------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCounts:
    group_size: int | None = None
    women: int | None = None
    men: int | None = None
    children: int | None = None


def _check_counts(errors: dict, counts: GroupCounts) -> None:
    for field, value in (
        ("group_size", counts.group_size),
        ("women_count", counts.women),
        ("men_count", counts.men),
        ("children_count", counts.children),
    ):
        if value is not None and not 0 <= value <= 100_000:
            errors[field] = gettext("a count between 0 and 100000")
    if counts.group_size is not None and not errors:
        parts = sum(v or 0 for v in (counts.women, counts.men, counts.children))
        if parts > counts.group_size:
            errors["group_size"] = gettext(
                "the group has %(count)s people but women, men and children add up to %(parts)s"
            ) % {"count": counts.group_size, "parts": parts}


def _check_event_date(errors: dict, date: FuzzyDate | None) -> None:
    if date is None:
        errors["date"] = gettext("a date (or at least a year) is required")
    elif date.earliest > today():
        errors["date"] = gettext("%(date)s is in the future") % {"date": date}
    elif date.latest.year < 2000:
        errors["date"] = gettext("an event before 2000 is outside what this system records")


def _check_coordinates(errors: dict, lat: Decimal | None, lon: Decimal | None) -> None:
    if (lat is None) != (lon is None):
        errors["latitude" if lat is None else "longitude"] = gettext(
            "give both latitude and longitude"
        )
    if lat is not None and not -90 <= lat <= 90:
        errors["latitude"] = gettext("latitude between -90 and 90")
    if lon is not None and not -180 <= lon <= 180:
        errors["longitude"] = gettext("longitude between -180 and 180")


def _event_types(errors: dict, codes: Sequence[str]) -> list[EventType]:
    found = list(EventType.objects.filter(code__in=list(codes)))
    missing = set(codes) - {t.code for t in found}
    if missing:
        errors["event_types"] = gettext("unknown event type(s): %(codes)s") % {
            "codes": ", ".join(sorted(missing))
        }
    return found


@transaction.atomic
def event_create(
    *,
    date: FuzzyDate | None,
    created_by: User | None,
    title: str = "",
    place: str | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    side: str | None = None,
    border_section: str | None = None,
    event_types: Sequence[str] = (),
    description: str = "",
    counts: GroupCounts = GroupCounts(),
    code_year: int | None = None,
) -> Event:
    """Record an incident; place fills in side, section and coordinates left empty."""
    errors: dict[str, str] = {}
    _check_event_date(errors, date)
    title = _text(errors, "title", title, 200)
    place_obj = _lookup(errors, "place", Place, place)
    section = _lookup(errors, "border_section", BorderSection, border_section)
    if side is not None:
        _choice(errors, "side", side, SIDE_CHOICES)
    _check_coordinates(errors, latitude, longitude)
    types = _event_types(errors, event_types)
    description = _text(errors, "description", description)
    _check_counts(errors, counts)
    _raise(errors)

    code = next_code(Event.CODE_PREFIX, code_year or date.earliest.year)
    event = Event(code=code, data_key=create_data_key(code), created_by=created_by)
    _fill_event(
        event, date, title, place_obj, latitude, longitude, side, section, description, counts
    )
    event.save()
    event.event_types.set(types)
    return event


def _fill_event(
    event, date, title, place_obj, latitude, longitude, side, section, description, counts
):
    event.date_earliest, event.date_latest = date.earliest, date.latest
    event.date_precision, event.date_approximate = date.precision, date.approximate
    event.title = title
    event.place = place_obj
    if latitude is None and place_obj is not None:
        latitude, longitude = place_obj.latitude, place_obj.longitude
    event.latitude, event.longitude = latitude, longitude
    event.side = side or (place_obj.country if place_obj else "??")
    event.border_section = section or (place_obj.border_section if place_obj else None)
    event.description = description
    event.group_size = counts.group_size
    event.women_count, event.men_count = counts.women, counts.men
    event.children_count = counts.children


@transaction.atomic
def event_update(
    *,
    event: Event,
    date: FuzzyDate | None,
    title: str = "",
    place: str | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    side: str | None = None,
    border_section: str | None = None,
    event_types: Sequence[str] = (),
    description: str = "",
    counts: GroupCounts = GroupCounts(),
) -> Event:
    """Replace an event's details (the form and the API send the whole event)."""
    errors: dict[str, str] = {}
    _check_event_date(errors, date)
    title = _text(errors, "title", title, 200)
    place_obj = _lookup(errors, "place", Place, place)
    section = _lookup(errors, "border_section", BorderSection, border_section)
    if side is not None:
        _choice(errors, "side", side, SIDE_CHOICES)
    _check_coordinates(errors, latitude, longitude)
    types = _event_types(errors, event_types)
    description = _text(errors, "description", description)
    _check_counts(errors, counts)
    _raise(errors)
    _fill_event(
        event, date, title, place_obj, latitude, longitude, side, section, description, counts
    )
    event.save()
    event.event_types.set(types)
    return event


def _check_group(
    errors: dict,
    count: int | None,
    women: int | None,
    men: int | None,
    children: int | None,
    vulnerabilities: Sequence[str],
    prefix: str = "victim_group_",
) -> list[str]:
    """An unnamed group: the breakdown by sex and age cannot exceed the group."""
    for name, value in (("count", count), ("women", women), ("men", men), ("children", children)):
        if value is not None and not 0 <= value <= 100_000:
            errors[prefix + name] = gettext("a count between 0 and 100000")
    parts = sum(v or 0 for v in (women, men, children))
    if count is not None and parts > count and not errors:
        errors[prefix + "count"] = gettext(
            "the group has %(count)s people but women, men and children add up to %(parts)s"
        ) % {"count": count, "parts": parts}
    return _codes_in(errors, prefix + "vulnerabilities", vulnerabilities, VULNERABILITY_CODES)


@transaction.atomic
def act_create(
    *,
    event: Event,
    violation_type: str,
    perpetrator: str,
    victim: Person | None = None,
    victim_group_count: int | None = None,
    victim_group_women: int | None = None,
    victim_group_men: int | None = None,
    victim_group_children: int | None = None,
    victim_group_vulnerabilities: Sequence[str] = (),
    notes: str = "",
) -> Act:
    """Record one violation in an event, against a named person or an unnamed group
    ("group of 12, 3 women, 2 children"), counted by sex and age group."""
    errors: dict[str, str] = {}
    vt = _lookup(errors, "violation_type", ViolationType, violation_type)
    perp = _lookup(errors, "perpetrator", Perpetrator, perpetrator)
    if vt is None and "violation_type" not in errors:
        errors["violation_type"] = gettext("a violation type is required")
    if perp is None and "perpetrator" not in errors:
        errors["perpetrator"] = gettext("a perpetrator is required (use 'unknown' when not known)")
    if victim is None and not victim_group_count:
        errors["victim"] = gettext("name a victim or give the number of unnamed victims")
    vulnerabilities: list[str] = []
    if victim is None:
        vulnerabilities = _check_group(
            errors,
            victim_group_count,
            victim_group_women,
            victim_group_men,
            victim_group_children,
            victim_group_vulnerabilities,
        )
    notes = _text(errors, "notes", notes)
    _raise(errors)
    group = victim is None
    act = Act(
        event=event,
        victim=victim,
        victim_group_count=victim_group_count if group else None,
        victim_group_women=victim_group_women if group else None,
        victim_group_men=victim_group_men if group else None,
        victim_group_children=victim_group_children if group else None,
        victim_group_vulnerabilities=vulnerabilities,
        violation_type=vt,
        perpetrator=perp,
        notes=notes,
    )
    act.save()
    return act


# -- confiscated and destroyed items -----------------------------------------

# Violation types whose act records what was taken or destroyed.
ITEM_VIOLATIONS = frozenset(
    {
        "document-confiscation",
        "document-destruction",
        "phone-confiscation",
        "phone-destruction",
        "theft-extortion",
    }
)
MAX_ITEMS_PER_ACT = 20


@dataclass(frozen=True)
class ItemInput:
    """One kind of item taken or destroyed, and what became of it."""

    item: str
    fate: str = "unknown"
    quantity: int = 1


class _Suggest:
    def __repr__(self) -> str:
        return "SUGGEST_FROM_ITEMS"


# Pass as `left_without_identity_document` to derive the answer from the items.
SUGGEST_FROM_ITEMS: Any = _Suggest()


def suggest_without_identity_document(items: Iterable[ItemInput]) -> bool | None:
    """An identity document kept or destroyed suggests the person is now without one;
    identity documents all returned suggest not; anything else says nothing."""
    documents = [i for i in items if i.item in IDENTITY_DOCUMENTS]
    if any(i.fate in ("kept", "destroyed") for i in documents):
        return True
    if documents and all(i.fate == "returned" for i in documents):
        return False
    return None


def _check_items(
    errors: dict, violation_type: str | None, items: Sequence[ItemInput], left: Any
) -> list[ItemInput]:
    items = list(items)
    takes_items = violation_type in ITEM_VIOLATIONS
    if items and not takes_items:
        errors["items"] = gettext(
            "items are recorded only for a confiscation, destruction or theft; "
            "choose such a violation type or remove the items"
        )
    if left not in (SUGGEST_FROM_ITEMS, None) and not takes_items:
        errors["left_without_identity_document"] = gettext(
            "only asked after a confiscation, destruction or theft"
        )
    elif left not in (SUGGEST_FROM_ITEMS, None, True, False):
        errors["left_without_identity_document"] = gettext("yes, no or unknown")
    if len(items) > MAX_ITEMS_PER_ACT:
        errors["items"] = gettext("at most %(limit)s kinds of item per violation") % {
            "limit": MAX_ITEMS_PER_ACT
        }
    for r, it in enumerate(items):
        if it.item not in dict(ITEM_CHOICES):
            errors[f"items[{r}].item"] = gettext("%(value)s is not a known item") % {
                "value": repr(it.item)
            }
        if it.fate not in dict(ITEM_FATE_CHOICES):
            errors[f"items[{r}].fate"] = gettext(
                "%(value)s: kept, destroyed, returned or unknown"
            ) % {"value": repr(it.fate)}
        if not isinstance(it.quantity, int) or not 1 <= it.quantity <= 10_000:
            errors[f"items[{r}].quantity"] = gettext("a quantity between 1 and 10000")
    return items


@transaction.atomic
def act_items_set(
    *,
    act: Act,
    items: Sequence[ItemInput],
    left_without_identity_document: Any = SUGGEST_FROM_ITEMS,
) -> list[ConfiscatedItem]:
    """Replace what was taken or destroyed in a confiscation act, and record whether
    the person is now without any identity document (suggested from the items unless
    given: an identity document kept or destroyed means yes)."""
    errors: dict[str, str] = {}
    items = _check_items(errors, act.violation_type.code, items, left_without_identity_document)
    _raise(errors)
    act.items.all().delete()
    created = ConfiscatedItem.objects.bulk_create(
        ConfiscatedItem(act=act, item=i.item, fate=i.fate, quantity=i.quantity) for i in items
    )
    left = left_without_identity_document
    if left is SUGGEST_FROM_ITEMS:
        left = suggest_without_identity_document(items)
    act.left_without_identity_document = left
    act.save(update_fields=["left_without_identity_document"])
    return created


# -- stories: events chained in order ----------------------------------------


@dataclass(frozen=True)
class _ChainProblem:
    index: int
    field: str  # "existing" (a link elsewhere) or "date" (out of order)
    message: str


def _chain_problems(
    events: Sequence[Event | None], dates: Sequence[FuzzyDate | None]
) -> list[_ChainProblem]:
    """Why these events cannot be one story in this order; `None` is an event not yet
    recorded (it has no links).  Links among the listed events are replaced; links to
    events outside the list must fit: only the first may have a previous event and only
    the last a next one, and the result must not loop back on itself."""
    problems: list[_ChainProblem] = []
    seen: dict = {}
    for i, e in enumerate(events):
        if e is None:
            continue
        if e.pk in seen:
            problems.append(
                _ChainProblem(
                    i,
                    "existing",
                    gettext("%(code)s appears twice: a story cannot return to an event")
                    % {"code": e.code},
                )
            )
        seen[e.pk] = i
    for i in range(1, len(events)):
        a, b = dates[i - 1], dates[i]
        if a is not None and b is not None and b.latest < a.earliest:
            problems.append(
                _ChainProblem(
                    i,
                    "date",
                    gettext(
                        "this event (%(date)s) happened before the one above it (%(before)s): "
                        "put the events in the order they happened"
                    )
                    % {"date": b, "before": a},
                )
            )
    if problems:
        return problems
    last = len(events) - 1
    for i, e in enumerate(events):
        if e is None:
            continue
        if i > 0 and e.previous_event_id and e.previous_event_id not in seen:
            before = Event.objects.filter(pk=e.previous_event_id).values_list("code", flat=True)
            problems.append(
                _ChainProblem(
                    i,
                    "existing",
                    gettext("%(code)s already follows %(before)s in another story")
                    % {"code": e.code, "before": before.first()},
                )
            )
        if i < last:
            after = (
                Event.objects.filter(previous_event_id=e.pk)
                .exclude(pk__in=list(seen))
                .values_list("code", flat=True)
                .first()
            )
            if after:
                problems.append(
                    _ChainProblem(
                        i,
                        "existing",
                        gettext("%(code)s is already followed by %(after)s in another story")
                        % {"code": e.code, "after": after},
                    )
                )
    first = events[0]
    current = first.previous_event_id if first is not None else None
    if current in seen:  # a link among the listed events: replaced, not followed
        current = None
    walked: set = set()
    while current is not None and not problems:  # back from the first, outside the list
        if current in seen or current in walked:
            code = Event.objects.filter(pk=current).values_list("code", flat=True).first()
            problems.append(
                _ChainProblem(
                    0,
                    "existing",
                    gettext("this order would make the story loop back on itself through %(code)s")
                    % {"code": code},
                )
            )
            break
        walked.add(current)
        current = Event.objects.filter(pk=current).values_list("previous_event_id", flat=True)[0]
    return problems


def _write_chain(events: Sequence[Event]) -> None:
    ids = [e.pk for e in events]
    keep_first = events[0].previous_event_id not in ids
    # free the one-to-one slots before re-linking, so a re-ordering never collides
    for e in events[0 if not keep_first else 1 :]:
        if e.previous_event_id is not None:
            e.previous_event = None
            e.save(update_fields=["previous_event", "updated_at"])
    for before, e in zip(events, events[1:], strict=False):
        e.previous_event = before
        e.save(update_fields=["previous_event", "updated_at"])


@transaction.atomic
def event_chain_set(*, events: Sequence[Event]) -> list[Event]:
    """Order events into one story (Poland → Belarus → Poland → Russian border): each
    event's `previous_event` becomes the one before it.  Refuses repeats, loops, events
    out of date order, and links that would cut another story in two."""
    events = list(events)
    if len(events) < 2:
        raise ValidationError({"events": gettext("a story needs at least two events")})
    problems = _chain_problems(events, [e.date for e in events])
    if problems:
        raise ValidationError(
            {"events": [f"{events[p.index].code}: {p.message}" for p in problems]}
        )
    _write_chain(events)
    return events


# -- one incident, many sources ----------------------------------------------


@transaction.atomic
def source_event_link(*, source: Source, event: Event, account: str = "") -> SourceEvent:
    """Attach a source to an event it describes, with its own version of what happened;
    several witnesses of one incident share the event, so its people are counted once."""
    errors: dict[str, str] = {}
    account = _text(errors, "account", account)
    _raise(errors)
    link = SourceEvent.objects.filter(source=source, event=event).first()
    if link is None:
        link = SourceEvent(source=source, event=event)
    link.account = account
    link.save()
    return link


@transaction.atomic
def translation_create(
    *,
    source: Source,
    language: str,
    text: str,
    translator: User | None = None,
    translator_name: str = "",
) -> TestimonyTranslation:
    """Add a translation of a testimony, attributed to who made it (an account or a
    name); the original stays as it was told."""
    errors: dict[str, str] = {}
    if language not in LANGUAGE_CODES:
        errors["language"] = gettext("choose the language of the translation")
    text = _text(errors, "text", text)
    if not text and "text" not in errors:
        errors["text"] = gettext("the translation is empty")
    translator_name = _text(errors, "translator_name", translator_name, 200)
    if translator is None and not translator_name:
        errors["translator_name"] = gettext("say who translated it")
    _raise(errors)
    translation = TestimonyTranslation(
        source=source,
        language=language,
        text=text,
        translator=translator if not translator_name else None,
        translator_name=translator_name,
    )
    translation.save()
    return translation


# -- sources -----------------------------------------------------------------


@dataclass(frozen=True)
class Consent:
    quote: bool = False
    share_un: bool = False
    publish_anonymously: bool = False
    internal_only: bool = True


def _check_source(errors, kind, received_on, reliability, language, consent, testimony):
    _choice(errors, "kind", kind, SOURCE_KIND_CHOICES)
    _choice(errors, "reliability", reliability, RELIABILITY_CHOICES)
    if received_on is None:
        errors["received_on"] = gettext("the date the information was received is required")
    elif received_on > today():
        errors["received_on"] = gettext("%(date)s is in the future") % {
            "date": f"{received_on:%Y-%m-%d}"
        }
    elif received_on.year < 2000:
        errors["received_on"] = gettext("a date before 2000 is outside what this system records")
    if language and language not in LANGUAGE_CODES:
        errors["language"] = gettext("%(value)s is not a known language code") % {
            "value": repr(language)
        }
    if consent.internal_only and (consent.quote or consent.share_un or consent.publish_anonymously):
        errors["internal_only"] = gettext(
            "an internal-only source cannot also be quoted, shared or published"
        )
    return _text(errors, "testimony", testimony)


def _apply_source(
    source, kind, received_on, reliability, language, interpreter_used, consent, testimony
):
    source.kind, source.received_on, source.reliability = kind, received_on, reliability
    source.language, source.interpreter_used = language or "", interpreter_used
    source.consent_quote = consent.quote
    source.consent_share_un = consent.share_un
    source.consent_publish_anonymously = consent.publish_anonymously
    source.internal_only = consent.internal_only
    source.testimony = testimony


@transaction.atomic
def source_create(
    *,
    kind: str,
    received_on: dt.date | None,
    created_by: User | None,
    reliability: str = "unknown",
    language: str = "",
    interpreter_used: bool = False,
    interviewer: User | None = None,
    consent: Consent = Consent(),
    testimony: str = "",
    events: Sequence[Event] = (),
    persons: Sequence[Person] = (),
    code_year: int | None = None,
) -> Source:
    """Record where information came from, with the consent it was given under."""
    errors: dict[str, str] = {}
    testimony = _check_source(errors, kind, received_on, reliability, language, consent, testimony)
    _raise(errors)
    code = next_code(Source.CODE_PREFIX, code_year or received_on.year)
    source = Source(
        code=code, data_key=create_data_key(code), created_by=created_by, interviewer=interviewer
    )
    _apply_source(
        source, kind, received_on, reliability, language, interpreter_used, consent, testimony
    )
    source.save()
    source.events.set(events)
    source.persons.set(persons)
    return source


@transaction.atomic
def source_update(
    *,
    source: Source,
    kind: str,
    received_on: dt.date | None,
    reliability: str = "unknown",
    language: str = "",
    interpreter_used: bool = False,
    consent: Consent = Consent(),
    testimony: str = "",
    events: Sequence[Event] | None = None,
    persons: Sequence[Person] | None = None,
) -> Source:
    """Replace a source's details; links are replaced only when given."""
    errors: dict[str, str] = {}
    testimony = _check_source(errors, kind, received_on, reliability, language, consent, testimony)
    _raise(errors)
    _apply_source(
        source, kind, received_on, reliability, language, interpreter_used, consent, testimony
    )
    source.save()
    if events is not None:
        source.events.set(events)
    if persons is not None:
        source.persons.set(persons)
    return source


# -- drafts: the intake flow's work in progress --------------------------------

MAX_DRAFT_BYTES = 2_000_000
DRAFT_STEPS = (1, 2, 3)


def _check_draft_owner(errors: dict, draft: Draft, owner: User) -> None:
    if draft.owner_id != owner.pk:
        errors["draft"] = gettext("this draft belongs to someone else")
    elif draft.completed_at is not None:
        errors["draft"] = gettext("this draft was already saved as records; start a new one")


@transaction.atomic
def draft_save(
    *,
    owner: User,
    payload: dict,
    step: int = 1,
    draft: Draft | None = None,
    kind: str = "intake",
) -> Draft:
    """Keep what the monitor has typed so far (sealed), so nothing is lost when the
    connection drops; any state is accepted, the rules apply only on the final save."""
    errors: dict[str, str] = {}
    if not isinstance(payload, dict):
        errors["payload"] = gettext("a draft holds a JSON object")
    elif len(json.dumps(payload, ensure_ascii=False).encode()) > MAX_DRAFT_BYTES:
        errors["payload"] = gettext("a draft holds at most %(limit)s MB of text") % {
            "limit": MAX_DRAFT_BYTES // 1_000_000
        }
    if step not in DRAFT_STEPS:
        errors["step"] = gettext("screen 1, 2 or 3")
    if draft is not None:
        _check_draft_owner(errors, draft, owner)
    _raise(errors)
    if draft is None:
        code = next_code(Draft.CODE_PREFIX)
        draft = Draft(code=code, data_key=create_data_key(code), owner=owner, kind=kind)
    draft.payload = payload
    draft.step = step
    draft.save()
    return draft


def _destroy_key(key_id) -> None:
    DataKey.objects.filter(pk=key_id).update(wrapped=None, destroyed_at=timezone.now())
    key_cache.forget(key_id)


@transaction.atomic
def draft_discard(*, draft: Draft, by: User) -> None:
    """Throw a draft away for good: the row goes and its data key is destroyed, so no
    backup can open what was typed in it either."""
    errors: dict[str, str] = {}
    if draft.owner_id != by.pk:
        errors["draft"] = gettext("this draft belongs to someone else")
    _raise(errors)
    key_id = draft.data_key_id
    draft.delete()
    _destroy_key(key_id)


# -- testimony intake: one interview, its events, acts and people --------------

MAX_INTAKE_PERSONS = 50
MAX_INTAKE_EVENTS = 30
MAX_INTAKE_ACTS = 30
GROUP = "group"  # an act's victim: an unnamed group rather than a person's ref
_LEFT_ANSWERS = {"": SUGGEST_FROM_ITEMS, "suggest": SUGGEST_FROM_ITEMS, "yes": True, "no": False}
_LEFT_ANSWERS["unknown"] = None


def _s(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value).strip()


def _strs(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v not in (None, "")]


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return _s(value).lower() in {"1", "on", "true", "yes"}


def _whole(errors: dict, key: str, value: Any, low: int = 0, high: int = 100_000) -> int | None:
    if isinstance(value, bool):
        errors[key] = gettext("a whole number")
        return None
    text = _s(value)
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        errors[key] = gettext("“%(text)s” is not a whole number") % {"text": text}
        return None
    if not low <= number <= high:
        errors[key] = gettext("a number between %(low)s and %(high)s") % {"low": low, "high": high}
        return None
    return number


def _merge(errors: dict, prefix: str, found: dict) -> None:
    """Put a check's field errors under `prefix`, keeping the first message per field."""
    for key, message in found.items():
        errors.setdefault(prefix + key, message)


@contextlib.contextmanager
def _under(prefix: str) -> Iterator[None]:
    """Re-key a write's field errors to where the field is in the testimony."""
    try:
        yield
    except ValidationError as exc:
        raise ValidationError(
            {prefix + key: messages for key, messages in exc.message_dict.items()}
        ) from exc


def _reversed_message(what: str, text: str) -> str:
    if what == "birth date range":
        message = gettext(
            "the birth date range ends before it starts (“%(text)s”): write the earlier date first"
        )
    else:
        message = gettext(
            "the event ends before it starts (“%(text)s”): write the earlier date first"
        )
    return message % {"text": text}


def _parse_date(errors: dict, key: str, value: Any, what: str) -> FuzzyDate | None:
    text = _s(value)
    if not text:
        return None
    try:
        return parse_fuzzy_date(text)
    except FuzzyDateError as exc:
        message = str(exc)
        if exc.code == "reversed":
            message = _reversed_message(what, text)
        errors[key] = message
        return None


def _iso_day(errors: dict, key: str, value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = _s(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[key] = gettext("“%(text)s” is not a date; write it as 2024-10-03") % {"text": text}
        return None


@dataclass
class PersonPlan:
    ref: str
    existing: Person | None = None
    names: list[NameInput] = _field(default_factory=list)
    sex: str = "u"
    birth: FuzzyDate | None = None
    estimated_age: int | None = None
    nationality: str | None = None
    vulnerabilities: list[str] = _field(default_factory=list)


@dataclass
class ActPlan:
    violation_type: str
    perpetrator: str
    victim_ref: str | None
    group: GroupCounts = GroupCounts()
    group_vulnerabilities: list[str] = _field(default_factory=list)
    items: list[ItemInput] = _field(default_factory=list)
    left_without_identity_document: Any = SUGGEST_FROM_ITEMS
    notes: str = ""


@dataclass
class EventPlan:
    existing: Event | None
    account: str
    date: FuzzyDate | None
    fields: dict = _field(default_factory=dict)  # event_create's keyword arguments
    acts: list[ActPlan] = _field(default_factory=list)


@dataclass
class TestimonyPlan:
    """A testimony checked and ready to write: every rule passed, nothing written."""

    source: dict
    persons: list[PersonPlan]
    events: list[EventPlan]
    chain: bool


def _check_intake_source(errors: dict, data: Any) -> dict:
    data = data if isinstance(data, dict) else {}
    found: dict[str, str] = {}
    received_on = _iso_day(found, "received_on", data.get("received_on"))
    consent = Consent(
        quote=_flag(data.get("consent_quote")),
        share_un=_flag(data.get("consent_share_un")),
        publish_anonymously=_flag(data.get("consent_publish_anonymously")),
        internal_only=_flag(data.get("internal_only")),
    )
    kind, reliability = _s(data.get("kind")), _s(data.get("reliability")) or "unknown"
    language = _s(data.get("language"))
    rules: dict[str, str] = {}
    testimony = _check_source(
        rules, kind, received_on, reliability, language, consent, _s(data.get("testimony"))
    )
    _merge(found, "", rules)
    if not kind:
        found["kind"] = gettext("what kind of source is this? (an interview, a witness, ...)")
    interviewer = None
    if username := _s(data.get("interviewer")):
        interviewer = User.objects.filter(username=username, is_active=True).first()
        if interviewer is None:
            found["interviewer"] = gettext("no active account %(name)s") % {"name": repr(username)}
    _merge(errors, "source.", found)
    return dict(
        kind=kind,
        received_on=received_on,
        reliability=reliability,
        language=language,
        interpreter_used=_flag(data.get("interpreter_used")),
        interviewer=interviewer,
        consent=consent,
        testimony=testimony,
    )


def _person_is_blank(data: dict) -> bool:
    names = [n for n in data.get("names") or [] if isinstance(n, dict) and _s(n.get("full_name"))]
    keys = ("code", "birth", "estimated_age", "nationality")
    return not names and not any(_s(data.get(k)) for k in keys) and not data.get("vulnerabilities")


def _check_intake_person(errors: dict, prefix: str, data: dict, ref: str) -> PersonPlan:
    found: dict[str, str] = {}
    plan = PersonPlan(ref=ref)
    if code := _s(data.get("code")):
        plan.existing = Person.objects.filter(code=code).first()
        if plan.existing is None:
            found["code"] = gettext("no person with code %(code)s") % {"code": code}
        _merge(errors, prefix, found)
        return plan
    raw_names = [n for n in data.get("names") or [] if isinstance(n, dict)]
    spellings = [
        NameInput(_s(n.get("full_name")), _s(n.get("written_by")) or "relative") for n in raw_names
    ]
    if not any(n.full_name for n in spellings):
        found["names"] = gettext(
            "write the name as the person gave it, or give an existing person's code"
        )
    else:
        plan.names = _check_names(found, spellings)
    plan.sex = _s(data.get("sex")) or "u"
    _choice(found, "sex", plan.sex, SEX_CHOICES)
    plan.birth = _parse_date(found, "birth", data.get("birth"), "birth date range")
    plan.estimated_age = _whole(found, "estimated_age", data.get("estimated_age"), 0, 120)
    _check_birth(found, plan.birth, plan.estimated_age)
    plan.nationality = _s(data.get("nationality")) or None
    _lookup(found, "nationality", Nationality, plan.nationality)
    plan.vulnerabilities = _codes_in(
        found, "vulnerabilities", _strs(data.get("vulnerabilities")), VULNERABILITY_CODES
    )
    _merge(errors, prefix, found)
    return plan


def _act_is_blank(data: dict) -> bool:
    keys = ("violation_type", "perpetrator", "victim", "group_count", "notes")
    items = [i for i in data.get("items") or [] if isinstance(i, dict) and _s(i.get("item"))]
    return not any(_s(data.get(k)) for k in keys) and not items


def _event_is_blank(data: dict) -> bool:
    keys = ("existing", "date", "title", "place", "account", "group_size", "border_section")
    acts = [a for a in data.get("acts") or [] if isinstance(a, dict) and not _act_is_blank(a)]
    return not any(_s(data.get(k)) for k in keys) and not data.get("event_types") and not acts


def _check_intake_act(
    errors: dict, prefix: str, data: dict, refs: dict, event_counts: GroupCounts
) -> ActPlan:
    found: dict[str, Any] = {}
    vt, perp = _s(data.get("violation_type")), _s(data.get("perpetrator"))
    if not vt:
        found["violation_type"] = gettext("choose the violation type: what was done to the victim")
    else:
        _lookup(found, "violation_type", ViolationType, vt)
    if not perp:
        found["perpetrator"] = gettext(
            "choose who did it (“unknown” when the source does not know)"
        )
    else:
        _lookup(found, "perpetrator", Perpetrator, perp)
    victim = _s(data.get("victim"))
    plan = ActPlan(violation_type=vt, perpetrator=perp, victim_ref=None)
    if victim == GROUP:
        count = _whole(found, "group_count", data.get("group_count"), 1)
        women = _whole(found, "group_women", data.get("group_women"))
        men = _whole(found, "group_men", data.get("group_men"))
        children = _whole(found, "group_children", data.get("group_children"))
        if count is None and "group_count" not in found:
            if event_counts.group_size:  # the event's group, typed once
                count = event_counts.group_size
                if women is men is children is None:
                    women, men = event_counts.women, event_counts.men
                    children = event_counts.children
            else:
                found["group_count"] = gettext("how many people were in the group?")
        plan.group_vulnerabilities = _check_group(
            found, count, women, men, children, _strs(data.get("group_vulnerabilities")), "group_"
        )
        plan.group = GroupCounts(group_size=count, women=women, men=men, children=children)
    elif victim:
        if victim not in refs:
            found["victim"] = gettext(
                "this person is no longer on the list above; choose the victim again"
            )
        elif refs[victim] is None:
            found["victim"] = gettext("this person has neither a name nor a code yet")
        plan.victim_ref = victim
    else:
        found["victim"] = gettext("who suffered it? a person named above or an unnamed group")
    indexed, item_found = [], {}
    for r, row in enumerate(data.get("items") or []):
        if not isinstance(row, dict) or not _s(row.get("item")):
            continue  # a row left empty
        quantity = _whole(item_found, f"items[{r}].quantity", row.get("quantity") or 1, 1, 10_000)
        fate = _s(row.get("fate")) or "unknown"
        indexed.append((r, ItemInput(_s(row.get("item")), fate, quantity or 1)))
    left_raw = _s(data.get("left_without_identity_document")).lower()
    left = _LEFT_ANSWERS.get(left_raw, left_raw)
    checked: dict[str, str] = {}
    plan.items = _check_items(checked, vt or None, [item for _, item in indexed], left)
    for key, message in checked.items():  # back to the rows as they were given
        if m := re.fullmatch(r"items\[(\d+)\]\.(\w+)", key):
            key = f"items[{indexed[int(m[1])][0]}].{m[2]}"
        item_found.setdefault(key, message)
    plan.left_without_identity_document = left
    _merge(found, "", item_found)
    plan.notes = _text(found, "notes", data.get("notes"))
    _merge(errors, prefix, found)
    return plan


def _check_intake_event(errors: dict, i: int, data: dict, refs: dict, seen: dict) -> EventPlan:
    prefix = f"events[{i}]."
    found: dict[str, Any] = {}
    account = _text(found, "account", data.get("account"))
    if code := _s(data.get("existing")):
        event = Event.objects.filter(code=code).first()
        if event is None:
            found["existing"] = gettext("no event with code %(code)s") % {"code": code}
        elif event.pk in seen:
            found["existing"] = gettext("%(code)s is already event %(n)s of this testimony") % {
                "code": code,
                "n": seen[event.pk] + 1,
            }
        else:
            seen[event.pk] = i
        plan = EventPlan(existing=event, account=account, date=event.date if event else None)
        counts = GroupCounts(
            group_size=event.group_size if event else None,
            women=event.women_count if event else None,
            men=event.men_count if event else None,
            children=event.children_count if event else None,
        )
    else:
        date = _parse_date(found, "date", data.get("date"), "event")
        if date is None and "date" not in found:
            found["date"] = gettext(
                "when did it happen? a month or a year is enough (2024-03, 2024)"
            )
        elif date is not None:
            _check_event_date(found, date)
        title = _text(found, "title", data.get("title"), 200)
        place = _s(data.get("place")) or None
        _lookup(found, "place", Place, place)
        section = _s(data.get("border_section")) or None
        _lookup(found, "border_section", BorderSection, section)
        side = _s(data.get("side")) or None
        if side is not None:
            _choice(found, "side", side, SIDE_CHOICES)
        types = _strs(data.get("event_types"))
        _event_types(found, types)
        counts = GroupCounts(
            group_size=_whole(found, "group_size", data.get("group_size")),
            women=_whole(found, "women_count", data.get("women_count")),
            men=_whole(found, "men_count", data.get("men_count")),
            children=_whole(found, "children_count", data.get("children_count")),
        )
        _check_counts(found, counts)
        plan = EventPlan(
            existing=None,
            account=account,
            date=date,
            fields=dict(
                date=date,
                title=title,
                place=place,
                side=side,
                border_section=section,
                event_types=types,
                description=account,
                counts=counts,
            ),
        )
    acts = data.get("acts") or []
    if len(acts) > MAX_INTAKE_ACTS:
        found["acts"] = gettext("at most %(limit)s violations per event") % {
            "limit": MAX_INTAKE_ACTS
        }
    _merge(errors, prefix, found)
    for j, act in enumerate(acts[:MAX_INTAKE_ACTS]):
        if isinstance(act, dict) and not _act_is_blank(act):
            plan.acts.append(_check_intake_act(errors, f"{prefix}acts[{j}].", act, refs, counts))
    return plan


def testimony_check(*, payload: Any) -> TestimonyPlan:
    """Apply every rule of a testimony intake without writing anything.

    `payload` is the intake form's state, as the draft keeps it::

        {"source": {"kind", "received_on" (2024-10-03), "interviewer" (username),
                    "language", "interpreter_used", "reliability", "internal_only",
                    "consent_quote", "consent_share_un", "consent_publish_anonymously",
                    "testimony"},
         "persons": [{"ref": "p1", "code": "P-2024-00012"}  # already recorded, or new:
                     {"ref": "p2", "names": [{"full_name", "written_by"}], "sex",
                      "nationality", "birth", "estimated_age", "vulnerabilities"}],
         "events": [{"existing": "E-2024-00007",  # the same incident, already recorded
                     "account",  # this source's version of the event
                     "date", "title", "place", "side", "border_section", "event_types",
                     "group_size", "women_count", "men_count", "children_count",
                     "acts": [{"violation_type", "perpetrator",
                               "victim": "p2" or "group",
                               "group_count", "group_women", "group_men",
                               "group_children", "group_vulnerabilities",
                               "items": [{"item", "fate", "quantity"}],
                               "left_without_identity_document": "suggest|yes|no|unknown",
                               "notes"}]}],
         "chain": true}  # the events are one story, in this order

    Values may be typed text ("12", "on"); errors are keyed by their place in the
    payload (``events[2].acts[0].violation_type``) so a form can show each one next
    to its field.  Blank person, event and act blocks are ignored.
    """
    if not isinstance(payload, dict):
        raise ValidationError({"payload": gettext("a testimony is a JSON object")})
    errors: dict[str, Any] = {}
    source = _check_intake_source(errors, payload.get("source"))

    persons_in = payload.get("persons") or []
    if len(persons_in) > MAX_INTAKE_PERSONS:
        errors["persons"] = gettext("at most %(limit)s people per testimony") % {
            "limit": MAX_INTAKE_PERSONS
        }
    persons, refs, codes = [], {}, {}
    for k, data in enumerate(persons_in[:MAX_INTAKE_PERSONS]):
        data = data if isinstance(data, dict) else {}
        ref = _s(data.get("ref")) or f"p{k + 1}"
        if _person_is_blank(data):
            refs.setdefault(ref, None)
            continue
        plan = _check_intake_person(errors, f"persons[{k}].", data, ref)
        if plan.existing is not None:
            if plan.existing.pk in codes:
                errors[f"persons[{k}].code"] = gettext("%(code)s is already person %(n)s") % {
                    "code": plan.existing.code,
                    "n": codes[plan.existing.pk] + 1,
                }
            codes[plan.existing.pk] = k
        refs[ref] = plan
        persons.append(plan)

    events_in = payload.get("events") or []
    if len(events_in) > MAX_INTAKE_EVENTS:
        errors["events"] = gettext("at most %(limit)s events per testimony") % {
            "limit": MAX_INTAKE_EVENTS
        }
    events, seen, positions = [], {}, []
    for i, data in enumerate(events_in[:MAX_INTAKE_EVENTS]):
        if not isinstance(data, dict) or _event_is_blank(data):
            continue
        events.append(_check_intake_event(errors, i, data, refs, seen))
        positions.append(i)
    if not events and "events" not in errors:
        errors["events"] = gettext("record at least one event from this testimony")

    chain = _flag(payload.get("chain"))
    if chain and len(events) > 1 and not any(k.startswith("events[") for k in errors):
        for problem in _chain_problems([e.existing for e in events], [e.date for e in events]):
            key = f"events[{positions[problem.index]}].{problem.field}"
            errors.setdefault(key, problem.message)
    _raise(errors)
    return TestimonyPlan(source=source, persons=persons, events=events, chain=chain)


def _check_need_to_know(plan: TestimonyPlan, user: User) -> None:
    """A person or event given by code that the recorder may not see (known only from
    another team's restricted records) is refused as if the code did not exist."""
    errors: dict[str, str] = {}
    for p in plan.persons:
        if p.existing is not None and not need_to_know.may_see(user, p.existing):
            errors["persons"] = gettext("no person with code %(code)s") % {"code": p.existing.code}
    for e in plan.events:
        if e.existing is not None and not need_to_know.may_see(user, e.existing):
            errors["events"] = gettext("no event with code %(code)s") % {"code": e.existing.code}
    _raise(errors)


@transaction.atomic
def testimony_record(
    *,
    recorded_by: User,
    draft: Draft | None = None,
    payload: dict | None = None,
    code_year: int | None = None,
) -> Source:
    """Record one interview at once: its source, the people it names, its events in
    order (new, or incidents already recorded from other sources), their acts and
    confiscated items.  One transaction: a refused testimony stores nothing; a saved
    draft is marked completed and its sealed copy of the testimony destroyed."""
    if (draft is None) == (payload is None):
        raise ValueError("give either a draft or a payload")
    if draft is not None:
        errors: dict[str, str] = {}
        _check_draft_owner(errors, draft, recorded_by)
        _raise(errors)
        payload = draft.payload
    plan = testimony_check(payload=payload)
    _check_need_to_know(plan, recorded_by)

    with _under("source."):
        source = source_create(created_by=recorded_by, code_year=code_year, **plan.source)
    persons: dict[str, Person] = {}
    for k, p in enumerate(plan.persons):
        if p.existing is not None:
            persons[p.ref] = p.existing
            continue
        with _under(f"persons[{k}]."):
            persons[p.ref] = person_create(
                names=p.names,
                created_by=recorded_by,
                sex=p.sex,
                birth=p.birth,
                estimated_age=p.estimated_age,
                nationality=p.nationality,
                vulnerabilities=p.vulnerabilities,
            )
    events = []
    for i, e in enumerate(plan.events):
        with _under(f"events[{i}]."):
            event = e.existing or event_create(created_by=recorded_by, **e.fields)
            source_event_link(source=source, event=event, account=e.account)
        for j, a in enumerate(e.acts):
            with _under(f"events[{i}].acts[{j}]."):
                act = act_create(
                    event=event,
                    violation_type=a.violation_type,
                    perpetrator=a.perpetrator,
                    victim=persons[a.victim_ref] if a.victim_ref else None,
                    victim_group_count=a.group.group_size,
                    victim_group_women=a.group.women,
                    victim_group_men=a.group.men,
                    victim_group_children=a.group.children,
                    victim_group_vulnerabilities=a.group_vulnerabilities,
                    notes=a.notes,
                )
                if a.violation_type in ITEM_VIOLATIONS:
                    act_items_set(
                        act=act,
                        items=a.items,
                        left_without_identity_document=a.left_without_identity_document,
                    )
        events.append(event)
    source.persons.set(persons.values())
    if plan.chain and len(events) > 1:
        with _under("chain."):
            event_chain_set(events=events)
    if draft is not None:
        key_id = draft.data_key_id
        draft.payload = None
        draft.completed_at = timezone.now()
        draft.save()
        _destroy_key(key_id)
    return source
