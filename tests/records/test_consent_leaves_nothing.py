"""Acceptance (issue 3): an internal-only source is absent from every export and from
every publishing API answer, while what consenting sources told us does leave.

Every way data leaves the organisation is one entry of LEAVING_PATHS: the real
`bordermonitor export` command writing real files, and the published API called as
an analyst with a real bearer token.  A new export or publishing route is added
there, and this test then holds it to the same rule.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from bordermonitor.accounts.services import api_token_create, user_create
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.core.models import Place
from bordermonitor.records.services import (
    Consent,
    GroupCounts,
    NameInput,
    act_create,
    event_create,
    person_create,
    source_create,
)

# What only the internal-only source knows; none of it may leave by any path.
SECRET_TESTIMONY = "Zarathandriel told us about the orchard behind the Vyrkashev farm"
SECRET_VICTIM = "Ghazwanissa Oumbrelyte"
SECRET_VICTIM_FRAGMENTS = ["Ghazwanissa", "Oumbrelyte"]
SECRET_INTERVIEWER = "interviewer-quillbrandt"
SECRET_PLACE = "kolonia-bogatyrevka"  # a gazetteer place only the secret event is at
SECRET_PLACE_NAME = "Bogatyrevka"
SECRET_PERPETRATOR = "ru-border-service"  # only in the secret event's act
SECRET_MONTH = "2023-07"

# What the consenting source told us; it must leave, or the test proves nothing.
SHARED_MONTH = "2024-02"
SHARED_PERPETRATOR = "pl-border-guard"


@dataclass(frozen=True)
class World:
    secret_event_code: str
    secret_source_code: str
    shared_event_code: str
    consenting_source_code: str
    internal_source_on_shared_event: str
    secret_victim_code: str


@pytest.fixture
def world(db, monitor) -> World:
    Place.objects.create(
        code=SECRET_PLACE,
        name=f"Kolonia {SECRET_PLACE_NAME}",
        kind="village",
        country="PL",
        border_section=None,
        latitude="53.10000",
        longitude="23.90000",
    )
    interviewer = user_create(
        username=SECRET_INTERVIEWER, role="monitor", password="x", check_password=False
    )
    victim = person_create(
        names=[NameInput(SECRET_VICTIM, "self")],
        created_by=monitor,
        sex="f",
        nationality="ERI",
        notes=f"{SECRET_VICTIM} lives with her cousin",
    )

    # 1. an event known ONLY from an internal-only source
    secret_event = event_create(
        date=parse_fuzzy_date(f"{SECRET_MONTH}-14"),
        created_by=monitor,
        title=f"Beating near {SECRET_PLACE_NAME}",
        place=SECRET_PLACE,
        event_types=["violence"],
        description=SECRET_TESTIMONY,
        counts=GroupCounts(group_size=3, women=1),
    )
    act_create(
        event=secret_event,
        violation_type="beating",
        perpetrator=SECRET_PERPETRATOR,
        victim=victim,
    )
    secret_source = source_create(
        kind="interview",
        received_on=dt.date(2023, 7, 20),
        created_by=monitor,
        interviewer=interviewer,
        language="ti",
        reliability="high",
        consent=Consent(internal_only=True),
        testimony=f"{SECRET_TESTIMONY}. {SECRET_VICTIM} was beaten.",
        events=[secret_event],
        persons=[victim],
    )

    # 2. an event known from a consenting source AND from an internal-only one
    shared_event = event_create(
        date=parse_fuzzy_date(f"{SHARED_MONTH}-03"),
        created_by=monitor,
        place="kuznica",
        event_types=["pushback"],
        counts=GroupCounts(group_size=12, women=3, children=4),
    )
    act_create(
        event=shared_event,
        violation_type="pushback",
        perpetrator=SHARED_PERPETRATOR,
        victim_group_count=12,
    )
    act_create(
        event=shared_event, violation_type="pushback", perpetrator=SHARED_PERPETRATOR, victim=victim
    )
    consenting = source_create(
        kind="witness",
        received_on=dt.date(2024, 2, 10),
        created_by=monitor,
        language="ar",
        reliability="medium",
        consent=Consent(share_un=True, publish_anonymously=True, internal_only=False),
        testimony="The group was pushed back at night.",
        events=[shared_event],
    )
    internal_on_shared = source_create(
        kind="relative",
        received_on=dt.date(2024, 2, 11),
        created_by=monitor,
        interviewer=interviewer,
        language="ti",
        consent=Consent(internal_only=True),
        testimony=f"{SECRET_TESTIMONY}, and later {SECRET_VICTIM} was pushed back.",
        events=[shared_event],
        persons=[victim],
    )
    return World(
        secret_event_code=secret_event.code,
        secret_source_code=secret_source.code,
        shared_event_code=shared_event.code,
        consenting_source_code=consenting.code,
        internal_source_on_shared_event=internal_on_shared.code,
        secret_victim_code=victim.code,
    )


# -- every way data leaves ------------------------------------------------------------


@dataclass(frozen=True)
class LeavingPath:
    name: str
    # runs the path for real; returns everything that left, and its rows parsed
    read: Callable[[Path], tuple[str, list[dict]]]
    # whether what leaves names events and sources (SHARE) or only counts (PUBLISH)
    identifies_events: bool


def _export(purpose: str, fmt: str) -> Callable[[Path], tuple[str, list[dict]]]:
    def run(tmp_path: Path) -> tuple[str, list[dict]]:
        target = tmp_path / f"export-{purpose}.{fmt}"
        call_command(
            "export", "events", purpose=purpose, fmt=fmt, output=str(target), overwrite=True
        )
        text = target.read_text(encoding="utf-8")
        if fmt == "json":
            return text, json.loads(text)["events"]  # a real, complete JSON document
        return text, list(csv.DictReader(io.StringIO(text)))

    return run


def _published_api(tmp_path: Path) -> tuple[str, list[dict]]:
    analyst = user_create(
        username="leak-analyst", role="analyst", password="x", check_password=False
    )
    _, token = api_token_create(user=analyst)
    client = Client()
    pages, rows = [], []
    while True:  # one row per page, so paging is exercised too
        response = client.get(
            "/api/v1/published/events",
            {"limit": 1, "offset": len(rows)},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(response.content.decode("utf-8"))
        rows += body["items"]
        if not body["items"] or len(rows) >= body["count"]:
            return "\n".join(pages), rows


LEAVING_PATHS = [
    LeavingPath("export share csv", _export("share", "csv"), identifies_events=True),
    LeavingPath("export share json", _export("share", "json"), identifies_events=True),
    LeavingPath("export publish csv", _export("publish", "csv"), identifies_events=False),
    LeavingPath("export publish json", _export("publish", "json"), identifies_events=False),
    LeavingPath("GET /api/v1/published/events", _published_api, identifies_events=False),
]


@pytest.mark.parametrize("path", LEAVING_PATHS, ids=lambda p: p.name)
def test_an_internal_only_source_leaves_by_no_path(path, world, tmp_path):
    text, rows = path.read(tmp_path)
    # as written, and as parsed (JSON escapes undone, so an escaped name is found too)
    left = text + "\n" + json.dumps(rows, ensure_ascii=False)

    never = [
        SECRET_TESTIMONY,
        "Zarathandriel",
        "Vyrkashev",
        SECRET_VICTIM,
        *SECRET_VICTIM_FRAGMENTS,
        SECRET_INTERVIEWER,
        "quillbrandt",
        SECRET_PLACE,
        SECRET_PLACE_NAME,
        SECRET_PERPETRATOR,  # the secret event's act
        SECRET_MONTH,  # the secret event's date
        world.secret_event_code,
        world.secret_source_code,
        world.internal_source_on_shared_event,
        world.secret_victim_code,
        "relative",  # the kind of the internal-only source on the shared event
        "2024-02-11",  # and the day it was received
        '"ti"',  # and its language, as a JSON value
        ",ti,",  # and as part of a CSV cell
    ]
    if not path.identifies_events:
        # the secret victim is also a named victim of the shared event: a sharing
        # export may describe that act (sex, age group, nationality), a publication not
        never.append("ERI")
    found = [s for s in never if s in left]
    assert not found, f"{path.name} let out: {found}"

    # exactly the consenting source's event leaves (so the checks above can fail)
    assert len(rows) == 1, f"{path.name}: {rows}"
    assert SHARED_PERPETRATOR in left, path.name
    assert "pushback" in left, path.name
    if path.identifies_events:
        assert world.shared_event_code in left, path.name
        assert "witness" in left and "2024-02-10" in left, path.name
    else:
        assert SHARED_MONTH in left, path.name
        assert world.shared_event_code not in left, path.name
        assert "witness" not in left and "2024-02-10" not in left, path.name
        # the internal-only source is not even counted
        assert str(rows[0]["sources"]) == "1", f"{path.name}: {rows[0]}"


def test_every_leaving_path_is_listed():
    """Each export purpose and format, and each publishing route, is in LEAVING_PATHS."""
    from bordermonitor.api.v1 import api
    from bordermonitor.records.exports import EXPORTERS, FORMATS

    names = {p.name for p in LEAVING_PATHS}
    for purpose in EXPORTERS:
        for fmt in FORMATS:
            assert f"export {purpose} {fmt}" in names
    published_routes = [
        f"GET /api/v1{('/' + prefix.strip('/')) if prefix.strip('/') else ''}{path}"
        for prefix, router in api._routers
        for path in router.path_operations
        if path.strip("/").startswith("published")
    ]
    assert published_routes, "no publishing route found"
    for route in published_routes:
        assert route in names, f"{route} is not in LEAVING_PATHS"
