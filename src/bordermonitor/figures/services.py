"""Publishing a figure set (frozen in a snapshot) and recomputing it later.

`publish_figure_set(period, user, narrative)` counts every figure of
`selectors.FIGURES` for the period in the PUBLISH scope, passes them through
disclosure control together (one release: shared totals stay consistent), and
freezes codes, tables and `RULES_VERSION`; the cumulative totals since monitoring
began (as of the period's end) are kept beside them as table `cumulative_totals`.
`recompute(snapshot)` recounts the frozen records as they are now and compares
with the records the rules select today: added and removed codes per figure and
the cells whose published value changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bordermonitor.accounts.audit import EXPORT, Actor, audit_record
from bordermonitor.core.codes import next_code
from bordermonitor.core.crypto import create_data_key
from bordermonitor.records.exports import Period

from .disclosure import suppress_release
from .models import FigureSnapshot
from .rules import RULES_VERSION, Scope, disclosure_k
from .selectors import FIGURES, counted_codes, cumulative_totals
from .tables import PublishedTable


def _published(tables: list, k: int) -> dict[str, PublishedTable]:
    return {t.figure: t for t in suppress_release(tables, k)}


@transaction.atomic
def publish_figure_set(
    period: Period, user, narrative: dict[str, str] | None = None, *, k: int | None = None
) -> FigureSnapshot:
    """Freeze the figures of `period` as published; the period must have an end."""
    if period.date_to is None:
        raise ValidationError({"date_to": "a published figure set needs the end of its period"})
    period.check()
    narrative = narrative or {}
    bad = [name for name, text in narrative.items() if not isinstance(text, str)]
    if bad:
        raise ValidationError({"narrative": f"sections {bad} are not text"})
    k = disclosure_k() if k is None else k
    scope = Scope.PUBLISH
    tables = [f.compute(period, scope) for f in FIGURES.values()]
    # the totals since monitoring began as of the end date, beside the period's figures
    # (kept with the set; recomputed from the records, not from frozen codes)
    tables.append(cumulative_totals(period.date_to, scope))
    published = _published(tables, k)
    code = next_code(FigureSnapshot.CODE_PREFIX, period.date_to.year)
    snapshot = FigureSnapshot.objects.create(
        code=code,
        data_key=create_data_key(code),
        period_from=period.date_from,
        period_to=period.date_to,
        rules_version=RULES_VERSION,
        k=k,
        scope=str(scope),
        counted={name: counted_codes(name, period, scope) for name in FIGURES},
        tables={name: t.to_json() for name, t in published.items()},
        narrative=narrative,
        published_by=user,
        published_at=timezone.now(),
    )
    audit_record(Actor.of(user), EXPORT, "figure_snapshot", snapshot.code)
    return snapshot


@dataclass(frozen=True)
class CellChange:
    figure: str
    key: tuple[str, ...]
    published: int | None
    now: int | None


@dataclass
class Recomputation:
    """A snapshot recounted: `frozen` from its codes, `current` from today's records."""

    snapshot: FigureSnapshot
    frozen: dict[str, PublishedTable]
    current: dict[str, PublishedTable]
    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    changed: list[CellChange] = field(default_factory=list)
    rules_changed: bool = False

    @property
    def reproduced(self) -> bool:
        """The frozen records, recounted, give the published tables again."""
        return all(
            table.rows == PublishedTable.from_json(self.snapshot.tables[name]).rows
            for name, table in self.frozen.items()
        )

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _diff(name: str, before: PublishedTable, after: PublishedTable) -> list[CellChange]:
    old, new = dict(before.rows), dict(after.rows)
    return [
        CellChange(name, key, old.get(key, 0), new.get(key, 0))
        for key in sorted(set(old) | set(new))
        if old.get(key, 0) != new.get(key, 0)
    ]


def recompute(snapshot: FigureSnapshot) -> Recomputation:
    """Recount a published figure set and say what changed since it was published."""
    period = Period(snapshot.period_from, snapshot.period_to)
    scope = Scope(snapshot.scope)
    names = [n for n in snapshot.tables if n in FIGURES]
    frozen = _published(
        [FIGURES[n].compute(period, scope, codes=snapshot.counted.get(n, [])) for n in names],
        snapshot.k,
    )
    current = _published([FIGURES[n].compute(period, scope) for n in names], snapshot.k)
    result = Recomputation(
        snapshot=snapshot,
        frozen=frozen,
        current=current,
        rules_changed=snapshot.rules_version != RULES_VERSION,
    )
    for name in names:
        then = set(snapshot.counted.get(name, []))
        now = set(counted_codes(name, period, scope))
        if now - then:
            result.added[name] = sorted(now - then)
        if then - now:
            result.removed[name] = sorted(then - now)
        before = PublishedTable.from_json(snapshot.tables[name])
        result.changed += _diff(name, before, current[name])
    return result
