"""Core tables: data keys, code sequences and the controlled vocabularies.

Vocabularies are data, seeded for the Belarus–EU border by migrations and
editable by admins (Django admin), so another border is configuration, not code.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

SIDE_CHOICES = [
    ("BY", _("Belarus")),
    ("PL", _("Poland")),
    ("LT", _("Lithuania")),
    ("LV", _("Latvia")),
    ("RU", _("Russia")),
    ("UA", _("Ukraine")),
    ("??", _("unknown")),
]


def in_russian() -> bool:
    """Whether the active interface language is Russian (the terms' second label)."""
    return (get_language() or "").startswith("ru")


def shown_label(english: str, russian: str) -> str:
    """The label in the interface language: the Russian one when it is set."""
    return russian if russian and in_russian() else english


class DataKey(models.Model):
    """A per-record data key, stored only wrapped by the master key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.CharField(max_length=32, db_index=True, help_text="code of the owning record")
    wrapped = models.BinaryField(null=True)
    # Fingerprint of the master key that wrapped it ('' : before fingerprints, i.e. the
    # current key); lets `keys rotate` resume and readers pick the key during one.
    wrapped_by = models.CharField(max_length=16, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"data key of {self.owner}"


class CodeSequence(models.Model):
    """Last number handed out per code prefix and year (P-2024-00123)."""

    prefix = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="unique_code_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Vocabulary(models.Model):
    """Shared shape of a controlled term: stable code, label, active flag."""

    code = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=200)
    label_ru = models.CharField(_("label in Russian"), max_length=200, blank=True, default="")
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        abstract = True
        ordering = ["sort_order", "label"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """The label a user reads: Russian for a Russian interface when one is set."""
        return shown_label(self.label, self.label_ru)


class ViolationType(Vocabulary):
    """Pushback, beating, dog attack, ... (DESIGN.md)."""

    class Meta(Vocabulary.Meta):
        pass


class Perpetrator(Vocabulary):
    """An institution that commits acts (e.g. Polish Border Guard)."""

    country = models.CharField(max_length=2, choices=SIDE_CHOICES, default="??")

    class Meta(Vocabulary.Meta):
        pass


class EventType(Vocabulary):
    """What happened, at event level (crossing attempt, pushback, death, ...)."""

    class Meta(Vocabulary.Meta):
        pass


class Nationality(models.Model):
    """A country of nationality, seeded from pycountry (ISO 3166-1)."""

    code = models.CharField(max_length=3, unique=True, help_text="ISO 3166-1 alpha-3")
    alpha2 = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True, default="")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "nationalities"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The country's name in the interface language (Russian from pycountry's catalogue)."""
        return shown_label(self.name, self.name_ru)


class BorderSection(models.Model):
    """A stretch of border used to aggregate events (and to coarsen places in exports)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True, default="")
    countries = models.CharField(max_length=16, help_text="e.g. BY,PL")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The section's name in the interface language."""
        return shown_label(self.name, self.name_ru)


class Place(models.Model):
    """A gazetteer place: crossing point, village, forest, facility."""

    KIND_CHOICES = [
        ("crossing", _("border crossing")),
        ("village", _("village")),
        ("town", _("town")),
        ("city", _("city")),
        ("forest", _("forest")),
        ("river", _("river or canal")),
        ("facility", _("facility")),
    ]
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    name_ru = models.CharField("name in Russian", max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    country = models.CharField(max_length=2, choices=SIDE_CHOICES)
    border_section = models.ForeignKey(
        BorderSection, on_delete=models.PROTECT, null=True, blank=True, related_name="places"
    )
    latitude = models.DecimalField(max_digits=8, decimal_places=5)
    longitude = models.DecimalField(max_digits=8, decimal_places=5)
    note = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.country})"

    @property
    def display_name(self) -> str:
        """The place's name in the interface language (Cyrillic as used locally for Russian)."""
        return shown_label(self.name, self.name_ru)


class ProtectedRecord(models.Model):
    """A record with sensitive fields: UUID row id, pseudonymous code, own data key."""

    CODE_PREFIX = "X"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=20, unique=True, editable=False)
    data_key = models.ForeignKey(
        DataKey, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.code

    def encryption_key_id(self) -> uuid.UUID:
        return self.data_key_id
