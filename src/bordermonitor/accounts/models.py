"""Users with one role each, and API tokens for scripts."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from bordermonitor.accounts.roles import ADMIN, ROLE_CHOICES, has_capability


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text="interface language; empty follows the browser",
    )

    def can(self, capability: str) -> bool:
        return self.is_active and has_capability(self.role, capability)

    def save(self, *args, **kwargs):
        # Django admin access follows the role, never a separate flag set by hand.
        self.is_staff = self.role == ADMIN
        self.is_superuser = self.role == ADMIN
        super().save(*args, **kwargs)


TOKEN_PREFIX = "bm_"  # noqa: S105 - a prefix, not a secret  # nosec B105


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for one user; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    # the role the user had when the token was made: the token stops working when the
    # role changes (a new role gets a new token, created with a fresh second factor)
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="first characters, to recognise a token")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user.username})"

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.expires_at > timezone.now()
            and self.user.is_active
            and self.user.role == self.role
        )

    @staticmethod
    def new_secret() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)


class AuditEntry(models.Model):
    """One line of the audit trail: who did what to which record, never the content.

    Entries are chained: `mac` is HMAC-SHA256(audit key, previous mac || this entry),
    the key derived from the master key (outside the database).  The database refuses
    UPDATE and DELETE on the table (triggers, migration 0003); `audit verify` finds
    what got past them anyway.  Written only by `accounts.audit.audit_record`.
    """

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(editable=False)
    # no foreign key: accounts come and go, the trail stays as it was written
    actor_id = models.BigIntegerField(null=True, blank=True, editable=False)
    actor_name = models.CharField(max_length=150, editable=False)
    action = models.CharField(max_length=32, editable=False)
    kind = models.CharField(max_length=64, blank=True, editable=False)
    code = models.CharField(max_length=64, blank=True, editable=False)
    client_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    mac = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-seq"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["action", "seq"], name="audit_action"),
            models.Index(fields=["kind", "code"], name="audit_record"),
            models.Index(fields=["actor_name", "seq"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.kind} {self.code}".strip()


class Team(models.Model):
    """People who work one set of restricted records together (need-to-know).

    A record marked restricted is visible only to the members of its assigned team
    and to coordinators (`accounts.need_to_know`).
    """

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(User, blank=True, related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
