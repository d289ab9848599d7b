"""The probabilistic model that proposes which records describe the same person (Splink).

Why Splink: a Fellegi-Sunter model weighs each field by how often it agrees among true
matches (m) against how often it agrees by chance (u), so "both Iraqi" counts for little
at this border while "same rare name and same birth year" counts for a lot, and every
proposed match carries those weights as its explanation.  It runs on DuckDB in-process.

Records are prepared once (`prepare`): name features are computed once per distinct name
(`names.name_features` is cached) and reduced to plain columns, so the SQL that compares
millions of pairs never transliterates anything.

Names are compared by `name_agreement`, registered in DuckDB (and Spark) as the Python
function `bm_name_level` over an encoded token string: how alike two names are
(`names.name_similarity`: Hassan and Hussein are two different names, a missing
grandfather's name costs little, parts come in any order) and how rare the parts they
share are among all the records of the run (`with_name_information`, Splink's
term-frequency idea over name parts in any order).  A SQL-only stand-in (Jaro-Winkler on
canonical strings) would miss what the tokens know.

Blocking: two records are compared only when they share a blocking key of
`names.blocking_keys_for` (two name parts' consonant skeletons), or one name part's
skeleton with a plausible birth year and the sex, or an initial with the full birth date,
or a document number (`_birth_keys`), exploded in SQL; no key may be shared by more than
`MAX_BLOCK` records (`with_capped_blocks`).

Clusters (`dedupe`) join two groups of records only when enough of the pairs between
them agree (`cluster_records`), not on any one pair: connected components chain
different people together through single false pairs.

Parameters.  `DEFAULT_SETTINGS` carries documented hand-set m/u values and a prior; they
are used as they are for inputs of fewer than `MIN_RECORDS_TO_TRAIN` records, where u from
random sampling and m from expectation maximisation are noise.  From that size on,
`train` estimates u by random sampling and m by EM (two sessions, each blocked on fields
the other session estimates).  A trained model is saved as JSON (`LinkModel.save`) and
loaded again (`LinkModel.load`), and can be retrained on new data starting from it.

Names are personal data: nothing here logs them, and `repr` of records hides them.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import math
import re
import shutil
import sys
import tempfile
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pycountry

from bordermonitor.linkage.names import (
    MATCH_THRESHOLD,
    NameFeatures,
    name_features,
    paired_parts,
    similarity_of_pairing,
    skeleton,
)

# Pairs at or above this match probability are proposed (match) or joined (dedupe).
DEFAULT_THRESHOLD = 0.9
# Below this many records the default parameters are used instead of training.
MIN_RECORDS_TO_TRAIN = 1000
# Below this many records name parts are not counted (in three records every part is
# "rare"); `name_agreement` then assumes how common a part is from the variant tables.
MIN_RECORDS_TO_COUNT = 200
# name_similarity levels: "all parts agree (a part may be missing)", "names agree"
# (names.MATCH_THRESHOLD, the acceptance-table threshold), "partly agree": from one of two
# parts agreeing with a third missing (1 / 2.2), the common case of an official's "given
# family" against a relative's "given father grandfather" (half the true pairs the
# cross-script benchmark lost at 0.6 scored 0.45 or 0.5).
NAME_ALL_PARTS = 0.9
NAME_PARTLY = 0.45
# How much the agreeing name parts say beyond chance, in bits: the information of the parts
# both names share (log2 of records / records with that part, the rarer reading of a
# fuzzy pair not counted) less log2 of the records, the information needed to single one
# record out.  "Mohammed Ali" agreeing says little at this border, "Fajumluar" a lot; the
# same similarity with more information is a different level, so EM learns how much each
# is worth (Splink's term-frequency adjustment, over name parts in any order).  Measured on
# the generated 10k cross-script set: among pairs whose parts all agree, 0.3 true pairs
# per false one below 0 bits, 1.5 at 0-4, 11 at 4-8, 38 above 8.
NAME_LEVELS: tuple[tuple[str, float, float], ...] = (
    # (label, least similarity, least information beyond chance in bits)
    ("all parts agree, very rare names", NAME_ALL_PARTS, 12.0),
    ("all parts agree, rare names", NAME_ALL_PARTS, 8.0),
    ("all parts agree, uncommon names", NAME_ALL_PARTS, 4.0),
    ("all parts agree", NAME_ALL_PARTS, 0.0),
    ("all parts agree, common names", NAME_ALL_PARTS, -math.inf),
    ("names agree, uncommon names", MATCH_THRESHOLD, 4.0),
    ("names agree", MATCH_THRESHOLD, -math.inf),
    ("names partly agree, uncommon parts", NAME_PARTLY, 4.0),
    ("names partly agree", NAME_PARTLY, -math.inf),
)
NAMES_DIFFER = len(NAME_LEVELS)  # the level code of "names differ"
# Without counts (fewer records than MIN_RECORDS_TO_COUNT): a name part the variant
# tables know is a common given name (about one record in 128 has it), any other part a
# family name or a rarer name (one in a thousand), among about a thousand records.
UNCOUNTED_KNOWN_BITS = 7.0
UNCOUNTED_OTHER_BITS = 10.0
UNCOUNTED_SCALE = 10.0
# A name this many bits beyond chance is rare enough that two records written exactly
# alike are nearly always one person: EM blocks on such names to learn how often one
# person's birth year, nationality and sex disagree between records (blocked on every
# exact name, "Mohammed Ali" pairs of different men taught it that birth years differ
# for a third of true matches).
RARE_NAME_BITS = 4.0
# Share of true matches the deterministic rule (same name parts, same birth years) finds;
# used to estimate the prior from the data when training.  Across scripts it is low: 12%
# of the true pairs of the generated cross-script benchmark set (benchmarks/linkage/), where
# 0.5 made the prior four times too small and halved recall.
DETERMINISTIC_RECALL = 0.15
# Smallest m after training (see `_floor_m`).
M_FLOOR = 0.001
# Random pairs sampled to estimate u: each costs a call of the Python name function, and
# beyond a few hundred thousand the estimates no longer move; but the smallest u the
# sample can show (`_floor_m`) bounds the weight of the rarest levels, and the evidence a
# pair needs grows with the records (the prior falls with their number), so from 100k
# records on the sample grows with them.
U_SAMPLE_PAIRS = 3e5
U_SAMPLE_PAIRS_PER_RECORD = 3
# Fewest pairs on one birth date for EM to learn the name levels from them.
MIN_EM_PAIRS = 200
# Most pairs for that EM session: past this, pairs born the same day are narrowed to the
# same sex, then the same nationality (whose m the rare-names session learns).  Each pair
# costs a call of the name function; the 1M cross-script set has 8.9 million pairs born
# on one day, the 100k set 90 thousand.
MAX_EM_PAIRS = 2_000_000
# `cluster_records`: two clusters join only when this share of the pairs between them
# score at least WEAK_LINK.
MIN_LINK_SUPPORT = 0.5
WEAK_LINK = 0.5
# Most records that may share one blocking key (`with_capped_blocks`).  Past a hundred a
# key is a common name (or one common name part and a birth year), whose agreement says
# little; on the 100k cross-script set 100 gives the F1 of 500 (0.732) with 3.5 million
# key pairs instead of 4.2, on the 1M set 29 million instead of 181 million, but there it
# finds 77.8% of the true pairs instead of about 89% (benchmarks/linkage/README.md).
MAX_BLOCK = 100
# DuckDB's share of memory (its default is 80% of the machine): past it, the blocked
# pairs of a large run spill to disk.  Without it, deduplicating the 1M cross-script set
# peaked at 6.8 GB, about 4 GB of it DuckDB's while comparing; held to 2 GB, at 4.6 GB;
# held to 1.5 GB (with interned keys), at 3.9 GB, comparing 9% slower
# (benchmarks/linkage/README.md, third round).
DUCKDB_MEMORY_LIMIT = "1.5GB"
# DuckDB's threads.  Comparing is mostly the Python name function, which holds the GIL:
# two threads took turns at it and lost time handing it over.  One thread deduplicated
# the 100k cross-script set in 103 s instead of 140 s (benchmarks/linkage/README.md).
DUCKDB_THREADS = 1
SEED = 20211108  # the day the Bruzgi camp formed; any fixed seed makes runs reproducible

REQUIRED_COLUMNS = ("record_id", "full_name")
OPTIONAL_COLUMNS = (
    "given_name",
    "family_name",
    "birth_date",
    "age",
    "sex",
    "nationality",
    "event_date",
    "place",
    "lat",
    "lon",
    "document_number",
)
MODEL_FORMAT = "bordermonitor-link-model"
MODEL_VERSION = 1

ProgressFn = Callable[[str], None]

# Where the SQL runs: DuckDB in this process, or Spark (`linkage.spark_engine`).
ENGINE_DUCKDB = "duckdb"
ENGINE_SPARK = "spark"
ENGINES = (ENGINE_DUCKDB, ENGINE_SPARK)


class MalformedRow(ValueError):
    """A CSV row that cannot be read; `line` and `column` name where."""

    def __init__(self, line: int, column: str, problem: str) -> None:
        super().__init__(f"line {line}, column {column}: {problem}")
        self.line = line
        self.column = column
        self.problem = problem


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One person-record to match: a report, a death, a detention, a row of any CSV."""

    record_id: str
    full_name: str
    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    age: int | None = None
    sex: str = ""  # "M", "F" or ""
    nationality: str = ""  # ISO 3166-1 alpha-3 or ""
    event_date: dt.date | None = None
    place: str = ""
    lat: float | None = None
    lon: float | None = None
    document_number: str = ""  # passport or identity document, letters and digits only

    def __repr__(self) -> str:  # names are personal data: never in logs or tracebacks
        return f"LinkRecord(record_id={self.record_id!r})"


