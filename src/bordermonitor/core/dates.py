"""Dates with precision: a day, a month ("March 2024"), a year, or a range.

Monitors rarely know the exact day: "in March 2024", "autumn 2021", "about the
10th".  A `FuzzyDate` is stored as the earliest and latest possible day plus a
precision, shown the way people write it, and compared by interval: a filter
"from 2024-03-10" includes "March 2024" because it may fall inside.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy

DAY, MONTH, YEAR, RANGE = "day", "month", "year", "range"
PRECISIONS = [
    (DAY, pgettext_lazy("date precision", "day")),
    (MONTH, pgettext_lazy("date precision", "month")),
    (YEAR, pgettext_lazy("date precision", "year")),
    (RANGE, pgettext_lazy("date precision", "range")),
]

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9


# Month names as shown, translated: alone ("March 2024") and after a day ("5 March
# 2024"), which differ in languages with cases (Russian «март 2024», «5 марта 2024»).
MONTH_NAMES = [
    pgettext_lazy("month", "January"),
    pgettext_lazy("month", "February"),
    pgettext_lazy("month", "March"),
    pgettext_lazy("month", "April"),
    pgettext_lazy("month", "May"),
    pgettext_lazy("month", "June"),
    pgettext_lazy("month", "July"),
    pgettext_lazy("month", "August"),
    pgettext_lazy("month", "September"),
    pgettext_lazy("month", "October"),
    pgettext_lazy("month", "November"),
    pgettext_lazy("month", "December"),
]
MONTH_NAMES_AFTER_DAY = [
    pgettext_lazy("month after a day number", "January"),
    pgettext_lazy("month after a day number", "February"),
    pgettext_lazy("month after a day number", "March"),
    pgettext_lazy("month after a day number", "April"),
    pgettext_lazy("month after a day number", "May"),
    pgettext_lazy("month after a day number", "June"),
    pgettext_lazy("month after a day number", "July"),
    pgettext_lazy("month after a day number", "August"),
    pgettext_lazy("month after a day number", "September"),
    pgettext_lazy("month after a day number", "October"),
    pgettext_lazy("month after a day number", "November"),
    pgettext_lazy("month after a day number", "December"),
]


def _month_text(d: dt.date) -> str:
    return pgettext("date as shown", "%(month)s %(year)s") % {
        "month": MONTH_NAMES[d.month - 1],
        "year": f"{d:%Y}",
    }


def _day_text(d: dt.date) -> str:
    return pgettext("date as shown", "%(day)s %(month)s %(year)s") % {
        "day": d.day,
        "month": MONTH_NAMES_AFTER_DAY[d.month - 1],
        "year": f"{d:%Y}",
    }


class FuzzyDateError(ValueError):
    """A date text that cannot be a date; the message says why, for a person.

    `code` names the reason for code that reacts to it ("reversed": a range that ends
    before it starts), since the message itself is translated."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FuzzyDate:
    earliest: dt.date
    latest: dt.date
    precision: str
    approximate: bool = False

    def __post_init__(self) -> None:
        if self.latest < self.earliest:
            raise FuzzyDateError(
                gettext("the range ends (%(end)s) before it starts (%(start)s)")
                % {"end": f"{self.latest:%Y-%m-%d}", "start": f"{self.earliest:%Y-%m-%d}"},
                code="reversed",
            )

    # -- construction
    @classmethod
    def day(cls, year: int, month: int, day: int, approximate: bool = False) -> FuzzyDate:
        d = _make_date(year, month, day)
        return cls(d, d, DAY, approximate)

    @classmethod
    def month(cls, year: int, month: int, approximate: bool = False) -> FuzzyDate:
        if not 1 <= month <= 12:
            raise FuzzyDateError(gettext("%(month)s is not a month (1–12)") % {"month": month})
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last), MONTH, approximate)

    @classmethod
    def year(cls, year: int, approximate: bool = False) -> FuzzyDate:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), YEAR, approximate)

    @classmethod
    def between(cls, earliest: dt.date, latest: dt.date, approximate: bool = False) -> FuzzyDate:
        return cls(earliest, latest, RANGE, approximate)

    @classmethod
    def from_stored(
        cls,
        earliest: dt.date | None,
        latest: dt.date | None,
        precision: str | None,
        approximate: bool = False,
    ) -> FuzzyDate | None:
        if earliest is None or latest is None:
            return None
        return cls(earliest, latest, precision or RANGE, approximate)

    # -- showing
    def __str__(self) -> str:
        if self.precision == DAY:
            text = _day_text(self.earliest)
        elif self.precision == MONTH:
            text = _month_text(self.earliest)
        elif self.precision == YEAR:
            text = f"{self.earliest:%Y}"
        else:
            text = pgettext("date as shown", "between %(start)s and %(end)s") % {
                "start": _day_text(self.earliest),
                "end": _day_text(self.latest),
            }
        if self.approximate:
            text = pgettext("date as shown", "about %(date)s") % {"date": text}
        return text

    def as_input(self) -> str:
        """The text form accepted by `parse_fuzzy_date`, for editing."""
        prefix = "~" if self.approximate else ""
        if self.precision == DAY:
            text = self.earliest.isoformat()
        elif self.precision == MONTH:
            text = f"{self.earliest:%Y-%m}"
        elif self.precision == YEAR:
            text = f"{self.earliest:%Y}"
        else:
            text = f"{self.earliest.isoformat()}..{self.latest.isoformat()}"
        return prefix + text

    # -- comparing
    def may_overlap(self, start: dt.date | None, end: dt.date | None) -> bool:
        return (end is None or self.earliest <= end) and (start is None or self.latest >= start)

    def certainly_within(self, start: dt.date | None, end: dt.date | None) -> bool:
        return (start is None or self.earliest >= start) and (end is None or self.latest <= end)


