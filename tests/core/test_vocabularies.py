"""The seeded vocabularies for the Belarus–EU border."""

import re

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


def test_every_seeded_term_has_a_russian_label_shown_in_a_russian_interface():
    from django.utils import translation

    cyrillic = re.compile(r"[А-Яа-яЁё]")
    for model in (ViolationType, Perpetrator, EventType):
        for term in model.objects.all():
            assert cyrillic.search(term.label_ru), (model.__name__, term.code)
            with translation.override("ru"):
                assert str(term) == term.display_label == term.label_ru
            with translation.override("en"):
                assert str(term) == term.display_label == term.label
    for section in BorderSection.objects.all():
        assert cyrillic.search(section.name_ru), section.code
    for place in Place.objects.all():
        assert cyrillic.search(place.name_ru), place.code
    kuznica, bruzgi = Place.objects.get(code="kuznica"), Place.objects.get(code="bruzgi")
    with translation.override("ru"):
        assert (str(kuznica), bruzgi.display_name) == ("Кузница (PL)", "Брузги")
        assert str(Perpetrator.objects.get(code="pl-border-guard")) == "Пограничная стража Польши"
    with translation.override("en"):
        assert str(kuznica) == "Kuźnica (PL)"


def test_russian_country_names_come_from_pycountrys_catalogue():
    from django.utils import translation

    syria, iraq = Nationality.objects.get(code="SYR"), Nationality.objects.get(code="IRQ")
    assert (syria.name, syria.name_ru) == ("Syria", "Сирия")
    assert iraq.name_ru == "Ирак"
    assert Nationality.objects.filter(name_ru="").count() == 0
    with translation.override("ru"):
        assert str(syria) == "Сирия"
    with translation.override("en"):
        assert str(syria) == "Syria"


def test_reseeding_fills_missing_russian_labels_and_keeps_admin_edited_ones():
    ViolationType.objects.filter(code="dog-attack").update(label_ru="")
    Nationality.objects.filter(code="AFG").update(name_ru="")
    BorderSection.objects.filter(code="BY-LV").update(name_ru="")
    Place.objects.filter(code="bruzgi").update(name_ru="")
    beating = ViolationType.objects.get(code="beating")
    beating.label, beating.label_ru = "beating (edited)", "побои (исправлено админом)"
    beating.save()

    assert set(vocabularies_seed().values()) == {0}  # nothing new, only filled in

    assert ViolationType.objects.get(code="dog-attack").label_ru == "нападение собак"
    assert Nationality.objects.get(code="AFG").name_ru == "Афганистан"
    assert BorderSection.objects.get(code="BY-LV").name_ru.startswith("Беларусь–Латвия")
    assert Place.objects.get(code="bruzgi").name_ru == "Брузги"
    beating.refresh_from_db()
    assert (beating.label, beating.label_ru) == ("beating (edited)", "побои (исправлено админом)")


def test_a_term_without_a_russian_label_falls_back_to_english():
    from django.utils import translation

    term = EventType.objects.create(code="new-term", label="a term an admin just added")
    with translation.override("ru"):
        assert str(term) == "a term an admin just added"
