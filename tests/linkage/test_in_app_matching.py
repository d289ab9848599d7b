"""Issue 5, in the app: a saved report, death or detention finds its possible matches.

Real database, real encryption; the derived matching data is checked with raw SQL so a
copied database cannot reveal what the names were.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.linkage import selectors, services
from bordermonitor.linkage.models import BlockingKey, NamePart, PersonMatchData
from bordermonitor.linkage.names import name_features
from bordermonitor.records import services as records
from bordermonitor.records.models import Person
from bordermonitor.records.services import NameInput
from bordermonitor.tracing import services as tracing
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

REPORTED = "Mohammed Hussein Ali"
DETAINED = "Мухаммад Хусейн Алиев"


def person(name: str, *, by, sex="m", birth="1999", nationality="IRQ") -> Person:
    return records.person_create(
        names=[NameInput(name, "relative")],
        created_by=by,
        sex=sex,
        birth=parse_fuzzy_date(birth) if birth else None,
        nationality=nationality,
    )


def missing(name: str, *, by, last_contact: str, **kwargs) -> Person:
    p = person(name, by=by, **kwargs)
    tracing.missing_report_file(
        person=p,
        received_on=dt.date(2024, 6, 1),
        reporter_relationship="sibling",
        last_contact=parse_fuzzy_date(last_contact),
        by=by,
    )
    return p


def body(*, by, found="2024-05-10", sex="m", age=25, nationality="IRQ"):
    return tracing.death_record(
        found=parse_fuzzy_date(found),
        confirmation="official_statement",
        sex=sex,
        age_min=age,
        age_max=age,
        nationality=nationality,
        by=by,
    )


def codes(matches) -> list[str]:
    return [m.counterpart.code for m in matches]


def test_a_report_finds_the_detention_written_in_cyrillic(monitor):
    reported = missing(REPORTED, by=monitor, last_contact="2024-03-01")
    detained = person(DETAINED, by=monitor, birth="1999")
    tracing.detention_record(
        person=detained, detained_from=dt.date(2024, 3, 5), facility="tdf-grodno", by=monitor
    )
    stranger = person("Ahmed Karim Saleh", by=monitor)

    found = selectors.possible_matches(reported)
    assert codes(found)[0] == detained.code
    assert stranger.code not in codes(found)
    best = found[0]
    assert best.probability > 0.9
    agreeing = {name for name, _level, _weight in best.agreeing}
    assert agreeing >= {"name", "birth year", "nationality", "sex"}
    assert all(weight > 0 for _n, _l, weight in best.agreeing)
    # and the other way round, from the detention's person
    assert reported.code in codes(selectors.possible_matches(detained))


def test_the_case_page_shows_the_possible_matches(users, monitor):
    reported = missing(REPORTED, by=monitor, last_contact="2024-03-01")
    detained = person(DETAINED, by=monitor)
    client = Client()
    sign_in(client, users["tracing_officer"])
    case = reported.tracing_cases.get()
    page = client.get(reverse("tracing-case-detail", args=[case.code]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Possible matches" in text
    assert detained.code in text
    assert DETAINED not in text  # the panel names records by code only


def test_an_unidentified_body_is_proposed_only_for_a_consistent_missing_man(monitor):
    iraqi = missing("Ali Hassan Jabbar", by=monitor, last_contact="2024-05-01", birth="1999")
    woman = missing(
        "Zainab Hassan Jabbar", by=monitor, last_contact="2024-05-01", sex="f", birth="1999"
    )
    heard_later = missing("Omar Hassan Jabbar", by=monitor, last_contact="2024-05-20", birth="1999")
    older = missing("Karim Hassan Jabbar", by=monitor, last_contact="2024-05-01", birth="1960")
    dead = body(by=monitor)

    proposed = selectors.possible_matches(dead)
    assert codes(proposed) == [iraqi.code]
    assert proposed[0].probability >= selectors.REVIEW_THRESHOLD
    agreeing = {name for name, _level, _weight in proposed[0].agreeing}
    # found nine days after the last contact counts too (issue 5: dates of the event)
    assert agreeing == {"birth year", "nationality", "sex", "found or detained after last contact"}
    # from the missing people's side too
    assert dead.code in codes(selectors.possible_matches(iraqi))
    for other in (woman, heard_later, older):
        assert dead.code not in codes(selectors.possible_matches(other))


def test_the_death_page_shows_the_proposed_missing_person(users, monitor):
    iraqi = missing("Ali Hassan Jabbar", by=monitor, last_contact="2024-05-01")
    dead = body(by=monitor)
    client = Client()
    sign_in(client, users["tracing_officer"])
    page = client.get(reverse("tracing-death-identify", args=[dead.code]))
    assert page.status_code == 200
    assert iraqi.code in page.content.decode()


def test_matching_data_follows_the_records(monitor):
    p = person("Ahmed Karim Saleh", by=monitor, birth="1990")
    data = PersonMatchData.objects.get(person=p)
    assert (data.birth_year_min, data.birth_year_max, data.sex, data.nationality) == (
        1990,
        1990,
        "m",
        "IRQ",
    )
    assert not data.is_missing
    before = set(BlockingKey.objects.filter(person=p).values_list("digest", flat=True))
    assert before

    records.person_update(person=p, names=[NameInput("Hussein Ali Jabbar", "relative")])
    after = set(BlockingKey.objects.filter(person=p).values_list("digest", flat=True))
    assert after and not after & before
    expected = {
        services.blocking_key_digest(k) for k in name_features("Hussein Ali Jabbar").blocking_keys
    }
    assert after == expected

    tracing.missing_report_file(
        person=p,
        received_on=dt.date(2024, 6, 1),
        reporter_relationship="parent",
        last_contact=parse_fuzzy_date("2024-04-02"),
        by=monitor,
    )
    data.refresh_from_db()
    assert data.is_missing and data.last_contact == dt.date(2024, 4, 2)

    parts = set(NamePart.objects.filter(person=p).values_list("digest", flat=True))
    assert parts == {
        services.name_part_digest(t) for t in name_features("Hussein Ali Jabbar").token_set
    }
    assert not parts & after  # a name part never meets a blocking key

    BlockingKey.objects.filter(person=p).delete()
    NamePart.objects.filter(person=p).delete()
    PersonMatchData.objects.filter(person=p).delete()
    assert services.matching_data_rebuild() == Person.objects.count()
    assert set(BlockingKey.objects.filter(person=p).values_list("digest", flat=True)) == expected
    assert set(NamePart.objects.filter(person=p).values_list("digest", flat=True)) == parts


def test_name_parts_are_counted_over_the_people_on_record(monitor):
    """How rare a name part is comes from the stored part digests: three Alis, one Jabbar."""
    first, *_others = [
        person(name, by=monitor)
        for name in ("Hussein Ali Jabbar", "Omar Ali", "Ali Hassan", "Zahra Karimi")
    ]
    me = services.person_match_record(first)
    records_with_part, people = services.name_part_counts([me])
    ali, jabbar = (name_features(n).tokens[0] for n in ("Ali", "Jabbar"))
    assert people == 4
    assert (records_with_part[ali], records_with_part[jabbar]) == (3, 1)
    # too few people to count: scored as `bordermonitor link` scores a small file
    assert services.name_information([me]) is None


def test_the_derived_data_holds_no_name_fragment(monitor):
    names = [REPORTED, DETAINED, "Qudsiyya Bint-Zaydan"]
    for name in names:
        person(name, by=monitor)
    fragments = {part.casefold() for name in names for part in name.replace("-", " ").split()}
    features = [name_features(n) for n in names]
    fragments |= {t for f in features for t in f.tokens}
    fragments |= {s for f in features for s in f.skeletons if len(s) >= 3}
    fragments |= {k for f in features for k in f.blocking_keys}
    dumped = []
    with connection.cursor() as cursor:
        for model in (BlockingKey, NamePart, PersonMatchData):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608
            dumped += [str(value).casefold() for row in cursor.fetchall() for value in row]
    assert len(dumped) > 10
    text = "\n".join(dumped)
    leaked = sorted(f for f in fragments if f in text)
    assert not leaked, leaked


def test_a_key_too_many_people_share_meets_only_the_same_birth_years(monitor):
    """As `bordermonitor link` caps its blocks (model.with_capped_blocks), the app: four
    Mohammed Alis share one key; over a cap of three, only one born in 1990 meets."""
    me = person("Mohammed Ali", by=monitor, birth="1990")
    near = person("Мухаммед Али", by=monitor, birth="1990")
    far = [person("Muhammad Ali", by=monitor, birth=b) for b in ("1989", "2001")]
    unknown = person("Mohamed Ali", by=monitor, birth="")

    assert set(selectors.person_candidates(me)) == {near, *far, unknown}
    assert selectors.person_candidates(me, max_block=3) == [near]


def test_the_review_queue_caps_a_common_key_as_the_candidates_do(monitor):
    """The queue pairs people as `person_candidates` finds them: over a cap of three
    people on one key, only those born in overlapping years are paired."""
    me = person("Mohammed Ali", by=monitor, birth="1990")
    near = person("Мухаммед Али", by=monitor, birth="1990")
    also = person("Muhammad Ali", by=monitor, birth="1990")
    far = [person("Mohamad Ali", by=monitor, birth=b) for b in ("1975", "2005")]

    def paired(max_block: int) -> set[frozenset[str]]:
        return {
            frozenset((m.person.code, m.other.code))
            for m in selectors.review_queue(threshold=0.0, max_block=max_block)
        }

    everyone = [me, near, also, *far]
    assert paired(max_block=500) == {
        frozenset((a.code, b.code)) for i, a in enumerate(everyone) for b in everyone[i + 1 :]
    }
    assert paired(max_block=3) == {
        frozenset((a.code, b.code)) for a, b in ((me, near), (me, also), (near, also))
    }
