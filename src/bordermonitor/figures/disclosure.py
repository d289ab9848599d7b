"""Disclosure control: no count of 1..k-1 leaves, and none can be worked out.

Method (cell suppression with complementary suppression, checked exactly):

1. **Primary suppression**: every published number — cell or total — from 1 to
   k-1 is suppressed (shown empty / `null`).  0 is published: it identifies
   nobody.
2. **The release as equations**: every table of a release (one export file, one
   published figure set) is laid out with its marginals (totals over each
   dimension, and the grand total).  Each number is keyed by its universe, its
   fixed conditions and its non-total dimension values, so the same quantity in
   two tables ("deaths in March" in the per-month table and in the month ×
   nationality table) is *one* unknown: a number suppressed in one table and
   published in another would be found at once, so it is suppressed in both.
   Each line of a table (one dimension varying, the others fixed) gives the
   equation members = total.
3. **Complementary suppression**: a suppressed number is *determined* when the
   published numbers of the release fix its value, i.e. when its unit vector lies
   in the row space of the equations restricted to the suppressed unknowns
   (computed exactly from the null space; every suppressed number is ≥ 1, so it
   sits inside the feasible region and an unfixed value really can move).  For
   each determined number, the smallest non-zero published number sharing one
   of its lines (member or total) is suppressed too, and the check repeats until
   no suppressed number is determined.  This is stronger than the usual rule of
   thumb "at least two suppressed per line" (which a bridge between two blocks
   of suppressed cells defeats) and implies it.
4. **Across releases**: dates go out as months and periods are widened to whole
   months (`open_data.month_period`), so a period and the same period plus a
   day give the same file; open-data files are made of month rows with no totals
   across months, and each month is suppressed on its own, so any two exports
   with overlapping periods publish identical numbers for the months they share
   and differencing them yields only numbers that are themselves published.
   Places go out as border sections only; no names, codes or free text ever
   enter a table.

`suppress_small_counts(table, k)` protects one table; `suppress_release(tables, k)`
protects tables published together (use it whenever two tables go out together).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np
from threadpoolctl import threadpool_limits

from bordermonitor.figures.rules import disclosure_k
from bordermonitor.figures.tables import TOTAL, PublishedTable, Table

Key = tuple[str, tuple[tuple[str, str], ...]]  # (universe, sorted (dimension, value) pairs)
_TOLERANCE = 1e-9  # relative: eigenvalues below it count as zero


def _key(table: Table, pairs: Iterable[tuple[str, str]]) -> Key:
    return (table.universe, tuple(sorted((*table.fixed, *pairs))))


class _Release:
    """The numbers of a release and the equations that tie them together."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.values: dict[Key, int] = {}
        self.lines: dict[tuple[Key, str], set[Key]] = defaultdict(set)
        self.layout: list[list[tuple[tuple[str, ...], Key]]] = []
        self._index: dict[Key, list[set[Key]]] | None = None
        for table in tables:
            self.layout.append(self._add(table))

    def _put(self, key: Key, value: int, figure: str) -> None:
        known = self.values.get(key)
        if known is not None and known != value:
            raise ValueError(
                f"{figure}: {key} is {value} here and {known} in another table of the release; "
                "tables of one universe must count the same records the same way"
            )
        self.values[key] = value

    def _add(self, table: Table) -> list[tuple[tuple[str, ...], Key]]:
        dims = table.dimensions
        sums: dict[tuple[str, ...], int] = defaultdict(int)
        for cell, value in table.cells.items():
            if not value:
                continue
            levels = range(len(dims) + 1) if table.margins else [len(dims)]
            for size in levels:
                for kept in combinations(range(len(dims)), size):
                    shown = tuple(cell[i] if i in kept else TOTAL for i in range(len(dims)))
                    sums[shown] += value
        placed = []
        for shown, value in sums.items():
            pairs = [(d, v) for d, v in zip(dims, shown, strict=True) if v != TOTAL]
            key = _key(table, pairs)
            self._put(key, value, table.figure)
            placed.append((shown, key))
            if table.margins:
                for d, _value in pairs:
                    total = _key(table, [p for p in pairs if p[0] != d])
                    self.lines[(total, d)].add(key)
        return placed

    def determined(self, suppressed: set[Key]) -> list[Key]:
        """The suppressed numbers the published ones fix (see the module docstring)."""
        unknowns = sorted(suppressed)
        if not unknowns:
            return []
        column = {key: i for i, key in enumerate(unknowns)}
        rows = []
        for (total, _dim), members in self.lines.items():
            involved = [m for m in members if m in column]
            if total in column:
                involved.append(total)
            if not involved:
                continue
            row = np.zeros(len(unknowns))
            for m in members:
                if m in column:
                    row[column[m]] = 1.0
            if total in column:
                row[column[total]] = -1.0
            rows.append(row)
        if not rows:
            return []
        matrix = np.array(rows)
        # the null space of the equations: eigenvectors of AᵀA with eigenvalue 0
        # (eigenvalues are squared singular values; AᵀA is small: unknowns²)
        # one thread: for matrices this small, BLAS threads only fight over the cores
        with threadpool_limits(limits=1, user_api="blas"):
            eigenvalues, vectors = np.linalg.eigh(matrix.T @ matrix)
        null = vectors[:, eigenvalues < _TOLERANCE * max(1.0, float(eigenvalues.max()))]
        if null.shape[1] == 0:
            return unknowns
        norms = np.linalg.norm(null, axis=1)
        return [key for key, norm in zip(unknowns, norms, strict=True) if norm < 1e-6]

    def lines_of(self, key: Key) -> list[set[Key]]:
        if self._index is None:
            self._index = defaultdict(list)
            for (total, _dim), members in sorted(self.lines.items()):
                line = members | {total}
                for k in line:
                    self._index[k].append(line)
        return self._index.get(key, [])


