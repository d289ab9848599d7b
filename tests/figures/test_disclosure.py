"""Disclosure control: no count of 1..k-1 leaves, none can be solved for from the
totals or from a second table, and two exports with overlapping periods cannot be
differenced to isolate one person."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bordermonitor.core.dates import FuzzyDate
from bordermonitor.figures.disclosure import suppress_release, suppress_small_counts
from bordermonitor.figures.rules import disclosure_k
from bordermonitor.figures.tables import TOTAL, Table
from bordermonitor.tracing import services as tracing
from tests.figures.attacker import recovered


def _small(published, k):
    return [
        (t.figure, key, v) for t in published for key, v in t.rows if v is not None and 0 < v < k
    ]


def test_a_lonely_count_is_hidden_with_a_partner_so_the_total_does_not_give_it_away():
    table = Table(
        "deaths_per_month",
        "deaths",
        ("month", "confirmation"),
        {
            ("2024-01", "official"): 10,
            ("2024-01", "testimony"): 2,  # the small count
            ("2024-02", "official"): 7,
            ("2024-02", "testimony"): 6,
            ("2024-03", "official"): 9,
        },
    )
    published = suppress_small_counts(table, 5)
    assert published.value("2024-01", "testimony") is None
    # the row total 12 and the column total 8 are published: hiding the 2 alone would
    # leave it as 12 - 10; its partners are hidden too
    assert published.value("2024-01", TOTAL) == 12
    assert published.value("2024-01", "official") is None
    assert published.suppressed >= 4
    assert published.value(TOTAL, TOTAL) == 34
    assert not _small([published], 5)
    assert recovered([published]) == {}


def test_without_complements_the_attacker_would_win():
    """The attacker is real: given primary suppression only, it recovers the cell."""
    table = Table("t", "u", ("a",), {("x",): 2, ("y",): 9})
    naive = suppress_small_counts(table, 5)
    assert naive.value("x") is None and naive.value("y") is None  # complement chosen
    from bordermonitor.figures.tables import PublishedTable

    primary_only = PublishedTable(
        "t", "u", ("a",), "count", 5, rows=[(("x",), None), (("y",), 9), ((TOTAL,), 11)]
    )
    assert recovered([primary_only]) == {("u", (("a", "x"),)): pytest.approx(2)}


def test_a_second_table_of_the_same_release_does_not_give_a_cell_away():
    by_month = Table(
        "deaths_per_month",
        "deaths",
        ("month",),
        {("2024-01",): 3, ("2024-02",): 9, ("2024-03",): 8},
    )
    by_nationality = Table(
        "deaths_by_nationality", "deaths", ("nationality",), {("SYR",): 12, ("ERI",): 8}
    )
    by_both = Table(
        "deaths_by_month_nationality",
        "deaths",
        ("month", "nationality"),
        {
            ("2024-01", "SYR"): 3,
            ("2024-02", "SYR"): 5,
            ("2024-02", "ERI"): 4,
            ("2024-03", "SYR"): 4,
            ("2024-03", "ERI"): 4,
        },
    )
    published = suppress_release([by_month, by_nationality, by_both], 5)
    assert not _small(published, 5)
    assert recovered(published) == {}
    # one quantity, one fate: January is hidden in both tables that show it
    assert published[0].value("2024-01") is None
    assert published[2].value("2024-01", TOTAL) is None
    # each table alone would have published January's total of 3? no: it is below k;
    # and the grand total, shown three times, is the same number everywhere
    assert {t.value(*([TOTAL] * len(t.dimensions))) for t in published} == {20}


def test_k_comes_from_the_setting(settings):
    assert disclosure_k() == 5
    settings.DISCLOSURE_K = 3
    assert disclosure_k() == 3
    table = Table("t", "u", ("a",), {("x",): 3, ("y",): 4})
    published = suppress_small_counts(table)
    assert published.k == 3 and published.value("x") == 3 and published.value("y") == 4
    assert suppress_small_counts(table, 5).value("x") is None
    settings.DISCLOSURE_K = "one"
    with pytest.raises(ValueError, match="BM_DISCLOSURE_K"):
        disclosure_k()


# -- property: any table, any k ------------------------------------------------------

values = st.integers(min_value=0, max_value=14)


@st.composite
def tables(draw):
    shape = draw(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=3))
    cells = {}
    for index in range(int(__import__("math").prod(shape))):
        key, rest = [], index
        for size in shape:
            key.append(f"v{rest % size}")
            rest //= size
        cells[tuple(key)] = draw(values)
    dims = tuple(f"d{i}" for i in range(len(shape)))
    return Table("random", "random", dims, cells)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), k=st.integers(min_value=2, max_value=7))
def test_no_small_count_is_published_and_no_suppressed_cell_is_determined(table, k):
    published = suppress_small_counts(table, k)
    assert not _small([published], k)
    # every non-zero cell and total is either published exactly or hidden
    for key, value in published.rows:
        if value is not None:
            cells = [
                v
                for c, v in table.cells.items()
                if all(p in (TOTAL, x) for p, x in zip(key, c, strict=True))
            ]
            assert value == sum(cells)
    assert recovered([published]) == {}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=st.lists(values, min_size=6, max_size=6),
    k=st.integers(min_value=3, max_value=6),
)
def test_two_tables_sharing_a_marginal_cannot_be_combined(cells, k):
    months, nations = ("m1", "m2", "m3"), ("A", "B")
    grid = {(m, n): cells[i * 2 + j] for i, m in enumerate(months) for j, n in enumerate(nations)}
    by_month = Table(
        "per_month",
        "deaths",
        ("month",),
        {(m,): sum(v for (mm, _), v in grid.items() if mm == m) for m in months},
    )
    both = Table("month_nation", "deaths", ("month", "nationality"), grid)
    published = suppress_release([by_month, both], k)
    assert not _small(published, k)
    assert recovered(published) == {}


# -- differencing two exports ---------------------------------------------------------

K = 5


def _deaths(officer, day: dt.date, n: int, nationality: str, place: str = "bruzgi"):
    for _ in range(n):
        tracing.death_record(
            found=FuzzyDate.day(day.year, day.month, day.day),
            confirmation="official_statement",
            place=place,
            nationality=nationality,
            presumed_cause="hypothermia",
            by=officer,
        )


def _export(tmp_path, what: str, date_from: str, date_to: str) -> list[dict]:
    target = tmp_path / f"{what}-{date_from}-{date_to}.csv"
    call_command(
        "export",
        what=None,
        open_data=what,
        fmt="csv",
        date_from=date_from,
        date_to=date_to,
        output=str(target),
        overwrite=True,
        stderr=io.StringIO(),
    )
    return list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))


def _numbers(rows: list[dict], column: str) -> dict[tuple, int]:
    out = {}
    for row in rows:
        value = row[column]
        if value:
            key = tuple(v for c, v in row.items() if c != column)
            out[key] = int(value)
    return out


@pytest.mark.django_db
def test_differencing_two_exports_with_overlapping_periods_isolates_nobody(users, tmp_path):
    officer = users["tracing_officer"]
    # six Syrians and six Iraqis found each month, January to March 2024 (publishable)
    for month in (1, 2, 3):
        _deaths(officer, dt.date(2024, month, 10), 6, "SYR")
        _deaths(officer, dt.date(2024, month, 12), 6, "IRQ")
    # and one Eritrean on 1 April: the person an attacker wants to isolate
    _deaths(officer, dt.date(2024, 4, 1), 1, "ERI")
    # and enough others on 1 April that April's own rows are not all empty
    _deaths(officer, dt.date(2024, 4, 1), 7, "SYR")

    column = "No. dead"
    a = _export(tmp_path, "deaths", "2024-01-01", "2024-03-31")
    a_plus_day = _export(tmp_path, "deaths", "2024-01-01", "2024-04-01")
    a_plus_month = _export(tmp_path, "deaths", "2024-01-01", "2024-04-30")
    assert _numbers(a, column), "the export holds numbers, or the attack proves nothing"

    for later in (a_plus_day, a_plus_month):
        first, second = _numbers(a, column), _numbers(later, column)
        # the months both cover give the same numbers: nothing to subtract
        assert {key: v for key, v in second.items() if key[1] != "2024-04"} == first
        # the attacker's best: every difference of published numbers, and every
        # sum over the later file minus the earlier one
        differences = {second[key] - first.get(key, 0) for key in second}
        assert not any(0 < d < K for d in differences)
        assert not (0 < sum(second.values()) - sum(first.values()) < K)
        eritrea = [r for r in later if r["Country of Origin"] == "Eritrea"]
        assert eritrea and all(r[column] == "" for r in eritrea)
    # a period and the same period plus one day are widened to the same months
    assert a_plus_day == a_plus_month


def _as_tables(rows: list[dict], measure: str, dims: tuple[str, ...]) -> list:
    """What a reader rebuilds from an open-data file: one table per month."""
    from bordermonitor.figures.tables import PublishedTable

    by_month: dict[str, list] = {}
    for row in rows:
        value = int(row[measure]) if row[measure] else None
        by_month.setdefault(row["month"], []).append((tuple(row[d] for d in dims), value))
    return [
        PublishedTable(measure, measure, dims, measure, K, rows=cells, fixed=(("month", month),))
        for month, cells in by_month.items()
    ]


@pytest.mark.django_db
def test_two_incident_exports_together_give_away_no_hidden_cell(users, tmp_path, monitor):
    """Incidents have totals per month; the attacker solves every equation of two
    exports with overlapping periods at once."""
    from bordermonitor.core.dates import parse_fuzzy_date
    from bordermonitor.records.services import Consent, GroupCounts, event_create, source_create

    publish = Consent(publish_anonymously=True, internal_only=False)
    events = []
    plan = {
        "2024-05": (("kuznica", 6), ("bialowieza", 7), ("terespol", 1)),
        "2024-06": (("kuznica", 2), ("bialowieza", 9), ("medininkai", 5)),
    }
    for month, places in plan.items():
        for place, n in places:
            for i in range(n):
                events.append(
                    event_create(
                        date=parse_fuzzy_date(f"{month}-{i + 1:02d}"),
                        created_by=monitor,
                        place=place,
                        event_types=["pushback"],
                        counts=GroupCounts(group_size=3 + i),
                    )
                )
    source_create(
        kind="witness",
        received_on=dt.date(2024, 7, 1),
        created_by=monitor,
        consent=publish,
        events=events,
    )
    may = _export(tmp_path, "incidents", "2024-05-01", "2024-05-31")
    both = _export(tmp_path, "incidents", "2024-05-01", "2024-06-30")
    assert _numbers(may, "incidents") and _numbers(both, "people")
    assert [r for r in both if r["month"] == "2024-05"] == may  # months are independent
    for rows in (may, both):
        for column in ("incidents", "people"):
            assert not [r for r in rows if r[column] and 0 < int(r[column]) < K]
    dims = ("border_section", "side")
    tables = [
        *_as_tables(may, "incidents", dims),
        *_as_tables(both, "incidents", dims),
        *_as_tables(may, "people", dims),
        *_as_tables(both, "people", dims),
    ]
    assert any(v is None for t in tables for _, v in t.rows), "nothing hidden: no attack"
    assert recovered(tables) == {}
