"""Sign-in (issue 6): password then a TOTP code for every account, throttling per
username and address with a cool-off, the same answer for an unknown user and a wrong
password, argon2 and the password rules, recovery codes, the admin site behind the
second factor, and the operator check of dangerous commands (step-up)."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bordermonitor.accounts import audit
from bordermonitor.accounts.models import AuditEntry, User
from bordermonitor.accounts.services import recovery_codes_renew, user_create
from bordermonitor.accounts.step_up import (
    StepUpRefused,
    add_operator_arguments,
    confirm_operator,
    operator_from_options,
)
from tests.signin import TotpSecret, second_factor_for

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase"
LOGIN = "/login/"
FAILURES = 5


@pytest.fixture(autouse=True)
def _no_code_throttle(settings):
    """django-otp slows down guessing after each wrong code (1 s, 2 s, 4 s...); the tests
    that try a wrong code then a right one need no wait to show the rule they test."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.AXES_FAILURE_LIMIT = FAILURES
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)


def _client(address: str = "198.51.100.7") -> Client:
    return Client(REMOTE_ADDR=address)


def _password(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def _code(client: Client, code: str, path: str = "/sign-in/code/", **extra):
    return client.post(path, {"code": code, **extra})


def _signed_in_fully(client: Client) -> bool:
    response = client.get(reverse("dashboard"))
    return response.status_code == 200


def _without_tokens(html: str) -> str:
    """A page with its CSRF token blanked, to compare two answers byte for byte."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


@pytest.fixture
def monitor_with_app():
    user = user_create(username="mona", role="monitor", password=PASSWORD)
    return user, second_factor_for(user)


def test_the_right_password_alone_opens_nothing(monitor_with_app):
    user, secret = monitor_with_app
    client = _client()
    response = _password(client, "mona")
    assert response.status_code == 302
    # every page sends the half-signed-in session to the code page, admin included
    for path in ["/", "/persons/", "/audit/", "/admin/", "/tokens/", "/password/"]:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith("/sign-in/code/"), (path, answer["Location"])
    assert not _signed_in_fully(client)
    # a wrong code is refused and audited; the right one opens the site
    wrong = f"{(int(secret.code()) + 1) % 1_000_000:06d}"
    refused = _code(client, wrong)
    assert refused.status_code == 200 and "This code is not valid" in refused.content.decode()
    assert AuditEntry.objects.filter(
        action=audit.SIGN_IN_FAILED, kind="second_factor", actor_id=user.pk
    ).exists()
    assert not _signed_in_fully(client)
    accepted = _code(client, secret.fresh_code(), next="/persons/")
    assert accepted.status_code == 302 and accepted["Location"] == "/persons/"
    assert _signed_in_fully(client)


def test_the_next_target_after_the_code_stays_on_this_site(monitor_with_app):
    _, secret = monitor_with_app
    client = _client()
    _password(client, "mona")
    response = _code(client, secret.fresh_code(), next="https://evil.example/steal")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_a_used_code_is_refused_a_second_time(monitor_with_app):
    _, secret = monitor_with_app
    code = secret.code()
    first, second = _client(), _client("198.51.100.8")
    _password(first, "mona")
    assert _code(first, code).status_code == 302
    assert _signed_in_fully(first)
    _password(second, "mona")
    again = _code(second, code)
    assert again.status_code == 200 and "A code works once" in again.content.decode()
    assert not _signed_in_fully(second)


def test_a_recovery_code_works_once(monitor_with_app):
    user, _ = monitor_with_app
    codes = recovery_codes_renew(user=user)
    assert len(codes) == 10 and len(set(codes)) == 10
    first, second = _client(), _client("198.51.100.9")
    _password(first, "mona")
    assert _code(first, codes[0]).status_code == 302 and _signed_in_fully(first)
    _password(second, "mona")
    assert _code(second, codes[0]).status_code == 200
    assert not _signed_in_fully(second)
    assert _code(second, codes[1]).status_code == 302 and _signed_in_fully(second)


def test_first_sign_in_enrols_an_authenticator_by_qr_code():
    user = user_create(username="newcomer", role="lawyer", password=PASSWORD)
    client = _client()
    _password(client, "newcomer")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/enrol/")
    page = client.get(response["Location"]).content.decode()
    # inline SVG: no data: URI, no inline script or style (the CSP forbids them)
    assert "<svg" in page and "<path" in page
    assert not re.search(r"""(src|href)=["']data:""", page)
    assert not re.search(r"<script(?![^>]*\ssrc=)", page) and "style=" not in page
    secret_b32 = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page)[1]
    assert "otpauth://totp/" in page
    secret = TotpSecret(base64.b32decode(secret_b32).hex())
    wrong = f"{(int(secret.code()) + 3) % 1_000_000:06d}"
    assert "does not match" in _code(client, wrong, "/sign-in/enrol/").content.decode()
    assert not _signed_in_fully(client)
    done = _code(client, secret.fresh_code(), "/sign-in/enrol/")
    assert done.status_code == 200
    codes = re.findall(r'<li><code class="code">([a-z0-9]+)</code></li>', done.content.decode())
    assert len(codes) == 10
    assert _signed_in_fully(client)
    # enrolment is over: the page now only asks for a code, it shows no new secret
    again = client.get("/sign-in/enrol/")
    assert again.status_code == 302 and again["Location"].startswith("/sign-in/code/")
    assert user.totpdevice_set.filter(confirmed=True).count() == 1