def _opened(release: _Release, key: Key, suppressed: set[Key]) -> int:
    """How many of `key`'s lines would hold exactly one hidden number if it were hidden."""
    return sum(1 for line in release.lines_of(key) if not (line & suppressed))


def _complement(release: _Release, key: Key, suppressed: set[Key], locked: set[Key]) -> set[Key]:
    """One more number to hide so that `key` is no longer fixed: from its own lines
    first, else from the lines of the suppressed numbers it is tied to."""
    seen, frontier = {key}, [key]
    while frontier:
        lines = [line for k in frontier for line in release.lines_of(k)]
        # prefer a number whose other lines already hide something (it closes a cycle
        # instead of opening new lines to protect), then the finest (a cell rather
        # than a total), then the smallest
        candidates = [
            (_opened(release, other, suppressed), -len(other[1]), release.values[other], other)
            for line in lines
            for other in line
            if other not in suppressed and other not in locked and release.values[other] > 0
        ]
        if candidates:
            return {min(candidates)[3]}
        frontier = sorted({o for line in lines for o in line if o in suppressed} - seen)
        seen |= set(frontier)
    return set()


def suppress_release(
    tables: Sequence[Table],
    k: int | None = None,
    *,
    keep_published: Iterable[Key] = (),
) -> list[PublishedTable]:
    """Tables published together, each with its small counts and their complements
    suppressed (see the module docstring).  `keep_published` names numbers already
    published elsewhere that must stay as they are (complements are found among
    the others)."""
    k = disclosure_k() if k is None else k
    if k < 2:
        raise ValueError(f"k must be at least 2, not {k}")
    release = _Release(tables)
    locked = set(keep_published)
    suppressed = {key for key, value in release.values.items() if 0 < value < k}
    if suppressed & locked:
        raise ValueError("a number already published is below k; it cannot be kept")
    while True:
        determined = release.determined(suppressed)
        if not determined:
            break
        added: set[Key] = set()
        touched: set[Key] = set()
        for key in determined:
            lines = release.lines_of(key)
            if any(line & touched for line in lines):
                continue  # a complement added this round may already protect it
            new = _complement(release, key, suppressed | added, locked)
            if not new:
                raise ValueError(
                    f"{key} cannot be protected: every number beside it is already published"
                )
            added |= new
            for line in lines:
                touched |= line
        suppressed |= added
    published = []
    for table, placed in zip(tables, release.layout, strict=True):
        rows = [
            (shown, None if key in suppressed else release.values[key]) for shown, key in placed
        ]
        rows.sort(key=lambda r: (sum(v == TOTAL for v in r[0]), r[0]))
        published.append(
            PublishedTable(
                figure=table.figure,
                universe=table.universe,
                dimensions=table.dimensions,
                measure=table.measure,
                k=k,
                rows=rows,
                fixed=table.fixed,
            )
        )
    return published


def suppress_small_counts(table: Table, k: int | None = None) -> PublishedTable:
    """One table with counts 1..k-1 and their complements suppressed (k: `BM_DISCLOSURE_K`)."""
    return suppress_release([table], k)[0]


def release_keys(published: Iterable[PublishedTable]) -> set[Key]:
    """The keys of every number published (not suppressed) in these tables."""
    keys = set()
    for table in published:
        for shown, value in table.rows:
            if value is None:
                continue
            pairs = [(d, v) for d, v in zip(table.dimensions, shown, strict=True) if v != TOTAL]
            keys.add((table.universe, tuple(sorted((*table.fixed, *pairs)))))
    return keys
