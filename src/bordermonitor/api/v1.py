"""The /api/v1 surface: OpenAPI at /api/v1/openapi.json, bearer tokens for scripts."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from bordermonitor.api.attachments import router as attachments_router
from bordermonitor.api.common import BearerToken, in_english
from bordermonitor.api.published import router as published_router
from bordermonitor.api.records import router as records_router
from bordermonitor.api.tracing import router as tracing_router
from bordermonitor.records.selectors import AccessDenied

api = NinjaAPI(
    title="bordermonitor API",
    version="1",
    description="People, events and sources for border monitoring. Every route needs "
    "`Authorization: Bearer <token>` (create one with `bordermonitor token create USER`).",
    auth=BearerToken(),
    urls_namespace="api-v1",
)
api.add_decorator(in_english, mode="view")  # every route, errors and auth included
api.add_router("/", records_router)
api.add_router("/", attachments_router)
api.add_router("/", published_router)
api.add_router("/", tracing_router)


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": field, "message": " ".join(m for e in errs for m in e.messages)}
            for field, errs in exc.error_dict.items()
        ]
    return [{"field": "__all__", "message": " ".join(exc.messages)}]


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    return api.create_response(request, {"detail": _field_errors(exc)}, status=400)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError):
    detail = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        detail.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")})
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(AccessDenied)
def on_access_denied(request: HttpRequest, exc: AccessDenied):
    return api.create_response(request, {"detail": "your role may not use this route"}, status=403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "not found"}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": "a valid bearer token is required"}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    if exc.status_code == 400 and exc.__cause__ is not None:
        # ninja's "Cannot parse request body": blame the body, like any other field error
        detail = [{"field": "body", "message": "the request body is not valid JSON"}]
        return api.create_response(request, {"detail": detail}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
