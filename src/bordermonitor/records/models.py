"""People, events, acts and sources (after the HURIDOCS Events Standard Formats).

Sensitive values (names, free text) live only in encrypted fields; everything
that is counted (dates, places, nationality, sex, violation types) stays plain
so figures can be computed without opening a single name.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from bordermonitor.core.dates import PRECISIONS, FuzzyDate
from bordermonitor.core.fields import EncryptedTextField
from bordermonitor.core.models import (
    SIDE_CHOICES,
    BorderSection,
    EventType,
    Nationality,
    Perpetrator,
    Place,
    ProtectedRecord,
    ViolationType,
)

SEX_CHOICES = [("f", "female"), ("m", "male"), ("x", "other"), ("u", "unknown")]

VULNERABILITY_CHOICES = [
    ("woman_alone", "woman travelling alone"),
    ("child", "child"),
    ("unaccompanied_child", "unaccompanied child"),
    ("pregnant", "pregnant"),
    ("disabled", "disabled"),
    ("elderly", "elderly"),
    ("serious_illness", "serious illness or injury"),
    ("survivor_of_violence", "survivor of violence"),
]
VULNERABILITY_CODES = [c for c, _ in VULNERABILITY_CHOICES]

LANGUAGE_CHOICES = [
    ("ar", "Arabic"),
    ("ku", "Kurdish"),
    ("ckb", "Kurdish (Sorani)"),
    ("kmr", "Kurdish (Kurmanji)"),
    ("fa", "Persian"),
    ("prs", "Dari"),
    ("ps", "Pashto"),
    ("so", "Somali"),
    ("ti", "Tigrinya"),
    ("am", "Amharic"),
    ("om", "Oromo"),
    ("ta", "Tamil"),
    ("si", "Sinhala"),
    ("hi", "Hindi"),
    ("pa", "Punjabi"),
    ("ur", "Urdu"),
    ("fr", "French"),
    ("en", "English"),
    ("ru", "Russian"),
    ("be", "Belarusian"),
    ("pl", "Polish"),
    ("lt", "Lithuanian"),
    ("lv", "Latvian"),
    ("sw", "Swahili"),
    ("ln", "Lingala"),
    ("rn", "Kirundi"),
    ("tr", "Turkish"),
]
LANGUAGE_CODES = [c for c, _ in LANGUAGE_CHOICES]

SCRIPT_CHOICES = [
    ("latin", "Latin"),
    ("cyrillic", "Cyrillic"),
    ("arabic", "Arabic"),
    ("ethiopic", "Ge'ez (Ethiopic)"),
    ("tamil", "Tamil"),
    ("devanagari", "Devanagari"),
    ("other", "other"),
]

WRITTEN_BY_CHOICES = [
    ("self", "the person"),
    ("relative", "a relative"),
    ("belarus_official", "Belarusian official"),
    ("polish_official", "Polish official"),
    ("lithuanian_official", "Lithuanian official"),
    ("latvian_official", "Latvian official"),
    ("organisation", "another organisation"),
    ("monitor", "our monitor"),
    ("document", "identity document"),
    ("other", "other"),
]


class Person(ProtectedRecord):
    CODE_PREFIX = "P"

    sex = models.CharField(max_length=1, choices=SEX_CHOICES, default="u")
    birth_earliest = models.DateField(null=True, blank=True)
    birth_latest = models.DateField(null=True, blank=True)
    birth_precision = models.CharField(max_length=8, choices=PRECISIONS, blank=True)
    birth_approximate = models.BooleanField(default=False)
    estimated_age = models.PositiveSmallIntegerField(null=True, blank=True)
    age_estimated_on = models.DateField(null=True, blank=True)
    nationality = models.ForeignKey(
        Nationality, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    languages = models.JSONField(default=list, blank=True)
    vulnerabilities = models.JSONField(default=list, blank=True)
    notes = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    @property
    def birth(self) -> FuzzyDate | None:
        return FuzzyDate.from_stored(
            self.birth_earliest, self.birth_latest, self.birth_precision, self.birth_approximate
        )

    @property
    def primary_name(self) -> str:
        variants = list(self.name_variants.all())
        for v in variants:
            if v.is_primary:
                return v.full_name
        return variants[0].full_name if variants else ""


class NameVariant(models.Model):
    """One spelling of a person's name, with its script and who wrote it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_variants")
    full_name = EncryptedTextField()
    script = models.CharField(max_length=12, choices=SCRIPT_CHOICES)
    written_by = models.CharField(max_length=24, choices=WRITTEN_BY_CHOICES, default="relative")
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "created_at"]

    def __str__(self) -> str:
        return f"name variant of {self.person.code}"

    def encryption_key_id(self):
        return self.person.data_key_id


