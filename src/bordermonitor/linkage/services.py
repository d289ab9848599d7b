"""Use cases of matching in the app: keep the derived data current, record decisions.

Blocking keys are stored only as HMAC digests under a key derived from the master key
for this purpose alone (`core.keys.derive_key`), the way `core.blind_index` stores name
tokens: the database says which people share a key, never what the key is.  The purpose
label differs from the blind index's, so the two sets of digests cannot be joined.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from bordermonitor.accounts.models import User
from bordermonitor.core.blind_index import DIGEST_HEX_CHARS
from bordermonitor.core.keys import derive_key
from bordermonitor.linkage.model import day_of_birth
from bordermonitor.linkage.models import (
    CONFIRMED,
    REJECTED,
    VERDICT_CHOICES,
    BlockingKey,
    MatchDecision,
    NamePart,
    PersonDigest,
    PersonMatchData,
)
from bordermonitor.linkage.names import name_features
from bordermonitor.linkage.scoring import BODY_PRIOR, MatchRecord, NameInformation, score
from bordermonitor.records.models import Person
from bordermonitor.tracing.models import (
    UNIDENTIFIED,
    DeathRecord,
    MissingPersonReport,
)

BLOCKING_KEY_PURPOSE = "linkage/blocking-keys"
MAX_REASON_LENGTH = 2000


def blocking_key_digest(key: str) -> str:
    """The stored form of one blocking key: a keyed hash, useless without the master key."""
    mac = hmac.new(derive_key(BLOCKING_KEY_PURPOSE), key.encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:DIGEST_HEX_CHARS]


def person_names(person: Person) -> list[str]:
    """Every spelling of the person's name (decrypted; keep them in memory only)."""
    return [v.full_name for v in person.name_variants.all() if v.full_name]


def person_digests(person: Person) -> set[str]:
    """Digests of the blocking keys of all the person's spellings."""
    keys: set[str] = set()
    for name in person_names(person):
        keys |= name_features(name).blocking_keys
    return {blocking_key_digest(k) for k in keys}


NAME_PART_PREFIX = "part:"  # name-part digests never equal a blocking key's (no ":")


def name_part_digest(part: str) -> str:
    """The stored form of one canonical name part (`models.NamePart`)."""
    return blocking_key_digest(NAME_PART_PREFIX + part)


def person_name_parts(person: Person) -> set[str]:
    """Digests of the canonical parts of all the person's spellings."""
    parts: set[str] = set()
    for name in person_names(person):
        parts |= name_features(name).token_set
    return {name_part_digest(p) for p in parts}


def _keep_digests(model: type[PersonDigest], person: Person, wanted: set[str]) -> None:
    """Make the person's stored digests of one kind exactly `wanted`."""
    stored = set(model.objects.filter(person=person).values_list("digest", flat=True))
    model.objects.filter(person=person, digest__in=stored - wanted).delete()
    model.objects.bulk_create([model(person=person, digest=d) for d in sorted(wanted - stored)])


def person_birth_years(person: Person) -> tuple[int | None, int | None]:
    """Earliest and latest plausible birth year: from the birth date, or the stated age."""
    if person.birth_earliest and person.birth_latest:
        return person.birth_earliest.year, person.birth_latest.year
    if person.estimated_age is not None and person.age_estimated_on is not None:
        year = person.age_estimated_on.year - person.estimated_age
        return year - 1, year
    return None, None


def _sex(code: str) -> str | None:
    return {"m": "M", "f": "F"}.get(code or "")


def _prefetched(person: Person, relation: str) -> list | None:
    """Rows of `relation` already fetched for many people at once (selectors._persons
    prefetches them), so scoring candidates costs no query per candidate."""
    cache = getattr(person, "_prefetched_objects_cache", {})
    return list(cache[relation]) if relation in cache else None


def _lat_lon(place) -> tuple[float | None, float | None]:
    return (place.latitude, place.longitude) if place is not None else (None, None)


def _last_known(person: Person) -> tuple[dt.date | None, float | None, float | None]:
    """The latest last contact in the person's missing reports, and the last known place
    (that report's, else the latest report's that names one), without decrypting them.

    Reads prefetched reports when the caller fetched them (`selectors._persons`)."""
    reports = _prefetched(person, "missing_reports")
    if reports is not None:
        rows = [
            (
                r.last_contact_earliest,
                *_lat_lon(r.last_contact_place if r.last_contact_place_id else None),
            )
            for r in reports
        ]
    else:
        rows = list(
            MissingPersonReport.objects.filter(person=person).values_list(
                "last_contact_earliest",
                "last_contact_place__latitude",
                "last_contact_place__longitude",
            )
        )
    rows.sort(key=lambda row: row[0] or dt.date.min, reverse=True)
    last = rows[0][0] if rows else None
    placed = next((row for row in rows if row[1] is not None), None)
    if placed is None:
        return last, None, None
    return last, float(placed[1]), float(placed[2])


