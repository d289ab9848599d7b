"""The Splink model through its Python API: prepared columns, explanations per field,
training (u by sampling, m by EM), saving, loading and retraining the parameters."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import random
import weakref
from pathlib import Path

import pandas as pd
import pytest

from bordermonitor.linkage import model as linkage
from bordermonitor.linkage.model import (
    DEFAULT_SETTINGS,
    LinkModel,
    LinkRecord,
    MalformedRow,
    parse_nationality,
    parse_row,
)
from bordermonitor.linkage.names import name_features


def record(record_id: str, name: str, **fields) -> LinkRecord:
    return LinkRecord(record_id=record_id, full_name=name, **fields)


# --------------------------------------------------------------------------- input


@pytest.mark.parametrize(
    ("value", "code"),
    [("IRQ", "IRQ"), ("iq", "IRQ"), ("Iraq", "IRQ"), ("Ирак", "IRQ"), ("сирия", "SYR")],
)
def test_nationality_is_read_as_code_or_english_or_russian_name(value, code):
    assert parse_nationality(value) == code


def test_an_unknown_country_is_refused():
    with pytest.raises(ValueError, match="neither an ISO 3166 code nor a country name"):
        parse_nationality("Atlantis")


def test_a_row_is_validated_and_normalised():
    row = {"record_id": " 7 ", "full_name": "Omar Khalid", "sex": "m", "age": "25", "x": "?"}
    parsed = parse_row({**row, "nationality": "Сирия", "event_date": "2023-10-01"}, 5)
    assert (parsed.record_id, parsed.sex, parsed.age) == ("7", "M", 25)
    assert (parsed.nationality, parsed.event_date) == ("SYR", dt.date(2023, 10, 1))
    with pytest.raises(MalformedRow) as error:
        parse_row({**row, "lat": "52.1"}, 5)
    assert (error.value.line, error.value.column) == (5, "lon")


def test_a_record_never_shows_its_name_in_repr():
    assert "Omar" not in repr(record("1", "Omar Khalid"))


# --------------------------------------------------------------------------- prepare


def test_prepared_columns_carry_canonical_names_keys_and_birth_windows():
    frame = linkage.prepare(
        [
            record("a", "Мухаммад Хусейн Алиев", birth_date="1998-03-14", sex="M"),
            record("b", "Mohammed Hussein", age=25, event_date=dt.date(2023, 10, 2)),
            record("c", "Ahmad", given_name="Ahmad", family_name="Karimi"),
            record("d", "X"),  # an initial only: no usable name
        ]
    )
    rows = {r["unique_id"]: r for r in frame.to_dict("records")}
    assert rows["a"]["name_sorted"] == " ".join(
        sorted(name_features("Mohammed Hussein Ali").tokens)
    )
    assert rows["a"]["birth_date"] == "1998-03-14"
    assert (rows["a"]["birth_year_min"], rows["a"]["birth_year_max"]) == (1998, 1998)
    assert (rows["b"]["birth_year_min"], rows["b"]["birth_year_max"]) == (1997, 1998)
    assert set(rows["b"]["blocking_keys"]) <= set(rows["a"]["blocking_keys"])
    assert rows["c"]["name_tokens"] == sorted(name_features("Ahmad Karimi").token_set)
    assert pd.isna(rows["d"]["name_key"]) and list(rows["d"]["blocking_keys"]) == []


def test_name_features_are_computed_once_per_distinct_name():
    name_features.cache_clear()
    same = [record(str(i), "Yusuf Ibrahim Osman") for i in range(50)]
    linkage.prepare(same)
    assert name_features.cache_info().misses == 1


def test_one_run_counts_name_parts_then_leaves_them_out_of_what_splink_copies():
    records = [record(str(i), "Yusuf Ibrahim Osman") for i in range(3)]
    prepared = linkage.prepare(records)
    [frame] = linkage.for_one_run([linkage.with_event_roles(prepared)])
    assert "name_tokens" in prepared.columns
    assert "name_tokens" not in frame.columns
    assert {"name_key", "name_scale", "name_rare"} <= set(frame.columns)
    assert linkage.for_one_run([frame])[0] is frame  # once per run


def test_the_sql_name_function_is_our_name_agreement():
    key = linkage._name_key
    a, b = name_features("Mohammed Hussein Ali"), name_features("Мухаммед Хасан Али")
    level = linkage.name_key_level(key(a), key(b), None)
    assert level == linkage.name_agreement(a, None, b, None, None)
    assert linkage.NAME_LEVELS[level][0] == "names partly agree, uncommon parts"  # Hasan
    assert linkage.name_key_level(None, key(a), None) is None


def test_a_pair_whose_names_differ_calls_the_name_function_once():
    """DuckDB calls the name function again for each WHEN of the name comparison a pair
    reaches, so "names differ" (nearly every blocked pair) is tested first."""
    import duckdb

    calls = []

    def counted(a, b, scale):
        calls.append(1)
        return linkage.name_key_level(a, b, scale)

    con = duckdb.connect()
    con.create_function(
        "bm_name_level", counted, ["VARCHAR", "VARCHAR", "DOUBLE"], "INTEGER", side_effects=False
    )
    [names] = [c for c in DEFAULT_SETTINGS["comparisons"] if c["output_column_name"] == "name"]
    levels = names["comparison_levels"]
    case = " ".join(
        f"WHEN {lv['sql_condition']} THEN {i}"
        for i, lv in enumerate(levels)
        if lv["sql_condition"] != "ELSE"
    )
    key = linkage._name_key
    pairs = [
        ("Mohammed Hussein Ali", "Fatima Zahra Haidari"),
        ("Ahmad Karimi", "Dilshad Rostam"),
        ("Omar Khalid", "Yusuf Osman"),
        ("Mohammed Hussein Ali", "Мухаммед Хусейн Али"),
    ]
    con.execute("CREATE TABLE pairs (name_key_l VARCHAR, name_key_r VARCHAR, name_scale_l DOUBLE)")
    con.executemany(
        "INSERT INTO pairs VALUES (?, ?, 0)",
        [(key(name_features(a)), key(name_features(b))) for a, b in pairs],
    )

    found = con.execute(f"SELECT CASE {case} ELSE {len(levels) - 1} END FROM pairs").fetchall()

    labels = [levels[i]["label_for_charts"] for (i,) in found]
    assert labels[:3] == ["names differ"] * 3
    agree = linkage.name_key_level(*con.execute("SELECT * FROM pairs").fetchall()[3])
    assert labels[3] == linkage.NAME_LEVELS[agree][0]
    # one call for each pair that differs; the pair that agrees was tested against
    # "names differ" and then each level down to its own
    assert len(calls) == 3 + 1 + (agree + 1)


def test_comparing_calls_the_name_function_once_per_pair_with_the_same_scores():
    """Splink's CASE calls the name function in each WHEN a pair reaches (the test
    above); on DuckDB `with_one_name_call` makes that one call per compared pair."""
    from splink import DuckDBAPI, Linker

    records, _truth = synthetic_records(300, seed=1)
    [frame] = linkage.for_one_run([linkage.with_event_roles(linkage.prepare(records))])
    calls = []

    def counted(a, b, scale):
        calls.append(1)
        return linkage.name_key_level(a, b, scale)

    con = linkage._connection()
    con.remove_function("bm_name_level")
    con.create_function(
        "bm_name_level", counted, ["VARCHAR", "VARCHAR", "DOUBLE"], "INTEGER", side_effects=False
    )
    linker = LinkModel.default()._linker([frame], "dedupe_only", connection=con)
    ours = linker.inference.predict().as_pandas_dataframe()

    assert len(calls) == len(ours) > 500
    # the same comparison values and scores as the CASE Splink wrote, on every level
    settings = json.loads(json.dumps(DEFAULT_SETTINGS))  # Splink gets its own copy
    plain_api = DuckDBAPI(linkage._connection())
    plain_linker = Linker(frame, settings, plain_api, set_up_basic_logging=False)
    plain = plain_linker.inference.predict().as_pandas_dataframe()
    pair, columns = ["unique_id_l", "unique_id_r"], ["gamma_name", "match_probability"]
    ours, plain = (
        f[pair + columns].sort_values(pair).reset_index(drop=True) for f in (ours, plain)
    )
    pd.testing.assert_frame_equal(ours, plain)
    assert ours["gamma_name"].nunique() >= 4


# --------------------------------------------------------------------------- explanations


def test_each_proposed_pair_explains_which_fields_agreed_and_their_weights():
    records = [
        record("1", "Mohammed Hussein Ali", birth_date="1998", sex="M", nationality="IRQ"),
        record("2", "Мухаммад Хусейн Алиев", birth_date="1998", sex="M", nationality="IRQ"),
        record("3", "Mohammed Hassan Ali", birth_date="1975", sex="M", nationality="IRQ"),
    ]

    result = linkage.propose_duplicates(records, threshold=0.0)

    by_pair = {(p.left_id, p.right_id): p for p in result.pairs}
    same = by_pair[("1", "2")]
    assert same.probability > linkage.DEFAULT_THRESHOLD
    # three records are too few to count names in: every part of these the variant
    # tables know, which is rarer than chance in three names (model.name_agreement)
    assert same.evidence["name"].level == "all parts agree, rare names"
    assert same.evidence["birth"].level == "birth years agree"
    assert set(same.agreeing_fields) == {"name", "birth", "nationality", "sex"}
    # the weights add up to the pair's match weight, with the prior
    prior = DEFAULT_SETTINGS["probability_two_random_records_match"]
    prior_weight = linkage.math.log2(prior / (1 - prior))
    total = prior_weight + sum(ev.weight for ev in same.evidence.values())
    assert total == pytest.approx(same.match_weight, abs=0.01)
    other = by_pair[("1", "3")]
    assert other.probability < 0.01
    assert other.evidence["birth"].level == "birth years differ"
    assert other.evidence["birth"].weight < 0
    assert "birth" not in other.agreeing_fields
    assert result.pairs[0] is same  # best first


def test_match_keeps_left_ids_on_the_left_whatever_their_order():
    left = [record("z-left", "Ахмад Карими", sex="M", nationality="AFG")]
    right = [
        record("a-right", "Ahmad Karimi", sex="M", nationality="AFG"),
        record("b-right", "Zahra Karimi", sex="F", nationality="AFG"),
    ]

    pairs = linkage.match(left, right).pairs

    assert [(p.left_id, p.right_id) for p in pairs] == [("z-left", "a-right")]


def test_missing_fields_count_neither_way():
    pairs = linkage.propose_duplicates(
        [record("1", "Omar Khalid"), record("2", "Омар Халид")], threshold=0.0
    ).pairs
    assert {f: ev.weight for f, ev in pairs[0].evidence.items() if f != "name"} == {
        "birth": 0.0,
        "nationality": 0.0,
        "sex": 0.0,
        "document": 0.0,
        "event_order": 0.0,
        "distance": 0.0,
    }


# --------------------------------------------------------------------------- training

GIVEN = [
    ("Ahmad", "Ахмад"),
    ("Omar", "Омар"),
    ("Yusuf", "Юсуф"),
    ("Ali", "Али"),
    ("Hassan", "Хасан"),
    ("Hussein", "Хусейн"),
    ("Khalid", "Халид"),
    ("Ibrahim", "Ибрагим"),
    ("Mustafa", "Мустафа"),
    ("Karim", "Карим"),
    ("Mahmoud", "Махмуд"),
    ("Jamal", "Джамаль"),
]
FAMILY = [
    ("Karimi", "Карими"),
    ("Rahimi", "Рахими"),
    ("Ahmadi", "Ахмади"),
    ("Hashemi", "Хашеми"),
    ("Haddad", "Хаддад"),
    ("Mansour", "Мансур"),
    ("Nasser", "Насер"),
    ("Saleh", "Салех"),
]


def synthetic_records(persons: int, seed: int) -> tuple[list[LinkRecord], dict[str, int]]:
    """Persons written in Latin by relatives and in Cyrillic by officials, with truth."""
    rng = random.Random(seed)
    records, truth = [], {}
    for person in range(persons):
        given, father, family = rng.choice(GIVEN), rng.choice(GIVEN), rng.choice(FAMILY)
        year = rng.randint(1965, 2005)
        nationality = rng.choice(["IRQ", "SYR", "AFG", "YEM", "IRN"])
        sex = rng.choice("MF")
        for copy in range(rng.randint(1, 3)):
            cyrillic = copy % 2
            parts = [given[cyrillic], father[cyrillic], family[cyrillic]]
            if rng.random() < 0.3:
                del parts[1]  # father's name not known
            fields = {"sex": sex, "nationality": nationality}
            if rng.random() < 0.4:
                fields |= {"age": 2023 - year, "event_date": dt.date(2023, 6, 1)}
            else:
                fields["birth_date"] = str(year + (rng.random() < 0.1))
            record_id = f"p{person}-{copy}"
            records.append(record(record_id, " ".join(parts), **fields))
            truth[record_id] = person
    return records, truth


def test_training_estimates_parameters_that_save_load_and_retrain(tmp_path):
    records, truth = synthetic_records(300, seed=1)
    frame = linkage.prepare(records)
    default = LinkModel.default()

    trained = default.train([frame], min_records=200)

    assert trained is not default and trained.trained_on == len(records)
    m_default = [lv.get("m_probability") for lv in _levels(default, "birth")]
    m_trained = [lv.get("m_probability") for lv in _levels(trained, "birth")]
    assert m_trained != m_default  # m came from EM
    u_default = [lv.get("u_probability") for lv in _levels(default, "nationality")]
    u_trained = [lv.get("u_probability") for lv in _levels(trained, "nationality")]
    assert u_trained != u_default  # u came from random sampling

    path = tmp_path / "params.json"
    trained.save(path)
    loaded = LinkModel.load(path)
    assert json.loads(path.read_text())["format"] == linkage.MODEL_FORMAT
    assert loaded.trained_on == trained.trained_on

    clusters = linkage.dedupe(records, model=loaded).clusters
    precision, recall = _pairwise_quality(clusters, truth)
    assert precision >= 0.9 and recall >= 0.8, (precision, recall)

    more, _ = synthetic_records(150, seed=2)
    retrained = loaded.train([linkage.prepare(records + more)], min_records=200)
    assert retrained.trained_on == len(records) + len(more)


def test_too_few_records_keep_the_default_parameters():
    frame = linkage.prepare([record("1", "Omar Khalid"), record("2", "Омар Халид")])
    default = LinkModel.default()
    assert default.train([frame]) is default


def test_a_file_that_is_not_a_saved_model_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"link_type": "dedupe_only"}))
    with pytest.raises(ValueError, match="not a saved bordermonitor link model"):
        LinkModel.load(path)


def _levels(model: LinkModel, name: str) -> list[dict]:
    comparison = next(c for c in model.settings["comparisons"] if c["output_column_name"] == name)
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]


def _pairwise_quality(clusters: dict[str, str], truth: dict[str, int]) -> tuple[float, float]:
    ids = sorted(clusters)
    predicted = {
        (a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if clusters[a] == clusters[b]
    }
    actual = {(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if truth[a] == truth[b]}
    hits = len(predicted & actual)
    return hits / max(len(predicted), 1), hits / max(len(actual), 1)


def test_training_on_names_alone_skips_what_it_cannot_estimate():
    records, _ = synthetic_records(150, seed=3)
    bare = [record(r.record_id, r.full_name) for r in records]
    messages: list[str] = []

    trained = LinkModel.default().train(
        [linkage.prepare(bare)], min_records=100, progress=messages.append
    )

    assert "no pairs blocked on birth year: that EM session is skipped" in messages
    assert "no two records share name and birth year: keeping the prior" in messages
    prior = DEFAULT_SETTINGS["probability_two_random_records_match"]
    assert trained.settings["probability_two_random_records_match"] == prior
    assert linkage.dedupe(bare[:6], model=trained).clusters.keys() == {
        r.record_id for r in bare[:6]
    }


def test_duckdb_spills_to_a_private_folder_removed_with_the_connection(tmp_path, monkeypatch):
    """A large run spills name keys to disk: never into the working directory's `.tmp`."""
    import gc
    import os
    import stat

    from bordermonitor.linkage import model as link_model

    monkeypatch.chdir(tmp_path)
    con = link_model._connection()
    spill = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
    assert spill.is_dir() and tmp_path not in spill.parents
    assert stat.S_IMODE(os.stat(spill).st_mode) == 0o700
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit == "1.3 GiB", limit  # DUCKDB_MEMORY_LIMIT, 1.5 GB, as DuckDB reports it
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    assert threads == link_model.DUCKDB_THREADS == 1
    del con
    gc.collect()
    assert not spill.exists()
    assert not (tmp_path / ".tmp").exists()


