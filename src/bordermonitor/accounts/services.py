"""Writes on accounts: creating users and API tokens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bordermonitor.accounts.models import ApiToken, User, hash_token
from bordermonitor.accounts.roles import ROLES

DEFAULT_TOKEN_DAYS = 90


@transaction.atomic
def user_create(*, username: str, role: str, password: str, check_password: bool = True) -> User:
    """A new account with one role; the password is checked against common lists."""
    if role not in ROLES:
        raise ValidationError({"role": f"unknown role {role!r}; choose one of {', '.join(ROLES)}"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"user {username!r} already exists"})
    user = User(username=username, role=role)
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def api_token_create(
    *, user: User, name: str = "", days: int = DEFAULT_TOKEN_DAYS
) -> tuple[ApiToken, str]:
    """A token for scripts; the secret is returned once and only its hash kept."""
    if days < 1 or days > 366:
        raise ValidationError({"days": "a token lives between 1 and 366 days"})
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_token(secret),
        hint=secret[:8],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token, secret


def api_token_authenticate(secret: str) -> User | None:
    """The user a bearer token belongs to, or None when unknown, expired or revoked."""
    if not secret:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(secret)).first()
    if token is None or not token.is_usable:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """Each user reads the interface in their own language, whatever the browser says."""
    allowed = [code for code, _ in settings.LANGUAGES]
    if language not in allowed:
        raise ValidationError({"language": f"choose one of {', '.join(allowed)}"})
    user.language = language
    user.save(update_fields=["language"])
    return user


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
