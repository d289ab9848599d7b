"""Published figure sets, frozen: what was counted (by code), how, and what came out.

A `FigureSnapshot` keeps, per figure, the codes of the records it counted —
never their content — and the tables as published (after disclosure control),
with the counting rules' version, k and the period.  `services.recompute`
recounts exactly those records later and says what changed since.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bordermonitor.core.fields import EncryptedJSONField
from bordermonitor.core.models import ProtectedRecord


class FigureSnapshot(ProtectedRecord):
    CODE_PREFIX = "FS"

    period_from = models.DateField(null=True, blank=True, help_text="empty: since monitoring began")
    period_to = models.DateField()
    rules_version = models.CharField(max_length=16)
    k = models.PositiveSmallIntegerField(help_text="counts 1..k-1 were suppressed")
    scope = models.CharField(max_length=16)
    # figure name -> sorted codes of the records it counted
    counted = models.JSONField(default=dict)
    # figure name -> PublishedTable.to_json(), as published
    tables = models.JSONField(default=dict)
    # section name -> text written in the app for the report; may name places or people
    narrative = EncryptedJSONField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at"]


from .monthly import DailyCount, EventCount, FirstPushback, MonthlyCount  # noqa: E402,F401  (h10)
from .narrative import ReportNarrative  # noqa: E402,F401  (h9: the report narrative)
