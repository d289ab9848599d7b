"""/api/v1/published/events as the analyst uses it: anonymised rows, paged, filtered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from bordermonitor.accounts.services import api_token_create
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.records.services import (
    Consent,
    NameInput,
    act_create,
    event_create,
    person_create,
    source_create,
)

URL = "/api/v1/published/events"
VICTIM_NAME = "Shireen Al-Mutawakkilova"
PUBLISHABLE = Consent(publish_anonymously=True, internal_only=False)


@pytest.fixture
def events(monitor) -> list:
    """Four publishable events across two border sections and two months, one more
    known only from an internal-only source."""
    victim = person_create(
        names=[NameInput(VICTIM_NAME, "self")], created_by=monitor, nationality="IRQ"
    )
    made = []
    for date, place, violation in [
        ("2024-01-10", "kuznica", "pushback"),
        ("2024-01-20", "kuznica", "beating"),
        ("2024-02-05", "bruzgi", "pushback"),
        ("2024-02-25", "augustow", "dog-attack"),
    ]:
        event = event_create(date=parse_fuzzy_date(date), created_by=monitor, place=place)
        act_create(event=event, violation_type=violation, perpetrator="pl-army", victim=victim)
        source_create(
            kind="witness",
            received_on=dt.date(2024, 3, 1),
            created_by=monitor,
            consent=PUBLISHABLE,
            events=[event],
        )
        made.append(event)
    hidden = event_create(date=parse_fuzzy_date("2024-01-15"), created_by=monitor, place="kuznica")
    act_create(event=hidden, violation_type="pushback", perpetrator="by-army", victim=victim)
    source_create(
        kind="interview", received_on=dt.date(2024, 3, 1), created_by=monitor, events=[hidden]
    )
    return made


@pytest.fixture
def analyst_get(users):
    _, token = api_token_create(user=users["analyst"])
    client = Client()

    def get(**params):
        response = client.get(URL, params, headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.json()

    return get


def test_the_analyst_reads_anonymised_rows(events, analyst_get):
    status, data = analyst_get()
    assert status == 200
    assert data["count"] == 4
    rows = data["items"]
    assert [r["period"] for r in rows] == ["2024-01", "2024-01", "2024-02", "2024-02"]
    assert rows[0] == {
        "period": "2024-01",
        "month_from": "2024-01",
        "month_to": "2024-01",
        "event_types": [],
        "side": "PL",
        "border_section": "BY-PL-C",
        "counts": {"group_size": None, "women": None, "men": None, "children": None},
        "acts": [{"violation_type": "pushback", "perpetrator": "pl-army", "victims": 1}],
        "sources": 1,
    }
    text = str(data)
    for secret in (VICTIM_NAME, "IRQ", "kuznica", "by-army", *(e.code for e in events)):
        assert secret not in text


def test_pages(events, analyst_get):
    _, first = analyst_get(limit=3)
    _, rest = analyst_get(limit=3, offset=3)
    assert first["count"] == rest["count"] == 4
    assert len(first["items"]) == 3 and len(rest["items"]) == 1
    assert rest["items"][0]["acts"][0]["violation_type"] == "dog-attack"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date_from": "2024-02-01"}, ["pushback", "dog-attack"]),
        ({"date_to": "2024-01-31"}, ["pushback", "beating"]),
        ({"border_section": "BY-PL-C"}, ["pushback", "beating", "pushback"]),
        ({"violation_type": "pushback"}, ["pushback", "pushback"]),
        ({"violation_type": "pushback", "date_from": "2024-02-01"}, ["pushback"]),
    ],
)
def test_filters(events, analyst_get, params, expected):
    status, data = analyst_get(**params)
    assert status == 200, data
    assert [r["acts"][0]["violation_type"] for r in data["items"]] == expected
    assert data["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"border_section": "nowhere"}, 400, "border_section"),
        ({"violation_type": "tickling"}, 400, "violation_type"),
        ({"date_from": "2024-05-01", "date_to": "2024-04-01"}, 400, "date_to"),
        ({"date_from": "March"}, 422, "date_from"),
        ({"border_section": "a b"}, 422, "border_section"),
        ({"limit": 0}, 422, "limit"),
    ],
)
def test_bad_filters_name_the_field(events, analyst_get, params, status, field):
    got, data = analyst_get(**params)
    assert got == status, data
    assert field in {item["field"] for item in data["detail"]}


def test_a_token_is_required(events):
    response = Client().get(URL)
    assert response.status_code == 401
