"""Acceptance (issue 4): `bordermonitor demo --scenario report-2024 --no-serve` builds the
figures published for this border; the dashboard and /api/v1/stats/tracing show them."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bordermonitor.accounts.models import User
from bordermonitor.accounts.services import api_token_create
from bordermonitor.core.dates import FuzzyDate
from bordermonitor.records.models import NameVariant, Person
from bordermonitor.tracing import services
from bordermonitor.tracing.models import (
    DeathRecord,
    Detention,
    Intervention,
    MissingPersonReport,
    TracingCase,
)
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

SBC = "by-state-border-committee"
REPORT_NATIONALITIES = {"SYR", "YEM", "AFG", "IRQ", "ERI", "LKA", "SDN", "SOM", "GIN", "IND", "ETH"}
DEATH_NATIONALITIES = {"LKA", "IRQ", "GIN", "SYR", "TGO", "YEM", "NGA", "AFG", "EGY", "IRN", "IND"}
DEATH_NATIONALITIES |= {"SOM", "unknown"}
WINDOW = {"from": "2021-08-01", "to": "2025-02-28"}


def _demo() -> str:
    out = io.StringIO()
    call_command("demo", scenario="report-2024", no_serve=True, stdout=out)
    return out.getvalue()


def _stats(**period) -> dict:
    analyst = User.objects.get(username="demo-analyst")
    _, token = api_token_create(user=analyst)
    response = Client().get(
        "/api/v1/stats/tracing", period, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def _dashboard_counts() -> dict[str, int]:
    client = Client()
    sign_in(client, User.objects.get(username="demo-coordinator"))
    page = client.get(reverse("dashboard")).content.decode()
    return {k: int(v) for k, v in re.findall(r'data-count="([\w-]+)">(\d+)<', page)}


def _snapshot() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Person, MissingPersonReport, TracingCase, Intervention, DeathRecord, Detention)
    )


def test_report_2024_scenario_shows_the_published_figures_and_is_built_once():
    output = _demo()
    assert "missing-person reports: 119/119" in output
    assert "63 deaths confirmed officially and 16 known from testimonies only" in output

    stats = _stats(**WINDOW)
    reports = stats["missing_reports"]
    assert reports["total"] == 119
    assert set(reports["by_nationality"]) == REPORT_NATIONALITIES
    assert sum(reports["by_nationality"].values()) == 119
    assert sum(reports["by_outcome"].values()) == 119
    assert {"active", "deceased", "detained", "deported"} <= set(reports["by_outcome"])
    deaths = stats["deaths"]
    assert deaths["official_statement"]["total"] == 63
    assert deaths["testimony_only"]["total"] == 16
    assert deaths["total"] == 79
    for kind in ("official_statement", "testimony_only"):
        assert set(deaths[kind]["by_nationality"]) <= DEATH_NATIONALITIES

    # every report's case relayed to the State Border Committee, which mostly stays silent
    cases = TracingCase.objects.filter(reports__isnull=False).distinct()
    assert cases.count() == TracingCase.objects.count()
    assert not cases.exclude(interventions__recipient__code=SBC).exists()
    sbc = next(r for r in stats["interventions"] if r["recipient"] == SBC)
    assert sbc["sent"] == cases.count()
    assert 0 < sbc["answered"] < sbc["sent"] - sbc["answered"]
    assert sbc["unanswered_past_due"] == sbc["sent"] - sbc["answered"]
    others = [r for r in stats["interventions"] if r["recipient"] != SBC]
    assert others and max(r["answer_rate"] for r in others) > sbc["answer_rate"]

    # the dashboard shows the same totals to a coordinator
    shown = _dashboard_counts()
    assert shown["missing-reports"] == 119
    assert shown["deaths-official"] == 63
    assert shown["deaths-testimony"] == 16

    # realistic casework: dates inside the published periods, identified bodies close cases
    received = MissingPersonReport.objects.values_list("received_on", flat=True)
    assert min(received) >= dt.date(2022, 4, 1) and max(received) <= dt.date(2024, 12, 31)
    found = DeathRecord.objects.values_list("found_earliest", "found_latest")
    assert min(f for f, _ in found) == dt.date(2021, 8, 4)
    assert max(latest for _, latest in found) <= dt.date(2025, 2, 28)
    identified = DeathRecord.objects.exclude(person=None)
    assert identified.exists()
    for death in identified:
        assert death.person.tracing_cases.filter(status="closed", outcome="deceased").exists()
    assert set(DeathRecord.objects.values_list("side", flat=True)) >= {"BY", "PL"}
    winter = Counter(
        cause
        for cause, found_on in DeathRecord.objects.values_list("presumed_cause", "found_earliest")
        if found_on.month in (11, 12, 1, 2)
    )
    assert winter.most_common(1)[0][0] == "hypothermia"
    assert (
        DeathRecord.objects.exclude(person=None).count()
        + sum("IOM's Missing Migrants Project" in d.description for d in DeathRecord.objects.all())
        == 79
    )
    assert not TracingCase.objects.exclude(assigned_to__username="demo-tracing-officer").exists()
    assert MissingPersonReport.objects.values("reporter_relationship").distinct().count() >= 5
    scripts = set(NameVariant.objects.values_list("script", flat=True))
    assert {"latin", "cyrillic"} <= scripts
    assert TracingCase.objects.filter(outcome__in=["detained", "deported"]).count() == (
        Detention.objects.values("case").distinct().count()
    )

    # running again keeps the scenario as it is
    before = _snapshot()
    assert "already loaded" in _demo()
    assert _snapshot() == before


def test_report_2024_window_boundaries_are_respected():
    _demo()
    officer = User.objects.get(username="demo-tracing-officer")
    for day in (dt.date(2021, 8, 3), dt.date(2025, 3, 1)):
        services.death_record(
            found=FuzzyDate.day(day.year, day.month, day.day),
            confirmation="official_statement",
            place="bruzgi",
            by=officer,
        )
    person = Person.objects.filter(missing_reports__isnull=False).first()
    services.missing_report_file(
        person=person,
        received_on=dt.date(2025, 3, 1),
        reporter_relationship="friend",
        by=officer,
    )

    # the published period starts on 4 August 2021: a body found the day before is outside it
    published = _stats(**{"from": "2021-08-04", "to": "2025-02-28"})
    assert published["missing_reports"]["total"] == 119
    assert published["deaths"]["official_statement"]["total"] == 63
    assert published["deaths"]["testimony_only"]["total"] == 16
    # a wider window takes it in; 1 March 2025 stays outside both
    wider = _stats(**WINDOW)
    assert wider["missing_reports"]["total"] == 119
    assert wider["deaths"]["official_statement"]["total"] == 64
    assert wider["deaths"]["testimony_only"]["total"] == 16

    everything = _stats()
    assert everything["missing_reports"]["total"] == 120
    assert everything["deaths"]["official_statement"]["total"] == 65
