"""`{% evidence_section record %}`: the evidence list and upload link on a source or event page.

A tag rather than view context, so the source and event views need no change and
the list goes through the same visibility rule as the evidence pages."""

from __future__ import annotations

from django import template

from bordermonitor.records import evidence
from bordermonitor.records.models import Event, Source

register = template.Library()


@register.inclusion_tag("records/evidence/_section.html", takes_context=True)
def evidence_section(context, record: Source | Event) -> dict:
    user = context.get("user")
    visible = bool(user and user.is_authenticated and user.can("evidence.view"))
    is_source = isinstance(record, Source)
    items = []
    if visible:
        items = list(
            evidence.attachment_list(
                user, **({"source": record} if is_source else {"event": record})
            )
        )
    return {
        "visible": visible,
        "items": items,
        "may_upload": bool(visible and user.can("evidence.upload")),
        "upload_url": "source-evidence-upload" if is_source else "event-evidence-upload",
        "record": record,
    }
