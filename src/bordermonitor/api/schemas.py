"""API shapes.  Input strings that cannot be stored (NUL bytes, over-long) are refused here."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints, field_validator

from bordermonitor.core.dates import FuzzyDate, FuzzyDateError, parse_fuzzy_date
from bordermonitor.records.selectors import COUNT_CAP

Text = Annotated[str, StringConstraints(max_length=200_000, pattern=r"^[^\x00]*$")]
ShortText = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")]
Code = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")]
Count = Annotated[int, Field(ge=0, le=100_000)]

Sex = Literal["f", "m", "x", "u"]
WrittenBy = Literal[
    "self",
    "relative",
    "belarus_official",
    "polish_official",
    "lithuanian_official",
    "latvian_official",
    "organisation",
    "monitor",
    "document",
    "other",
]
Script = Literal["", "latin", "cyrillic", "arabic", "ethiopic", "tamil", "devanagari", "other"]
Side = Literal["BY", "PL", "LT", "LV", "RU", "UA", "??"]


def _fuzzy(value: str | None) -> FuzzyDate | None:
    if value is None or value == "":
        return None
    try:
        return parse_fuzzy_date(value)
    except FuzzyDateError as exc:
        raise ValueError(str(exc)) from exc


class NameIn(Schema):
    full_name: Annotated[
        str, StringConstraints(min_length=1, max_length=300, pattern=r"^[^\x00]*$")
    ]
    written_by: WrittenBy = "relative"
    script: Script = ""
    is_primary: bool = False


class NameOut(Schema):
    full_name: str
    script: str
    written_by: str
    is_primary: bool


class PersonIn(Schema):
    names: list[NameIn] = Field(min_length=1, max_length=50)
    sex: Sex = "u"
    birth: ShortText | None = Field(None, description="2024-03-15, 1998-05, 1998 or a range")
    estimated_age: Annotated[int, Field(ge=0, le=120)] | None = None
    nationality: Code | None = Field(None, description="ISO 3166-1 alpha-3, e.g. IRQ")
    languages: list[Code] = Field(default_factory=list, max_length=30)
    vulnerabilities: list[Code] = Field(default_factory=list, max_length=30)
    notes: Text = ""

    @field_validator("birth")
    @classmethod
    def _birth(cls, v):
        _fuzzy(v)
        return v


class PersonPatch(Schema):
    names: list[NameIn] | None = Field(None, min_length=1, max_length=50)
    sex: Sex | None = None
    birth: ShortText | None = None
    estimated_age: Annotated[int, Field(ge=0, le=120)] | None = None
    nationality: Code | None = None
    languages: list[Code] | None = Field(None, max_length=30)
    vulnerabilities: list[Code] | None = Field(None, max_length=30)
    notes: Text | None = None

    @field_validator("birth")
    @classmethod
    def _birth(cls, v):
        _fuzzy(v)
        return v


class PersonOut(Schema):
    code: str
    names: list[NameOut]
    sex: str
    birth: str | None
    birth_earliest: dt.date | None
    birth_latest: dt.date | None
    estimated_age: int | None
    nationality: str | None
    languages: list[str]
    vulnerabilities: list[str]
    notes: str
    created_at: dt.datetime


class CountsIn(Schema):
    group_size: Count | None = None
    women: Count | None = None
    men: Count | None = None
    children: Count | None = None


class EventIn(Schema):
    date: ShortText = Field(description="2024-03-15, March 2024, 2024-03, 2024 or a range")
    title: ShortText = ""
    place: Code | None = Field(None, description="gazetteer code, e.g. kuznica")
    latitude: Annotated[Decimal, Field(ge=-90, le=90, max_digits=8, decimal_places=5)] | None = None
    longitude: Annotated[Decimal, Field(ge=-180, le=180, max_digits=8, decimal_places=5)] | None = (
        None
    )
    side: Side | None = None
    border_section: Code | None = None
    event_types: list[Code] = Field(default_factory=list, max_length=20)
    description: Text = ""
    counts: CountsIn = Field(default_factory=CountsIn)

    @field_validator("date")
    @classmethod
    def _date(cls, v):
        if _fuzzy(v) is None:
            raise ValueError("a date (or at least a year) is required")
        return v


class EventPatch(Schema):
    date: ShortText | None = None
    title: ShortText | None = None
    place: Code | None = None
    latitude: Annotated[Decimal, Field(ge=-90, le=90, max_digits=8, decimal_places=5)] | None = None
    longitude: Annotated[Decimal, Field(ge=-180, le=180, max_digits=8, decimal_places=5)] | None = (
        None
    )
    side: Side | None = None
    border_section: Code | None = None
    event_types: list[Code] | None = Field(None, max_length=20)
    description: Text | None = None
    counts: CountsIn | None = None

    @field_validator("date")
    @classmethod
    def _date(cls, v):
        if v is not None and _fuzzy(v) is None:
            raise ValueError("a date (or at least a year) is required")
        return v


class VictimOut(Schema):
    code: str | None = Field(
        description="the person's code; null for a role that may not open people"
    )
    nationality: str | None = Field(description="ISO 3166-1 alpha-3")
    sex: str


class VictimGroupOut(Schema):
    count: int | None
    women: int | None
    men: int | None
    children: int | None
    vulnerabilities: list[str]


class ActOut(Schema):
    violation_type: str
    perpetrator: str
    victim: VictimOut | None = Field(description="a named victim, by code (never by name)")
    victim_group: VictimGroupOut | None = Field(description="unnamed victims, when no one is named")


class EventOut(Schema):
    code: str
    date: str
    date_earliest: dt.date
    date_latest: dt.date
    date_precision: str
    title: str
    place: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    side: str
    border_section: str | None
    event_types: list[str]
    description: str
    counts: CountsIn
    acts: list[ActOut]


class PagedEventOut(Schema):
    """A page of /events.  `count` may be capped: see `count_exact`."""

    items: list[EventOut]
    count: int = Field(
        description="matching events; when `count_exact` is false, more than this many"
    )
    count_exact: bool = Field(
        description="false when filters on acts, victims, types or sources matched more "
        f"than {COUNT_CAP} events: they are not all counted (page on with "
        "`offset` until `items` is empty)"
    )


SourceKind = Literal[
    "interview", "witness", "relative", "official", "media", "international_org", "open_source"
]
Reliability = Literal["high", "medium", "low", "unknown"]


class ConsentIn(Schema):
    quote: bool = False
    share_un: bool = False
    publish_anonymously: bool = False
    internal_only: bool = True


class SourceIn(Schema):
    kind: SourceKind
    received_on: dt.date
    reliability: Reliability = "unknown"
    language: Code = ""
    interpreter_used: bool = False
    consent: ConsentIn = Field(default_factory=ConsentIn)
    testimony: Text = ""
    events: list[Code] = Field(default_factory=list, max_length=100)
    persons: list[Code] = Field(default_factory=list, max_length=100)


class SourcePatch(Schema):
    kind: SourceKind | None = None
    received_on: dt.date | None = None
    reliability: Reliability | None = None
    language: Code | None = None
    interpreter_used: bool | None = None
    consent: ConsentIn | None = None
    testimony: Text | None = None
    events: list[Code] | None = Field(None, max_length=100)
    persons: list[Code] | None = Field(None, max_length=100)


class SourceOut(Schema):
    code: str
    kind: str
    received_on: dt.date
    reliability: str
    language: str
    interpreter_used: bool
    consent: ConsentIn
    testimony: str
    events: list[str]
    persons: list[str]
    restricted: bool = Field(
        False, description="need-to-know: visible only to the assigned team and coordinators"
    )
    team: str | None = Field(None, description="the team assigned to a restricted record")


DateMode = Literal["overlap", "within"]


class TimelineEntryOut(Schema):
    date: str = Field(description="as people write it, e.g. 'March 2024'")
    date_earliest: dt.date
    date_latest: dt.date
    date_precision: str
    kind: str = Field(description="event, source, record, ... (more kinds as they are added)")
    code: str
    summary: str


class TimelineOut(Schema):
    code: str
    entries: list[TimelineEntryOut]
