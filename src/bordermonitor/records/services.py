"""Writes on people, events, acts and sources: the one write path for each model.

Every function is `<entity>_<verb>` with keyword-only arguments, validates
everything before it writes, raises `ValidationError` keyed by field name, and
runs in one transaction, so a refused write changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from bordermonitor.accounts.models import User
from bordermonitor.core.blind_index import name_digests
from bordermonitor.core.codes import next_code, today
from bordermonitor.core.crypto import create_data_key
from bordermonitor.core.dates import FuzzyDate
from bordermonitor.core.models import (
    SIDE_CHOICES,
    BorderSection,
    EventType,
    Nationality,
    Perpetrator,
    Place,
    ViolationType,
)
from bordermonitor.core.scripts import detect_script
from bordermonitor.records.models import (
    LANGUAGE_CODES,
    RELIABILITY_CHOICES,
    SCRIPT_CHOICES,
    SEX_CHOICES,
    SOURCE_KIND_CHOICES,
    VULNERABILITY_CODES,
    WRITTEN_BY_CHOICES,
    Act,
    Event,
    NameToken,
    NameVariant,
    Person,
    Source,
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
        errors[field] = f"{value!r} is not one of: {', '.join(allowed)}"


def _codes_in(errors: dict, field: str, values: Iterable[str], allowed: Sequence[str]) -> list:
    values = list(values or [])
    bad = [v for v in values if v not in allowed]
    if bad:
        errors[field] = f"unknown value(s) {', '.join(map(repr, bad))}"
    return sorted(set(values), key=values.index)


def _lookup(errors: dict, field: str, model, code: str | None, key: str = "code"):
    if code in (None, ""):
        return None
    obj = model.objects.filter(**{key: code}).first()
    if obj is None:
        errors[field] = f"unknown {model._meta.verbose_name} {code!r}"
    return obj


def _text(errors: dict, field: str, value: str | None, limit: int = MAX_TEXT_LENGTH) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors[field] = f"at most {limit} characters"
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
            errors[f"names[{i}].full_name"] = f"at most {MAX_NAME_LENGTH} characters"
        if n.written_by not in dict(WRITTEN_BY_CHOICES):
            errors[f"names[{i}].written_by"] = f"{n.written_by!r} is not a known writer"
        script = n.script or detect_script(full)
        if script not in dict(SCRIPT_CHOICES):
            errors[f"names[{i}].script"] = f"{script!r} is not a known script"
        cleaned.append(NameInput(full, n.written_by, script, n.is_primary))
    if not cleaned:
        errors["names"] = "at least one spelling of the name is required"
    if cleaned and not any(n.is_primary for n in cleaned):
        cleaned[0] = NameInput(cleaned[0].full_name, cleaned[0].written_by, cleaned[0].script, True)
    return cleaned


def _check_birth(errors: dict, birth: FuzzyDate | None, estimated_age: int | None) -> None:
    if birth is not None and birth.earliest > today():
        errors["birth"] = "a birth date cannot be in the future"
    if birth is not None and birth.latest.year < 1900:
        errors["birth"] = "a birth date before 1900 is not plausible"
    if estimated_age is not None and not 0 <= estimated_age <= 120:
        errors["estimated_age"] = "an age between 0 and 120"


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
            errors[field] = "a count between 0 and 100000"
    if counts.group_size is not None and not errors:
        parts = sum(v or 0 for v in (counts.women, counts.men, counts.children))
        if parts > counts.group_size:
            errors["group_size"] = (
                f"the group has {counts.group_size} people but women, men and children "
                f"add up to {parts}"
            )


def _check_event_date(errors: dict, date: FuzzyDate | None) -> None:
    if date is None:
        errors["date"] = "a date (or at least a year) is required"
    elif date.earliest > today():
        errors["date"] = f"{date} is in the future"
    elif date.latest.year < 2000:
        errors["date"] = "an event before 2000 is outside what this system records"


def _check_coordinates(errors: dict, lat: Decimal | None, lon: Decimal | None) -> None:
    if (lat is None) != (lon is None):
        errors["latitude" if lat is None else "longitude"] = "give both latitude and longitude"
    if lat is not None and not -90 <= lat <= 90:
        errors["latitude"] = "latitude between -90 and 90"
    if lon is not None and not -180 <= lon <= 180:
        errors["longitude"] = "longitude between -180 and 180"


def _event_types(errors: dict, codes: Sequence[str]) -> list[EventType]:
    found = list(EventType.objects.filter(code__in=list(codes)))
    missing = set(codes) - {t.code for t in found}
    if missing:
        errors["event_types"] = f"unknown event type(s): {', '.join(sorted(missing))}"
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


@transaction.atomic
def act_create(
    *,
    event: Event,
    violation_type: str,
    perpetrator: str,
    victim: Person | None = None,
    victim_group_count: int | None = None,
    notes: str = "",
) -> Act:
    """Record one violation in an event, against a named person or an unnamed group."""
    errors: dict[str, str] = {}
    vt = _lookup(errors, "violation_type", ViolationType, violation_type)
    perp = _lookup(errors, "perpetrator", Perpetrator, perpetrator)
    if vt is None and "violation_type" not in errors:
        errors["violation_type"] = "a violation type is required"
    if perp is None and "perpetrator" not in errors:
        errors["perpetrator"] = "a perpetrator is required (use 'unknown' when not known)"
    if victim is None and not victim_group_count:
        errors["victim"] = "name a victim or give the number of unnamed victims"
    if victim_group_count is not None and not 0 <= victim_group_count <= 100_000:
        errors["victim_group_count"] = "a count between 0 and 100000"
    notes = _text(errors, "notes", notes)
    _raise(errors)
    act = Act(
        event=event,
        victim=victim,
        victim_group_count=victim_group_count if victim is None else None,
        violation_type=vt,
        perpetrator=perp,
        notes=notes,
    )
    act.save()
    return act


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
        errors["received_on"] = "the date the information was received is required"
    elif received_on > today():
        errors["received_on"] = f"{received_on:%Y-%m-%d} is in the future"
    elif received_on.year < 2000:
        errors["received_on"] = "a date before 2000 is outside what this system records"
    if language and language not in LANGUAGE_CODES:
        errors["language"] = f"{language!r} is not a known language code"
    if consent.internal_only and (consent.quote or consent.share_un or consent.publish_anonymously):
        errors["internal_only"] = (
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
