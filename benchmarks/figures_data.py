"""The figures benchmarks' data set, built fast: what `figures_aggregates.py` and
`figures_dashboard.py` share (the data, where it lives, how results are summarised).

Why a builder of its own: `records_list.py` builds events for the event list (names,
blind-index tokens, event types) row by row through `executemany` with per-field
adapters; at 1,000,000 events that took ~35 minutes per database.  The figures read
events, acts, victims (people), sources and source–event links only, so this builder
writes exactly those, with the same proportions and distributions as records_list
(`--scale 1`: 100,000 events, 300,000 acts, 150,000 people, 40,000 sources):

- rows are tuples in the form the database stores them (UUIDs as 32 hex digits, dates
  as ISO text, JSON as text), written in one transaction: `COPY ... FROM STDIN` on
  PostgreSQL, `executemany` on SQLite (through SQLCipher, with `synchronous=OFF` and a
  large page cache on the builder's own connection only);
- columns the builder does not set get their model default once per table (empty
  encrypted fields are NULL, as the app stores an empty field), so columns added to
  the models later still get a value;
- no names, name tokens, event types or source–person links (the figures read none;
  `records_list.py` builds them for the event list);
- half the sources (received on day 1–15 of a month) consent to anonymous publication
  and are not internal-only, so the publish scope counts about a quarter of the
  events; the others are internal-only, as records_list makes them all.

The monthly counts are not built here: `bordermonitor figures rebuild` counts them
from these rows, as after any bulk load.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILT_NOTE = "built.json"
N_EVENTS, N_ACTS, N_PERSONS, N_SOURCES = 100_000, 300_000, 150_000, 40_000
KEY_POOL = 32
FIRST_DAY, LAST_DAY = dt.date(2021, 8, 1), dt.date(2025, 6, 30)
BATCH = 20_000
SIZES = {"events": N_EVENTS, "acts": N_ACTS, "persons": N_PERSONS, "sources": N_SOURCES}


# -- shared by the two scripts ----------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..1) of a sample."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def recreate_pg_database(url: str) -> None:
    """Drop and create the benchmark's own PostgreSQL database."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def child_environment(db: str, data_dir: Path, pg_url: str) -> dict[str, str]:
    """The environment of the child process measuring one database (settings are per
    process); the SQLite file lives in the data directory, beside the master key."""
    env = dict(os.environ)
    env.update(
        BM_DATA_DIR=str(data_dir),
        BM_DEBUG="1",  # development static storage: no collectstatic needed
        BM_ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="bordermonitor.settings",
        DATABASE_URL=f"sqlite:///{data_dir / 'bench.sqlite3'}" if db == "sqlite" else pg_url,
    )
    return env


def prepare(db: str, data_dir: Path, env: dict[str, str], pg_url: str) -> None:
    """Forget a data set built for another database; a PostgreSQL database not built
    yet is dropped and created afresh."""
    note = data_dir / BUILT_NOTE
    if note.exists() and json.loads(note.read_text("utf-8")).get("database") != env["DATABASE_URL"]:
        note.unlink()
    if db == "postgres" and not note.exists():
        recreate_pg_database(pg_url)


def ensure_built(data_dir: Path, scale: float) -> dict[str, int]:
    """Migrate, then build the data set unless the directory's note says it is built
    (at this scale); returns the row counts.  Runs inside the child (Django set up)."""
    from django.conf import settings
    from django.core.management import call_command

    note = data_dir / BUILT_NOTE
    if note.exists():
        built = json.loads(note.read_text("utf-8"))
        call_command("migrate", verbosity=0)  # the code may have moved on since the build
        if built.get("scale", scale) != scale:
            print(f"(note: the reused data set was built at --scale {built['scale']})")
        print(f"(reusing the data set built in {data_dir})", flush=True)
        return built["counts"]
    from bordermonitor.core.keys import create_master_key

    if not Path(settings.KEY_FILE).exists():
        create_master_key(settings.KEY_FILE)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    counts = build(scale)
    seconds = time.perf_counter() - started
    print(f"built in {seconds:.0f} s", flush=True)
    note.write_text(
        json.dumps(
            {
                "counts": counts,
                "scale": scale,
                "built_seconds": round(seconds),
                "database": os.environ["DATABASE_URL"],
            }
        ),
        "utf-8",
    )
    return counts


