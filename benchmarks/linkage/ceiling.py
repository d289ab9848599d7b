"""How well any classifier could do on a cross-script set with this engine's evidence.

Run by hand (not a unit test):

    .venv/bin/python benchmarks/linkage/ceiling.py /tmp/bench/xs10k

Takes the candidate pairs the engine's blocking produces (`model.prepare`,
`model.for_one_run`: name-pair keys, birth keys, capped blocks) and describes each pair by
the levels the model compares (name level with its information, birth, nationality, sex).
An oracle that knows the truth then labels every cell of identical levels "match" when
it holds more true pairs than false ones.  No model that sees only these levels can beat
its pairwise precision/recall/F1; the engine's own F1 (after clustering) is measured by
`run.py`.  Also printed: the share of true pairs blocking finds at all.
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
from pathlib import Path

import django


def _birth_level(a: dict, b: dict) -> str:
    if a["birth_year_min"] is None or b["birth_year_min"] is None:
        return "unknown"
    day_a, day_b = a["birth_date"], b["birth_date"]  # model.day_of_birth: known to the day
    if day_a and day_a == day_b:
        return "same date"
    if day_a and day_b and day_a[:4] == day_b[:4]:
        swapped = day_a[5:7] == day_b[8:10] and day_a[8:10] == day_b[5:7]
        return "day and month swapped" if swapped else "other days of one year"
    for widen in (0, 1, 3):
        if (
            a["birth_year_min"] - widen <= b["birth_year_max"]
            and b["birth_year_min"] - widen <= a["birth_year_max"]
        ):
            return f"within {widen}"
    return "differ"


def _plain(value: object) -> object:
    import pandas as pd

    return None if value is None or (not isinstance(value, list) and pd.isna(value)) else value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="records.csv and truth.csv")
    args = parser.parse_args()
    django.setup()
    from bordermonitor.linkage import model

    records = model.read_records(args.directory / "records.csv")
    with (args.directory / "truth.csv").open(encoding="utf-8") as handle:
        truth = {r["record_id"]: r["true_id"] for r in csv.DictReader(handle)}
    [frame] = model.for_one_run([model.prepare(records)])
    rows = {r["unique_id"]: {k: _plain(v) for k, v in r.items()} for r in frame.to_dict("records")}
    blocks: dict[str, list[str]] = collections.defaultdict(list)
    for record_id, row in rows.items():
        for column in ("blocking_keys", "birth_keys"):
            for key in row[column]:
                blocks[f"{column}:{key}"].append(record_id)
    pairs = set()
    for ids in blocks.values():
        ids = sorted(set(ids))
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    cells: dict[tuple, list[int]] = collections.defaultdict(lambda: [0, 0])
    for a, b in pairs:
        ra, rb = rows[a], rows[b]
        name = model.name_key_level(ra["name_key"], rb["name_key"], ra["name_scale"])
        nationality = (
            "unknown"
            if not (ra["nationality"] and rb["nationality"])
            else ra["nationality"] == rb["nationality"]
        )
        sex = "unknown" if not (ra["sex"] and rb["sex"]) else ra["sex"] == rb["sex"]
        cell = (name, _birth_level(ra, rb), nationality, sex)
        cells[cell][truth[a] == truth[b]] += 1
    persons = collections.Counter(truth.values())
    true_pairs = sum(n * (n - 1) // 2 for n in persons.values())
    blocked_true = sum(t for _f, t in cells.values())
    tp = sum(t for f, t in cells.values() if t > f)
    fp = sum(f for f, t in cells.values() if t > f)
    precision, recall = tp / max(tp + fp, 1), tp / true_pairs
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    print(f"{len(records):,} records, {true_pairs:,} true pairs, {len(pairs):,} candidate pairs")
    print(f"blocking finds {blocked_true:,} true pairs ({blocked_true / true_pairs:.1%})")
    print(f"oracle on the levels: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bordermonitor.settings")
    raise SystemExit(main())