_BIRTH_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_birth_date(value: str) -> str:
    """A birth date as precise as it was given: YYYY, YYYY-MM or YYYY-MM-DD (validated)."""
    match = _BIRTH_DATE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None
    if not 1900 <= int(year) <= dt.date.today().year:
        raise ValueError(f"{value!r}: the year is out of range")
    return value


@cache
def _country_index() -> dict[str, str]:
    """Upper-cased ISO codes and case-folded English/Russian names -> alpha-3.

    The same sources as the seeded core Nationality table: pycountry and its own Russian
    catalogue (`core.services.russian_country_names`).
    """
    from bordermonitor.core.services import russian_country_names

    russian = russian_country_names()
    index: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_3
        index[code] = code
        index[country.alpha_2] = code
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                index.setdefault(name.casefold(), code)
                index.setdefault(russian.gettext(name).casefold(), code)
    return index


def parse_nationality(value: str) -> str:
    """ISO 3166-1 alpha-3 for an alpha-2/alpha-3 code or an English or Russian name."""
    key = " ".join(value.split())
    code = _country_index().get(key.upper()) if len(key) <= 3 else None
    code = code or _country_index().get(key.casefold())
    if code is None:
        raise ValueError(f"{value!r} is neither an ISO 3166 code nor a country name")
    return code


_DOCUMENT_SEPARATORS = re.compile(r"[\s\-./]+")


def parse_document_number(value: str) -> str:
    """A passport or identity-document number as compared: upper case, without the
    spaces, dashes, dots and slashes officials and relatives write it with."""
    number = _DOCUMENT_SEPARATORS.sub("", value).upper()
    if not number.isalnum() or not number.isascii():
        raise ValueError(f"{value!r}: a document number has only letters and digits")
    if len(number) > 30:
        raise ValueError(f"{value!r} is longer than any document number (30 characters)")
    return number


