"""Reads on tracing, authorised in the same step, and the figures that make silence visible.

`access_*` answer the same `Http404` for a record that does not exist and one
the user may not see.  The figures (`overdue_interventions`,
`recipient_answer_stats`, `tracing_totals`) carry codes and counts only, never
a name or a contact, so the analyst may read them (`tracing.stats`).

Counting convention: a record belongs to the period its date starts in
(`received_on`, `sent_on`, the earliest possible day a body was found), so the
counts of consecutive periods add up to the count of the whole.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from bordermonitor.accounts import need_to_know
from bordermonitor.accounts.access import record_by_code
from bordermonitor.accounts.models import User
from bordermonitor.core.codes import today as _today
from bordermonitor.core.models import Nationality
from bordermonitor.tracing.models import (
    CLOSED,
    OFFICIAL,
    TESTIMONY_ONLY,
    DeathRecord,
    Detention,
    Intervention,
    MissingPersonReport,
    Recipient,
    TracingCase,
)

UNKNOWN_NATIONALITY = "unknown"
ACTIVE = "active"  # the outcome bucket of reports whose case is not closed


def _capability(for_edit: bool, view: str = "tracing.view", edit: str = "tracing.edit") -> str:
    return edit if for_edit else view


def access_case(user: User, code: str, *, for_edit: bool = False) -> TracingCase:
    qs = TracingCase.objects.select_related("person", "assigned_to", "team").prefetch_related(
        "reports", "transitions", "interventions__recipient"
    )
    return record_by_code(qs, code, _capability(for_edit), user)


def access_missing_report(user: User, code: str, *, for_edit: bool = False) -> MissingPersonReport:
    qs = MissingPersonReport.objects.select_related("case", "person", "last_contact_place")
    return record_by_code(qs, code, _capability(for_edit), user)


def access_intervention(user: User, code: str, *, for_edit: bool = False) -> Intervention:
    qs = Intervention.objects.select_related("recipient", "case", "event", "follow_up_of")
    return record_by_code(qs, code, _capability(for_edit), user)


def access_death(user: User, code: str, *, for_edit: bool = False) -> DeathRecord:
    qs = DeathRecord.objects.select_related("place", "nationality", "person", "border_section")
    return record_by_code(qs, code, _capability(for_edit), user)


def access_detention(user: User, code: str, *, for_edit: bool = False) -> Detention:
    qs = Detention.objects.select_related("person", "facility", "case", "team")
    return record_by_code(qs, code, _capability(for_edit, edit="detentions.edit"), user)


def cases_for(
    user: User, *, status: str | None = None, assigned_to: User | None = None
) -> QuerySet[TracingCase]:
    """Cases the user may see (none without `tracing.view`), newest first."""
    if not (user and user.is_authenticated and user.can("tracing.view")):
        return TracingCase.objects.none()
    qs = need_to_know.visible_cases(
        user, TracingCase.objects.select_related("person", "assigned_to", "team")
    )
    if status:
        qs = qs.filter(status=status)
    if assigned_to is not None:
        qs = qs.filter(assigned_to=assigned_to)
    return qs


def cases_of(user: User, person, *, active_only: bool = False) -> QuerySet[TracingCase]:
    """One person's cases that the user may see (restricted ones only for their team)."""
    qs = cases_for(user).filter(person=person)
    return qs.exclude(status=CLOSED) if active_only else qs


def detentions_of(user: User, person, *, exclude=None) -> QuerySet[Detention]:
    """One person's detentions that the user may see, but `exclude` (the one shown)."""
    qs = detentions_for(user).filter(person=person)
    return qs.exclude(pk=exclude.pk) if exclude is not None else qs


# -- overdue requests ----------------------------------------------------------------


@dataclass(frozen=True)
class OverdueIntervention:
    intervention: Intervention
    days_overdue: int

    @property
    def about(self) -> str:
        """The case and/or event code the request is about."""
        i = self.intervention
        return " / ".join(
            c for c in (i.case.code if i.case_id else "", i.event.code if i.event_id else "") if c
        )


