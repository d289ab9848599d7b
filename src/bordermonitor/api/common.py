"""What every API route shares: bearer-token auth, capabilities, errors, pagination."""

import functools
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination
from ninja.security import HttpBearer

from bordermonitor.accounts import audit
from bordermonitor.accounts.services import api_token_authenticate

MAX_OFFSET = 10_000_000


class BearerToken(HttpBearer):
    """`Authorization: Bearer bm_...`: a token created by `bordermonitor token create`."""

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


def in_english(view):
    """Answer in English whatever Accept-Language says: scripts compare the strings the
    API returns ("March 2024", error messages), so they must not change with the
    browser or system locale of whoever runs the script."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
        with translation.override("en"):
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = "en"
        return response

    return wrapper


def requires(capability: str):
    """Mark an API handler with the capability it needs, and enforce it (403 otherwise).

    As for pages (accounts.access.capability_required): a refusal is audited, and
    changes made by the handler are audited under the token's user, not "system".
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
            user = request.auth
            actor = audit.Actor.of(user, audit.client_address(request))
            if not user.can(capability):
                audit.audit_record(actor, audit.ACCESS_REFUSED, "capability", capability)
                raise HttpError(403, f"your role may not use this route ({capability})")
            with audit.acting_as(actor):
                return func(request, *args, **kwargs)

        wrapper.required_capability = capability
        return wrapper

    return decorate


class Pagination(LimitOffsetPagination):
    """limit/offset paging with a bounded offset (no database overflow on silly input)."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500, description="items per page (1–500)")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: list[FieldError] | str


def restriction_out(record) -> dict:
    """Need-to-know fields of a testimony, case or detention, as the API shows them."""
    return {"restricted": record.restricted, "team": record.team.name if record.team_id else None}
