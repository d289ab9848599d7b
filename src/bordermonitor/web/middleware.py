"""Per-request behaviour of the site: the user's language, and pages that must not be kept."""

from __future__ import annotations

from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if not language:
            return self.get_response(request)
        # the user's language for this request only: the thread goes back to what it had,
        # so nothing run later in it (a test, a management command) inherits the choice
        previous = translation.get_language()
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            if previous:
                translation.activate(previous)
            else:
                translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response


class PrivatePageMiddleware:
    """`Cache-Control: no-store` on everything shown to a signed-in user or API token.

    A page seen after sign-in may carry names and testimony; neither the browser's
    cache nor a proxy is to keep a copy that outlives the session (a shared or seized
    laptop, the back button after sign-out).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user and user.is_authenticated)
        if signed_in or "HTTP_AUTHORIZATION" in request.META:
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
