"""Roles and what each may do: the one table the server consults, deny by default.

Pages, API routes and exports name a capability; a role has it only if it is
listed here.  The analyst never holds a capability that returns personal data.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ADMIN = "admin"
COORDINATOR = "coordinator"
MONITOR = "monitor"
TRACING_OFFICER = "tracing_officer"
LAWYER = "lawyer"
ANALYST = "analyst"

ROLE_CHOICES = [
    (ADMIN, _("admin")),
    (COORDINATOR, _("coordinator")),
    (MONITOR, _("monitor")),
    (TRACING_OFFICER, _("tracing officer")),
    (LAWYER, _("lawyer")),
    (ANALYST, _("analyst")),
]
ROLES = [code for code, _ in ROLE_CHOICES]

CASEWORKERS = frozenset({COORDINATOR, MONITOR, TRACING_OFFICER, LAWYER})

CAPABILITIES: dict[str, frozenset[str]] = {
    # headline counts, no personal data
    "dashboard.view": frozenset(ROLES),
    # people: names, birth dates, vulnerability
    "persons.view": CASEWORKERS,
    "persons.edit": frozenset({COORDINATOR, MONITOR, TRACING_OFFICER, LAWYER}),
    # events and the acts inside them (descriptions may identify)
    "events.view": CASEWORKERS,
    "events.edit": frozenset({COORDINATOR, MONITOR, LAWYER}),
    # sources: testimonies, interviews, consent
    "sources.view": CASEWORKERS,
    "sources.edit": frozenset({COORDINATOR, MONITOR, LAWYER}),
    # evidence files: working copies (metadata stripped) and the sealed originals
    "evidence.view": CASEWORKERS,
    "evidence.upload": frozenset({COORDINATOR, MONITOR, LAWYER}),
    "evidence.download_original": frozenset({COORDINATOR}),
    # anonymised events that sources consented to publish (records.exports): what the
    # public may read, so every role may
    "published.view": frozenset(ROLES),
    # tracing: missing-person reports with relatives' contacts, cases, requests, deaths
    "tracing.view": frozenset({COORDINATOR, TRACING_OFFICER, LAWYER}),
    "tracing.edit": frozenset({COORDINATOR, TRACING_OFFICER}),
    # detentions and deportations: lawyers follow detained people
    "detentions.edit": frozenset({COORDINATOR, TRACING_OFFICER, LAWYER}),
    # matching people across records: the review queue shows names side by side
    "matching.review": frozenset({COORDINATOR}),
    # tracing figures (counts per nationality, outcome, recipient; no personal data)
    "tracing.stats": frozenset(ROLES),
    # the yearly report's narrative sections (figures.narrative), written for a period
    "report.write": frozenset({COORDINATOR}),
    # accounts, vocabularies, keys (Django admin site)
    "admin.site": frozenset({ADMIN}),
    # the audit trail: who did what to which record code (never content)
    "audit.view": frozenset({ADMIN}),
    # erasure of a person for good (crypto-shredding; `bordermonitor erase person`)
    "records.erase": frozenset({ADMIN, COORDINATOR}),
    # personal data leaving in an encrypted file (names, contacts, testimony)
    "personal_data.export": frozenset({COORDINATOR}),
    # need-to-know: mark a testimony, case or detention restricted and assign its team
    "restricted.assign": frozenset({COORDINATOR}),
    # API tokens for scripts: created (with a fresh second factor) and revoked
    "tokens.manage": frozenset({ADMIN}),
}


def has_capability(role: str | None, capability: str) -> bool:
    """Deny by default: an unknown capability or role is refused."""
    return role in CAPABILITIES.get(capability, frozenset())


def roles_with(capability: str) -> frozenset[str]:
    return CAPABILITIES[capability]
