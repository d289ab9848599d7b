"""The figures dashboard on a million events: each figure as the page computes it, the
release through disclosure control, and the whole page, on SQLite and PostgreSQL.

Run by hand (not a unit test).  The data set is `benchmarks/figures_data.py`'s
(`--scale 10`: 1,000,000 events, 3,000,000 acts, 1,500,000 people, 400,000 sources,
half of the sources consenting to anonymous publication; a `--reuse` directory built
by this script or by `figures_aggregates.py` serves both), then `bordermonitor
figures rebuild` (the monthly counts the event figures read).  SQLite goes through
SQLCipher, as the app runs.  Timed, p50/p95 over `--runs` runs, against a baseline
`SELECT COUNT(*)` of the events measured in the same run:

- each dashboard figure for the period (`selectors.FIGURES[name].compute`, internal
  scope as the page, publish scope as the CSV download), and the answer statistics;
- `report.dashboard_release`: every figure plus disclosure control, as one release;
- the whole page `GET /figures/?date_from=..&date_to=..` as a signed-in analyst
  (Django's test client: view, release, template), with the release counted afresh
  (cache cleared) and with the release cached (`report.RELEASE_CACHE_SECONDS`: the
  page's ten chart images and a CSV download reuse it); one chart
  (`/figures/chart.svg`, matplotlib) and one CSV download after the page.

    cd /work/main
    .venv/bin/python benchmarks/figures_dashboard.py --scale 10 --reuse /tmp/bm-dashboard
    .venv/bin/python benchmarks/figures_dashboard.py --scale 10 --reuse /tmp/bm-dashboard \\
        --db postgres --pg-url postgres://postgres@127.0.0.1:5432/bm_dashboard_bench
    .venv/bin/python benchmarks/figures_dashboard.py --scale 10 --reuse /tmp/bm-dashboard \
        --skip-rebuild        # measure again without recounting the monthly counts

The PostgreSQL database named in --pg-url is DROPPED and re-created unless --reuse
finds it built.  Target: p95 < 300 ms per figure and for the whole page.
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
sys.path.insert(0, str(ROOT))  # tests.signin: signing the analyst in as the tests do
from figures_data import child_environment, ensure_built, percentile, prepare  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/bm_dashboard_bench"
TARGET_P95_MS = 300.0
PERIODS = {
    "2024": (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    "2023-24": (dt.date(2023, 1, 1), dt.date(2024, 12, 31)),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--scale", type=float, default=10.0, help="10 = 1,000,000 events")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per case")
    parser.add_argument("--reuse", metavar="DIR", help="build once into DIR/<db>/ and reuse")
    parser.add_argument(
        "--skip-rebuild",
        action="store_true",
        help="reusing a data set whose monthly counts an earlier run rebuilt",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"bordermonitor benchmark: figures dashboard ({os.cpu_count()} CPUs, load {load})")
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    failed = False
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        if args.reuse:
            data_dir = Path(args.reuse).resolve() / db
            data_dir.mkdir(parents=True, exist_ok=True)
        else:
            data_dir = Path(tempfile.mkdtemp(prefix=f"bm-dashboard-{db}-"))
        env = child_environment(db, data_dir, args.pg_url)
        prepare(db, data_dir, env, args.pg_url)
        command = [sys.executable, __file__, "--child", db, "--runs", str(args.runs)]
        command += ["--scale", str(args.scale), "--reuse", str(data_dir)]
        command += ["--skip-rebuild"] if args.skip_rebuild else []
        result = subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
        failed |= result.returncode != 0
        print(f"(data kept in {data_dir})")
    return 1 if failed else 0


def child(args) -> int:
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # no query log: measure what production does
    from django.core.management import call_command

    counts = ensure_built(Path(args.reuse), args.scale)
    print(f"\n=== {args.child}: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} ===")
    print("data: " + ", ".join(f"{n:,} {k}" for k, n in counts.items()), flush=True)
    if not args.skip_rebuild:
        started = time.perf_counter()
        call_command("figures", "rebuild")  # progress per month on stderr
        print(f"figures rebuild: {time.perf_counter() - started:.1f} s", flush=True)
    return 0 if measure(args) else 1


def measure(args) -> bool:
    from django.core.cache import cache
    from django.test import Client
    from tests.signin import sign_in

    from bordermonitor.accounts.models import User
    from bordermonitor.accounts.services import user_create
    from bordermonitor.figures.report import DASHBOARD, dashboard_release, release_key
    from bordermonitor.figures.rules import Scope
    from bordermonitor.figures.selectors import FIGURES, answer_stats
    from bordermonitor.records.exports import Period
    from bordermonitor.records.models import Event

    def timed(fn, runs: int = args.runs) -> list[float]:
        fn()  # warm
        out = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            out.append((time.perf_counter() - started) * 1000)
        return out

    analyst = User.objects.filter(username="bench-analyst").first() or user_create(
        username="bench-analyst",
        role="analyst",
        password="bench analyst password 2024",  # noqa: S106
    )
    client = Client()
    sign_in(client, analyst)

    rows: list[tuple[str, list[float], bool]] = []  # label, times, held to the target
    rows.append(("baseline: SELECT COUNT(*) FROM events", timed(Event.objects.count), False))
    for label, (start, end) in PERIODS.items():
        period = Period(start, end)
        for name, _title in DASHBOARD:
            for scope in Scope:

                def one(name=name, period=period, scope=scope):
                    return FIGURES[name].compute(period, scope)

                rows.append((f"{name} {label} {scope}", timed(one), True))
        rows.append((f"answer_stats {label}", timed(lambda p=period: answer_stats(p)), True))
        rows.append(
            (
                f"dashboard_release {label} (all figures + disclosure)",
                timed(lambda p=period: dashboard_release(p, Scope.INTERNAL, cached=False)),
                True,
            )
        )
        query = f"date_from={start}&date_to={end}"

        def get(url):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
            return response

        page = f"/figures/?{query}"

        def cold(url=page):
            cache.clear()  # the release counted and protected afresh
            return get(url)

        rows.append((f"PAGE GET /figures/ {label}, release counted", timed(cold), True))
        warm = timed(lambda u=page: get(u))
        rows.append((f"PAGE GET /figures/ {label}, release cached", warm, True))
        chart = f"/figures/chart.svg?figure=violations&{query}"
        chart_key = f"{release_key(period, Scope.INTERNAL)}:chart:violations"

        def drawn(url=chart, key=chart_key):
            cache.delete(key)  # drawn again by matplotlib (the release stays cached)
            return get(url)

        rows.append((f"GET chart.svg violations {label}, drawn", timed(drawn), True))
        rows.append(
            (f"GET chart.svg violations {label}, cached", timed(lambda u=chart: get(u)), True)
        )
        rows.append(
            (
                f"GET table.csv violations {label}",
                timed(lambda q=query: get(f"/figures/table.csv?figure=violations&{q}")),
                True,
            )
        )
    base = statistics.median(rows[0][1])
    ok = True
    print(f"\n{'case':<62} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>7}")
    for label, values, held in rows:
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        mark = ""
        if held and p95 >= TARGET_P95_MS:
            ok, mark = False, "  over target"
        print(f"{label:<62} {p50:8.1f} {p95:8.1f} {p50 / base:7.2f}{mark}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after measuring: {load}")
    print("all under target" if ok else "SOME CASES OVER TARGET")
    return ok


if __name__ == "__main__":
    sys.exit(main())
