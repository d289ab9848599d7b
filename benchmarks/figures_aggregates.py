"""The dashboard's figures on many events: every selector of `figures.selectors`.

Run by hand (not a unit test).  For each database it builds (or reuses) the data set
of `benchmarks/records_list.py` (at `--scale 1`: 100,000 events, 300,000 acts,
150,000 people, 40,000 sources; `--scale 10` is 1,000,000 events), lets half of the
sources consent to anonymous publication (records_list makes them all internal-only,
which would leave the publish scope empty), rebuilds the monthly counts
(`bordermonitor figures rebuild`, timed), then times each figure for a one-year and a
two-year period in both scopes, p50/p95 over `--runs` runs, against a baseline
`SELECT COUNT(*)` of the events measured in the same run:

    cd /work/main
    .venv/bin/python benchmarks/figures_aggregates.py --reuse /tmp/bm-figures   # both
    .venv/bin/python benchmarks/figures_aggregates.py --reuse /tmp/bm-figures \\
        --db postgres --pg-url postgres://postgres@127.0.0.1:5432/bm_figures_bench
    .venv/bin/python benchmarks/figures_aggregates.py --reuse /tmp/bm-figures --direct

`--direct` also times the straightforward GROUP BY over the records (what the
selectors did before the monthly counts; `selectors.count_directly`), fewer runs.
`--explain` prints the query plans of the direct queries.  The PostgreSQL database
named in --pg-url is DROPPED and re-created unless --reuse finds it built.

Target: p95 < 300 ms for every figure on both databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/bm_figures_bench"
TARGET_P95_MS = 300.0
BUILT_NOTE = "built.json"
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
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"bordermonitor benchmark: figures ({os.cpu_count()} CPUs, load average {load})")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    failed = False
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        if args.reuse:
            data_dir = Path(args.reuse).resolve() / db
            data_dir.mkdir(parents=True, exist_ok=True)
        else:
            data_dir = Path(tempfile.mkdtemp(prefix=f"bm-figures-{db}-"))
        env = dict(os.environ)
        env.update(
            BM_DATA_DIR=str(data_dir),
            BM_DEBUG="1",
            DJANGO_SETTINGS_MODULE="bordermonitor.settings",
            DATABASE_URL=(
                f"sqlite:///{data_dir / 'bench.sqlite3'}" if db == "sqlite" else args.pg_url
            ),
        )
        note = data_dir / BUILT_NOTE
        if (
            note.exists()
            and json.loads(note.read_text("utf-8")).get("database") != env["DATABASE_URL"]
        ):
            note.unlink()
        if db == "postgres" and not note.exists():
            from records_list import _recreate_pg_database

            _recreate_pg_database(args.pg_url)
        command = [sys.executable, __file__, "--child", db, "--runs", str(args.runs)]
        command += ["--scale", str(args.scale), "--reuse", str(data_dir)]
        command += ["--direct"] if args.direct else []
        command += ["--explain"] if args.explain else []
        result = subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
        failed |= result.returncode != 0
        print(f"(data kept in {data_dir})")
    return 1 if failed else 0


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def child(args) -> int:
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    from django.core.management import call_command
    from django.db import connection

    from bordermonitor.core.keys import create_master_key
    from bordermonitor.records.models import Source

    note = Path(args.reuse) / BUILT_NOTE
    if note.exists():
        counts = json.loads(note.read_text("utf-8"))["counts"]
        call_command("migrate", verbosity=0)
        print(f"(reusing the data set built in {args.reuse})")
    else:
        from records_list import N_ACTS, N_EVENTS, N_PERSONS, N_SOURCES, generate

        create_master_key(settings.KEY_FILE)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        counts, _ = generate(
            events=int(N_EVENTS * args.scale),
            acts=int(N_ACTS * args.scale),
            persons=int(N_PERSONS * args.scale),
            sources=int(N_SOURCES * args.scale),
        )
        # half the sources consent to anonymous publication (queryset update: no
        # signals; the rebuild below counts them)
        Source.objects.filter(received_on__day__lte=15).update(
            internal_only=False, consent_publish_anonymously=True
        )
        if args.child == "postgres":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(f"built in {time.perf_counter() - started:.0f} s")
        note.write_text(json.dumps({"counts": counts, "database": os.environ["DATABASE_URL"]}))
    print(f"\n=== {args.child}: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} ===")
    print("data: " + ", ".join(f"{n:,} {k}" for k, n in counts.items()))
    started = time.perf_counter()
    call_command("figures", "rebuild", "--quiet")
    print(f"figures rebuild: {time.perf_counter() - started:.1f} s")
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
        p50, p95 = statistics.median(values), _percentile(values, 0.95)
        mark = ""
        if not label.startswith(("baseline", "DIRECT")) and p95 >= TARGET_P95_MS:
            ok, mark = False, "  over target"
        print(f"{label:<58} {p50:8.1f} {p95:8.1f} {p50 / base:6.1f}{mark}")
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