# --------------------------------------------------------------------------- rare names


def test_a_rare_shared_name_part_is_a_higher_level_than_a_common_one():
    """Among 300 records, "Ali" is in a third of the names and "Fajumluar" in two: the
    same similarity, different information (model.with_name_information)."""
    common = [record(f"c{i}", f"{g} Ali") for i, g in enumerate(["Omar", "Yusuf"] * 50)]
    rare = [record("r1", "Karwan Fajumluar"), record("r2", "Карван Фаюмлуар")]
    usual = [record("u1", "Karwan Ali"), record("u2", "Карван Али")]
    filler = [record(f"f{i}", f"Name{chr(97 + i % 26)}{chr(97 + i // 26)} X") for i in range(196)]
    frame = linkage.prepare(common + rare + usual + filler)
    [counted] = linkage.with_name_information([frame])
    keys = dict(zip(counted["unique_id"], counted["name_key"], strict=True))
    scale = counted["name_scale"].iloc[0]

    def level(a: str, b: str) -> str:
        return linkage.NAME_LEVELS[linkage.name_key_level(keys[a], keys[b], scale)][0]

    assert level("r1", "r2") == "all parts agree, uncommon names"
    assert level("u1", "u2") == "all parts agree, common names"
    assert level("c0", "c1") == "names partly agree"  # Omar Ali and Yusuf Ali: only Ali


