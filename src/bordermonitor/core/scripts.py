"""Which writing system a name is in (Latin, Cyrillic, Arabic, Ge'ez, ...)."""

from __future__ import annotations

import unicodedata
from collections import Counter

_PREFIXES = {
    "LATIN": "latin",
    "CYRILLIC": "cyrillic",
    "ARABIC": "arabic",
    "ETHIOPIC": "ethiopic",
    "TAMIL": "tamil",
    "DEVANAGARI": "devanagari",
}


def detect_script(text: str) -> str:
    """The script most letters of `text` are written in; 'other' when none is known."""
    counts: Counter[str] = Counter()
    for ch in text or "":
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        counts[_PREFIXES.get(name.split(" ", 1)[0], "other")] += 1
    if not counts:
        return "other"
    return counts.most_common(1)[0][0]
