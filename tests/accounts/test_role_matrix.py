"""Role matrix: every page and API route × every role → allowed or refused as specified.

The routes are read from the URL configuration (and, for the API, from the ninja
operations behind it), never listed by hand: a new route without a rule fails
`test_every_*_route_has_a_rule`, and every rule is then exercised for every role.

Rules:
- public pages (`bordermonitor.urls.PUBLIC_VIEW_NAMES`): anyone, signed in or not;
- logout: any signed-in user;
- every other page: the capability named by `capability_required` on the view;
- Django admin (namespace "admin"): role admin only, through the admin site's own check;
- API operations: the capability named by `api.common.requires` on the handler, and
  only with a valid bearer token; the OpenAPI schema and docs are public (no data),
  the API root answers 404.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from bordermonitor.accounts.models import ApiToken
from bordermonitor.accounts.roles import (
    ADMIN,
    ANALYST,
    CAPABILITIES,
    COORDINATOR,
    LAWYER,
    MONITOR,
    ROLES,
    TRACING_OFFICER,
)
from bordermonitor.accounts.services import api_token_create, api_token_revoke
from bordermonitor.api.v1 import api
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.records import evidence, services
from bordermonitor.urls import PUBLIC_VIEW_NAMES
from tests.records.evidence_samples import tiny_jpeg
from tests.signin import sign_in

ADMIN_NAMESPACE = "admin"
API_NAMESPACE = "api-v1"
API_PREFIX = "/api/v1"
# Pages open to any signed-in user, whatever the role.
SIGNED_IN_VIEW_NAMES = {
    "logout",
    "second-factor",
    "second-factor-enrol",
    "step-up",
    "password-change",
}
# API routes that are not operations: the schema and its docs (no data, public) and
# ninja's root, which only answers 404.
API_PUBLIC_NAMES = {"openapi-json", "openapi-view"}
API_NOT_FOUND_NAMES = {"api-root"}

# The names of the person created for the matrix; the analyst must never see them.
NAMES = ["Qudsiyya Bint-Zaydan", "Кудсия Зайдан"]
NAME_FRAGMENTS = [*NAMES, "Qudsiyya", "Zaydan", "Кудсия", "Зайдан"]

LOGIN_PATH = "/login/"
ADMIN_LOGIN_PATH = "/admin/login/"
ADMIN_SAMPLE_PATHS = ["/admin/", "/admin/core/place/"]


# -- the routes, from the URL configuration --------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str
    namespace: str | None
    name: str | None
    pattern: URLPattern

    @property
    def qualname(self) -> str:
        return f"{self.namespace}:{self.name}" if self.namespace else str(self.name)

    @property
    def callback(self):
        return self.pattern.callback

    def __str__(self) -> str:
        return f"{self.qualname} ({self.route})"


def _walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        else:
            yield Route(prefix + str(entry.pattern), namespace, entry.name, entry)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver()))


def page_routes() -> list[Route]:
    return [r for r in all_routes() if r.namespace not in (ADMIN_NAMESPACE, API_NAMESPACE)]


def admin_routes() -> list[Route]:
    return [r for r in all_routes() if r.namespace == ADMIN_NAMESPACE]


def api_url_routes() -> list[Route]:
    return [r for r in all_routes() if r.namespace == API_NAMESPACE]


def page_rule(route: Route) -> tuple[str, str | None] | None:
    """("public", None), ("signed-in", None), ("capability", cap) or None: no rule."""
    if route.qualname in PUBLIC_VIEW_NAMES:
        return ("public", None)
    if route.namespace is None and route.name in SIGNED_IN_VIEW_NAMES:
        return ("signed-in", None)
    capability = getattr(route.callback, "required_capability", None)
    if capability:
        return ("capability", capability)
    return None


def _admin_site_of(callback) -> Any:
    """The AdminSite a view was built by (views, model-admin views, bound methods)."""
    seen = callback
    while seen is not None:
        site = getattr(seen, "admin_site", None)
        if site is None and getattr(seen, "model_admin", None) is not None:
            site = seen.model_admin.admin_site
        owner = getattr(seen, "__self__", None)
        if site is None and owner is not None:
            site = (
                owner if isinstance(owner, admin.AdminSite) else getattr(owner, "admin_site", None)
            )
        if site is not None:
            return site
        seen = getattr(seen, "__wrapped__", None)
    return None


@dataclass(frozen=True)
class ApiOperation:
    url_name: str
    route: str  # e.g. "/persons/{code}"
    method: str
    operation: Any

    @property
    def capability(self) -> str | None:
        return getattr(self.operation.view_func, "required_capability", None)

    @property
    def resource(self) -> str:
        return self.route.strip("/").split("/")[0]

    def __str__(self) -> str:
        return f"{self.method} {API_PREFIX}{self.route} ({self.url_name})"


def api_operations() -> list[ApiOperation]:
    """Every ninja operation of /api/v1, with the URL name it is served under."""
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            route = "/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
            for operation in path_view.operations:
                url_name = getattr(operation, "url_name", None) or api.get_operation_url_name(
                    operation, router=router
                )
                for method in operation.methods:
                    found.append(ApiOperation(url_name, route, method, operation))
    return found


# -- test data ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Accounts are created per test; their passwords are not what is tested here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def records(monitor) -> dict[str, str]:
    """One person, one event with an act against that person, one source linking both,
    and a photo attached to the source."""
    person = services.person_create(
        names=[services.NameInput(n, "relative") for n in NAMES],
        created_by=monitor,
        sex="f",
        birth=parse_fuzzy_date("1994"),
        nationality="IRQ",
    )
    event = services.event_create(
        date=parse_fuzzy_date("2024-03-15"),
        created_by=monitor,
        title="Pushback near Kuźnica",
        place="kuznica",
        event_types=["pushback"],
        counts=services.GroupCounts(group_size=12, women=3, children=4),
    )
    services.act_create(
        event=event, violation_type="pushback", perpetrator="pl-army", victim=person
    )
    source = services.source_create(
        kind="interview",
        received_on=dt.date(2024, 3, 20),
        created_by=monitor,
        testimony=f"{NAMES[0]} was pushed back twice.",
        events=[event],
        persons=[person],
    )
    attachment = evidence.attachment_create(
        uploaded_by=monitor, file=tiny_jpeg(), name="photo.jpg", source=source
    )
    # tracing: a case opened by a report, a request about it, a body found (issue 4)
    from bordermonitor.tracing import services as tracing

    report = tracing.missing_report_file(
        person=person, received_on=dt.date(2024, 3, 20), reporter_relationship="sibling", by=monitor
    )
    request = tracing.relay_to_authority(
        report.case, "icrc", sent_on=dt.date(2024, 3, 21), channel="email", by=monitor
    )
    death = tracing.death_record(
        found=parse_fuzzy_date("2024-04"), confirmation="testimony_only", by=monitor
    )
    detention = tracing.detention_record(
        person=person, detained_from=dt.date(2024, 3, 25), facility="tdf-grodno", by=monitor
    )
    return {
        "person": person.code,
        "event": event.code,
        "source": source.code,
        "attachment": attachment.code,
        "case": report.case.code,
        "intervention": request.code,
        "death": death.code,
        "missing_report": report.code,
        "detention": detention.code,
    }


CODE_KIND_BY_PREFIX = {
    "person-": "person",
    "event-": "event",
    "act-": "event",
    "source-": "source",
    "evidence-": "attachment",
    "tracing-case-": "case",
    "tracing-intervention-": "intervention",
    "tracing-death-": "death",
    "tracing-detention-": "detention",
}


def page_url(route: Route, records: dict[str, str]) -> str:
    kwargs = {}
    for key in route.pattern.pattern.regex.groupindex:
        if key != "code":
            raise AssertionError(f"{route}: no sample value for URL argument {key!r}")
        kind = next(
            (k for p, k in CODE_KIND_BY_PREFIX.items() if (route.name or "").startswith(p)), None
        )
        if kind is None:
            raise AssertionError(f"{route}: cannot tell which record's code to use")
        kwargs[key] = records[kind]
    return reverse(route.qualname, kwargs=kwargs)


def api_url(op: ApiOperation, records: dict[str, str]) -> str:
    kwargs = {}
    if "{code}" in op.route:
        kinds = {
            "persons": "person",
            "events": "event",
            "sources": "source",
            "attachments": "attachment",
            "missing-reports": "missing_report",
            "cases": "case",
            "interventions": "intervention",
            "deaths": "death",
            "detentions": "detention",
        }
        assert op.resource in kinds, f"{op}: cannot tell which record's code to use"
        kwargs["code"] = records[kinds[op.resource]]
    return reverse(f"{API_NAMESPACE}:{op.url_name}", kwargs=kwargs)


# Write routes that take a file as multipart/form-data instead of a JSON body.
MULTIPART_ROUTES = {"/sources/{code}/attachments", "/events/{code}/attachments"}


def api_payload(op: ApiOperation, records: dict[str, str]) -> dict | None:
    """A valid body for every write operation; a new write route needs one here."""
    if op.method in {"GET", "HEAD", "DELETE"}:
        return None
    if op.route in MULTIPART_ROUTES:
        return {"file": SimpleUploadedFile("photo.jpg", tiny_jpeg(), content_type="image/jpeg")}
    payloads = {
        ("POST", "persons"): {
            "names": [{"full_name": "Test Person", "written_by": "self"}],
            "nationality": "SYR",
        },
        ("PATCH", "persons"): {"notes": "changed"},
        ("POST", "events"): {"date": "2024-03-10", "place": "kuznica", "event_types": ["pushback"]},
        ("PATCH", "events"): {"title": "changed"},
        ("POST", "sources"): {
            "kind": "interview",
            "received_on": "2024-03-21",
            "events": [records["event"]],
            "persons": [records["person"]],
        },
        ("PATCH", "sources"): {"reliability": "high"},
        ("POST", "missing-reports"): {
            "person": records["person"],
            "received_on": "2024-03-22",
            "reporter_relationship": "parent",
        },
        ("POST", "cases"): {"to": "searching", "why": "no answer yet"},
        ("POST", "interventions"): {
            "case": records["case"],
            "recipient": "by-state-border-committee",
            "sent_on": "2024-03-22",
            "channel": "email",
        }
        if "{code}" not in op.route
        else {"answered_on": "2024-04-01", "summary": "no information"},
        ("POST", "deaths"): {"found": "2024-02-03", "confirmation": "official_statement"}
        if "{code}" not in op.route
        else {"person": records["person"]},
        ("POST", "detentions"): {
            "person": records["person"],
            "facility_text": "police station, Grodno",
            "detained_from": "2024-03-25",
        },
    }
    key = (op.method, op.resource)
    assert key in payloads, f"{op}: no valid payload known for this write route"
    return payloads[key]


def call_api(client: Client, op: ApiOperation, records, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    payload = api_payload(op, records)
    url = api_url(op, records)
    if payload is None:
        return client.generic(op.method, url, headers=headers)
    if op.route in MULTIPART_ROUTES:
        assert op.method == "POST", f"{op}: multipart bodies are sent with POST"
        return client.post(url, payload, headers=headers)
    return client.generic(
        op.method, url, json.dumps(payload), content_type="application/json", headers=headers
    )


def readable_text(response) -> str:
    """The body as a person would read it: HTML entities and JSON escapes undone."""
    text = response.content.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        with contextlib.suppress(ValueError):
            text += "\n" + json.dumps(json.loads(text), ensure_ascii=False)
    return text + "\n" + html.unescape(text)


def names_in(response) -> list[str]:
    text = readable_text(response)
    return [n for n in NAME_FRAGMENTS if n in text]


def is_redirect_to(response, path: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(path)


# -- 1. every route has a rule -----------------------------------------------------------


def test_the_url_configuration_is_walked():
    """The walk finds pages, admin and API routes (so the matrix cannot pass empty)."""
    names = {r.qualname for r in all_routes()}
    assert {"dashboard", "person-detail", "act-create", "admin:index"} <= names
    assert {f"{API_NAMESPACE}:list_persons", f"{API_NAMESPACE}:update_source"} <= names
    assert len(api_operations()) >= 12


def test_every_page_route_has_a_rule():
    missing, unknown = [], []
    for route in page_routes():
        rule = page_rule(route)
        if rule is None:
            missing.append(str(route))
        elif rule[0] == "capability" and rule[1] not in CAPABILITIES:
            unknown.append(f"{route}: {rule[1]}")
    assert not missing, f"routes without an access rule: {missing}"
    assert not unknown, f"routes naming an unknown capability: {unknown}"


def test_public_pages_are_exactly_the_allow_list():
    """Every public name exists; nothing else is marked login-exempt outside admin and API."""
    names = {r.qualname for r in all_routes()}
    assert names >= PUBLIC_VIEW_NAMES
    exempt = {
        r.qualname for r in page_routes() if getattr(r.callback, "login_required", True) is False
    }
    assert exempt <= PUBLIC_VIEW_NAMES, f"login-exempt pages not on the allow-list: {exempt}"


def test_every_admin_route_belongs_to_the_admin_site():
    site = getattr(admin.site, "_wrapped", admin.site)  # admin.site is a lazy proxy
    assert isinstance(site, admin.AdminSite)
    strays = [str(r) for r in admin_routes() if _admin_site_of(r.callback) is not site]
    assert not strays, f"routes in the admin namespace not served by admin.site: {strays}"
    assert CAPABILITIES["admin.site"] == frozenset({ADMIN})


def test_every_api_route_has_a_rule():
    ops_by_name = {op.url_name: op for op in api_operations()}
    missing, unknown = [], []
    for route in api_url_routes():
        if route.name in API_PUBLIC_NAMES | API_NOT_FOUND_NAMES:
            continue
        op = ops_by_name.get(route.name)
        if op is None:
            missing.append(f"{route}: not a known API operation")
        elif op.capability is None:
            missing.append(str(route))
        elif op.capability not in CAPABILITIES:
            unknown.append(f"{route}: {op.capability}")
    for op in api_operations():
        if op.capability is None:
            missing.append(str(op))
    assert not missing, f"API routes without @requires(capability): {missing}"
    assert not unknown, f"API routes naming an unknown capability: {unknown}"


def test_the_openapi_schema_lists_exactly_the_guarded_operations():
    schema = api.get_openapi_schema()
    documented = {
        (method.upper(), path, spec["operationId"])
        for path, methods in schema["paths"].items()
        for method, spec in methods.items()
    }
    known = {
        (op.method, API_PREFIX + op.route, api.get_openapi_operation_id(op.operation))
        for op in api_operations()
    }
    assert documented == known
    for op in api_operations():
        assert op.capability in CAPABILITIES, str(op)


def test_the_analyst_reads_published_figures_and_no_personal_data():
    """Issue 3: the analyst counts from what sources consented to publish, never people."""
    assert ANALYST in CAPABILITIES["published.view"]
    personal = {"persons.view", "events.view", "sources.view", "evidence.view"}
    assert not {cap for cap in personal if ANALYST in CAPABILITIES[cap]}
    published = [op for op in api_operations() if op.capability == "published.view"]
    assert [str(op) for op in published] == ["GET /api/v1/published/events (list_published_events)"]


# -- 2. pages × roles --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_pages_for_role(role, users, records):
    client = Client()
    sign_in(client, users[role])
    wrong = []
    for route in page_routes():
        kind, capability = page_rule(route)
        url = page_url(route, records)
        response = client.get(url)
        status = response.status_code
        if kind == "public":
            ok = status == 200 or (status == 302 and not is_redirect_to(response, LOGIN_PATH))
        elif kind == "signed-in":
            ok = status != 403 and not is_redirect_to(response, LOGIN_PATH)
        elif role in CAPABILITIES[capability]:
            ok = status == 200 or (status == 405 and "GET" not in response["Allow"])
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{route} {url}: {status} for {role} (rule {kind} {capability or ''})")
        if role == ANALYST and names_in(response):
            wrong.append(f"{route} {url}: shows a name to the analyst: {names_in(response)}")
    assert not wrong, "\n".join(wrong)


def test_pages_for_anonymous(client, records):
    wrong = []
    for route in page_routes():
        kind, _ = page_rule(route)
        url = page_url(route, records)
        response = client.get(url)
        if kind == "public":
            ok = response.status_code == 200
        else:
            ok = is_redirect_to(response, LOGIN_PATH)
        if not ok:
            wrong.append(f"{route} {url}: {response.status_code} for anonymous")
        if names_in(response):
            wrong.append(f"{route} {url}: shows a name to anonymous")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_logout_for_any_signed_in_user(role, users):
    client = Client()
    sign_in(client, users[role])
    assert client.get(reverse("dashboard")).status_code == 200
    response = client.post(reverse("logout"))
    assert is_redirect_to(response, LOGIN_PATH)
    assert is_redirect_to(client.get(reverse("dashboard")), LOGIN_PATH)


@pytest.mark.parametrize("role", [*ROLES, None])
def test_admin_site_for_role(role, users):
    client = Client()
    if role is not None:
        sign_in(client, users[role])
    for path in ADMIN_SAMPLE_PATHS:
        response = client.get(path)
        if role == ADMIN:
            assert response.status_code == 200, (path, role)
        elif role is None:  # the site's own views send to the admin sign-in, others to ours
            assert is_redirect_to(response, ADMIN_LOGIN_PATH) or is_redirect_to(
                response, LOGIN_PATH
            ), (path, response.status_code)
        else:  # signed in without is_staff: the admin site refuses and asks to sign in
            assert is_redirect_to(response, ADMIN_LOGIN_PATH), (path, role, response.status_code)
    # the admin sign-in page itself is public
    assert reverse("admin:login") == ADMIN_LOGIN_PATH
    if role is None:
        assert client.get(ADMIN_LOGIN_PATH).status_code == 200


def test_the_monitor_does_see_the_names(users, records):
    """The analyst checks above would pass vacuously if names never reached a body."""
    client = Client()
    sign_in(client, users[MONITOR])
    response = client.get(reverse("person-detail", kwargs={"code": records["person"]}))
    assert response.status_code == 200
    assert set(NAMES) <= set(names_in(response))


# -- 3. API operations × roles -----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_for_role(role, users, records):
    _, token = api_token_create(user=users[role])
    client = Client()
    wrong, seen_names = [], []
    for op in api_operations():
        response = call_api(client, op, records, token)
        status = response.status_code
        allowed = role in CAPABILITIES[op.capability]
        ok = status in (200, 201) if allowed else status == 403
        if not ok:
            wrong.append(f"{op}: {status} for {role} ({op.capability}): {response.content[:300]}")
        seen_names += names_in(response)
    assert not wrong, "\n".join(wrong)
    if role == ANALYST:
        assert not seen_names, f"the analyst received names: {seen_names}"
    if role == MONITOR:
        assert set(NAMES) <= set(seen_names)  # the check above can fail


def test_api_without_a_token_is_401(client, records, monitor):
    sign_in(client, monitor)  # a page session is not an API credential
    wrong = []
    for op in api_operations():
        for token in (None, "", "bm_not-a-real-token"):
            response = call_api(client, op, records, token)
            if response.status_code != 401:
                wrong.append(f"{op} with token {token!r}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_api_public_and_root_routes(client):
    for route in api_url_routes():
        if route.name in API_PUBLIC_NAMES:
            assert client.get(reverse(route.qualname)).status_code == 200, route
        elif route.name in API_NOT_FOUND_NAMES:
            assert client.get(reverse(route.qualname)).status_code == 404, route


@pytest.mark.parametrize("how", ["revoked", "expired", "user deactivated"])
def test_api_with_an_unusable_token_is_401(how, users, records):
    user = users[MONITOR]
    token, secret = api_token_create(user=user)
    client = Client()
    op = next(o for o in api_operations() if o.url_name == "read_person")
    assert call_api(client, op, records, secret).status_code == 200  # usable before
    if how == "revoked":
        api_token_revoke(token=token)
    elif how == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    else:
        user.is_active = False
        user.save()
    wrong = []
    for op in api_operations():
        response = call_api(client, op, records, secret)
        if response.status_code != 401:
            wrong.append(f"{op}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_tracing_capabilities():
    """Relatives' contacts and cases: tracing officer, coordinator, and the lawyer (read,
    and detentions); the analyst and the monitor only get the tracing figures."""
    assert CAPABILITIES["tracing.view"] == {COORDINATOR, TRACING_OFFICER, LAWYER}
    assert CAPABILITIES["tracing.edit"] == {COORDINATOR, TRACING_OFFICER}
    assert CAPABILITIES["detentions.edit"] == {COORDINATOR, TRACING_OFFICER, LAWYER}
    assert CAPABILITIES["tracing.stats"] == set(ROLES)
    for capability in ("tracing.view", "tracing.edit", "detentions.edit"):
        assert ANALYST not in CAPABILITIES[capability]
        assert MONITOR not in CAPABILITIES[capability]
