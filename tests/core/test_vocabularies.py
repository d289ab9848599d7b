"""The seeded vocabularies for the Belarus–EU border."""

import pytest

from bordermonitor.core.models import (
    BorderSection,
    EventType,
    Nationality,
    Perpetrator,
    Place,
    ViolationType,
)
from bordermonitor.core.services import vocabularies_seed

pytestmark = pytest.mark.django_db


def test_violation_types_and_perpetrators_of_the_design_are_seeded():
    codes = set(ViolationType.objects.values_list("code", flat=True))
    assert {
        "pushback",
        "beating",
        "dog-attack",
        "sexual-violence",
        "document-confiscation",
        "phone-confiscation",
        "arbitrary-detention",
        "deportation",
        "expulsion-to-russia",
        "coerced-return",
        "asylum-refused",
        "medical-care-denied",
    } <= codes
    labels = set(Perpetrator.objects.values_list("label", flat=True))
    assert {
        "Polish Border Guard",
        "Polish army",
        "Belarus State Border Committee",
        "unknown",
    } <= labels
    assert EventType.objects.filter(code="pushback").exists()


def test_nationalities_come_from_iso_3166():
    assert Nationality.objects.count() >= 249
    assert Nationality.objects.get(code="IRQ").alpha2 == "IQ"
    assert Nationality.objects.get(code="COD").name


def test_gazetteer_has_real_places_on_every_border():
    assert Place.objects.count() >= 30
    for country in ("PL", "LT", "LV", "BY"):
        assert Place.objects.filter(country=country).count() >= 3, country
    crossings = {p.name for p in Place.objects.filter(kind="crossing")} | {
        p.name for p in Place.objects.filter(kind__in=["town", "village", "city"])
    }
    for name in ("Terespol", "Brest", "Kuźnica", "Bruzgi", "Medininkai", "Paternieki"):
        assert any(name.lower() in c.lower().replace("ā", "a") for c in crossings), name
    for place in Place.objects.all():
        assert 50 <= place.latitude <= 57.5 and 22 <= place.longitude <= 33, place.code
    assert BorderSection.objects.filter(countries__contains="LV").exists()


def test_seeding_again_adds_nothing_and_keeps_admin_edits():
    pushback = ViolationType.objects.get(code="pushback")
    pushback.label = "push-back (edited)"
    pushback.save()
    added = vocabularies_seed()
    assert set(added.values()) == {0}
    assert ViolationType.objects.get(code="pushback").label == "push-back (edited)"