def overdue_interventions(
    today: dt.date | None = None, *, user: User | None = None
) -> list[OverdueIntervention]:
    """Requests past their due date with no answer, the longest overdue first; with
    `user`, only those the user may see (requests about restricted cases of other
    teams left out: their codes would tell the case exists)."""
    today = today or _today()
    qs = (
        Intervention.objects.filter(answered_on__isnull=True, due_on__lt=today)
        .select_related("recipient", "case", "event")
        .order_by("due_on", "sent_on", "code")
    )
    if user is not None:
        qs = need_to_know.visible_interventions(user, qs)
    return [OverdueIntervention(i, (today - i.due_on).days) for i in qs]


# -- answers per recipient -----------------------------------------------------------


@dataclass(frozen=True)
class RecipientStats:
    recipient: Recipient
    sent: int
    answered: int
    unanswered_past_due: int
    median_days_to_answer: float | None

    @property
    def answer_rate(self) -> float | None:
        """Answered / sent, 0..1; None when nothing was sent."""
        return self.answered / self.sent if self.sent else None


def _sent_between(date_from: dt.date | None, date_to: dt.date | None) -> Q:
    q = Q()
    if date_from is not None:
        q &= Q(sent_on__gte=date_from)
    if date_to is not None:
        q &= Q(sent_on__lte=date_to)
    return q


def recipient_answer_stats(
    date_from: dt.date | None, date_to: dt.date | None, *, today: dt.date | None = None
) -> list[RecipientStats]:
    """Per recipient, for requests sent in the period: sent, answered, median days, overdue.

    Recipients with no request in the period are left out; most sent first.
    """
    today = today or _today()
    rows = (
        Intervention.objects.filter(_sent_between(date_from, date_to))
        .values_list("recipient_id", "sent_on", "answered_on", "due_on")
        .order_by()
    )
    sent: Counter = Counter()
    answered: Counter = Counter()
    overdue: Counter = Counter()
    days: dict[int, list[int]] = {}
    for recipient_id, sent_on, answered_on, due_on in rows.iterator():
        sent[recipient_id] += 1
        if answered_on is not None:
            answered[recipient_id] += 1
            days.setdefault(recipient_id, []).append((answered_on - sent_on).days)
        elif due_on < today:
            overdue[recipient_id] += 1
    recipients = Recipient.objects.in_bulk(list(sent))
    stats = [
        RecipientStats(
            recipient=recipients[rid],
            sent=sent[rid],
            answered=answered[rid],
            unanswered_past_due=overdue[rid],
            median_days_to_answer=(float(statistics.median(days[rid])) if days.get(rid) else None),
        )
        for rid in sent
    ]
    stats.sort(key=lambda s: (-s.sent, s.recipient.sort_order, s.recipient.name))
    return stats


# -- the totals of /api/v1/stats/tracing ---------------------------------------------


def _ordered(counter: Counter) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _rate(answered: int, sent: int) -> float | None:
    return round(answered / sent, 4) if sent else None


