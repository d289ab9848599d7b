"""/api/v1/missing-reports, /cases, /interventions, /deaths, /detentions, /stats/tracing:
thin handlers over tracing.services and tracing.selectors.

Lists carry codes, dates and categories only; reporters' contacts, summaries and
descriptions (encrypted at rest) are served by the detail routes alone.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from bordermonitor.accounts.models import User
from bordermonitor.api.common import Pagination, requires, restriction_out
from bordermonitor.api.schemas import Code, _fuzzy
from bordermonitor.api.schemas_tracing import (
    AnswerIn,
    CaseDetailOut,
    CaseOut,
    CaseQuery,
    DeathDetailOut,
    DeathIn,
    DeathOut,
    DeathQuery,
    DetentionDetailOut,
    DetentionIn,
    DetentionOut,
    DetentionQuery,
    IdentifyIn,
    InterventionDetailOut,
    InterventionIn,
    InterventionOut,
    InterventionQuery,
    MissingReportDetailOut,
    MissingReportIn,
    MissingReportOut,
    MissingReportQuery,
    StatsQuery,
    TracingStatsOut,
    TransitionIn,
)
from bordermonitor.records import selectors as records_selectors
from bordermonitor.records.models import Person
from bordermonitor.tracing import selectors, services
from bordermonitor.tracing.models import (
    DeathRecord,
    Detention,
    Intervention,
    MissingPersonReport,
    TracingCase,
)

router = Router(tags=["tracing"])


class _Paged:
    """Paginate the queryset in the database, then convert only the page."""

    def __init__(self, queryset, convert: Callable):
        self.queryset, self.convert = queryset, convert

    def __getitem__(self, item):
        return [self.convert(o) for o in self.queryset[item]]

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()


def _code(obj) -> str | None:
    return obj.code if obj is not None else None


def _person(user: User, code: str, field: str = "person") -> Person:
    """A person the caller may see, or a 400 naming the field (never a bare 404)."""
    try:
        return records_selectors.access_person(user, code)
    except (Http404, records_selectors.AccessDenied) as exc:
        raise ValidationError({field: f"unknown person {code!r}"}) from exc


def _case(user: User, code: str | None, *, for_edit: bool = True) -> TracingCase | None:
    if not code:
        return None
    try:
        return selectors.access_case(user, code, for_edit=for_edit)
    except Http404 as exc:
        raise ValidationError({"case": f"unknown case {code!r}"}) from exc


# -- missing-person reports -------------------------------------------------------------


def report_out(r: MissingPersonReport) -> dict:
    last = r.last_contact
    return {
        "code": r.code,
        "case": r.case.code,
        "person": r.person.code,
        "received_on": r.received_on,
        "reporter_relationship": r.reporter_relationship,
        "reporter_language": r.reporter_language,
        "last_contact": str(last) if last else None,
        "last_contact_earliest": r.last_contact_earliest,
        "last_contact_latest": r.last_contact_latest,
        "last_contact_place": _code(r.last_contact_place),
        "last_contact_side": r.last_contact_side,
    }


def report_detail(r: MissingPersonReport) -> dict:
    secret = (
        "reporter_name",
        "reporter_phone",
        "reporter_whatsapp",
        "reporter_telegram",
        "reporter_email",
        "last_phone",
        "companions",
        "heading_to",
        "circumstances",
    )
    return {**report_out(r), **{f: getattr(r, f) or "" for f in secret}}


@router.get("/missing-reports", response=list[MissingReportOut])
@requires("tracing.view")
@paginate(Pagination)
def list_missing_reports(request: HttpRequest, filters: Query[MissingReportQuery]):
    """Reports newest first; no reporter contact in the list."""
    return _Paged(selectors.missing_reports_for(request.auth, **filters.dict()), report_out)


@router.post("/missing-reports", response={201: MissingReportDetailOut})
@requires("tracing.edit")
def create_missing_report(request: HttpRequest, payload: MissingReportIn):
    """File a relative's report: it joins the person's active case or opens one."""
    data = payload.dict()
    person = _person(request.auth, data.pop("person"))
    data["last_contact"] = _fuzzy(data["last_contact"])
    report = services.missing_report_file(person=person, by=request.auth, **data)
    return Status(201, report_detail(selectors.access_missing_report(request.auth, report.code)))


@router.get("/missing-reports/{code}", response=MissingReportDetailOut)
@requires("tracing.view")
def read_missing_report(request: HttpRequest, code: Code):
    return report_detail(selectors.access_missing_report(request.auth, code))


# -- cases ------------------------------------------------------------------------------


def case_out(c: TracingCase) -> dict:
    return {
        "code": c.code,
        "person": c.person.code,
        "status": c.status,
        "outcome": c.outcome,
        "opened_on": c.opened_on,
        "closed_on": c.closed_on,
        "assigned_to": c.assigned_to.username if c.assigned_to_id else None,
        **restriction_out(c),
    }


def case_detail(c: TracingCase) -> dict:
    return {
        **case_out(c),
        "reports": [r.code for r in c.reports.all()],
        "transitions": [
            {
                "from_status": t.from_status,
                "to_status": t.to_status,
                "outcome": t.outcome,
                "by": t.by.username if t.by_id else None,
                "at": t.at,
                "why": t.why or "",
            }
            for t in c.transitions.select_related("by")
        ],
        "interventions": [
            {
                "code": i.code,
                "recipient": i.recipient.code,
                "sent_on": i.sent_on,
                "due_on": i.due_on,
                "answered_on": i.answered_on,
            }
            for i in c.interventions.all()
        ],
        "notes": c.notes or "",
    }


@router.get("/cases", response=list[CaseOut])
@requires("tracing.view")
@paginate(Pagination)
def list_cases(request: HttpRequest, filters: Query[CaseQuery]):
    officer = None
    if filters.assigned_to:
        officer = User.objects.filter(username=filters.assigned_to).first()
        if officer is None:
            raise ValidationError({"assigned_to": f"unknown user {filters.assigned_to!r}"})
    return _Paged(
        selectors.cases_for(request.auth, status=filters.status, assigned_to=officer), case_out
    )


@router.get("/cases/{code}", response=CaseDetailOut)
@requires("tracing.view")
def read_case(request: HttpRequest, code: Code):
    return case_detail(selectors.access_case(request.auth, code))


@router.post("/cases/{code}/transitions", response={201: CaseDetailOut})
@requires("tracing.edit")
def create_case_transition(request: HttpRequest, code: Code, payload: TransitionIn):
    """Move the case along the workflow; illegal moves are refused naming `to`."""
    case = selectors.access_case(request.auth, code, for_edit=True)
    services.case_transition(
        case, payload.to, outcome=payload.outcome, by=request.auth, why=payload.why
    )
    return Status(201, case_detail(selectors.access_case(request.auth, code)))


# -- interventions ----------------------------------------------------------------------


def intervention_out(i: Intervention) -> dict:
    return {
        "code": i.code,
        "recipient": i.recipient.code,
        "recipient_name": i.recipient.name,
        "case": _code(i.case),
        "event": _code(i.event),
        "sent_on": i.sent_on,
        "channel": i.channel,
        "reference": i.reference,
        "due_on": i.due_on,
        "answered_on": i.answered_on,
        "follow_up_of": _code(i.follow_up_of),
    }


def intervention_detail(i: Intervention) -> dict:
    return {
        **intervention_out(i),
        "request_summary": i.request_summary or "",
        "answer_summary": i.answer_summary or "",
    }


@router.get("/interventions", response=list[InterventionOut])
@requires("tracing.view")
@paginate(Pagination)
def list_interventions(request: HttpRequest, filters: Query[InterventionQuery]):
    """Requests newest first; `overdue=true` lists the longest overdue first."""
    qs = selectors.interventions_for(request.auth, **filters.dict())
    return _Paged(qs.select_related("follow_up_of"), intervention_out)


@router.post("/interventions", response={201: InterventionDetailOut})
@requires("tracing.edit")
def create_intervention(request: HttpRequest, payload: InterventionIn):
    """A request about a case relays it; one about an event (and maybe a case) is recorded."""
    with transaction.atomic():
        case = _case(request.auth, payload.case)
        common = {
            "sent_on": payload.sent_on,
            "channel": payload.channel,
            "reference": payload.reference,
            "due_on": payload.due_on,
            "request_summary": payload.request_summary,
            "by": request.auth,
        }
        if payload.event:
            try:
                event = records_selectors.access_event(request.auth, payload.event)
            except (Http404, records_selectors.AccessDenied) as exc:
                raise ValidationError({"event": f"unknown event {payload.event!r}"}) from exc
            intervention = services.intervention_create(
                recipient=payload.recipient, case=case, event=event, **common
            )
        elif case is not None:
            intervention = services.relay_to_authority(case, payload.recipient, **common)
        else:
            raise ValidationError({"case": "a request is about a case, an event, or both"})
    found = selectors.access_intervention(request.auth, intervention.code)
    return Status(201, intervention_detail(found))


@router.get("/interventions/{code}", response=InterventionDetailOut)
@requires("tracing.view")
def read_intervention(request: HttpRequest, code: Code):
    return intervention_detail(selectors.access_intervention(request.auth, code))


@router.post("/interventions/{code}/answer", response=InterventionDetailOut)
@requires("tracing.edit")
def answer_intervention(request: HttpRequest, code: Code, payload: AnswerIn):
    """Record the recipient's answer; an answer dated before the request is refused."""
    intervention = selectors.access_intervention(request.auth, code, for_edit=True)
    services.intervention_answer(
        intervention, answered_on=payload.answered_on, summary=payload.summary, by=request.auth
    )
    return intervention_detail(selectors.access_intervention(request.auth, code))


