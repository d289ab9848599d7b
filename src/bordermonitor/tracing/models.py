"""Tracing: missing-person reports, cases, requests to authorities, deaths, detentions.

Field names here are the contract for the pages, the API, the family letter and
the demo scenario; keep them stable.

- `MissingPersonReport` (code MR-…): one relative's report about one `Person`.
  Reporter's name and contacts, phone last used, companions, destination and
  circumstances are encrypted; relationship, language, last-contact date and
  place stay plain so they can be counted.
- `TracingCase` (code C-…): the casework about one missing person; several
  reports join it.  At most one case per person is not closed.  Status moves
  only through `services.case_transition` (table `TRANSITIONS`), each move kept
  in `CaseTransition` (append-only).
- `Recipient`: an authority or organisation requests go to (seeded from
  `tracing/data/recipients.json`, edited in the admin site).
- `Intervention` (code I-…): one request sent to a recipient about a case
  and/or an event; `due_on` defaults to `sent_on + recipient.default_answer_days`.
- `DeathRecord` (code DR-…): a body found; official and testimony-only
  confirmations are always counted apart (`confirmation`).
- `Detention` (code DT-…): a person held in a facility, with its outcome.

Fuzzy dates are stored as `<name>_earliest`, `<name>_latest`, `<name>_precision`,
`<name>_approximate` (see `core.dates`) and read through a property `<name>`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bordermonitor.core.dates import PRECISIONS, FuzzyDate
from bordermonitor.core.fields import EncryptedTextField
from bordermonitor.core.models import (
    SIDE_CHOICES,
    BorderSection,
    Nationality,
    Place,
    ProtectedRecord,
)
from bordermonitor.records.models import LANGUAGE_CHOICES, SEX_CHOICES, Event, Person

# -- choices -----------------------------------------------------------------------

RELATIONSHIP_CHOICES = [
    ("parent", _("parent")),
    ("sibling", _("brother or sister")),
    ("spouse", _("spouse or partner")),
    ("child", _("son or daughter")),
    ("other_relative", _("other relative")),
    ("friend", _("friend")),
    ("fellow_traveller", _("fellow traveller")),
    ("organisation", _("organisation")),
    ("other", _("other")),
]

OPEN, RELAYED, SEARCHING, CLOSED = "open", "relayed", "searching", "closed"
STATUS_CHOICES = [
    (OPEN, _("open")),
    (RELAYED, _("relayed")),
    (SEARCHING, _("searching")),
    (CLOSED, _("closed")),
]

FOUND_ALIVE, DETAINED, DEPORTED = "found_alive", "detained", "deported"
RETURNED_HOME, DECEASED, NO_RESULT = "returned_home", "deceased", "closed_without_result"
OUTCOME_CHOICES = [
    (FOUND_ALIVE, _("found alive")),
    (DETAINED, _("detained")),
    (DEPORTED, _("deported")),
    (RETURNED_HOME, _("returned home")),
    (DECEASED, _("deceased")),
    (NO_RESULT, _("closed without result")),
]

# from-status -> the statuses a case may move to (closing needs an outcome)
TRANSITIONS: dict[str, frozenset[str]] = {
    OPEN: frozenset({RELAYED, SEARCHING, CLOSED}),
    RELAYED: frozenset({SEARCHING, CLOSED}),
    SEARCHING: frozenset({RELAYED, CLOSED}),
    CLOSED: frozenset({OPEN}),  # reopening
}

RECIPIENT_KIND_CHOICES = [
    ("border_authority", _("border authority")),
    ("international_org", _("international organisation")),
    ("embassy", _("embassy or consulate")),
    ("hospital", _("hospital")),
    ("detention_facility", _("detention facility")),
    ("ombudsman", _("ombudsman or national human-rights body")),
    ("ngo", _("non-governmental organisation")),
    ("police", _("police or prosecutor")),
    ("other", _("other")),
]
DETENTION_FACILITY = "detention_facility"

CHANNEL_CHOICES = [
    ("email", _("email")),
    ("post", _("post")),
    ("phone", _("phone")),
    ("in_person", _("in person")),
    ("hotline", _("hotline")),
    ("online_form", _("online form")),
]

CAUSE_CHOICES = [
    ("hypothermia", _("hypothermia")),
    ("drowning", _("drowning")),
    ("violence", _("violence")),
    ("exhaustion", _("exhaustion")),
    ("illness", _("illness")),
    ("unknown", _("unknown")),
]

OFFICIAL, TESTIMONY_ONLY = "official_statement", "testimony_only"
CONFIRMATION_CHOICES = [
    (OFFICIAL, _("official statement")),
    (TESTIMONY_ONLY, _("testimony only")),
]

UNIDENTIFIED, PRESUMED, IDENTIFIED = "unidentified", "presumed", "identified"
IDENTIFICATION_CHOICES = [
    (UNIDENTIFIED, _("unidentified")),
    (PRESUMED, _("presumed identity")),
    (IDENTIFIED, _("identified")),
]

DETENTION_OUTCOME_CHOICES = [
    ("released", _("released")),
    ("deported_by_air", _("deported by air")),
    ("informal_expulsion_to_russian_border", _("informal expulsion to the Russian border")),
    ("voluntary_return", _("“voluntary return”")),
    ("transferred", _("transferred")),
]


def _fuzzy(obj, prefix: str) -> FuzzyDate | None:
    return FuzzyDate.from_stored(
        getattr(obj, f"{prefix}_earliest"),
        getattr(obj, f"{prefix}_latest"),
        getattr(obj, f"{prefix}_precision"),
        getattr(obj, f"{prefix}_approximate"),
    )


# -- cases and reports --------------------------------------------------------------


class TracingCase(ProtectedRecord):
    """The search for one missing person; the reports of all relatives join it."""

    CODE_PREFIX = "C"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="tracing_cases")
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=OPEN)
    outcome = models.CharField(max_length=24, choices=OUTCOME_CHOICES, blank=True)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tracing_cases",
        help_text="the tracing officer in charge",
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
    notes = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=~models.Q(status="closed"),
                name="one_active_case_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status="closed", outcome__gt="")
                | (~models.Q(status="closed") & models.Q(outcome="")),
                name="case_outcome_iff_closed",
            ),
        ]
        indexes = [models.Index(fields=["status", "opened_on"], name="case_status_opened_idx")]

    @property
    def is_active(self) -> bool:
        return self.status != CLOSED


class MissingPersonReport(ProtectedRecord):
    """One relative's report that a person went silent, with how to reach the relative."""

    CODE_PREFIX = "MR"

    case = models.ForeignKey(TracingCase, on_delete=models.PROTECT, related_name="reports")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="missing_reports")
    received_on = models.DateField()
    # the reporter
    reporter_relationship = models.CharField(max_length=20, choices=RELATIONSHIP_CHOICES)
    reporter_name = EncryptedTextField()
    reporter_phone = EncryptedTextField()
    reporter_whatsapp = EncryptedTextField()
    reporter_telegram = EncryptedTextField()
    reporter_email = EncryptedTextField()
    reporter_language = models.CharField(max_length=4, choices=LANGUAGE_CHOICES, blank=True)
    # the last contact with the missing person
    last_contact_earliest = models.DateField(null=True, blank=True)
    last_contact_latest = models.DateField(null=True, blank=True)
    last_contact_precision = models.CharField(max_length=8, choices=PRECISIONS, blank=True)
    last_contact_approximate = models.BooleanField(default=False)
    last_contact_place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_contact_side = models.CharField(max_length=2, choices=SIDE_CHOICES, default="??")
    last_phone = EncryptedTextField(help_text="the phone number the person last used")
    companions = EncryptedTextField(help_text="who the person was travelling with")
    heading_to = EncryptedTextField(help_text="where the person was heading")
    circumstances = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-created_at"]
        indexes = [models.Index(fields=["received_on"], name="missing_report_received_idx")]

    @property
    def last_contact(self) -> FuzzyDate | None:
        return _fuzzy(self, "last_contact")


