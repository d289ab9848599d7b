"""Finding events: every filter on a small data set, and a person's timeline.

The same tests run on SQLite and PostgreSQL (the suite runs on both): the JSON
vulnerability filter in particular must not rely on JSON containment, which
SQLite lacks.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bordermonitor.accounts import roles
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.records import selectors
from bordermonitor.records.models import Act
from bordermonitor.records.selectors import AccessDenied, EventFilters, PersonFilters
from bordermonitor.records.services import (
    GroupCounts,
    NameInput,
    act_create,
    event_create,
    person_create,
    source_create,
)
from tests.signin import sign_in

pytestmark = pytest.mark.django_db


def _person(monitor, name, nationality, sex="u", vulnerabilities=()):
    return person_create(
        names=[NameInput(name, "relative")],
        created_by=monitor,
        sex=sex,
        nationality=nationality,
        vulnerabilities=list(vulnerabilities),
    )


def _event(monitor, date, **kwargs):
    return event_create(date=parse_fuzzy_date(date), created_by=monitor, **kwargs)


@pytest.fixture
def world(monitor) -> dict:
    """Four events, three named victims, one unnamed group, two sources.

    march15  2024-03-15  Kuźnica (PL, BY-PL-C)  pushback      2 pushback acts (Syrian woman, group)
    march    March 2024  LT, no place           apprehension  beating by LT SBGS (Iraqi child)
    april2   2024-04-02  Bruzgi (BY, BY-PL-C)   pushback, violence
                                                 dog attack by BY SBC (group, a child among them)
                                                 pushback by PL Border Guard (Afghan man)
    y2023    2023        Terespol (PL, BY-PL-S) death         no acts
    """
    syrian = _person(monitor, "Rahel Haddad", "SYR", "f", ["pregnant", "woman_alone"])
    iraqi = _person(monitor, "Ali Hussein", "IRQ", "m", ["unaccompanied_child"])
    afghan = _person(monitor, "Ahmad Karimi", "AFG", "m")

    march15 = _event(monitor, "2024-03-15", place="kuznica", event_types=["pushback"])
    act_create(
        event=march15, violation_type="pushback", perpetrator="pl-border-guard", victim=syrian
    )
    act_create(
        event=march15, violation_type="pushback", perpetrator="pl-army", victim_group_count=3
    )
    march = _event(monitor, "March 2024", side="LT", event_types=["apprehension"])
    act_create(event=march, violation_type="beating", perpetrator="lt-sbgs", victim=iraqi)
    april2 = _event(
        monitor,
        "2024-04-02",
        place="bruzgi",
        event_types=["pushback", "violence"],
        counts=GroupCounts(group_size=6, children=2),
    )
    dogs = act_create(
        event=april2, violation_type="dog-attack", perpetrator="by-sbc", victim_group_count=5
    )
    Act.objects.filter(pk=dogs.pk).update(victim_group_vulnerabilities=["child"])
    act_create(
        event=april2, violation_type="pushback", perpetrator="pl-border-guard", victim=afghan
    )
    y2023 = _event(monitor, "2023", place="terespol", event_types=["death"])

    source_create(
        kind="interview",
        received_on=dt.date(2024, 3, 20),
        created_by=monitor,
        events=[march15],
        persons=[syrian],
    )
    source_create(
        kind="media", received_on=dt.date(2024, 3, 25), created_by=monitor, events=[march]
    )
    return {
        "march15": march15.code,
        "march": march.code,
        "april2": april2.code,
        "y2023": y2023.code,
        "syrian": syrian.code,
        "iraqi": iraqi.code,
        "afghan": afghan.code,
    }


def found(user, world, **filters) -> set[str]:
    """The world's names of the events matching `filters` (and no event twice)."""
    wanted = EventFilters(**filters)
    codes = [e.code for e in selectors.event_list(user, wanted)]
    assert len(codes) == len(set(codes)), f"an event is listed twice: {codes}"
    # the shape used for long lists finds the same events, in the same order
    assert [e.code for e in selectors.event_list(user, wanted, many=True)] == codes
    assert selectors.event_count(user, wanted) == selectors.ListCount(len(codes), True)
    # and the API's page of plain rows too
    assert [s.code for s in selectors.event_summaries(user, wanted, limit=500)] == codes
    name_of = {code: name for name, code in world.items()}
    return {name_of[c] for c in codes}


