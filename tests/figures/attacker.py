"""An attacker who reads only what was published and solves for what was hidden.

Written apart from `figures.disclosure` (it does not use its code): from the rows
of published tables it rebuilds the equations a reader can write — every line of
a table (one dimension varying, the others fixed) sums to its total row; the same
quantity in two tables of one universe is one unknown — and asks a linear
programme for the smallest and largest value each suppressed number can take
(all numbers ≥ 0).  A suppressed number whose smallest and largest values meet
has been recovered.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from scipy.optimize import linprog

TOTAL = "total"


def _quantity(table, key) -> tuple:
    pairs = [(d, v) for d, v in zip(table.dimensions, key, strict=True) if v != TOTAL]
    return (table.universe, tuple(sorted([*map(tuple, table.fixed), *pairs])))


def equations(tables) -> tuple[dict, list[tuple[tuple, list[tuple]]]]:
    """Known values (published numbers; absent cells are 0 only when the table shows
    totals, i.e. when the reader knows its full layout) and equations total = Σ members."""
    known: dict[tuple, int | None] = {}
    lines: dict[tuple, tuple[tuple, set]] = {}
    for table in tables:
        rows = dict(table.rows)
        has_totals = any(TOTAL in key for key in rows)
        for key, value in rows.items():
            q = _quantity(table, key)
            known[q] = value if known.get(q) is None else known[q]
        if not has_totals:
            continue
        for key in rows:
            for i, v in enumerate(key):
                if v == TOTAL:
                    continue
                total_key = tuple(TOTAL if j == i else x for j, x in enumerate(key))
                total = _quantity(table, total_key)
                line = (total, table.dimensions[i])
                lines.setdefault(line, (total, set()))[1].add(_quantity(table, key))
    for total, _ in lines.values():
        known.setdefault(total, 0)
    return known, [(total, sorted(members)) for total, members in lines.values()]


def recovered(tables) -> dict[tuple, float]:
    """Suppressed numbers the published ones fix, with the value they are fixed at."""
    known, lines = equations(tables)
    unknown = sorted(q for q, v in known.items() if v is None)
    if not unknown:
        return {}
    column = {q: i for i, q in enumerate(unknown)}
    a_eq, b_eq = [], []
    for total, members in lines:
        row = np.zeros(len(unknown))
        rhs = 0.0
        for m in members:
            if m in column:
                row[column[m]] += 1
            else:
                rhs -= known[m]
        if total in column:
            row[column[total]] -= 1
        else:
            rhs += known[total]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    found = {}
    for q, i in column.items():
        c = np.zeros(len(unknown))
        c[i] = 1
        bounds = [(0, None)] * len(unknown)
        if not a_eq:
            continue
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if high.status == 3:  # unbounded above: certainly not recovered
            continue
        assert low.status == 0 and high.status == 0, (low.message, high.message)
        if abs(-high.fun - low.fun) < 1e-6:
            found[q] = low.fun
    return found


def published_numbers(tables) -> dict[tuple, int]:
    known = defaultdict(int)
    for table in tables:
        for key, value in table.rows:
            if value is not None:
                known[_quantity(table, key)] = value
    return dict(known)
