"""Page-level access: every view names the capability it needs (deny by default)."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied


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
