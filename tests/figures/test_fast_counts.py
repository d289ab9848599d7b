"""The event figures read from the monthly counts give what a straight count gives.

A data set with group victims, one woman pushed back three times, events known only
from an internal-only source, events on the first and last day of months and an event
whose section comes from its place; then the records change (date moved to another
month, consent given, an act and an event deleted, a place moved to another section)
and the fast figures must still equal `count_directly`, and a rebuild must give the
very rows the signals kept.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.core.models import BorderSection, Place
from bordermonitor.figures import selectors
from bordermonitor.figures.monthly import DailyCount, EventCount, MonthlyCount, split_period
from bordermonitor.figures.rules import PUSHBACK, Scope
from bordermonitor.records.exports import Period
from bordermonitor.records.models import Act
from bordermonitor.records.services import (
    Consent,
    GroupCounts,
    NameInput,
    act_create,
    event_create,
    person_create,
    source_create,
    source_update,
)

pytestmark = pytest.mark.django_db

FIGURES = ["violations", "pushbacks_per_section", "pushback_incidents_per_section"]
PERIODS = [
    Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),  # whole months
    Period(dt.date(2024, 3, 31), dt.date(2024, 5, 1)),  # partial months at both ends
    Period(dt.date(2024, 3, 1), dt.date(2024, 3, 31)),  # one whole month
    Period(dt.date(2024, 3, 2), dt.date(2024, 3, 30)),  # inside one month
    Period(dt.date(2024, 4, 1), dt.date(2024, 4, 30)),
    Period(None, dt.date(2024, 4, 15)),  # since monitoring began, partial end
    Period(dt.date(2024, 2, 15), None),  # open end
    Period(None, None),
]


def _assert_fast_equals_direct() -> None:
    for period in PERIODS:
        for scope in Scope:
            for name in FIGURES:
                fast = selectors.FIGURES[name].compute(period, scope)
                direct = selectors.count_directly(name, period, scope)
                assert fast.cells == direct.cells, (name, period, scope)
                assert (fast.dimensions, fast.universe, fast.fixed) == (
                    direct.dimensions,
                    direct.universe,
                    direct.fixed,
                )


def _straight_cumulative(as_of: dt.date, scope: Scope) -> dict:
    """The event totals counted one record at a time in Python, by the rules."""
    events = list(selectors.events(Period(None, as_of), scope).prefetch_related("acts"))
    acts = [a for e in events for a in e.acts.select_related("violation_type")]
    victims = [1 if a.victim_id else a.victim_group_count for a in acts]
    pushbacks = [a for a in acts if a.violation_type.code == PUSHBACK]
    return {
        ("incidents",): len(events),
        ("violation_victims",): sum(victims),
        ("pushbacks",): sum(1 if a.victim_id else a.victim_group_count for a in pushbacks),
        ("people_pushed_back",): len({a.victim_id for a in pushbacks if a.victim_id})
        + sum(a.victim_group_count for a in pushbacks if not a.victim_id),
        ("pushback_incidents",): len({a.event_id for a in pushbacks}),
    }


@pytest.fixture
def records(monitor):
    woman = person_create(
        names=[NameInput("Fast Count Woman", "self")], created_by=monitor, nationality="SYR"
    )
    made = {}
    for key, day, place in [
        ("first_day", "2024-03-01", "kuznica"),
        ("last_day", "2024-03-31", "bialowieza"),
        ("april", "2024-04-01", "kuznica"),
        ("may_first", "2024-05-01", "kuznica"),
        ("month_only", "May 2024", "bialowieza"),
        ("december", "2023-12-31", "kuznica"),
    ]:
        made[key] = event_create(
            date=parse_fuzzy_date(day),
            created_by=monitor,
            place=place,
            counts=GroupCounts(group_size=20),
        )
    # the woman pushed back three times, twice in March
    for key in ("first_day", "last_day", "may_first"):
        act_create(
            event=made[key], violation_type="pushback", perpetrator="pl-border-guard", victim=woman
        )
    act_create(
        event=made["first_day"],
        violation_type="pushback",
        perpetrator="pl-border-guard",
        victim_group_count=12,
    )
    act_create(
        event=made["last_day"], violation_type="beating", perpetrator="pl-army", victim=woman
    )
    act_create(
        event=made["april"],
        violation_type="pushback",
        perpetrator="pl-army",
        victim_group_count=7,
    )
    act_create(
        event=made["month_only"],
        violation_type="dog-attack",
        perpetrator="pl-border-guard",
        victim_group_count=3,
    )
    act_create(
        event=made["december"],
        violation_type="pushback",
        perpetrator="pl-border-guard",
        victim_group_count=30,
    )
    publish = source_create(
        kind="witness",
        received_on=dt.date(2024, 6, 1),
        created_by=monitor,
        consent=Consent(publish_anonymously=True, internal_only=False),
        events=[made["first_day"], made["may_first"], made["december"]],
    )
    internal = source_create(
        kind="interview",
        received_on=dt.date(2024, 6, 2),
        created_by=monitor,
        consent=Consent(internal_only=True),
        events=[made["last_day"], made["april"], made["month_only"]],
    )
    return {"events": made, "publish": publish, "internal": internal, "woman": woman}


def test_fast_counts_equal_a_straight_count_before_and_after_changes(records, monitor):
    made = records["events"]
    # the data set is what the rules say, counted by hand
    march = Period(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    internal = selectors.violations(march, Scope.INTERNAL).cells
    assert internal == {
        ("pushback", "pl-border-guard", "PL"): 14,  # the woman twice + a group of 12
        ("beating", "pl-army", "PL"): 1,
    }
    published = selectors.violations(march, Scope.PUBLISH).cells
    assert published == {("pushback", "pl-border-guard", "PL"): 13}  # last_day is internal
    _assert_fast_equals_direct()
    for scope in Scope:
        totals = selectors.cumulative_totals(dt.date(2024, 12, 31), scope).cells
        for key, value in _straight_cumulative(dt.date(2024, 12, 31), scope).items():
            assert totals[key] == value, (key, scope)

    # an event moves from March to April (a new period month), consent is given to the
    # internal-only source, an act and an event are deleted, a place changes section
    from bordermonitor.records.services import event_update

    event_update(event=made["last_day"], date=parse_fuzzy_date("2024-04-30"), place="bialowieza")
    source_update(
        source=records["internal"],
        kind="interview",
        received_on=dt.date(2024, 6, 2),
        consent=Consent(publish_anonymously=True, internal_only=False),
        events=[made["last_day"], made["april"]],  # month_only unlinked: now no source
    )
    Act.objects.filter(event=made["first_day"], victim_group_count=12).get().delete()
    made["december"].delete()
    first_day = made["first_day"]
    first_day.refresh_from_db()
    first_day.border_section = None  # its section now comes from its place
    first_day.save()
    place = Place.objects.get(code="kuznica")
    other = BorderSection.objects.exclude(pk=place.border_section_id).first()
    place.border_section = other
    place.save()

    april = Period(dt.date(2024, 4, 1), dt.date(2024, 4, 30))
    assert selectors.violations(april, Scope.PUBLISH).cells == {
        ("pushback", "pl-border-guard", "PL"): 1,  # the moved event, now publishable
        ("beating", "pl-army", "PL"): 1,
        ("pushback", "pl-army", "PL"): 7,
    }
    assert selectors.pushbacks_per_section(march, Scope.INTERNAL).cells == {
        (other.code,): 1  # the woman on 1 March, at kuznica, now in the other section
    }
    _assert_fast_equals_direct()
    for scope in Scope:
        totals = selectors.cumulative_totals(dt.date(2024, 12, 31), scope).cells
        for key, value in _straight_cumulative(dt.date(2024, 12, 31), scope).items():
            assert totals[key] == value, (key, scope)

    # a rebuild from the records gives the very rows the signals kept
    def cells():
        fields = ("figure", "scope", "d1", "d2", "d3", "n")
        return (
            sorted(MonthlyCount.objects.values_list("month", *fields)),
            sorted(DailyCount.objects.values_list("day", *fields)),
            sorted((str(e), sorted(c)) for e, c in EventCount.objects.values_list("pk", "counts")),
        )

    kept = cells()
    assert all(kept)
    call_command("figures", "rebuild", "--quiet")
    assert cells() == kept


def test_whole_months_come_from_the_monthly_cells_and_partial_months_from_the_daily():
    months, edges = split_period(Period(dt.date(2024, 3, 31), dt.date(2024, 6, 1)))
    assert months == (dt.date(2024, 4, 1), dt.date(2024, 5, 1))
    assert edges == [
        Period(dt.date(2024, 3, 31), dt.date(2024, 3, 31)),
        Period(dt.date(2024, 6, 1), dt.date(2024, 6, 1)),
    ]
    assert split_period(Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))) == (
        (dt.date(2024, 1, 1), dt.date(2024, 12, 1)),
        [],
    )
    assert split_period(Period(dt.date(2024, 3, 2), dt.date(2024, 3, 30))) == (
        None,
        [Period(dt.date(2024, 3, 2), dt.date(2024, 3, 30))],
    )
    assert split_period(Period(None, None)) == ((None, None), [])
    # 15 Jan to 10 Feb: two partial months, no whole one
    assert split_period(Period(dt.date(2024, 1, 15), dt.date(2024, 2, 10))) == (
        None,
        [
            Period(dt.date(2024, 1, 15), dt.date(2024, 1, 31)),
            Period(dt.date(2024, 2, 1), dt.date(2024, 2, 10)),
        ],
    )


def test_a_write_rolled_back_leaves_the_counts_as_they_were(records, monitor):
    """The counts change in the write's transaction: a rollback takes them back too."""
    from django.db import transaction

    def cells():
        return sorted(MonthlyCount.objects.values_list("figure", "scope", "month", "d1", "n"))

    before = cells()
    with pytest.raises(RuntimeError), transaction.atomic():
        act_create(
            event=records["events"]["april"],
            violation_type="pushback",
            perpetrator="pl-army",
            victim_group_count=40,
        )
        assert cells() != before  # counted at once, inside the transaction
        raise RuntimeError("the rest of the write failed")
    assert cells() == before
    _assert_fast_equals_direct()
