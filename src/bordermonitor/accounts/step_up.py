"""Asking again for the second factor before dangerous work (step-up).

A stolen session cookie or an unlocked laptop left signed in must not be enough to
export personal data, erase a person, touch the keys or mint an API token: the
page (`fresh_second_factor_required`) or command (`operator_from_options`) asks
for a current code from the user's authenticator first.  Each confirmation and
each refusal is audited (action `step_up` / `step_up_refused`, the capability as
the code), never the code itself.
"""

from __future__ import annotations

import functools
import getpass
import os
import sys
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import CommandError
from django.shortcuts import redirect
from django.urls import reverse

from bordermonitor.accounts import audit

# the session key holding when (epoch seconds) the second factor was last confirmed
VERIFIED_AT_SESSION_KEY = "bm_otp_verified_at"
DEFAULT_STEP_UP_SECONDS = 300
OTP_ENV = "BM_OTP"


class StepUpRefused(Exception):
    """The operator could not be confirmed; the message says why (never the code)."""


def step_up_seconds() -> int:
    return int(getattr(settings, "BM_STEP_UP_SECONDS", DEFAULT_STEP_UP_SECONDS))


def second_factor_confirmed(request) -> None:
    """Note in the session that its user has just given a valid code."""
    request.session[VERIFIED_AT_SESSION_KEY] = int(time.time())


def second_factor_is_fresh(request) -> bool:
    """Verified by django-otp in this session, and within `BM_STEP_UP_SECONDS`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is None or not is_verified():
        return False
    at = request.session.get(VERIFIED_AT_SESSION_KEY)
    if not isinstance(at, int):
        return False
    return 0 <= time.time() - at <= step_up_seconds()


def fresh_second_factor_required(view):
    """Web decorator: a code confirmed within `BM_STEP_UP_SECONDS`, else ask for one.

    The "confirm your code" page sends the user back to this view afterwards (the
    `next` target is checked to be on this site).  Stack it inside
    `capability_required`, so a role without the capability is refused before it is
    asked for a code.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.path})}")
        if not second_factor_is_fresh(request):
            return redirect(f"{reverse('step-up')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    wrapper.fresh_second_factor = True
    return wrapper


def code_matches(user, code: str):
    """The user's confirmed device (TOTP or recovery codes) that accepts `code`, or None.

    A TOTP code already used (same or earlier time step) is refused by django-otp's
    TOTPDevice, a recovery code is removed once used.
    """
    from django_otp import match_token

    code = (code or "").strip().replace(" ", "")
    if not code or len(code) > 32:
        return None
    return match_token(user, code)


def confirm_operator(username: str, code: str, capability: str):
    """The active account `username`, holding `capability`, that gave a valid code.

    For CLI commands doing dangerous work (erasure, key operations, personal-data
    exports, token creation).  Raises StepUpRefused with a clear message otherwise;
    audited either way.
    """
    from bordermonitor.accounts.models import User

    user = User.objects.filter(username=username).first() if username else None
    actor = (
        audit.Actor.of(user)
        if user is not None
        else audit.Actor(None, (username or "anonymous")[: audit.NAME_MAX])
    )

    def refuse(message: str) -> StepUpRefused:
        audit.audit_record(actor, audit.STEP_UP_REFUSED, "capability", capability)
        return StepUpRefused(message)

    if user is None or not user.is_active:
        raise refuse(f"operator {username!r}: no active account of that name")
    if not user.can(capability):
        raise refuse(
            f"operator {username!r}: the role {user.role!r} may not do this ({capability})"
        )
    if code_matches(user, code) is None:
        raise refuse(
            f"operator {username!r}: the code is not a current authenticator code nor an "
            "unused recovery code (a code is accepted once; wait for the next one)"
        )
    audit.audit_record(actor, audit.STEP_UP, "capability", capability)
    return user


def add_operator_arguments(parser) -> None:
    """`--operator USERNAME` and `--otp CODE` for a command doing dangerous work."""
    parser.add_argument(
        "--operator",
        metavar="USERNAME",
        help="the account answering for this operation (it must hold the capability)",
    )
    parser.add_argument(
        "--otp",
        metavar="CODE",
        help=f"a current code from the operator's authenticator, or an unused recovery "
        f"code; else read from ${OTP_ENV}, else asked for when run in a terminal",
    )


def operator_from_options(options: dict, capability: str):
    """The confirmed operator for a command, or CommandError saying what is missing."""
    username = options.get("operator") or ""
    if not username:
        raise CommandError(
            f"--operator USERNAME is required: this operation needs an account holding "
            f"{capability!r} and a current code from its authenticator"
        )
    code = options.get("otp") or os.environ.get(OTP_ENV, "")
    if not code and sys.stdin is not None and sys.stdin.isatty():
        code = getpass.getpass(f"Authenticator code for {username}: ")
    if not code:
        raise CommandError(f"--otp CODE is required (or set ${OTP_ENV}) for operator {username!r}")
    try:
        return confirm_operator(username, code, capability)
    except StepUpRefused as exc:
        raise CommandError(str(exc)) from None
