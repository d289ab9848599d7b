"""Reading matches: a record's possible matches, and the coordinators' review queue.

Candidates come from the stored blocking-key digests (people) or from plain fields
(bodies: an unidentified body has no name); only candidates are decrypted and scored,
so one record against the stored ones answers in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from bordermonitor.accounts import need_to_know
from bordermonitor.linkage.labels import EVENT_FIELD_LABELS
from bordermonitor.linkage.model import MAX_BLOCK, ProposedMatch
from bordermonitor.linkage.models import (
    CONFIRMED,
    REJECTED,
    UNSURE,
    BlockingKey,
    MatchDecision,
    PersonMatchData,
)
from bordermonitor.linkage.scoring import BODY_PRIOR, score
from bordermonitor.linkage.services import (
    death_birth_years,
    death_match_record,
    name_information,
    person_birth_years,
    person_digests,
    person_match_record,
    person_names,
)
from bordermonitor.records.models import Person
from bordermonitor.tracing.models import (
    UNIDENTIFIED,
    DeathRecord,
    Detention,
    MissingPersonReport,
)

# Pairs at or above this probability are put to the coordinators.  Lower than the CLI's
# DEFAULT_THRESHOLD (0.9): a person reviews every pair, so a missed match costs more here
# than a pair rejected in a few seconds.
REVIEW_THRESHOLD = 0.5
# Shown on a record's page: its candidates at or above this probability.
PANEL_THRESHOLD = 0.2
# Birth years may differ by this much for a body to be considered (model: "within three").
BODY_YEARS_SLACK = 3
QUEUE_LIMIT = 200
FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "birth": gettext_lazy("birth year"),
    "nationality": gettext_lazy("nationality"),
    "sex": gettext_lazy("sex"),
    **EVENT_FIELD_LABELS,
}


@dataclass
class PossibleMatch:
    """One candidate for a record: a person or a body, and the model's evidence."""

    person: Person
    other: Person | DeathRecord
    proposed: ProposedMatch
    status: str = ""  # "", "confirmed" (linked) or "unsure"
    decision: MatchDecision | None = None
    counterpart: Person | DeathRecord | None = None  # the side not being viewed

    @property
    def probability(self) -> float:
        return self.proposed.probability

    @property
    def percent(self) -> int:
        return round(self.proposed.probability * 100)

    @property
    def is_body(self) -> bool:
        return isinstance(self.other, DeathRecord)

    @property
    def anchor(self) -> str:
        """The pair's place in the review queue page: one spelling whichever side is viewed."""
        return "pair-" + "-".join(sorted((self.person.code, self.other.code)))

    @property
    def review_threshold(self) -> float:
        """The queue's threshold that still lists this pair (the panel shows lower ones)."""
        return REVIEW_THRESHOLD if self.probability >= REVIEW_THRESHOLD else PANEL_THRESHOLD

    @property
    def agreeing(self) -> list[tuple[str, str, float]]:
        """(field, level, weight) of the fields that counted for the match."""
        return [
            (str(FIELD_LABELS.get(n, n)), ev.level, ev.weight)
            for n, ev in self.proposed.evidence.items()
            if ev.weight > 0
        ]


def _persons(ids) -> dict:
    """People by id, with what scoring reads of them fetched in a few queries for all
    (names; dates and places of reports and detentions, their encrypted text left out)."""
    qs = Person.objects.filter(pk__in=list(ids)).select_related("nationality")
    reports = MissingPersonReport.objects.select_related("last_contact_place").only(
        "person_id",
        "last_contact_earliest",
        "last_contact_place__latitude",
        "last_contact_place__longitude",
    )
    detentions = Detention.objects.only("person_id", "detained_from")
    qs = qs.prefetch_related(
        "name_variants",
        Prefetch("missing_reports", queryset=reports),
        Prefetch("detentions", queryset=detentions),
    )
    return {p.pk: p for p in qs}


def _decisions_for_pairs(person_ids, death_ids=()) -> dict[tuple, MatchDecision]:
    """The deciding standing decision per pair key (confirm/reject over unsure)."""
    qs = MatchDecision.objects.filter(undone_at__isnull=True).filter(
        Q(person__in=person_ids) | Q(other_person__in=person_ids) | Q(death__in=death_ids)
    )
    best: dict[tuple, MatchDecision] = {}
    rank = {CONFIRMED: 2, REJECTED: 2, UNSURE: 1}
    for d in qs.order_by("decided_at"):
        key = _pair_key(d.person_id, d.other_person_id or d.death_id)
        if key not in best or rank[d.verdict] >= rank[best[key].verdict]:
            best[key] = d
    return best


