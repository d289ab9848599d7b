"""What a source's consent allows to leave the organisation, in one place.

Every path by which information leaves — exports, the yearly report, sharing with
the UN, answers to a publishing role — takes its sources and events from here, so
an internal-only source can never slip out through a path that forgot to check.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet

from bordermonitor.records.models import Event, Source, SourceEvent


class Release(StrEnum):
    """Why information leaves: each purpose needs its own consent."""

    QUOTE = "quote"  # the testimony's words appear in a publication
    SHARE = "share"  # sent to the UN or another organisation
    PUBLISH = "publish"  # counted or described, anonymously, in public figures


_CONSENT = {
    Release.QUOTE: Q(consent_quote=True),
    Release.SHARE: Q(consent_share_un=True),
    Release.PUBLISH: Q(consent_publish_anonymously=True),
}


# Need-to-know (accounts.need_to_know): a restricted testimony is seen inside the
# organisation only by its team, so it never leaves by a path that carries codes,
# dates or details per source (QUOTE, SHARE: no exporting context is a team).  It may
# be counted in anonymous publication (PUBLISH: month, border section and counts, no
# code), as counts name nobody.
_RESTRICTED_MAY_LEAVE = {Release.QUOTE: False, Release.SHARE: False, Release.PUBLISH: True}


def releasable_sources(purpose: Release) -> QuerySet[Source]:
    """Sources whose consent covers `purpose`; internal-only sources never are, and
    restricted ones only for anonymous publication (counts)."""
    purpose = Release(purpose)
    qs = Source.objects.filter(_CONSENT[purpose], internal_only=False)
    return qs if _RESTRICTED_MAY_LEAVE[purpose] else qs.filter(restricted=False)


def releasable_events(purpose: Release) -> QuerySet[Event]:
    """Events known from at least one source whose consent covers `purpose`.

    An event known only from internal-only sources does not leave at all, not even
    as a count: a count of one can identify the person who told us.
    """
    return Event.objects.filter(known_from_releasable_source(purpose))


def known_from_releasable_source(purpose: Release, event=None) -> Exists:
    """The event (`event`, an OuterRef; the outer row's own pk by default) is known from
    a source whose consent covers `purpose`: the test `releasable_events` and the
    figures apply.  Written as one source looked up by key per link of the event:
    `source IN (releasable sources)` makes SQLite walk the whole list of consenting
    sources for every event (17 s to 200 s for one month of 100,000 events when half
    the sources consent)."""
    consenting = releasable_sources(purpose).filter(pk=OuterRef("source_id"))
    links = SourceEvent.objects.filter(event=OuterRef("pk") if event is None else event)
    return Exists(links.filter(Exists(consenting)))


def release_filter_sources(sources, purpose: Release) -> list[Source]:
    """Keep only the sources of an already-loaded list that may leave for `purpose`."""
    allowed = set(
        releasable_sources(purpose)
        .filter(pk__in=[s.pk for s in sources])
        .values_list("pk", flat=True)
    )
    return [s for s in sources if s.pk in allowed]
