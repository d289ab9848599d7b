"""Pseudonymous codes (P-2024-00123): what URLs, logs and exports carry instead of names."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from bordermonitor.core.models import CodeSequence

CODE_RE = re.compile(r"^[A-Z]{1,4}-\d{4}-\d{5,}$")


def next_code(prefix: str, year: int | None = None) -> str:
    """Hand out the next code for a prefix and year; safe under concurrent writers."""
    year = year or timezone.now().year
    with transaction.atomic():
        seq, _ = CodeSequence.objects.select_for_update().get_or_create(prefix=prefix, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
        return f"{prefix}-{year}-{seq.last:05d}"


def code_year(code: str) -> int | None:
    if not CODE_RE.match(code or ""):
        return None
    return int(code.split("-")[1])


def today() -> dt.date:
    return timezone.localdate()