def _pair_key(a, b) -> tuple[str, str]:
    return tuple(sorted((str(a), str(b))))


def _with_status(matches: list[PossibleMatch], decisions) -> list[PossibleMatch]:
    """Drop rejected pairs; mark linked and unsure ones."""
    kept = []
    for m in matches:
        d = decisions.get(_pair_key(m.person.pk, m.other.pk))
        if d is not None and d.verdict == REJECTED:
            continue
        m.decision = d
        m.status = d.verdict if d is not None else ""
        kept.append(m)
    kept.sort(key=lambda m: (m.status != CONFIRMED, -m.probability, m.other.code))
    return kept


def person_candidates(person: Person, max_block: int = MAX_BLOCK) -> list[Person]:
    """Other people sharing a blocking-key digest with any spelling of this person's name
    (born in an overlapping year, for a key more than `max_block` people share),
    and the people a standing confirmed link joins to this one (whose names may have
    been changed since, so they no longer share a key: a link stays shown until undone)."""
    digests = person_digests(person)
    sizes = dict(
        BlockingKey.objects.filter(digest__in=digests)
        .values_list("digest")
        .annotate(n=Count("person_id"))
    )
    small = [d for d, n in sizes.items() if n <= max_block]
    ids = set(
        BlockingKey.objects.filter(digest__in=small)
        .exclude(person=person)
        .values_list("person_id", flat=True)
    )
    large = [d for d, n in sizes.items() if n > max_block]
    data = PersonMatchData.objects.filter(person=person).first()
    if large and data is not None and data.birth_year_min is not None:
        # as `model.with_capped_blocks`: a key that common meets only the same birth years
        ids |= set(
            BlockingKey.objects.filter(
                digest__in=large,
                person__match_data__birth_year_min__lte=data.birth_year_max,
                person__match_data__birth_year_max__gte=data.birth_year_min,
            )
            .exclude(person=person)
            .values_list("person_id", flat=True)
        )
    links = MatchDecision.objects.filter(
        undone_at__isnull=True, verdict=CONFIRMED, death__isnull=True
    ).filter(Q(person=person) | Q(other_person=person))
    for a, b in links.values_list("person_id", "other_person_id"):
        ids.add(b if a == person.pk else a)
    return list(_persons(ids).values())


def body_candidates_for_person(person: Person) -> QuerySet[DeathRecord]:
    """Unidentified bodies a missing person could be: found after the last contact,
    and consistent in sex, nationality and age."""
    data = PersonMatchData.objects.filter(person=person, is_missing=True).first()
    if data is None:
        return DeathRecord.objects.none()
    qs = DeathRecord.objects.filter(identification_status=UNIDENTIFIED)
    if data.last_contact is not None:
        qs = qs.filter(found_latest__gte=data.last_contact)
    if data.sex:
        qs = qs.filter(sex__in=[data.sex, "u", "x", ""])
    if data.nationality:
        qs = qs.filter(Q(nationality__isnull=True) | Q(nationality__code=data.nationality))
    deaths = list(qs.select_related("nationality", "place"))
    if data.birth_year_min is None:
        return deaths
    kept = []
    for death in deaths:
        low, high = death_birth_years(death)
        if low is None or (
            data.birth_year_min - BODY_YEARS_SLACK <= high
            and low - BODY_YEARS_SLACK <= data.birth_year_max
        ):
            kept.append(death)
    return kept


def missing_candidates_for_body(death: DeathRecord) -> list[Person]:
    """Missing people a body could be: last heard from before it was found, and
    consistent in sex, nationality and age; none already linked to another body."""
    qs = PersonMatchData.objects.filter(is_missing=True).filter(
        Q(last_contact__isnull=True) | Q(last_contact__lte=death.found_latest)
    )
    if death.sex in ("m", "f"):
        qs = qs.filter(sex__in=[death.sex, ""])
    if death.nationality_id:
        qs = qs.filter(nationality__in=[death.nationality.code, ""])
    low, high = death_birth_years(death)
    if low is not None:
        qs = qs.filter(
            Q(birth_year_min__isnull=True)
            | Q(
                birth_year_min__lte=high + BODY_YEARS_SLACK,
                birth_year_max__gte=low - BODY_YEARS_SLACK,
            )
        )
    linked = DeathRecord.objects.exclude(pk=death.pk).filter(person__isnull=False)
    qs = qs.exclude(person__in=linked.values("person"))
    return list(_persons(qs.values_list("person_id", flat=True)).values())


