"""Page-level access: every view names the capability it needs (deny by default)."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from bordermonitor.accounts import audit, need_to_know


def capability_required(capability: str):
    """Refuse (403) a signed-in user whose role lacks `capability`.

    The capability is kept on the view as `required_capability`, so the role
    matrix test can list every route and its rule from the URL configuration.
    A refusal is audited; while the view runs, audit entries (changes made through
    signals, views of records) name the signed-in user as the actor.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            actor = audit.Actor.of(request.user, audit.client_address(request))
            if not request.user.is_authenticated or not request.user.can(capability):
                audit.audit_record(actor, audit.ACCESS_REFUSED, "capability", capability)
                raise PermissionDenied(capability)
            with audit.acting_as(actor):
                return view(request, *args, **kwargs)

        wrapper.required_capability = capability
        return wrapper

    return decorate


def record_by_code(queryset: QuerySet, code: str, capability: str, user):
    """One record by its code, or the same 404 whether it does not exist or the user
    may not see it: a guessed code must not tell which is the case.

    This is the one place a single sensitive record is read, so it is where a view
    (or a refused attempt) is audited: one entry per record opened, none per list row.
    A restricted record the user is not assigned to (`accounts.need_to_know`) is
    refused here the same way, with the same 404 as a code that does not exist.
    """
    kind = queryset.model._meta.model_name
    actor = audit.current_actor(default=audit.Actor.of(user))
    if not (user and user.is_authenticated and user.can(capability)):
        audit.audit_record(actor, audit.ACCESS_REFUSED, kind, str(code))
        raise Http404("no such record")
    record = queryset.filter(code=code).first()
    if record is None:
        raise Http404("no such record")
    if not need_to_know.may_see(user, record):
        audit.audit_record(actor, audit.ACCESS_REFUSED, kind, record.code)
        raise Http404("no such record")
    if capability.endswith(".edit") and _erased(record):
        raise Http404("this record was erased; it can no longer be changed")
    audit.audit_record(actor, audit.VIEW, kind, record.code)
    return record


def _erased(record) -> bool:
    """A tombstone left by erasure (records.erasure): shown, never written to again,
    since its data key is destroyed and nothing could be sealed with it."""
    key_id = getattr(record, "data_key_id", None)
    if key_id is None:
        return False
    from bordermonitor.core.models import DataKey

    return DataKey.objects.filter(pk=key_id, destroyed_at__isnull=False).exists()
