"""`bordermonitor demo --no-serve`: a realistic scenario, built once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from bordermonitor.accounts.models import User
from bordermonitor.accounts.roles import ROLES
from bordermonitor.records.models import Act, Event, NameVariant, Person, Source

pytestmark = pytest.mark.django_db


def _demo(**kwargs) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out, **kwargs)
    return out.getvalue()


def test_demo_builds_a_scenario_once_and_prints_logins():
    first = _demo(persons=60, events=30)
    counts = (
        Person.objects.count(),
        Event.objects.count(),
        Act.objects.count(),
        Source.objects.count(),
    )
    assert counts[0] == 60 and counts[1] == 30 and counts[2] > 0 and counts[3] >= 30
    for role in ROLES:
        assert User.objects.filter(role=role, username__startswith="demo-").exists()
        assert role in first
    assert "demo-monitor" in first and "monitor-demo-2024" in first

    second = _demo(persons=60, events=30)
    assert "already loaded" in second
    assert (
        Person.objects.count(),
        Event.objects.count(),
        Act.objects.count(),
        Source.objects.count(),
    ) == counts


def test_demo_people_carry_names_in_several_scripts_and_border_nationalities():
    _demo(persons=80, events=10)
    scripts = set(NameVariant.objects.values_list("script", flat=True))
    assert {"latin", "cyrillic"} <= scripts
    writers = set(NameVariant.objects.values_list("written_by", flat=True))
    assert {"relative", "belarus_official", "polish_official"} <= writers
    nationalities = set(Person.objects.values_list("nationality__code", flat=True))
    assert len(nationalities) >= 6
    assert nationalities <= {
        "IRQ",
        "SYR",
        "AFG",
        "YEM",
        "IRN",
        "SOM",
        "SDN",
        "ERI",
        "ETH",
        "LKA",
        "IND",
        "GIN",
        "CMR",
        "BDI",
        "COM",
        "COD",
        "PAK",
        "NGA",
        "CIV",
        "MLI",
        "SEN",
        "EGY",
        "LBN",
        "TUR",
        "PSE",
        "COG",
        "MAR",
        "DZA",
        "TUN",
    }
    years = {e.date_earliest.year for e in Event.objects.all()}
    assert years <= {2021, 2022, 2023, 2024, 2025}
