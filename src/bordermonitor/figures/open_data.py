"""Open data: incidents, deaths, missing persons and violations as month rows.

`bordermonitor export --what incidents|deaths|missing|violations --format
csv|xlsx|json|hxl --from --to --out FILE` writes one of these files.  Every
number goes through `figures.disclosure`; nothing else leaves:

- the period is widened to whole calendar months (`month_period`): dates leave
  as months only, and a period and the same period plus a day give one file;
- each month is its own release (no totals across months), suppressed on its
  own, so two files with overlapping periods hold the same numbers for the
  months they share — differencing them finds nothing that is not published;
- places leave as border sections and sides (countries) only; no name, code or
  free text enters a row: the dimensions are vocabulary codes, months,
  countries and causes.

Layouts:

- `incidents`: month, border section, side (ISO 3166-1 alpha-3), incidents,
  people (recorded group sizes); totals per month over sections and sides;
- `violations`: month, violation type, perpetrator, side, victims (a group
  counts its size); totals per month;
- `deaths` and `missing`: the column layout of IOM's Missing Migrants Project as
  in `demo/data/iom_mmp_belarus_deaths.csv` (names from its README, in its
  order), plus MMP's "Minimum Estimated Number of Missing" at the end: one row
  per month × country of incident × cause × country of origin × source quality,
  `Main ID`, `Latitude` and `Longitude` left empty (no codes, no points).
  `Source Quality` carries our confirmation: 5 for an official statement, 3
  for testimony only (an organisation's own interviews); deaths and missing
  rows have no totals (MMP files have none), so only primary suppression
  applies to them.  A missing-person row's date is the month the report was
  received (the counting rule; last-contact dates are often unknown), its
  country of incident the side of the last contact, its cause and source
  quality empty.

`hxl` is the CSV with a row of HXL hashtags under the header (validated by
libhxl in the tests).  A suppressed count is an empty cell (`null` in JSON).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from bordermonitor.core.models import Nationality
from bordermonitor.records.exports import Period, _cell
from bordermonitor.tracing.models import OFFICIAL

from . import selectors
from .disclosure import suppress_release
from .rules import RULES_VERSION, UNKNOWN, Scope, disclosure_k, first_of_month, last_of_month
from .tables import TOTAL, Table

WHATS = ("incidents", "deaths", "missing", "violations")
CSV, XLSX, JSON, HXL = "csv", "xlsx", "json", "hxl"
OPEN_FORMATS = (CSV, XLSX, JSON, HXL)

Progress = Callable[[int, int], None]

ISO3 = {"BY": "BLR", "PL": "POL", "LT": "LTU", "LV": "LVA", "RU": "RUS", "UA": "UKR"}
MMP_COUNTRY = {
    "BY": "Belarus",
    "PL": "Poland",
    "LT": "Lithuania",
    "LV": "Latvia",
    "RU": "Russian Federation",
    "UA": "Ukraine",
}
HARSH = "Harsh environmental conditions / lack of adequate shelter, food, water"
MMP_CAUSE = {
    "hypothermia": HARSH,
    "exhaustion": HARSH,
    "drowning": "Drowning",
    "violence": "Violence",
    "illness": "Sickness / lack of access to adequate healthcare",
    "unknown": "Mixed or unknown",
}
MMP_SOURCE_QUALITY = {OFFICIAL: "5", "testimony_only": "3"}
MMP_UNKNOWN = "Unknown"

# the subset's columns as named in its README (IOM MMP), in its order
MMP_COLUMNS = [
    "Main ID",
    "incident_date_clean",
    "Country of Incident",
    "Cause of death (category)",
    "Country of Origin",
    "No. dead",
    "Source Quality",
    "Latitude",
    "Longitude",
]
MMP_MISSING = "Minimum Estimated Number of Missing"
MMP_TAGS = [
    "#meta+id",
    "#date+incident",
    "#country+name+incident",
    "#indicator+cause",
    "#country+name+origin",
    "#affected+killed",
    "#meta+source_quality",
    "#geo+lat",
    "#geo+lon",
    "#affected+missing",
]


@dataclass(frozen=True)
class Layout:
    columns: list[str]
    tags: list[str]


LAYOUTS = {
    "incidents": Layout(
        ["month", "border_section", "side", "incidents", "people"],
        ["#date", "#loc+section", "#country+code", "#indicator+num+incidents", "#affected+ind"],
    ),
    "violations": Layout(
        ["month", "violation_type", "perpetrator", "side", "victims"],
        ["#date", "#event+type", "#org+perpetrator", "#country+code", "#affected+ind"],
    ),
    "deaths": Layout([*MMP_COLUMNS, MMP_MISSING], MMP_TAGS),
    "missing": Layout([*MMP_COLUMNS, MMP_MISSING], MMP_TAGS),
}


def month_period(period: Period, today: dt.date | None = None) -> Period:
    """The period widened to whole months; an open end is today's month."""
    period.check()
    end = period.date_to or today or timezone.localdate()
    start = period.date_from
    return Period(first_of_month(start) if start else None, last_of_month(end))


