"""Session rules: idle and absolute timeouts, and the second factor before anything else.

A session left open on a shared or seized laptop ends on its own: after
`BM_SESSION_IDLE_MINUTES` without a request and `BM_SESSION_MAX_HOURS` after sign-in
whatever happens.  A session that passed the password but not yet the code reaches
only the second-factor pages and sign-out.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

# when (epoch seconds) the session signed in, and when it was last used
STARTED_SESSION_KEY = "bm_signed_in_at"
SEEN_SESSION_KEY = "bm_last_seen_at"
# a request within this many seconds of the last one does not rewrite the session
SEEN_RESOLUTION = 30

# what a signed-in but not yet verified session may reach (URL names)
BEFORE_SECOND_FACTOR = frozenset(
    {"second-factor", "second-factor-enrol", "second-factor-qr", "logout", "health", "login"}
)


def session_started(request) -> None:
    """Stamp a new session (called when a user signs in)."""
    now = int(time.time())
    request.session[STARTED_SESSION_KEY] = now
    request.session[SEEN_SESSION_KEY] = now


def session_expired(session, now: float | None = None) -> bool:
    """Idle too long, older than the absolute limit, or never stamped at sign-in."""
    now = time.time() if now is None else now
    started = session.get(STARTED_SESSION_KEY)
    seen = session.get(SEEN_SESSION_KEY)
    if not isinstance(started, int) or not isinstance(seen, int):
        return True
    return (
        now - seen > settings.BM_SESSION_IDLE_MINUTES * 60
        or now - started > settings.BM_SESSION_MAX_HOURS * 60 * 60
    )


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "HTTP_AUTHORIZATION" not in request.META:
            now = time.time()
            if session_expired(request.session, now):
                logout(request)
                messages.info(request, _("Your session ended; please sign in again."))
                target = reverse(settings.LOGIN_URL)
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
            if now - request.session[SEEN_SESSION_KEY] >= SEEN_RESOLUTION:
                request.session[SEEN_SESSION_KEY] = int(now)
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Password alone opens nothing: enrol (first sign-in) or give a code first.

    Static files and the API (bearer tokens, no session) are left alone; every other
    route of a signed-in, unverified session is sent to the second-factor page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not self._allowed(request.path_info)
        ):
            from django_otp import user_has_device

            name = "second-factor" if user_has_device(user) else "second-factor-enrol"
            target = reverse(name)
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        if path.startswith(static) or path.startswith("/api/"):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return match.url_name in BEFORE_SECOND_FACTOR and not match.namespace