def _coordinate(value: str, limit: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError(f"{value!r} is out of range (-{limit:g}..{limit:g})")
    return number


def _age(value: str) -> int:
    if not value.isdigit() or int(value) > 120:
        raise ValueError(f"{value!r} is not an age in whole years (0-120)")
    return int(value)


def _sex(value: str) -> str:
    if value.upper() not in ("M", "F"):
        raise ValueError(f"{value!r}: write M or F, or leave empty")
    return value.upper()


def _event_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD") from None


_PARSERS: dict[str, Callable[[str], Any]] = {
    "birth_date": parse_birth_date,
    "age": _age,
    "sex": _sex,
    "nationality": parse_nationality,
    "event_date": _event_date,
    "document_number": lambda v: parse_document_number(v),
    "lat": lambda v: _coordinate(v, 90),
    "lon": lambda v: _coordinate(v, 180),
}


def parse_row(row: dict[str, str | None], line: int) -> LinkRecord:
    """One CSV row as a LinkRecord; raises MalformedRow naming the line and column."""
    values: dict[str, Any] = {}
    for column in REQUIRED_COLUMNS:
        text = (row.get(column) or "").strip()
        if not text:
            raise MalformedRow(line, column, "is empty; it is required")
        values[column] = text
    for column in OPTIONAL_COLUMNS:
        text = (row.get(column) or "").strip()
        if not text:
            continue
        parser = _PARSERS.get(column)
        try:
            values[column] = parser(text) if parser else text
        except ValueError as exc:
            raise MalformedRow(line, column, str(exc)) from None
    if ("lat" in values) != ("lon" in values):
        missing = "lon" if "lat" in values else "lat"
        raise MalformedRow(line, missing, "lat and lon go together; give both or neither")
    return LinkRecord(**values)


def read_records(path: Path, progress: ProgressFn | None = None) -> list[LinkRecord]:
    """Every row of a CSV file as LinkRecords, or MalformedRow for the first bad one.

    Line numbers count the header as line 1; duplicate record_ids are malformed.
    """
    records: list[LinkRecord] = []
    seen: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        for column in REQUIRED_COLUMNS:
            if column not in header:
                raise MalformedRow(1, column, "the header has no such column; it is required")
        reader.fieldnames = header
        for row in reader:
            record = parse_row(row, reader.line_num)
            if record.record_id in seen:
                raise MalformedRow(
                    reader.line_num,
                    "record_id",
                    f"{record.record_id!r} already appears on line {seen[record.record_id]}",
                )
            seen[record.record_id] = reader.line_num
            records.append(record)
            if progress and len(records) % 100_000 == 0:
                progress(f"read {len(records):,} rows of {path.name}")
    return records


# --------------------------------------------------------------------------- features

_UNKNOWN = "~"  # marks a name part the variants table does not know (tokens are a-z)


def _name_key(features: NameFeatures) -> str | None:
    """Tokens in written order, unknown ones marked: what `bm_name_level` reads."""
    if not features.tokens:
        return None
    return " ".join(
        t if known else _UNKNOWN + t
        for t, known in zip(features.tokens, features.known, strict=True)
    )


_BITS = ":"  # separates a name part from its information in bits (`with_name_information`)


@lru_cache(maxsize=262144)
def _features_from_key(key: str) -> tuple[NameFeatures, tuple[float, ...] | None]:
    """The name of an encoded key, and each part's information when the key carries it."""
    parts = key.split(" ")
    bits: tuple[float, ...] | None = None
    if _BITS in key:
        parts, bits = zip(*(p.split(_BITS) for p in parts), strict=True)
        bits = tuple(float(b) for b in bits)
    tokens = tuple(p.lstrip(_UNKNOWN) for p in parts)
    features = NameFeatures(
        script="latin",
        tokens=tokens,
        known=tuple(not p.startswith(_UNKNOWN) for p in parts),
        token_set=frozenset(tokens),
        skeletons=tuple(skeleton(t) for t in tokens),
        blocking_keys=frozenset(),
    )
    return features, bits


def name_level(similarity: float, information: float) -> int:
    """The code of the first of `NAME_LEVELS` a pair reaches (`NAMES_DIFFER` if none)."""
    for code, (_label, least_similarity, least_information) in enumerate(NAME_LEVELS):
        if similarity >= least_similarity and information >= least_information:
            return code
    return NAMES_DIFFER


def name_agreement(
    a: NameFeatures,
    a_bits: tuple[float, ...] | None,
    b: NameFeatures,
    b_bits: tuple[float, ...] | None,
    scale: float | None,
) -> int:
    """The name level of two names: how alike they are and how rare what they share is.

    `scale` is log2 of the records compared.  Without counts (`None`, or fewer records
    than `MIN_RECORDS_TO_COUNT`), a part the variant tables know (a common given name) is
    taken to have `UNCOUNTED_KNOWN_BITS`, any other `UNCOUNTED_OTHER_BITS`, among
    2**`UNCOUNTED_SCALE` records.
    """
    if not a.tokens or not b.tokens:
        return NAMES_DIFFER
    paired = paired_parts(a, b)
    similarity = similarity_of_pairing(a, b, paired)
    if a_bits is None or b_bits is None or not scale:
        a_bits, b_bits, scale = _uncounted_bits(a), _uncounted_bits(b), UNCOUNTED_SCALE
    shared = sum(min(a_bits[i], b_bits[j]) for _score, i, j in paired)
    return name_level(similarity, shared - scale)


def _uncounted_bits(features: NameFeatures) -> tuple[float, ...]:
    return tuple(UNCOUNTED_KNOWN_BITS if k else UNCOUNTED_OTHER_BITS for k in features.known)


def name_key_level(a: str | None, b: str | None, scale: float | None) -> int | None:
    """`name_agreement` of two encoded name keys (the DuckDB and Spark function)."""
    if not a or not b:
        return None
    scale = float(scale) if scale else None  # Spark hands a literal over as a Decimal
    return _key_level(a, b, scale) if a <= b else _key_level(b, a, scale)


@lru_cache(maxsize=1 << 16)
def _key_level(a: str, b: str, scale: float | None) -> int:
    # Each name level calls the function again for the same pair, in the same batch of
    # rows, so a small cache serves (a million entries held copies of a million name keys).
    a_features, a_bits = _features_from_key(a)
    b_features, b_bits = _features_from_key(b)
    return name_agreement(a_features, a_bits, b_features, b_bits, scale)


def for_one_run(frames: list[Any]) -> list[Any]:
    """What one run needs from all its records at once: name parts' information
    (`with_name_information`) and blocks no larger than `MAX_BLOCK` (`with_capped_blocks`).
    Applied once (the frames then have `name_scale`)."""
    if "name_scale" in frames[0].columns:
        return frames
    # the name parts were counted: Splink would copy them into its tables for nothing
    return [
        f.drop(columns="name_tokens") for f in with_capped_blocks(with_name_information(frames))
    ]


def with_capped_blocks(frames: list[Any], cap: int | None = None) -> list[Any]:
    """The frames with no blocking key shared by more than `cap` records, nor held by
    one record alone.

    A name-pair key that common ("Mohammed Ali") is replaced by the same key with each
    plausible birth year, which splits its block some fifty ways; a birth key that common
    is dropped (the name-pair keys still meet).  Without a cap the pairs grow with the
    square of the records: at a million, hundreds of millions of them.  A key only one
    record has pairs it with nobody (a fifth of the keys of the 100k cross-script set):
    dropped, Splink neither copies nor explodes it.
    """
    import pandas as pd

    cap = cap or MAX_BLOCK
    counts: dict[str, int] = {}
    for frame in frames:
        for column in ("blocking_keys", "birth_keys"):
            for keys in frame[column]:
                for key in keys:
                    counts[key] = counts.get(key, 0) + 1
    if not counts:
        return frames
    result = []
    for frame in frames:
        frame = frame.copy(deep=False)
        name_keys = []
        for keys, low, high in zip(
            frame["blocking_keys"], frame["birth_year_min"], frame["birth_year_max"], strict=True
        ):
            kept = [k for k in keys if 1 < counts[k] <= cap]
            if not (pd.isna(low) or pd.isna(high)):
                kept += [
                    sys.intern(f"{k}|{year}")
                    for k in keys
                    if counts[k] > cap
                    for year in range(int(low), int(high) + 1)
                ]
            name_keys.append(kept)
        frame["blocking_keys"] = name_keys
        frame["birth_keys"] = [
            [k for k in keys if 1 < counts[k] <= cap] for keys in frame["birth_keys"]
        ]
        result.append(frame)
    return result


def part_information(records_with_part: int, records: int) -> float:
    """Bits a name part says about who someone is: log2(records / records with it);
    a part no record has yet counts as met once."""
    return math.log2(max(records, 2) / max(records_with_part, 1))


def with_name_information(frames: list[Any]) -> list[Any]:
    """The prepared frames with each name part's information in `name_key` and the
    scale (log2 of all records) in `name_scale`.

    Counted over every frame of one run (both files of `match`): a part's information is
    log2(records / records whose name has the part), so a name everyone has is worth
    little and a name one family has is worth a lot.  Under `MIN_RECORDS_TO_COUNT`
    records the counts say nothing: the keys stay without information and names are
    scored as `name_agreement` does without counts.
    """
    import pandas as pd

    total = sum(len(f) for f in frames)
    if total < MIN_RECORDS_TO_COUNT:
        result = []
        for frame in frames:
            frame = frame.copy(deep=False)
            frame["name_scale"] = pd.array([0.0] * len(frame), dtype="Float64")
            frame["name_rare"] = pd.array([None] * len(frame), dtype="Int64")
            result.append(frame)
        return result
    counts: dict[str, int] = {}
    for frame in frames:
        for tokens in frame["name_tokens"]:
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
    scale = round(part_information(1, total), 3)
    encoded: dict[str, str] = {}

    def with_bits(key: Any) -> Any:
        if key is None or (not isinstance(key, str)) or not key:
            return None
        if key not in encoded:
            encoded[key] = " ".join(
                f"{part}{_BITS}{part_information(counts[part.lstrip(_UNKNOWN)], total):.2f}"
                for part in key.split(" ")
            )
        return encoded[key]

    def rare(tokens: Any) -> int | None:
        information = sum(part_information(counts[t], total) for t in tokens) - scale
        return 1 if len(tokens) and information >= RARE_NAME_BITS else None

    result = []
    for frame in frames:
        frame = frame.copy(deep=False)
        frame["name_key"] = [with_bits(k) for k in frame["name_key"]]
        frame["name_scale"] = pd.array([scale] * len(frame), dtype="Float64")
        frame["name_rare"] = pd.array([rare(t) for t in frame["name_tokens"]], dtype="Int64")
        result.append(frame)
    return result


def _record_name(record: LinkRecord) -> NameFeatures:
    """The full name, plus given/family name parts the full name lacks."""
    full = name_features(record.full_name)
    extra = [
        part
        for part in (record.given_name, record.family_name)
        if part and not name_features(part).token_set <= full.token_set
    ]
    return name_features(" ".join([record.full_name, *extra])) if extra else full


# The day officials write when they know only the year (common on Afghan documents, and in
# registers that need a full date): a birth date on it says no more than its year.
UNKNOWN_DAY_OF_BIRTH = "-01-01"


def day_of_birth(birth_date: str | None) -> str | None:
    """The birth date when it is known to the day, else None (a year, a month, or the
    1 January that stands for an unknown day: two people "born" on it share only a
    year, and one person's other record rarely has it)."""
    if not birth_date or len(birth_date) != 10 or birth_date.endswith(UNKNOWN_DAY_OF_BIRTH):
        return None
    return birth_date


def _birth_window(record: LinkRecord) -> tuple[int | None, int | None]:
    """Earliest and latest plausible birth year: stated, or derived from age at the event."""
    if record.birth_date:
        year = int(record.birth_date[:4])
        return year, year
    if record.age is not None and record.event_date is not None:
        year = record.event_date.year - record.age
        return year - 1, year  # not yet had this year's birthday, or already had it
    return None, None


def _birth_keys(
    features: NameFeatures, low: int | None, high: int | None, sex: str, birth_date: str | None
) -> list[str]:
    """Second blocking keys: one name part's skeleton with a plausible birth year and sex
    (unknown sex meets only unknown sex), and the first letter of one name part with the
    birth date when it is known to the day (`day_of_birth`).

    The name-pair keys miss a person whose records share only one name part (an official
    wrote given and family name, a relative given, father's and grandfather's name); the
    same part, sex and birth year find most of those.  A typo in the first consonants of
    a name part, or a one-letter skeleton (David: d), leaves only the birth date and an
    initial in common.
    """
    if low is None or high is None:
        return []
    skeletons = {s for s in features.skeletons if len(s) >= 2}
    keys = {f"{s}|{year}|{sex}" for s in skeletons for year in range(low, high + 1)}
    if birth_date:
        keys |= {f"{birth_date}|{s[0]}" for s in features.skeletons if s}
    # interned: records that meet share the key (see `names.blocking_keys_for`)
    return sorted(map(sys.intern, keys))


_PREPARED_COLUMNS = (
    "unique_id",
    "name_key",
    "name_sorted",
    "name_tokens",
    "blocking_keys",
    "birth_keys",
    "birth_date",
    "birth_year_min",
    "birth_year_max",
    "sex",
    "nationality",
    "event_date",
    "document_number",
    "lat",
    "lon",
)


def prepare(records: Iterable[LinkRecord], progress: ProgressFn | None = None) -> Any:
    """The columns the model compares, one row per record (a pandas DataFrame)."""
    import pandas as pd

    columns: dict[str, list[Any]] = {name: [] for name in _PREPARED_COLUMNS}
    for n, record in enumerate(records, start=1):
        features = _record_name(record)
        low, high = _birth_window(record)
        day = day_of_birth(record.birth_date)
        values = (
            record.record_id,
            _name_key(features),
            " ".join(sorted(features.token_set)) or None,
            sorted(features.token_set),
            sorted(features.blocking_keys),
            _birth_keys(features, low, high, record.sex, day)
            + ([f"doc:{record.document_number}"] if record.document_number else []),
            day,
            low,
            high,
            record.sex or None,
            record.nationality or None,
            record.event_date,
            record.document_number or None,
            record.lat,
            record.lon,
        )
        for column, value in zip(columns.values(), values, strict=True):
            column.append(value)
        if progress and n % 100_000 == 0:
            progress(f"prepared {n:,} records")
    # built column by column: a dict per row took 10% more memory (100k cross-script set)
    frame = pd.DataFrame(columns, columns=list(_PREPARED_COLUMNS))
    for column in ("birth_year_min", "birth_year_max"):
        frame[column] = frame[column].astype("Int64")
    for column in ("lat", "lon"):
        frame[column] = frame[column].astype("Float64")
    frame["event_date"] = pd.to_datetime(frame["event_date"]).dt.date
    return frame


# --------------------------------------------------------------------------- settings


def _level(label: str, sql: str, m: float, u: float, *, null: bool = False) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    else:
        level["m_probability"] = m
        level["u_probability"] = u
    return level


def _birth_part(side: str, start: int, length: int) -> str:
    # substr counts from 1 in DuckDB and Spark SQL alike
    return f"substr(birth_date_{side}, {start}, {length})"


_SAME_BIRTH_YEAR = f"{_birth_part('l', 1, 4)} = {_birth_part('r', 1, 4)}"
_DAY_AND_MONTH_SWAPPED = (
    f"{_SAME_BIRTH_YEAR} AND {_birth_part('l', 6, 2)} = {_birth_part('r', 9, 2)}"
    f" AND {_birth_part('l', 9, 2)} = {_birth_part('r', 6, 2)}"
)


def _overlap(widen: int) -> str:
    return (
        f"birth_year_min_l - {widen} <= birth_year_max_r "
        f"AND birth_year_min_r - {widen} <= birth_year_max_l"
    )


# Missing person against a death or detention.  `last_contact_day` is set on the missing
# side, `event_day` on the other (days since 1970-01-01, so the SQL is plain integer
# arithmetic in DuckDB and Spark alike); whichever side is on the left of a pair.
EVENT_SOON_DAYS = 30
EVENT_LATER_DAYS = 183
_DAYS_AFTER = "COALESCE(event_day_r - last_contact_day_l, event_day_l - last_contact_day_r)"
# (km, m, u): a body or a detention near the last known place is evidence; the border
# zone is a few hundred km long, so "within 200 km" is true of most random pairs.
DISTANCE_LEVELS = ((10, 0.5, 0.05), (50, 0.3, 0.2), (200, 0.15, 0.5))
EARTH_RADIUS_KM = 6371.0
# Haversine in functions DuckDB and Spark SQL share.
_KM_APART = (
    f"2 * {EARTH_RADIUS_KM} * ASIN(SQRT("
    "POWER(SIN(RADIANS(lat_r - lat_l) / 2), 2) + COS(RADIANS(lat_l)) * COS(RADIANS(lat_r))"
    " * POWER(SIN(RADIANS(lon_r - lon_l) / 2), 2)))"
)
ROLE_LAST_CONTACT = "last_contact"
ROLE_EVENT = "event"
_ROLE_COLUMNS = ("last_contact_day", "event_day")
_EPOCH = dt.date(1970, 1, 1)


def with_event_roles(frame: Any, role: str | None = None) -> Any:
    """The prepared frame with the columns `event_order` compares.

    `role` says what a record's `event_date` is: the last contact with a missing person
    (`ROLE_LAST_CONTACT`, the left file of `match`) or the day a body was found or a
    person detained (`ROLE_EVENT`, the right file).  Without a role (dedupe) both columns
    are empty: two reports' last contacts say nothing about "found after".
    """
    missing = [c for c in _ROLE_COLUMNS if c not in frame.columns]
    if role is None and not missing:
        return frame
    import pandas as pd

    frame = frame.copy(deep=False)
    empty = pd.array([pd.NA] * len(frame), dtype="Int64")
    for column in _ROLE_COLUMNS:
        frame[column] = empty
    if role is not None:
        column = {ROLE_LAST_CONTACT: "last_contact_day", ROLE_EVENT: "event_day"}[role]
        frame[column] = pd.array(
            [None if pd.isna(d) else (d - _EPOCH).days for d in frame["event_date"]],
            dtype="Int64",
        )
    return frame


_NAME_LEVEL_SQL = "bm_name_level(name_key_l, name_key_r, name_scale_l)"
_NAME_MISSING_SQL = "name_key_l IS NULL OR name_key_r IS NULL"
# The name comparison tests "names differ" first and leaves the last of NAME_LEVELS to
# ELSE (every other code was tested before it).  DuckDB evaluates each WHEN of a CASE on
# the rows no earlier WHEN took and does not share the function's result between them,
# so with "names differ" last a pair whose names differ cost ten calls of a Python
# function instead of one; `with_one_name_call` now makes it one call for every pair
# there, and the order still serves any engine that evaluates the CASE as written.
# Splink's order of levels says nothing else here: each level has its own m and u, and
# `explain` reads labels by position.
# Default (m, u) of NAME_LEVELS, in order, for inputs too small to train on: set by hand,
# rounded towards caution, from what EM and random sampling found on the generated 10k
# cross-script set (benchmarks/linkage/).
_NAME_LEVEL_PARAMETERS = (
    (0.02, 0.0000001),
    (0.05, 0.0000009),
    (0.2, 0.00001),
    (0.17, 0.0001),
    (0.12, 0.0005),
    (0.12, 0.00001),
    (0.08, 0.0005),
    (0.05, 0.003),
    (0.15, 0.02),
)
# The default (untrained) parameters: m is the share of true matches at each level, u of
# random pairs.  Chosen for this border's records: most people share a few nationalities
# and one sex, names are the evidence, birth years are often a stated age.
_COMPARISONS: list[dict[str, Any]] = [
    {
        "output_column_name": "name",
        "comparison_description": "canonical name parts and how rare they are (name_agreement)",
        "comparison_levels": [
            _level("name missing", _NAME_MISSING_SQL, 0, 0, null=True),
            # "names differ" first: DuckDB calls the name function once for each WHEN a
            # pair reaches, and most blocked pairs differ (see `_NAME_LEVEL_SQL`)
            _level("names differ", f"{_NAME_LEVEL_SQL} = {NAMES_DIFFER}", 0.02, 0.97838),
            *(
                _level(label, f"{_NAME_LEVEL_SQL} = {code}", m, u)
                for code, ((label, _s, _i), (m, u)) in enumerate(
                    zip(NAME_LEVELS[:-1], _NAME_LEVEL_PARAMETERS[:-1], strict=True)
                )
            ),
            _level(NAME_LEVELS[-1][0], "ELSE", *_NAME_LEVEL_PARAMETERS[-1]),
        ],
    },
    {
        "output_column_name": "birth",
        "comparison_description": "birth date, birth year, or age at the event",
        "comparison_levels": [
            _level(
                "birth year unknown",
                "birth_year_min_l IS NULL OR birth_year_min_r IS NULL",
                0,
                0,
                null=True,
            ),
            _level("same birth date", "birth_date_l = birth_date_r", 0.3, 0.0003),
            # 03.04 read as 4 March by one clerk and 3 April by another
            _level("day and month swapped", _DAY_AND_MONTH_SWAPPED, 0.02, 0.00004),
            # both known to the day (`day_of_birth`), in the same year, on other days: two
            # namesakes born the same year, far more often than one person's two records
            _level("other days of one birth year", _SAME_BIRTH_YEAR, 0.01, 0.015),
            _level("birth years agree", _overlap(0), 0.42, 0.035),
            _level("within a year", _overlap(1), 0.15, 0.08),
            _level("within three years", _overlap(3), 0.07, 0.17),
            # m stays as set here when training (Splink's fix_m_probability): EM learns the
            # birth levels on pairs sharing a rare name, and the more records, the more of
            # those are namesakes born years apart, whom EM counts as matches (m 0.17 on
            # the 100k benchmark set, against 0.045 on 10k; benchmarks/linkage/README.md)
            {**_level("birth years differ", "ELSE", 0.03, 0.69966), "fix_m_probability": True},
        ],
    },
    {
        "output_column_name": "nationality",
        "comparison_description": "ISO 3166-1 alpha-3",
        "comparison_levels": [
            _level(
                "nationality unknown",
                "nationality_l IS NULL OR nationality_r IS NULL",
                0,
                0,
                null=True,
            ),
            _level("same nationality", "nationality_l = nationality_r", 0.92, 0.25),
            _level("nationalities differ", "ELSE", 0.08, 0.75),
        ],
    },
    {
        "output_column_name": "sex",
        "comparison_description": "M/F",
        "comparison_levels": [
            _level("sex unknown", "sex_l IS NULL OR sex_r IS NULL", 0, 0, null=True),
            _level("same sex", "sex_l = sex_r", 0.98, 0.55),
            _level("sex differs", "ELSE", 0.02, 0.45),
        ],
    },
    {
        "output_column_name": "document",
        "comparison_description": "passport or identity-document number",
        "comparison_levels": [
            _level(
                "document number unknown",
                "document_number_l IS NULL OR document_number_r IS NULL",
                0,
                0,
                null=True,
            ),
            _level("same document number", "document_number_l = document_number_r", 0.85, 1e-6),
            _level(
                "document number one typo apart",
                "levenshtein(document_number_l, document_number_r) <= 1",
                0.1,
                1e-5,
            ),
            _level("document numbers differ", "ELSE", 0.05, 0.999989),
        ],
    },
    # A missing person against a death or a detention (see `with_event_roles`).  Both
    # comparisons are at their null level when a side lacks the column, so they change
    # nothing for records without dates or places (and for dedupe, which sets no roles).
    {
        "output_column_name": "event_order",
        "comparison_description": "days from the last contact to the death or detention",
        "comparison_levels": [
            _level("no dates to order", f"{_DAYS_AFTER} IS NULL", 0, 0, null=True),
            _level(
                f"within {EVENT_SOON_DAYS} days after last contact",
                f"{_DAYS_AFTER} BETWEEN 0 AND {EVENT_SOON_DAYS}",
                0.5,
                0.08,
            ),
            _level(
                "within six months after last contact",
                f"{_DAYS_AFTER} BETWEEN 0 AND {EVENT_LATER_DAYS}",
                0.35,
                0.2,
            ),
            _level("long after last contact", f"{_DAYS_AFTER} > {EVENT_LATER_DAYS}", 0.14, 0.32),
            _level("before last contact", "ELSE", 0.01, 0.4),
        ],
    },
    {
        "output_column_name": "distance",
        "comparison_description": "great-circle distance between the places (km)",
        "comparison_levels": [
            _level(
                "place unknown",
                "lat_l IS NULL OR lat_r IS NULL OR lon_l IS NULL OR lon_r IS NULL",
                0,
                0,
                null=True,
            ),
            *(
                _level(f"within {km} km", f"{_KM_APART} < {km}", m, u)
                for km, m, u in DISTANCE_LEVELS
            ),
            _level(f"over {DISTANCE_LEVELS[-1][0]} km apart", "ELSE", 0.05, 0.25),
        ],
    },
]

DEFAULT_SETTINGS: dict[str, Any] = {
    "link_type": "dedupe_only",
    "unique_id_column_name": "unique_id",
    # One pair in a thousand is a match: the prior before any field is compared.
    "probability_two_random_records_match": 0.001,
    "blocking_rules_to_generate_predictions": [
        {
            "blocking_rule": "l.blocking_keys = r.blocking_keys",
            "arrays_to_explode": ["blocking_keys"],
        },
        {
            "blocking_rule": "l.birth_keys = r.birth_keys",
            "arrays_to_explode": ["birth_keys"],
        },
    ],
    "comparisons": _COMPARISONS,
    "retain_matching_columns": True,
    "retain_intermediate_calculation_columns": True,
    "additional_columns_to_retain": [],
}


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """How one field compared in a proposed pair: the level and its match weight (log2)."""

    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class ProposedMatch:
    """Two records the model thinks may be one person, with the evidence per field."""

    left_id: str
    right_id: str
    probability: float
    match_weight: float
    evidence: dict[str, FieldEvidence] = field(default_factory=dict)

    @property
    def agreeing_fields(self) -> list[str]:
        """Fields whose comparison counted for the match (positive weight)."""
        return [name for name, ev in self.evidence.items() if ev.weight > 0]


def _connection() -> Any:
    """An in-memory DuckDB with our name function, held to `DUCKDB_MEMORY_LIMIT` and
    `DUCKDB_THREADS`.

    What DuckDB spills to disk when a large run outgrows that holds name keys, so it
    goes to a private temporary folder (mode 0700) removed with the connection, never
    to DuckDB's default `.tmp` in the working directory.
    """
    import duckdb

    spill = tempfile.mkdtemp(prefix="bm-duckdb-")
    con = duckdb.connect(
        ":memory:",
        config={
            "temp_directory": spill,
            "memory_limit": DUCKDB_MEMORY_LIMIT,
            "threads": DUCKDB_THREADS,
        },
    )
    weakref.finalize(con, shutil.rmtree, spill, True)
    con.create_function(
        "bm_name_level",
        name_key_level,
        ["VARCHAR", "VARCHAR", "DOUBLE"],
        "INTEGER",
        side_effects=False,
    )
    return con


# The name comparison as Splink writes it: a WHEN per level over `_NAME_LEVEL_SQL`.
_NAME_GAMMA_CASE = re.compile(
    r"CASE WHEN " + re.escape(_NAME_MISSING_SQL) + r" THEN -1 "
    r"((?:WHEN " + re.escape(_NAME_LEVEL_SQL) + r" = \d+ THEN \d+ )+)"
    r"ELSE (\d+) END as gamma_name"
)
_NAME_GAMMA_WHEN = re.compile(re.escape(_NAME_LEVEL_SQL) + r" = (\d+) THEN (\d+)")


def with_one_name_call(sql: str) -> str:
    """Splink's SQL with the name comparison calling the name function once per pair.

    Splink writes a comparison as a CASE with a WHEN per level, and DuckDB calls the
    function again in each WHEN a pair reaches: nine calls for names that partly agree
    (half the blocked pairs of the 100k cross-script set), six per pair on average.
    The CASE becomes one call whose level code picks the comparison value from a list;
    the values are read from Splink's own WHENs, so the scores are the same.  SQL
    without that CASE is returned unchanged.
    """

    def one_call(case: re.Match[str]) -> str:
        gamma_of = {int(code): gamma for code, gamma in _NAME_GAMMA_WHEN.findall(case[1])}
        gammas = ", ".join(gamma_of.get(code, case[2]) for code in range(NAMES_DIFFER + 1))
        return (
            f"CASE WHEN {_NAME_MISSING_SQL} THEN -1 "
            f"ELSE [{gammas}][{_NAME_LEVEL_SQL} + 1] END as gamma_name"
        )

    return _NAME_GAMMA_CASE.sub(one_call, sql)


@cache
def _duckdb_api() -> type:
    """Splink's DuckDB API, with `with_one_name_call` applied to what it runs."""
    from splink import DuckDBAPI

    class NameLevelOnceDuckDBAPI(DuckDBAPI):
        def _execute_sql_against_backend(self, final_sql: str) -> Any:
            return super()._execute_sql_against_backend(with_one_name_call(final_sql))

    return NameLevelOnceDuckDBAPI


def _levels_by_gamma(settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """Splink's comparison vector values: null level -1, then n-1 .. 0 in order."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        mapping = {-1: next(lv["label_for_charts"] for lv in levels if lv.get("is_null_level"))}
        for i, level in enumerate(non_null):
            mapping[len(non_null) - 1 - i] = level["label_for_charts"]
        labels[comparison["output_column_name"]] = mapping
    return labels


def _has_pairs(frames: list[Any], columns: tuple[str, ...]) -> bool:
    """Whether blocking on these columns yields any pair (EM and the prior need some)."""
    return _pair_count(frames, columns) > 0


def _birth_date_session(
    frames: list[Any], max_pairs: int = MAX_EM_PAIRS
) -> tuple[str, tuple[str, ...]]:
    """What the EM session that learns the name levels blocks on: the birth date, with
    sex and nationality beside it when one day has too many pairs (`MAX_EM_PAIRS`), or
    the birth year and nationality when too few share a date (`MIN_EM_PAIRS`)."""
    date = ("birth_date",)
    if _pair_count(frames, date) < MIN_EM_PAIRS:
        return "birth year", ("birth_year_min", "birth_year_max", "nationality")
    for label, columns in (
        ("birth date", date),
        ("birth date and sex", (*date, "sex")),
    ):
        if _pair_count(frames, columns) <= max_pairs:
            return label, columns
    return "birth date, sex and nationality", (*date, "sex", "nationality")


def _pair_count(frames: list[Any], columns: tuple[str, ...]) -> int:
    """How many pairs blocking on these columns yields."""
    keyed = [f.dropna(subset=list(columns)).groupby(list(columns)).size() for f in frames]
    if len(keyed) == 1:
        return int((keyed[0] * (keyed[0] - 1) // 2).sum())
    left, right = keyed[0].align(keyed[1], join="inner")
    return int((left * right).sum())


def _weight(bayes_factor: float) -> float:
    """Splink's Bayes factor of one field as a match weight (log2; 0 = no evidence)."""
    return round(math.log2(bayes_factor), 3) if bayes_factor > 0 else -math.inf


def _discount_matches_in_sample(settings: dict[str, Any]) -> None:
    """u as among non-matching pairs, not among all random pairs.

    A random sample of pairs holds matches at the prior's rate, and where a level is
    rare among non-matches those few matches are most of its count: on FEBRL4 nearly
    every sampled pair with one document number was one person, so u came out at the
    matches' share (1.5e-4 against the floor's 1.7e-6) and a shared passport number
    counted for little.  The sampled share is lambda*m + (1 - lambda)*u, solved for u
    once EM has learnt m; `_floor_m` then keeps it above zero.
    """
    share = float(settings.get("probability_two_random_records_match") or 0.0)
    if not 0.0 < share < 1.0:
        return
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level") or level.get("u_probability") is None:
                continue
            m = level.get("m_probability") or 0.0
            u = (level["u_probability"] - share * m) / (1.0 - share)
            level["u_probability"] = min(u, 1.0)


def u_sample_pairs(records: int) -> float:
    """How many random pairs `train` samples for u (`U_SAMPLE_PAIRS_PER_RECORD`)."""
    return max(U_SAMPLE_PAIRS, U_SAMPLE_PAIRS_PER_RECORD * records)


def _floor_m(settings: dict[str, Any], sampled_pairs: float) -> None:
    """No level may be impossible among matches: EM drives rare levels' m to zero, which
    would let one odd field (a misspelt name, a wrong birth year) veto any match.  Nor
    certain: a level no random pair reached gets u from the sample's size (half a pair
    of `sampled_pairs`), not zero, which would make one field (a very rare name) decide
    alone."""
    u_floor = 0.5 / sampled_pairs
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                level["m_probability"] = max(level.get("m_probability") or 0.0, M_FLOOR)
                level["u_probability"] = max(level.get("u_probability") or 0.0, u_floor)


class LinkModel:
    """Splink settings with their m/u parameters: default, trained, saved, loaded."""

    def __init__(self, settings: dict[str, Any], trained_on: int = 0) -> None:
        self.settings = settings
        self.trained_on = trained_on

    @classmethod
    def default(cls) -> LinkModel:
        """The documented hand-set parameters (used for inputs too small to train on)."""
        return cls(copy.deepcopy(DEFAULT_SETTINGS))

    @classmethod
    def load(cls, path: Path) -> LinkModel:
        """A model saved by `save`; ValueError if the file is not one."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise ValueError(f"{path} is not a saved bordermonitor link model")
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"{path}: model version {data.get('version')} is not supported")
        return cls(data["splink_settings"], trained_on=int(data.get("trained_on", 0)))

    def save(self, path: Path) -> None:
        """Write the parameters as JSON (Splink's settings dict inside a small envelope)."""
        data = {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "trained_on": self.trained_on,
            "splink_settings": self.settings,
        }
        Path(path).write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")

    def _linker(
        self,
        frames: list[Any],
        link_type: str,
        engine: str = ENGINE_DUCKDB,
        explained: bool = True,
        connection: Any = None,
    ) -> Any:
        """A Splink linker over these frames; on DuckDB in `connection` when given (the
        caller then closes it), else in a new one."""
        from splink import Linker

        settings = copy.deepcopy(self.settings)
        settings["link_type"] = link_type
        # each field's level and weight, for `explain`; without them a scored pair is
        # two ids and a probability
        settings["retain_matching_columns"] = explained
        settings["retain_intermediate_calculation_columns"] = explained
        aliases = ["left_records", "right_records"] if len(frames) == 2 else None
        frames = [with_event_roles(f) for f in frames]
        frames = for_one_run(frames)
        if engine == ENGINE_SPARK:
            from bordermonitor.linkage import spark_engine

            db_api, frames = spark_engine.database_api(frames)
        else:
            db_api = _duckdb_api()(connection or _connection())
        return Linker(
            frames if len(frames) > 1 else frames[0],
            settings,
            db_api,
            set_up_basic_logging=False,
            input_table_aliases=aliases,
        )

    def train(
        self,
        frames: list[Any],
        link_type: str = "dedupe_only",
        progress: ProgressFn | None = None,
        min_records: int = MIN_RECORDS_TO_TRAIN,
        engine: str = ENGINE_DUCKDB,
    ) -> LinkModel:
        """A new model trained on these prepared records (u by sampling, m by EM).

        Below `min_records` records the parameters stay as they are (returned unchanged).
        """
        total = sum(len(f) for f in frames)
        if total < min_records:
            if progress:
                progress(f"{total} records: too few to train on; using the given parameters")
            return self
        frames = for_one_run([with_event_roles(f) for f in frames])
        connection = _connection() if engine == ENGINE_DUCKDB else None
        try:
            return self._trained(frames, link_type, engine, connection, progress)
        finally:
            if connection is not None:
                # its copy of the records and Splink's tables, freed before comparing
                connection.close()

    def _trained(
        self,
        frames: list[Any],
        link_type: str,
        engine: str,
        connection: Any,
        progress: ProgressFn | None,
    ) -> LinkModel:
        from splink import block_on

        total = sum(len(f) for f in frames)
        linker = self._linker(frames, link_type, engine, connection=connection)
        say = progress or (lambda message: None)
        exact = ("name_sorted", "birth_year_min", "birth_year_max")
        if _has_pairs(frames, exact):
            say("estimating the share of matching pairs")
            linker.training.estimate_probability_two_random_records_match(
                [block_on(*exact)], recall=DETERMINISTIC_RECALL
            )
        else:
            say("no two records share name and birth year: keeping the prior")
        say("estimating u by random sampling")
        sample = u_sample_pairs(total)
        linker.training.estimate_u_using_random_sampling(max_pairs=sample, seed=SEED)
        # Each EM session estimates m for the fields it is not blocked on.
        # Names are learnt on pairs born the same day when there are enough of them (most
        # such pairs are one person, whatever their names), else on birth year and
        # nationality.
        by_birth_date = _birth_date_session(frames)
        by_name = ("rare names", ("name_sorted", "name_rare"))
        if not _has_pairs(frames, by_name[1]):  # too few records to count (or no rare name)
            by_name = ("names", ("name_sorted",))
        for label, columns in (by_name, by_birth_date):
            if not _has_pairs(frames, columns):
                say(f"no pairs blocked on {label}: that EM session is skipped")
                continue
            say(f"estimating m by expectation maximisation (blocked on {label})")
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*columns))
        settings = linker.misc.save_model_to_json()
        _discount_matches_in_sample(settings)
        _floor_m(settings, sample)
        return LinkModel(settings, trained_on=total)

    def predict(
        self,
        frames: list[Any],
        link_type: str,
        threshold: float,
        engine: str = ENGINE_DUCKDB,
        explained: bool = True,
    ) -> tuple[Any, Any]:
        """Splink's scored pairs at or above `threshold`, and the linker that made them;
        `explained` keeps what `explain` reads."""
        linker = self._linker(frames, link_type, engine, explained)
        return linker.inference.predict(threshold_match_probability=threshold), linker

    def explain(self, predictions: Any) -> list[ProposedMatch]:
        """Predicted pairs as ProposedMatch, with each field's level and weight."""
        labels = _levels_by_gamma(self.settings)
        frame = predictions.as_pandas_dataframe()
        matches = []
        for row in frame.to_dict("records"):
            left, right = str(row["unique_id_l"]), str(row["unique_id_r"])
            if row.get("source_dataset_l") == "right_records":
                left, right = right, left
            evidence = {
                name: FieldEvidence(
                    level=levels[int(row[f"gamma_{name}"])],
                    weight=_weight(row[f"bf_{name}"]),
                )
                for name, levels in labels.items()
            }
            matches.append(
                ProposedMatch(
                    left_id=left,
                    right_id=right,
                    probability=float(row["match_probability"]),
                    match_weight=float(row["match_weight"]),
                    evidence=evidence,
                )
            )
        matches.sort(key=lambda m: (-m.probability, m.left_id, m.right_id))
        return matches


# --------------------------------------------------------------------------- use cases


@dataclass(frozen=True, slots=True)
class Clustering:
    """Result of `dedupe`: record_id -> cluster_id, and the parameters that produced it."""

    clusters: dict[str, str]
    model: LinkModel


@dataclass(frozen=True, slots=True)
class Matching:
    """Result of `match` and `propose_duplicates`: pairs best first, and the parameters."""

    pairs: list[ProposedMatch]
    model: LinkModel


def _fitted(
    model: LinkModel | None,
    frames: list[Any],
    link_type: str,
    progress: ProgressFn | None,
    engine: str = ENGINE_DUCKDB,
) -> LinkModel:
    if model is not None:
        return model
    return LinkModel.default().train(frames, link_type, progress=progress, engine=engine)


def dedupe(
    records: list[LinkRecord],
    threshold: float = DEFAULT_THRESHOLD,
    model: LinkModel | None = None,
    progress: ProgressFn | None = None,
    engine: str = ENGINE_DUCKDB,
) -> Clustering:
    """Every record's cluster (a record matching none is its own cluster).

    Without `model`, the default parameters are trained on the records themselves (when
    there are enough of them).  The cluster_id is the smallest record_id in the cluster,
    so it does not change between runs on the same input; the clusters are in the order
    of `records`.  `engine` is where the comparisons run (`ENGINES`); the parameters and
    the result do not depend on it.

    Only the record ids are kept once the records are prepared: a caller that hands its
    list over (as `bordermonitor link dedupe` does) lets it be freed before comparing,
    where memory peaks (321 MB less at the peak on the 1M benchmark set).
    """
    record_ids = [r.record_id for r in records]
    # name information and capped blocks once, for training and comparing alike
    [frame] = for_one_run([with_event_roles(prepare(records, progress))])
    del records
    # the records' names are prepared; while comparing, memory goes to the name keys
    name_features.cache_clear()
    model = _fitted(model, [frame], "dedupe_only", progress, engine)
    if progress:
        progress(f"comparing {len(record_ids):,} records")
    weak = min(threshold, WEAK_LINK)
    predictions, _linker = model.predict([frame], "dedupe_only", weak, engine, explained=False)
    if progress:
        progress("clustering")
    scored = predictions.as_pandas_dataframe()
    pairs = zip(
        scored["unique_id_l"].astype(str),
        scored["unique_id_r"].astype(str),
        scored["match_probability"].astype(float),
        strict=True,
    )
    return Clustering(cluster_records(record_ids, pairs, threshold), model)


def cluster_records(
    record_ids: list[str],
    pairs: Iterable[tuple[str, str, float]],
    threshold: float,
    weak: float = WEAK_LINK,
) -> dict[str, str]:
    """Every record's cluster id (the smallest record_id in it) from scored pairs, in the
    order of `record_ids`.

    Pairs at or above `threshold` join clusters, best first, but two clusters join only
    when at least `MIN_LINK_SUPPORT` of the pairs between them score `weak` or more.
    Joining on every pair (connected components) chains: on the 100k cross-script set one
    false pair between two people's clusters, then another, grew clusters of 10 to 44
    records that held more false pairs than true ones (precision 0.77).
    """
    scores: dict[tuple[str, str], float] = {}
    strong = []
    for a, b, probability in pairs:
        key = (a, b) if a < b else (b, a)
        if probability >= weak:
            scores[key] = max(probability, scores.get(key, 0.0))
        if probability >= threshold:
            strong.append((-probability, *key))
    strong.sort()
    head = {r: r for r in record_ids}
    members = {r: [r] for r in record_ids}
    for _p, a, b in strong:
        first, second = head[a], head[b]
        if first == second:
            continue
        left, right = members[first], members[second]
        if len(left) * len(right) > 1:
            linked = sum(
                1 for x in left for y in right if scores.get((x, y) if x < y else (y, x), 0.0)
            )
            if linked < MIN_LINK_SUPPORT * len(left) * len(right):
                continue
        keep, gone = (first, second) if first < second else (second, first)
        members[keep].extend(members.pop(gone))
        for record_id in members[keep]:
            head[record_id] = keep
    return head


def propose_duplicates(
    records: list[LinkRecord],
    threshold: float = DEFAULT_THRESHOLD,
    model: LinkModel | None = None,
    progress: ProgressFn | None = None,
) -> Matching:
    """Pairs within one set that may be one person, with the evidence per field."""
    [frame] = for_one_run([with_event_roles(prepare(records, progress))])
    model = _fitted(model, [frame], "dedupe_only", progress)
    predictions, _ = model.predict([frame], "dedupe_only", threshold)
    return Matching(model.explain(predictions), model)


def match(
    left: list[LinkRecord],
    right: list[LinkRecord],
    threshold: float = DEFAULT_THRESHOLD,
    model: LinkModel | None = None,
    progress: ProgressFn | None = None,
    engine: str = ENGINE_DUCKDB,
) -> Matching:
    """Pairs of a left and a right record that may be one person, best first.

    A left record's `event_date` is read as the last contact with a missing person, a
    right record's as the day a body was found or a person detained (`event_order`).
    Like `dedupe`, it keeps no record once they are prepared.
    """
    sizes = f"{len(left):,} against {len(right):,}"
    frames = for_one_run(
        [
            with_event_roles(prepare(left, progress), ROLE_LAST_CONTACT),
            with_event_roles(prepare(right, progress), ROLE_EVENT),
        ]
    )
    del left, right
    name_features.cache_clear()  # as in `dedupe`
    model = _fitted(model, frames, "link_only", progress, engine)
    if progress:
        progress(f"comparing {sizes} records")
    predictions, _ = model.predict(frames, "link_only", threshold, engine)
    return Matching(model.explain(predictions), model)
