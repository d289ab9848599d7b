"""The dashboard's figures on many events: every selector of `figures.selectors`.

Run by hand (not a unit test).  For each database it builds (or reuses) the data set
of `benchmarks/figures_data.py` (`--scale 1`: 100,000 events, 300,000 acts, 150,000
people, 40,000 sources, half of them consenting to anonymous publication; `--scale
10` is 1,000,000 events), rebuilds the monthly counts (`bordermonitor figures
rebuild`, timed, progress per month on stderr), then times each figure for a
one-year, a two-year and a mid-month-to-mid-month period in both scopes, p50/p95
over `--runs` runs, against a baseline `SELECT COUNT(*)` of the events measured in
the same run.  SQLite goes through SQLCipher, as the app runs.

    cd /work/main
    .venv/bin/python benchmarks/figures_aggregates.py --scale 10 --reuse /tmp/bm-figures \\
        --db postgres --pg-url postgres://postgres@127.0.0.1:5432/bm_figures_bench
    .venv/bin/python benchmarks/figures_aggregates.py --scale 10 --reuse /tmp/bm-figures \\
        --db sqlite
    .venv/bin/python benchmarks/figures_aggregates.py --reuse /tmp/bm-figures --skip-rebuild

A `--reuse` directory built by this script serves figures_dashboard.py too (and the
other way round); `--skip-rebuild` measures again without recounting.  `--direct`
also times the straightforward GROUP BY over the records (what the selectors did
before the monthly counts; `selectors.count_directly`), fewer runs.  `--explain`
prints the query plans of the direct queries.  The PostgreSQL database named in
--pg-url is DROPPED and re-created unless --reuse finds it built.

Target: p95 < 300 ms for every figure on both databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from figures_data import child_environment, ensure_built, percentile, prepare  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/bm_figures_bench"
TARGET_P95_MS = 300.0
YEAR = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
TWO_YEARS = (dt.date(2023, 1, 1), dt.date(2024, 12, 31))
MID_MONTH = (dt.date(2023, 3, 15), dt.date(2024, 3, 14))  # two partial months, counted directly


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 events")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per case")
    parser.add_argument("--reuse", metavar="DIR", help="build once into DIR/<db>/ and reuse")
    parser.add_argument("--direct", action="store_true", help="also time the direct GROUP BY")
    parser.add_argument("--explain", action="store_true", help="print the direct query plans")
    parser.add_argument(
        "--skip-rebuild",
        action="store_true",
        help="reusing a data set whose monthly counts an earlier run rebuilt",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build the data set (no rebuild, no timing)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"bordermonitor benchmark: figures ({os.cpu_count()} CPUs, load average {load})")
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    failed = False
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        if args.reuse:
            data_dir = Path(args.reuse).resolve() / db
            data_dir.mkdir(parents=True, exist_ok=True)
        else:
            data_dir = Path(tempfile.mkdtemp(prefix=f"bm-figures-{db}-"))
        env = child_environment(db, data_dir, args.pg_url)
        prepare(db, data_dir, env, args.pg_url)
        command = [sys.executable, __file__, "--child", db, "--runs", str(args.runs)]
        command += ["--scale", str(args.scale), "--reuse", str(data_dir)]
        command += ["--direct"] if args.direct else []
        command += ["--explain"] if args.explain else []
        command += ["--skip-rebuild"] if args.skip_rebuild else []
        command += ["--build-only"] if args.build_only else []
        result = subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
        failed |= result.returncode != 0
        print(f"(data kept in {data_dir})")
    return 1 if failed else 0


def child(args) -> int:
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    from django.core.management import call_command

    counts = ensure_built(Path(args.reuse), args.scale)
    print(f"\n=== {args.child}: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} ===")
    print("data: " + ", ".join(f"{n:,} {k}" for k, n in counts.items()), flush=True)
    if args.build_only:
        return 0
    if not args.skip_rebuild:
        started = time.perf_counter()
        call_command("figures", "rebuild")  # progress per month on stderr
        print(f"figures rebuild: {time.perf_counter() - started:.1f} s", flush=True)
    return 0 if measure(args) else 1


def measure(args) -> bool:
    from django.db import connection

    from bordermonitor.figures import selectors
    from bordermonitor.figures.rules import Scope
    from bordermonitor.records.exports import Period
    from bordermonitor.records.models import Event

    def timed(fn, runs: int) -> list[float]:
        fn()  # warm
        out = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            out.append((time.perf_counter() - started) * 1000)
        return out

    rows: list[tuple[str, list[float]]] = []
    baseline = timed(lambda: Event.objects.count(), args.runs)
    rows.append(("baseline: SELECT COUNT(*) FROM events", baseline))
    periods = {
        "2024": Period(*YEAR),
        "2023-24": Period(*TWO_YEARS),
        "15.3.23-14.3.24": Period(*MID_MONTH),
    }
    for label, period in periods.items():
        for scope in Scope:
            for name, figure in selectors.FIGURES.items():

                def run(figure=figure, period=period, scope=scope):
                    return figure.compute(period, scope)

                rows.append((f"{name} {label} {scope}", timed(run, args.runs)))
        rows.append(
            (
                f"answer_stats {label}",
                timed(lambda period=period: selectors.answer_stats(period), args.runs),
            )
        )
    for scope in Scope:
        rows.append(
            (
                f"cumulative_totals to 2024-12-31 {scope}",
                timed(
                    lambda scope=scope: selectors.cumulative_totals(TWO_YEARS[1], scope), args.runs
                ),
            )
        )
    # the cost of a write: recounting one event into the monthly counts (what every
    # save of an event, act or source link adds to its transaction)
    from django.db import transaction

    from bordermonitor.figures import monthly

    sample = list(Event.objects.values_list("pk", flat=True)[:5000:170])
    picks = iter(sample * (args.runs // len(sample) + 2))

    def refresh_one():
        with transaction.atomic():
            monthly.refresh_events([next(picks)])

    rows.append(("write: refresh_events([one event])", timed(refresh_one, args.runs)))
    if args.direct or args.explain:
        period = periods["2023-24"]
        for name in selectors.MONTHLY_FIGURES:
            if args.explain:
                _explain(connection, selectors.direct_queryset(name, period, Scope.INTERNAL))
            if args.direct:
                runs = max(3, args.runs // 6)
                rows.append(
                    (
                        f"DIRECT {name} 2023-24 internal",
                        timed(
                            lambda name=name: selectors.count_directly(
                                name, period, Scope.INTERNAL
                            ),
                            runs,
                        ),
                    )
                )
    base = statistics.median(baseline)
    ok = True
    print(f"\n{'case':<58} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6}")
    for label, values in rows:
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        mark = ""
        if not label.startswith(("baseline", "DIRECT")) and p95 >= TARGET_P95_MS:
            ok, mark = False, "  over target"
        print(f"{label:<58} {p50:8.1f} {p95:8.1f} {p50 / base:6.2f}{mark}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after measuring: {load}")
    print("all figures under target" if ok else "SOME FIGURES OVER TARGET")
    return ok


def _explain(connection, queryset) -> None:
    sql, params = queryset.query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        print("\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall()))
    print()


if __name__ == "__main__":
    sys.exit(main())
