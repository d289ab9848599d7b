"""Cross-script record sets with ground truth, for judging the matching engines.

Run by hand (not a unit test):

    .venv/bin/python benchmarks/linkage/generate_cross_script.py --records 10000 --seed 1 \
        --out /tmp/xs10k

writes `DIR/records.csv` in the input format of `bordermonitor link` (record_id, full_name,
given_name, family_name, birth_date, age, sex, nationality, event_date; the extra `source`
column is ignored by the engines) and `DIR/truth.csv` (record_id, true_id), which no engine
reads.

Each person (nationalities and naming traditions weighted as at this border, from the
repository's demo name pool `demo/data/names.json`, plus made-up names of the same sound
for the long tail of family names no table knows) is reported 1-5 times by:

- a relative: Latin spelling of their choice, or Arabic script; given, father's,
  grandfather's and family name, some left out;
- Belarusian officials: Cyrillic, family name first with -ов/-ев/-ова/-ева added, often a
  patronymic in -ович/-евич/-овна/-евна;
- Polish, Lithuanian and Latvian officials: given and family name with their conventions
  (Polish sz/cz/ch/j/w; Lithuanian š/č/dž and -as/-is on men's names; Latvian š/č/dž, long
  vowels and -s).

Noise: typos, dropped and swapped name parts, birth date reduced to a year, off by one year,
day and month swapped, a stated age instead of a date, missing or wrong nationality.
Everything is drawn from one `random.Random(seed)`: the same arguments give the same files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

NAMES_FILE = Path(__file__).resolve().parents[2] / "src/bordermonitor/demo/data/names.json"

# Nationalities mistaken for one another in records (neighbours, shared language).
CONFUSED = {
    "IRQ": "SYR",
    "SYR": "IRQ",
    "AFG": "IRN",
    "IRN": "AFG",
    "ERI": "ETH",
    "ETH": "ERI",
    "SOM": "ETH",
    "SDN": "ERI",
    "YEM": "SAU",
    "CMR": "COD",
    "COD": "CMR",
    "BDI": "COD",
    "EGY": "SDN",
    "LKA": "IND",
    "IND": "LKA",
    "GIN": "CIV",
    "CIV": "GIN",
    "NGA": "CMR",
    "COM": "SOM",
    "PSE": "SYR",
    "LBN": "SYR",
    "MAR": "DZA",
    "DZA": "MAR",
}
# Records per person and their shares (mean about 2.2).
RECORDS_PER_PERSON = ((1, 0.35), (2, 0.30), (3, 0.20), (4, 0.10), (5, 0.05))
SOURCES = (
    ("relative", 0.35),
    ("belarus", 0.25),
    ("poland", 0.2),
    ("lithuania", 0.12),
    ("latvia", 0.08),
)
# Share of family names drawn from the made-up long tail rather than the demo pool.
SYNTHETIC_FAMILY = 0.6
SYNTHETIC_GIVEN = 0.1

# --------------------------------------------------------------------------- spelling

_CYR = [
    ("shch", "щ"),
    ("kh", "х"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("zh", "ж"),
    ("gh", "г"),
    ("ts", "ц"),
    ("ya", "я"),
    ("yu", "ю"),
    ("ye", "е"),
    ("yo", "ё"),
    ("j", "дж"),
    ("y", "й"),
    ("a", "а"),
    ("b", "б"),
    ("c", "к"),
    ("d", "д"),
    ("e", "е"),
    ("f", "ф"),
    ("g", "г"),
    ("h", "х"),
    ("i", "и"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("q", "к"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("v", "в"),
    ("w", "в"),
    ("x", "кс"),
    ("z", "з"),
]
_PL = [("kh", "ch"), ("sh", "sz"), ("ch", "cz"), ("zh", "ż"), ("j", "dż"), ("y", "j"), ("v", "w")]
_LT = [
    ("kh", "ch"),
    ("sh", "š"),
    ("ch", "č"),
    ("zh", "ž"),
    ("j", "dž"),
    ("y", "j"),
    ("w", "v"),
    ("ee", "y"),
    ("oo", "ū"),
]
_LV = [
    ("kh", "h"),
    ("sh", "š"),
    ("ch", "č"),
    ("zh", "ž"),
    ("j", "dž"),
    ("y", "j"),
    ("w", "v"),
    ("ee", "ī"),
    ("oo", "ū"),
    ("aa", "ā"),
]


def _rewrite(word: str, table: list[tuple[str, str]]) -> str:
    """Left-to-right rewrite, first matching rule at each position; first letter capitalised."""
    lower, out, i = word.lower(), [], 0
    while i < len(lower):
        for src, dst in table:
            if lower.startswith(src, i):
                out.append(dst)
                i += len(src)
                break
        else:
            out.append(lower[i])
            i += 1
    text = "".join(out)
    return text[:1].upper() + text[1:]


def to_cyrillic(word: str) -> str:
    """How a Belarusian (Russian-language) form renders a Latin spelling."""
    return _rewrite(re.sub(r"(.)\1", r"\1", word), _CYR)


def _baltic_male(word: str, long_ending: str) -> str:
    if word[-1:] in "aeiouyāīū":
        return word + ("s" if word[-1:] in "iu" else "")
    return word + long_ending


def to_official(word: str, country: str, male: bool) -> str:
    """Polish, Lithuanian or Latvian official spelling of a Latin name part."""
    if country == "poland":
        return _rewrite(word, _PL)
    if country == "lithuania":
        text = _rewrite(re.sub(r"(.)\1", r"\1", word), _LT)
        return _baltic_male(text, "as") if male else text
    text = _rewrite(re.sub(r"(.)\1", r"\1", word), _LV)
    return _baltic_male(text, "s") if male else text


def russian_surname(word: str, female: bool) -> str:
    """Алиев, Хусейнова: the suffix Belarusian officials add to a family name."""
    if word[-1:] in "аяиоуеэыюй":
        word = word[:-1] if word[-1:] in "аяы" else word
        return word + ("ева" if female else "ев")
    ending = "ев" if word[-1:] in "жшчщц" else "ов"
    return word + ending + ("а" if female else "")


def russian_patronymic(father: str, female: bool) -> str:
    """Хусейнович / Хусейновна from the father's Cyrillic name."""
    if father[-1:] in "аяиоуеэыюй":
        father = father[:-1]
        return father + ("евна" if female else "евич")
    return father + ("овна" if female else "ович")


