"""What the app keeps to propose matches, and what coordinators decided about them.

`PersonMatchData`, `BlockingKey` and `NamePart` are derived from a person's records and
can be rebuilt at any time (`services.matching_data_rebuild`).  They hold nothing that is
not already plain on the person (sex, nationality, birth years) except the blocking keys
and name parts, and those only as keyed digests: a copy of the database cannot tell which
names meet.

`MatchDecision` is append-only in spirit: a decision is never edited, a confirmed link
is undone by stamping `undone_at` (and restoring what the confirmation changed), so the
history of who decided what, when and why stays readable.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bordermonitor.core.fields import EncryptedTextField
from bordermonitor.records.models import Person
from bordermonitor.tracing.models import DeathRecord


class PersonMatchData(models.Model):
    """One person's plain comparison fields, kept current by signals (see `signals`)."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="match_data"
    )
    birth_year_min = models.SmallIntegerField(null=True, blank=True)
    birth_year_max = models.SmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True)  # "m", "f" or "" (unknown)
    nationality = models.CharField(max_length=3, blank=True)  # ISO 3166-1 alpha-3
    # reported missing, and the latest day the person was certainly still heard from
    is_missing = models.BooleanField(default=False)
    last_contact = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["is_missing", "sex"], name="match_missing_sex_idx"),
        ]

    def __str__(self) -> str:
        return f"matching data of {self.person_id}"


class PersonDigest(models.Model):
    """A keyed digest of something about a person's names, one row per person and digest."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=32, db_index=True)

    class Meta:
        abstract = True


class BlockingKey(PersonDigest):
    """A keyed digest of one blocking key of a person's names (never the key itself)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "digest"], name="blocking_key_once"),
        ]

    def __str__(self) -> str:
        return f"blocking key of {self.person_id}"


class NamePart(PersonDigest):
    """A keyed digest of one canonical part of a person's names (never the part itself).

    Counted per digest, they tell how rare a name part is among the people on record,
    which is how much its agreement is worth (`model.NAME_LEVELS`): "Mohammed" agreeing
    says little, a family name only one family has says a lot.  Like the blocking keys,
    the digests let someone with a copy of the database count how many people share some
    unknown name part, not which part it is.
    """

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "digest"], name="name_part_once"),
        ]

    def __str__(self) -> str:
        return f"name part of {self.person_id}"


CONFIRMED, REJECTED, UNSURE = "confirmed", "rejected", "unsure"
VERDICT_CHOICES = [
    (CONFIRMED, _("same person")),
    (REJECTED, _("not the same person")),
    (UNSURE, _("unsure")),
]


class MatchDecision(models.Model):
    """A coordinator's verdict on a proposed pair: two people, or a person and a body.

    A pair is `person` with `other_person`, or `person` with `death`.  Person pairs are
    stored with the smaller id first, so one pair has one spelling.  A confirmed person
    pair is the link itself (nothing on either person is overwritten); a confirmed body
    pair also went through `tracing.services.death_identify`, and `previous_state` keeps
    what the death record said before, so undoing restores it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    other_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    death = models.ForeignKey(
        DeathRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verdict = models.CharField(max_length=10, choices=VERDICT_CHOICES)
    probability = models.FloatField(help_text="the model's probability when decided")
    reason = EncryptedTextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    previous_state = models.JSONField(default=dict, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = EncryptedTextField()

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(other_person__isnull=True, death__isnull=False)
                | models.Q(other_person__isnull=False, death__isnull=True),
                name="decision_about_a_person_or_a_body",
            ),
            # one standing confirm/reject per pair: a decided pair is never proposed again
            models.UniqueConstraint(
                fields=["person", "other_person"],
                condition=models.Q(
                    death__isnull=True,
                    undone_at__isnull=True,
                    verdict__in=["confirmed", "rejected"],
                ),
                name="one_standing_decision_per_person_pair",
            ),
            models.UniqueConstraint(
                fields=["person", "death"],
                condition=models.Q(
                    other_person__isnull=True,
                    undone_at__isnull=True,
                    verdict__in=["confirmed", "rejected"],
                ),
                name="one_standing_decision_per_body_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"match decision {self.id}"

    def encryption_key_id(self):
        return self.person.data_key_id

    @property
    def is_standing(self) -> bool:
        return self.undone_at is None
