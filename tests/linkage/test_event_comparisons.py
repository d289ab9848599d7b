"""Issue 5: a missing person against a death or a detention also compares the dates (found
after the last contact) and the distance from the last known place, in `bordermonitor
link match`, in the in-app scoring, and in the app's possible matches."""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter

import pytest

from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.core.models import Place
from bordermonitor.linkage import model as linkage
from bordermonitor.linkage import selectors
from bordermonitor.linkage.model import DEFAULT_SETTINGS, LinkModel, LinkRecord
from bordermonitor.linkage.names import name_features
from bordermonitor.linkage.scoring import MatchRecord, NameInformation, km_apart, score
from bordermonitor.records import services as records
from bordermonitor.records.services import NameInput
from bordermonitor.tracing import services as tracing

LAST_CONTACT = dt.date(2023, 10, 12)
KUZNICA = (53.5100, 23.6400)  # last known place
BRUZGI = (53.5900, 23.7300)  # about 11 km away, across the border
HAJNOWKA = (52.7400, 23.5800)  # about 86 km south
DAUGAVPILS = (55.8700, 26.5400)  # about 330 km north


def missing(**fields) -> LinkRecord:
    """The man a sister reported: last heard of near Kuźnica on LAST_CONTACT."""
    return LinkRecord(
        record_id="MR-1",
        full_name="Mohammed Hussein Ali",
        birth_date="1998",
        sex="M",
        nationality="IRQ",
        event_date=LAST_CONTACT,
        lat=KUZNICA[0],
        lon=KUZNICA[1],
        **fields,
    )


def event(record_id: str, found: dt.date | None, where: tuple[float, float] | None) -> LinkRecord:
    """A detention list's entry for the same name, on `found`, at `where`."""
    return LinkRecord(
        record_id=record_id,
        full_name="Мухаммад Хусейн Алиев",
        birth_date="1998",
        sex="M",
        nationality="IRQ",
        event_date=found,
        lat=where[0] if where else None,
        lon=where[1] if where else None,
    )


def scored(right: list[LinkRecord], left: LinkRecord | None = None) -> dict:
    pairs = linkage.match([left or missing()], right, threshold=0.0).pairs
    return {p.right_id: p for p in pairs}


def without_event_comparisons() -> LinkModel:
    settings = copy.deepcopy(DEFAULT_SETTINGS)
    settings["comparisons"] = [
        c
        for c in settings["comparisons"]
        if c["output_column_name"] not in ("event_order", "distance")
    ]
    return LinkModel(settings)


def test_haversine_distances_are_right():
    assert km_apart(*KUZNICA, *BRUZGI) == pytest.approx(10.8, abs=0.5)
    assert km_apart(*KUZNICA, *HAJNOWKA) == pytest.approx(85.8, abs=1)
    assert km_apart(*KUZNICA, *KUZNICA) == 0


def test_a_death_found_before_the_last_contact_scores_lower_than_after():
    pairs = scored(
        [
            event("after", LAST_CONTACT + dt.timedelta(days=9), None),
            event("months-after", LAST_CONTACT + dt.timedelta(days=120), None),
            event("long-after", LAST_CONTACT + dt.timedelta(days=400), None),
            event("before", LAST_CONTACT - dt.timedelta(days=20), None),
        ]
    )
    after, before = pairs["after"], pairs["before"]
    assert after.evidence["event_order"].level == "within 30 days after last contact"
    assert after.evidence["event_order"].weight > 0
    assert "event_order" in after.agreeing_fields
    assert pairs["months-after"].evidence["event_order"].level == (
        "within six months after last contact"
    )
    assert pairs["long-after"].evidence["event_order"].level == "long after last contact"
    assert before.evidence["event_order"].level == "before last contact"
    assert before.evidence["event_order"].weight < -4  # a strong disagreement
    assert "event_order" not in before.agreeing_fields
    assert after.match_weight > pairs["months-after"].match_weight
    assert pairs["months-after"].match_weight > pairs["long-after"].match_weight
    assert pairs["long-after"].match_weight > before.match_weight
    assert after.probability > before.probability


def test_the_order_holds_whichever_file_is_on_the_left_of_a_splink_pair():
    # the right record is on the left side of Splink's pair when its id sorts first;
    # the COALESCE over both orders must still read "death after last contact"
    left = LinkRecord(
        record_id="zz-missing",
        full_name="Mohammed Hussein Ali",
        event_date=LAST_CONTACT,
    )
    pairs = scored([event("aa-body", LAST_CONTACT - dt.timedelta(days=3), None)], left=left)
    assert pairs["aa-body"].left_id == "zz-missing"
    assert pairs["aa-body"].evidence["event_order"].level == "before last contact"