def _detention_window(person: Person) -> tuple[dt.date, dt.date] | None:
    """First and last day the person was detained (a detention list's "event")."""
    detentions = _prefetched(person, "detentions")
    if detentions is not None:
        days = [d.detained_from for d in detentions]
    else:
        days = list(person.detentions.values_list("detained_from", flat=True))
    return (min(days), max(days)) if days else None


def person_match_record(person: Person) -> MatchRecord:
    """The person as the model sees it: for `event_order` and `distance`, the last
    contact and place of their missing reports and the days they were detained."""
    low, high = person_birth_years(person)
    last_contact, lat, lon = _last_known(person)
    exact = person.birth_precision == "day" and person.birth_earliest == person.birth_latest
    return MatchRecord(
        record_id=str(person.pk),
        names=tuple(f for f in (name_features(n) for n in person_names(person)) if f.tokens),
        birth_date=day_of_birth(person.birth_earliest.isoformat())
        if exact and person.birth_earliest
        else None,
        birth_year_min=low,
        birth_year_max=high,
        sex=_sex(person.sex),
        nationality=person.nationality.code if person.nationality_id else None,
        last_contact=last_contact,
        event_window=_detention_window(person),
        lat=lat,
        lon=lon,
    )


def death_birth_years(death: DeathRecord) -> tuple[int | None, int | None]:
    """Birth years a body's estimated age allows at the date it was found."""
    ages = [a for a in (death.age_min, death.age_max) if a is not None]
    if not ages:
        return None, None
    return death.found_earliest.year - max(ages) - 1, death.found_latest.year - min(ages)


def death_match_record(death: DeathRecord) -> MatchRecord:
    """A body as the model sees it: no name, only what can be told from the body."""
    low, high = death_birth_years(death)
    return MatchRecord(
        record_id=str(death.pk),
        birth_year_min=low,
        birth_year_max=high,
        sex=_sex(death.sex),
        nationality=death.nationality.code if death.nationality_id else None,
        event_window=(death.found_earliest, death.found_latest),
        lat=float(death.place.latitude) if death.place_id else None,
        lon=float(death.place.longitude) if death.place_id else None,
    )


def name_part_counts(records: Iterable[MatchRecord]) -> tuple[dict[str, int], int]:
    """How many people on record have each name part of these records, and how many
    people there are (one count per part digest, `models.NamePart`)."""
    digests: dict[str, str] = {}
    for record in records:
        for features in record.names:
            for token in features.tokens:
                digests.setdefault(token, name_part_digest(token))
    counts: dict[str, int] = {}
    wanted = sorted(set(digests.values()))
    for start in range(0, len(wanted), 500):
        rows = (
            NamePart.objects.filter(digest__in=wanted[start : start + 500])
            .values_list("digest")
            .annotate(n=Count("person_id"))
        )
        counts.update(dict(rows))
    # before `matching_rebuild` has counted anyone (a database from before name parts were
    # kept), no counts at all: every part would look unique and every name rare
    people = PersonMatchData.objects.count() if NamePart.objects.exists() else 0
    return {token: counts.get(digest, 0) for token, digest in digests.items()}, people


def name_information(records: Iterable[MatchRecord]) -> NameInformation | None:
    """How rare the name parts of these records are among the people on record: the
    measure `bordermonitor link` takes over its input file (and, like it, none under
    `model.MIN_RECORDS_TO_COUNT` people)."""
    return NameInformation.counted(*name_part_counts(records))


def pair_score(person: Person, other: Person | DeathRecord):
    """The model's ProposedMatch for a person and another person or a body."""
    if isinstance(other, DeathRecord):
        return score(person_match_record(person), death_match_record(other), prior=BODY_PRIOR)
    records = (person_match_record(person), person_match_record(other))
    return score(*records, information=name_information(records))


# -- derived data -----------------------------------------------------------------------


def matching_data_refresh(person: Person) -> PersonMatchData | None:
    """Recompute one person's matching data and blocking-key digests from the records;
    an erased person (data key destroyed) keeps none, so matching never proposes them."""
    person = (
        Person.objects.select_related("nationality", "data_key")
        .prefetch_related("name_variants")
        .get(pk=person.pk)
    )
    if person.data_key.destroyed_at is not None:
        PersonMatchData.objects.filter(person=person).delete()
        BlockingKey.objects.filter(person=person).delete()
        NamePart.objects.filter(person=person).delete()
        return None
    low, high = person_birth_years(person)
    reports = MissingPersonReport.objects.filter(person=person)
    last = (
        reports.filter(last_contact_earliest__isnull=False)
        .order_by("-last_contact_earliest")
        .values_list("last_contact_earliest", flat=True)
        .first()
    )
    data, _ = PersonMatchData.objects.update_or_create(
        person=person,
        defaults={
            "birth_year_min": low,
            "birth_year_max": high,
            "sex": person.sex if person.sex in ("m", "f") else "",
            "nationality": person.nationality.code if person.nationality_id else "",
            "is_missing": reports.exists(),
            "last_contact": last,
            "refreshed_at": timezone.now(),
        },
    )
    _keep_digests(BlockingKey, person, person_digests(person))
    _keep_digests(NamePart, person, person_name_parts(person))
    return data


