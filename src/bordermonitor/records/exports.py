"""Events leaving the organisation: shared with the UN and other organisations, or
published anonymously.  Every row comes from `records.consent`, nothing else.

Two purposes, two shapes:

- SHARE (`export_events_for_sharing`): events known from at least one source whose
  consent covers sharing; per event its code, the date as written, type, side,
  border section, place, group counts, its acts as violation type × perpetrator ×
  victim kind (a named victim reduced to sex, age group and nationality, never a
  name or code), and per consenting source only its kind, date, language and
  reliability.  No free text at all: testimonies, accounts, titles and descriptions
  name victims, relatives and third parties, which this export promises never to
  contain; quoting a testimony (consent QUOTE) belongs to a reviewed publication.
- PUBLISH (`export_events_for_publication`, and /api/v1/published/events): events
  known from at least one source whose consent covers anonymous publication,
  without event code, at month precision at most, no place finer than the border
  section, and no person attribute beyond counts.

A restricted testimony (need-to-know, `accounts.need_to_know`) never releases an
event for SHARE; PUBLISH may count it, as counts name nobody (`records.consent`).

Both come as CSV or JSON and can be limited to a period (an event is in the period
when its date may fall inside it, as in the event list).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from bordermonitor.core.dates import DAY, MONTH, YEAR, overlaps_q
from bordermonitor.core.models import BorderSection, ViolationType
from bordermonitor.records.consent import Release, releasable_events, releasable_sources
from bordermonitor.records.models import Act, Event, Person

CSV, JSON = "csv", "json"
FORMATS = (CSV, JSON)
PROGRESS_EVERY = 500
CHUNK_SIZE = 500

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Period:
    """The period an export covers; either end may be open."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValidationError(
                {"date_to": f"the period ends ({self.date_to}) before it starts ({self.date_from})"}
            )


# -- which events, from consent only ----------------------------------------------------


def _released(purpose: Release, period: Period) -> QuerySet[Event]:
    period.check()
    sources = releasable_sources(purpose).only(
        "id", "kind", "received_on", "language", "reliability"
    )
    acts = (
        Act.objects.select_related("violation_type", "perpetrator", "victim__nationality")
        .defer("notes", "victim__notes")
        .order_by("created_at", "id")
    )
    return (
        releasable_events(purpose)
        .filter(overlaps_q("date", period.date_from, period.date_to))
        .select_related("place__border_section", "border_section")
        .defer("description")
        .prefetch_related(
            "event_types",
            Prefetch("acts", queryset=acts),
            Prefetch("sources", queryset=sources.order_by("received_on", "id"), to_attr="released"),
        )
    )


def shared_events(period: Period = Period()) -> QuerySet[Event]:
    """Events whose sharing some source consented to, oldest first."""
    return _released(Release.SHARE, period).order_by("date_earliest", "code")


def published_events(
    period: Period = Period(), *, border_section: str = "", violation_type: str = ""
) -> QuerySet[Event]:
    """Events whose anonymous publication some source consented to, oldest first.

    An unknown border section or violation type is a mistake, not an empty answer.
    """
    errors = {}
    if border_section and not BorderSection.objects.filter(code=border_section).exists():
        errors["border_section"] = f"{border_section!r} is not a known border section"
    if violation_type and not ViolationType.objects.filter(code=violation_type).exists():
        errors["violation_type"] = f"{violation_type!r} is not a known violation type"
    if errors:
        raise ValidationError(errors)
    qs = _released(Release.PUBLISH, period)
    if border_section:
        qs = qs.filter(border_section__code=border_section)
    if violation_type:
        with_violation = Act.objects.filter(
            event=OuterRef("pk"), violation_type__code=violation_type
        )
        qs = qs.filter(Exists(with_violation))
    # no code, and nothing that tells the order the events were recorded in
    return qs.order_by("date_earliest", "date_latest", "id")


# -- one event as it leaves -------------------------------------------------------------