def test_too_few_records_are_not_counted():
    frame = linkage.prepare([record("1", "Omar Khalid"), record("2", "Омар Халид")])
    [counted] = linkage.with_name_information([frame])
    assert ":" not in counted["name_key"].iloc[0]  # no information in the key
    assert counted["name_scale"].iloc[0] == 0


def test_blocks_larger_than_the_cap_are_split_by_birth_year():
    records = [record(str(i), "Mohammed Ali", birth_date=str(1990 + i % 2)) for i in range(6)] + [
        record("x", "Mohammed Ali")
    ]
    frame = linkage.prepare(records)
    [capped] = linkage.with_capped_blocks([frame], cap=4)
    keys = dict(zip(capped["unique_id"], capped["blocking_keys"], strict=True))
    [pair_key] = name_features("Mohammed Ali").blocking_keys
    assert keys["0"] == [f"{pair_key}|1990"] and keys["1"] == [f"{pair_key}|1991"]
    assert keys["x"] == []  # no birth year: the over-full block is left, nothing replaces it
    birth = dict(zip(capped["unique_id"], capped["birth_keys"], strict=True))
    assert all(len(birth[str(i)]) > 0 for i in range(6))  # three a year: under the cap
    [uncapped] = linkage.with_capped_blocks([frame], cap=10)
    assert list(uncapped["blocking_keys"]) == list(frame["blocking_keys"])