# -- deaths -----------------------------------------------------------------------------


def death_out(d: DeathRecord) -> dict:
    return {
        "code": d.code,
        "found": str(d.found),
        "found_earliest": d.found_earliest,
        "found_latest": d.found_latest,
        "place": _code(d.place),
        "side": d.side,
        "border_section": _code(d.border_section),
        "nationality": _code(d.nationality),
        "sex": d.sex,
        "age_min": d.age_min,
        "age_max": d.age_max,
        "presumed_cause": d.presumed_cause,
        "confirmation": d.confirmation,
        "identification_status": d.identification_status,
        "person": _code(d.person),
    }


def death_detail(d: DeathRecord, closed_cases: list[str] | None = None) -> dict:
    return {**death_out(d), "description": d.description or "", "closed_cases": closed_cases or []}


def _identify(user: User, death: DeathRecord, payload) -> list[str]:
    """Link the body; close the person's active cases as deceased only when asked to."""
    person = _person(user, payload.person)
    proposed = services.death_identify(death, person, by=user, presumed=payload.presumed)
    if not getattr(payload, "close_cases", False) or not proposed:
        return []
    services.death_identification_confirm(death, cases=proposed, by=user)
    return [c.code for c in proposed]


@router.get("/deaths", response=list[DeathOut])
@requires("tracing.view")
@paginate(Pagination)
def list_deaths(request: HttpRequest, filters: Query[DeathQuery]):
    """Bodies found, newest first; filters by the earliest day each may have been found."""
    wanted = {k: v or "" for k, v in filters.dict().items() if k not in {"found_from", "found_to"}}
    qs = selectors.deaths_for(
        request.auth, found_from=filters.found_from, found_to=filters.found_to, **wanted
    )
    return _Paged(qs, death_out)


