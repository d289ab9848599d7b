"""Finding events on big data: the filtered event list page and /api/v1/events.

Run by hand (not a unit test).  For each database it builds a fresh data set of
100,000 events, 300,000 acts and 150,000 people (plus 40,000 sources), then times
~200 requests per case through Django's test client as a signed-in monitor (the API
with a bearer token and no session, as a script calls it), and reports p50/p95 with
the ratio to a baseline measured in the same run:

    cd /work/main
    .venv/bin/python benchmarks/records_list.py                  # SQLite, then PostgreSQL
    .venv/bin/python benchmarks/records_list.py --db sqlite
    .venv/bin/python benchmarks/records_list.py --db postgres \\
        --pg-url postgres://postgres@127.0.0.1:5432/bm_bench     # dropped and re-created

SQLite goes through SQLCipher (the file encrypted whole), as the product does;
`--sqlite-engine compare` also times the same data through the standard sqlite3
module on an unencrypted export of the file, in the same run:

    .venv/bin/python benchmarks/records_list.py --db sqlite --sqlite-engine compare

SQLite uses a file database in a temporary BM_DATA_DIR (deleted afterwards unless
--keep).  The PostgreSQL database named in --pg-url is DROPPED and re-created.

To time a change without paying the build (minutes per database) every time, build
once into a directory of your choosing and reuse it; the directory keeps the SQLite
file, the master key both databases' rows are sealed with, and a note of what was
built (PostgreSQL keeps its database, which is then not dropped):

    .venv/bin/python benchmarks/records_list.py --reuse /tmp/bm-bench       # builds
    .venv/bin/python benchmarks/records_list.py --reuse /tmp/bm-bench \\
        --db postgres --cases API --requests 50                             # reuses
    .venv/bin/python benchmarks/records_list.py --reuse /tmp/bm-bench \\
        --db sqlite --cases "API events" --profile                          # cProfile

A reused data set was built by an earlier version of this script and of the models:
rebuild (delete the directory) after changing either, and for the figures you report.

How the data is made quickly: rows are written with executemany in batches; every
record still has a unique code, but the records share a pool of 32 data keys
(making 150,000 data keys would only time key wrapping).  Each person has one
name, sealed with the pool key like any name, and its blind-index tokens, so the
name search is real.  Descriptions, notes and testimonies are left empty.
No ANALYZE is run on SQLite (Django never runs it, so neither will a real
installation); PostgreSQL is analysed as autovacuum would do after such a load.

Lists whose filters reach into acts, victims, types or sources count up to 1,000
and then say "more than 1,000" (selectors.event_count); "matches" below is the true
number, counted once per case outside the timing.

Target: p95 < 150 ms for the filtered list page and the API list on both databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/bm_bench"
TARGET_P95_MS = 150.0
BUILT_NOTE = "built.json"  # in a --reuse directory: what was built, and the name to search

N_EVENTS, N_ACTS, N_PERSONS, N_SOURCES = 100_000, 300_000, 150_000, 40_000
BATCH = 5_000
KEY_POOL = 32
FIRST_DAY, LAST_DAY = dt.date(2021, 8, 1), dt.date(2025, 6, 30)


# -- the parent: one child process per database (Django settings are per process) -------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per case")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data set")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite data directory")
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        help="build the data once into DIR/<db>/ and reuse it on later runs (see above)",
    )
    parser.add_argument("--cases", default="", help="only the cases whose label contains this text")
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of one request per case"
    )
    parser.add_argument(
        "--sqlite-engine",
        choices=["sqlcipher", "plain", "compare"],
        default="sqlcipher",
        help="SQLite through SQLCipher (the product's setting), the standard sqlite3 module "
        "on an unencrypted file (with the memory-mapping option used before SQLCipher), or "
        "compare: both in one run, on the same data (the plain file is an export of the "
        "encrypted one)",
    )
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export-plain", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    machine = f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"bordermonitor benchmark: finding events ({machine}; load average {load})")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    failed = False
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        if args.reuse:
            data_dir = Path(args.reuse).resolve() / db
            data_dir.mkdir(parents=True, exist_ok=True)
        else:
            data_dir = Path(tempfile.mkdtemp(prefix=f"bm-bench-{db}-"))
        env = dict(os.environ)
        env.update(
            BM_DATA_DIR=str(data_dir),
            BM_DEBUG="1",  # development static storage: no collectstatic needed
            BM_ALLOWED_HOSTS="testserver",
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
            note.unlink()  # built for another database: build again
        if db == "postgres" and not note.exists():
            _recreate_pg_database(args.pg_url)
        command = [sys.executable, __file__, "--child", db, "--requests", str(args.requests)]
        command += ["--scale", str(args.scale), "--cases", args.cases]
        command += ["--profile"] if args.profile else []
        engine = args.sqlite_engine if db == "sqlite" else "sqlcipher"
        plain_file = data_dir / "bench-plain.sqlite3"
        if engine == "compare":
            # both runs need the data set: build it once (kept in data_dir), export it
            command += ["--reuse", str(data_dir), "--export-plain", str(plain_file)]
        elif args.reuse:
            command += ["--reuse", str(data_dir)]
        if engine == "plain":
            command += ["--plain"]
            env["DATABASE_URL"] = f"sqlite:///{plain_file}"
        result = subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
        failed |= result.returncode != 0
        if engine == "compare" and plain_file.exists():  # exported (targets met or not)
            command = [c for c in command if c not in ("--export-plain", str(plain_file))]
            env["DATABASE_URL"] = f"sqlite:///{plain_file}"
            result = subprocess.run([*command, "--plain"], env=env, cwd=ROOT, check=False)  # noqa: S603
            failed |= result.returncode != 0
        if args.reuse:
            print(f"(data kept in {data_dir})")
        elif db == "sqlite" and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif db == "sqlite":
            print(f"(kept {data_dir})")
    return 1 if failed else 0


def _recreate_pg_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# -- the child: build the data, then measure --------------------------------------------


def child(args) -> int:
    import django
    from django.conf import settings

    if args.plain:
        # the standard sqlite3 module on an unencrypted file, with the options used
        # before the file was encrypted (memory-mapped reads)
        settings.DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"
        settings.DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA mmap_size=1073741824"
    django.setup()

    settings.DEBUG = False  # no query log: measure what production does
    from django.core.management import call_command

    from bordermonitor.core.keys import create_master_key

    db = args.child
    note = Path(args.reuse) / BUILT_NOTE if args.reuse else None
    if note is not None and note.exists():
        built_before = json.loads(note.read_text("utf-8"))
        counts, probe_name = built_before["counts"], built_before["probe_name"]
        built = 0.0
        call_command("migrate", verbosity=0)  # the code may have moved on since the build
        print(f"(reusing the data set built in {args.reuse})")
    else:
        create_master_key(settings.KEY_FILE)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        sizes = {
            "events": int(N_EVENTS * args.scale),
            "acts": int(N_ACTS * args.scale),
            "persons": int(N_PERSONS * args.scale),
            "sources": int(N_SOURCES * args.scale),
        }
        counts, probe_name = generate(**sizes)
        if db == "postgres":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        built = time.perf_counter() - started
        if note is not None:
            built_now = {"counts": counts, "probe_name": probe_name}
            built_now["database"] = os.environ["DATABASE_URL"]
            note.write_text(json.dumps(built_now), "utf-8")
    # A server process does not hold the generator's leftovers: keep the garbage
    # collector's full passes from walking them between requests.
    gc.collect()
    gc.freeze()
    print(f"\n=== {db}: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} ===")
    print(
        "data: "
        + ", ".join(f"{n:,} {k}" for k, n in counts.items())
        + (f" built in {built:.0f} s" if built else " (reused)")
    )
    ok = measure(db, args.requests, probe_name, only=args.cases, profile=args.profile)
    if args.export_plain:
        _export_plain(Path(args.export_plain))
    return 0 if ok else 1


def _export_plain(target: Path) -> None:
    """An unencrypted copy of the SQLCipher file, for timing the plain sqlite3 module."""
    from django.db import connection

    target.unlink(missing_ok=True)
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("ATTACH DATABASE ? AS plaintext KEY ''", [str(target)])
    raw.execute("SELECT sqlcipher_export('plaintext')")
    raw.execute("DETACH DATABASE plaintext")
    connection.close()


def _names() -> tuple[list[str], list[str]]:
    """Latin given and family names from the demo's name lists."""
    data = json.loads((ROOT / "src/bordermonitor/demo/data/names.json").read_text("utf-8"))
    given, family = set(), set()
    for tradition in data["traditions"].values():
        for part, entries in tradition.items():
            if not isinstance(entries, list):
                continue
            target = family if "family" in part or "surname" in part else given
            for entry in entries:
                latin = entry.get("latin") if isinstance(entry, dict) else entry
                for name in [latin] if isinstance(latin, str) else latin or []:
                    if name and name.isascii():
                        target.add(name)
    return sorted(given), sorted(family or given)