def possible_matches(
    record: Person | DeathRecord | Detention,
    *,
    threshold: float = PANEL_THRESHOLD,
    user=None,
) -> list[PossibleMatch]:
    """A person's, a body's or a detention's possible matches, best first; rejected pairs
    never appear, a confirmed pair appears as linked whatever its probability.

    A detention (or deportation) is matched through the person it names: the detainee
    from an official list is a person record like any other, so the missing people and
    other records that may be them are that person's candidates.
    """
    if isinstance(record, Detention):
        record = record.person
    matches: list[PossibleMatch] = []
    if isinstance(record, DeathRecord):
        body = death_match_record(record)
        candidates = missing_candidates_for_body(record) if record.person_id is None else []
        if record.person_id is not None:
            candidates = list(_persons([record.person_id]).values())
        for person in candidates:
            proposed = score(person_match_record(person), body, prior=BODY_PRIOR)
            matches.append(PossibleMatch(person=person, other=record, proposed=proposed))
        decisions = _decisions_for_pairs([p.pk for p in candidates], [record.pk])
    else:
        me = person_match_record(record)
        others = [(other, person_match_record(other)) for other in person_candidates(record)]
        information = name_information([me, *(r for _, r in others)])
        for other, other_record in others:
            proposed = score(me, other_record, information=information)
            matches.append(PossibleMatch(person=record, other=other, proposed=proposed))
        deaths = list(body_candidates_for_person(record))
        linked = DeathRecord.objects.filter(person=record).exclude(pk__in=[d.pk for d in deaths])
        deaths += list(linked)
        for death in deaths:
            proposed = score(me, death_match_record(death), prior=BODY_PRIOR)
            matches.append(PossibleMatch(person=record, other=death, proposed=proposed))
        decisions = _decisions_for_pairs([record.pk], [d.pk for d in deaths])
    kept = []
    for m in _with_status(matches, decisions):
        if m.probability >= threshold or m.status == CONFIRMED:
            m.counterpart = m.person if isinstance(record, DeathRecord) else m.other
            kept.append(m)
    return kept if user is None else _need_to_know(user, kept)


def _need_to_know(user, matches: list[PossibleMatch]) -> list[PossibleMatch]:
    """Drop pairs naming a person known only from restricted records the user may not
    see (accounts.need_to_know); coordinators see every pair."""
    ids = {p.pk for m in matches for p in (m.person, m.other) if isinstance(p, Person)}
    if not ids or need_to_know.sees_everything(user):
        return matches
    seen = set(
        need_to_know.visible_persons(user, Person.objects.filter(pk__in=ids)).values_list(
            "pk", flat=True
        )
    )
    return [
        m
        for m in matches
        if all(p.pk in seen for p in (m.person, m.other) if isinstance(p, Person))
    ]


# -- the review queue ---------------------------------------------------------------------


def _person_pairs(max_block: int = MAX_BLOCK) -> set[tuple]:
    """Every pair of people sharing a blocking-key digest (no names), where a digest
    more than `max_block` people share pairs only people born in overlapping years, as
    `person_candidates` and `model.with_capped_blocks` do: the queue scores every pair
    in Python, and one common name among thousands of people would be millions."""
    keys = BlockingKey._meta.db_table
    birth = PersonMatchData._meta.db_table

    def sharing(block_size: str) -> str:
        return (
            f"SELECT a.person_id, b.person_id FROM {keys} a JOIN {keys} b "  # noqa: S608  # nosec B608
            "ON a.digest = b.digest AND a.person_id < b.person_id WHERE a.digest IN "
            f"(SELECT digest FROM {keys} GROUP BY digest HAVING COUNT(*) {block_size} %s)"
        )

    with connection.cursor() as cursor:
        cursor.execute(
            f"{sharing('<=')} UNION {sharing('>')} AND EXISTS (SELECT 1 FROM {birth} x "  # noqa: S608  # nosec B608
            f"JOIN {birth} y ON x.birth_year_min <= y.birth_year_max "
            "AND y.birth_year_min <= x.birth_year_max "
            "WHERE x.person_id = a.person_id AND y.person_id = b.person_id)",
            [max_block, max_block],
        )
        rows = cursor.fetchall()
    field = BlockingKey._meta.get_field("person").target_field
    return {(field.to_python(a), field.to_python(b)) for a, b in rows}


