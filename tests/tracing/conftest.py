"""Shared fixtures for tracing: a tracing officer, people, and a report helper."""

from __future__ import annotations

import datetime as dt

import pytest

from bordermonitor.core.dates import FuzzyDate
from bordermonitor.records.services import NameInput, person_create
from bordermonitor.tracing import services

DAYS_SILENT = dt.timedelta(days=10)  # the relative writes ten days after the last call


@pytest.fixture
def officer(users):
    return users["tracing_officer"]


@pytest.fixture
def make_person(monitor):
    def make(name: str = "Ahmad Karimi", nationality: str | None = "SYR"):
        return person_create(
            names=[NameInput(name, "relative")], created_by=monitor, nationality=nationality
        )

    return make


@pytest.fixture
def file_report(officer):
    def file(person, received_on=dt.date(2024, 3, 20), last_contact=None, **kwargs):
        kwargs.setdefault("reporter_relationship", "sibling")
        return services.missing_report_file(
            person=person,
            received_on=received_on,
            last_contact=last_contact
            or FuzzyDate.day(*(received_on - DAYS_SILENT).timetuple()[:3]),
            by=officer,
            **kwargs,
        )

    return file
