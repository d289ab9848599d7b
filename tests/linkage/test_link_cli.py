"""`bordermonitor link dedupe|match` on real CSV files: cross-script clusters, pairs, and
malformed rows that stop the run with the line and column named and nothing written."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

COLUMNS = [
    "record_id",
    "full_name",
    "birth_date",
    "age",
    "sex",
    "nationality",
    "event_date",
    "place",
    "lat",
    "lon",
    "notes",  # unknown to the command: ignored
]

# person -> rows (record_id, full_name, birth_date, age, sex, nationality, event_date)
PEOPLE: dict[str, list[tuple[str, ...]]] = {
    "mohammed_hussein": [
        ("mh1", "Mohammed Hussein Ali", "1998", "", "M", "Iraq", "2023-10-02"),
        ("mh2", "Мухаммад Хусейн Алиев", "1998-03", "", "M", "Ирак", "2023-10-20"),
        ("mh3", "محمد حسين علي", "", "25", "M", "IRQ", "2023-10-25"),
        ("mh4", "Muhamad Husain", "", "", "M", "IQ", ""),
        ("mh5", "Mohamad Husayn Ali", "1998-03-14", "", "", "", ""),
    ],
    "mohammed_hassan": [  # same given and family name, another father: another man
        ("mx1", "Mohammed Hassan Ali", "1985", "", "M", "Iraq", ""),
        ("mx2", "Мухаммед Хасан Али", "1985", "", "M", "IRQ", ""),
        ("mx3", "محمد حسن علي", "", "38", "M", "Iraq", "2023-11-01"),
    ],
    "ahmad_karimi": [
        ("ak1", "Ahmad Karimi", "1990", "", "M", "Afghanistan", ""),
        ("ak2", "Ахмад Карими", "1990-07", "", "M", "Афганистан", ""),
        ("ak3", "احمد کریمی", "", "33", "M", "AFG", "2023-09-30"),
        ("ak4", "Akhmad Karimi", "", "", "M", "AF", ""),
    ],
    "zahra_karimi": [  # his sister: same family name, different person
        ("zk1", "Zahra Karimi", "1993", "", "F", "Afghanistan", ""),
        ("zk2", "Захра Карими", "1993", "", "F", "AFG", ""),
        ("zk3", "زهرا کریمی", "", "30", "F", "Afghanistan", "2023-10-15"),
    ],
    "fatima_abdulrahman": [
        ("fa1", "Fatima Abdulrahman", "1995", "", "F", "Syria", ""),
        ("fa2", "Фатима Абдурахман", "1995", "", "F", "Сирия", ""),
        ("fa3", "فاطمة عبد الرحمن", "", "", "F", "SYR", ""),
        ("fa4", "Fatma Abd al-Rahman", "1995-02", "", "F", "SY", ""),
    ],
    "yusuf_ibrahim": [
        ("yi1", "Yusuf Ibrahim", "1988", "", "M", "Somalia", ""),
        ("yi2", "Юсуф Ибрагим", "", "35", "M", "Сомали", "2023-08-01"),
        ("yi3", "يوسف ابراهيم", "1988", "", "M", "SOM", ""),
        ("yi4", "Youssef Ibrahim", "", "", "M", "", ""),
    ],
    "omar_khalid": [
        ("ok1", "Omar Khalid", "2000", "", "M", "Syria", ""),
        ("ok2", "Омар Халид", "2000", "", "M", "SYR", ""),
        ("ok3", "عمر خالد", "", "", "M", "", ""),
    ],
}


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or COLUMNS
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def person_rows(people: list[str] | None = None) -> list[dict[str, str]]:
    rows = []
    for person, records in PEOPLE.items():
        if people is not None and person not in people:
            continue
        for record_id, name, birth, age, sex, nationality, event in records:
            rows.append(
                {
                    "record_id": record_id,
                    "full_name": name,
                    "birth_date": birth,
                    "age": age,
                    "sex": sex,
                    "nationality": nationality,
                    "event_date": event,
                    "notes": "anything at all, 1,2,3",
                }
            )
    return rows


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run(*args: str) -> str:
    err = StringIO()
    call_command("link", *args, stderr=err)
    return err.getvalue()


def test_dedupe_groups_each_persons_spellings_across_scripts_and_nothing_else(tmp_path):
    source = write_csv(tmp_path / "in.csv", person_rows())
    out = tmp_path / "clusters.csv"

    run("dedupe", str(source), "--out", str(out), "--quiet")

    rows = read_csv(out)
    assert list(rows[0]) == ["record_id", "cluster_id"]
    assert [r["record_id"] for r in rows] == [r["record_id"] for r in person_rows()]
    cluster_of = {r["record_id"]: r["cluster_id"] for r in rows}
    found = {}
    for person, records in PEOPLE.items():
        clusters = {cluster_of[record[0]] for record in records}
        assert len(clusters) == 1, f"{person} split into {len(clusters)} clusters"
        found[person] = clusters.pop()
    assert len(set(found.values())) == len(PEOPLE), "two people share a cluster"


def test_dedupe_keeps_a_record_matching_nothing_as_its_own_cluster(tmp_path):
    rows = person_rows(["ahmad_karimi"]) + [
        {"record_id": "lone", "full_name": "Tesfay Gebremedhin", "sex": "M"}
    ]
    out = tmp_path / "clusters.csv"

    run("dedupe", str(write_csv(tmp_path / "in.csv", rows)), "--out", str(out), "--quiet")

    cluster_of = {r["record_id"]: r["cluster_id"] for r in read_csv(out)}
    assert cluster_of["lone"] == "lone"
    assert {cluster_of[r] for r in ("ak1", "ak2", "ak3", "ak4")} == {"ak1"}


def test_threshold_decides_what_is_joined(tmp_path):
    # "Muhamad Husain" (no birth year, no father's name) is a weaker match than the rest.
    source = write_csv(tmp_path / "in.csv", person_rows(["mohammed_hussein"]))
    strict, loose = tmp_path / "strict.csv", tmp_path / "loose.csv"

    run("dedupe", str(source), "--out", str(strict), "--threshold", "0.99999", "--quiet")
    run("dedupe", str(source), "--out", str(loose), "--threshold", "0.5", "--quiet")

    assert len({r["cluster_id"] for r in read_csv(loose)}) == 1
    assert len({r["cluster_id"] for r in read_csv(strict)}) > 1


def test_match_pairs_left_records_with_the_same_people_on_the_right(tmp_path):
    everyone = person_rows()
    left = [r for r in everyone if r["record_id"].endswith("1")]
    right = [r for r in everyone if not r["record_id"].endswith("1")]
    out = tmp_path / "pairs.csv"

    progress = run(
        "match",
        str(write_csv(tmp_path / "left.csv", left)),
        str(write_csv(tmp_path / "right.csv", right)),
        "--out",
        str(out),
    )

    rows = read_csv(out)
    assert list(rows[0]) == ["left_id", "right_id", "match_probability"]
    pairs = {(r["left_id"], r["right_id"]) for r in rows}
    expected = {(records[0][0], other[0]) for records in PEOPLE.values() for other in records[1:]}
    assert pairs == expected
    assert all(0.9 <= float(r["match_probability"]) <= 1 for r in rows)
    assert "proposed pairs" in progress  # progress goes to stderr
    assert "Karimi" not in progress and "Ахмад" not in progress  # never names


def test_a_file_with_only_the_two_required_columns(tmp_path):
    rows = [
        {"record_id": "1", "full_name": "Yusuf Ibrahim Osman"},
        {"record_id": "2", "full_name": "Юсуф Ибрагим Осман"},
        {"record_id": "3", "full_name": "Zahra Karimi"},
    ]
    source = write_csv(tmp_path / "in.csv", rows, ["record_id", "full_name"])
    out = tmp_path / "clusters.csv"

    run("dedupe", str(source), "--out", str(out), "--quiet")

    assert read_csv(out) == [
        {"record_id": "1", "cluster_id": "1"},
        {"record_id": "2", "cluster_id": "1"},
        {"record_id": "3", "cluster_id": "3"},
    ]


def test_empty_optional_columns_are_unknown_not_errors(tmp_path):
    rows = [
        {"record_id": "a", "full_name": "Omar Khalid", "birth_date": "", "sex": "", "lat": ""},
        {"record_id": "b", "full_name": "Омар Халид", "nationality": "", "age": ""},
    ]
    out = tmp_path / "clusters.csv"

    run("dedupe", str(write_csv(tmp_path / "in.csv", rows)), "--out", str(out), "--quiet")

    assert {r["cluster_id"] for r in read_csv(out)} == {"a"}


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("birth_date", "1998-13-01", "line 3, column birth_date"),
        ("birth_date", "14.03.1998", "line 3, column birth_date"),
        ("sex", "male", "line 3, column sex"),
        ("lat", "153.2", "line 3, column lat"),
        ("lat", "north", "line 3, column lat"),
        ("age", "twenty", "line 3, column age"),
        ("nationality", "Atlantis", "line 3, column nationality"),
        ("event_date", "2023-02-30", "line 3, column event_date"),
        ("full_name", "", "line 3, column full_name"),
    ],
)
def test_a_malformed_row_names_line_and_column_and_writes_nothing(tmp_path, column, value, message):
    rows = person_rows(["omar_khalid"])
    rows[1] = {**rows[1], column: value, "lon": "23.9" if column == "lat" else ""}
    out = tmp_path / "clusters.csv"

    with pytest.raises(CommandError, match=message) as error:
        run("dedupe", str(write_csv(tmp_path / "in.csv", rows)), "--out", str(out), "--quiet")

    assert "nothing was written" in str(error.value)
    assert list(tmp_path.iterdir()) == [tmp_path / "in.csv"]


def test_a_duplicate_record_id_is_malformed(tmp_path):
    rows = person_rows(["omar_khalid"])
    rows[2]["record_id"] = rows[0]["record_id"]
    out = tmp_path / "clusters.csv"

    with pytest.raises(CommandError, match="line 4, column record_id.*already appears on line 2"):
        run("dedupe", str(write_csv(tmp_path / "in.csv", rows)), "--out", str(out), "--quiet")

    assert not out.exists()


def test_a_missing_required_column_is_named(tmp_path):
    source = write_csv(tmp_path / "in.csv", person_rows(["omar_khalid"]), ["record_id", "age"])
    out = tmp_path / "clusters.csv"

    with pytest.raises(CommandError, match="line 1, column full_name"):
        run("dedupe", str(source), "--out", str(out), "--quiet")

    assert not out.exists()


def test_a_malformed_right_file_writes_no_pairs_and_keeps_an_old_result(tmp_path):
    left = write_csv(tmp_path / "left.csv", person_rows(["omar_khalid"]))
    bad = person_rows(["ahmad_karimi"])
    bad[3]["sex"] = "X"
    right = write_csv(tmp_path / "right.csv", bad)
    out = tmp_path / "pairs.csv"
    out.write_text("previous result\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"right\.csv: line 5, column sex"):
        run("match", str(left), str(right), "--out", str(out), "--quiet")

    assert out.read_text(encoding="utf-8") == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["left.csv", "pairs.csv", "right.csv"]


def test_bad_threshold_and_missing_input_are_refused(tmp_path):
    source = write_csv(tmp_path / "in.csv", person_rows(["omar_khalid"]))
    out = tmp_path / "clusters.csv"

    with pytest.raises(CommandError, match="--threshold"):
        run("dedupe", str(source), "--out", str(out), "--threshold", "1.5")
    with pytest.raises(CommandError, match="no such file"):
        run("dedupe", str(tmp_path / "absent.csv"), "--out", str(out))
    assert not out.exists()


def test_parameters_can_be_saved_and_used_again(tmp_path):
    source = write_csv(tmp_path / "in.csv", person_rows())
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    params = tmp_path / "model.json"

    run("dedupe", str(source), "--out", str(first), "--save-model", str(params), "--quiet")
    run("dedupe", str(source), "--out", str(second), "--model", str(params), "--quiet")

    assert read_csv(first) == read_csv(second)
    with pytest.raises(CommandError, match="--model"):
        run("dedupe", str(source), "--out", str(second), "--model", str(source), "--quiet")


def test_help_documents_the_default_threshold(capsys):
    from bordermonitor.linkage.model import DEFAULT_THRESHOLD

    with pytest.raises(SystemExit):
        call_command("link", "dedupe", "--help")
    assert f"default {DEFAULT_THRESHOLD}" in capsys.readouterr().out