# -- dates -------------------------------------------------------------------------------


def test_date_filter_may_overlap_by_default(monitor, world):
    window = {"date_from": dt.date(2024, 3, 10), "date_to": dt.date(2024, 3, 20)}
    assert found(monitor, world, **window) == {"march15", "march"}
    assert found(monitor, world, date_mode="overlap", **window) == {"march15", "march"}
    june_2023 = {"date_from": dt.date(2023, 6, 1), "date_to": dt.date(2023, 6, 30)}
    assert found(monitor, world, **june_2023) == {"y2023"}  # "2023" may be in June
    assert found(monitor, world, date_from=dt.date(2024, 3, 31)) == {"march", "april2"}
    assert found(monitor, world, date_to=dt.date(2023, 12, 31)) == {"y2023"}


def test_date_filter_certainly_within(monitor, world):
    within = {"date_mode": "within"}
    window = {"date_from": dt.date(2024, 3, 10), "date_to": dt.date(2024, 3, 20)}
    assert found(monitor, world, **within, **window) == {"march15"}
    whole_march = {"date_from": dt.date(2024, 3, 1), "date_to": dt.date(2024, 3, 31)}
    assert found(monitor, world, **within, **whole_march) == {"march15", "march"}
    june_2023 = {"date_from": dt.date(2023, 6, 1), "date_to": dt.date(2023, 6, 30)}
    assert found(monitor, world, **within, **june_2023) == set()
    assert found(monitor, world, **within, date_from=dt.date(2024, 3, 2)) == {"march15", "april2"}
    assert found(monitor, world, **within, date_to=dt.date(2024, 3, 30)) == {"march15", "y2023"}


# -- where and what ----------------------------------------------------------------------


def test_place_side_and_border_section(monitor, world):
    assert found(monitor, world, place="kuznica") == {"march15"}
    assert found(monitor, world, side="PL") == {"march15", "y2023"}
    assert found(monitor, world, side="BY") == {"april2"}
    assert found(monitor, world, side="LT") == {"march"}
    assert found(monitor, world, border_section="BY-PL-C") == {"march15", "april2"}
    assert found(monitor, world, border_section="BY-PL-S") == {"y2023"}
    assert found(monitor, world, border_section="BY-LV") == set()


def test_event_type(monitor, world):
    assert found(monitor, world, event_type="pushback") == {"march15", "april2"}
    assert found(monitor, world, event_type="violence") == {"april2"}
    assert found(monitor, world, event_type="death") == {"y2023"}
    assert found(monitor, world, event_type="body-found") == set()


def test_violation_type_and_perpetrator(monitor, world):
    assert found(monitor, world, violation_type="pushback") == {"march15", "april2"}
    assert found(monitor, world, violation_type="dog-attack") == {"april2"}
    assert found(monitor, world, violation_type="beating") == {"march"}
    assert found(monitor, world, perpetrator="by-sbc") == {"april2"}
    assert found(monitor, world, perpetrator="pl-border-guard") == {"march15", "april2"}
    assert found(monitor, world, perpetrator="pl-army") == {"march15"}


