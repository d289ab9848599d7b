"""One new record against the stored ones: how long `possible_matches` takes in the app.

Run by hand (not a unit test).  Builds a fresh SQLite database in a temporary data
directory with N people (names drawn from common names at this border, in Latin and
Cyrillic spellings, so blocks are as crowded as real ones), each stored through
`records.services.person_create` (encrypted names, blind index, matching data kept by
the linkage signals), then times `linkage.selectors.possible_matches` for new people:

    cd /work/main
    .venv/bin/python benchmarks/linkage/in_app_matches.py --people 5000 --queries 50

Prints the build time, the median / 95th percentile / max time per query, and the mean
number of candidates scored per query.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

GIVEN = [
    "Mohammed",
    "Мухаммад",
    "Ahmed",
    "Ахмед",
    "Ali",
    "Али",
    "Hussein",
    "Хусейн",
    "Omar",
    "Омар",
    "Hassan",
    "Хасан",
    "Karim",
    "Карим",
    "Yusuf",
    "Юсуф",
    "Abdullah",
    "Абдулла",
    "Mustafa",
    "Мустафа",
    "Ibrahim",
    "Ибрагим",
    "Khalid",
    "Халид",
    "Saif",
    "Саиф",
    "Zainab",
    "Зейнаб",
    "Fatima",
    "Фатима",
    "Aisha",
    "Аиша",
    "Mariam",
    "Мариам",
]
FAMILY = [
    "Jabbar",
    "Джаббар",
    "Aziz",
    "Азиз",
    "Saleh",
    "Салех",
    "Rasul",
    "Расул",
    "Kareem",
    "Карим",
    "Hamid",
    "Хамид",
    "Mahmoud",
    "Махмуд",
    "Nouri",
    "Нури",
    "Qasim",
    "Касым",
    "Sharif",
    "Шариф",
    "Barzani",
    "Барзани",
    "Hakimi",
    "Хакими",
    "Tahir",
    "Тахир",
]
NATIONALITIES = ["IRQ", "SYR", "AFG", "YEM", "IRN", "COD", "CMR", "SOM"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bm-linkage-bench-"))
    os.environ.update(
        BM_DATA_DIR=str(data_dir),
        BM_DEBUG="1",
        DATABASE_URL=f"sqlite:///{data_dir}/bench.sqlite3",
        DJANGO_SETTINGS_MODULE="bordermonitor.settings",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bordermonitor.core.dates import parse_fuzzy_date
    from bordermonitor.core.keys import create_master_key
    from bordermonitor.linkage.selectors import possible_matches
    from bordermonitor.records.services import NameInput, person_create

    create_master_key(settings.KEY_FILE)
    call_command("migrate", verbosity=0)
    rng = random.Random(20211108)

    def new_person():
        name = " ".join([rng.choice(GIVEN), rng.choice(GIVEN), rng.choice(FAMILY)])
        return person_create(
            names=[NameInput(name, "relative")],
            created_by=None,
            sex=rng.choice("mf"),
            birth=parse_fuzzy_date(str(rng.randint(1960, 2010))),
            nationality=rng.choice(NATIONALITIES),
        )

    started = time.perf_counter()
    for _ in range(args.people):
        new_person()
    built = time.perf_counter() - started

    times, candidates = [], []
    for _ in range(args.queries):
        person = new_person()
        t0 = time.perf_counter()
        found = possible_matches(person, threshold=0.0)
        times.append(time.perf_counter() - t0)
        candidates.append(len(found))
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(f"{args.people} people stored in {built:.1f} s (SQLite, {data_dir})")
    print(
        f"possible_matches, {args.queries} new people: median {statistics.median(times) * 1000:.1f}"
        f" ms, p95 {p95 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms;"
        f" {statistics.mean(candidates):.1f} candidates scored on average"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
