"""/api/v1 as a script would use it: a monitor's bearer token, JSON in and out."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from bordermonitor.accounts.services import api_token_create
from bordermonitor.records.models import Event, Person, Source
from tests.signin import sign_in

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Accounts are created per test; their passwords are not what is tested here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Api:
    """A test client that sends the bearer token and JSON, and decodes the answer."""

    def __init__(self, token: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, body=None, **params):
        url = API + path
        if method == "GET":
            response = self.client.get(url, params, headers=self.headers)
        else:
            response = self.client.generic(
                method,
                url,
                json.dumps(body),
                content_type="application/json",
                headers=self.headers,
            )
        data = json.loads(response.content) if response.content else None
        return response.status_code, data

    def get(self, path: str, **params):
        return self._call("GET", path, **params)

    def post(self, path: str, body):
        return self._call("POST", path, body)

    def patch(self, path: str, body):
        return self._call("PATCH", path, body)


@pytest.fixture
def api(monitor) -> Api:
    _, token = api_token_create(user=monitor)
    return Api(token)


def fields_of(data) -> set[str]:
    """The field names an error response blames."""
    assert isinstance(data["detail"], list), data
    return {item["field"] for item in data["detail"]}


def new_person(api: Api, name: str, **extra) -> dict:
    status, data = api.post("/persons", {"names": [{"full_name": name}], **extra})
    assert status == 201, data
    return data


def new_event(api: Api, date: str, **extra) -> dict:
    status, data = api.post("/events", {"date": date, **extra})
    assert status == 201, data
    return data


# -- persons -----------------------------------------------------------------------------


def test_person_create_read_update(api):
    status, created = api.post(
        "/persons",
        {
            "names": [{"full_name": "Мухаммед Аль-Хасан", "written_by": "self"}],
            "sex": "m",
            "birth": "1990-05",
            "nationality": "IRQ",
            "languages": ["ar", "ku"],
            "vulnerabilities": ["disabled"],
            "notes": "Met at the Kuźnica crossing.",
        },
    )
    assert status == 201, created
    code = created["code"]
    assert re.fullmatch(r"P-\d{4}-\d{5}", code)
    assert created["names"] == [
        {
            "full_name": "Мухаммед Аль-Хасан",
            "script": "cyrillic",
            "written_by": "self",
            "is_primary": True,
        }
    ]
    assert created["birth_earliest"] == "1990-05-01"
    assert created["birth_latest"] == "1990-05-31"
    assert created["nationality"] == "IRQ"
    assert created["languages"] == ["ar", "ku"]

    status, read = api.get(f"/persons/{code}")
    assert status == 200
    assert read == created

    status, updated = api.patch(
        f"/persons/{code}",
        {
            "names": [
                {"full_name": "Мухаммед Аль-Хасан", "written_by": "self", "is_primary": True},
                {"full_name": "Muhammad al-Hasan", "written_by": "polish_official"},
            ],
            "notes": "Second interview planned.",
            "estimated_age": 34,
        },
    )
    assert status == 200, updated
    assert [n["full_name"] for n in updated["names"]] == [
        "Мухаммед Аль-Хасан",
        "Muhammad al-Hasan",
    ]
    assert updated["names"][1]["script"] == "latin"
    assert updated["notes"] == "Second interview planned."
    assert updated["estimated_age"] == 34
    # what was not sent is left as it was
    assert updated["sex"] == "m"
    assert updated["nationality"] == "IRQ"
    assert updated["birth_earliest"] == "1990-05-01"
    assert api.get(f"/persons/{code}") == (200, updated)


def test_person_list_paginates(api):
    codes = [new_person(api, f"Person Number{i}")["code"] for i in range(5)]

    status, page = api.get("/persons", limit=2)
    assert status == 200
    assert page["count"] == 5
    assert len(page["items"]) == 2

    seen = []
    for offset in (0, 2, 4):
        status, page = api.get("/persons", limit=2, offset=offset)
        assert status == 200 and page["count"] == 5
        seen += [p["code"] for p in page["items"]]
    assert sorted(seen) == sorted(codes)  # every person once, none twice

    status, page = api.get("/persons", limit=2, offset=10)
    assert status == 200 and page == {"items": [], "count": 5}

    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "many"}):
        status, data = api.get("/persons", **bad)
        assert status == 422, (bad, data)
        assert fields_of(data) == set(bad), (bad, data)


def test_person_list_filters_by_nationality(api):
    iraqi = new_person(api, "Ali Hussein", nationality="IRQ")
    new_person(api, "Rahel Tesfaye", nationality="ERI")
    new_person(api, "No Nationality")

    status, page = api.get("/persons", nationality="IRQ")
    assert status == 200
    assert [p["code"] for p in page["items"]] == [iraqi["code"]]
    assert page["count"] == 1
    assert api.get("/persons", nationality="AFG")[1]["count"] == 0


def test_person_name_search_across_scripts(api):
    person = new_person(api, "Мухаммед Аль-Хасан")
    new_person(api, "Ahmad Karimi")

    for query in ("mukhammed", "Мухаммед", "МУХАММЕД", "mukhammed khasan"):
        status, page = api.get("/persons", name=query)
        assert status == 200
        assert [p["code"] for p in page["items"]] == [person["code"]], query
    for query in ("mukhamed", "Ahmad Мухаммед", "nobody"):
        assert api.get("/persons", name=query)[1]["count"] == 0, query


# -- events ------------------------------------------------------------------------------


def test_event_create_read_update(api):
    status, created = api.post(
        "/events",
        {
            "date": "March 2024",
            "title": "Group pushed back near Kuźnica",
            "place": "kuznica",
            "latitude": "53.74512",
            "longitude": "23.6401",
            "event_types": ["pushback", "violence"],
            "description": "Twelve people, three of them children.",
            "counts": {"group_size": 12, "women": 4, "men": 5, "children": 3},
        },
    )
    assert status == 201, created
    code = created["code"]
    assert re.fullmatch(r"E-2024-\d{5}", code), code
    assert created["date_precision"] == "month"
    assert (created["date_earliest"], created["date_latest"]) == ("2024-03-01", "2024-03-31")
    assert created["place"] == "kuznica"
    assert (created["latitude"], created["longitude"]) == ("53.74512", "23.64010")
    assert created["side"] == "PL"  # from the place
    assert created["border_section"] is not None
    assert sorted(created["event_types"]) == ["pushback", "violence"]
    assert created["counts"] == {"group_size": 12, "women": 4, "men": 5, "children": 3}

    assert api.get(f"/events/{code}") == (200, created)
    # the list says the same as the event's own page, description and all
    assert api.get("/events")[1]["items"] == [created]

    status, updated = api.patch(f"/events/{code}", {"title": "Pushback at Kuźnica", "side": "BY"})
    assert status == 200, updated
    assert updated["title"] == "Pushback at Kuźnica"
    assert updated["side"] == "BY"
    # the rest of the event is unchanged by a partial update
    assert updated["date_precision"] == "month"
    assert updated["place"] == "kuznica"
    assert sorted(updated["event_types"]) == ["pushback", "violence"]
    assert updated["counts"] == created["counts"]
    assert updated["description"] == created["description"]

    # a partial `counts` changes only the counts it names
    status, updated = api.patch(f"/events/{code}", {"counts": {"children": 2}})
    assert status == 200, updated
    assert updated["counts"] == {"group_size": 12, "women": 4, "men": 5, "children": 2}
    body = {"counts": {"children": 4}}
    _refused(api, "patch", f"/events/{code}", body, 400, "group_size")  # 4 + 5 + 4 > 12
    assert api.get(f"/events/{code}")[1]["counts"]["children"] == 2

    status, updated = api.patch(f"/events/{code}", {"date": "2024-03-14"})
    assert status == 200
    assert (updated["date_precision"], updated["date_earliest"]) == ("day", "2024-03-14")


def _event_codes(api, **params) -> set[str]:
    status, page = api.get("/events", limit=500, **params)
    assert status == 200, page
    return {e["code"] for e in page["items"]}


def test_event_date_filter_keeps_events_that_may_fall_in_the_period(api):
    march = new_event(api, "March 2024")["code"]
    day = new_event(api, "2024-04-02")["code"]

    # "March 2024" may fall on any day of March: it overlaps a window inside March
    assert _event_codes(api, date_from="2024-03-10", date_to="2024-03-12") == {march}
    assert _event_codes(api, date_from="2024-03-31") == {march, day}
    assert _event_codes(api, date_to="2024-03-01") == {march}
    assert _event_codes(api, date_from="2024-04-01") == {day}
    assert _event_codes(api, date_to="2024-02-29") == set()
    assert _event_codes(api, date_from="2024-04-03") == set()

    status, data = api.get("/events", date_from="2024-02-30")
    assert status == 422
    assert fields_of(data) == {"date_from"}


def test_event_filters_side_and_type(api):
    polish = new_event(api, "2024-05-01", place="kuznica", event_types=["pushback"])["code"]
    lithuanian = new_event(api, "2024-05-02", side="LT", event_types=["apprehension"])["code"]
    belarusian = new_event(api, "2024-05-03", side="BY", event_types=["pushback", "violence"])

    assert _event_codes(api, side="LT") == {lithuanian}
    assert _event_codes(api, side="PL") == {polish}
    assert _event_codes(api, event_type="pushback") == {polish, belarusian["code"]}
    assert _event_codes(api, event_type="violence") == {belarusian["code"]}
    assert _event_codes(api, event_type="pushback", side="BY") == {belarusian["code"]}
    assert _event_codes(api, event_type="death") == set()


def _act(event_code: str, violation_type: str, perpetrator: str, victim: str | None = None, **kw):
    """Acts have no API route of their own yet: record them through the service."""
    from bordermonitor.records import services

    return services.act_create(
        event=Event.objects.get(code=event_code),
        violation_type=violation_type,
        perpetrator=perpetrator,
        victim=Person.objects.get(code=victim) if victim else None,
        **kw,
    )


@pytest.fixture
def finding(api) -> dict:
    """Two people, three events with acts, a source: what the finding tests search."""
    syrian = new_person(
        api, "Rahel Haddad", nationality="SYR", sex="f", vulnerabilities=["pregnant"]
    )
    afghan = new_person(api, "Ahmad Karimi", nationality="AFG", sex="m")
    kuznica = new_event(api, "2024-03-15", place="kuznica", event_types=["pushback"])["code"]
    _act(kuznica, "pushback", "pl-border-guard", syrian["code"])
    group = _act(kuznica, "dog-attack", "pl-border-guard", victim_group_count=5)
    type(group).objects.filter(pk=group.pk).update(victim_group_vulnerabilities=["child"])
    march = new_event(api, "March 2024", side="LT", event_types=["apprehension"])["code"]
    _act(march, "beating", "lt-sbgs", afghan["code"])
    bruzgi = new_event(api, "2024-04-02", place="bruzgi")["code"]
    status, _ = api.post(
        "/sources", {"kind": "media", "received_on": "2024-04-03", "events": [bruzgi]}
    )
    assert status == 201
    return {
        "kuznica": kuznica,
        "march": march,
        "bruzgi": bruzgi,
        "syrian": syrian["code"],
        "afghan": afghan["code"],
    }


def test_event_list_nests_acts_and_victims_by_code_never_by_name(api, finding):
    status, page = api.get("/events", place="kuznica")
    assert status == 200, page
    (event,) = page["items"]
    assert event["acts"] == [
        {
            "violation_type": "pushback",
            "perpetrator": "pl-border-guard",
            "victim": {"code": finding["syrian"], "nationality": "SYR", "sex": "f"},
            "victim_group": None,
        },
        {
            "violation_type": "dog-attack",
            "perpetrator": "pl-border-guard",
            "victim": None,
            "victim_group": {
                "count": 5,
                "women": None,
                "men": None,
                "children": None,
                "vulnerabilities": ["child"],
            },
        },
    ]
    assert api.get(f"/events/{finding['kuznica']}")[1]["acts"] == event["acts"]
    everything = json.dumps(api.get("/events", limit=500)[1], ensure_ascii=False)
    assert "Rahel" not in everything and "Haddad" not in everything


def test_event_list_is_exactly_what_its_schema_says(api, finding):
    """The list is sent without ninja validating it again: the body must be what the
    documented `PagedEventOut` makes of it, field for field."""
    from bordermonitor.api.schemas import PagedEventOut

    status, page = api.get("/events", limit=500)
    assert status == 200, page
    assert len(page["items"]) == 3
    assert PagedEventOut.model_validate(page).model_dump(mode="json") == page
    schema = api.client.get(f"{API}/openapi.json").json()
    get = schema["paths"]["/api/v1/events"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PagedEventOut"
    }
    assert {"limit", "offset", "vulnerability"} <= {p["name"] for p in get["parameters"]}


def test_event_filters_on_acts_victims_and_sources(api, finding):
    f = finding
    assert _event_codes(api, violation_type="pushback") == {f["kuznica"]}
    assert _event_codes(api, perpetrator="pl-border-guard") == {f["kuznica"]}
    assert _event_codes(api, perpetrator="lt-sbgs") == {f["march"]}
    assert _event_codes(api, violation_type="dog-attack", nationality="SYR") == set()  # one act
    assert _event_codes(api, nationality="SYR") == {f["kuznica"]}
    assert _event_codes(api, nationality="AFG") == {f["march"]}
    assert _event_codes(api, vulnerability="pregnant") == {f["kuznica"]}  # the person's flag
    assert _event_codes(api, vulnerability="child") == {f["kuznica"]}  # the group's flag
    assert _event_codes(api, vulnerability="disabled") == set()
    assert _event_codes(api, source_kind="media") == {f["bruzgi"]}
    assert _event_codes(api, source_kind="interview") == set()
    assert _event_codes(api, victim_name="haddad") == {f["kuznica"]}
    assert _event_codes(api, victim_name="Карими") == {f["march"]}
    assert _event_codes(api, victim_name="nobody") == set()
    march = {"date_from": "2024-03-10", "date_to": "2024-03-20"}
    assert _event_codes(api, **march) == {f["kuznica"], f["march"]}
    assert _event_codes(api, **march, date_mode="overlap") == {f["kuznica"], f["march"]}
    assert _event_codes(api, **march, date_mode="within") == {f["kuznica"]}

    status, data = api.get("/events", date_mode="sometime")
    assert status == 422
    assert fields_of(data) == {"date_mode"}
    status, data = api.get("/events", vulnerability='"child"')
    assert status == 422
    assert fields_of(data) == {"vulnerability"}


def test_event_list_count_may_be_capped(api, finding, monkeypatch):
    from bordermonitor.records import selectors

    status, page = api.get("/events", perpetrator="pl-border-guard")
    assert (status, page["count"], page["count_exact"]) == (200, 1, True)
    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    new_event(api, "2024-05-01", place="kuznica")
    _act(
        api.get("/events", date_from="2024-05-01")[1]["items"][0]["code"],
        "pushback",
        "pl-army",
        victim_group_count=2,
    )
    status, page = api.get("/events", violation_type="pushback")
    assert (status, page["count"], page["count_exact"]) == (200, 1, False)
    assert len(page["items"]) == 2  # every match is listed; only the count stops
    status, page = api.get("/events", place="kuznica")  # the event's own columns
    assert (page["count"], page["count_exact"]) == (2, True)


def test_event_pages_of_a_long_list_are_the_same_near_and_deep(api, finding, monkeypatch):
    """Past the first rows of a long list, events are looked up by key instead of walked
    newest first: the pages must not change with the way they are found."""
    from bordermonitor.records import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    for date in ("2024-05-01", "2024-05-02", "2024-05-03"):
        code = new_event(api, date)["code"]
        group = _act(code, "pushback", "pl-army", victim_group_count=2)
        type(group).objects.filter(pk=group.pk).update(victim_group_vulnerabilities=["child"])
    status, whole = api.get("/events", vulnerability="child", limit=10)
    assert (status, whole["count"], whole["count_exact"]) == (200, 1, False)
    codes = [e["code"] for e in whole["items"]]
    assert len(codes) == 4 and codes[-1] == finding["kuznica"]  # newest first
    for walk_rows in (100, 1):  # walked, then looked up by key
        monkeypatch.setattr(selectors, "WALK_ROWS", walk_rows)
        pages = [api.get("/events", vulnerability="child", limit=2, offset=o)[1] for o in (0, 2)]
        assert [e["code"] for p in pages for e in p["items"]] == codes, walk_rows
        assert pages[1]["items"] == whole["items"][2:]


def test_person_timeline(api, finding):
    from bordermonitor.records.models import Source

    syrian = finding["syrian"]
    earlier = new_event(api, "2023", side="PL")["code"]
    _act(earlier, "pushback", "pl-border-guard", syrian)
    status, _ = api.post(
        "/sources", {"kind": "interview", "received_on": "2024-03-20", "persons": [syrian]}
    )
    assert status == 201
    source = Source.objects.get(kind="interview").code

    status, data = api.get(f"/persons/{syrian}/timeline")
    assert status == 200, data
    assert data["code"] == syrian
    assert [(e["kind"], e["code"]) for e in data["entries"]] == [
        ("event", earlier),
        ("event", finding["kuznica"]),
        ("source", source),
        ("record", syrian),
    ]
    first = data["entries"][0]
    assert (first["date"], first["date_earliest"], first["date_latest"]) == (
        "2023",
        "2023-01-01",
        "2023-12-31",
    )
    assert first["date_precision"] == "year"
    assert data["entries"][1]["summary"].startswith("pushback by Polish Border Guard")
    assert "Rahel" not in json.dumps(data, ensure_ascii=False)

    assert api.get("/persons/P-2024-99999/timeline") == (404, {"detail": "not found"})


def test_person_timeline_is_refused_to_the_analyst(users, finding):
    _, token = api_token_create(user=users["analyst"])
    status, _ = Api(token).get(f"/persons/{finding['syrian']}/timeline")
    assert status == 403


# -- sources -----------------------------------------------------------------------------


def test_source_create_read_update_list(api):
    person = new_person(api, "Ali Hussein")["code"]
    event = new_event(api, "2024-03-15", place="kuznica")["code"]
    status, created = api.post(
        "/sources",
        {
            "kind": "interview",
            "received_on": "2024-03-20",
            "reliability": "medium",
            "language": "ar",
            "interpreter_used": True,
            "consent": {"quote": True, "share_un": True, "internal_only": False},
            "testimony": "They took our phones and pushed us back.",
            "events": [event],
            "persons": [person],
        },
    )
    assert status == 201, created
    code = created["code"]
    assert re.fullmatch(r"S-2024-\d{5}", code), code
    assert created["consent"] == {
        "quote": True,
        "share_un": True,
        "publish_anonymously": False,
        "internal_only": False,
    }
    assert created["events"] == [event]
    assert created["persons"] == [person]
    assert api.get(f"/sources/{code}") == (200, created)

    status, updated = api.patch(f"/sources/{code}", {"reliability": "high", "persons": []})
    assert status == 200, updated
    assert updated["reliability"] == "high"
    assert updated["persons"] == []
    assert updated["events"] == [event]  # links not sent are kept
    assert updated["testimony"] == created["testimony"]
    assert updated["consent"] == created["consent"]

    new_source = api.post("/sources", {"kind": "media", "received_on": "2024-03-22"})
    assert new_source[0] == 201
    assert new_source[1]["consent"]["internal_only"] is True  # the safe default

    status, page = api.get("/sources", kind="media")
    assert status == 200
    assert [s["code"] for s in page["items"]] == [new_source[1]["code"]]
    assert api.get("/sources")[1]["count"] == 2
    status, page = api.get("/sources", received_from="2024-03-21")
    assert [s["code"] for s in page["items"]] == [new_source[1]["code"]]


# -- refusals name the field -------------------------------------------------------------


def _refused(api, method: str, path: str, body: dict, status: int, field: str) -> str:
    """Send, expect `status` blaming `field`; nothing is written. Returns the message."""
    before = (Person.objects.count(), Event.objects.count(), Source.objects.count())
    got, data = getattr(api, method)(path, body)
    assert got == status, (body, got, data)
    assert field in fields_of(data), (body, data)
    assert (Person.objects.count(), Event.objects.count(), Source.objects.count()) == before
    return next(d["message"] for d in data["detail"] if d["field"] == field)


def test_impossible_date_is_refused(api):
    message = _refused(api, "post", "/events", {"date": "2024-02-30"}, 422, "date")
    assert "29 days" in message
    person = {"names": [{"full_name": "A B"}], "birth": "2023-02-29"}
    assert "28 days" in _refused(api, "post", "/persons", person, 422, "birth")
    source = {"kind": "interview", "received_on": "2024-02-30"}
    _refused(api, "post", "/sources", source, 422, "received_on")


def test_future_event_date_is_refused(api):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    message = _refused(api, "post", "/events", {"date": tomorrow}, 400, "date")
    assert "future" in message
    code = new_event(api, "2024-01-05")["code"]
    _refused(api, "patch", f"/events/{code}", {"date": tomorrow}, 400, "date")
    assert api.get(f"/events/{code}")[1]["date_earliest"] == "2024-01-05"


def test_unknown_nationality_is_refused(api):
    body = {"names": [{"full_name": "A B"}], "nationality": "XYZ"}
    assert "XYZ" in _refused(api, "post", "/persons", body, 400, "nationality")
    code = new_person(api, "C D", nationality="IRQ")["code"]
    _refused(api, "patch", f"/persons/{code}", {"nationality": "XYZ"}, 400, "nationality")
    assert api.get(f"/persons/{code}")[1]["nationality"] == "IRQ"


def test_unknown_place_and_vocabulary_are_refused(api):
    assert "atlantis" in _refused(
        api, "post", "/events", {"date": "2024-03-01", "place": "atlantis"}, 400, "place"
    )
    body = {"date": "2024-03-01", "event_types": ["pushback", "teleportation"]}
    _refused(api, "post", "/events", body, 400, "event_types")
    body = {"names": [{"full_name": "A B"}], "languages": ["klingon"]}
    _refused(api, "post", "/persons", body, 400, "languages")


def test_internal_only_source_cannot_be_quoted(api):
    body = {
        "kind": "interview",
        "received_on": "2024-03-20",
        "consent": {"quote": True, "internal_only": True},
    }
    _refused(api, "post", "/sources", body, 400, "internal_only")
    status, created = api.post("/sources", {"kind": "interview", "received_on": "2024-03-20"})
    assert status == 201
    code = created["code"]
    # a partial consent is merged into the current one, which is internal-only
    _refused(api, "patch", f"/sources/{code}", {"consent": {"quote": True}}, 400, "internal_only")
    status, updated = api.patch(
        f"/sources/{code}", {"consent": {"share_un": True, "internal_only": False}}
    )
    assert status == 200, updated
    assert updated["consent"] == {
        "quote": False,
        "share_un": True,
        "publish_anonymously": False,
        "internal_only": False,
    }
    status, updated = api.patch(f"/sources/{code}", {"consent": {"quote": True}})
    assert status == 200, updated
    assert updated["consent"]["quote"] is True
    assert updated["consent"]["share_un"] is True


def test_group_counts_must_add_up(api):
    body = {"date": "2024-03-01", "counts": {"group_size": 5, "women": 3, "children": 3}}
    message = _refused(api, "post", "/events", body, 400, "group_size")
    assert "6" in message
    body["counts"]["children"] = 2
    assert api.post("/events", body)[0] == 201


def test_nul_bytes_are_refused(api):
    _refused(api, "post", "/events", {"date": "2024-03-01", "title": "a\x00b"}, 422, "title")
    body = {"names": [{"full_name": "Ali\x00Hussein"}]}
    _refused(api, "post", "/persons", body, 422, "names.0.full_name")
    body = {"kind": "interview", "received_on": "2024-03-20", "testimony": "\x00"}
    _refused(api, "post", "/sources", body, 422, "testimony")
    code = new_person(api, "Ali Hussein")["code"]
    _refused(api, "patch", f"/persons/{code}", {"notes": "x\x00"}, 422, "notes")


def test_links_to_unknown_records_are_refused(api):
    body = {"kind": "interview", "received_on": "2024-03-20", "persons": ["P-2024-99999"]}
    _refused(api, "post", "/sources", body, 400, "persons")


def test_wrong_types_are_refused_with_the_field(api):
    _refused(api, "post", "/events", {"date": 2024, "counts": {"women": "x"}}, 422, "counts.women")
    _refused(api, "post", "/persons", {"names": []}, 422, "names")
    _refused(api, "post", "/sources", {"kind": "rumour", "received_on": "2024-03-01"}, 422, "kind")


@pytest.mark.parametrize("resource", ["persons", "events", "sources"])
@pytest.mark.parametrize("code", ["P-2024-99999", "E-2024-99999", "S-2024-99999", "nonsense"])
def test_unknown_code_is_404(api, resource, code):
    assert api.get(f"/{resource}/{code}") == (404, {"detail": "not found"})
    assert api.patch(f"/{resource}/{code}", {})[0] == 404


def test_openapi_lists_the_routes(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "get" in schema["paths"]["/api/v1/persons/{code}/timeline"]
    for path in ("/api/v1/persons", "/api/v1/events", "/api/v1/sources"):
        assert {"get", "post"} <= set(schema["paths"][path]), path
        assert {"get", "patch"} <= set(schema["paths"][path + "/{code}"]), path
    assert "BearerToken" in json.dumps(schema["components"]["securitySchemes"])


def test_answers_are_in_english_whatever_the_language_asked(monitor):
    """Scripts compare the strings they get back: a Russian browser locale, or an
    account whose interface is Russian, must not turn "March 2024" into "Март 2024"."""
    monitor.language = "ru"
    monitor.save(update_fields=["language"])
    _, token = api_token_create(user=monitor)
    api = Api(token)
    sign_in(api.client, monitor)  # the session would switch the web pages to Russian
    api.headers["Accept-Language"] = "ru"

    created = new_event(api, "March 2024", title="near Kuźnica")
    assert "март 2024" in api.client.get("/events/").content.decode()  # the pages are Russian
    assert created["date"] == "March 2024"
    assert api.get(f"/events/{created['code']}")[1]["date"] == "March 2024"
    status, page = api.get("/events")
    assert status == 200, page
    assert [e["date"] for e in page["items"]] == ["March 2024"]

    person = new_person(api, "Hawre Aziz")
    status, timeline = api.get(f"/persons/{person['code']}/timeline")
    assert status == 200, timeline
    assert timeline["entries"][0]["summary"] == "record opened"

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    message = _refused(api, "post", "/events", {"date": tomorrow.isoformat()}, 400, "date")
    assert message == f"{tomorrow.day} {tomorrow:%B %Y} is in the future", message

    response = api.client.get(f"{API}/events", headers=api.headers)
    assert response.headers["Content-Language"] == "en"
