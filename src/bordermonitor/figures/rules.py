"""The counting rules: what is counted, how, and in which month.  Versioned.

Every figure the organisation publishes follows these rules; a snapshot of a
published figure set keeps `RULES_VERSION`, so a figure recomputed years later
says whether it was counted the same way.  Change a rule → raise the version
and say what changed in `CHANGES`.

Rules (version 2026.1):

- **Which period a record belongs to**: the month its date *starts* in (an
  event's earliest possible day, a body's earliest possible finding day, a
  report's day of receipt, a request's day sent, a detention's first day).
  Consecutive periods therefore add up to the whole, and "March 2024" is
  counted in March whatever day it was.
- **A death** is a `DeathRecord` (a body found).  Deaths confirmed by an
  official statement and deaths known only from testimonies are always counted
  apart (`confirmation`), never summed silently.
- **A missing person** is counted by report: one `MissingPersonReport` is one
  report (two relatives reporting one person make two reports, as the yearly
  report counts "reports"); the distinct people are a separate total.  Its
  outcome is the outcome of its case as known today; `active` while the case is
  not closed.  Nationality is the missing person's, `unknown` when not recorded.
- **A violation** is an `Act`.  Its victims count as people: a named victim is
  one person, an unnamed group counts its size (a group of 12 counts 12).
- **A pushback** is an act of violation type `pushback`.  Repeated pushbacks of
  one person count each time as *pushbacks* (victim-incidents: one person
  pushed back three times is three pushbacks) and once as *people pushed back*
  (distinct named victims plus the sizes of unnamed groups, which cannot be
  told apart and so count each time).  *Pushback incidents* count events.
- **An incident** is an `Event`; its people are its recorded group size
  (unknown sizes count 0: a lower bound).
- **A deportation** is a `Detention` whose outcome is one of
  `DEPORTATION_OUTCOMES`; a detention with no outcome yet is `pending`.
- **A request** is an `Intervention`; answered when an answer date is recorded;
  days to answer = answer date − sent date.
- **Place**: the event's border section, else its place's border section, else
  `unknown`; side as recorded (`??` → `unknown`).
- **Consent**: events (and so incidents, violations, pushbacks) leave the
  system only through `records.consent.releasable_events(PUBLISH)`
  (`Scope.PUBLISH`).  Tracing records (deaths, missing reports, requests,
  detentions) have no sources and no consent flags; they are counted in full
  and leave only as suppressed counts.  The in-app dashboard for signed-in staff
  counts every record (`Scope.INTERNAL`): it never leaves the system, and staff
  need to see what internal-only sources told them.  Everything that leaves
  (exports, published snapshots, the yearly report, a CSV download) uses
  `Scope.PUBLISH` and passes through `figures.disclosure`.
"""

from __future__ import annotations

import datetime as dt
import os
from enum import StrEnum

from django.conf import settings

RULES_VERSION = "2026.1"
CHANGES = {
    "2026.1": "first version: deaths by confirmation, reports per report, group victims "
    "by size, pushbacks as victim-incidents and people apart, month of the earliest day",
}

UNKNOWN = "unknown"
ACTIVE = "active"  # the outcome of a report whose case is not closed
PENDING = "pending"  # the outcome of a detention with no outcome yet
PUSHBACK = "pushback"
DEPORTATION_OUTCOMES = frozenset(
    {"deported_by_air", "informal_expulsion_to_russian_border", "voluntary_return"}
)
ANSWERED, UNANSWERED = "answered", "unanswered"
DEFAULT_K = 5


class Scope(StrEnum):
    """Which events are counted: all of them (in-app) or the publishable ones."""

    INTERNAL = "internal"
    PUBLISH = "publish"


def disclosure_k() -> int:
    """The threshold k: counts 1..k-1 are suppressed (setting or env `BM_DISCLOSURE_K`)."""
    raw = getattr(settings, "DISCLOSURE_K", None) or os.environ.get("BM_DISCLOSURE_K")
    if raw in (None, ""):
        return DEFAULT_K
    try:
        k = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"BM_DISCLOSURE_K: {raw!r} is not a whole number") from None
    if k < 2:
        raise ValueError(f"BM_DISCLOSURE_K: {k} is below 2; it would suppress nothing")
    return k


def month_of(day: dt.date) -> str:
    """The month a record is counted in: "2024-03"."""
    return f"{day:%Y-%m}"


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def last_of_month(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)