def tracing_totals(date_from: dt.date | None, date_to: dt.date | None) -> dict:
    """Counts only, as served by `/api/v1/stats/tracing`.

    - `missing_reports`: reports received in the period, total, by the missing
      person's nationality (ISO alpha-3 or "unknown") and by the outcome of their
      case ("active" while it is not closed);
    - `deaths`: bodies found in the period, official statements and testimony-only
      kept apart, each total and by nationality;
    - `interventions`: per recipient code, requests sent in the period, answered,
      and answer rate (0..1, 4 decimals).
    """
    reports = MissingPersonReport.objects.all()
    if date_from is not None:
        reports = reports.filter(received_on__gte=date_from)
    if date_to is not None:
        reports = reports.filter(received_on__lte=date_to)
    by_nationality: Counter = Counter()
    by_outcome: Counter = Counter()
    for nationality, status, outcome in reports.values_list(
        "person__nationality__code", "case__status", "case__outcome"
    ).order_by():
        by_nationality[nationality or UNKNOWN_NATIONALITY] += 1
        by_outcome[outcome if status == CLOSED else ACTIVE] += 1

    deaths = DeathRecord.objects.all()
    if date_from is not None:
        deaths = deaths.filter(found_earliest__gte=date_from)
    if date_to is not None:
        deaths = deaths.filter(found_earliest__lte=date_to)
    death_counts: dict[str, Counter] = {OFFICIAL: Counter(), TESTIMONY_ONLY: Counter()}
    for confirmation, nationality in deaths.values_list(
        "confirmation", "nationality__code"
    ).order_by():
        death_counts[confirmation][nationality or UNKNOWN_NATIONALITY] += 1

    interventions = [
        {
            "recipient": s.recipient.code,
            "name": s.recipient.name,
            "sent": s.sent,
            "answered": s.answered,
            "answer_rate": _rate(s.answered, s.sent),
            "unanswered_past_due": s.unanswered_past_due,
            "median_days_to_answer": s.median_days_to_answer,
        }
        for s in recipient_answer_stats(date_from, date_to)
    ]
    return {
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "missing_reports": {
            "total": sum(by_nationality.values()),
            "by_nationality": _ordered(by_nationality),
            "by_outcome": _ordered(by_outcome),
        },
        "deaths": {
            kind: {"total": sum(counts.values()), "by_nationality": _ordered(counts)}
            for kind, counts in death_counts.items()
        },
        "interventions": interventions,
    }


# -- lists for the API (issue 4, phase 2b) ---------------------------------------------


def _between(qs: QuerySet, field: str, date_from: dt.date | None, date_to: dt.date | None):
    if date_from is not None:
        qs = qs.filter(**{f"{field}__gte": date_from})
    if date_to is not None:
        qs = qs.filter(**{f"{field}__lte": date_to})
    return qs


def _visible(user: User, capability: str = "tracing.view") -> bool:
    return bool(user and user.is_authenticated and user.can(capability))


def missing_reports_for(
    user: User,
    *,
    case: str = "",
    person: str = "",
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
) -> QuerySet[MissingPersonReport]:
    """Reports the user may see (none without `tracing.view`), newest first."""
    if not _visible(user):
        return MissingPersonReport.objects.none()
    qs = need_to_know.visible_reports(
        user, MissingPersonReport.objects.select_related("case", "person", "last_contact_place")
    )
    if case:
        qs = qs.filter(case__code=case)
    if person:
        qs = qs.filter(person__code=person)
    return _between(qs, "received_on", received_from, received_to)


def interventions_for(
    user: User,
    *,
    overdue: bool | None = None,
    answered: bool | None = None,
    recipient: str = "",
    case: str = "",
    sent_from: dt.date | None = None,
    sent_to: dt.date | None = None,
    today: dt.date | None = None,
) -> QuerySet[Intervention]:
    """Requests the user may see; `overdue=True` is the same rule as `overdue_interventions`."""
    if not _visible(user):
        return Intervention.objects.none()
    qs = need_to_know.visible_interventions(
        user, Intervention.objects.select_related("recipient", "case", "event")
    )
    today = today or _today()
    overdue_q = Q(answered_on__isnull=True, due_on__lt=today)
    if overdue is True:
        qs = qs.filter(overdue_q).order_by("due_on", "sent_on", "code")
    elif overdue is False:
        qs = qs.exclude(overdue_q)
    if answered is not None:
        qs = qs.filter(answered_on__isnull=not answered)
    if recipient:
        qs = qs.filter(recipient__code=recipient)
    if case:
        qs = qs.filter(case__code=case)
    return _between(qs, "sent_on", sent_from, sent_to)