# -- the month tables -----------------------------------------------------------------


def _split(rows, universe: str, dims: tuple[str, ...], *, margins: bool) -> dict[str, Table]:
    """(month, *dims, count) rows → one table per month."""
    cells: dict[str, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for month, *rest in rows:
        *key, count = rest
        if count:
            cells[month][tuple(key)] += int(count)
    return {
        month: Table(
            figure=universe,
            universe=universe,
            dimensions=dims,
            cells=dict(c),
            margins=margins,
        )
        for month, c in cells.items()
    }


def _m(value) -> str:
    return selectors._month(value)


def _side(code) -> str:
    return ISO3.get(code or "", UNKNOWN)


def _incidents(period: Period) -> list[dict[str, Table]]:
    section = Coalesce("border_section__code", "place__border_section__code")
    base = (
        selectors.events(period, Scope.PUBLISH)
        .annotate(mo=TruncMonth("date_earliest"), section=section)
        .values("mo", "section", "side")
        .order_by()
    )
    counted = base.annotate(n=Count("pk")).values_list("mo", "section", "side", "n")
    people = base.annotate(
        n=Sum(Coalesce("group_size", Value(0)), output_field=IntegerField())
    ).values_list("mo", "section", "side", "n")
    dims = ("border_section", "side")
    return [
        _split(
            ((_m(mo), s or UNKNOWN, _side(side), n) for mo, s, side, n in counted),
            "incidents",
            dims,
            margins=True,
        ),
        _split(
            ((_m(mo), s or UNKNOWN, _side(side), n) for mo, s, side, n in people),
            "incident_people",
            dims,
            margins=True,
        ),
    ]


def _violations(period: Period) -> list[dict[str, Table]]:
    rows = (
        selectors._acts(period, Scope.PUBLISH, None)
        .annotate(mo=TruncMonth("event__date_earliest"))
        .values("mo", "violation_type__code", "perpetrator__code", "event__side")
        .annotate(n=selectors._VICTIMS)
        .order_by()
        .values_list("mo", "violation_type__code", "perpetrator__code", "event__side", "n")
    )
    return [
        _split(
            ((_m(mo), vt, p, _side(side), n) for mo, vt, p, side, n in rows),
            "violations",
            ("violation_type", "perpetrator", "side"),
            margins=True,
        )
    ]


def _origins() -> dict[str, str]:
    return dict(Nationality.objects.values_list("code", "name"))


MMP_DIMS = ("country", "cause", "origin", "quality")


def _deaths(period: Period) -> list[dict[str, Table]]:
    rows = (
        selectors.deaths(period)
        .annotate(mo=TruncMonth("found_earliest"))
        .values("mo", "side", "presumed_cause", "nationality__code", "confirmation")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("mo", "side", "presumed_cause", "nationality__code", "confirmation", "n")
    )
    names = _origins()
    return [
        _split(
            (
                (
                    _m(mo),
                    MMP_COUNTRY.get(side, MMP_UNKNOWN),
                    MMP_CAUSE.get(cause, MMP_CAUSE["unknown"]),
                    names.get(nat, MMP_UNKNOWN) if nat else MMP_UNKNOWN,
                    MMP_SOURCE_QUALITY.get(conf, ""),
                    n,
                )
                for mo, side, cause, nat, conf, n in rows
            ),
            "deaths",
            MMP_DIMS,
            margins=False,
        )
    ]


def _missing(period: Period) -> list[dict[str, Table]]:
    rows = (
        selectors.missing_reports(period)
        .annotate(mo=TruncMonth("received_on"))
        .values("mo", "last_contact_side", "person__nationality__code")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("mo", "last_contact_side", "person__nationality__code", "n")
    )
    names = _origins()
    return [
        _split(
            (
                (
                    _m(mo),
                    MMP_COUNTRY.get(side, MMP_UNKNOWN),
                    "",
                    names.get(nat, MMP_UNKNOWN) if nat else MMP_UNKNOWN,
                    "",
                    n,
                )
                for mo, side, nat, n in rows
            ),
            "missing_reports",
            MMP_DIMS,
            margins=False,
        )
    ]


BUILDERS = {
    "incidents": _incidents,
    "deaths": _deaths,
    "missing": _missing,
    "violations": _violations,
}


def _row(what: str, month: str, key: tuple[str, ...], values: list[int | None]) -> list:
    if what in ("incidents", "violations"):
        return [month, *key, *values]
    country, cause, origin, quality = key
    dead, missing = (values[0], "") if what == "deaths" else ("", values[0])
    return ["", month, country, cause, origin, dead, quality, "", "", missing]


def open_data_rows(
    what: str,
    period: Period,
    *,
    k: int | None = None,
    on_progress: Progress | None = None,
) -> Iterator[list]:
    """The rows of one open-data file (without header), after disclosure control."""
    if what not in WHATS:
        raise ValidationError({"what": f"{what!r} is not one of {', '.join(WHATS)}"})
    k = disclosure_k() if k is None else k
    per_month = BUILDERS[what](month_period(period))
    months = sorted(set().union(*(set(m) for m in per_month)))
    for i, month in enumerate(months):
        tables = [m[month] for m in per_month if month in m]
        published = suppress_release(tables, k)
        by_key: dict[tuple[str, ...], list[int | None]] = {}
        order: list[tuple[str, ...]] = []
        for j, table in enumerate(published):
            for key, value in table.rows:
                if key not in by_key:
                    by_key[key] = [0] * len(published)
                    order.append(key)
                by_key[key][j] = value
        for key in order:
            yield _row(what, month, key, by_key[key])
        if on_progress:
            on_progress(i + 1, len(months))


# -- writing ---------------------------------------------------------------------------


def _text(value) -> str:
    return _cell("" if value is None else value)


def write_open_data(
    out: BinaryIO,
    what: str,
    fmt: str,
    period: Period,
    *,
    k: int | None = None,
    on_progress: Progress | None = None,
) -> int:
    """Write one open-data file to the binary stream `out`; return its number of rows."""
    if fmt not in OPEN_FORMATS:
        raise ValidationError({"format": f"{fmt!r} is not one of {', '.join(OPEN_FORMATS)}"})
    k = disclosure_k() if k is None else k
    period = month_period(period)
    layout = LAYOUTS.get(what)
    rows = list(open_data_rows(what, period, k=k, on_progress=on_progress))
    if fmt in (CSV, HXL):
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(layout.columns)
        if fmt == HXL:
            writer.writerow(layout.tags)
        for row in rows:
            writer.writerow([_text(v) for v in row])
        out.write(text.getvalue().encode("utf-8"))
    elif fmt == JSON:
        document = {
            "what": what,
            "from": period.date_from.isoformat() if period.date_from else None,
            "to": period.date_to.isoformat(),
            "k": k,
            "rules_version": RULES_VERSION,
            "suppressed": "null: a count from 1 to k-1, or one that would reveal one",
            "columns": layout.columns,
            "rows": [dict(zip(layout.columns, row, strict=True)) for row in rows],
        }
        out.write(json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    else:
        _xlsx(out, what, layout, rows, period, k)
    return len(rows)


def _xlsx(out: BinaryIO, what, layout: Layout, rows, period: Period, k: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(what)
    sheet.append(layout.columns)
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    about = book.create_sheet("about")
    about.append(["period from", period.date_from.isoformat() if period.date_from else ""])
    about.append(["period to", period.date_to.isoformat()])
    about.append(["k", k])
    about.append(["rules version", RULES_VERSION])
    about.append(["empty count", "suppressed: from 1 to k-1, or would reveal one"])
    book.save(out)


__all__ = [
    "LAYOUTS",
    "MMP_COLUMNS",
    "OPEN_FORMATS",
    "TOTAL",
    "WHATS",
    "month_period",
    "open_data_rows",
    "write_open_data",
]