def test_a_far_away_place_scores_lower_than_a_near_one():
    found = LAST_CONTACT + dt.timedelta(days=9)
    pairs = scored(
        [
            event("near", found, BRUZGI),
            event("region", found, HAJNOWKA),
            event("far", found, DAUGAVPILS),
            event("nowhere", found, None),
        ]
    )
    assert pairs["near"].evidence["distance"].level == "within 50 km"
    assert pairs["region"].evidence["distance"].level == "within 200 km"
    assert pairs["far"].evidence["distance"].level == "over 200 km apart"
    assert pairs["nowhere"].evidence["distance"].level == "place unknown"
    assert pairs["nowhere"].evidence["distance"].weight == 0
    assert pairs["near"].match_weight > pairs["region"].match_weight > pairs["far"].match_weight
    assert pairs["far"].match_weight < pairs["nowhere"].match_weight
    same_spot = scored([event("same", found, KUZNICA)])["same"]
    assert same_spot.evidence["distance"].level == "within 10 km"
    assert same_spot.match_weight > pairs["near"].match_weight


def test_rows_without_dates_or_places_score_as_before():
    left = [LinkRecord("L1", "Ahmad Karimi", birth_date="1990", sex="M", nationality="AFG")]
    right = [
        LinkRecord("R1", "Ахмад Карими", birth_date="1990", sex="M", nationality="AFG"),
        LinkRecord("R2", "Ahmad Karim", birth_date="1991", nationality="AFG"),
    ]

    now = linkage.match(left, right, threshold=0.0).pairs
    before = linkage.match(left, right, threshold=0.0, model=without_event_comparisons()).pairs

    assert [p.right_id for p in now] == [p.right_id for p in before] == ["R1", "R2"]
    assert [p.match_weight for p in now] == pytest.approx([p.match_weight for p in before])
    for pair in now:
        assert pair.evidence["event_order"].level == "no dates to order"
        assert pair.evidence["distance"].level == "place unknown"


def test_dedupe_never_orders_two_reports_dates_but_compares_their_places():
    """Chosen: "found after last contact" means nothing between two missing reports, so
    `event_order` stays at its null level in dedupe; two reports' last known places are
    still compared (a person reported twice was last heard of in one area)."""
    a = missing()
    b = LinkRecord(
        record_id="MR-2",
        full_name="Muhamad Husain",
        birth_date="1998",
        event_date=LAST_CONTACT - dt.timedelta(days=200),
        lat=DAUGAVPILS[0],
        lon=DAUGAVPILS[1],
    )
    pair = linkage.propose_duplicates([a, b], threshold=0.0).pairs[0]
    assert pair.evidence["event_order"].level == "no dates to order"
    assert pair.evidence["event_order"].weight == 0
    assert pair.evidence["distance"].level == "over 200 km apart"


def test_the_in_app_score_is_the_cli_probability_with_dates_and_places():
    """scoring.score reads the same levels in Python: the same pair, the same weight."""
    for days, where in ((9, BRUZGI), (-20, KUZNICA), (400, DAUGAVPILS), (40, None)):
        found = LAST_CONTACT + dt.timedelta(days=days)
        cli = scored([event("R", found, where)])["R"]
        names = (name_features("Mohammed Hussein Ali"), name_features("Мухаммад Хусейн Алиев"))
        # what `bordermonitor link` counts over its two records: each part in one or both
        in_records = Counter(t for n in names for t in n.token_set)
        app = score(
            MatchRecord(
                record_id="MR-1",
                names=names[:1],
                birth_year_min=1998,
                birth_year_max=1998,
                sex="M",
                nationality="IRQ",
                last_contact=LAST_CONTACT,
                lat=KUZNICA[0],
                lon=KUZNICA[1],
            ),
            MatchRecord(
                record_id="R",
                names=names[1:],
                birth_year_min=1998,
                birth_year_max=1998,
                sex="M",
                nationality="IRQ",
                event_window=(found, found),
                lat=where[0] if where else None,
                lon=where[1] if where else None,
            ),
            information=NameInformation.counted(in_records, 2),
        )
        assert {f: ev.level for f, ev in app.evidence.items()} == {
            f: ev.level for f, ev in cli.evidence.items()
        }
        assert app.match_weight == pytest.approx(cli.match_weight, abs=0.01)


