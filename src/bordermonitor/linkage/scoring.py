"""The Splink model's Fellegi-Sunter sum, computed in Python for one record at a time.

The app compares one new record against the few candidates its blocking keys find;
starting DuckDB and Splink for that would cost more than the comparison.  The same
comparison levels (`model._COMPARISONS`, matched by their labels) and the same m/u
parameters are used, so the in-app probability is the one `bordermonitor link` gives.
A trained model saved with `LinkModel.save` is used instead of the defaults when
`settings.LINKAGE_MODEL_FILE` names one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from django.conf import settings as django_settings

from bordermonitor.linkage.model import (
    DISTANCE_LEVELS,
    EARTH_RADIUS_KM,
    EVENT_LATER_DAYS,
    EVENT_SOON_DAYS,
    MIN_RECORDS_TO_COUNT,
    NAME_LEVELS,
    NAMES_DIFFER,
    FieldEvidence,
    LinkModel,
    ProposedMatch,
    name_agreement,
    part_information,
)
from bordermonitor.linkage.names import NameFeatures

# An unidentified body against one missing person who is consistent with it in sex, age,
# nationality and dates: the prior that they are the same person.  The model's own prior
# (one random pair in a thousand) is for any two records; a body is compared only with the
# few missing people it could be, of whom about one in ten is, in the monitors' experience.
BODY_PRIOR = 0.1


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """What the model compares about one person or body (names as features only)."""

    record_id: str
    names: tuple[NameFeatures, ...] = ()
    birth_date: str | None = None  # YYYY-MM-DD when known to the day (model.day_of_birth)
    birth_year_min: int | None = None
    birth_year_max: int | None = None
    sex: str | None = None  # "M", "F" or None
    nationality: str | None = None  # ISO 3166-1 alpha-3 or None
    # a missing person: the latest day they were certainly still heard from
    last_contact: dt.date | None = None
    # a body or a detention: earliest and latest day it may have been found or begun
    event_window: tuple[dt.date, dt.date] | None = None
    # the last known place of a missing person, or where a body was found (degrees)
    lat: float | None = None
    lon: float | None = None

    def __repr__(self) -> str:  # names are personal data: never in logs or tracebacks
        return f"MatchRecord(record_id={self.record_id!r})"


@dataclass(frozen=True, slots=True)
class NameInformation:
    """How rare each name part is among the records compared against (`model`'s
    information in bits: log2(records / records with the part)), and log2 of the records.

    Parts not in `bits` are taken as met once.  Without it (`None`, fewer records than
    `model.MIN_RECORDS_TO_COUNT`) names are scored as `model.name_agreement` does
    without counts.
    """

    bits: dict[str, float]
    scale: float

    @classmethod
    def counted(cls, records_with_part: dict[str, int], records: int) -> NameInformation | None:
        """From how many records have each part (`model.part_information`); None under
        `model.MIN_RECORDS_TO_COUNT` records, as in `model.with_name_information`."""
        if records < MIN_RECORDS_TO_COUNT:
            return None
        return cls(
            bits={p: part_information(n, records) for p, n in records_with_part.items()},
            scale=part_information(1, records),
        )

    def of(self, features: NameFeatures) -> tuple[float, ...]:
        return tuple(self.bits.get(t, self.scale) for t in features.tokens)


@dataclass(frozen=True)
class _Pair:
    left: MatchRecord
    right: MatchRecord
    information: NameInformation | None = None

    @property
    def named(self) -> bool:
        return bool(self.left.names and self.right.names)

    @cached_property
    def name_level(self) -> int:
        """The best `model.NAME_LEVELS` code over every spelling of either side."""
        info = self.information
        return min(
            (
                name_agreement(
                    a,
                    info.of(a) if info else None,
                    b,
                    info.of(b) if info else None,
                    info.scale if info else None,
                )
                for a in self.left.names
                for b in self.right.names
            ),
            default=NAMES_DIFFER,
        )

    @property
    def born_known(self) -> bool:
        return self.left.birth_year_min is not None and self.right.birth_year_min is not None

    @property
    def days_of_birth_in_one_year(self) -> bool:
        """Both known to the day and born the same year (`model._SAME_BIRTH_YEAR`)."""
        left, right = self.left.birth_date, self.right.birth_date
        return left is not None and right is not None and left[:4] == right[:4]

    @property
    def days_of_birth_swapped(self) -> bool:
        """One's day is the other's month (`model._DAY_AND_MONTH_SWAPPED`)."""
        left, right = self.left.birth_date, self.right.birth_date
        return (
            self.days_of_birth_in_one_year and left[5:7] == right[8:10] and left[8:10] == right[5:7]
        )

    def born_within(self, widen: int) -> bool:
        return (
            self.left.birth_year_min - widen <= self.right.birth_year_max
            and self.right.birth_year_min - widen <= self.left.birth_year_max
        )

    @property
    def days_after(self) -> tuple[int, int] | None:
        """Fewest and most days from the last contact to the event, whichever side has
        which (the SQL's COALESCE over both orders); None when no pair of them exists."""
        for missing, other in ((self.left, self.right), (self.right, self.left)):
            if missing.last_contact is not None and other.event_window is not None:
                first, last = other.event_window
                return (first - missing.last_contact).days, (last - missing.last_contact).days
        return None

    def event_within(self, days: int) -> bool:
        """Some day of the event's window falls 0..`days` days after the last contact."""
        low, high = self.days_after
        return high >= 0 and low <= days

    @property
    def placed(self) -> bool:
        return None not in (self.left.lat, self.left.lon, self.right.lat, self.right.lon)

    @property
    def km_apart(self) -> float:
        return km_apart(self.left.lat, self.left.lon, self.right.lat, self.right.lon)


def km_apart(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (the haversine of `model._KM_APART`, in Python)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


# One predicate per level label of model._COMPARISONS (the SQL conditions, in Python).
_LEVELS: dict[str, Callable[[_Pair], bool]] = {
    "name missing": lambda p: not p.named,
    **{
        label: (lambda p, code=code: p.name_level == code)
        for code, (label, _similarity, _information) in enumerate(NAME_LEVELS)
    },
    "names differ": lambda p: p.named and p.name_level == NAMES_DIFFER,
    "birth year unknown": lambda p: not p.born_known,
    "same birth date": lambda p: (
        p.left.birth_date is not None and p.left.birth_date == p.right.birth_date
    ),
    "day and month swapped": lambda p: p.days_of_birth_swapped,
    "other days of one birth year": lambda p: p.days_of_birth_in_one_year,
    "birth years agree": lambda p: p.born_within(0),
    "within a year": lambda p: p.born_within(1),
    "within three years": lambda p: p.born_within(3),
    "birth years differ": lambda p: True,
    "nationality unknown": lambda p: not (p.left.nationality and p.right.nationality),
    "same nationality": lambda p: p.left.nationality == p.right.nationality,
    "nationalities differ": lambda p: True,
    "sex unknown": lambda p: not (p.left.sex and p.right.sex),
    "same sex": lambda p: p.left.sex == p.right.sex,
    "sex differs": lambda p: True,
    "no dates to order": lambda p: p.days_after is None,
    f"within {EVENT_SOON_DAYS} days after last contact": lambda p: p.event_within(EVENT_SOON_DAYS),
    "within six months after last contact": lambda p: p.event_within(EVENT_LATER_DAYS),
    "long after last contact": lambda p: p.days_after[1] > EVENT_LATER_DAYS,
    "before last contact": lambda p: True,
    # the app keeps no document numbers for matching: only `bordermonitor link` files have them
    "document number unknown": lambda p: True,
    "place unknown": lambda p: not p.placed,
    **{f"within {km} km": (lambda p, km=km: p.km_apart < km) for km, _m, _u in DISTANCE_LEVELS},
    f"over {DISTANCE_LEVELS[-1][0]} km apart": lambda p: True,
}


@cache
def model_settings() -> dict[str, Any]:
    """The Splink settings in use: a saved model if configured, else the defaults."""
    path = getattr(django_settings, "LINKAGE_MODEL_FILE", None)
    model = LinkModel.load(path) if path else LinkModel.default()
    return model.settings


def _logit2(probability: float) -> float:
    return math.log2(probability / (1 - probability))


def score(
    left: MatchRecord,
    right: MatchRecord,
    *,
    prior: float | None = None,
    information: NameInformation | None = None,
) -> ProposedMatch:
    """Probability that two records are one person, with each field's level and weight."""
    settings = model_settings()
    pair = _Pair(left, right, information)
    if prior is None:
        prior = settings["probability_two_random_records_match"]
    total = _logit2(prior)
    evidence: dict[str, FieldEvidence] = {}
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            label = level["label_for_charts"]
            if not _LEVELS[label](pair):
                continue
            if level.get("is_null_level"):
                weight = 0.0
            else:
                m, u = level["m_probability"], level["u_probability"]
                weight = round(math.log2(m / u), 3) if m > 0 and u > 0 else -math.inf
            evidence[comparison["output_column_name"]] = FieldEvidence(level=label, weight=weight)
            total += weight
            break
    # far below zero the odds underflow (and -inf means a level impossible among matches)
    probability = 1 / (1 + 2 ** (-total)) if total > -1000 else 0.0
    return ProposedMatch(
        left_id=left.record_id,
        right_id=right.record_id,
        probability=probability,
        match_weight=total,
        evidence=evidence,
    )