def test_a_key_only_one_record_has_is_dropped():
    records = [record("a", "Yusuf Ibrahim Osman"), record("b", "Yusuf Ibrahim Osman")]
    records.append(record("c", "Fajumluar Dilshad"))  # shares no name part with them
    [capped] = linkage.with_capped_blocks([linkage.prepare(records)])
    keys = dict(zip(capped["unique_id"], capped["blocking_keys"], strict=True))
    assert keys["a"] == keys["b"] == sorted(name_features("Yusuf Ibrahim Osman").blocking_keys)
    assert keys["c"] == []
    clusters = linkage.dedupe(records).clusters
    assert clusters["a"] == clusters["b"] == "a" and clusters["c"] == "c"


def test_a_document_number_is_normalised_and_compared():
    assert linkage.parse_document_number(" a12-345 67 ") == "A1234567"
    with pytest.raises(MalformedRow) as error:
        parse_row({"record_id": "1", "full_name": "Omar", "document_number": "№ 12"}, 4)
    assert (error.value.line, error.value.column) == (4, "document_number")
    left = [record("l", "Omar Khalid", document_number="A1234567", sex="M")]
    right = [
        record("same", "Омар Халид Мустафа", document_number="A1234568", sex="M"),
        record("other", "Омар Халид", document_number="B7654321", sex="M"),
    ]
    pairs = {p.right_id: p for p in linkage.match(left, right, threshold=0.0).pairs}
    assert pairs["same"].evidence["document"].level == "document number one typo apart"
    assert pairs["other"].evidence["document"].level == "document numbers differ"
    assert pairs["same"].probability > pairs["other"].probability


