"""A realistic synthetic scenario: people from the nationalities seen at this border,
their names as relatives, Belarusian and Polish officials spell them, events from
2021 to 2025 along the border, violations and sources.

Everything is generated from a fixed seed and written through the same services
as the forms and the API; no real person is described.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from django.db import transaction

from bordermonitor.accounts.models import User
from bordermonitor.accounts.roles import ROLES
from bordermonitor.accounts.services import user_create
from bordermonitor.core.dates import FuzzyDate
from bordermonitor.core.models import EventType, Perpetrator, Place, ViolationType
from bordermonitor.records import services
from bordermonitor.records.models import Person

DEMO_PASSWORD_SUFFIX = "-demo-2024"  # noqa: S105 - demo logins are printed on purpose  # nosec B105
START = dt.date(2021, 7, 1)
END = dt.date(2025, 12, 31)

Progress = Callable[[str, int, int], None]


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo accounts, one per role."""
    return [
        (f"demo-{role.replace('_', '-')}", f"{role.replace('_', '-')}{DEMO_PASSWORD_SUFFIX}", role)
        for role in ROLES
    ]


def ensure_demo_users() -> list[tuple[str, str, str]]:
    logins = demo_logins()
    for username, password, role in logins:
        if not User.objects.filter(username=username).exists():
            user_create(username=username, role=role, password=password, check_password=False)
    return logins


def load_names() -> dict:
    return json.loads(
        (resources.files("bordermonitor.demo") / "data" / "names.json").read_text(encoding="utf-8")
    )


@dataclass
class Counts:
    persons: int = 0
    events: int = 0
    acts: int = 0
    sources: int = 0


# Perpetrators by the side of the border an event happens on.
PERPETRATORS_BY_SIDE = {
    "PL": ["pl-border-guard", "pl-border-guard", "pl-army", "pl-police"],
    "LT": ["lt-sbgs"],
    "LV": ["lv-border-guard"],
    "BY": ["by-sbc", "by-sbc", "by-police", "by-army"],
    "RU": ["ru-border-service"],
}
VIOLATIONS_BY_SIDE = {
    "PL": [
        "pushback",
        "pushback",
        "pushback",
        "beating",
        "dog-attack",
        "phone-destruction",
        "phone-confiscation",
        "asylum-refused",
        "medical-care-denied",
        "document-confiscation",
    ],
    "LT": [
        "pushback",
        "pushback",
        "beating",
        "asylum-refused",
        "arbitrary-detention",
        "phone-confiscation",
    ],
    "LV": [
        "pushback",
        "pushback",
        "beating",
        "degrading-treatment",
        "coerced-return",
        "arbitrary-detention",
    ],
    "BY": [
        "forced-crossing",
        "beating",
        "dog-attack",
        "theft-extortion",
        "sexual-violence",
        "document-destruction",
        "expulsion-to-russia",
        "denial-of-food-water",
        "arbitrary-detention",
    ],
    "RU": ["expulsion-to-russia", "beating"],
}
TESTIMONY_SENTENCES = [
    "We walked for two nights through the forest before we reached the fence.",
    "The soldiers took our phones and broke them in front of us.",
    "They put us in a car and drove us back to the fence without asking anything.",
    "I said I wanted asylum, they said there is no asylum here.",
    "On the Belarusian side the guards beat the men with batons and took our money.",
    "A dog bit my leg; nobody gave me any medical help.",
    "We had no water for three days and drank from the swamp.",
    "They made us climb the fence and cross the river at night.",
    "A woman in our group was pregnant and could not walk any more.",
    "The guards pushed us back five times in one week.",
    "They took my passport and did not give it back.",
    "In the end they drove us to the Russian border and told us not to come back.",
]


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _fuzzy_around(rng: random.Random, day: dt.date) -> FuzzyDate:
    roll = rng.random()
    if roll < 0.70:
        return FuzzyDate.day(day.year, day.month, day.day)
    if roll < 0.90:
        return FuzzyDate.month(day.year, day.month)
    if roll < 0.96:
        return FuzzyDate.between(day, day + dt.timedelta(days=rng.randint(2, 10)))
    return FuzzyDate.month(day.year, day.month, approximate=True)


