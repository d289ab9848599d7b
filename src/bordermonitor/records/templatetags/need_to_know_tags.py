"""`{% restriction_panel record "url-name" %}`: the need-to-know badge of a testimony,
case or detention, and for coordinators the form that restricts it to a team.

A tag, so the three detail pages need one line and no view context."""

from __future__ import annotations

from django import template

from bordermonitor.records.forms import RestrictionForm

register = template.Library()


@register.inclusion_tag("records/_restriction.html", takes_context=True)
def restriction_panel(context, record, url_name: str) -> dict:
    user = context.get("user")
    may_assign = bool(user and user.is_authenticated and user.can("restricted.assign"))
    form = None
    if may_assign:
        form = RestrictionForm(
            initial={"restricted": record.restricted, "team": record.team_id},
            auto_id="id_restriction_%s",
        )
    return {
        "record": record,
        "form": form,
        "url_name": url_name,
        "csrf_token": context.get("csrf_token"),
    }