def test_act_filters_hold_for_one_and_the_same_act(monitor, world):
    # april2 has a dog attack (by BY SBC) and a pushback by the Polish Border Guard,
    # but no dog attack by the Polish Border Guard
    assert (
        found(monitor, world, violation_type="dog-attack", perpetrator="pl-border-guard") == set()
    )
    assert found(monitor, world, violation_type="dog-attack", perpetrator="by-sbc") == {"april2"}
    assert found(monitor, world, violation_type="pushback", nationality="AFG") == {"april2"}
    assert found(monitor, world, violation_type="dog-attack", nationality="AFG") == set()
    assert found(monitor, world, perpetrator="pl-army", nationality="SYR") == set()


def test_victims_nationality(monitor, world):
    assert found(monitor, world, nationality="SYR") == {"march15"}
    assert found(monitor, world, nationality="IRQ") == {"march"}
    assert found(monitor, world, nationality="AFG") == {"april2"}
    assert found(monitor, world, nationality="ERI") == set()


def test_vulnerability_of_named_victims_or_groups(monitor, world):
    assert found(monitor, world, vulnerability="pregnant") == {"march15"}  # a person's flag
    assert found(monitor, world, vulnerability="woman_alone") == {"march15"}
    assert found(monitor, world, vulnerability="child") == {"april2"}  # a group's flag
    # "child" is not found inside "unaccompanied_child", nor the other way round
    assert found(monitor, world, vulnerability="unaccompanied_child") == {"march"}
    assert found(monitor, world, vulnerability="disabled") == set()
    assert found(monitor, world, vulnerability="%") == set()  # LIKE wildcards are literal
    assert found(monitor, world, vulnerability="_hild") == set()


def test_person_list_vulnerability_is_exact(monitor, world):
    def people(flag):
        return {p.code for p in selectors.person_list(monitor, PersonFilters(vulnerability=flag))}

    assert people("child") == set()
    assert people("unaccompanied_child") == {world["iraqi"]}
    assert people("pregnant") == {world["syrian"]}


def test_source_kind(monitor, world):
    assert found(monitor, world, source_kind="interview") == {"march15"}
    assert found(monitor, world, source_kind="media") == {"march"}
    assert found(monitor, world, source_kind="official") == set()


def test_victim_name_through_the_blind_index(monitor, world):
    assert found(monitor, world, victim_name="haddad") == {"march15"}
    assert found(monitor, world, victim_name="RAHEL haddad") == {"march15"}
    assert found(monitor, world, victim_name="Карими") == {"april2"}  # Cyrillic query
    assert found(monitor, world, victim_name="Rahel Karimi") == set()  # words of two people
    assert found(monitor, world, victim_name="nobody") == set()
    assert found(monitor, world, victim_name="karimi", side="BY") == {"april2"}
    assert found(monitor, world, victim_name="karimi", side="PL") == set()
    assert len(found(monitor, world, victim_name=" ,. ")) == 4  # no word: no filter


def test_filters_combine(monitor, world):
    assert found(
        monitor,
        world,
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2024, 6, 30),
        side="PL",
        violation_type="pushback",
    ) == {"march15"}
    assert found(
        monitor, world, event_type="pushback", source_kind="interview", vulnerability="pregnant"
    ) == {"march15"}


def test_unknown_codes_find_nothing(monitor, world):
    for name in ("place", "border_section", "event_type", "violation_type", "perpetrator"):
        assert found(monitor, world, **{name: "no-such-code"}) == set(), name
    assert found(monitor, world, nationality="XXX") == set()
    assert found(monitor, world, source_kind="rumour") == set()


def test_no_distinct_over_joins(monitor, world):
    filters = EventFilters(
        violation_type="pushback", event_type="pushback", source_kind="interview", nationality="SYR"
    )
    sql = str(selectors.event_list(monitor, filters, many=True).query).upper()
    assert "DISTINCT" not in sql
    assert "EXISTS" in sql