def matching_data_rebuild(persons: Iterable[Person] | None = None) -> int:
    """Recompute the matching data of every person (after a key or model change)."""
    count = 0
    for person in persons if persons is not None else Person.objects.iterator():
        with transaction.atomic():
            matching_data_refresh(person)
        count += 1
    return count


# -- decisions --------------------------------------------------------------------------


def _ordered(person: Person, other: Person) -> tuple[Person, Person]:
    return (person, other) if str(person.pk) < str(other.pk) else (other, person)


def standing_decisions(person: Person, other: Person | DeathRecord):
    """The decisions on this pair that have not been undone (newest first)."""
    if isinstance(other, DeathRecord):
        qs = MatchDecision.objects.filter(person=person, death=other)
    else:
        a, b = _ordered(person, other)
        qs = MatchDecision.objects.filter(person=a, other_person=b)
    return qs.filter(undone_at__isnull=True).order_by("-decided_at")


def _check_reason(errors: dict, field: str, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors[field] = gettext("say why, for whoever reads this decision later")
    elif len(reason) > MAX_REASON_LENGTH:
        errors[field] = gettext("at most %(n)s characters") % {"n": MAX_REASON_LENGTH}
    return reason


@transaction.atomic
def match_decide(
    person: Person,
    other: Person | DeathRecord,
    *,
    verdict: str,
    reason: str,
    by: User,
) -> MatchDecision:
    """Record a coordinator's verdict on a pair; a confirmed pair links the records.

    Two people are linked by the decision itself (neither record is changed).  A person
    and a body go through tracing's `death_identify` (presumed identity), which proposes
    closing the person's cases; what the death record said before is kept for undoing.
    """
    from bordermonitor.tracing.services import death_identify

    errors: dict[str, str] = {}
    if verdict not in dict(VERDICT_CHOICES):
        errors["verdict"] = gettext("%(value)s is not a verdict") % {"value": repr(verdict)}
    reason = _check_reason(errors, "reason", reason)
    if isinstance(other, Person) and other.pk == person.pk:
        errors["other"] = gettext("a person cannot be matched with themselves")
    elif standing_decisions(person, other).filter(verdict__in=[CONFIRMED, REJECTED]).exists():
        errors["other"] = gettext("this pair has already been decided")
    if errors:
        raise ValidationError(errors)

    proposed = pair_score(person, other)
    decision = MatchDecision(
        verdict=verdict, probability=proposed.probability, reason=reason, decided_by=by
    )
    if isinstance(other, DeathRecord):
        decision.person, decision.death = person, other
        if verdict == CONFIRMED:
            other = DeathRecord.objects.select_for_update().get(pk=other.pk)
            decision.previous_state = {
                "person": str(other.person_id) if other.person_id else None,
                "identification_status": other.identification_status,
                "identified_by": other.identified_by_id,
                "identified_at": other.identified_at.isoformat() if other.identified_at else None,
            }
            death_identify(other, person, by=by, presumed=True)
    else:
        decision.person, decision.other_person = _ordered(person, other)
    decision.save()
    return decision


@transaction.atomic
def match_undo(decision: MatchDecision, *, by: User, reason: str) -> MatchDecision:
    """Undo a confirmed link: both records return to what they were before it.

    The decision stays, stamped as undone with who, when and why; the pair may then be
    proposed and decided again.
    """
    errors: dict[str, str] = {}
    reason = _check_reason(errors, "reason", reason)
    decision = MatchDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.verdict != CONFIRMED or decision.undone_at is not None:
        errors["decision"] = gettext("only a standing confirmed link can be undone")
    death = None
    if not errors and decision.death_id is not None:
        death = DeathRecord.objects.select_for_update().get(pk=decision.death_id)
        if death.person_id != decision.person_id:
            errors["decision"] = gettext(
                "%(death)s has been linked differently since; correct it on the death record"
            ) % {"death": death.code}
    if errors:
        raise ValidationError(errors)

    if death is not None:
        before = decision.previous_state
        death.person_id = before.get("person")
        death.identification_status = before.get("identification_status") or UNIDENTIFIED
        death.identified_by_id = before.get("identified_by")
        at = before.get("identified_at")
        death.identified_at = parse_datetime(at) if at else None
        death.save(
            update_fields=[
                "person",
                "identification_status",
                "identified_by",
                "identified_at",
                "updated_at",
            ]
        )
    decision.undone_at = timezone.now()
    decision.undone_by = by
    decision.undo_reason = reason
    decision.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    return decision