class HandedOver(list):
    """A list of records a weak reference can watch."""


def test_dedupe_and_match_let_the_records_go_before_comparing():
    """Comparing is where memory peaks; a caller that hands its records over (as
    `bordermonitor link` does) does not keep them alive through it."""
    records, truth = synthetic_records(40, seed=3)
    watched: list[weakref.ref] = []
    alive_when_comparing: list[bool] = []

    def handed_over(part: list[LinkRecord]) -> HandedOver:
        handed = HandedOver(part)
        watched.append(weakref.ref(handed))
        return handed

    def progress(message: str) -> None:
        if message.startswith("comparing"):
            alive_when_comparing.append(any(ref() is not None for ref in watched))

    clusters = linkage.dedupe(handed_over(records), progress=progress).clusters
    linkage.match(handed_over(records[:30]), handed_over(records[30:]), progress=progress)

    assert alive_when_comparing == [False, False]
    # every record, in the order given
    assert list(clusters) == [r.record_id for r in records] == list(truth)


def test_clusters_join_only_when_enough_pairs_between_them_agree():
    """One strong pair between two people's clusters does not chain them together."""
    ids = ["a", "b", "c", "d", "e"]
    chained = [("a", "b", 0.99), ("c", "d", 0.98), ("b", "c", 0.95)]
    clusters = linkage.cluster_records(ids, chained, threshold=0.9)
    assert clusters == {"a": "a", "b": "a", "c": "c", "d": "c", "e": "e"}
    # the other pairs between them agree too: one person
    supported = [*chained, ("a", "c", 0.7), ("b", "d", 0.6)]
    clusters = linkage.cluster_records(ids, supported, threshold=0.9)
    assert clusters == {"a": "a", "b": "a", "c": "a", "d": "a", "e": "e"}
    # pairs under the threshold never join anything on their own
    assert linkage.cluster_records(ids, [("d", "e", 0.89)], threshold=0.9)["e"] == "e"