class NameToken(models.Model):
    """Blind-index entry: a keyed hash of one normalised name token."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(NameVariant, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=32, db_index=True)

    def __str__(self) -> str:
        return f"name token of {self.person_id}"


class Event(ProtectedRecord):
    """An incident: when, where, what, and how many people."""

    CODE_PREFIX = "E"

    title = models.CharField(
        max_length=200, blank=True, help_text="short, without names (e.g. 'pushback near Kuźnica')"
    )
    date_earliest = models.DateField()
    date_latest = models.DateField()
    date_precision = models.CharField(max_length=8, choices=PRECISIONS)
    date_approximate = models.BooleanField(default=False)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    side = models.CharField(max_length=2, choices=SIDE_CHOICES, default="??")
    border_section = models.ForeignKey(
        BorderSection, on_delete=models.PROTECT, null=True, blank=True
    )
    event_types = models.ManyToManyField(EventType, blank=True)
    description = EncryptedTextField()
    group_size = models.PositiveIntegerField(null=True, blank=True)
    women_count = models.PositiveIntegerField(null=True, blank=True)
    men_count = models.PositiveIntegerField(null=True, blank=True)
    children_count = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-date_earliest", "-created_at"]
        indexes = [models.Index(fields=["date_earliest", "date_latest"])]

    @property
    def date(self) -> FuzzyDate:
        return FuzzyDate.from_stored(
            self.date_earliest, self.date_latest, self.date_precision, self.date_approximate
        )


class Act(models.Model):
    """One violation inside an event: victim × violation type × perpetrator."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="acts")
    victim = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="acts"
    )
    victim_group_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="unnamed victims, when no person is named"
    )
    violation_type = models.ForeignKey(ViolationType, on_delete=models.PROTECT)
    perpetrator = models.ForeignKey(Perpetrator, on_delete=models.PROTECT)
    notes = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(victim__isnull=False) | models.Q(victim_group_count__gt=0),
                name="act_has_a_victim",
            )
        ]

    def __str__(self) -> str:
        return f"{self.violation_type} in {self.event.code}"

    def encryption_key_id(self):
        return self.event.data_key_id


SOURCE_KIND_CHOICES = [
    ("interview", "interview with the person"),
    ("witness", "witness"),
    ("relative", "relative"),
    ("official", "official statement"),
    ("media", "media"),
    ("international_org", "international organisation"),
    ("open_source", "open source"),
]

RELIABILITY_CHOICES = [
    ("high", "high: first-hand, consistent, corroborated"),
    ("medium", "medium: first-hand or corroborated"),
    ("low", "low: second-hand, uncorroborated"),
    ("unknown", "not assessed"),
]


class Source(ProtectedRecord):
    """Where a piece of information came from, and what may be done with it."""

    CODE_PREFIX = "S"

    kind = models.CharField(max_length=20, choices=SOURCE_KIND_CHOICES)
    received_on = models.DateField()
    reliability = models.CharField(max_length=8, choices=RELIABILITY_CHOICES, default="unknown")
    language = models.CharField(max_length=4, choices=LANGUAGE_CHOICES, blank=True)
    interpreter_used = models.BooleanField(default=False)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # consent, as given by the source
    consent_quote = models.BooleanField("may be quoted", default=False)
    consent_share_un = models.BooleanField(
        "may be shared with the UN and organisations", default=False
    )
    consent_publish_anonymously = models.BooleanField("may be published anonymously", default=False)
    internal_only = models.BooleanField(
        "internal only", default=True, help_text="never leaves the organisation in any form"
    )
    testimony = EncryptedTextField()
    events = models.ManyToManyField(Event, blank=True, related_name="sources")
    persons = models.ManyToManyField(Person, blank=True, related_name="sources")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(internal_only=False)
                | models.Q(
                    consent_quote=False, consent_share_un=False, consent_publish_anonymously=False
                ),
                name="internal_only_source_has_no_release_consent",
            )
        ]
