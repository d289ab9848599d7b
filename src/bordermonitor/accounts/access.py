"""Page-level access: every view names the capability it needs (deny by default)."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404


def capability_required(capability: str):
    """Refuse (403) a signed-in user whose role lacks `capability`.

    The capability is kept on the view as `required_capability`, so the role
    matrix test can list every route and its rule from the URL configuration.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or not request.user.can(capability):
                raise PermissionDenied(capability)
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability
        return wrapper

    return decorate


def record_by_code(queryset: QuerySet, code: str, capability: str, user):
    """One record by its code, or the same 404 whether it does not exist or the user
    may not see it: a guessed code must not tell which is the case."""
    if not (user and user.is_authenticated and user.can(capability)):
        raise Http404("no such record")
    record = queryset.filter(code=code).first()
    if record is None:
        raise Http404("no such record")
    return record