def test_a_list_page_costs_the_same_queries_whatever_its_length(monitor, world):
    """Related rows are loaded for the page only, in a fixed number of queries."""

    def queries(**filters) -> int:
        with CaptureQueriesContext(connection) as captured:
            events = list(selectors.event_list(monitor, EventFilters(**filters), with_acts=True))
            for e in events:
                selectors.act_summaries(monitor, e)
                [t.code for t in e.event_types.all()]
                _ = (e.place, e.border_section)
        return len(captured)

    assert queries() == queries(place="kuznica") - 1  # the place code resolved once


def test_long_lists_are_counted_up_to_a_cap(monitor, world, monkeypatch):
    """Filters that look beyond the event count up to COUNT_CAP, then say "more"."""
    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    pushbacks = EventFilters(violation_type="pushback")
    assert selectors.event_count(monitor, pushbacks) == selectors.ListCount(1, False)
    assert selectors.event_count(monitor, EventFilters(violation_type="beating")) == (
        selectors.ListCount(1, True)
    )
    # the event's own columns are always counted exactly
    assert selectors.event_count(monitor, EventFilters(side="PL")) == selectors.ListCount(2, True)
    # PostgreSQL counts a nationality exactly (faster there than stopping at the cap)
    syrian_pushbacks = EventFilters(nationality="SYR", violation_type="pushback")
    exact = connection.vendor == "postgresql"
    assert selectors.event_count(monitor, syrian_pushbacks) == selectors.ListCount(1, True)
    two = EventFilters(nationality="SYR", date_from=dt.date(2020, 1, 1))
    Act.objects.create(
        event=selectors.event_list(monitor, EventFilters(place="bruzgi")).get(),
        victim=selectors.access_person(monitor, world["syrian"]),
        violation_type_id=Act.objects.first().violation_type_id,
        perpetrator_id=Act.objects.first().perpetrator_id,
    )
    expected = selectors.ListCount(2, True) if exact else selectors.ListCount(1, False)
    assert selectors.event_count(monitor, two) == expected
    # the list itself is complete whatever the count says
    assert len(selectors.event_list(monitor, pushbacks, many=True)) == 2


def test_a_vulnerability_is_counted_past_the_cap_by_its_groups_first(monitor, world, monkeypatch):
    """Enough events with flagged unnamed groups settle "more than the cap" on their
    own; otherwise named victims and groups are counted together, as before."""
    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    child = EventFilters(vulnerability="child")
    assert selectors.event_count(monitor, child) == selectors.ListCount(1, True)  # april2
    march15 = selectors.access_event(monitor, world["march15"])
    flagged = Act.objects.filter(event=march15, victim__isnull=True)
    flagged.update(victim_group_vulnerabilities=["child", "pregnant"])
    with CaptureQueriesContext(connection) as captured:
        assert selectors.event_count(monitor, child) == selectors.ListCount(1, False)
    assert not [q for q in captured if "records_person" in q["sql"]]  # no one looked up
    # the groups' count keeps the other filters
    april = EventFilters(vulnerability="child", date_from=dt.date(2024, 4, 1))
    assert selectors.event_count(monitor, april) == selectors.ListCount(1, True)
    # below the cap through groups alone (march15), above it with a person (april2)
    pregnant = EventFilters(vulnerability="pregnant")
    assert selectors.event_count(monitor, pregnant) == selectors.ListCount(1, True)
    afghan = selectors.access_person(monitor, world["afghan"])
    afghan.vulnerabilities = ["pregnant"]
    afghan.save(update_fields=["vulnerabilities"])
    assert selectors.event_count(monitor, pregnant) == selectors.ListCount(1, False)
    assert len(selectors.event_list(monitor, pregnant, many=True)) == 2