def test_lockout_after_the_configured_failures_and_the_cool_off_ends_it(monitor_with_app):
    _, secret = monitor_with_app
    attacker = _client("203.0.113.66")
    for _ in range(FAILURES - 1):
        response = _password(attacker, "mona", "wrong guess")
        assert response.status_code == 200
    locked = _password(attacker, "mona", "wrong guess")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # while cooling off even the right password gets the same answer
    assert _password(attacker, "mona").status_code == 429
    assert not _signed_in_fully(attacker)
    failed = AuditEntry.objects.filter(action=audit.SIGN_IN_FAILED, actor_name="mona")
    assert failed.count() == FAILURES + 1
    # the colleague at their own address is not locked out by the attacker
    colleague = _client("198.51.100.20")
    assert _password(colleague, "mona").status_code == 302
    assert _code(colleague, secret.fresh_code()).status_code == 302
    assert _signed_in_fully(colleague)
    # after the cool-off, the same address may try again
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert _password(attacker, "mona").status_code == 302


def test_unknown_user_and_wrong_password_get_the_same_answer(monitor_with_app):
    unknown = _password(_client("192.0.2.1"), "nobody-here", "wrong guess")
    wrong = _password(_client("192.0.2.2"), "mona", "wrong guess")
    assert unknown.status_code == wrong.status_code == 200
    unknown_page = _without_tokens(unknown.content.decode()).replace("nobody-here", "NAME")
    wrong_page = _without_tokens(wrong.content.decode()).replace("mona", "NAME")
    assert unknown_page == wrong_page
    # the lockout too: a guessed username is locked like a real one
    for address, username in [("192.0.2.3", "nobody-here"), ("192.0.2.4", "mona")]:
        client = _client(address)
        statuses = [_password(client, username, "x" * 9).status_code for _ in range(FAILURES)]
        assert statuses == [200] * (FAILURES - 1) + [429]


