"""Build the packaged reading tables from the Wikidata name-token pairs (run by hand).

    python -m bordermonitor.linkage.build_tables /work/shared/data/names

reads `wd_arabic_80` (Latin token, Arabic letters, count) and
`wd_russian_subset_latin_tokens_shared_with_wd_arabic.tsv` (Latin token, Cyrillic letters,
count) from steveash/NETransliteration-COLING2018 (CC0 1.0) and writes
`data/arabic_readings.tsv` and `data/cyrillic_readings.tsv` beside this module.  The
package reads only those small files at run time, never the source directory.

Why filter: pairs seen once are mostly alignment noise (محمد <-> "ayatollah"), so only
pairs seen at least MIN_COUNT times are kept, and per written token only the TOP_READINGS
most frequent readings.  The Cyrillic table keeps only Latin tokens that are also readings of
an Arabic-script token, because this border's Cyrillic names are mostly Arabic names.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from bordermonitor.linkage.names import normalise_arabic

MIN_COUNT = 2
TOP_READINGS = 3
ARABIC_SOURCE = "wd_arabic_80"
CYRILLIC_SOURCE = "wd_russian_subset_latin_tokens_shared_with_wd_arabic.tsv"
DATA_DIR = Path(__file__).resolve().parent / "data"
HEADER = (
    "# {what}: written token <TAB> Latin readings, most frequent first (comma-separated).\n"
    "# Built by bordermonitor/linkage/build_tables.py from Wikidata name-token pairs\n"
    "# (steveash/NETransliteration-COLING2018 @ 5d5f59e5, CC0 1.0); see README.md.\n"
)


def _rows(path: Path):
    """(latin, written, count) of one source file, pairs seen fewer than MIN_COUNT dropped."""
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                raise ValueError(f"{path.name} line {line_no}: expected 3 tab-separated fields")
            latin, letters, count = fields
            if int(count) >= MIN_COUNT and latin.strip():
                yield latin.strip().lower(), letters.replace(" ", ""), int(count)


def _top(counts: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    return {
        written: [r for r, _ in sorted(readings.items(), key=lambda kv: (-kv[1], kv[0]))][
            :TOP_READINGS
        ]
        for written, readings in counts.items()
    }


def build(source_dir: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Arabic-script and Cyrillic token -> most frequent Latin readings."""
    arabic: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for latin, letters, count in _rows(source_dir / ARABIC_SOURCE):
        arabic[normalise_arabic(letters)][latin] += count
    arabic_latin = {latin for readings in arabic.values() for latin in readings}
    cyrillic: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for latin, letters, count in _rows(source_dir / CYRILLIC_SOURCE):
        if latin in arabic_latin:
            cyrillic[letters.casefold().replace("ё", "е")][latin] += count
    return _top(arabic), _top(cyrillic)


def _write(path: Path, what: str, table: dict[str, list[str]]) -> None:
    lines = [f"{written}\t{','.join(readings)}" for written, readings in sorted(table.items())]
    path.write_text(HEADER.format(what=what) + "\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source_dir", type=Path, help="directory holding the Wikidata pair files")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="where to write the tables")
    args = parser.parse_args(argv)
    arabic, cyrillic = build(args.source_dir)
    _write(args.out / "arabic_readings.tsv", "Arabic-script name tokens", arabic)
    _write(args.out / "cyrillic_readings.tsv", "Cyrillic name tokens", cyrillic)
    print(f"{len(arabic)} Arabic-script and {len(cyrillic)} Cyrillic tokens written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
