"""Audit entries for changes, sign-ins and permission changes, from Django's signals.

Connected in `AccountsConfig.ready`.  Changes are recorded for every protected
record (a model with a pseudonymous `code`, `core.models.ProtectedRecord`) of the
records and tracing apps: the code and kind only.  Drafts are a user's own unsent
intake work and are not audited until they become records.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save

from bordermonitor.accounts import audit
from bordermonitor.core.models import ProtectedRecord

AUDITED_APPS = frozenset({"records", "tracing"})
NOT_AUDITED = frozenset({"draft"})
# the account fields that decide what a user may do
PERMISSION_FIELDS = ("role", "is_active")


def _audited(sender) -> bool:
    meta = sender._meta
    return (
        issubclass(sender, ProtectedRecord)
        and meta.app_label in AUDITED_APPS
        and meta.model_name not in NOT_AUDITED
    )


def _actor_for(instance) -> audit.Actor:
    """The request's user when a view set one; else who the record says created it."""
    creator = getattr(instance, "created_by", None) if hasattr(instance, "created_by_id") else None
    return audit.current_actor(default=audit.Actor.of(creator) if creator else audit.SYSTEM)


def record_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not _audited(sender):
        return
    action = audit.CREATE if created else audit.UPDATE
    audit.audit_record(_actor_for(instance), action, sender._meta.model_name, instance.code)


def record_deleted(sender, instance, **kwargs) -> None:
    if not _audited(sender):
        return
    audit.audit_record(None, audit.DELETE, sender._meta.model_name, instance.code)


def signed_in(sender, request, user, **kwargs) -> None:
    """Audited, and the new session stamped for the idle and absolute timeouts."""
    if request is not None and hasattr(request, "session"):
        from bordermonitor.accounts.middleware import session_started

        session_started(request)
    audit.audit_record(
        audit.Actor.of(user, audit.client_address(request)), audit.SIGN_IN, "user", str(user.pk)
    )


def signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        actor = audit.Actor.of(user, audit.client_address(request))
        audit.audit_record(actor, audit.SIGN_OUT, "user", str(user.pk))


def sign_in_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    """The username tried is kept (it is how an attack shows); the password never is."""
    attempted = str(credentials.get("username") or "")[: audit.NAME_MAX]
    actor = audit.Actor(None, attempted or "anonymous", audit.client_address(request))
    audit.audit_record(actor, audit.SIGN_IN_FAILED, "user", "")


def account_before_save(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    """Note whether the role or active flag is about to change (compared with the row)."""
    instance._audit_permission_changed = False
    if raw:
        return
    if update_fields is not None and not set(update_fields) & set(PERMISSION_FIELDS):
        return  # e.g. last_login at sign-in: no query
    if instance.pk is None or instance._state.adding:
        instance._audit_permission_changed = True
        return
    before = sender.objects.filter(pk=instance.pk).values(*PERMISSION_FIELDS).first()
    instance._audit_permission_changed = before is None or any(
        before[f] != getattr(instance, f) for f in PERMISSION_FIELDS
    )


def account_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw or not getattr(instance, "_audit_permission_changed", False):
        return
    instance._audit_permission_changed = False
    audit.audit_record(None, audit.PERMISSION_CHANGE, "user", str(instance.pk))
    if not instance.is_active:
        # a disabled account's open sessions end now (Django would also refuse them
        # at their next request: its backend does not load inactive users)
        from bordermonitor.accounts.services import sessions_end

        sessions_end(user=instance)


def connect() -> None:
    from bordermonitor.accounts.models import User

    post_save.connect(record_saved, dispatch_uid="audit-record-saved")
    post_delete.connect(record_deleted, dispatch_uid="audit-record-deleted")
    user_logged_in.connect(signed_in, dispatch_uid="audit-signed-in")
    user_logged_out.connect(signed_out, dispatch_uid="audit-signed-out")
    user_login_failed.connect(sign_in_failed, dispatch_uid="audit-sign-in-failed")
    pre_save.connect(account_before_save, sender=User, dispatch_uid="audit-account-before")
    post_save.connect(account_saved, sender=User, dispatch_uid="audit-account-saved")