class ScenarioBuilder:
    def __init__(self, seed: int, progress: Progress | None = None) -> None:
        self.rng = random.Random(seed)  # reproducible synthetic data, not secrets  # nosec B311
        self.names = load_names()
        self.progress = progress or (lambda stage, done, total: None)
        self.counts = Counts()

    # -- people
    def _pick_tradition(self, nationality: str) -> str:
        naming = self.names["nationalities"][nationality]["naming"]
        if isinstance(naming, list):
            return self.rng.choice(naming)
        return naming

    def _spellings(self, parts: list[dict], nationality: str) -> list[services.NameInput]:
        rng = self.rng
        relative = " ".join(rng.choice(p["latin"][:3]) for p in parts)
        variants = [services.NameInput(relative, "relative", is_primary=True)]
        if rng.random() < 0.55:
            variants.append(
                services.NameInput(" ".join(p["cyrillic"] for p in parts), "belarus_official")
            )
        if rng.random() < 0.40:
            variants.append(
                services.NameInput(" ".join(p["polish"] for p in parts), "polish_official")
            )
        if rng.random() < 0.30 and all(p.get("native") for p in parts):
            variants.append(services.NameInput(" ".join(p["native"] for p in parts), "self"))
        if rng.random() < 0.25:
            alt = " ".join(rng.choice(p["latin"]) for p in parts[:2])
            variants.append(services.NameInput(alt, "organisation"))
        return variants

    def make_person(self, creator: User) -> Person:
        rng = self.rng
        weights = {code: meta["weight"] for code, meta in self.names["nationalities"].items()}
        nationality = _weighted(rng, weights)
        tradition = self.names["traditions"][self._pick_tradition(nationality)]
        sex = "f" if rng.random() < 0.22 else "m"
        given = rng.choice(tradition["given_female" if sex == "f" else "given_male"])
        father = rng.choice(tradition["given_male"])
        family = rng.choice(tradition["family"])
        parts = [given, father, family] if rng.random() < 0.35 else [given, family]
        birth, age = None, None
        roll = rng.random()
        if roll < 0.45:
            born = _random_date(rng, dt.date(1965, 1, 1), dt.date(2012, 12, 31))
            birth = FuzzyDate.day(born.year, born.month, born.day)
        elif roll < 0.75:
            birth = FuzzyDate.year(rng.randint(1965, 2010))
        else:
            age = rng.randint(4, 60)
        flags = []
        if sex == "f" and rng.random() < 0.25:
            flags.append("woman_alone")
        if sex == "f" and rng.random() < 0.08:
            flags.append("pregnant")
        if birth and birth.earliest.year >= 2008 or (age is not None and age < 18):
            flags.append("child")
        if rng.random() < 0.15:
            flags.append("survivor_of_violence")
        if rng.random() < 0.04:
            flags.append("disabled")
        person = services.person_create(
            names=self._spellings(parts, nationality),
            created_by=creator,
            sex=sex,
            birth=birth,
            estimated_age=age,
            nationality=nationality,
            languages=[],
            vulnerabilities=flags,
            code_year=rng.randint(2021, 2025),
        )
        self.counts.persons += 1
        return person

    # -- events
    def make_event(self, creator: User, places: list[Place], people: list[Person], day: dt.date):
        rng = self.rng
        place = rng.choice(places)
        side = place.country
        group = rng.choice([None, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 40])
        women = children = None
        if group and group > 2:
            women = rng.randint(0, group // 3)
            children = rng.randint(0, max(0, (group - women) // 4))
        types = {
            "pushback": ["crossing-attempt", "pushback"],
            "BY": ["violence", "stranded-in-zone"],
        }
        event_types = types["pushback"] if side in {"PL", "LT", "LV"} else types["BY"]
        if rng.random() < 0.1:
            event_types = event_types + ["medical-emergency"]
        event = services.event_create(
            date=_fuzzy_around(rng, day),
            created_by=creator,
            title=f"{event_types[-1].replace('-', ' ')} near {place.name}",
            place=place.code,
            event_types=event_types,
            description=" ".join(rng.sample(TESTIMONY_SENTENCES, 2)),
            counts=services.GroupCounts(group_size=group, women=women, children=children),
        )
        self.counts.events += 1
        victims = rng.sample(people, k=min(len(people), rng.choice([0, 1, 1, 2, 3])))
        for victim in victims:
            self._act(event, side, victim=victim)
        if group and (not victims or rng.random() < 0.5):
            self._act(event, side, group=max(1, group - len(victims)))
        return event

    def _act(self, event, side, victim=None, group=None):
        rng = self.rng
        services.act_create(
            event=event,
            violation_type=rng.choice(VIOLATIONS_BY_SIDE.get(side, ["other"])),
            perpetrator=rng.choice(PERPETRATORS_BY_SIDE.get(side, ["unknown"])),
            victim=victim,
            victim_group_count=group,
        )
        self.counts.acts += 1

    def make_source(self, creator: User, event, people: list[Person]):
        rng = self.rng
        kind = rng.choices(
            ["interview", "witness", "relative", "official", "media", "international_org"],
            weights=[50, 15, 15, 8, 8, 4],
        )[0]
        received = min(event.date_latest + dt.timedelta(days=rng.randint(0, 60)), END)
        internal = rng.random() < 0.3
        consent = services.Consent(
            quote=not internal and rng.random() < 0.5,
            share_un=not internal and rng.random() < 0.7,
            publish_anonymously=not internal and rng.random() < 0.8,
            internal_only=internal,
        )
        services.source_create(
            kind=kind,
            received_on=received,
            created_by=creator,
            interviewer=creator if kind in {"interview", "witness", "relative"} else None,
            reliability=rng.choice(["high", "medium", "medium", "low", "unknown"]),
            language=rng.choice(["ar", "ku", "fa", "ps", "so", "ti", "en", "fr", "ru"]),
            interpreter_used=rng.random() < 0.5,
            consent=consent,
            testimony=" ".join(rng.sample(TESTIMONY_SENTENCES, rng.randint(2, 5))),
            events=[event],
            persons=people,
            code_year=received.year,
        )
        self.counts.sources += 1

    @transaction.atomic
    def build(self, *, persons: int = 520, events: int = 320) -> Counts:
        """All or nothing: a demo interrupted half-way leaves no half scenario behind."""
        monitor = User.objects.get(username="demo-monitor")
        tracer = User.objects.get(username="demo-tracing-officer")
        people: list[Person] = []
        for i in range(persons):
            people.append(self.make_person(tracer if i % 3 == 0 else monitor))
            self.progress("people", i + 1, persons)
        places = list(Place.objects.exclude(kind="facility").select_related("border_section"))
        span = (END - START).days
        days = sorted(START + dt.timedelta(days=self.rng.randrange(span)) for _ in range(events))
        for i, day in enumerate(days):
            event = self.make_event(monitor, places, people, day)
            victims = [a.victim for a in event.acts.all() if a.victim_id]
            for _ in range(self.rng.choice([1, 1, 1, 2])):
                self.make_source(monitor, event, victims[:1])
            self.progress("events", i + 1, events)
        return self.counts


def scenario_exists() -> bool:
    return Person.objects.filter(created_by__username="demo-monitor").exists()


def vocabularies_ready() -> bool:
    return (
        ViolationType.objects.exists()
        and Perpetrator.objects.exists()
        and EventType.objects.exists()
        and Place.objects.exists()
    )