class CaseTransition(models.Model):
    """One status change of a case: from, to, outcome, who, when, why.  Never changed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(TracingCase, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=STATUS_CHOICES, blank=True)
    to_status = models.CharField(max_length=12, choices=STATUS_CHOICES)
    outcome = models.CharField(max_length=24, choices=OUTCOME_CHOICES, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    why = EncryptedTextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case.code}: {self.from_status or '-'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("case transitions are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("case transitions are append-only")

    def encryption_key_id(self):
        return self.case.data_key_id


# -- requests to authorities and organisations -------------------------------------


class Recipient(models.Model):
    """An authority or organisation requests are sent to (seeded, editable by admins)."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    name_ru = models.CharField("name in Russian", max_length=200, blank=True)
    kind = models.CharField(max_length=24, choices=RECIPIENT_KIND_CHOICES)
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2; empty for international bodies"
    )
    default_answer_days = models.PositiveSmallIntegerField(
        default=30, help_text="days an answer is expected in; sets an intervention's due date"
    )
    contact = models.CharField(
        max_length=300, blank=True, help_text="institutional address, email or hotline"
    )
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Intervention(ProtectedRecord):
    """One request to a recipient about a case and/or an event, and its answer."""

    CODE_PREFIX = "I"

    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="interventions")
    case = models.ForeignKey(
        TracingCase, on_delete=models.PROTECT, null=True, blank=True, related_name="interventions"
    )
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="interventions"
    )
    sent_on = models.DateField()
    channel = models.CharField(max_length=12, choices=CHANNEL_CHOICES)
    reference = models.CharField(
        max_length=100, blank=True, help_text="our or the recipient's reference number"
    )
    due_on = models.DateField()
    request_summary = EncryptedTextField()
    answered_on = models.DateField(null=True, blank=True)
    answer_summary = EncryptedTextField()
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answer_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | models.Q(event__isnull=False),
                name="intervention_about_case_or_event",
            ),
            models.CheckConstraint(
                condition=models.Q(answered_on__isnull=True)
                | models.Q(answered_on__gte=models.F("sent_on")),
                name="intervention_answered_after_sent",
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("sent_on")),
                name="intervention_due_after_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["answered_on", "due_on"], name="intervention_overdue_idx"),
            models.Index(fields=["recipient", "sent_on"], name="intervention_recipient_idx"),
        ]

    @property
    def is_answered(self) -> bool:
        return self.answered_on is not None


