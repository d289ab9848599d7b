"""API: malformed or wrong-typed payloads get 4xx naming the field, never 500.

A bounded, reproducible schemathesis run over /api/v1/openapi.json, inside the
suite: every operation gets generated valid and invalid requests (wrong types,
out-of-range numbers, NUL bytes, missing fields, ...) sent through the WSGI
application with a monitor's bearer token, against the test database.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.transport.prepare import get_exclude_headers

from bordermonitor.accounts.services import api_token_create, user_create
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.records import evidence, services
from bordermonitor.tracing import services as tracing
from bordermonitor.wsgi import application
from tests.records.evidence_samples import tiny_jpeg

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

RESOURCE_KIND = {
    "persons": "person",
    "events": "event",
    "sources": "source",
    "attachments": "attachment",
    # tracing (api/tracing.py): run with a coordinator's token, a monitor may not use them
    "missing-reports": "missing_report",
    "cases": "case",
    "interventions": "intervention",
    "deaths": "death",
    "detentions": "detention",
    "tracing": "stats",
}
TRACING = {"missing-reports", "cases", "interventions", "deaths", "detentions", "tracing"}
# An event's date is free text ("March 2024"); generated strings almost never parse,
# so most generated events get one of these to let the rest of the body be checked.
EVENT_DATES = ["2024-03-15", "March 2024", "2023", "2024-01-01..2024-02-15", "~2022-07"]


@pytest.fixture
def fuzz_db(db):
    """Let requests through the raw WSGI handler share the test's transaction.

    Django closes "old" connections at the start and end of every request; inside the
    test's transaction that would break it.  Django's own test client detaches the
    same two receivers for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_context(fuzz_db) -> dict:
    user = user_create(username="fuzz-monitor", role="monitor", password="x", check_password=False)
    _, token = api_token_create(user=user)
    person = services.person_create(
        names=[services.NameInput("Ali Hussein")], created_by=user, nationality="IRQ"
    )
    event = services.event_create(
        date=parse_fuzzy_date("2024-03-15"), created_by=user, place="kuznica"
    )
    source = services.source_create(
        kind="interview",
        received_on=parse_fuzzy_date("2024-03-20").earliest,
        created_by=user,
        events=[event],
        persons=[person],
    )
    attachment = evidence.attachment_create(uploaded_by=user, file=tiny_jpeg(), source=source)
    coordinator = user_create(
        username="fuzz-coordinator", role="coordinator", password="x", check_password=False
    )
    _, tracing_token = api_token_create(user=coordinator)
    report = tracing.missing_report_file(
        person=person, received_on=source.received_on, reporter_relationship="sibling", by=user
    )
    request = tracing.relay_to_authority(
        report.case, "icrc", sent_on=source.received_on, channel="email", by=coordinator
    )
    death = tracing.death_record(
        found=parse_fuzzy_date("2024-01"), confirmation="testimony_only", by=coordinator
    )
    detention = tracing.detention_record(
        person=person, detained_from=source.received_on, facility="tdf-grodno", by=coordinator
    )
    return {
        "headers": {"Authorization": f"Bearer {token}"},
        "tracing_headers": {"Authorization": f"Bearer {tracing_token}"},
        "codes": {
            "person": person.code,
            "event": event.code,
            "source": source.code,
            "attachment": attachment.code,
            "missing_report": report.code,
            "case": report.case.code,
            "intervention": request.code,
            "death": death.code,
            "detention": detention.code,
        },
    }


def _property_names(node, definitions: dict, seen: frozenset = frozenset()) -> set[str]:
    """Every property name anywhere in a JSON schema (following $ref)."""
    names: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            target = definitions.get(ref.rsplit("/", 1)[-1], {})
            names |= _property_names(target, definitions, seen | {ref})
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                names |= set(value)
            names |= _property_names(value, definitions, seen)
    elif isinstance(node, list):
        for item in node:
            names |= _property_names(item, definitions, seen)
    return names


def _known_fields(case) -> set[str]:
    """The names a field error may blame for this operation."""
    definition = case.operation.definition.raw
    components = schema.raw_schema.get("components", {}).get("schemas", {})
    names = {"body"}
    names |= {p["name"] for p in definition.get("parameters", [])}
    names |= _property_names(definition.get("requestBody", {}), components)
    names |= {"limit", "offset"} if case.method == "GET" else set()
    return names


def _field_head(field: str) -> str:
    """ "names.0.full_name" -> the innermost named part "full_name"; "counts" -> "counts"."""
    parts = [p for p in field.split(".") if p and not p.isdigit()]
    return parts[-1] if parts else field


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_never_fails_on_bad_input(case, fuzz_context):
    resource = next(p for p in case.path.strip("/").split("/") if p in RESOURCE_KIND)
    real_code = False
    if "code" in (case.path_parameters or {}):
        generated = str(case.path_parameters["code"])
        # mostly a real record, so bodies reach the services; sometimes the generated code
        if len(generated) % 4 != 3:
            case.path_parameters["code"] = fuzz_context["codes"][RESOURCE_KIND[resource]]
            real_code = True

    body = case.body
    date = body.get("date") if resource == "events" and isinstance(body, dict) else None
    if isinstance(date, str) and len(date) % 4 != 3:
        body["date"] = EVENT_DATES[len(date) % len(EVENT_DATES)]

    headers = fuzz_context["tracing_headers" if resource in TRACING else "headers"]
    response = case.call(headers=headers)
    request = f"{case.method} {response.request.url} body={case.body!r}"
    assert response.status_code < 500, f"{request} -> {response.status_code}: {response.text[:800]}"
    case.validate_response(response, checks=[not_a_server_error])
    if "Authorization" in get_exclude_headers(case):  # a probe without credentials
        assert response.status_code == 401, request
        return
    if response.status_code == 403 and (case.query or {}).get("original") not in (None, False):
        return  # a monitor may not download originals: a role rule, not bad input
    assert response.status_code not in (401, 403), f"{request}: token refused"

    if not 400 <= response.status_code < 500:
        return
    if response.status_code == 405:
        return  # a method the route does not have (no body to name a field in)
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"{request}: {content_type}"
    detail = json.loads(response.text)["detail"]
    if response.status_code == 404:
        assert detail == "not found", request
        assert not real_code, f"{request}: a real record answered 404"
        return
    assert response.status_code in (400, 422), f"{request} -> {response.status_code}"
    assert isinstance(detail, list) and detail, f"{request}: {detail!r} names no field"
    known = _known_fields(case)
    for item in detail:
        assert item.get("message"), f"{request}: {item!r} has no message"
        assert _field_head(item.get("field", "")) in known, (
            f"{request}: {item!r} does not name a field of {case.operation.label} ({known})"
        )
