"""Birth dates known to the day: one person's records agree on the day or swap day and
month; two namesakes born the same year differ.  A 1 January stands for an unknown day.
In `bordermonitor link` (Splink) and in the app's scoring alike."""

from __future__ import annotations

import math

import pytest

from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.linkage import model as linkage
from bordermonitor.linkage import services
from bordermonitor.linkage.model import LinkModel, LinkRecord, day_of_birth
from bordermonitor.linkage.names import name_features
from bordermonitor.linkage.scoring import MatchRecord, NameInformation, score
from bordermonitor.records import services as records
from bordermonitor.records.services import NameInput

NAME = "Omar Khalid Hassan"
# birth date as written -> the level it reaches against BORN ("1990-03-11")
BORN = "1990-03-11"
AGAINST_BORN = {
    "1990-03-11": "same birth date",
    "1990-11-03": "day and month swapped",
    "1990-07-22": "other days of one birth year",
    "1990": "birth years agree",
    "1990-01-01": "birth years agree",  # the day officials write for "unknown"
}


def written(record_id: str, birth_date: str, name: str = NAME) -> LinkRecord:
    return LinkRecord(
        record_id=record_id, full_name=name, birth_date=birth_date, sex="M", nationality="SYR"
    )


def scored_against_born() -> dict[str, linkage.ProposedMatch]:
    """Each date of AGAINST_BORN, as `bordermonitor link match` scores it against BORN."""
    right = [written(date, date) for date in AGAINST_BORN]
    pairs = linkage.match([written("born", BORN)], right, threshold=0.0).pairs
    return {p.right_id: p for p in pairs}


def birth_levels(model: LinkModel) -> dict[str, dict]:
    """The birth comparison's levels by label."""
    [birth] = [c for c in model.settings["comparisons"] if c["output_column_name"] == "birth"]
    return {lv["label_for_charts"]: lv for lv in birth["comparison_levels"]}


def weight(level: str) -> float:
    found = birth_levels(LinkModel.default())[level]
    return math.log2(found["m_probability"] / found["u_probability"])


@pytest.mark.parametrize(
    ("written_as", "known_to_the_day"),
    [
        ("1990-03-11", "1990-03-11"),
        ("1990-01-01", None),
        ("1990-01-02", "1990-01-02"),
        ("1990-02-01", "1990-02-01"),
        ("1990-03", None),
        ("1990", None),
        ("", None),
        (None, None),
    ],
)
def test_a_birth_date_is_known_to_the_day_unless_it_is_the_first_of_january(
    written_as, known_to_the_day
):
    assert day_of_birth(written_as) == known_to_the_day


def test_each_birth_date_reaches_its_level_against_another():
    pairs = scored_against_born()
    assert {date: p.evidence["birth"].level for date, p in pairs.items()} == AGAINST_BORN


def test_namesakes_born_on_other_days_of_one_year_score_below_a_year_alone():
    pairs = scored_against_born()
    total = {date: p.match_weight for date, p in pairs.items()}
    assert pairs["1990-07-22"].evidence["birth"].weight < 0
    assert pairs["1990-11-03"].evidence["birth"].weight > 0
    assert total["1990-07-22"] < total["1990"] < total["1990-11-03"] < total["1990-03-11"]
    # the placeholder day is a year, neither a match nor a clash of days
    assert total["1990-01-01"] == pytest.approx(total["1990"])
    assert weight("other days of one birth year") < 0 < weight("day and month swapped")


def test_the_in_app_score_reads_the_same_birth_levels():
    """scoring.score in Python against Splink's SQL: same level, same weight."""
    names = (name_features(NAME),)
    information = NameInformation.counted({t: 6 for t in names[0].token_set}, 6)
    cli = scored_against_born()
    for date, expected_level in AGAINST_BORN.items():
        app = score(
            MatchRecord("born", names, day_of_birth(BORN), 1990, 1990, "M", "SYR"),
            MatchRecord(date, names, day_of_birth(date), 1990, 1990, "M", "SYR"),
            information=information,
        )
        assert app.evidence["birth"].level == expected_level
        assert app.evidence["birth"].weight == pytest.approx(
            cli[date].evidence["birth"].weight, abs=0.01
        )


@pytest.mark.django_db
def test_a_person_born_on_the_first_of_january_is_compared_by_year(monitor):
    def born(date: str):
        person = records.person_create(
            names=[NameInput(NAME, "relative")],
            created_by=monitor,
            sex="m",
            birth=parse_fuzzy_date(date),
            nationality="SYR",
        )
        return services.person_match_record(person)

    assert born("1990-03-11").birth_date == "1990-03-11"
    placeholder = born("1990-01-01")
    assert placeholder.birth_date is None
    assert (placeholder.birth_year_min, placeholder.birth_year_max) == (1990, 1990)


def family_name(n: int) -> str:
    """A family name of its own for each n below 1000 (Karimo, Sudale, ...)."""
    syllables = ("ka", "ri", "mo", "su", "da", "le", "no", "ta", "bi", "ze")
    return "".join(syllables[int(d)] for d in f"{n:03d}").capitalize()


def test_training_leaves_the_m_of_birth_years_far_apart_as_set():
    """EM learns the birth levels on pairs sharing a rare name; namesakes among them,
    born decades apart, would teach it that one person's records often are."""
    people = []
    for n in range(150):
        name, year = f"{('Omar', 'Ali', 'Ahmad', 'Yusuf')[n % 4]} {family_name(n)}", 1960 + n % 40
        people += [written(f"{n}-a", str(year), name), written(f"{n}-b", str(year), name)]
        if n % 3 == 0:  # a namesake, 25 years younger
            people.append(written(f"{n}-namesake", str(year + 25), name))
    default = LinkModel.default()

    trained = default.train([linkage.prepare(people)], min_records=200)

    m = {label: lv.get("m_probability") for label, lv in birth_levels(trained).items()}
    m_default = {label: lv.get("m_probability") for label, lv in birth_levels(default).items()}
    assert m["birth years differ"] == m_default["birth years differ"]
    assert m["birth years agree"] != m_default["birth years agree"]  # EM learnt the others
