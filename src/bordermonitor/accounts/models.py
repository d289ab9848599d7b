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


TOKEN_PREFIX = "bm_"  # noqa: S105 - a prefix, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for one user; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
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
        return self.revoked_at is None and self.expires_at > timezone.now() and self.user.is_active

    @staticmethod
    def new_secret() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)
