"""Template helpers for tracing pages and the family letter."""

from __future__ import annotations

from django import template

from bordermonitor.core.models import shown_label

register = template.Library()


@register.filter
def in_language(record) -> str:
    """A recipient's (or place's) name in the active language: Russian when it is set."""
    if record is None:
        return ""
    return shown_label(record.name, getattr(record, "name_ru", ""))