_KEYS = "qwertyuiopasdfghjklzxcvbnm"


def typo(word: str, rng: random.Random) -> str:
    """One slip of the pen: a letter dropped, doubled, swapped with the next or replaced."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.3:
        return word[:i] + word[i + 1 :]
    if kind < 0.5:
        return word[:i] + word[i] + word[i:]
    if kind < 0.8:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    letters = "абвгдежзиклмнопрстухш" if "\u0400" <= word[i] <= "\u04ff" else _KEYS
    return word[:i] + rng.choice(letters) + word[i + 1 :]


# --------------------------------------------------------------------------- names


@dataclass(frozen=True, slots=True)
class Name:
    """One name with the spellings each kind of writer uses."""

    latin: tuple[str, ...]  # relatives' spellings, most common first
    cyrillic: str
    polish: str
    native: str = ""  # Arabic script, or empty


def _pool_name(entry: dict) -> Name:
    native = entry.get("native", "") if entry.get("native_script") == "arabic" else ""
    return Name(tuple(entry["latin"]), entry["cyrillic"], entry["polish"], native)


_ONSETS = [
    "b",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "r",
    "s",
    "sh",
    "t",
    "z",
    "w",
    "y",
    "q",
    "gh",
]
_VOWEL_SPELLINGS = {
    "a": ["a"],
    "i": ["i", "ee", "e"],
    "u": ["u", "ou", "o", "oo"],
    "e": ["e"],
    "o": ["o"],
}
_CODAS = ["", "", "n", "r", "l", "m", "b", "d", "s", "t", "h"]
_ENDINGS = ["", "i", "zai", "ani", "awi", "o", "e", "an", "ar"]


def synthetic_name(rng: random.Random) -> Name:
    """A made-up name of this border's sound, with relatives' variant spellings.

    The phonetic form uses kh/sh/gh/q/w/y and long vowels; relatives spell them several
    ways, officials transliterate the phonetic form with their own rules.
    """
    parts = []
    for _ in range(rng.choice((2, 2, 3))):
        parts.append((rng.choice(_ONSETS), rng.choice("aaiuueo"), rng.choice(_CODAS)))
    ending = rng.choice(_ENDINGS)
    base = "".join(o + v + c for o, v, c in parts) + ending
    base = base[:1].upper() + base[1:]
    spellings = {base}
    for _ in range(3):
        text = (
            "".join(
                o.replace("kh", rng.choice(["kh", "h", "x"])).replace("q", rng.choice(["q", "k"]))
                + rng.choice(_VOWEL_SPELLINGS[v])
                + (c * rng.choice((1, 1, 2)) if c else "")
                for o, v, c in parts
            )
            + ending
        )
        spellings.add(text[:1].upper() + text[1:])
    latin = (base, *sorted(spellings - {base}))
    return Name(latin, to_cyrillic(base), to_official(base, "poland", False))


# --------------------------------------------------------------------------- people


@dataclass(slots=True)
class Person:
    true_id: str
    nationality: str
    male: bool
    given: Name
    father: Name
    grandfather: Name
    family: Name | None  # many people have none: officials then use the father's name
    birth: dt.date


def _weighted(rng: random.Random, items: tuple) -> object:
    pick, total = rng.random(), 0.0
    for value, share in items:
        total += share
        if pick < total:
            return value
    return items[-1][0]


class Population:
    """Draws people from the demo name pool and the synthetic long tail."""

    def __init__(self, rng: random.Random) -> None:
        raw = json.loads(NAMES_FILE.read_text(encoding="utf-8"))
        self.rng = rng
        self.nationalities = [(code, spec["weight"]) for code, spec in raw["nationalities"].items()]
        self.naming = {
            code: spec["naming"] if isinstance(spec["naming"], list) else [spec["naming"]]
            for code, spec in raw["nationalities"].items()
        }
        self.pools = {
            name: {kind: [_pool_name(e) for e in entries] for kind, entries in kinds.items()}
            for name, kinds in raw["traditions"].items()
        }
        self.synthetic_family = [synthetic_name(rng) for _ in range(5000)]
        self.synthetic_given = [synthetic_name(rng) for _ in range(800)]

    def person(self, n: int) -> Person:
        rng = self.rng
        codes, weights = zip(*self.nationalities, strict=True)
        nationality = rng.choices(codes, weights)[0]
        pool = self.pools[rng.choice(self.naming[nationality])]
        male = rng.random() < 0.7

        def given(male_name: bool) -> Name:
            if rng.random() < SYNTHETIC_GIVEN:
                return rng.choice(self.synthetic_given)
            return rng.choice(pool["given_male" if male_name else "given_female"])

        family = None
        if rng.random() < 0.75:
            family = (
                rng.choice(self.synthetic_family)
                if rng.random() < SYNTHETIC_FAMILY
                else rng.choice(pool["family"])
            )
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 52))
        return Person(
            f"P{n:07d}", nationality, male, given(male), given(True), given(True), family, birth
        )


# --------------------------------------------------------------------------- records


def _latin(name: Name, rng: random.Random) -> str:
    return name.latin[0] if rng.random() < 0.5 else rng.choice(name.latin)


def write_name(person: Person, source: str, rng: random.Random) -> tuple[str, str, str]:
    """(full_name, given_name, family_name) as this source would write them."""
    surname = person.family or person.father
    female = not person.male
    if source == "relative":
        arabic = rng.random() < 0.15 and person.given.native and person.father.native
        spell = (lambda n: n.native or _latin(n, rng)) if arabic else (lambda n: _latin(n, rng))
        parts = [spell(person.given), spell(person.father)]
        if rng.random() < 0.5:
            parts.append(spell(person.grandfather))
        if person.family and rng.random() < 0.7:
            parts.append(spell(person.family))
        if len(parts) > 2 and rng.random() < 0.15:
            del parts[rng.randrange(1, len(parts))]  # a part the writer did not know
        if rng.random() < 0.1:
            parts = parts[1:] + parts[:1]  # given name written last
        parts = [typo(p, rng) if rng.random() < 0.08 else p for p in parts]
        return " ".join(parts), "", ""
    if source == "belarus":
        given = person.given.cyrillic
        family = surname.cyrillic
        if rng.random() < 0.6:
            family = russian_surname(family, female)
        parts = [family, given]
        if rng.random() < 0.4:
            parts.append(russian_patronymic(person.father.cyrillic, female))
        parts = [typo(p, rng) if rng.random() < 0.08 else p for p in parts]
        if rng.random() < 0.1:
            parts = parts[1:] + parts[:1]
        return " ".join(parts), parts[1] if len(parts) > 1 else "", parts[0]
    if source == "poland":
        given, family = person.given.polish, surname.polish
    else:
        given = to_official(person.given.latin[0], source, person.male)
        family = to_official(surname.latin[0], source, person.male)
    given = typo(given, rng) if rng.random() < 0.08 else given
    family = typo(family, rng) if rng.random() < 0.08 else family
    if rng.random() < 0.1:
        given, family = family, given  # given and family name swapped on the form
    return f"{given} {family}", given, family


def write_birth(person: Person, event: dt.date, rng: random.Random) -> tuple[str, str]:
    """(birth_date, age): as precise as the source knew it, sometimes wrong."""
    b = person.birth
    pick = rng.random()
    if pick < 0.55:
        return b.isoformat(), ""
    if pick < 0.75:
        return str(b.year), ""
    if pick < 0.81:
        return str(b.year + rng.choice((-1, 1))), ""
    if pick < 0.87 and b.day <= 12 and b.day != b.month:
        return dt.date(b.year, b.day, b.month).isoformat(), ""
    if pick < 0.93:
        age = event.year - b.year - ((event.month, event.day) < (b.month, b.day))
        return "", str(age)
    return "", ""


def write_nationality(person: Person, rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.88:
        return person.nationality
    if pick < 0.93:
        return CONFUSED.get(person.nationality, "SYR")
    return ""


FIELDS = (
    "record_id",
    "full_name",
    "given_name",
    "family_name",
    "birth_date",
    "age",
    "sex",
    "nationality",
    "event_date",
    "source",
)


def generate(records: int, seed: int, out: Path) -> tuple[int, int]:
    """Write DIR/records.csv and DIR/truth.csv; returns (records, persons)."""
    rng = random.Random(seed)
    population = Population(rng)
    rows: list[tuple[list[str], str]] = []
    n_persons = 0
    start = time.monotonic()
    while len(rows) < records:
        n_persons += 1
        person = population.person(n_persons)
        for _ in range(_weighted(rng, RECORDS_PER_PERSON)):
            source = _weighted(rng, SOURCES)
            event = dt.date(2021, 8, 1) + dt.timedelta(days=rng.randrange(0, 3 * 365))
            full, given, family = write_name(person, source, rng)
            birth, age = write_birth(person, event, rng)
            sex = "" if rng.random() < 0.05 else ("M" if person.male else "F")
            rows.append(
                (
                    [
                        full,
                        given,
                        family,
                        birth,
                        age,
                        sex,
                        write_nationality(person, rng),
                        event.isoformat() if age else "",
                        source,
                    ],
                    person.true_id,
                )
            )
        if n_persons % 100_000 == 0:
            print(f"  {len(rows):,} records, {time.monotonic() - start:.0f} s", file=sys.stderr)
    rows = rows[:records]
    rng.shuffle(rows)
    out.mkdir(parents=True, exist_ok=True)
    with (
        (out / "records.csv").open("w", newline="", encoding="utf-8") as rec,
        (out / "truth.csv").open("w", newline="", encoding="utf-8") as tru,
    ):
        rw, tw = csv.writer(rec), csv.writer(tru)
        rw.writerow(FIELDS)
        tw.writerow(("record_id", "true_id"))
        for i, (values, true_id) in enumerate(rows, start=1):
            record_id = f"r{i:07d}"
            rw.writerow([record_id, *values])
            tw.writerow((record_id, true_id))
    return len(rows), len({t for _, t in rows})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    written, persons = generate(args.records, args.seed, args.out)
    print(f"{written:,} records of {persons:,} persons in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
