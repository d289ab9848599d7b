import datetime as dt

import pytest

from bordermonitor.core.dates import FuzzyDate, FuzzyDateError, overlaps_q, parse_fuzzy_date


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "shown"),
    [
        ("2024-03-05", "2024-03-05", "2024-03-05", "5 March 2024"),
        ("5.3.2024", "2024-03-05", "2024-03-05", "5 March 2024"),
        ("March 2024", "2024-03-01", "2024-03-31", "March 2024"),
        ("2024-02", "2024-02-01", "2024-02-29", "February 2024"),
        ("2023", "2023-01-01", "2023-12-31", "2023"),
        ("~2024-03", "2024-03-01", "2024-03-31", "about March 2024"),
        (
            "2024-03-01..2024-04-15",
            "2024-03-01",
            "2024-04-15",
            "between 1 March 2024 and 15 April 2024",
        ),
        (
            "2021-09 to 2021-11",
            "2021-09-01",
            "2021-11-30",
            "between 1 September 2021 and 30 November 2021",
        ),
    ],
)
def test_dates_are_read_as_people_write_them(text, earliest, latest, shown):
    d = parse_fuzzy_date(text)
    assert d.earliest == dt.date.fromisoformat(earliest)
    assert d.latest == dt.date.fromisoformat(latest)
    assert str(d) == shown
    assert parse_fuzzy_date(d.as_input()) == d


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2024-02-30", "February 2024 has 29 days"),
        ("2023-02-29", "February 2023 has 28 days"),
        ("2024-13", "not a month"),
        ("yesterday-ish", "is not a date"),
        ("2024-05-01..2024-04-01", "ends before it starts"),
        ("", "required"),
    ],
)
def test_impossible_dates_are_refused_with_a_reason(text, reason):
    with pytest.raises(FuzzyDateError, match=reason):
        parse_fuzzy_date(text)


def test_a_month_may_overlap_a_period_but_is_not_certainly_within_it():
    march = FuzzyDate.month(2024, 3)
    assert march.may_overlap(dt.date(2024, 3, 10), dt.date(2024, 12, 31))
    assert not march.certainly_within(dt.date(2024, 3, 10), dt.date(2024, 12, 31))
    assert march.certainly_within(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert not march.may_overlap(dt.date(2024, 4, 1), None)


def test_overlap_filter_compares_the_interval_not_the_first_day():
    q = overlaps_q("date", dt.date(2024, 3, 10), dt.date(2024, 3, 20))
    assert ("date_earliest__lte", dt.date(2024, 3, 20)) in q.children
    assert ("date_latest__gte", dt.date(2024, 3, 10)) in q.children