def _pick(weights: dict):
    """A weighted random chooser (cumulative weights computed once)."""
    keys, cumulative = list(weights), list(itertools.accumulate(weights.values()))
    return lambda: random.choices(keys, cum_weights=cumulative)[0]  # noqa: S311


class Inserter:
    """Rows straight into a model's table with executemany: bulk_create prepares every
    field of every row through the ORM, which alone took minutes for 900,000 rows.

    Rows are dicts of attribute names; fields left out get their default (a new UUID,
    an empty list, now), so columns added to the models later still get a value.
    """

    def __init__(self, model):
        from django.db import connection, models
        from django.utils import timezone

        self.model, self.connection = model, connection
        self.fields = [  # the database numbers AutoField rows itself
            f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)
        ]
        self.now = timezone.now()
        sqlite = connection.vendor == "sqlite"

        def adapter(f):
            if isinstance(f, models.UUIDField) or (
                f.is_relation and isinstance(f.target_field, models.UUIDField)
            ):
                return (lambda v: v.hex) if sqlite else (lambda v: v)
            if isinstance(f, models.DateTimeField | models.JSONField | models.DecimalField):
                return lambda v: f.get_db_prep_save(v, connection)
            if isinstance(f, models.DateField):
                return lambda v: v.isoformat() if sqlite else v
            return lambda v: v

        self.adapters = [adapter(f) for f in self.fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: E501, S608

    def _value(self, f, row):
        if f.attname in row:
            return row[f.attname]
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return self.now
        return f.get_default()  # None, or "" for a text column that may not be null

    def insert(self, rows) -> None:
        batch = []
        with self.connection.cursor() as cursor:
            for row in rows:
                batch.append(
                    tuple(
                        None if (v := self._value(f, row)) is None else adapt(v)
                        for f, adapt in zip(self.fields, self.adapters, strict=True)
                    )
                )
                if len(batch) >= BATCH:
                    cursor.executemany(self.sql, batch)
                    batch = []
            if batch:
                cursor.executemany(self.sql, batch)


def generate(*, events: int, acts: int, persons: int, sources: int):
    """Load the data set; return the counts and a family name to search for."""
    from django.db import connection, transaction

    from bordermonitor.core.blind_index import name_digests
    from bordermonitor.core.crypto import associated_data, create_data_key, seal
    from bordermonitor.core.models import (
        CodeSequence,
        EventType,
        Nationality,
        Perpetrator,
        Place,
        ViolationType,
    )
    from bordermonitor.records.models import (
        VULNERABILITY_CODES,
        Act,
        Event,
        NameToken,
        NameVariant,
        Person,
        Source,
        SourceEvent,
    )

    random.seed(2024)
    given, family = _names()
    keys = [create_data_key(f"bench-key-{i}").pk for i in range(KEY_POOL)]
    nationality = {n.code: n.pk for n in Nationality.objects.all()}
    nat_pick = _pick(
        {
            "IRQ": 20, "SYR": 18, "AFG": 12, "YEM": 8, "SOM": 8, "ERI": 7, "ETH": 7,
            "SDN": 6, "IRN": 4, "CMR": 3, "EGY": 2, "LKA": 2, "IND": 2, "COD": 1,
        }
    )  # fmt: skip
    vtypes = {v.code: v.pk for v in ViolationType.objects.all()}
    vt_pick = _pick(
        {
            "pushback": 30, "beating": 14, "dog-attack": 5, "document-confiscation": 6,
            "phone-destruction": 8, "phone-confiscation": 6, "theft-extortion": 6,
            "denial-of-food-water": 5, "forced-crossing": 8, "degrading-treatment": 5,
            "medical-care-denied": 3, "family-separation": 2, "sexual-violence": 1, "other": 1,
        }
    )  # fmt: skip
    perps = {p.code: p.pk for p in Perpetrator.objects.all()}
    perp_by_side = {
        "PL": _pick({"pl-border-guard": 70, "pl-army": 15, "pl-police": 10, "unknown": 5}),
        "LT": _pick({"lt-sbgs": 90, "unknown": 10}),
        "LV": _pick({"lv-border-guard": 90, "unknown": 10}),
        "BY": _pick({"by-sbc": 60, "by-army": 15, "by-police": 15, "smugglers": 10}),
        "RU": _pick({"ru-border-service": 100}),
    }
    etypes = {t.code: t.pk for t in EventType.objects.all()}
    places = list(Place.objects.exclude(country="RU").values_list(
        "pk", "country", "border_section_id", "latitude", "longitude", "name"
    ))  # fmt: skip
    kinds = _pick(
        {"interview": 40, "witness": 15, "relative": 15, "official": 10, "media": 12,
         "international_org": 4, "open_source": 4}
    )  # fmt: skip

    def years_codes(prefix: str, years: list[int]) -> list[str]:
        seen: dict[int, int] = {}
        out = []
        for year in years:
            seen[year] = seen.get(year, 0) + 1
            out.append(f"{prefix}-{year}-{seen[year]:05d}")
        for year, last in seen.items():
            CodeSequence.objects.update_or_create(prefix=prefix, year=year, defaults={"last": last})
        return out

    def chance(p: float) -> bool:
        return random.random() < p  # noqa: S311

    days = (LAST_DAY - FIRST_DAY).days
    name_table, name_column = NameVariant._meta.db_table, NameVariant._meta.get_field("full_name")
    with transaction.atomic():
        # people, each with one sealed name and its blind-index tokens
        person_ids, people, names, tokens = [], [], [], []
        probe_name = None
        for code in years_codes("P", [2021 + i % 5 for i in range(persons)]):
            person_id, variant_id, key = uuid.uuid4(), uuid.uuid4(), random.choice(keys)  # noqa: S311
            vulnerable = chance(0.15)
            people.append(
                {
                    "id": person_id,
                    "code": code,
                    "data_key_id": key,
                    "sex": random.choice("ffmmmmmu"),  # noqa: S311
                    "nationality_id": nationality[nat_pick()],
                    "vulnerabilities": (
                        random.sample(VULNERABILITY_CODES, random.randint(1, 2))  # noqa: S311
                        if vulnerable
                        else []
                    ),
                }
            )
            full_name = f"{random.choice(given)} {random.choice(family)}"  # noqa: S311
            aad = associated_data(name_table, variant_id, name_column.column)
            names.append(
                {
                    "id": variant_id,
                    "person_id": person_id,
                    "full_name": seal(full_name.encode(), key_id=key, aad=aad),
                    "script": "latin",
                    "is_primary": True,
                }
            )
            tokens += [
                {"person_id": person_id, "variant_id": variant_id, "digest": digest}
                for digest in name_digests(full_name)
            ]
            person_ids.append(person_id)
            probe_name = probe_name or full_name.split()[-1]
        Inserter(Person).insert(people)
        Inserter(NameVariant).insert(names)
        Inserter(NameToken).insert(tokens)
        del people, names, tokens

        # events, their types and acts
        event_dates = []
        for _ in range(events):
            start = FIRST_DAY + dt.timedelta(days=random.randrange(days))  # noqa: S311
            r = random.random()  # noqa: S311
            if r < 0.70:
                event_dates.append((start, start, "day"))
            elif r < 0.88:
                first = start.replace(day=1)
                nxt = (first + dt.timedelta(days=32)).replace(day=1)
                event_dates.append((first, nxt - dt.timedelta(days=1), "month"))
            elif r < 0.98:
                end = start + dt.timedelta(days=random.randint(1, 20))  # noqa: S311
                event_dates.append((start, end, "range"))
            else:
                event_dates.append((dt.date(start.year, 1, 1), dt.date(start.year, 12, 31), "year"))
        event_dates.sort()
        event_rows = []
        codes = years_codes("E", [d[0].year for d in event_dates])
        for code, (earliest, latest, precision) in zip(codes, event_dates, strict=True):
            row = {
                "id": uuid.uuid4(),
                "code": code,
                "data_key_id": random.choice(keys),  # noqa: S311
                "date_earliest": earliest,
                "date_latest": latest,
                "date_precision": precision,
                "group_size": (group := random.randint(1, 40)),  # noqa: S311
                "women_count": random.randint(0, group // 3),  # noqa: S311
                "children_count": random.randint(0, group // 3),  # noqa: S311
            }
            if chance(0.9):
                pk, side, section, lat, lon, name = random.choice(places)  # noqa: S311
                row.update(
                    place_id=pk,
                    side=side,
                    border_section_id=section,
                    latitude=Decimal(f"{float(lat) + random.uniform(-0.04, 0.04):.5f}"),  # noqa: S311
                    longitude=Decimal(f"{float(lon) + random.uniform(-0.04, 0.04):.5f}"),  # noqa: S311
                    title=f"incident near {name}",
                )
            else:
                row.update(side=random.choice(["PL", "PL", "LT", "LT", "BY"]), title="")  # noqa: S311
            event_rows.append(row)
        Inserter(Event).insert(event_rows)
        type_codes = list(etypes)
        links = []
        for e in event_rows:
            chosen = {"pushback" if chance(0.5) else random.choice(type_codes)}  # noqa: S311
            if chance(0.4):
                chosen.add(random.choice(type_codes))  # noqa: S311
            links += [{"event_id": e["id"], "eventtype_id": etypes[c]} for c in chosen]
        Inserter(Event.event_types.through).insert(links)
        per_event = [1] * len(event_rows)
        for _ in range(acts - len(event_rows)):
            per_event[random.randrange(len(event_rows))] += 1  # noqa: S311

        def act_rows():
            for event, n in zip(event_rows, per_event, strict=True):
                perpetrator = perp_by_side.get(event["side"], perp_by_side["BY"])
                for _ in range(n):
                    named = chance(0.55)
                    vulnerable = not named and chance(0.2)
                    yield {
                        "id": uuid.uuid4(),
                        "event_id": event["id"],
                        "victim_id": random.choice(person_ids) if named else None,  # noqa: S311
                        "victim_group_count": None if named else random.randint(1, 30),  # noqa: S311
                        "victim_group_vulnerabilities": (
                            random.sample(VULNERABILITY_CODES, random.randint(1, 2))  # noqa: S311
                            if vulnerable
                            else []
                        ),
                        "violation_type_id": vtypes[vt_pick()],
                        "perpetrator_id": perps[perpetrator()],
                    }

        Inserter(Act).insert(act_rows())

        # sources, each about one or two events and sometimes a person
        source_days = sorted(
            FIRST_DAY + dt.timedelta(days=random.randrange(days))  # noqa: S311
            for _ in range(sources)
        )
        source_rows = [
            {
                "id": uuid.uuid4(),
                "code": code,
                "data_key_id": random.choice(keys),  # noqa: S311
                "kind": kinds(),
                "received_on": day,
                "internal_only": True,
            }
            for code, day in zip(
                years_codes("S", [d.year for d in source_days]), source_days, strict=True
            )
        ]
        Inserter(Source).insert(source_rows)
        pairs = {
            (s["id"], random.choice(event_rows)["id"])  # noqa: S311
            for s in source_rows
            for _ in range(random.randint(1, 2))  # noqa: S311
        }
        Inserter(SourceEvent).insert({"source_id": s, "event_id": e} for s, e in pairs)
        Inserter(Source.persons.through).insert(
            {"source_id": s["id"], "person_id": random.choice(person_ids)}  # noqa: S311
            for s in source_rows
            if chance(0.5)
        )
    connection.close()
    counts = {
        "events": Event.objects.count(),
        "acts": Act.objects.count(),
        "persons": Person.objects.count(),
        "name tokens": NameToken.objects.count(),
        "sources": Source.objects.count(),
    }
    return counts, probe_name


# -- measuring ------------------------------------------------------------------------


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(db: str, requests: int, probe_name: str, *, only: str = "", profile=False) -> bool:
    from urllib.parse import urlencode

    from django.test import Client

    from bordermonitor.accounts.models import User
    from bordermonitor.accounts.services import api_token_create, user_create
    from bordermonitor.records import selectors
    from bordermonitor.records.forms import EventFilterForm
    from bordermonitor.records.views import _filters

    password = "bench bench bench"  # noqa: S105 - a throw-away account in a throw-away DB
    user = User.objects.filter(username=f"bench-{db}").first() or user_create(
        username=f"bench-{db}", role="monitor", password=password, check_password=False
    )  # a reused data set already has the account
    page_client = Client()
    # signed in as the sign-in rules require (password and a verified second factor)
    sys.path.insert(0, str(ROOT))
    from tests.signin import sign_in

    sign_in(page_client, user)
    api_client = Client()  # a script: its token, no session cookie
    _, token = api_token_create(user=user)
    api_headers = {"Authorization": f"Bearer {token}"}

    half = {"date_from": "2023-01-01", "date_to": "2023-06-30"}
    pl_pushbacks = {**half, "side": "PL", "violation_type": "pushback"}
    year_2024 = {"date_from": "2024-01-01", "date_to": "2024-12-31"}
    year_2022 = {"date_from": "2022-01-01", "date_to": "2022-12-31"}
    name = {"victim_name": probe_name}
    page_cases = [
        ("baseline: /health/", "/health/", {}, False),
        ("baseline: events, first page, no filter", "/events/", {}, False),
        ("half-year + side PL + pushback", "/events/", pl_pushbacks, True),
        ("  same, certainly within", "/events/", {**pl_pushbacks, "date_mode": "within"}, True),
        ("victims' nationality SYR, 2024", "/events/", {**year_2024, "nationality": "SYR"}, True),
        ("vulnerability child (person or group)", "/events/", {"vulnerability": "child"}, True),
        (
            "source kind media + section BY-PL-BF",
            "/events/",
            {"source_kind": "media", "border_section": "BY-PL-BF"},
            True,
        ),
        (
            "event type + perpetrator + year",
            "/events/",
            {**year_2022, "event_type": "pushback", "perpetrator": "pl-border-guard"},
            True,
        ),
        ("victim name (blind index)", "/events/", name, True),
        ("victim name + half-year + side PL", "/events/", {**name, **half, "side": "PL"}, True),
        (
            "page 20 (last listed) of PL pushbacks",
            "/events/",
            {"side": "PL", "violation_type": "pushback", "page": "20"},
            True,
        ),
    ]
    api = "/api/v1/events"
    api_cases = [
        ("baseline: API events, no filter", api, {"limit": "50"}, False),
        ("API half-year + side PL + pushback", api, {"limit": "50", **pl_pushbacks}, True),
        (
            "API nationality SYR + vulnerability",
            api,
            {"limit": "50", "nationality": "SYR", "vulnerability": "pregnant"},
            True,
        ),
        ("API victim name", api, {"limit": "50", **name}, True),
        (
            "API source kind + date within",
            api,
            {"limit": "50", "source_kind": "official", **half, "date_mode": "within"},
            True,
        ),
    ]
    info_cases = [
        ("(info) map GeoJSON, half-year PL pushbacks", "/map/events.geojson", pl_pushbacks, False),
    ]

    def timed(url: str, headers=None) -> list[float]:
        client = api_client if headers else page_client
        for _ in range(5):  # warm-up: connection, caches, templates
            assert client.get(url, headers=headers).status_code == 200, url
        out = []
        for _ in range(requests):
            t0 = time.perf_counter()
            response = client.get(url, headers=headers)
            out.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return out

    def matches(path: str, params: dict) -> str:
        """How many events the case's filters find (the list's count)."""
        if not path.startswith(("/events", "/api/v1/events", "/map")):
            return ""
        form = EventFilterForm({k: v for k, v in params.items() if k not in ("limit", "page")})
        assert form.is_valid(), form.errors
        return f"{selectors.event_list(user, _filters(form, selectors.EventFilters)).count():,}"

    rows, ok = [], True
    baselines: dict[str, float] = {}
    for label, path, params, checked in page_cases + api_cases + info_cases:
        if only and only not in label and (profile or not label.startswith("baseline")):
            continue
        url = f"{path}?{urlencode(params)}" if params else path
        headers = api_headers if path.startswith("/api/") else None
        if profile:
            _profile(api_client if headers else page_client, label, url, headers)
            continue
        times = timed(url, headers)
        p50, p95 = statistics.median(times), _percentile(times, 0.95)
        if label.startswith("baseline"):
            baselines["api" if headers else "page"] = p50
        base = baselines["api" if headers else "page"]
        meets = ("ok" if p95 < TARGET_P95_MS else "SLOW") if checked else ""
        ok &= meets != "SLOW"
        rows.append((label, matches(path, params), p50, p95, p50 / base, meets))

    if profile:
        return True
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{requests} requests per case; ratio = p50 / p50 of the page (or API) baseline")
    print(f"load average after measuring: {load} (other work on the machine slows every case)")
    print(f"{'case':<46} {'matches':>9} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6}  target")
    for label, n, p50, p95, ratio, meets in rows:
        print(f"{label:<46} {n:>9} {p50:>8.1f} {p95:>8.1f} {ratio:>6.1f}  {meets}")
    print(f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if ok else 'NOT met'} on {db}")
    return ok


def _profile(client, label: str, url: str, headers) -> None:
    """One request under cProfile (after warming up), with its queries and their times."""
    import cProfile
    import pstats

    from django.db import connection, reset_queries

    for _ in range(5):
        client.get(url, headers=headers)
    connection.force_debug_cursor = True
    reset_queries()
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    response = client.get(url, headers=headers)
    profiler.disable()
    elapsed = (time.perf_counter() - t0) * 1000
    connection.force_debug_cursor = False
    queries = connection.queries
    print(f"\n--- {label}: {url} -> {response.status_code} in {elapsed:.1f} ms")
    print(f"{len(queries)} queries, {sum(float(q['time']) for q in queries) * 1000:.1f} ms:")
    for q in queries:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
    pstats.Stats(profiler).sort_stats(os.environ.get("BM_PROFILE_SORT", "cumulative")).print_stats(
        35
    )


if __name__ == "__main__":
    sys.exit(main())