def _make_date(year: int, month: int, day: int) -> dt.date:
    if not 1 <= month <= 12:
        raise FuzzyDateError(gettext("%(month)s is not a month (1–12)") % {"month": month})
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise FuzzyDateError(
            ngettext(
                "%(date)s is not a date: %(month)s %(year)s has %(days)s day",
                "%(date)s is not a date: %(month)s %(year)s has %(days)s days",
                last,
            )
            % {
                "date": f"{year:04d}-{month:02d}-{day:02d}",
                "month": MONTH_NAMES[month - 1],
                "year": year,
                "days": last,
            }
        )
    return dt.date(year, month, day)


_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_EU_DAY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_WORD_MONTH = re.compile(r"^(?:(\d{1,2})\s+)?([a-z]+)\.?\s+(\d{4})$")
_APPROX = re.compile(r"^(?:~|ca\.?\s*|circa\s+|about\s+|approx\.?\s*|approximately\s+)", re.I)
_RANGE_SEP = re.compile(r"\s*(?:\.\.|/|\s+to\s+|\s+until\s+|–|—)\s*")


def _parse_point(text: str, approximate: bool) -> FuzzyDate:
    text = text.strip().lower()
    if m := _ISO_DAY.match(text):
        return FuzzyDate.day(int(m[1]), int(m[2]), int(m[3]), approximate)
    if m := _EU_DAY.match(text):
        return FuzzyDate.day(int(m[3]), int(m[2]), int(m[1]), approximate)
    if m := _ISO_MONTH.match(text):
        return FuzzyDate.month(int(m[1]), int(m[2]), approximate)
    if m := _YEAR.match(text):
        return FuzzyDate.year(int(m[1]), approximate)
    if (m := _WORD_MONTH.match(text)) and m[2] in MONTHS:
        if m[1]:
            return FuzzyDate.day(int(m[3]), MONTHS[m[2]], int(m[1]), approximate)
        return FuzzyDate.month(int(m[3]), MONTHS[m[2]], approximate)
    raise FuzzyDateError(
        gettext(
            "“%(text)s” is not a date; write 2024-03-15, 15.03.2024, 2024-03, March 2024, "
            "2024, or a range such as 2024-03-01..2024-04-15"
        )
        % {"text": text}
    )


def parse_fuzzy_date(text: str) -> FuzzyDate:
    """Read a date as people write it; raise FuzzyDateError with a readable reason."""
    text = (text or "").strip()
    if not text:
        raise FuzzyDateError(gettext("a date is required"), code="required")
    approximate = False
    if m := _APPROX.match(text):
        approximate = True
        text = text[m.end() :]
    parts = [p for p in _RANGE_SEP.split(text) if p]
    if len(parts) == 2 and not _EU_DAY.match(text):
        start, end = _parse_point(parts[0], False), _parse_point(parts[1], False)
        if end.latest < start.earliest:
            raise FuzzyDateError(gettext("the range ends before it starts"), code="reversed")
        return FuzzyDate.between(start.earliest, end.latest, approximate)
    return _parse_point(text, approximate)


def overlaps_q(prefix: str, start: dt.date | None, end: dt.date | None) -> Q:
    """Rows whose fuzzy date `prefix` may fall in [start, end] (interval overlap)."""
    q = Q()
    if end is not None:
        q &= Q(**{f"{prefix}_earliest__lte": end})
    if start is not None:
        q &= Q(**{f"{prefix}_latest__gte": start})
    return q


def within_q(prefix: str, start: dt.date | None, end: dt.date | None) -> Q:
    """Rows whose fuzzy date `prefix` certainly falls in [start, end]."""
    q = Q()
    if start is not None:
        q &= Q(**{f"{prefix}_earliest__gte": start})
    if end is not None:
        q &= Q(**{f"{prefix}_latest__lte": end})
    return q
