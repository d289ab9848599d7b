"""Seeding the vocabularies for the Belarus–EU border from the packaged data files.

Idempotent: run by a migration on a new database and by `bordermonitor seed`
after an upgrade; existing terms keep the labels admins may have edited, and only
get a Russian label where they have none yet.
"""

from __future__ import annotations

import gettext
import json
from importlib import resources

import pycountry
from django.db import transaction

DATA = resources.files("bordermonitor.core") / "data"


def _load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _has(model, field: str) -> bool:
    """Whether the model (possibly a migration's historical one) has the field yet:
    the first seeding migration runs before the Russian columns exist."""
    return any(f.name == field for f in model._meta.get_fields())


def _get_or_create(model, code: str, defaults: dict, russian: str, text: str) -> bool:
    """Create the term if missing; else fill its Russian label if it has none yet.
    Returns whether it was created."""
    if not _has(model, russian):
        defaults = {k: v for k, v in defaults.items() if k != russian}
    row, created = model.objects.get_or_create(code=code, defaults=defaults)
    if not created and text and _has(model, russian) and not getattr(row, russian):
        model.objects.filter(pk=row.pk).update(**{russian: text})
    return created


def russian_country_names() -> gettext.NullTranslations:
    """pycountry's own Russian catalogue of ISO 3166-1 names (no names typed by us)."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)


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
            defaults = {k: v for k, v in item.items() if k != "code"}
            n += _get_or_create(
                m,
                item["code"],
                {**defaults, "sort_order": order},
                "label_ru",
                item.get("label_ru", ""),
            )
        added[key] = n

    nationality = model("Nationality")
    russian = russian_country_names()
    n = 0
    for country in pycountry.countries:
        name = getattr(country, "common_name", country.name)
        name_ru = russian.gettext(name)
        name_ru = "" if name_ru == name else name_ru
        n += _get_or_create(
            nationality,
            country.alpha_3,
            {"alpha2": country.alpha_2, "name": name, "name_ru": name_ru},
            "name_ru",
            name_ru,
        )
    added["nationalities"] = n

    section_model = model("BorderSection")
    n = 0
    for item in _load("border_sections.json"):
        n += _get_or_create(
            section_model,
            item["code"],
            {
                "name": item["name"],
                "name_ru": item.get("name_ru", ""),
                "countries": ",".join(item["countries"]),
            },
            "name_ru",
            item.get("name_ru", ""),
        )
    added["border_sections"] = n

    place_model = model("Place")
    sections = {s.code: s for s in section_model.objects.all()}
    n = 0
    for item in _load("gazetteer.json"):
        n += _get_or_create(
            place_model,
            item["code"],
            {
                "name": item["name"],
                "name_ru": item.get("name_ru", ""),
                "kind": item["kind"],
                "country": item["country"],
                "border_section": sections.get(item.get("border_section")),
                "latitude": round(item["latitude"], 5),
                "longitude": round(item["longitude"], 5),
                "note": item.get("note", "")[:300],
            },
            "name_ru",
            item.get("name_ru", ""),
        )
    added["places"] = n
    return added


def _core_model(name: str):
    from django.apps import apps as global_apps

    return global_apps.get_model("core", name)
