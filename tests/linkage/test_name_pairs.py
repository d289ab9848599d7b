"""Acceptance: real-world spellings of one name must match, different names must not.

The table is `name_pairs.tsv` beside this file (one parametrised case per row) and the
decision threshold is the one `bordermonitor.linkage.names` defines for everyone.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bordermonitor.core.scripts import detect_script
from bordermonitor.linkage.names import (
    MATCH_THRESHOLD,
    name_features,
    name_similarity,
    names_match,
)

TABLE = Path(__file__).with_name("name_pairs.tsv")


def _rows() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            expected, left, right, note = line.split("\t")
            rows.append((expected, left, right, note))
    return rows


ROWS = _rows()


def test_the_table_is_as_large_and_as_mixed_as_promised():
    kinds = Counter(expected for expected, *_ in ROWS)
    assert set(kinds) == {"same", "different"}
    assert kinds["same"] >= 100
    assert kinds["different"] >= 50
    scripts = {detect_script(name) for _, left, right, _ in ROWS for name in (left, right)}
    assert {"latin", "cyrillic", "arabic", "ethiopic"} <= scripts


@pytest.mark.parametrize(
    ("expected", "left", "right"),
    [pytest.param(e, a, b, id=f"{i:03d}-{e}") for i, (e, a, b, _) in enumerate(ROWS, 1)],
)
def test_name_pair(expected, left, right):
    score = name_similarity(name_features(left), name_features(right))
    if expected == "same":
        assert score >= MATCH_THRESHOLD, f"{left!r} ~ {right!r} scored {score:.2f}"
    else:
        assert score < MATCH_THRESHOLD, f"{left!r} ~ {right!r} scored {score:.2f}"
    # Symmetric: which record arrived first must not matter.
    assert names_match(left, right) == names_match(right, left) == (expected == "same")
