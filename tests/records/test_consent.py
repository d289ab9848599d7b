"""Consent decides what may leave: internal-only sources never do."""

from __future__ import annotations

import datetime as dt

import pytest

from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.records.consent import (
    Release,
    releasable_events,
    releasable_sources,
    release_filter_sources,
)
from bordermonitor.records.services import Consent, event_create, source_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(monitor):
    only_internal = event_create(date=parse_fuzzy_date("2024-03"), created_by=monitor)
    shared = event_create(date=parse_fuzzy_date("2024-04"), created_by=monitor)
    internal = source_create(
        kind="interview",
        received_on=dt.date(2024, 4, 2),
        created_by=monitor,
        consent=Consent(internal_only=True),
        events=[only_internal, shared],
    )
    public = source_create(
        kind="witness",
        received_on=dt.date(2024, 4, 3),
        created_by=monitor,
        consent=Consent(share_un=True, publish_anonymously=True, internal_only=False),
        events=[shared],
    )
    return {
        "internal": internal,
        "public": public,
        "only_internal": only_internal,
        "shared": shared,
    }


@pytest.mark.parametrize("purpose", list(Release))
def test_internal_only_source_never_leaves(world, purpose):
    assert world["internal"] not in releasable_sources(purpose)
    assert world["only_internal"] not in releasable_events(purpose)
    assert world["internal"] not in release_filter_sources(
        [world["internal"], world["public"]], purpose
    )


def test_each_purpose_needs_its_own_consent(world):
    assert list(releasable_sources(Release.SHARE)) == [world["public"]]
    assert list(releasable_sources(Release.PUBLISH)) == [world["public"]]
    assert list(releasable_sources(Release.QUOTE)) == []
    assert list(releasable_events(Release.PUBLISH)) == [world["shared"]]
    assert list(releasable_events(Release.QUOTE)) == []
