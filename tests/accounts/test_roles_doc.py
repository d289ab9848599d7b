"""docs/roles.md is what people read to learn who may do what: it must say what
`CAPABILITIES` enforces, row for row."""

from __future__ import annotations

import re
from pathlib import Path

from bordermonitor.accounts.roles import CAPABILITIES

ROLES_DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
COLUMNS = ["admin", "coordinator", "monitor", "tracing_officer", "lawyer", "analyst"]


def documented_capabilities() -> dict[str, frozenset[str]]:
    table = {}
    for line in ROLES_DOC.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\|\s*`([a-z_.]+)`[^|]*\|(.*)\|\s*$", line)
        if found:
            cells = [c.strip() for c in found[2].split("|")]
            allowed = zip(COLUMNS, cells, strict=True)  # a missing cell fails here
            table[found[1]] = frozenset(role for role, cell in allowed if cell == "yes")
    return table


def test_the_roles_page_says_what_the_server_enforces():
    assert documented_capabilities() == dict(CAPABILITIES)
