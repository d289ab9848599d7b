"""Seeding the vocabularies for the Belarus–EU border from the packaged data files.

Idempotent: run by a migration on a new database and by `bordermonitor seed`
after an upgrade; existing terms keep the labels admins may have edited.
"""

from __future__ import annotations

import json
from importlib import resources

import pycountry
from django.db import transaction

DATA = resources.files("bordermonitor.core") / "data"


def _load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@transaction.atomic
def vocabularies_seed(apps=None) -> dict[str, int]:
    """Insert the packaged terms that are missing; return how many were added per table."""

    def model(name):
        return apps.get_model("core", name) if apps else _core_model(name)

    added: dict[str, int] = {}
    vocab = _load("vocabularies.json")
    for key, model_name in (
        ("violation_types", "ViolationType"),
        ("perpetrators", "Perpetrator"),
        ("event_types", "EventType"),
    ):
        m = model(model_name)
        n = 0
        for order, item in enumerate(vocab[key]):
            _, created = m.objects.get_or_create(
                code=item["code"],
                defaults={**{k: v for k, v in item.items() if k != "code"}, "sort_order": order},
            )
            n += created
        added[key] = n

    nationality = model("Nationality")
    n = 0
    for country in pycountry.countries:
        _, created = nationality.objects.get_or_create(
            code=country.alpha_3,
            defaults={
                "alpha2": country.alpha_2,
                "name": getattr(country, "common_name", country.name),
            },
        )
        n += created
    added["nationalities"] = n

    section_model = model("BorderSection")
    n = 0
    for item in _load("border_sections.json"):
        _, created = section_model.objects.get_or_create(
            code=item["code"],
            defaults={"name": item["name"], "countries": ",".join(item["countries"])},
        )
        n += created
    added["border_sections"] = n

    place_model = model("Place")
    sections = {s.code: s for s in section_model.objects.all()}
    n = 0
    for item in _load("gazetteer.json"):
        _, created = place_model.objects.get_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "name_ru": item.get("name_ru", ""),
                "kind": item["kind"],
                "country": item["country"],
                "border_section": sections.get(item.get("border_section")),
                "latitude": round(item["latitude"], 5),
                "longitude": round(item["longitude"], 5),
                "note": item.get("note", "")[:300],
            },
        )
        n += created
    added["places"] = n
    return added


def _core_model(name: str):
    from django.apps import apps as global_apps

    return global_apps.get_model("core", name)