def test_unknown_user_and_wrong_password_take_about_as_long(monitor_with_app, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.get(username="mona")
    user.set_password(PASSWORD)
    user.save()

    def timed(username: str, address: str) -> float:
        client = _client(address)
        started = time.perf_counter()
        _password(client, username, "wrong guess")
        return time.perf_counter() - started

    timed("mona", "192.0.2.50")  # warm up
    unknown = min(timed("nobody-here", f"192.0.2.{60 + i}") for i in range(3))
    wrong = min(timed("mona", f"192.0.2.{70 + i}") for i in range(3))
    # the unknown user runs the hasher too (Django hashes a dummy password)
    assert unknown > wrong / 3 and wrong > unknown / 3, (unknown, wrong)


def test_session_key_changes_at_sign_in(monitor_with_app):
    _, secret = monitor_with_app
    client = _client()
    session = client.session
    session["planted"] = "by someone else"
    session.save()
    planted = session.session_key
    _password(client, "mona")
    after_password = client.cookies["sessionid"].value
    assert after_password != planted
    _code(client, secret.fresh_code())
    after_code = client.cookies["sessionid"].value
    assert after_code not in (planted, after_password)
    assert _signed_in_fully(client)


def test_argon2_hashes_and_password_rules():
    from bordermonitor import settings as project

    # the test run swaps in a fast hasher (tests/conftest.py): read the project's own
    assert project.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    from django.contrib.auth.hashers import Argon2PasswordHasher

    encoded = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert encoded.startswith("argon2$") and Argon2PasswordHasher().verify(PASSWORD, encoded)

    user = User(username="rules", role="monitor")
    for accepted in ["zq8#Lk2!", "x" * 64 + "y", "river stone " * 20]:
        validate_password(accepted, user)
    validate_password("Ж" * 1024, user)
    for refused, why in [
        ("short7!", "too short"),
        ("a" * 1025, "too long"),
        ("password123", "too common"),
    ]:
        with pytest.raises(ValidationError, match=why):
            validate_password(refused, user)
    # no composition rules: lower-case letters and spaces only is fine when long enough
    validate_password("quiet evening by the marsh", user)


def test_the_admin_site_wants_the_second_factor():
    admin = user_create(username="root", role="admin", password=PASSWORD)
    secret = second_factor_for(admin)
    client = _client()
    _password(client, "root")
    assert client.get("/admin/").status_code == 302
    _code(client, secret.fresh_code())
    assert client.get("/admin/").status_code == 200
    # the admin site itself asks too (django-otp's OTPAdminSite), whatever the middleware
    import functools

    from django.contrib import admin as django_admin
    from django.test import RequestFactory
    from django_otp.admin import OTPAdminSite
    from django_otp.middleware import is_verified

    assert isinstance(django_admin.site, OTPAdminSite)
    request = RequestFactory().get("/admin/")
    admin.otp_device = None
    admin.is_verified = functools.partial(is_verified, admin)
    request.user = admin
    assert not django_admin.site.has_permission(request)


# -- the operator check of dangerous commands --------------------------------------------


def _entries(action: str) -> int:
    return AuditEntry.objects.filter(action=action, kind="capability").count()


def test_confirm_operator_refusals_are_clear_and_audited():
    admin = user_create(username="keeper", role="admin", password=PASSWORD)
    analyst = user_create(username="counter", role="analyst", password=PASSWORD)
    secret = second_factor_for(admin)
    analyst_secret = second_factor_for(analyst)
    cases = [
        ("ghost", "123456", "no active account"),
        ("counter", analyst_secret.code(), "may not do this"),
        ("keeper", f"{(int(secret.code()) + 5) % 1_000_000:06d}", "not a current"),
        ("keeper", "", "not a current"),
    ]
    for username, code, message in cases:
        with pytest.raises(StepUpRefused, match=message):
            confirm_operator(username, code, "tokens.manage")
    assert _entries(audit.STEP_UP_REFUSED) == len(cases)
    code = secret.code()
    assert confirm_operator("keeper", code, "tokens.manage") == admin
    assert _entries(audit.STEP_UP) == 1
    with pytest.raises(StepUpRefused, match="accepted once"):
        confirm_operator("keeper", code, "tokens.manage")
    admin.is_active = False
    admin.save()
    with pytest.raises(StepUpRefused, match="no active account"):
        confirm_operator("keeper", secret.fresh_code(), "tokens.manage")
    written = " ".join(str(v) for row in AuditEntry.objects.values_list() for v in row)
    assert code not in written


def test_operator_options_for_commands(monkeypatch):
    import argparse

    admin = user_create(username="keeper", role="admin", password=PASSWORD)
    secret = second_factor_for(admin)
    parser = argparse.ArgumentParser()
    add_operator_arguments(parser)
    monkeypatch.delenv("BM_OTP", raising=False)
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(CommandError, match="--operator USERNAME is required"):
        operator_from_options(vars(parser.parse_args([])), "tokens.manage")
    with pytest.raises(CommandError, match="--otp CODE is required"):
        operator_from_options(vars(parser.parse_args(["--operator", "keeper"])), "tokens.manage")
    options = vars(parser.parse_args(["--operator", "keeper", "--otp", "000000"]))
    if secret.code() != "000000":
        with pytest.raises(CommandError, match="not a current"):
            operator_from_options(options, "tokens.manage")
    monkeypatch.setenv("BM_OTP", secret.fresh_code())
    options = vars(parser.parse_args(["--operator", "keeper"]))
    assert operator_from_options(options, "tokens.manage") == admin


def test_otp_reset_for_a_lost_phone(monkeypatch):
    from django.core.management import call_command

    admin = user_create(username="keeper", role="admin", password=PASSWORD)
    lawyer = user_create(username="lost-phone", role="lawyer", password=PASSWORD)
    admin_secret = second_factor_for(admin)
    second_factor_for(lawyer)
    client = _client()
    from tests.signin import sign_in

    sign_in(client, lawyer)
    assert _signed_in_fully(client)
    with pytest.raises(CommandError, match="may not do this"):
        call_command("otp", "reset", "keeper", operator="lost-phone", otp="123456")
    call_command("otp", "reset", "lost-phone", operator="keeper", otp=admin_secret.fresh_code())
    assert not lawyer.totpdevice_set.exists() and not lawyer.staticdevice_set.exists()
    assert not _signed_in_fully(client)  # the session ended
    fresh = _client("198.51.100.77")
    _password(fresh, "lost-phone")
    response = fresh.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/enrol/")