def deaths_for(
    user: User,
    *,
    found_from: dt.date | None = None,
    found_to: dt.date | None = None,
    confirmation: str = "",
    nationality: str = "",
    side: str = "",
    presumed_cause: str = "",
    identification_status: str = "",
) -> QuerySet[DeathRecord]:
    """Bodies found the user may see, by the earliest day each may have been found."""
    if not _visible(user):
        return DeathRecord.objects.none()
    qs = DeathRecord.objects.select_related("place", "nationality", "person", "border_section")
    # a death names a person only by code; open records, not restricted ones
    filters = {
        "confirmation": confirmation,
        "nationality__code": nationality,
        "side": side,
        "presumed_cause": presumed_cause,
        "identification_status": identification_status,
    }
    qs = qs.filter(**{k: v for k, v in filters.items() if v})
    return _between(qs, "found_earliest", found_from, found_to)


def detentions_for(
    user: User,
    *,
    person: str = "",
    outcome: str = "",
    detained_from: dt.date | None = None,
    detained_to: dt.date | None = None,
) -> QuerySet[Detention]:
    """Detentions the user may see (`tracing.view`), by the first day held."""
    if not _visible(user):
        return Detention.objects.none()
    qs = need_to_know.visible_detentions(
        user, Detention.objects.select_related("person", "facility", "case", "team")
    )
    if person:
        qs = qs.filter(person__code=person)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return _between(qs, "detained_from", detained_from, detained_to)


# -- the case list and the family letter ---------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    outcome: str = ""
    assigned_to: str = ""  # a user id, as the filter form sends it
    nationality: str = ""  # ISO alpha-3
    overdue: bool = False


def case_list(
    user: User, filters: CaseFilters | None = None, *, today: dt.date | None = None
) -> QuerySet[TracingCase]:
    """Cases the user may see, narrowed by the list's filters; `overdue` keeps cases
    with at least one request past its due date and unanswered."""
    filters = filters or CaseFilters()
    qs = cases_for(user, status=filters.status or None).prefetch_related("person__name_variants")
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.assigned_to:
        qs = qs.filter(assigned_to_id=filters.assigned_to)
    if filters.nationality:
        qs = qs.filter(person__nationality__code=filters.nationality)
    if filters.overdue:
        overdue = Intervention.objects.filter(
            answered_on__isnull=True, due_on__lt=today or _today()
        ).values("case_id")
        qs = qs.filter(pk__in=overdue)
    return qs


@dataclass(frozen=True)
class LetterRequest:
    recipient: Recipient
    sent_on: dt.date
    answered_on: dt.date | None


@dataclass(frozen=True)
class LetterFacts:
    """What the family letter may say: this person's case and nothing about anyone else.

    Left out on purpose: the reporter's name and contacts (the letter goes to the
    family, and relatives are other persons), companions (other persons), where the
    person was heading, the circumstances, internal notes, the reasons typed for
    status changes and the recipients' answers (free text that may name others).
    """

    case: TracingCase
    person_name: str
    nationality: Nationality | None
    last_contact: object | None
    last_contact_place: object | None
    reports: int
    requests: list[LetterRequest]
    detentions: list[Detention]
    status_since: dt.datetime | None


def letter_facts(case: TracingCase, user: User | None = None) -> LetterFacts:
    """The facts of one case for its family letter (see `LetterFacts`); with `user`,
    only the detentions that user may see (restricted ones of other teams left out)."""
    person = case.person
    reports = list(case.reports.select_related("last_contact_place"))
    latest = max(
        (r for r in reports if r.last_contact_earliest),
        key=lambda r: r.last_contact_earliest,
        default=None,
    )
    requests = [
        LetterRequest(i.recipient, i.sent_on, i.answered_on)
        for i in case.interventions.select_related("recipient").order_by("sent_on", "code")
    ]
    last_move = case.transitions.order_by("-at").first()
    return LetterFacts(
        case=case,
        person_name=person.primary_name,
        nationality=person.nationality,
        last_contact=latest.last_contact if latest else None,
        last_contact_place=latest.last_contact_place if latest else None,
        reports=len(reports),
        requests=requests,
        detentions=list(
            case.detentions.select_related("facility")
            if user is None
            else need_to_know.visible_detentions(user, case.detentions.select_related("facility"))
        ),
        status_since=last_move.at if last_move else None,
    )