def test_the_api_page_is_the_list_page_as_plain_rows(monitor, world, monkeypatch):
    """`event_summaries` (the API's page) says what `event_list` + `act_summaries` say."""
    everything = EventFilters()
    by_objects = [
        selectors.event_summary(monitor, e)
        for e in selectors.event_list(monitor, everything, with_acts=True)
    ]
    assert selectors.event_summaries(monitor, everything) == by_objects
    assert selectors.event_summaries(monitor, everything, offset=1, limit=2) == by_objects[1:3]
    assert selectors.event_summaries(monitor, everything, offset=10) == []
    april2 = next(s for s in by_objects if s.code == world["april2"])
    assert april2.event_types == ["pushback", "violence"]
    assert (april2.place, april2.side, april2.group_size, april2.children) == ("bruzgi", "BY", 6, 2)
    assert [a.violation_type for a in april2.acts] == ["dog-attack", "pushback"]
    # a role that may not open people gets no codes, the same way
    monkeypatch.setitem(
        roles.CAPABILITIES, "persons.view", roles.CAPABILITIES["persons.view"] - {roles.MONITOR}
    )
    rows = selectors.event_summaries(monitor, EventFilters(place="bruzgi"))
    assert [a.victim for a in rows[0].acts] == [None, selectors.VictimSummary(None, "AFG", "m")]


