"""API tokens (issue 6): made by an admin who has just given a code, bound to one user
and the role it had, expiring, revocable; and the step-up page that guards them."""

from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bordermonitor.accounts import audit
from bordermonitor.accounts.models import ApiToken, AuditEntry
from bordermonitor.accounts.services import (
    api_token_authenticate,
    api_token_create,
    user_create,
)
from bordermonitor.accounts.step_up import VERIFIED_AT_SESSION_KEY
from tests.signin import second_factor_for, sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase"


@pytest.fixture(autouse=True)
def _no_code_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def admin():
    return user_create(username="root", role="admin", password=PASSWORD)


@pytest.fixture
def monitor():
    return user_create(username="mona", role="monitor", password=PASSWORD)


def _api_status(secret: str) -> int:
    return (
        Client().get("/api/v1/persons", headers={"Authorization": f"Bearer {secret}"}).status_code
    )


def test_a_token_stops_working_when_the_role_changes(admin, monitor):
    token, secret = api_token_create(user=monitor, created_by=admin)
    assert token.role == "monitor" and token.created_by == admin
    assert _api_status(secret) == 200
    monitor.role = "analyst"
    monitor.save()
    assert api_token_authenticate(secret) is None
    assert _api_status(secret) == 401
    monitor.role = "monitor"  # back to the role it was made for: works again
    monitor.save()
    assert _api_status(secret) == 200


def test_a_token_expires(monitor):
    token, secret = api_token_create(user=monitor, days=1)
    assert api_token_authenticate(secret) == monitor
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_token_authenticate(secret) is None
    assert _api_status(secret) == 401


def test_an_expiry_is_required_and_at_most_90_days(monitor):
    for days in (0, 91, 366):
        with pytest.raises(ValidationError, match="between 1 and 90 days"):
            api_token_create(user=monitor, days=days)
    token, _ = api_token_create(user=monitor, days=90)
    assert token.expires_at - timezone.now() <= dt.timedelta(days=90)
    assert ApiToken.objects.count() == 1


def test_cli_create_needs_an_admin_with_a_current_code(admin, monitor, monkeypatch):
    monkeypatch.delenv("BM_OTP", raising=False)
    monkeypatch.setattr("sys.stdin", None)
    secret = second_factor_for(admin)
    monitor_secret = second_factor_for(monitor)
    with pytest.raises(CommandError, match="--operator USERNAME is required"):
        call_command("token", "create", "mona")
    with pytest.raises(CommandError, match="may not do this"):
        call_command("token", "create", "mona", operator="mona", otp=monitor_secret.fresh_code())
    with pytest.raises(CommandError, match="not a current"):
        call_command("token", "create", "mona", operator="root", otp="12345x")
    with pytest.raises(CommandError, match="between 1 and 90"):
        call_command("token", "create", "mona", operator="root", otp=secret.fresh_code(), days=120)
    assert ApiToken.objects.count() == 0
    out = io.StringIO()
    call_command("token", "create", "mona", operator="root", otp=secret.fresh_code(), stdout=out)
    raw = out.getvalue().strip()
    assert api_token_authenticate(raw) == monitor
    token = ApiToken.objects.get()
    assert token.created_by == admin and token.role == "monitor"
    assert AuditEntry.objects.filter(action=audit.CREATE, kind="api_token").count() == 1

    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert token.hint in listing.getvalue() and "usable" in listing.getvalue()
    assert raw not in listing.getvalue()

    out = io.StringIO()
    call_command(
        "token", "revoke", token.hint, operator="root", otp=secret.fresh_code(), stdout=out
    )
    assert "revoked" in out.getvalue()
    assert api_token_authenticate(raw) is None


def test_token_page_asks_for_a_fresh_code_and_shows_the_secret_once(admin, monitor):
    client = Client()
    sign_in(client, admin)
    secret = second_factor_for(admin)
    # a code given long ago: the page sends the admin to confirm one first
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = int(time.time()) - 3600
    session.save()
    response = client.get(reverse("token-list"))
    assert response.status_code == 302
    assert response["Location"] == "/confirm-code/?next=%2Ftokens%2F"
    assert "Confirm your code" in client.get(response["Location"]).content.decode()
    wrong = client.post("/confirm-code/", {"code": "000000x", "next": "/tokens/"})
    assert wrong.status_code == 200
    assert AuditEntry.objects.filter(action=audit.STEP_UP_REFUSED).count() == 1
    back = client.post("/confirm-code/", {"code": secret.fresh_code(), "next": "/tokens/"})
    assert back.status_code == 302 and back["Location"] == "/tokens/"
    assert client.get("/tokens/").status_code == 200

    made = client.post("/tokens/", {"user": monitor.pk, "name": "nightly export", "days": 30})
    assert made.status_code == 200
    page = made.content.decode()
    raw = re.search(r'id="new-token" class="code">(bm_[A-Za-z0-9_-]+)<', page)[1]
    assert api_token_authenticate(raw) == monitor
    token = ApiToken.objects.get()
    assert token.created_by == admin and 29 <= (token.expires_at - timezone.now()).days <= 30
    assert raw not in client.get("/tokens/").content.decode()  # shown once

    refused = client.post("/tokens/", {"user": monitor.pk, "days": 91})
    assert refused.status_code == 200 and ApiToken.objects.count() == 1

    revoked = client.post(reverse("token-revoke"), {"token": token.pk})
    assert revoked.status_code == 302
    assert api_token_authenticate(raw) is None
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_only_admins_reach_the_token_pages(monitor):
    client = Client()
    sign_in(client, monitor)
    assert client.get("/tokens/").status_code == 403
    token, raw = api_token_create(user=monitor)
    assert client.post(reverse("token-revoke"), {"token": token.pk}).status_code == 403
    assert api_token_authenticate(raw) == monitor


def test_step_up_page_needs_a_signed_in_user():
    response = Client().get("/confirm-code/?next=/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