def test_u_is_learnt_among_different_people_not_among_all_random_pairs():
    """Random pairs include matches; where only one person's records share a document
    number, those matches must not make a shared number look common among strangers."""
    records, truth = synthetic_records(300, seed=3)
    numbers = {person: f"P{person:07d}" for person in set(truth.values())}
    records = [dataclasses.replace(r, document_number=numbers[truth[r.record_id]]) for r in records]
    frame = linkage.prepare(records)
    pairs = len(records) * (len(records) - 1) // 2
    true_pairs = sum(n * (n - 1) // 2 for n in collections.Counter(truth.values()).values())
    # what a random sample of pairs shows: the matches' share of all pairs
    assert true_pairs / pairs > 1e-3

    trained = LinkModel.default().train([frame], min_records=200)

    same_number = _levels(trained, "document")[0]
    assert same_number["label_for_charts"] == "same document number"
    # no two people share a number: u is the floor, not the matches' share
    assert same_number["u_probability"] < 1e-4 < true_pairs / pairs


def test_em_on_birth_dates_narrows_when_one_day_has_too_many_pairs():
    """30 people born on one day: 435 pairs; 210 of the same sex; 98 of the same sex
    and nationality."""
    records = [
        record(
            str(n),
            "Omar Khalid",
            birth_date="1990-03-14",
            sex="MF"[n % 2],
            nationality=("IRQ", "SYR")[n // 2 % 2],
        )
        for n in range(30)
    ]
    [frame] = linkage.for_one_run([linkage.prepare(records)])
    assert linkage._birth_date_session([frame], max_pairs=435) == ("birth date", ("birth_date",))
    assert linkage._birth_date_session([frame], max_pairs=300)[1] == ("birth_date", "sex")
    assert linkage._birth_date_session([frame], max_pairs=100)[1] == (
        "birth_date",
        "sex",
        "nationality",
    )
    # too few pairs on one day: birth year and nationality instead
    assert linkage._birth_date_session([frame[:1]])[0] == "birth year"


def test_the_u_sample_grows_with_the_records_from_100k_on():
    """The smallest u a sample can show bounds the rarest levels' weight, and a pair
    among a million records needs more evidence than among ten thousand."""
    assert linkage.u_sample_pairs(10_000) == linkage.u_sample_pairs(100_000) == 3e5
    assert linkage.u_sample_pairs(1_000_000) == 3e6