# -- the builder ------------------------------------------------------------------------


def _uuid_hex() -> str:
    """A version-4 UUID as Django stores it on SQLite (PostgreSQL reads the same text)."""
    return uuid.UUID(int=random.getrandbits(128), version=4).hex


def _pick(weights: dict) -> Callable[[], str]:
    keys, total = list(weights), 0
    cumulative = []
    for w in weights.values():
        total += w
        cumulative.append(total)
    return lambda: random.choices(keys, cum_weights=cumulative)[0]  # noqa: S311


class _Table:
    """One table's bulk writer: the given columns per row, every other column its
    model default (computed once, in the database's stored form)."""

    def __init__(self, model, columns: list[str]):
        from django.db import connection, models
        from django.utils import timezone

        self.connection = connection
        self.table = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
        by_name = {f.attname: f for f in fields}
        missing = [c for c in columns if c not in by_name]
        if missing:
            raise ValueError(f"{self.table} has no column(s) {missing}")
        rest = [f for f in fields if f.attname not in columns]
        now = timezone.now()

        def default(f):
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()  # None, "", [], False ...
            if value is None:
                return None
            if isinstance(f, models.JSONField):
                return json.dumps(value)
            if getattr(f, "primary_key", False):
                raise ValueError(f"{self.table}.{f.attname}: the builder must set the key")
            return f.get_db_prep_save(value, connection)

        self.constants = tuple(default(f) for f in rest)
        names = [by_name[c].column for c in columns] + [f.column for f in rest]
        self.columns = ", ".join(connection.ops.quote_name(n) for n in names)
        self.written = 0

    def write(self, rows: Iterable[tuple], label: str, total: int) -> None:
        started = time.perf_counter()
        constants = self.constants
        pg = self.connection.vendor == "postgresql"
        with self.connection.cursor() as wrapper:
            if pg:
                cursor = wrapper.cursor  # psycopg: COPY
                with cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + constants)
                        self.written += 1
                        if self.written % 200_000 == 0:
                            _progress(label, self.written, total, started)
            else:
                marks = ", ".join(["?"] * (len(self.columns.split(", "))))
                sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608
                raw = wrapper.cursor  # sqlcipher3 cursor: no Django %s rewriting per row
                batch = []
                for row in rows:
                    batch.append(row + constants)
                    if len(batch) >= BATCH:
                        raw.executemany(sql, batch)
                        self.written += len(batch)
                        batch = []
                        if self.written % 200_000 == 0:
                            _progress(label, self.written, total, started)
                if batch:
                    raw.executemany(sql, batch)
                    self.written += len(batch)
        _progress(label, self.written, total, started, finished=True)


def _progress(label: str, done: int, total: int, started: float, *, finished=False) -> None:
    seconds = time.perf_counter() - started
    end = " (done)" if finished else ""
    rate = done / seconds if seconds else 0.0
    print(f"  {label}: {done:,}/{total:,} rows, {seconds:.0f} s, {rate:,.0f}/s{end}", flush=True)