# -- deaths and detentions ------------------------------------------------------------


class DeathRecord(ProtectedRecord):
    """A body found at the border; identified or not."""

    CODE_PREFIX = "DR"

    found_earliest = models.DateField()
    found_latest = models.DateField()
    found_precision = models.CharField(max_length=8, choices=PRECISIONS)
    found_approximate = models.BooleanField(default=False)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True)
    side = models.CharField(max_length=2, choices=SIDE_CHOICES, default="??")
    border_section = models.ForeignKey(
        BorderSection, on_delete=models.PROTECT, null=True, blank=True
    )
    nationality = models.ForeignKey(
        Nationality, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sex = models.CharField(max_length=1, choices=SEX_CHOICES, default="u")
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    presumed_cause = models.CharField(max_length=12, choices=CAUSE_CHOICES, default="unknown")
    confirmation = models.CharField(max_length=20, choices=CONFIRMATION_CHOICES)
    identification_status = models.CharField(
        max_length=12, choices=IDENTIFICATION_CHOICES, default=UNIDENTIFIED
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="death_records"
    )
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="death_records"
    )
    description = EncryptedTextField(help_text="circumstances; may identify")
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    identified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-found_earliest", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_min__lte=models.F("age_max")),
                name="death_age_range_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(identification_status=UNIDENTIFIED, person__isnull=True)
                | (~models.Q(identification_status=UNIDENTIFIED) & models.Q(person__isnull=False)),
                name="death_person_iff_identified",
            ),
        ]
        indexes = [
            models.Index(fields=["found_earliest", "found_latest"], name="death_found_idx"),
        ]

    @property
    def found(self) -> FuzzyDate:
        return _fuzzy(self, "found")


class Detention(ProtectedRecord):
    """A person held in a facility: where, from when to when, on what ground, and after."""

    CODE_PREFIX = "DT"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="detentions")
    facility = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detentions",
        limit_choices_to={"kind": DETENTION_FACILITY},
    )
    facility_text = models.CharField(
        max_length=200, blank=True, help_text="the facility, when it is not in the list"
    )
    detained_from = models.DateField()
    detained_to = models.DateField(null=True, blank=True)
    legal_ground = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=40, choices=DETENTION_OUTCOME_CHOICES, blank=True)
    case = models.ForeignKey(
        TracingCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="detentions"
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
    notes = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-detained_from", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(facility__isnull=False) | models.Q(facility_text__gt=""),
                name="detention_has_a_facility",
            ),
            models.CheckConstraint(
                condition=models.Q(detained_to__isnull=True)
                | models.Q(detained_to__gte=models.F("detained_from")),
                name="detention_dates_ordered",
            ),
        ]

    @property
    def facility_name(self) -> str:
        return self.facility.name if self.facility_id else self.facility_text
