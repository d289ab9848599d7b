"""Web hardening: what every response tells the browser, and what errors reveal.

- a Content-Security-Policy with nothing inline and nothing from elsewhere;
- frame denial, a strict referrer policy, no MIME sniffing;
- signed-in pages and API answers are never stored (`Cache-Control: no-store`);
- sign-out clears the site's cache, cookies and storage in the browser;
- cookies are HttpOnly, and Secure with HSTS in production;
- error pages say what kind of error it was and nothing else;
- no template holds an inline script, event handler or style attribute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

import bordermonitor
from bordermonitor.web.security import tile_image_sources
from tests.signin import sign_in

PACKAGE = Path(bordermonitor.__file__).parent


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.fixture
def signed_in(users) -> Client:
    client = Client()
    sign_in(client, users["coordinator"])
    return client


# -- headers on every page --------------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(signed_in):
    for path in ("/", "/persons/", "/events/", "/map/", "/intake/", "/tracing/cases/"):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        policy = _directives(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"][0] == "'self'" and "'unsafe-inline'" not in policy["style-src"]
        assert policy["img-src"] == ["'self'"]  # no tile server configured in tests
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        every_source = [v for values in policy.values() for v in values]
        assert not [v for v in every_source if "unsafe" in v or "://" in v or v == "*"], path
    # the sign-in page too, before anyone is signed in
    login = Client().get("/login/")
    assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]


def test_only_the_tile_servers_origin_is_added_for_map_images():
    assert tile_image_sources("") == []
    assert tile_image_sources("https://tiles.example.org/osm/{z}/{x}/{y}.png") == [
        "https://tiles.example.org",
        "data:",
    ]
    assert tile_image_sources("https://{s}.tile.example.net/{z}/{x}/{y}.png")[0] == (
        "https://*.tile.example.net"
    )
    with pytest.raises(ValueError, match="BM_MAP_TILES_URL"):
        tile_image_sources("javascript:alert(1)//{z}/{x}/{y}")


def test_a_configured_tile_server_reaches_the_policy_and_nothing_else(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BM_", "DATABASE_URL"))}
    env.update(
        BM_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="bordermonitor.settings",
        BM_MAP_TILES_URL="https://tiles.example.org/{z}/{x}/{y}.png",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[\"'self'\", 'https://tiles.example.org', 'data:']"


@pytest.mark.django_db
def test_frames_referrers_and_sniffing_are_refused(signed_in):
    response = signed_in.get("/persons/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_signed_in_pages_and_api_answers_are_never_stored(signed_in, users):
    for path in ("/", "/persons/", "/events/", "/sources/", "/tracing/cases/", "/map/"):
        response = signed_in.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
    from bordermonitor.accounts.services import api_token_create

    _, secret = api_token_create(user=users["coordinator"], name="headers")
    api = Client().get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    assert api.headers["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_sign_out_clears_the_site_data_in_the_browser(signed_in):
    response = signed_in.post("/logout/")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert signed_in.get("/persons/").status_code == 302  # really signed out


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_http_only(users):
    from tests.conftest import PASSWORD

    client = Client()
    page = client.get("/login/")
    assert page.cookies["csrftoken"]["httponly"]
    response = client.post("/login/", {"username": "u-monitor", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_production_settings_send_secure_cookies_and_hsts(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BM_", "DATABASE_URL"))}
    env.update(BM_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="bordermonitor.settings")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True", "31536000", "True", "True", "False"]


# -- error pages ---------------------------------------------------------------------------


SECRET_LOOKING_PATH = "/persons/P-2024-99999/Hussein-Karimi/"


def _assert_generic(response, status: int, heading: str) -> None:
    body = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in body
    for revealing in ("Hussein", "P-2024-99999", "Traceback", "Django", "DEBUG", "csrf"):
        assert revealing not in body, revealing


@pytest.mark.django_db
def test_not_found_is_a_generic_page(signed_in):
    _assert_generic(signed_in.get(SECRET_LOOKING_PATH), 404, "Not found")


@pytest.mark.django_db
def test_a_refused_form_is_a_generic_page(users):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, users["monitor"])
    _assert_generic(client.post("/logout/"), 403, "Not allowed")


def test_bad_request_and_server_error_pages_reveal_nothing():
    from django.core.exceptions import SuspiciousOperation
    from django.views import defaults

    request = RequestFactory().get(SECRET_LOOKING_PATH)
    _assert_generic(
        defaults.bad_request(request, SuspiciousOperation("Hussein")), 400, "Bad request"
    )
    _assert_generic(
        defaults.permission_denied(request, PermissionError("Hussein")), 403, "Not allowed"
    )
    _assert_generic(defaults.server_error(request), 500, "Something went wrong")


# -- no inline code or style anywhere ------------------------------------------------------


class _InlineFinder(HTMLParser):
    """Inline <script>, on* handlers, style attributes and javascript: URLs in markup."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag == "style" and "nonce" not in names:
            self.found.append("<style> without nonce")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name == "style":
                self.found.append(f"{tag} style=")
            if value and re.match(r"\s*javascript:", value, re.I):
                self.found.append(f"{tag} {name}=javascript:")


def _inline_code(markup: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(markup)
    return finder.found


def test_no_template_holds_inline_script_handlers_or_styles():
    offenders = {}
    for template in sorted(PACKAGE.glob("*/templates/**/*.html")):
        found = _inline_code(template.read_text(encoding="utf-8"))
        if found:
            offenders[str(template.relative_to(PACKAGE))] = found
    assert offenders == {}
    assert _inline_code('<p style="x" onclick="y"><script>z</script>') == [
        "p style=",
        "p onclick=",
        "inline <script>",
    ]


@pytest.mark.django_db
def test_rendered_pages_hold_no_inline_code(signed_in):
    for path in ("/", "/persons/", "/persons/new/", "/events/", "/events/new/", "/sources/"):
        response = signed_in.get(path)
        assert _inline_code(response.content.decode()) == [], path
    assert '"includeIndicatorStyles": false' in signed_in.get("/").content.decode()