def test_the_list_page_says_more_than_the_cap(client, monitor, world, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    sign_in(client, monitor)
    text = client.get("/events/", {"violation_type": "pushback"}).content.decode()
    assert "more than 1 events match; narrow the filters" in text
    assert "2 found." in client.get("/events/", {"side": "PL"}).content.decode()


def test_roles(users, world):
    analyst = users["analyst"]
    with pytest.raises(AccessDenied):
        selectors.event_list(analyst, EventFilters())
    with pytest.raises(AccessDenied):
        selectors.event_map_points(analyst, EventFilters())


def test_a_role_without_people_cannot_search_by_name_nor_see_codes(monitor, world, monkeypatch):
    monkeypatch.setitem(
        roles.CAPABILITIES, "persons.view", roles.CAPABILITIES["persons.view"] - {roles.MONITOR}
    )
    with pytest.raises(AccessDenied):
        selectors.event_list(monitor, EventFilters(victim_name="haddad"))
    (event,) = selectors.event_list(monitor, EventFilters(place="kuznica"), with_acts=True)
    acts = selectors.act_summaries(monitor, event)
    named = [a.victim for a in acts if a.victim is not None]
    assert [(v.code, v.nationality, v.sex) for v in named] == [(None, "SYR", "f")]
    assert [a.group.count for a in acts if a.group is not None] == [3]


def test_act_summaries_name_victims_by_code(monitor, world):
    (event,) = selectors.event_list(monitor, EventFilters(place="bruzgi"), with_acts=True)
    acts = {a.violation_type: a for a in selectors.act_summaries(monitor, event)}
    assert acts["pushback"].victim == selectors.VictimSummary(world["afghan"], "AFG", "m")
    assert acts["pushback"].group is None
    assert acts["dog-attack"].victim is None
    assert acts["dog-attack"].group.count == 5
    assert acts["dog-attack"].group.vulnerabilities == ["child"]


# -- the map -----------------------------------------------------------------------------


def test_map_points_follow_the_filters(monitor, world):
    everything = selectors.event_map_points(monitor, EventFilters())
    # the Lithuanian event has no place, so no coordinates
    assert (everything.total, everything.located, len(everything.points)) == (4, 3, 3)
    assert {p.code for p in everything.points} == {world[k] for k in ("march15", "april2", "y2023")}
    bruzgi = next(p for p in everything.points if p.code == world["april2"])
    assert (bruzgi.side, bruzgi.types, str(bruzgi.date)) == (
        "BY",
        ["pushback", "violence"],
        "2 April 2024",
    )
    assert not everything.truncated

    pushbacks = selectors.event_map_points(monitor, EventFilters(violation_type="pushback"))
    assert {p.code for p in pushbacks.points} == {world["march15"], world["april2"]}

    first = selectors.event_map_points(monitor, EventFilters(), limit=1)
    assert [p.code for p in first.points] == [world["april2"]]  # newest first
    assert first.truncated


# -- a person's timeline -----------------------------------------------------------------


@pytest.fixture
def story(monitor) -> dict:
    person = _person(monitor, "Yonas Tesfay", "ERI", "m")
    other = _person(monitor, "Someone Else", "ERI", "m")
    codes = {}
    for key, date, types in [
        ("day", "2024-03-15", ["pushback"]),
        ("month", "March 2024", ["apprehension"]),
        ("year", "2023", ["crossing-attempt"]),
        ("range", "2024-02-20..2024-03-05", ["violence"]),
    ]:
        event = _event(monitor, date, place="kuznica", event_types=types)
        act_create(
            event=event, violation_type="pushback", perpetrator="pl-border-guard", victim=person
        )
        codes[key] = event.code
    twice = _event(monitor, "2024-05-01", title="Night pushback at the fence")
    act_create(event=twice, violation_type="pushback", perpetrator="pl-border-guard", victim=person)
    act_create(event=twice, violation_type="beating", perpetrator="pl-army", victim=person)
    codes["twice"] = twice.code
    unrelated = _event(monitor, "2024-03-16", place="kuznica")
    act_create(event=unrelated, violation_type="pushback", perpetrator="pl-army", victim=other)
    codes["source"] = source_create(
        kind="witness", received_on=dt.date(2024, 3, 20), created_by=monitor, persons=[person]
    ).code
    source_create(
        kind="witness", received_on=dt.date(2024, 3, 21), created_by=monitor, persons=[other]
    )
    codes["person"] = person.code
    return codes


def test_timeline_in_date_order_with_fuzzy_dates(monitor, story):
    person, entries = selectors.person_timeline(monitor, story["person"])
    assert person.code == story["person"]
    name_of = {code: name for name, code in story.items()}
    order = [(e.kind, name_of[e.code]) for e in entries]
    assert order == [
        ("event", "year"),  # 2023
        ("event", "range"),  # 20 February .. 5 March 2024
        ("event", "month"),  # March 2024: from 1 March, before the 15th
        ("event", "day"),  # 15 March 2024
        ("source", "source"),  # 20 March 2024
        ("event", "twice"),  # 1 May 2024
        ("record", "person"),  # the record was opened today
    ]
    twice = next(e for e in entries if e.code == story["twice"])
    assert twice.summary == (
        "pushback by Polish Border Guard; beating or other physical violence by Polish army"
        " — Night pushback at the fence"
    )
    assert str(entries[2].date) == "March 2024"
    assert "Yonas" not in " ".join(e.summary for e in entries)


def test_timeline_shows_each_kind_only_to_roles_that_may_see_it(monitor, story, monkeypatch):
    monkeypatch.setitem(
        roles.CAPABILITIES, "sources.view", roles.CAPABILITIES["sources.view"] - {roles.MONITOR}
    )
    _, entries = selectors.person_timeline(monitor, story["person"])
    assert "source" not in {e.kind for e in entries}
    assert len(entries) == 6


def test_timeline_refuses_like_the_person_page(users, story):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.person_timeline(users["analyst"], story["person"])
    with pytest.raises(Http404):
        selectors.person_timeline(users["monitor"], "P-2024-99999")


def test_timeline_takes_new_kinds_of_record(monitor, story):
    """A later kind of record (e.g. detentions) plugs in without changing the selector."""
    from bordermonitor.core.dates import FuzzyDate

    def detentions(person):
        yield selectors.TimelineEntry(FuzzyDate.month(2024, 4), "detention", "D-1", "detained")

    try:
        selectors.timeline_provider("detention", "persons.view")(detentions)
        _, entries = selectors.person_timeline(monitor, story["person"])
        kinds = [e.kind for e in entries]
        assert kinds.index("detention") == kinds.index("source") + 1  # April, after 20 March
    finally:
        selectors._TIMELINE_PROVIDERS[:] = [
            p for p in selectors._TIMELINE_PROVIDERS if p.kind != "detention"
        ]
