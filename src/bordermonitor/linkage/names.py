"""Name normalisation for matching one person's name across Latin, Cyrillic, Arabic-script
and Ge'ez spellings.

The same man reaches us as "Mohammed Hussein Ali" from his sister, "Мухаммад Хусейн Алиев"
from a Belarusian detention list and "محمد حسين علي" from a scanned document.  Every name is
reduced to canonical tokens, in four steps:

1. each word is written in Latin: Cyrillic and Ge'ez with anyascii; Arabic script through a
   dictionary of known readings (mined from Wikidata), because unvocalised Arabic
   transliterates to bare consonants ("mhmd");
2. the Latin word is folded: digraphs and letters that different conventions spell
   differently (kh/h, x/h, q/k, w/v, doubled letters, diphthongs) are unified;
3. particles (al-, el-, bin ...) are dropped, compounds (Abd al-Rahman, Gebre Medhin) are
   joined, and Russian surname/patronymic suffixes (-ов, -ева, -ович) that officials add
   are removed when what remains is a known name;
4. known names are mapped to one canonical token through `data/name_variants.json`.

Everything the rules know lives in the data files, not in code.  `name_features` is cached
per distinct name string, so a list of a million records with a few thousand distinct
names pays for each name once.  Names are personal data: nothing here logs them.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from anyascii import anyascii
from rapidfuzz.distance import Indel

from bordermonitor.core.scripts import detect_script

# Decision threshold of `names_match`, defined once: the acceptance table and the future
# model's "names agree" level both use it.
MATCH_THRESHOLD = 0.8
# Two tokens count as the same name part from this similarity on.
TOKEN_MATCH = 0.8
# Weight of name parts present in one name only (missing father's or family name): a
# missing part lowers the score a little, a conflicting part counts fully against it.
MISSING_PART_WEIGHT = 0.2
# An unknown spelling snaps to a known name at this similarity (same consonant skeleton).
SNAP_MIN = 0.85
# Shortest name part kept; single letters (initials) say too little to match on.
MIN_TOKEN_LEN = 2

ARABIC_SCRIPT = "arabic"
_ABD_WORDS = frozenset({"abd", "abdul", "abdel", "abdal", "abdu", "abed"})
_VOWELS = frozenset("aeiouy")
_SKELETON_DROPS = frozenset("aeiouyv")
_SPLIT = re.compile(r"[\s\-‐‑‒–—_.,;:/\\()\[\]{}\"«»“”„+&|]+")
_APOSTROPHES = re.compile(r"['`´ʻʼʿʾ’‘ʹ]")
_NON_LETTERS = re.compile(r"[^a-z]")
_DOUBLES = re.compile(r"(.)\1+")
_CYRILLIC_IOTATED_E = re.compile(r"(?<=[аеиоуыэюя])е")


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True, slots=True)
class _Compound:
    prefixes: tuple[str, ...]  # folded Latin prefixes, longest first
    separate: frozenset[str]  # prefixes that may stand as their own word
    canonical_prefix: str
    parts: frozenset[str]  # canonical names allowed after the prefix


@dataclass(frozen=True, slots=True)
class _Tables:
    variants: dict[str, str]  # folded Latin key or "ar:<arabic>" -> canonical
    by_skeleton: dict[str, tuple[tuple[str, str], ...]]  # skeleton -> (key, canonical)
    particles: frozenset[str]
    arabic_particles: frozenset[str]
    compounds: tuple[_Compound, ...]
    latin_rules: tuple[tuple[re.Pattern[str], str], ...]
    letter_map: dict[int, str]
    arabic_map: dict[int, str]
    arabic_fallback: dict[int, str]
    sorani_letters: frozenset[str]
    join_with_previous: frozenset[str]
    suffixes: tuple[str, ...]  # Latin forms of official suffixes, longest first
    cyrillic_only_suffixes: frozenset[str]
    arabic_readings: dict[str, tuple[str, ...]]
    cyrillic_readings: dict[str, tuple[str, ...]]


def _data_text(name: str) -> str:
    return (resources.files("bordermonitor.linkage") / "data" / name).read_text(encoding="utf-8")


def _read_readings(name: str) -> dict[str, tuple[str, ...]]:
    readings: dict[str, tuple[str, ...]] = {}
    for line in _data_text(name).splitlines():
        if not line or line.startswith("#"):
            continue
        source, latin = line.split("\t")
        readings[source] = tuple(latin.split(","))
    return readings


@cache
def _tables() -> _Tables:
    """Load and index the packaged tables once per process."""
    raw = json.loads(_data_text("name_variants.json"))
    rules = tuple((re.compile(pattern), repl) for pattern, repl in raw["latin_rules"])
    letter_map = str.maketrans(raw["latin_letters"])
    arabic_map = str.maketrans(raw["arabic_letters"])
    base = _Tables(
        variants={},
        by_skeleton={},
        particles=frozenset(),
        arabic_particles=frozenset(raw["arabic_particles"]),
        compounds=(),
        latin_rules=rules,
        letter_map=letter_map,
        arabic_map=arabic_map,
        arabic_fallback=str.maketrans(raw["arabic_fallback_letters"]),
        sorani_letters=frozenset(raw["sorani_letters"]),
        join_with_previous=frozenset(),
        suffixes=(),
        cyrillic_only_suffixes=frozenset(),
        arabic_readings={},
        cyrillic_readings={},
    )

    def folded(words: list[str]) -> list[str]:
        return [fold_latin(_latin_letters(w, base), base) for w in words]

    variants: dict[str, str] = {}
    for name, spellings in raw["names"].items():
        canonical = folded([name])[0]
        for spelling in [name, *spellings]:
            for key in _variant_keys(spelling, base):
                previous = variants.setdefault(key, canonical)
                if previous != canonical:
                    raise ValueError(
                        f"name_variants.json: {spelling!r} folds to {key!r}, "
                        f"claimed by both {previous!r} and {canonical!r}"
                    )
    by_skeleton: dict[str, list[tuple[str, str]]] = {}
    for key, canonical in variants.items():
        if not key.startswith("ar:"):
            by_skeleton.setdefault(skeleton(key), []).append((key, canonical))

    compounds = []
    for spec in raw["compounds"]:
        prefixes = sorted(set(folded(spec["prefixes"])), key=len, reverse=True)
        compounds.append(
            _Compound(
                prefixes=tuple(prefixes),
                separate=frozenset(folded(spec["separate_prefixes"])),
                canonical_prefix=spec["canonical_prefix"],
                parts=frozenset(folded(spec["parts"])),
            )
        )
    suffixes = folded(raw["official_suffixes"]["any_script"])
    cyrillic_only = folded(raw["official_suffixes"]["cyrillic_only"])
    return _Tables(
        variants=variants,
        by_skeleton={k: tuple(v) for k, v in by_skeleton.items()},
        particles=frozenset(folded(raw["particles"])),
        arabic_particles=base.arabic_particles,
        compounds=tuple(compounds),
        latin_rules=rules,
        letter_map=letter_map,
        arabic_map=arabic_map,
        arabic_fallback=base.arabic_fallback,
        sorani_letters=base.sorani_letters,
        join_with_previous=frozenset(folded(raw["join_with_previous"])),
        suffixes=tuple(sorted(set(suffixes + cyrillic_only), key=len, reverse=True)),
        cyrillic_only_suffixes=frozenset(cyrillic_only) - frozenset(suffixes),
        arabic_readings=_read_readings("arabic_readings.tsv"),
        cyrillic_readings=_read_readings("cyrillic_readings.tsv"),
    )


def _variant_keys(spelling: str, tables: _Tables) -> list[str]:
    """Index keys of one spelling from the variants table (any script, one word)."""
    word = re.sub(r"[\s\-]+", "", _APOSTROPHES.sub("", spelling))
    if detect_script(word) == ARABIC_SCRIPT:
        return ["ar:" + normalise_arabic(word, tables)]
    return [fold_latin(to_latin_letters(word, tables), tables)]


# --------------------------------------------------------------------------- letters


def normalise_arabic(token: str, tables: _Tables | None = None) -> str:
    """Arabic, Persian, Pashto and Sorani letter forms unified, vowel marks dropped."""
    tables = tables or _tables()
    token = unicodedata.normalize("NFC", token)
    token = "".join(ch for ch in token if not unicodedata.combining(ch))
    token = token.translate(tables.arabic_map)
    if token.startswith("ئ"):
        token = "ا" + token[1:]
    return token.replace("ئ", "ي")


def _latin_letters(word: str, tables: _Tables) -> str:
    """A Latin word lower-cased to a-z, with ş/ç/ż-style letters spelled out first."""
    word = unicodedata.normalize("NFC", word.casefold()).translate(tables.letter_map)
    return _NON_LETTERS.sub("", anyascii(_APOSTROPHES.sub("", word)).lower())


def to_latin_letters(word: str, tables: _Tables | None = None) -> str:
    """Any-script word written with a-z (Cyrillic and Ge'ez via anyascii), not yet folded."""
    tables = tables or _tables()
    word = _APOSTROPHES.sub("", word.casefold()).replace("ё", "е").replace("ь", "")
    word = _CYRILLIC_IOTATED_E.sub("йе", word)  # Гебреесус: е after a vowel is "ye"
    return _latin_letters(word, tables)


def arabic_consonants(token: str, tables: _Tables | None = None) -> str:
    """An Arabic-script word no table knows, as Latin consonants (already folded).

    Long vowels written inside the word are dropped because most spellings of the same
    name omit them; the result only serves the consonant skeleton and fuzzy comparison.
    """
    tables = tables or _tables()
    norm = normalise_arabic(token, tables)
    if norm.startswith("ال") and len(norm) > 3:
        norm = norm[2:]
    if len(norm) > 2:
        norm = norm[0] + norm[1:-1].replace("ا", "") + norm[-1]
    head = {"ا": "a", "ع": "a", "ي": "y", "و": "v"}.get(norm[:1], norm[:1])
    tail = {"ه": "", "ة": "", "ي": "i", "و": "u", "ا": "a"}.get(norm[-1:], norm[-1:])
    middle = norm[1:-1] if len(norm) > 1 else ""
    return _DOUBLES.sub(r"\1", (head + middle + tail).translate(tables.arabic_fallback))


def fold_latin(word: str, tables: _Tables | None = None) -> str:
    """Unify spellings of one sound (kh/h, x/h, q/k, w/v, ou/u, doubled letters ...)."""
    tables = tables or _tables()
    for pattern, repl in tables.latin_rules:
        word = pattern.sub(repl, word)
    return _DOUBLES.sub(r"\1", word)


@lru_cache(maxsize=1 << 18)
def skeleton(folded: str) -> str:
    """Consonant skeleton of a folded word: a leading vowel becomes 'a', other vowels go.

    Inside the word v (w) and y go too: Arabic and Kurdish write the same letter for the
    consonant and the long vowel (Sirwan / سیروان, Hawre / هاوڕێ).
    """
    if not folded:
        return ""
    head = "a" if folded[0] in _VOWELS else folded[0]
    rest = "".join(ch for ch in folded[1:] if ch not in _SKELETON_DROPS)
    return _DOUBLES.sub(r"\1", head + rest)


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class _Token:
    key: str  # canonical name if known, else the folded spelling
    known: bool


def _lookup(folded: str, tables: _Tables) -> str | None:
    return tables.variants.get(folded)


def _compound(folded: str, tables: _Tables) -> str | None:
    """Abdulrahman, Abdirahman, Gebremedhin ...: one word made of a prefix and a known part."""
    for spec in tables.compounds:
        for prefix in spec.prefixes:
            if folded.startswith(prefix) and len(folded) > len(prefix) + 1:
                part = _resolve_simple(folded[len(prefix) :], tables)
                if part is not None and part in spec.parts:
                    return _compound_name(spec, prefix, part, tables)
    return None


def _compound_name(spec: _Compound, prefix: str, part: str, tables: _Tables) -> str:
    head = spec.canonical_prefix or _lookup(prefix, tables) or prefix
    return head + part


@lru_cache(maxsize=65536)
def _snap(folded: str) -> str | None:
    """An unknown spelling of a known name: same skeleton, close spelling, same ending."""
    best: dict[str, float] = {}
    for key, canonical in _tables().by_skeleton.get(skeleton(folded), ()):
        if (key[-1] in _VOWELS) != (folded[-1] in _VOWELS):
            continue  # Karimi is not Karim, Mohammadi is not Mohammad
        score = Indel.normalized_similarity(folded, key)
        best[canonical] = max(score, best.get(canonical, 0.0))
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < SNAP_MIN:
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None  # equally close to two different names: do not guess
    return ranked[0][0]


def _resolve_simple(folded: str, tables: _Tables) -> str | None:
    if len(folded) < MIN_TOKEN_LEN:
        return None
    return _lookup(folded, tables) or _snap(folded)


def _resolve_latin(folded: str, cyrillic: bool, tables: _Tables) -> _Token:
    """Canonical form of one folded Latin word."""
    known = _lookup(folded, tables) or _compound(folded, tables)
    if known:
        return _Token(known, True)
    # "Alhassan", "Elmasri": a joined article before a consonant; "Alahmad" before a
    # vowel only when a known name remains ("Alina" is not al-Ina).
    if folded[:2] in ("al", "el") and len(folded) >= 6:
        rest = folded[2:]
        if rest[0] not in "aeiou":
            return _resolve_latin(rest, cyrillic, tables)
        known = _lookup(rest, tables) or _compound(rest, tables)
        if known:
            return _Token(known, True)
    # Suffixes officials add (Алиев, Хусейнова, Ахмедович): only if a known name remains.
    for suffix in tables.suffixes:
        if suffix in tables.cyrillic_only_suffixes and not cyrillic:
            continue
        stem = folded[: -len(suffix)]
        if folded.endswith(suffix) and len(stem) >= MIN_TOKEN_LEN:
            # the stem folded again: "salehas" -> "saleh", which folds to "sali" (Saleh)
            known = (
                _lookup(stem, tables)
                or _compound(stem, tables)
                or _lookup(fold_latin(stem, tables), tables)
            )
            if known:
                return _Token(known, True)
    snapped = _snap(folded) if len(folded) >= 3 else None
    if snapped:
        return _Token(snapped, True)
    return _Token(folded, False)


def _arabic_readings(token: str, tables: _Tables) -> tuple[str, ...] | None:
    """Latin readings of an Arabic-script word: the variants table first, then Wikidata."""
    norm = normalise_arabic(token, tables)
    tries = [norm]
    if norm.startswith("ال") and len(norm) > 3:
        tries.append(norm[2:])  # the article: الحسن -> حسن
    if tables.sorani_letters & set(token):
        # Sorani writes vowels; the Arabic spelling of the same name usually does not.
        tries += [t[0] + re.sub("[وي]", "", t[1:-1]) + t[-1] for t in list(tries) if len(t) > 2]
    for attempt in tries:
        canonical = tables.variants.get("ar:" + attempt)
        if canonical:
            return (canonical,)
    for attempt in tries:
        if attempt in tables.arabic_readings:
            return tables.arabic_readings[attempt]
    return None


def _words_to_latin(word: str, script: str, tables: _Tables) -> list[tuple[str, bool]]:
    """One written word -> [(folded Latin word, came from Cyrillic)], possibly several."""
    if script == ARABIC_SCRIPT:
        norm = normalise_arabic(word, tables)
        if norm in tables.arabic_particles:
            return []
        if norm == "عبد":
            return [("abd", False)]
        if norm.startswith("عبد") and len(norm) > 4 and "ar:" + norm not in tables.variants:
            return [("abd", False), *_words_to_latin(norm[3:], script, tables)]
        if norm.endswith("الله") and len(norm) > 5 and "ar:" + norm not in tables.variants:
            # Rahmatullah written رحمت‌الله or رحمت الله: the name before "-ullah"
            stem = _words_to_latin(norm[:-4], script, tables)
            return [*stem[:-1], (stem[-1][0] + "ula", False)] if stem else []
        readings = _arabic_readings(word, tables)
        if readings is None:
            return [(arabic_consonants(word, tables), False)]
        for reading in readings:  # the first reading that is a known name, else the first
            if _lookup(fold_latin(to_latin_letters(reading, tables), tables), tables):
                return [(fold_latin(to_latin_letters(reading, tables), tables), False)]
        parts = [p for p in _SPLIT.split(readings[0]) if p]
        return [(fold_latin(to_latin_letters(p, tables), tables), False) for p in parts]
    if script == "cyrillic":
        folded = fold_latin(to_latin_letters(word, tables), tables)
        if _lookup(folded, tables) is None:
            for reading in tables.cyrillic_readings.get(word.casefold().replace("ё", "е"), ()):
                candidate = fold_latin(to_latin_letters(reading, tables), tables)
                if _lookup(candidate, tables):
                    return [(candidate, True)]
        return [(folded, True)]
    return [(fold_latin(to_latin_letters(word, tables), tables), False)]


@lru_cache(maxsize=1 << 17)
def _word_to_latin(raw: str) -> tuple[tuple[str, bool], ...]:
    """`_words_to_latin` of one written word, cached: the same words recur across names."""
    return tuple(_words_to_latin(raw, detect_script(raw), _tables()))


@lru_cache(maxsize=1 << 17)
def _resolve_cached(folded: str, cyrillic: bool) -> _Token:
    return _resolve_latin(folded, cyrillic, _tables())


def _canonical_tokens(name: str, tables: _Tables) -> list[_Token]:
    words: list[tuple[str, bool]] = []
    for raw in _SPLIT.split(unicodedata.normalize("NFKC", name or "")):
        raw = _APOSTROPHES.sub("", raw)
        if raw:
            words += _word_to_latin(raw)
    words = [(w, c) for w, c in words if w and w not in tables.particles]
    for i in range(len(words) - 1, 0, -1):  # "Rahmat Ullah" is one name, Rahmatullah
        if words[i][0] in tables.join_with_previous and words[i - 1][0] not in _ABD_WORDS:
            words[i - 1 : i + 1] = [(words[i - 1][0] + "ula", words[i - 1][1])]
    tokens: list[_Token] = []
    i = 0
    while i < len(words):
        word, cyrillic = words[i]
        joined = _join_compound(word, words[i + 1 :], tables)
        if joined:
            tokens.append(_Token(joined[0], True))
            i += joined[1] + 1
            continue
        if len(word) >= MIN_TOKEN_LEN:
            tokens.append(_resolve_cached(word, cyrillic))
        i += 1
    return tokens


def _join_compound(
    word: str, following: list[tuple[str, bool]], tables: _Tables
) -> tuple[str, int] | None:
    """'Abd al-Rahman', 'Abdul Rahman', 'Gebre Medhin': a separate prefix and its part."""
    if not following:
        return None
    part = _resolve_simple(following[0][0], tables)
    if part is None:
        part = _compound_stripped(following[0][0], tables)
    for spec in tables.compounds:
        if word in spec.separate and part in spec.parts:
            return _compound_name(spec, word, part, tables), 1
    return None


def _compound_stripped(word: str, tables: _Tables) -> str | None:
    # "ar-Rahman" arrives as "rahman"; "arrahman"/"alrahman" joined: drop the article.
    for article in ("al", "el", "ar", "ur", "ir", "ul"):
        if word.startswith(article) and len(word) > len(article) + 2:
            resolved = _resolve_simple(word[len(article) :], tables)
            if resolved:
                return resolved
    return None


# --------------------------------------------------------------------------- features


@dataclass(frozen=True, slots=True)
class NameFeatures:
    """What matching needs to know about one name, computed once per distinct string.

    `tokens` keep the order they were written in; `known` says which of them are names from
    the variants table (two different known names never count as one misspelt name).
    """

    script: str
    tokens: tuple[str, ...]
    known: tuple[bool, ...]
    token_set: frozenset[str]
    skeletons: tuple[str, ...]
    blocking_keys: frozenset[str]

    def __repr__(self) -> str:  # names are personal data: never in logs or tracebacks
        return f"NameFeatures(script={self.script!r}, tokens={len(self.tokens)})"


def _blocking_skeleton(skel: str) -> str:
    return skel[:-1] if len(skel) >= 3 and skel.endswith("s") else skel


def blocking_keys_for(skeletons: tuple[str, ...]) -> frozenset[str]:
    """Candidate-pair keys: every pair of two name parts' skeletons (one part: its own).

    Pairs, not single parts: a key "Mohammed" would put a fifth of all records in one block.
    Two records meet when two of their name parts agree, in any order.  A final "s" is
    left out: Lithuanian and Latvian forms add -as/-is/-s to men's names the tables do
    not know (Karwan, Karvanas, Karvans).  Keys are interned: many names share one, and
    a large run then holds each key once, not once per name.
    """
    distinct = sorted(set(_blocking_skeleton(s) for s in skeletons if s))
    if len(distinct) == 1:
        return frozenset(map(sys.intern, distinct))
    return frozenset(
        sys.intern(f"{a}|{b}") for i, a in enumerate(distinct) for b in distinct[i + 1 :]
    )


_script_cached = lru_cache(maxsize=1 << 17)(detect_script)


def _name_script(name: str) -> str:
    """`detect_script` of a whole name from its words' (cached) scripts, letters counted."""
    counts: dict[str, int] = {}
    for word in name.split():
        script = _script_cached(word)
        if script != "other" or not counts:
            counts[script] = counts.get(script, 0) + sum(ch.isalpha() for ch in word)
    known = {k: v for k, v in counts.items() if k != "other" and v}
    return max(known, key=known.__getitem__) if known else "other"


# 65k names: an organisation's records, or the names one page of a large file repeats.
# Preparing a million records filled 262k entries: 146 MB more held to the end.
@lru_cache(maxsize=1 << 16)
def name_features(name: str) -> NameFeatures:
    """Features of a full name in any script (cached: call it freely per record)."""
    tables = _tables()
    tokens = _canonical_tokens(name, tables)
    keys = tuple(t.key for t in tokens)
    skeletons = tuple(skeleton(k) for k in keys)
    return NameFeatures(
        script=_name_script(name),
        tokens=keys,
        known=tuple(t.known for t in tokens),
        token_set=frozenset(keys),
        skeletons=skeletons,
        blocking_keys=blocking_keys_for(skeletons),
    )


def _unequal_parts_similarity(
    a: str, a_known: bool, a_skeleton: str, b: str, b_known: bool, b_skeleton: str
) -> float:
    """Similarity of two different canonical name parts, not both known (`paired_parts`
    decides those), 0..1; 0 below TOKEN_MATCH (not parts of one name).

    Uncached, with the skeletons a name's features hold: a large file meets more
    distinct pairs of parts than a cache can keep (550 thousand among 1.9 million on
    the 100k cross-script benchmark set), and through a cache of 262 thousand a call
    cost more than the rule itself (benchmarks/linkage/README.md, sixth round).
    """
    if (a_known and b == a + "i") or (b_known and a == b + "i"):
        return 0.0  # Karimi, Mohammadi: a family name made from a given name (nisba)
    score = Indel.normalized_similarity(a, b)
    if a_skeleton == b_skeleton and len(a_skeleton) >= 3:
        return max(score, TOKEN_MATCH)
    return score if score >= TOKEN_MATCH else 0.0


def paired_parts(a: NameFeatures, b: NameFeatures) -> list[tuple[float, int, int]]:
    """The parts of two names that correspond: (similarity, index in a, index in b).

    Parts are paired greedily, best pairs first, each part at most once, in any order;
    pairs under TOKEN_MATCH are not parts of one name.  Equal parts score 1, two
    different known names 0 (Ahmed and Mahmoud, Hassan and Hussein), the rest by their
    letters (`_unequal_parts_similarity`).  Written for speed: matching a million
    records calls it for tens of millions of pairs.
    """
    b_tokens, b_known, b_skeletons = b.tokens, b.known, b.skeletons
    a_known, a_skeletons = a.known, a.skeletons
    pairs = []
    for i, x in enumerate(a.tokens):
        xk = a_known[i]
        for j, y in enumerate(b_tokens):
            if x == y:
                pairs.append((1.0, i, j))
            elif not (xk and b_known[j]):  # two different known names score 0
                score = _unequal_parts_similarity(
                    x, xk, a_skeletons[i], y, b_known[j], b_skeletons[j]
                )
                if score:
                    pairs.append((score, i, j))
    if len(pairs) < 2:
        return pairs
    pairs.sort(reverse=True)
    used_a = used_b = 0  # bit i: part i is paired
    paired = []
    for pair in pairs:
        bit_a, bit_b = 1 << pair[1], 1 << pair[2]
        if used_a & bit_a or used_b & bit_b:
            continue
        used_a |= bit_a
        used_b |= bit_b
        paired.append(pair)
    return paired


def similarity_of_pairing(a: NameFeatures, b: NameFeatures, paired: list) -> float:
    """`name_similarity` from the parts `paired_parts` found."""
    short, long_ = sorted((len(a.tokens), len(b.tokens)))
    return sum(score for score, _, _ in paired) / (short + MISSING_PART_WEIGHT * (long_ - short))


def name_similarity(a: NameFeatures, b: NameFeatures) -> float:
    """How alike two names are, 0..1, tolerant of reordered and missing parts.

    A part of the shorter name with no partner is a conflict (different given name), a
    part only the longer name has costs MISSING_PART_WEIGHT (a relative may not know the
    grandfather's name).
    """
    if not a.tokens or not b.tokens:
        return 0.0
    return similarity_of_pairing(a, b, paired_parts(a, b))


def names_match(a: str, b: str) -> bool:
    """Whether two written names are, on the name alone, plausibly the same person's."""
    return name_similarity(name_features(a), name_features(b)) >= MATCH_THRESHOLD
