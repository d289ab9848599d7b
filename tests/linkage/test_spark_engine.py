"""Issue 5: `--engine spark` runs the same model on Spark (pyspark in local mode here) and
gives the same clusters and pairs as DuckDB.

One Spark session serves the whole module (starting the JVM costs seconds): one core,
one shuffle partition, stopped at the end.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command

from bordermonitor.linkage import model as linkage
from bordermonitor.linkage.model import LinkRecord

pytestmark = [
    # pyspark 4.3 warns that it does not fully support pandas 3; it is used only for
    # Splink's toPandas of results, which these tests compare with DuckDB's
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    # a failure, not a skip: the Spark engine untested is not the Spark engine working
    pytest.fail("no Java runtime for pyspark: `make system-deps` installs one", pytrace=False)

GIVEN = [("Ahmad", "Ахмад"), ("Omar", "Омар"), ("Yusuf", "Юсуф"), ("Hassan", "Хасан")]
FATHER = [("Ali", "Али"), ("Khalid", "Халид"), ("Ibrahim", "Ибрагим")]
FAMILY = [("Karimi", "Карими"), ("Haddad", "Хаддад"), ("Saleh", "Салех"), ("Nasser", "Насер")]
PLACES = [(53.51, 23.64), (52.74, 23.58), (54.63, 25.28)]


def border_records(seed: int = 5) -> list[LinkRecord]:
    """A few dozen rows: persons written in Latin by relatives and in Cyrillic by
    officials, some with a dropped father's name, dates and places."""
    rng = random.Random(seed)
    rows = []
    for person in range(16):
        given, father, family = rng.choice(GIVEN), rng.choice(FATHER), rng.choice(FAMILY)
        year = rng.randint(1975, 2004)
        lat, lon = rng.choice(PLACES)
        for copy in range(rng.randint(1, 3)):
            script = copy % 2
            parts = [given[script], father[script], family[script]]
            if rng.random() < 0.3:
                del parts[1]
            rows.append(
                LinkRecord(
                    record_id=f"p{person:02d}-{copy}",
                    full_name=" ".join(parts),
                    birth_date=str(year) if rng.random() < 0.8 else "",
                    sex="M",
                    nationality=rng.choice(["IRQ", "SYR"]),
                    event_date=dt.date(2023, 10, 1) + dt.timedelta(days=rng.randint(0, 60)),
                    lat=lat,
                    lon=lon,
                )
            )
    return rows


def write_csv(path, rows: list[LinkRecord]) -> None:
    columns = ["record_id", "full_name", "birth_date", "sex", "nationality"]
    columns += ["event_date", "lat", "lon"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for r in rows:
            writer.writerow(
                [r.record_id, r.full_name, r.birth_date, r.sex, r.nationality]
                + [r.event_date.isoformat(), r.lat, r.lon]
            )


@pytest.fixture(scope="module")
def spark():
    """Local Spark on one core and one shuffle partition, for this module only."""
    from bordermonitor.linkage import spark_engine

    saved = {k: os.environ.get(k) for k in ("BM_SPARK_MASTER", "BM_SPARK_SHUFFLE_PARTITIONS")}
    os.environ["BM_SPARK_MASTER"] = "local[1]"
    os.environ["BM_SPARK_SHUFFLE_PARTITIONS"] = "1"
    spark_engine.stop()
    session = spark_engine.spark_session()
    yield session
    spark_engine.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_the_name_function_is_registered_in_spark(spark):
    keys = ("ahmad:5.0 ali:4.0 ~karimi:11.0", "ahmad:5.0 ~karimi:11.0", "hassan:6", "hussein:6")
    row = spark.sql(
        f"SELECT bm_name_level('{keys[0]}', '{keys[1]}', 13.3) AS partly, "
        f"bm_name_level('{keys[2]}', '{keys[3]}', 13.3) AS different, "
        "bm_name_level(NULL, 'ahmad', 13.3) AS missing"
    ).collect()[0]
    assert row["partly"] == linkage.name_key_level(keys[0], keys[1], 13.3)
    assert linkage.NAME_LEVELS[row["partly"]][0] == "all parts agree"  # 16 bits: 2.7 over
    assert row["different"] == linkage.NAMES_DIFFER
    assert row["missing"] is None


def test_spark_dedupe_gives_the_duckdb_clusters(spark, tmp_path):
    rows = border_records()
    source = tmp_path / "in.csv"
    write_csv(source, rows)
    outputs = {}
    temporary = set(Path(tempfile.gettempdir()).glob("bm-spark-*"))
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"clusters-{engine}.csv"
        call_command("link", "dedupe", str(source), "--out", str(out), "--engine", engine)
        with out.open(encoding="utf-8") as handle:
            outputs[engine] = {r["record_id"]: r["cluster_id"] for r in csv.DictReader(handle)}

    assert outputs["spark"] == outputs["duckdb"]
    # the command removed the intermediate tables Spark wrote (they hold name keys)
    assert set(Path(tempfile.gettempdir()).glob("bm-spark-*")) <= temporary
    assert set(outputs["spark"]) == {r.record_id for r in rows}
    sizes = [list(outputs["spark"].values()).count(c) for c in set(outputs["spark"].values())]
    assert max(sizes) > 1 and 1 in sizes  # the set has duplicates and single records


def test_spark_match_gives_the_duckdb_pairs_and_evidence(spark):
    rows = border_records(seed=7)
    left = [r for r in rows if r.record_id.endswith("-0")]
    right = [r for r in rows if not r.record_id.endswith("-0")]
    model = linkage.LinkModel.default()

    duck = linkage.match(left, right, threshold=0.5, model=model).pairs
    spark_pairs = linkage.match(left, right, threshold=0.5, model=model, engine="spark").pairs

    assert duck, "the set has matching pairs"
    assert [(p.left_id, p.right_id) for p in spark_pairs] == [(p.left_id, p.right_id) for p in duck]
    assert [p.probability for p in spark_pairs] == pytest.approx([p.probability for p in duck])
    for s, d in zip(spark_pairs, duck, strict=True):
        assert s.evidence == d.evidence  # every field's level and weight, dates and places too
    assert {p.evidence["event_order"].level for p in duck} != {"no dates to order"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BM_SPARK_MASTER": "spark://spark-master:7077"}, "set BM_SPARK_CHECKPOINT_DIR"),
        ({"BM_SPARK_SHUFFLE_PARTITIONS": "many"}, "BM_SPARK_SHUFFLE_PARTITIONS: 'many'"),
    ],
)
def test_an_incomplete_spark_setting_stops_before_anything_runs(
    tmp_path, monkeypatch, env, message
):
    from django.core.management.base import CommandError

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("BM_SPARK_CHECKPOINT_DIR", raising=False)
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write_csv(source, border_records()[:3])
    with pytest.raises(CommandError, match=message):
        call_command("link", "dedupe", str(source), "--out", str(out), "--engine", "spark")
    assert not out.exists()
