"""Reading the audit trail for the admins' audit page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from bordermonitor.accounts.models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    kind: str = ""
    code: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Entries newest first; the date range counts whole days in the server's time zone."""
    qs = AuditEntry.objects.order_by("-seq")
    if filters.actor:
        qs = qs.filter(actor_name=filters.actor)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.code:
        qs = qs.filter(code=filters.code.strip())
    if filters.date_from:
        qs = qs.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return qs


def audit_kinds() -> list[str]:
    """The kinds that occur in the trail, for the filter's choices."""
    return sorted(k for k in AuditEntry.objects.values_list("kind", flat=True).distinct() if k)
