"""Plain tables: the one shape every figure has, and what disclosure control reads.

A `Table` is a count over dimensions: `cells` maps a tuple of dimension values
(strings) to a count; cells not listed are 0.  `universe` names what is counted
("deaths", "violations" ...): tables of one universe in one release share their
marginals (the deaths of March are the same number in "deaths per month" and in
"deaths by month and nationality"), which is how disclosure control keeps them
consistent.  `fixed` holds conditions that are part of the universe but not
dimensions (pushbacks are the violations with `violation_type=pushback`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TOTAL = "total"  # the dimension value of a marginal row


@dataclass(frozen=True)
class Table:
    figure: str
    universe: str
    dimensions: tuple[str, ...]
    cells: dict[tuple[str, ...], int]
    measure: str = "count"
    fixed: tuple[tuple[str, str], ...] = ()
    # whether the totals over each dimension are part of the table (published with it)
    margins: bool = True

    def __post_init__(self) -> None:
        for key, value in self.cells.items():
            if len(key) != len(self.dimensions):
                raise ValueError(f"{self.figure}: cell {key} does not match {self.dimensions}")
            if value < 0:
                raise ValueError(f"{self.figure}: negative count in {key}")

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def rows(self) -> list[dict]:
        """Cells as dictionaries, biggest first (zero cells are left out)."""
        ordered = sorted(self.cells.items(), key=lambda kv: (-kv[1], kv[0]))
        return [
            {**dict(zip(self.dimensions, key, strict=True)), self.measure: value}
            for key, value in ordered
            if value
        ]


@dataclass(frozen=True)
class PublishedTable:
    """A table after disclosure control: `None` is a suppressed count.

    `rows` holds (dimension values, count) for every non-zero cell and, when the
    table has margins, every non-zero total (dimension value `TOTAL`).  Cells
    absent are 0.
    """

    figure: str
    universe: str
    dimensions: tuple[str, ...]
    measure: str
    k: int
    rows: list[tuple[tuple[str, ...], int | None]] = field(default_factory=list)
    fixed: tuple[tuple[str, str], ...] = ()

    def value(self, *key: str) -> int | None:
        for k, v in self.rows:
            if k == key:
                return v
        return 0

    @property
    def suppressed(self) -> int:
        return sum(1 for _, v in self.rows if v is None)

    def as_dicts(self) -> list[dict]:
        return [
            {**dict(zip(self.dimensions, key, strict=True)), self.measure: value}
            for key, value in self.rows
        ]

    def to_json(self) -> dict:
        return {
            "figure": self.figure,
            "universe": self.universe,
            "dimensions": list(self.dimensions),
            "measure": self.measure,
            "k": self.k,
            "fixed": [list(p) for p in self.fixed],
            "rows": [[list(key), value] for key, value in self.rows],
        }

    @classmethod
    def from_json(cls, data: dict) -> PublishedTable:
        return cls(
            figure=data["figure"],
            universe=data["universe"],
            dimensions=tuple(data["dimensions"]),
            measure=data["measure"],
            k=data["k"],
            fixed=tuple(tuple(p) for p in data.get("fixed", [])),
            rows=[(tuple(key), value) for key, value in data["rows"]],
        )