def review_queue(
    *, threshold: float = REVIEW_THRESHOLD, user=None, max_block: int = MAX_BLOCK
) -> list[PossibleMatch]:
    """Proposed pairs nobody has decided yet, at or above `threshold`, best first."""
    pairs = _person_pairs(max_block)
    people = _persons({p for pair in pairs for p in pair})
    records = {pk: person_match_record(p) for pk, p in people.items()}
    information = name_information(records.values())
    proposals: list[PossibleMatch] = []
    for a, b in pairs:
        proposed = score(records[a], records[b], information=information)
        if proposed.probability >= threshold:
            first, second = sorted((people[a], people[b]), key=lambda p: str(p.pk))
            proposals.append(PossibleMatch(person=first, other=second, proposed=proposed))
    for death in DeathRecord.objects.filter(identification_status=UNIDENTIFIED).select_related(
        "nationality", "place"
    ):
        body = death_match_record(death)
        for person in missing_candidates_for_body(death):
            proposed = score(person_match_record(person), body, prior=BODY_PRIOR)
            if proposed.probability >= threshold:
                proposals.append(PossibleMatch(person=person, other=death, proposed=proposed))
    decided = {
        _pair_key(d.person_id, d.other_person_id or d.death_id)
        for d in MatchDecision.objects.filter(undone_at__isnull=True).only(
            "person_id", "other_person_id", "death_id"
        )
    }
    pending = [m for m in proposals if _pair_key(m.person.pk, m.other.pk) not in decided]
    pending.sort(key=lambda m: (-m.probability, m.person.code, m.other.code))
    if user is not None:
        pending = _need_to_know(user, pending)
    return pending[:QUEUE_LIMIT]


def decisions_to_review_again() -> QuerySet[MatchDecision]:
    """Pairs marked unsure and not decided since: they wait for a second look."""
    standing = MatchDecision.objects.filter(undone_at__isnull=True)
    settled = standing.filter(verdict__in=[CONFIRMED, REJECTED])
    unsure = standing.filter(verdict=UNSURE)
    ids = []
    settled_keys = {
        _pair_key(d.person_id, d.other_person_id or d.death_id)
        for d in settled.only("person_id", "other_person_id", "death_id")
    }
    seen = set()
    for d in unsure.order_by("-decided_at"):
        key = _pair_key(d.person_id, d.other_person_id or d.death_id)
        if key not in settled_keys and key not in seen:
            seen.add(key)
            ids.append(d.pk)
    return _decision_rows(MatchDecision.objects.filter(pk__in=ids))


def confirmed_links() -> QuerySet[MatchDecision]:
    """Standing confirmed links, newest first (each can be undone)."""
    return _decision_rows(MatchDecision.objects.filter(undone_at__isnull=True, verdict=CONFIRMED))


def _decision_rows(qs: QuerySet[MatchDecision]) -> QuerySet[MatchDecision]:
    return qs.select_related(
        "person", "other_person", "death", "decided_by", "person__data_key"
    ).order_by("-decided_at")


@dataclass
class SideFacts:
    """What a coordinator compares side by side: codes, names, dates, places."""

    code: str
    names: list[str]
    facts: list[tuple[str, str]]


def person_side(person: Person) -> SideFacts:
    """A person's names and the dates and places of their reports and detentions."""
    facts: list[tuple[str, str]] = []
    low, high = person_birth_years(person)
    if low is not None:
        facts.append((gettext("born"), str(low) if low == high else f"{low}–{high}"))
    facts.append((gettext("sex"), person.get_sex_display()))
    if person.nationality_id:
        facts.append((gettext("nationality"), person.nationality.code))
    for r in MissingPersonReport.objects.filter(person=person).select_related("last_contact_place"):
        where = f", {r.last_contact_place}" if r.last_contact_place_id else ""
        facts.append((gettext("last contact"), f"{r.last_contact or '—'}{where} ({r.code})"))
    for d in Detention.objects.filter(person=person).select_related("facility"):
        held = f"{d.detained_from:%Y-%m-%d}, {d.facility_name} ({d.code})"
        facts.append((gettext("detained"), held))
    return SideFacts(code=person.code, names=person_names(person), facts=facts)


def death_side(death: DeathRecord) -> SideFacts:
    """A body: no name; when and where found, sex, age, nationality."""
    facts = [(gettext("found"), str(death.found))]
    if death.place_id:
        facts.append((gettext("place"), str(death.place)))
    facts.append((gettext("sex"), death.get_sex_display()))
    if death.age_min is not None or death.age_max is not None:
        ages = sorted({a for a in (death.age_min, death.age_max) if a is not None})
        facts.append((gettext("age"), "–".join(str(a) for a in ages)))
    if death.nationality_id:
        facts.append((gettext("nationality"), death.nationality.code))
    return SideFacts(code=death.code, names=[], facts=facts)


def side_by_side(match: PossibleMatch) -> tuple[SideFacts, SideFacts]:
    other = match.other
    right = death_side(other) if isinstance(other, DeathRecord) else person_side(other)
    return person_side(match.person), right
