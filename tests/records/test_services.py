"""The write rules for people, events, acts and sources; refused writes change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bordermonitor.core.dates import FuzzyDate, parse_fuzzy_date
from bordermonitor.records import selectors
from bordermonitor.records.models import Act, Event, NameToken, Person, Source
from bordermonitor.records.services import (
    Consent,
    GroupCounts,
    NameInput,
    act_create,
    event_create,
    event_update,
    person_create,
    person_update,
    source_create,
)

pytestmark = pytest.mark.django_db


def test_person_gets_a_pseudonymous_code_and_scripts_are_detected(monitor):
    p = person_create(
        names=[
            NameInput("Mohammed Hussein Ali", "relative"),
            NameInput("Мухаммад Хусейн Алиев", "belarus_official"),
            NameInput("محمد حسين علي", "self"),
        ],
        created_by=monitor,
        sex="m",
        birth=parse_fuzzy_date("1998"),
        nationality="IRQ",
        vulnerabilities=["survivor_of_violence"],
        code_year=2024,
    )
    assert p.code.startswith("P-2024-") and len(p.code) == len("P-2024-00001")
    variants = list(p.name_variants.all())
    assert [v.script for v in variants] == ["latin", "cyrillic", "arabic"]
    assert variants[0].is_primary and not variants[1].is_primary
    assert str(p.birth) == "1998"
    assert NameToken.objects.filter(person=p).count() >= 6


def test_codes_count_up_per_prefix_and_year(monitor):
    a = person_create(names=[NameInput("A B")], created_by=monitor, code_year=2023)
    b = person_create(names=[NameInput("C D")], created_by=monitor, code_year=2023)
    assert int(b.code[-5:]) == int(a.code[-5:]) + 1


def test_refused_person_writes_nothing_and_names_the_fields(monitor):
    before = (Person.objects.count(), NameToken.objects.count())
    with pytest.raises(ValidationError) as exc:
        person_create(
            names=[NameInput("  ")],
            created_by=monitor,
            sex="q",
            nationality="XXX",
            estimated_age=300,
            vulnerabilities=["brave"],
        )
    fields = set(exc.value.message_dict)
    assert {"names", "sex", "nationality", "estimated_age", "vulnerabilities"} <= fields
    assert (Person.objects.count(), NameToken.objects.count()) == before


def test_future_birth_date_is_refused(monitor):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(ValidationError, match="future"):
        person_create(
            names=[NameInput("X")],
            created_by=monitor,
            birth=FuzzyDate.day(tomorrow.year, tomorrow.month, tomorrow.day),
        )


def test_person_update_replaces_names_and_the_blind_index(monitor):
    p = person_create(names=[NameInput("Ahmad Karimi")], created_by=monitor)
    person_update(person=p, names=[NameInput("Ahmed Kareemi")], sex="m")
    found = selectors.person_list(monitor, selectors.PersonFilters(name="kareemi"))
    assert list(found) == [p]
    assert not selectors.person_list(monitor, selectors.PersonFilters(name="karimi")).exists()
    assert Person.objects.get(pk=p.pk).sex == "m"


def test_name_search_crosses_scripts_and_needs_every_word(monitor):
    p = person_create(
        names=[NameInput("Мухаммед Аль-Хасан", "belarus_official")], created_by=monitor
    )
    other = person_create(names=[NameInput("Mukhammed Karimi")], created_by=monitor)
    assert set(selectors.person_list(monitor, selectors.PersonFilters(name="mukhammed"))) == {
        p,
        other,
    }
    assert list(
        selectors.person_list(monitor, selectors.PersonFilters(name="Mukhammed khasan"))
    ) == [p]
    assert list(selectors.person_list(monitor, selectors.PersonFilters(name="МУХАММЕД хасан"))) == [
        p
    ]


def test_event_takes_side_section_and_coordinates_from_its_place(monitor):
    e = event_create(
        date=parse_fuzzy_date("March 2024"),
        created_by=monitor,
        place="kuznica",
        event_types=["pushback"],
        counts=GroupCounts(group_size=12, women=3),
    )
    assert e.code.startswith("E-2024-")
    assert e.side == "PL" and e.border_section is not None and e.latitude is not None
    assert str(e.date) == "March 2024"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"date": None}, "date"),
        ({"place": "atlantis"}, "place"),
        ({"event_types": ["picnic"]}, "event_types"),
        ({"counts": GroupCounts(group_size=3, women=2, children=2)}, "group_size"),
        ({"latitude": 53.1}, "longitude"),
        ({"side": "XX"}, "side"),
    ],
)
def test_refused_event_names_the_field_and_writes_nothing(monitor, kwargs, field):
    args = {"date": parse_fuzzy_date("2024-03-02"), "created_by": monitor, **kwargs}
    before = Event.objects.count()
    with pytest.raises(ValidationError) as exc:
        event_create(**args)
    assert field in exc.value.message_dict
    assert Event.objects.count() == before


def test_event_in_the_future_is_refused(monitor):
    nxt = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="is in the future"):
        event_create(date=FuzzyDate.day(nxt.year, nxt.month, nxt.day), created_by=monitor)


def test_event_update_and_date_filters_use_overlap(monitor):
    e = event_create(date=parse_fuzzy_date("2024-01-05"), created_by=monitor)
    event_update(event=e, date=parse_fuzzy_date("March 2024"), title="pushback near Kuźnica")
    inside = selectors.EventFilters(date_from=dt.date(2024, 3, 10), date_to=dt.date(2024, 3, 12))
    outside = selectors.EventFilters(date_from=dt.date(2024, 4, 1))
    assert list(selectors.event_list(monitor, inside)) == [e]
    assert not selectors.event_list(monitor, outside).exists()


def test_acts_need_a_victim_and_known_terms(monitor):
    e = event_create(date=parse_fuzzy_date("2023-10"), created_by=monitor)
    p = person_create(names=[NameInput("Hawa")], created_by=monitor)
    act_create(event=e, violation_type="pushback", perpetrator="pl-border-guard", victim=p)
    act_create(
        event=e, violation_type="dog-attack", perpetrator="pl-border-guard", victim_group_count=4
    )
    with pytest.raises(ValidationError) as exc:
        act_create(event=e, violation_type="nope", perpetrator="unknown")
    assert {"violation_type", "victim"} <= set(exc.value.message_dict)
    assert Act.objects.filter(event=e).count() == 2
    filtered = selectors.event_list(monitor, selectors.EventFilters(violation_type="dog-attack"))
    assert list(filtered) == [e]


def test_internal_only_source_cannot_carry_release_consent(monitor):
    with pytest.raises(ValidationError) as exc:
        source_create(
            kind="interview",
            received_on=dt.date(2024, 2, 1),
            created_by=monitor,
            consent=Consent(quote=True, internal_only=True),
        )
    assert "internal_only" in exc.value.message_dict
    s = source_create(
        kind="interview",
        received_on=dt.date(2024, 2, 1),
        created_by=monitor,
        consent=Consent(quote=True, share_un=True, internal_only=False),
        testimony="They took our phones.",
    )
    assert Source.objects.get(pk=s.pk).testimony == "They took our phones."


def test_access_helpers_answer_the_same_404_for_missing_and_forbidden(users, monitor):
    from django.http import Http404

    p = person_create(names=[NameInput("Secret Name")], created_by=monitor)
    analyst = users["analyst"]
    for who, code in ((analyst, p.code), (monitor, "P-1999-99999")):
        with pytest.raises(Http404) as exc:
            selectors.access_person(who, code)
        assert str(exc.value) == "no such record"
    assert selectors.access_person(monitor, p.code) == p


def test_lists_refuse_a_role_without_the_capability(users):
    with pytest.raises(selectors.AccessDenied):
        selectors.person_list(users["analyst"])
    with pytest.raises(selectors.AccessDenied):
        selectors.source_list(users["admin"])
    assert selectors.headline_counts(users["analyst"])["persons"] == 0