@router.post("/deaths", response={201: DeathDetailOut})
@requires("tracing.edit")
def create_death(request: HttpRequest, payload: DeathIn):
    """Record a body found; with `person`, identify it in the same step (all or nothing)."""
    data = payload.dict(exclude={"person", "presumed"})
    data["found"] = _fuzzy(data["found"])
    with transaction.atomic():
        death = services.death_record(by=request.auth, **data)
        if payload.person:
            _identify(request.auth, death, payload)
    return Status(201, death_detail(selectors.access_death(request.auth, death.code)))


@router.get("/deaths/{code}", response=DeathDetailOut)
@requires("tracing.view")
def read_death(request: HttpRequest, code: Code):
    return death_detail(selectors.access_death(request.auth, code))


@router.post("/deaths/{code}/identify", response=DeathDetailOut)
@requires("tracing.edit")
def identify_death(request: HttpRequest, code: Code, payload: IdentifyIn):
    """Link a body to a person; `close_cases` confirms closing their cases as deceased."""
    death = selectors.access_death(request.auth, code, for_edit=True)
    with transaction.atomic():
        closed = _identify(request.auth, death, payload)
    return death_detail(selectors.access_death(request.auth, code), closed)


# -- detentions --------------------------------------------------------------------------


def detention_out(d: Detention) -> dict:
    return {
        "code": d.code,
        "person": d.person.code,
        "facility": _code(d.facility),
        "facility_name": d.facility_name,
        "detained_from": d.detained_from,
        "detained_to": d.detained_to,
        "legal_ground": d.legal_ground,
        "outcome": d.outcome,
        "case": _code(d.case),
        **restriction_out(d),
    }


@router.get("/detentions", response=list[DetentionOut])
@requires("tracing.view")
@paginate(Pagination)
def list_detentions(request: HttpRequest, filters: Query[DetentionQuery]):
    return _Paged(selectors.detentions_for(request.auth, **filters.dict()), detention_out)


@router.post("/detentions", response={201: DetentionDetailOut})
@requires("detentions.edit")
def create_detention(request: HttpRequest, payload: DetentionIn):
    data = payload.dict(exclude={"person", "case"})
    with transaction.atomic():
        person = _person(request.auth, payload.person)
        case = _case(request.auth, payload.case, for_edit=False)
        detention = services.detention_record(person=person, case=case, by=request.auth, **data)
    found = selectors.access_detention(request.auth, detention.code)
    return Status(201, {**detention_out(found), "notes": found.notes or ""})


@router.get("/detentions/{code}", response=DetentionDetailOut)
@requires("tracing.view")
def read_detention(request: HttpRequest, code: Code):
    d = selectors.access_detention(request.auth, code)
    return {**detention_out(d), "notes": d.notes or ""}


# -- statistics ---------------------------------------------------------------------------


@router.get("/stats/tracing", response=TracingStatsOut, by_alias=True)
@requires("tracing.stats")
def tracing_stats(request: HttpRequest, period: Query[StatsQuery]):
    """Counts only (no name, no contact): reports, deaths kept official/testimony-only
    apart, and how each recipient answers.  A record counts in the period its date
    starts in."""
    if period.date_from and period.date_to and period.date_from > period.date_to:
        raise ValidationError(
            {
                "from": f"the period starts ({period.date_from.isoformat()}) after it ends "
                f"({period.date_to.isoformat()})"
            }
        )
    totals = selectors.tracing_totals(period.date_from, period.date_to)
    deaths = totals["deaths"]
    totals["deaths"] = {"total": sum(d["total"] for d in deaths.values()), **deaths}
    return totals