def test_a_fuzzy_found_date_is_after_if_any_of_its_days_can_be():
    body = MatchRecord(record_id="b", event_window=(dt.date(2023, 10, 1), dt.date(2023, 10, 31)))
    person = MatchRecord(record_id="p", last_contact=LAST_CONTACT)
    assert score(person, body).evidence["event_order"].level == "within 30 days after last contact"
    earlier = MatchRecord(record_id="b", event_window=(dt.date(2023, 9, 1), dt.date(2023, 9, 30)))
    assert score(person, earlier).evidence["event_order"].level == "before last contact"
    # and from the body's side
    assert score(body, person).evidence["event_order"].level == "within 30 days after last contact"


# --------------------------------------------------------------------------- in the app


def place(code: str, lat_lon: tuple[float, float]) -> Place:
    return Place.objects.create(
        code=code,
        name=code,
        kind="forest",
        country="PL",
        latitude=f"{lat_lon[0]:.5f}",
        longitude=f"{lat_lon[1]:.5f}",
    )


@pytest.mark.django_db
def test_the_app_compares_a_missing_mans_last_place_and_date_with_a_body(monitor):
    kuznica, bruzgi = place("h2-kuznica", KUZNICA), place("h2-daugavpils", DAUGAVPILS)
    near_place = place("h2-bruzgi", BRUZGI)
    man = records.person_create(
        names=[NameInput("Ali Hassan Jabbar", "relative")],
        created_by=monitor,
        sex="m",
        birth=parse_fuzzy_date("1999"),
        nationality="IRQ",
    )
    tracing.missing_report_file(
        person=man,
        received_on=dt.date(2024, 6, 1),
        reporter_relationship="sibling",
        last_contact=parse_fuzzy_date("2024-05-01"),
        last_contact_place=kuznica,
        by=monitor,
    )

    def body(found: str, where: Place):
        return tracing.death_record(
            found=parse_fuzzy_date(found),
            confirmation="official_statement",
            place=where,
            sex="m",
            age_min=25,
            age_max=25,
            nationality="IRQ",
            by=monitor,
        )

    near, far = body("2024-05-10", near_place), body("2024-05-10", bruzgi)

    by_code = {m.counterpart.code: m for m in selectors.possible_matches(man, threshold=0.0)}
    near_match, far_match = by_code[near.code], by_code[far.code]
    assert near_match.proposed.evidence["event_order"].level == "within 30 days after last contact"
    assert near_match.proposed.evidence["distance"].level == "within 50 km"
    assert far_match.proposed.evidence["distance"].level == "over 200 km apart"
    assert near_match.probability > far_match.probability
    fields = {name for name, _level, _weight in near_match.agreeing}
    assert {"found or detained after last contact", "distance from the last known place"} <= (
        fields
    )
    # the same evidence from the body's page
    from_body = {m.counterpart.code: m for m in selectors.possible_matches(near, threshold=0.0)}
    assert from_body[man.code].probability == pytest.approx(near_match.probability)


@pytest.mark.django_db
def test_a_detention_before_the_last_contact_counts_against_the_pair(monitor):
    def person(name: str):
        return records.person_create(
            names=[NameInput(name, "relative")],
            created_by=monitor,
            sex="m",
            birth=parse_fuzzy_date("1999"),
            nationality="IRQ",
        )

    reported = person("Mohammed Hussein Ali")
    tracing.missing_report_file(
        person=reported,
        received_on=dt.date(2024, 6, 1),
        reporter_relationship="sibling",
        last_contact=parse_fuzzy_date("2024-03-01"),
        by=monitor,
    )
    after, before = person("Мухаммад Хусейн Алиев"), person("Мухаммад Хусейн Алиев")
    for detainee, day in ((after, dt.date(2024, 3, 5)), (before, dt.date(2024, 1, 10))):
        tracing.detention_record(
            person=detainee, detained_from=day, facility="tdf-grodno", by=monitor
        )

    by_code = {m.counterpart.code: m for m in selectors.possible_matches(reported, threshold=0)}
    held_after, held_before = by_code[after.code].proposed, by_code[before.code].proposed
    assert held_after.evidence["event_order"].level == "within 30 days after last contact"
    assert held_before.evidence["event_order"].level == "before last contact"
    assert held_after.match_weight - held_before.match_weight > 5
    # two people with no report and no detention between them: the dates say nothing
    assert selectors.possible_matches(after, threshold=0)
    other = {m.counterpart.code: m for m in selectors.possible_matches(after, threshold=0)}
    assert other[before.code].proposed.evidence["event_order"].level == "no dates to order"