CHILD_UNTIL, ELDERLY_FROM = 18, 60


def _age_bracket(age: int | None) -> str:
    if age is None or age < 0:
        return "unknown"
    if age < CHILD_UNTIL:
        return "child"
    return "elderly" if age >= ELDERLY_FROM else "adult"


def _years_between(earlier: dt.date, later: dt.date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def age_group(person: Person, on: dt.date) -> str:
    """child / adult / elderly on the day, or unknown when the record cannot tell."""
    if person.birth_earliest and person.birth_latest:
        oldest = _age_bracket(_years_between(person.birth_earliest, on))
        youngest = _age_bracket(_years_between(person.birth_latest, on))
        return oldest if oldest == youngest else "unknown"
    if person.estimated_age is not None:
        shift = _years_between(on, person.age_estimated_on) if person.age_estimated_on else 0
        return _age_bracket(person.estimated_age - shift)
    return "unknown"


def _section_of(event: Event) -> str | None:
    section = event.border_section or (event.place.border_section if event.place else None)
    return section.code if section else None


def _counts(event: Event) -> dict:
    return {
        "group_size": event.group_size,
        "women": event.women_count,
        "men": event.men_count,
        "children": event.children_count,
    }


def _victim(act: Act, on: dt.date) -> dict:
    if act.victim is not None:
        person = act.victim
        return {
            "kind": "person",
            "sex": person.sex,
            "age_group": age_group(person, on),
            "nationality": person.nationality.code if person.nationality else None,
        }
    return {
        "kind": "group",
        "count": act.victim_group_count,
        "women": act.victim_group_women,
        "men": act.victim_group_men,
        "children": act.victim_group_children,
    }


def shared_row(event: Event) -> dict:
    """An event as sent to the UN or another organisation (see the module docstring)."""
    return {
        "event_code": event.code,
        "date": event.date.as_input(),
        "date_earliest": event.date_earliest.isoformat(),
        "date_latest": event.date_latest.isoformat(),
        "date_precision": event.date_precision,
        "event_types": [t.code for t in event.event_types.all()],
        "side": event.side,
        "border_section": _section_of(event),
        "place": event.place.code if event.place else None,
        "place_name": event.place.name if event.place else None,
        "counts": _counts(event),
        "acts": [
            {
                "violation_type": a.violation_type.code,
                "perpetrator": a.perpetrator.code,
                "victim": _victim(a, event.date_earliest),
            }
            for a in event.acts.all()
        ],
        "sources": [
            {
                "kind": s.kind,
                "received_on": s.received_on.isoformat(),
                "language": s.language or None,
                "reliability": s.reliability,
            }
            for s in event.released
        ],
    }


def _month(d: dt.date) -> str:
    return f"{d:%Y-%m}"


def published_period(event: Event) -> str:
    """The event's date no finer than a month: "2024-03", "2024", "2024-03..2024-05"."""
    first, last = event.date_earliest, event.date_latest
    if event.date_precision in (DAY, MONTH) or _month(first) == _month(last):
        return _month(first)
    if event.date_precision == YEAR or (
        (first.month, first.day) == (1, 1) and (last.month, last.day) == (12, 31)
    ):
        return f"{first:%Y}" if first.year == last.year else f"{first:%Y}..{last:%Y}"
    return f"{_month(first)}..{_month(last)}"


def published_row(event: Event) -> dict:
    """An event as it may be published: counts and vocabulary codes only."""
    victims: dict[tuple[str, str], int] = {}
    for a in event.acts.all():
        key = (a.violation_type.code, a.perpetrator.code)
        victims[key] = victims.get(key, 0) + (1 if a.victim_id else a.victim_group_count or 0)
    return {
        "period": published_period(event),
        "month_from": _month(event.date_earliest),
        "month_to": _month(event.date_latest),
        "event_types": sorted(t.code for t in event.event_types.all()),
        "side": event.side,
        "border_section": _section_of(event),
        "counts": _counts(event),
        "acts": [
            {"violation_type": vt, "perpetrator": perp, "victims": n}
            for (vt, perp), n in sorted(victims.items())
        ],
        "sources": len(event.released),
    }


# -- writing ----------------------------------------------------------------------------

SHARED_COLUMNS = [
    "event_code",
    "date",
    "date_earliest",
    "date_latest",
    "date_precision",
    "event_types",
    "side",
    "border_section",
    "place",
    "place_name",
    "group_size",
    "women",
    "men",
    "children",
    "acts",
    "sources",
]
PUBLISHED_COLUMNS = [
    "period",
    "month_from",
    "month_to",
    "event_types",
    "side",
    "border_section",
    "group_size",
    "women",
    "men",
    "children",
    "acts",
    "sources",
]


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _pairs(d: dict) -> str:
    return ",".join(f"{k}={'' if v is None else v}" for k, v in d.items() if k != "kind")


def _shared_csv(row: dict) -> list[str]:
    acts = " | ".join(
        f"{a['violation_type']}/{a['perpetrator']}/{a['victim']['kind']}:{_pairs(a['victim'])}"
        for a in row["acts"]
    )
    sources = " | ".join(
        ",".join(s[k] or "" for k in ("kind", "received_on", "language", "reliability"))
        for s in row["sources"]
    )
    flat = {**row, **row["counts"], "event_types": ",".join(row["event_types"])}
    flat.update(acts=acts, sources=sources)
    return [_cell(flat[c]) for c in SHARED_COLUMNS]


def _published_csv(row: dict) -> list[str]:
    acts = " | ".join(
        f"{a['violation_type']}/{a['perpetrator']}/{a['victims']}" for a in row["acts"]
    )
    flat = {**row, **row["counts"], "event_types": ",".join(row["event_types"]), "acts": acts}
    return [_cell(flat[c]) for c in PUBLISHED_COLUMNS]


def _rows(events: QuerySet[Event], convert, on_progress: Progress | None) -> Iterator[dict]:
    total = events.count() if on_progress else 0
    done = 0
    for event in events.iterator(chunk_size=CHUNK_SIZE):
        yield convert(event)
        done += 1
        if on_progress and done % PROGRESS_EVERY == 0:
            on_progress(done, total)
    if on_progress:
        on_progress(done, total)


def _write(
    out: TextIO,
    fmt: str,
    purpose: Release,
    period: Period,
    rows: Iterable[dict],
    columns: list[str],
    to_csv,
) -> int:
    count = 0
    if fmt == CSV:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(to_csv(row))
            count += 1
        return count
    head = {
        "purpose": str(purpose),
        "date_from": period.date_from.isoformat() if period.date_from else None,
        "date_to": period.date_to.isoformat() if period.date_to else None,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "events": [')
    for row in rows:
        out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationError({"format": f"{fmt!r} is not a format; use csv or json"})


def export_events_for_sharing(
    out: TextIO,
    *,
    fmt: str = CSV,
    period: Period = Period(),
    on_progress: Progress | None = None,
) -> int:
    """Write the events that may be shared with the UN and other organisations to
    `out`; return how many.  `on_progress(done, total)` is told along the way."""
    _check_format(fmt)
    events = shared_events(period)
    rows = _rows(events, shared_row, on_progress)
    return _write(out, fmt, Release.SHARE, period, rows, SHARED_COLUMNS, _shared_csv)


def export_events_for_publication(
    out: TextIO,
    *,
    fmt: str = CSV,
    period: Period = Period(),
    on_progress: Progress | None = None,
) -> int:
    """Write the events that may be published anonymously to `out`; return how many."""
    _check_format(fmt)
    events = published_events(period)
    rows = _rows(events, published_row, on_progress)
    return _write(out, fmt, Release.PUBLISH, period, rows, PUBLISHED_COLUMNS, _published_csv)


EXPORTERS = {
    Release.SHARE: export_events_for_sharing,
    Release.PUBLISH: export_events_for_publication,
}
