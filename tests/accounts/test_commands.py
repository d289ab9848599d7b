"""Accounts from the command line: createuser (password on stdin) and token create."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from bordermonitor.accounts.models import ApiToken, User, hash_token
from bordermonitor.accounts.services import (
    api_token_authenticate,
    api_token_revoke,
    user_create,
)

pytestmark = pytest.mark.django_db


def _createuser(monkeypatch, password: str, **kwargs) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("createuser", stdout=out, **kwargs)
    return out.getvalue()


def test_createuser_reads_the_password_from_stdin(monkeypatch):
    out = _createuser(
        monkeypatch, "a long enough passphrase", username="anna", role="tracing_officer"
    )
    assert "Created anna (tracing_officer)" in out
    user = User.objects.get(username="anna")
    assert user.check_password("a long enough passphrase") and user.role == "tracing_officer"
    assert not user.is_staff


def test_createuser_refuses_common_passwords_and_duplicates(monkeypatch):
    with pytest.raises(CommandError, match="password"):
        _createuser(monkeypatch, "password123", username="bob", role="monitor")
    assert not User.objects.filter(username="bob").exists()
    _createuser(monkeypatch, "a long enough passphrase", username="bob", role="monitor")
    with pytest.raises(CommandError, match="already exists"):
        _createuser(monkeypatch, "a long enough passphrase", username="bob", role="monitor")


def test_admin_role_and_only_it_opens_the_admin_site(monkeypatch):
    _createuser(monkeypatch, "a long enough passphrase", username="root", role="admin")
    assert User.objects.get(username="root").is_staff


def _admin_code() -> str:
    """An admin who answers for the token, and a current code from their authenticator."""
    from tests.signin import second_factor_for

    admin = user_create(username="token-admin", role="admin", password="a long passphrase")
    return second_factor_for(admin).fresh_code()


def test_token_create_prints_a_token_that_authenticates(monkeypatch):
    _createuser(monkeypatch, "a long enough passphrase", username="script", role="monitor")
    out = io.StringIO()
    code = _admin_code()
    call_command("token", "create", "script", operator="token-admin", otp=code, stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("bm_") and len(secret) > 40
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(secret) and secret not in token.key_hash
    assert api_token_authenticate(secret).username == "script"
    api_token_revoke(token=token)
    assert api_token_authenticate(secret) is None


def test_token_for_unknown_user_is_an_error():
    with pytest.raises(CommandError, match="no active user"):
        call_command("token", "create", "ghost", operator="token-admin", otp=_admin_code())