def build(scale: float) -> dict[str, int]:
    """Write the data set at `scale` (1.0 = 100,000 events) in one transaction."""
    from django.db import connection, transaction

    from bordermonitor.core.crypto import create_data_key
    from bordermonitor.core.models import (
        CodeSequence,
        Nationality,
        Perpetrator,
        Place,
        ViolationType,
    )
    from bordermonitor.records.models import VULNERABILITY_CODES, Act, Event, Person, Source

    n = {k: int(v * scale) for k, v in SIZES.items()}
    print(
        "building: " + ", ".join(f"{v:,} {k}" for k, v in n.items()) + f" ({connection.vendor})",
        flush=True,
    )
    random.seed(2024)
    keys = [create_data_key(f"bench-key-{i}").pk.hex for i in range(KEY_POOL)]
    nationality = {x.code: x.pk for x in Nationality.objects.all()}
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
    places = list(
        Place.objects.exclude(country="RU").values_list(
            "pk", "country", "border_section_id", "latitude", "longitude", "name"
        )
    )
    kinds = _pick(
        {"interview": 40, "witness": 15, "relative": 15, "official": 10, "media": 12,
         "international_org": 4, "open_source": 4}
    )  # fmt: skip
    rnd, choice, randint = random.random, random.choice, random.randint
    days = (LAST_DAY - FIRST_DAY).days

    sequences: dict[tuple[str, int], int] = {}

    def codes(prefix: str, years: Iterable[int]) -> Iterator[str]:
        """Codes numbered per year; the last numbers are saved after the load (not
        here: on PostgreSQL this runs inside a COPY, which holds the connection)."""
        for year in years:
            last = sequences[(prefix, year)] = sequences.get((prefix, year), 0) + 1
            yield f"{prefix}-{year}-{last:06d}"

    sqlite = connection.vendor == "sqlite"
    if sqlite:  # the builder's own connection: no fsync, a page cache for the indexes
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -2000000")  # 2 GB
            cursor.execute("PRAGMA temp_store = MEMORY")
    started = time.perf_counter()
    with transaction.atomic():
        # people (victims): ids kept for the acts
        person_ids: list[str] = []

        def people():
            for i, code in enumerate(codes("P", (2021 + i % 5 for i in range(n["persons"])))):
                pid = _uuid_hex()
                person_ids.append(pid)
                vulnerable = rnd() < 0.15
                yield (
                    pid,
                    code,
                    keys[i % KEY_POOL],
                    choice("ffmmmmmu"),
                    nationality[nat_pick()],
                    json.dumps(random.sample(VULNERABILITY_CODES, randint(1, 2)))
                    if vulnerable
                    else "[]",
                )

        _Table(
            Person, ["id", "code", "data_key_id", "sex", "nationality_id", "vulnerabilities"]
        ).write(people(), "people", n["persons"])

        # events, sorted by their earliest day (as entered over time)
        event_dates = []
        first_ord = FIRST_DAY.toordinal()
        for _ in range(n["events"]):
            start = dt.date.fromordinal(first_ord + random.randrange(days))  # noqa: S311
            r = rnd()
            if r < 0.70:
                event_dates.append((start, start, "day"))
            elif r < 0.88:
                first = start.replace(day=1)
                nxt = (first + dt.timedelta(days=32)).replace(day=1)
                event_dates.append((first, nxt - dt.timedelta(days=1), "month"))
            elif r < 0.98:
                event_dates.append((start, start + dt.timedelta(days=randint(1, 20)), "range"))
            else:
                event_dates.append((dt.date(start.year, 1, 1), dt.date(start.year, 12, 31), "year"))
        event_dates.sort()
        events: list[tuple[str, str]] = []  # (id, side)

        def event_rows():
            years = (d[0].year for d in event_dates)
            for i, (code, (earliest, latest, precision)) in enumerate(
                zip(codes("E", years), event_dates, strict=True)
            ):
                eid = _uuid_hex()
                group = randint(1, 40)
                if rnd() < 0.9:
                    pk, side, section, lat, lon, name = choice(places)
                    where = (
                        pk,
                        side,
                        section,
                        round(float(lat) + random.uniform(-0.04, 0.04), 5),  # noqa: S311
                        round(float(lon) + random.uniform(-0.04, 0.04), 5),  # noqa: S311
                        f"incident near {name}",
                    )
                else:
                    side = choice(["PL", "PL", "LT", "LT", "BY"])
                    where = (None, side, None, None, None, "")
                events.append((eid, side))
                yield (
                    eid,
                    code,
                    keys[i % KEY_POOL],
                    earliest.isoformat(),
                    latest.isoformat(),
                    precision,
                    group,
                    randint(0, group // 3),
                    randint(0, group // 3),
                    *where,
                )

        _Table(
            Event,
            ["id", "code", "data_key_id", "date_earliest", "date_latest", "date_precision"]
            + ["group_size", "women_count", "children_count"]
            + ["place_id", "side", "border_section_id", "latitude", "longitude", "title"],
        ).write(event_rows(), "events", n["events"])

        # acts: one per event, the rest spread at random over the events
        per_event = [1] * len(events)
        for _ in range(n["acts"] - len(events)):
            per_event[random.randrange(len(events))] += 1  # noqa: S311
        perp_default = perp_by_side["BY"]

        def act_rows():
            for (eid, side), count in zip(events, per_event, strict=True):
                perpetrator = perp_by_side.get(side, perp_default)
                for _ in range(count):
                    if rnd() < 0.55:
                        victim, group, flags = choice(person_ids), None, "[]"
                    else:
                        victim, group = None, randint(1, 30)
                        flags = (
                            json.dumps(random.sample(VULNERABILITY_CODES, randint(1, 2)))
                            if rnd() < 0.2
                            else "[]"
                        )
                    yield (
                        _uuid_hex(),
                        eid,
                        victim,
                        group,
                        flags,
                        vtypes[vt_pick()],
                        perps[perpetrator()],
                    )

        _Table(
            Act,
            ["id", "event_id", "victim_id", "victim_group_count"]
            + ["victim_group_vulnerabilities", "violation_type_id", "perpetrator_id"],
        ).write(act_rows(), "acts", n["acts"])

        # sources, each about one or two events; half consent to anonymous publication
        source_days = sorted(
            dt.date.fromordinal(first_ord + random.randrange(days))  # noqa: S311
            for _ in range(n["sources"])
        )
        links: list[tuple[str, str]] = []

        def source_rows():
            years = (d.year for d in source_days)
            for i, (code, day) in enumerate(zip(codes("S", years), source_days, strict=True)):
                sid = _uuid_hex()
                for eid in {choice(events)[0] for _ in range(randint(1, 2))}:
                    links.append((sid, eid))
                consenting = day.day <= 15
                yield (
                    sid,
                    code,
                    keys[i % KEY_POOL],
                    kinds(),
                    day.isoformat(),
                    not consenting,  # internal_only
                    consenting,  # consent_publish_anonymously
                )

        _Table(
            Source,
            ["id", "code", "data_key_id", "kind", "received_on"]
            + ["internal_only", "consent_publish_anonymously"],
        ).write(source_rows(), "sources", n["sources"])
        from bordermonitor.records.models import SourceEvent

        _Table(SourceEvent, ["source_id", "event_id"]).write(
            iter(links), "source-event links", len(links)
        )
        for (prefix, year), last in sequences.items():  # the app numbers on from here
            CodeSequence.objects.update_or_create(prefix=prefix, year=year, defaults={"last": last})
        print(f"  written in {time.perf_counter() - started:.0f} s; committing", flush=True)
    if connection.vendor == "postgresql":  # as autovacuum would after such a load
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.0f} s", flush=True)
    connection.close()  # the app's connections do not have the builder's PRAGMAs
    from bordermonitor.records.models import SourceEvent

    return {
        "events": Event.objects.count(),
        "acts": Act.objects.count(),
        "persons": Person.objects.count(),
        "sources": Source.objects.count(),
        "source-event links": SourceEvent.objects.count(),
        "publishable sources": Source.objects.filter(consent_publish_anonymously=True).count(),
    }


if __name__ == "__main__":  # pragma: no cover - a library of the two scripts
    sys.exit("run benchmarks/figures_aggregates.py or benchmarks/figures_dashboard.py")
