"""People, events, acts and sources (after the HURIDOCS Events Standard Formats).

Sensitive values (names, free text) live only in encrypted fields; everything
that is counted (dates, places, nationality, sex, violation types) stays plain
so figures can be computed without opening a single name.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bordermonitor.core.dates import PRECISIONS, FuzzyDate
from bordermonitor.core.fields import EncryptedJSONField, EncryptedTextField
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

SEX_CHOICES = [("f", _("female")), ("m", _("male")), ("x", _("other")), ("u", _("unknown"))]

VULNERABILITY_CHOICES = [
    ("woman_alone", _("woman travelling alone")),
    ("child", _("child")),
    ("unaccompanied_child", _("unaccompanied child")),
    ("pregnant", _("pregnant")),
    ("disabled", _("disabled")),
    ("elderly", _("elderly")),
    ("serious_illness", _("serious illness or injury")),
    ("survivor_of_violence", _("survivor of violence")),
]
VULNERABILITY_CODES = [c for c, _ in VULNERABILITY_CHOICES]

LANGUAGE_CHOICES = [
    ("ar", _("Arabic")),
    ("ku", _("Kurdish")),
    ("ckb", _("Kurdish (Sorani)")),
    ("kmr", _("Kurdish (Kurmanji)")),
    ("fa", _("Persian")),
    ("prs", _("Dari")),
    ("ps", _("Pashto")),
    ("so", _("Somali")),
    ("ti", _("Tigrinya")),
    ("am", _("Amharic")),
    ("om", _("Oromo")),
    ("ta", _("Tamil")),
    ("si", _("Sinhala")),
    ("hi", _("Hindi")),
    ("pa", _("Punjabi")),
    ("ur", _("Urdu")),
    ("fr", _("French")),
    ("en", _("English")),
    ("ru", _("Russian")),
    ("be", _("Belarusian")),
    ("pl", _("Polish")),
    ("lt", _("Lithuanian")),
    ("lv", _("Latvian")),
    ("sw", _("Swahili")),
    ("ln", _("Lingala")),
    ("rn", _("Kirundi")),
    ("tr", _("Turkish")),
]
LANGUAGE_CODES = [c for c, _ in LANGUAGE_CHOICES]

SCRIPT_CHOICES = [
    ("latin", _("Latin")),
    ("cyrillic", _("Cyrillic")),
    ("arabic", _("Arabic")),
    ("ethiopic", _("Ge'ez (Ethiopic)")),
    ("tamil", _("Tamil")),
    ("devanagari", _("Devanagari")),
    ("other", _("other")),
]

WRITTEN_BY_CHOICES = [
    ("self", _("the person")),
    ("relative", _("a relative")),
    ("belarus_official", _("Belarusian official")),
    ("polish_official", _("Polish official")),
    ("lithuanian_official", _("Lithuanian official")),
    ("latvian_official", _("Latvian official")),
    ("organisation", _("another organisation")),
    ("monitor", _("our monitor")),
    ("document", _("identity document")),
    ("other", _("other")),
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
        indexes = [
            # only the few people with flags are read (selectors._listed)
            models.Index(fields=["vulnerabilities"], name="person_vulnerable_idx"),
        ]

    @property
    def birth(self) -> FuzzyDate | None:
        return FuzzyDate.from_stored(
            self.birth_earliest, self.birth_latest, self.birth_precision, self.birth_approximate
        )

    @property
    def vulnerability_labels(self) -> list[str]:
        """The flags in the reader's language (the stored codes are for filters)."""
        labels = dict(VULNERABILITY_CHOICES)
        return [str(labels.get(code, code)) for code in self.vulnerabilities or []]

    @property
    def language_labels(self) -> list[str]:
        labels = dict(LANGUAGE_CHOICES)
        return [str(labels.get(code, code)) for code in self.languages or []]

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
    previous_event = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_event",
        help_text="the event just before this one in the same person's or group's story",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-date_earliest", "-created_at"]
        indexes = [
            models.Index(fields=["date_earliest", "date_latest"]),
            # a side or border section plus a period, read newest first without sorting
            models.Index(fields=["side", "date_earliest"], name="event_side_date_idx"),
            models.Index(fields=["border_section", "date_earliest"], name="event_section_date_idx"),
        ]

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
    victim_group_women = models.PositiveIntegerField(null=True, blank=True)
    victim_group_men = models.PositiveIntegerField(null=True, blank=True)
    victim_group_children = models.PositiveIntegerField(null=True, blank=True)
    victim_group_vulnerabilities = models.JSONField(default=list, blank=True)
    violation_type = models.ForeignKey(ViolationType, on_delete=models.PROTECT)
    perpetrator = models.ForeignKey(Perpetrator, on_delete=models.PROTECT)
    left_without_identity_document = models.BooleanField(
        null=True,
        blank=True,
        help_text="after a confiscation or destruction: is the person now without any ID?",
    )
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
        indexes = [
            # "does this event have a pushback (by ...)": one index probe per event, and
            # the reason SQLite, which keeps no statistics unless told to, does not walk
            # every pushback in the table for each event instead
            models.Index(fields=["event", "violation_type"], name="act_event_violation_idx"),
            models.Index(fields=["event", "perpetrator"], name="act_event_perpetrator_idx"),
            # only the few acts whose group has flags are read (selectors._listed)
            models.Index(
                fields=["victim_group_vulnerabilities", "event"], name="act_group_vulnerable_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.violation_type} in {self.event.code}"

    def encryption_key_id(self):
        return self.event.data_key_id


SOURCE_KIND_CHOICES = [
    ("interview", _("interview with the person")),
    ("witness", _("witness")),
    ("relative", _("relative")),
    ("official", _("official statement")),
    ("media", _("media")),
    ("international_org", _("international organisation")),
    ("open_source", _("open source")),
]

RELIABILITY_CHOICES = [
    ("high", _("high: first-hand, consistent, corroborated")),
    ("medium", _("medium: first-hand or corroborated")),
    ("low", _("low: second-hand, uncorroborated")),
    ("unknown", _("not assessed")),
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
    # need-to-know (accounts.need_to_know): restricted records are seen only by the
    # assigned team's members and by coordinators
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        db_index=True,
        help_text=_("visible only to the assigned team and to coordinators"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned team"),
    )
    testimony = EncryptedTextField()
    events = models.ManyToManyField(
        Event, blank=True, related_name="sources", through="SourceEvent"
    )
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


class SourceEvent(models.Model):
    """A source describing an event, with that source's own version where it differs.

    Several witnesses of one incident attach to the same Event, so the group is
    counted once; each keeps its account here.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE)
    event = models.ForeignKey(Event, on_delete=models.CASCADE)
    account = EncryptedTextField(help_text="this source's version of the event")

    class Meta:
        db_table = "records_source_events"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event"], name="one_link_per_source_and_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source.code} on {self.event.code}"

    def encryption_row_id(self) -> str | None:
        if self.source_id is None or self.event_id is None:
            return None
        return f"{self.source_id}:{self.event_id}"

    def encryption_key_id(self):
        return self.source.data_key_id


ITEM_CHOICES = [
    ("passport", _("passport")),
    ("id_card", _("ID card")),
    ("residence_permit", _("residence permit")),
    ("visa", _("visa or travel document")),
    ("phone", _("phone")),
    ("sim_card", _("SIM card")),
    ("money", _("money")),
    ("other", _("other belongings")),
]
ITEM_FATE_CHOICES = [
    ("kept", _("kept by the perpetrator")),
    ("destroyed", _("destroyed")),
    ("returned", _("returned")),
    ("unknown", _("unknown")),
]
IDENTITY_DOCUMENTS = {"passport", "id_card", "residence_permit", "visa"}


class ConfiscatedItem(models.Model):
    """An item taken or destroyed in a confiscation or destruction act."""

    act = models.ForeignKey(Act, on_delete=models.CASCADE, related_name="items")
    item = models.CharField(max_length=20, choices=ITEM_CHOICES)
    fate = models.CharField(max_length=12, choices=ITEM_FATE_CHOICES, default="unknown")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_item_display()} ({self.get_fate_display()})"


class TestimonyTranslation(models.Model):
    """A translation of a source's testimony, attributed to its translator."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=4, choices=LANGUAGE_CHOICES)
    text = EncryptedTextField()
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    translator_name = models.CharField(
        max_length=200, blank=True, help_text="when the translator has no account"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_language_display()} translation of {self.source.code}"

    def encryption_key_id(self):
        return self.source.data_key_id


ATTACHMENT_KIND_CHOICES = [
    ("image", _("image")),
    ("audio", _("audio")),
    ("document", _("document")),
]


class Attachment(ProtectedRecord):
    """Evidence file: the original kept encrypted and unaltered (chain of custody), and a
    working copy without location or camera metadata for everything else."""

    CODE_PREFIX = "A"

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(max_length=10, choices=ATTACHMENT_KIND_CHOICES)
    content_type = models.CharField(max_length=100)
    original_name = EncryptedTextField(help_text="file names often carry names; sealed")
    original_size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256 of the original", max_length=64)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()
    working_content_type = models.CharField(max_length=100, blank=True)
    working_size = models.PositiveBigIntegerField(null=True, blank=True)
    metadata_removed = models.JSONField(
        default=list, blank=True, help_text="what was stripped from the working copy"
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__isnull=False) | models.Q(event__isnull=False),
                name="attachment_belongs_to_a_source_or_event",
            )
        ]


class Draft(ProtectedRecord):
    """Work in progress in the intake flow, saved as the monitor types (sealed)."""

    CODE_PREFIX = "D"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, default="intake")
    step = models.PositiveSmallIntegerField(default=1)
    payload = EncryptedJSONField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
