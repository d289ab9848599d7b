"""Writes on accounts: creating users and API tokens."""

from __future__ import annotations

import base64
import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bordermonitor.accounts import audit
from bordermonitor.accounts.models import ApiToken, User, hash_token
from bordermonitor.accounts.roles import ROLES

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 90
RECOVERY_CODES = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


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
    *,
    user: User,
    name: str = "",
    days: int = DEFAULT_TOKEN_DAYS,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """A token for scripts, bound to the user's current role; the secret is returned
    once and only its hash kept.  Callers confirm the admin's second factor first."""
    if not isinstance(days, int) or days < 1 or days > MAX_TOKEN_DAYS:
        raise ValidationError({"days": f"a token lives between 1 and {MAX_TOKEN_DAYS} days"})
    if not user.is_active:
        raise ValidationError({"user": f"user {user.username!r} is disabled"})
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user,
        role=user.role,
        name=name[:100],
        key_hash=hash_token(secret),
        hint=secret[:8],
        expires_at=timezone.now() + dt.timedelta(days=days),
        created_by=created_by,
    )
    actor = audit.Actor.of(created_by) if created_by else None
    audit.audit_record(actor, audit.CREATE, "api_token", str(token.pk))
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
def api_token_revoke(*, token: ApiToken, by: User | None = None) -> bool:
    """Revoke a token at once; False when it was revoked already (nothing changes)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.audit_record(audit.Actor.of(by) if by else None, audit.DELETE, "api_token", str(token.pk))
    return True


# -- the second factor -------------------------------------------------------------------


def totp_device_for_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (made on first call).

    Refused once the user has a confirmed one: a second authenticator, or a new one
    after losing a phone, goes through an admin (`second_factor_reset`).
    """
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError({"code": "an authenticator is already enrolled for this account"})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in by hand."""
    return base64.b32encode(device.bin_key).decode("ascii")


@transaction.atomic
def totp_enrolment_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with one code; returns it and new one-time recovery
    codes (shown once, each usable once: django-otp's static device deletes a code when
    it is used)."""
    device = totp_device_for_enrolment(user)
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or not device.verify_token(code):
        raise ValidationError({"code": "this code is not the one the authenticator shows now"})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return device, recovery_codes_renew(user=user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes; the previous ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def totp_device_create_confirmed(*, user: User) -> TOTPDevice:
    """A confirmed authenticator made without the user present (demo logins, tests):
    its secret must reach the person by another way (the demo prints it)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)


@transaction.atomic
def second_factor_reset(*, user: User, by: User | None = None) -> None:
    """Forget the user's authenticator and recovery codes (a lost phone): they enrol
    again at their next sign-in, and their open sessions end."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    sessions_end(user=user)
    actor = audit.Actor.of(by) if by else None
    audit.audit_record(actor, audit.PERMISSION_CHANGE, "second_factor", str(user.pk))


def sessions_end(*, user: User) -> int:
    """End every open session of `user` (a disabled account, a reset second factor)."""
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended
