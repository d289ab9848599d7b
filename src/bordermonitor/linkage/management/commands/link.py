"""`bordermonitor link dedupe|match`: the matching engine on any CSV, to judge it on outside data.

The command only reads arguments, reports progress on stderr and writes the result file
completely or not at all (a temporary file renamed at the end); reading, matching and
clustering live in `linkage.model`.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bordermonitor.linkage import model as linkage

COLUMNS_HELP = (
    "Input columns: record_id and full_name (required); given_name, family_name, "
    "birth_date (YYYY, YYYY-MM or YYYY-MM-DD), age, sex (M/F), nationality (ISO 3166 code "
    "or country name in English or Russian), event_date (YYYY-MM-DD), place, lat, lon, "
    "document_number (passport or identity document; spaces and dashes ignored) "
    "(optional, may be empty). Other columns are ignored. In match, LEFT's event_date is "
    "the last contact with a missing person and RIGHT's the day a body was found or a "
    "person detained: found before the last contact counts against a pair, near the "
    "last known place (lat, lon) for it."
)


def _threshold(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise CommandError(f"--threshold: {value!r} is not a number") from None
    if not 0 < number <= 1:
        raise CommandError(f"--threshold: {value} is not a probability in (0, 1]")
    return number


def _input(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise CommandError(f"{value}: no such file")
    return path


def _output(value: str) -> Path:
    path = Path(value)
    if path.is_dir():
        raise CommandError(f"--out: {value} is a directory; name the file to write")
    if not path.parent.is_dir():
        raise CommandError(f"--out: the directory {path.parent} does not exist")
    return path


def _write_atomically(path: Path, header: list[str], rows: Iterable[Iterable[object]]) -> None:
    """Write the CSV next to its destination and rename it there only when complete."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class Command(BaseCommand):
    # Works on any CSV without a database or keys: the deployment checks do not apply.
    requires_system_checks: list[str] = []
    help = (
        "Match people across Latin, Cyrillic and Arabic-script spellings in CSV files. "
        "'link dedupe IN.csv --out clusters.csv' writes record_id,cluster_id for every "
        "row; 'link match LEFT.csv RIGHT.csv --out pairs.csv' writes "
        "left_id,right_id,match_probability. " + COLUMNS_HELP
    )

    def add_arguments(self, parser):
        threshold_help = (
            "match probability from which two records count as one person "
            f"(default {linkage.DEFAULT_THRESHOLD})"
        )
        model_help = (
            "use the parameters saved in this JSON file instead of training on the input "
            f"(inputs under {linkage.MIN_RECORDS_TO_TRAIN:,} records otherwise use the "
            "documented defaults of bordermonitor.linkage.model)"
        )
        actions = parser.add_subparsers(dest="action", required=True)
        dedupe = actions.add_parser("dedupe", help="cluster the rows of one file")
        dedupe.add_argument("input", metavar="IN.csv")
        match = actions.add_parser("match", help="pair rows of one file with another's")
        match.add_argument("left", metavar="LEFT.csv")
        match.add_argument("right", metavar="RIGHT.csv")
        for sub in (dedupe, match):
            sub.add_argument("--out", required=True, metavar="FILE")
            sub.add_argument(
                "--threshold", default=str(linkage.DEFAULT_THRESHOLD), help=threshold_help
            )
            sub.add_argument("--model", metavar="MODEL.json", help=model_help)
            sub.add_argument(
                "--save-model",
                metavar="MODEL.json",
                help="save the parameters used (trained or loaded) to this JSON file",
            )
            sub.add_argument(
                "--engine",
                choices=linkage.ENGINES,
                default=linkage.ENGINE_DUCKDB,
                help=(
                    "where the comparisons run: duckdb (in this process, the default) or "
                    "spark (pyspark; local mode unless BM_SPARK_MASTER names a cluster); "
                    "same model, same result"
                ),
            )
            sub.add_argument("--quiet", action="store_true", help="no progress on stderr")

    def handle(self, *args, **options):
        self._started = time.monotonic()
        self._quiet = options["quiet"]
        threshold = _threshold(options["threshold"])
        out = _output(options["out"])
        model = self._model(options["model"])
        engine = options["engine"]
        if engine == linkage.ENGINE_SPARK:
            self._check_spark()
            try:
                self._run(options, threshold, out, model, engine)
            finally:
                from bordermonitor.linkage import spark_engine

                spark_engine.stop()  # and its temporary tables, which hold name keys
        else:
            self._run(options, threshold, out, model, engine)

    def _run(self, options, threshold, out, model, engine) -> None:
        # the records are handed over, not kept: dedupe and match let them go before
        # comparing, where memory peaks
        if options["action"] == "dedupe":
            result = linkage.dedupe(
                self._read(_input(options["input"])), threshold, model, self._progress, engine
            )
            model, clusters = result.model, result.clusters
            # every input record, in input order
            _write_atomically(out, ["record_id", "cluster_id"], clusters.items())
            self._progress(f"{len(clusters):,} records in {len(set(clusters.values())):,} clusters")
        else:
            result = linkage.match(
                self._read(_input(options["left"])),
                self._read(_input(options["right"])),
                threshold,
                model,
                self._progress,
                engine,
            )
            model, pairs = result.model, result.pairs
            rows = ((p.left_id, p.right_id, f"{p.probability:.6f}") for p in pairs)
            _write_atomically(out, ["left_id", "right_id", "match_probability"], rows)
            self._progress(f"{len(pairs):,} proposed pairs")
        if options["save_model"]:
            model.save(Path(options["save_model"]))
            self._progress(f"parameters saved to {options['save_model']}")
        self._progress(f"wrote {out}")

    def _progress(self, message: str) -> None:
        if not self._quiet:
            elapsed = time.monotonic() - self._started
            # stderr, not stdout: the result goes to --out; plain text, not error red
            self.stderr.write(f"[{elapsed:7.1f}s] {message}", style_func=str)
            self.stderr.flush()

    def _check_spark(self) -> None:
        """Fail before reading any file when pyspark or Java is missing."""
        import importlib.util
        import shutil

        if importlib.util.find_spec("pyspark") is None:
            raise CommandError(
                "--engine spark: pyspark is not installed; pip install 'bordermonitor[spark]'"
            )
        java_home = os.environ.get("JAVA_HOME")
        if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
            raise CommandError(
                "--engine spark: no Java runtime found (install openjdk-17-jre-headless "
                "or set JAVA_HOME)"
            )
        from bordermonitor.linkage import spark_engine

        try:
            spark_engine.check_settings()
        except ValueError as exc:
            raise CommandError(f"--engine spark: {exc}") from None
        self._progress(f"engine: Spark at {spark_engine.master()}")

    def _model(self, path: str | None) -> linkage.LinkModel | None:
        if path is None:
            return None
        try:
            return linkage.LinkModel.load(_input(path))
        except (ValueError, KeyError) as exc:
            raise CommandError(f"--model: {exc}") from None

    def _read(self, path: Path) -> list[linkage.LinkRecord]:
        self._progress(f"reading {path.name}")
        try:
            records = linkage.read_records(path, self._progress)
        except linkage.MalformedRow as exc:
            raise CommandError(f"{path.name}: {exc}; nothing was written") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path.name}: not UTF-8 text; nothing was written") from None
        self._progress(f"{len(records):,} rows in {path.name}")
        return records
