"""Navigation shown to a user: only the sections their role may open."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bordermonitor.linkage.labels import REVIEW_NAV_LABEL
from bordermonitor.tracing.labels import DETENTIONS_NAV_LABEL

NAV = [
    ("dashboard", _("Dashboard"), "dashboard.view"),
    ("intake-drafts", _("Record a testimony"), "sources.edit"),
    ("person-list", _("People"), "persons.view"),
    ("event-list", _("Events"), "events.view"),
    ("source-list", _("Sources"), "sources.view"),
    ("tracing-case-list", _("Tracing"), "tracing.view"),
    ("tracing-death-list", _("Deaths"), "tracing.view"),
    ("tracing-detention-list", DETENTIONS_NAV_LABEL, "tracing.view"),
    ("tracing-stats", _("Requests answered"), "tracing.stats"),
    ("figures-dashboard", _("Figures"), "dashboard.view"),
    ("linkage-review", REVIEW_NAV_LABEL, "matching.review"),
    ("admin:index", _("Administration"), "admin.site"),
    ("audit-list", _("Audit trail"), "audit.view"),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "can": frozenset()}
    from bordermonitor.accounts.roles import CAPABILITIES

    return {
        "nav": [(name, label) for name, label, cap in NAV if user.can(cap)],
        "can": frozenset(cap for cap in CAPABILITIES if user.can(cap)),
    }
