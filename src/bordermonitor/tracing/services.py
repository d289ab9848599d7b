"""Writes on tracing: reports, the case workflow, requests, deaths and detentions.

Same rules as `records.services`: keyword-only arguments after the record acted
on, everything validated before anything is written, `ValidationError` keyed by
field name, one transaction per use case, so a refused write changes nothing.

Codes take the year of the record's own date (received, sent, found, detained),
so a case opened from a report received in 2023 is C-2023-…, whenever typed in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from importlib import resources

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from bordermonitor.accounts.models import User
from bordermonitor.core.codes import next_code, today
from bordermonitor.core.crypto import create_data_key
from bordermonitor.core.dates import FuzzyDate
from bordermonitor.core.models import SIDE_CHOICES, BorderSection, Nationality, Place
from bordermonitor.records.models import LANGUAGE_CHOICES, SEX_CHOICES, Event, Person
from bordermonitor.tracing.models import (
    CAUSE_CHOICES,
    CHANNEL_CHOICES,
    CLOSED,
    CONFIRMATION_CHOICES,
    DECEASED,
    DETENTION_FACILITY,
    DETENTION_OUTCOME_CHOICES,
    IDENTIFIED,
    OPEN,
    OUTCOME_CHOICES,
    PRESUMED,
    RELATIONSHIP_CHOICES,
    RELAYED,
    STATUS_CHOICES,
    TRANSITIONS,
    CaseTransition,
    DeathRecord,
    Detention,
    Intervention,
    MissingPersonReport,
    Recipient,
    TracingCase,
)

MAX_TEXT_LENGTH = 200_000
MAX_CONTACT_LENGTH = 300
DATA = resources.files("bordermonitor.tracing") / "data"


# -- small checks ---------------------------------------------------------------------


def _choice(errors: dict, field: str, value: str, choices, *, blank: bool = False) -> None:
    if blank and value == "":
        return
    allowed = [c for c, _ in choices]
    if value not in allowed:
        errors[field] = gettext("%(value)s is not one of: %(allowed)s") % {
            "value": repr(value),
            "allowed": ", ".join(allowed),
        }


def _text(errors: dict, field: str, value: str | None, limit: int = MAX_TEXT_LENGTH) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors[field] = gettext("at most %(limit)s characters") % {"limit": limit}
    return value


def _not_future(errors: dict, field: str, day: dt.date | None, what: str) -> None:
    if day is not None and day > today():
        errors[field] = gettext("%(what)s %(date)s is in the future") % {
            "what": what,
            "date": day.isoformat(),
        }


def _by_code(errors: dict, field: str, model, value, what: str):
    """An instance given as itself or by its code; unknown codes name the field."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value
    obj = model.objects.filter(code=value).first()
    if obj is None:
        errors[field] = gettext("unknown %(what)s %(code)s") % {"what": what, "code": repr(value)}
    return obj


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _year(day: dt.date | None, code_year: int | None) -> int | None:
    return code_year or (day.year if day else None)


# -- recipients ---------------------------------------------------------------------


def recipients_seed(apps=None) -> int:
    """Insert the packaged recipients that are missing; edited ones keep the admin's text."""
    try:
        model = apps.get_model("tracing", "Recipient") if apps else Recipient
    except LookupError:  # migrated to a state before the tracing tables
        return 0
    items = json.loads((DATA / "recipients.json").read_text(encoding="utf-8"))
    added = 0
    with transaction.atomic():
        for order, item in enumerate(items):
            _, created = model.objects.get_or_create(
                code=item["code"],
                defaults={**{k: v for k, v in item.items() if k != "code"}, "sort_order": order},
            )
            added += created
    return added


# -- the case workflow ----------------------------------------------------------------


def _status_label(status: str) -> str:
    return str(dict(STATUS_CHOICES).get(status, status))


def _record_transition(
    case: TracingCase, *, from_status: str, outcome: str, by: User | None, why: str, at
) -> CaseTransition:
    transition = CaseTransition(
        case=case,
        from_status=from_status,
        to_status=case.status,
        outcome=outcome,
        by=by,
        at=at or timezone.now(),
        why=why,
    )
    transition.save()
    return transition


@transaction.atomic
def case_transition(
    case: TracingCase,
    to: str,
    *,
    outcome: str | None = None,
    by: User | None,
    why: str,
    at: dt.datetime | None = None,
) -> CaseTransition:
    """Move a case along the workflow (`models.TRANSITIONS`); closing needs an outcome."""
    case = TracingCase.objects.select_for_update().get(pk=case.pk)
    errors: dict[str, str] = {}
    outcome = outcome or ""
    why = _text(errors, "why", why, 10_000)
    if to not in dict(STATUS_CHOICES):
        _choice(errors, "to", to, STATUS_CHOICES)
    elif to not in TRANSITIONS[case.status]:
        errors["to"] = gettext(
            "case %(code)s is %(status)s and cannot move to %(to)s; it can move to: %(allowed)s"
        ) % {
            "code": case.code,
            "status": _status_label(case.status),
            "to": _status_label(to),
            "allowed": ", ".join(_status_label(s) for s in sorted(TRANSITIONS[case.status])),
        }
    if to == CLOSED:
        if not outcome:
            errors["outcome"] = gettext("closing a case needs an outcome")
        else:
            _choice(errors, "outcome", outcome, OUTCOME_CHOICES)
    elif outcome:
        errors["outcome"] = gettext("only a closed case has an outcome")
    if not why:
        errors["why"] = gettext("say why the case changes status")
    if (
        not errors
        and case.status == CLOSED
        and TracingCase.objects.filter(person_id=case.person_id)
        .exclude(status=CLOSED)
        .exclude(pk=case.pk)
        .exists()
    ):
        other = TracingCase.objects.filter(person_id=case.person_id).exclude(status=CLOSED).first()
        errors["to"] = gettext(
            "this person already has an active case, %(code)s; continue there instead"
        ) % {"code": other.code}
    _raise(errors)

    from_status = case.status
    when = at or timezone.now()
    case.status = to
    case.outcome = outcome if to == CLOSED else ""
    case.closed_on = timezone.localdate(when) if to == CLOSED else None
    case.save(update_fields=["status", "outcome", "closed_on", "updated_at"])
    return _record_transition(
        case, from_status=from_status, outcome=case.outcome, by=by, why=why, at=when
    )


@transaction.atomic
def case_assign(case: TracingCase, *, officer: User | None, by: User | None) -> TracingCase:
    """Put a tracing officer (or coordinator) in charge; None leaves the case unassigned."""
    if officer is not None and not officer.can("tracing.edit"):
        raise ValidationError(
            {
                "officer": gettext("%(user)s cannot work on tracing cases (role %(role)s)")
                % {"user": officer.username, "role": officer.role}
            }
        )
    case.assigned_to = officer
    case.save(update_fields=["assigned_to", "updated_at"])
    return case


# -- missing-person reports -----------------------------------------------------------


def _check_email(errors: dict, field: str, value: str) -> None:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            errors[field] = gettext("%(value)s is not an email address") % {"value": repr(value)}


@transaction.atomic
def missing_report_file(
    *,
    person: Person,
    received_on: dt.date,
    reporter_relationship: str,
    by: User | None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_whatsapp: str = "",
    reporter_telegram: str = "",
    reporter_email: str = "",
    reporter_language: str = "",
    last_contact: FuzzyDate | None = None,
    last_contact_place: Place | str | None = None,
    last_contact_side: str = "??",
    last_phone: str = "",
    companions: str = "",
    heading_to: str = "",
    circumstances: str = "",
    code_year: int | None = None,
) -> MissingPersonReport:
    """File a relative's report; it joins the person's active case or opens a new one.

    A person whose earlier case is closed gets a new case: a second disappearance
    is new casework, and the closed case keeps its outcome.
    """
    errors: dict[str, str] = {}
    if not isinstance(person, Person) or person.pk is None:
        errors["person"] = gettext("the missing person must be recorded first")
    if received_on is None:
        errors["received_on"] = gettext("the date the report was received is required")
    _not_future(errors, "received_on", received_on, gettext("the report date"))
    _choice(errors, "reporter_relationship", reporter_relationship, RELATIONSHIP_CHOICES)
    _choice(errors, "reporter_language", reporter_language, LANGUAGE_CHOICES, blank=True)
    _choice(errors, "last_contact_side", last_contact_side, SIDE_CHOICES)
    contacts = {
        "reporter_name": _text(errors, "reporter_name", reporter_name, MAX_CONTACT_LENGTH),
        "reporter_phone": _text(errors, "reporter_phone", reporter_phone, MAX_CONTACT_LENGTH),
        "reporter_whatsapp": _text(
            errors, "reporter_whatsapp", reporter_whatsapp, MAX_CONTACT_LENGTH
        ),
        "reporter_telegram": _text(
            errors, "reporter_telegram", reporter_telegram, MAX_CONTACT_LENGTH
        ),
        "reporter_email": _text(errors, "reporter_email", reporter_email, MAX_CONTACT_LENGTH),
        "last_phone": _text(errors, "last_phone", last_phone, MAX_CONTACT_LENGTH),
    }
    _check_email(errors, "reporter_email", contacts["reporter_email"])
    texts = {
        "companions": _text(errors, "companions", companions),
        "heading_to": _text(errors, "heading_to", heading_to, 1000),
        "circumstances": _text(errors, "circumstances", circumstances),
    }
    if last_contact is not None and received_on is not None:
        if last_contact.earliest > received_on:
            errors["last_contact"] = gettext(
                "the last contact (%(date)s) is after the report was received (%(received)s)"
            ) % {"date": last_contact, "received": received_on.isoformat()}
        elif last_contact.latest.year < 2000:
            errors["last_contact"] = gettext("a last contact before 2000 is not plausible")
    place = _by_code(errors, "last_contact_place", Place, last_contact_place, gettext("place"))
    _raise(errors)

    if place is not None and last_contact_side == "??":
        last_contact_side = place.country
    case = TracingCase.objects.select_for_update().filter(person=person).exclude(status=CLOSED)
    case = case.first()
    year = _year(received_on, code_year)
    if case is None:
        code = next_code(TracingCase.CODE_PREFIX, year)
        case = TracingCase(
            code=code,
            data_key=create_data_key(code),
            person=person,
            status=OPEN,
            opened_on=received_on,
            created_by=by,
        )
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError as exc:  # a concurrent report opened one a moment ago
            raise ValidationError(
                {"person": gettext("another report for this person is being filed; try again")}
            ) from exc
        opened = True
    else:
        opened = False

    code = next_code(MissingPersonReport.CODE_PREFIX, year)
    report = MissingPersonReport(
        code=code,
        data_key=create_data_key(code),
        case=case,
        person=person,
        received_on=received_on,
        reporter_relationship=reporter_relationship,
        reporter_language=reporter_language,
        last_contact_earliest=last_contact.earliest if last_contact else None,
        last_contact_latest=last_contact.latest if last_contact else None,
        last_contact_precision=last_contact.precision if last_contact else "",
        last_contact_approximate=last_contact.approximate if last_contact else False,
        last_contact_place=place,
        last_contact_side=last_contact_side,
        created_by=by,
        **contacts,
        **texts,
    )
    report.save()
    if opened:
        _record_transition(
            case,
            from_status="",
            outcome="",
            by=by,
            why=gettext("opened by report %(code)s") % {"code": report.code},
            at=None,
        )
    return report


# -- requests to authorities and organisations ----------------------------------------


def _recipient(errors: dict, recipient: Recipient | str | None) -> Recipient | None:
    if recipient is None or recipient == "":
        errors["recipient"] = gettext("choose who the request goes to")
        return None
    return _by_code(errors, "recipient", Recipient, recipient, gettext("recipient"))


def _check_sending(
    errors: dict,
    recipient: Recipient | None,
    sent_on: dt.date | None,
    channel: str,
    reference: str,
    due_on: dt.date | None,
) -> dt.date | None:
    if sent_on is None:
        errors["sent_on"] = gettext("the date the request was sent is required")
    _not_future(errors, "sent_on", sent_on, gettext("the sending date"))
    _choice(errors, "channel", channel, CHANNEL_CHOICES)
    _text(errors, "reference", reference, 100)
    if due_on is None and recipient is not None and sent_on is not None:
        due_on = sent_on + dt.timedelta(days=recipient.default_answer_days)
    if due_on is not None and sent_on is not None and due_on < sent_on:
        errors["due_on"] = gettext(
            "the answer cannot be due (%(due)s) before the request was sent (%(sent)s)"
        ) % {"due": due_on.isoformat(), "sent": sent_on.isoformat()}
    return due_on


def _new_intervention(
    *,
    recipient: Recipient,
    case: TracingCase | None,
    event: Event | None,
    sent_on: dt.date,
    channel: str,
    reference: str,
    due_on: dt.date,
    request_summary: str,
    follow_up_of: Intervention | None,
    by: User | None,
    code_year: int | None,
) -> Intervention:
    code = next_code(Intervention.CODE_PREFIX, _year(sent_on, code_year))
    intervention = Intervention(
        code=code,
        data_key=create_data_key(code),
        recipient=recipient,
        case=case,
        event=event,
        sent_on=sent_on,
        channel=channel,
        reference=(reference or "").strip(),
        due_on=due_on,
        request_summary=request_summary,
        follow_up_of=follow_up_of,
        sent_by=by,
    )
    intervention.save()
    return intervention


@transaction.atomic
def relay_to_authority(
    case: TracingCase,
    recipient: Recipient | str,
    *,
    sent_on: dt.date,
    channel: str,
    reference: str = "",
    due_on: dt.date | None = None,
    request_summary: str = "",
    by: User | None,
    code_year: int | None = None,
) -> Intervention:
    """Send a case to an authority or organisation; an open case becomes relayed."""
    errors: dict[str, str] = {}
    rec = _recipient(errors, recipient)
    due_on = _check_sending(errors, rec, sent_on, channel, reference, due_on)
    summary = _text(errors, "request_summary", request_summary)
    case = TracingCase.objects.select_for_update().get(pk=case.pk)
    if case.status == CLOSED:
        errors["case"] = gettext("case %(code)s is closed; reopen it before relaying it") % {
            "code": case.code
        }
    if sent_on is not None and sent_on < case.opened_on:
        errors["sent_on"] = gettext(
            "the request (%(sent)s) cannot be sent before the case was opened (%(opened)s)"
        ) % {"sent": sent_on.isoformat(), "opened": case.opened_on.isoformat()}
    _raise(errors)

    intervention = _new_intervention(
        recipient=rec,
        case=case,
        event=None,
        sent_on=sent_on,
        channel=channel,
        reference=reference,
        due_on=due_on,
        request_summary=summary,
        follow_up_of=None,
        by=by,
        code_year=code_year,
    )
    if case.status == OPEN:
        case_transition(
            case,
            RELAYED,
            by=by,
            why=gettext("request %(code)s sent to %(recipient)s")
            % {"code": intervention.code, "recipient": rec.name},
        )
    return intervention


@transaction.atomic
def intervention_create(
    *,
    recipient: Recipient | str,
    sent_on: dt.date,
    channel: str,
    by: User | None,
    case: TracingCase | None = None,
    event: Event | str | None = None,
    reference: str = "",
    due_on: dt.date | None = None,
    request_summary: str = "",
    code_year: int | None = None,
) -> Intervention:
    """Record a request about an event (and/or a case) without moving the case."""
    errors: dict[str, str] = {}
    rec = _recipient(errors, recipient)
    due_on = _check_sending(errors, rec, sent_on, channel, reference, due_on)
    summary = _text(errors, "request_summary", request_summary)
    ev = _by_code(errors, "event", Event, event, gettext("event"))
    if case is None and event in (None, ""):
        errors["case"] = gettext("a request is about a case, an event, or both")
    _raise(errors)
    return _new_intervention(
        recipient=rec,
        case=case,
        event=ev,
        sent_on=sent_on,
        channel=channel,
        reference=reference,
        due_on=due_on,
        request_summary=summary,
        follow_up_of=None,
        by=by,
        code_year=code_year,
    )


@transaction.atomic
def intervention_answer(
    intervention: Intervention, *, answered_on: dt.date, summary: str, by: User | None
) -> Intervention:
    """Record the recipient's answer (or correct it); it stops being overdue."""
    errors: dict[str, str] = {}
    summary = _text(errors, "summary", summary)
    if answered_on is None:
        errors["answered_on"] = gettext("the date of the answer is required")
    elif answered_on < intervention.sent_on:
        errors["answered_on"] = gettext(
            "the answer (%(answered)s) cannot come before the request was sent (%(sent)s)"
        ) % {"answered": answered_on.isoformat(), "sent": intervention.sent_on.isoformat()}
    _not_future(errors, "answered_on", answered_on, gettext("the answer date"))
    _raise(errors)
    intervention.answered_on = answered_on
    intervention.answer_summary = summary
    intervention.answer_recorded_by = by
    intervention.save(
        update_fields=["answered_on", "answer_summary", "answer_recorded_by", "updated_at"]
    )
    return intervention


@transaction.atomic
def intervention_follow_up(
    intervention: Intervention,
    *,
    sent_on: dt.date,
    channel: str,
    by: User | None,
    reference: str = "",
    due_on: dt.date | None = None,
    request_summary: str = "",
    code_year: int | None = None,
) -> Intervention:
    """A reminder or second request to the same recipient about the same case or event."""
    errors: dict[str, str] = {}
    due_on = _check_sending(errors, intervention.recipient, sent_on, channel, reference, due_on)
    summary = _text(errors, "request_summary", request_summary)
    if sent_on is not None and sent_on < intervention.sent_on:
        errors["sent_on"] = gettext(
            "a follow-up (%(sent)s) cannot be sent before the request it follows (%(first)s)"
        ) % {"sent": sent_on.isoformat(), "first": intervention.sent_on.isoformat()}
    _raise(errors)
    return _new_intervention(
        recipient=intervention.recipient,
        case=intervention.case,
        event=intervention.event,
        sent_on=sent_on,
        channel=channel,
        reference=reference,
        due_on=due_on,
        request_summary=summary,
        follow_up_of=intervention,
        by=by,
        code_year=code_year,
    )


# -- deaths ---------------------------------------------------------------------------


@transaction.atomic
def death_record(
    *,
    found: FuzzyDate,
    confirmation: str,
    by: User | None,
    place: Place | str | None = None,
    side: str = "??",
    border_section: BorderSection | str | None = None,
    nationality: Nationality | str | None = None,
    sex: str = "u",
    age_min: int | None = None,
    age_max: int | None = None,
    presumed_cause: str = "unknown",
    description: str = "",
    event: Event | str | None = None,
    code_year: int | None = None,
) -> DeathRecord:
    """Record a body found; side and border section follow the place when not given."""
    errors: dict[str, str] = {}
    if found is None:
        errors["found"] = gettext("the date the body was found (at least a year) is required")
    elif found.earliest > today():
        errors["found"] = gettext("%(date)s is in the future") % {"date": found}
    elif found.latest.year < 2000:
        errors["found"] = gettext("a death before 2000 is outside what this system records")
    _choice(errors, "confirmation", confirmation, CONFIRMATION_CHOICES)
    _choice(errors, "side", side, SIDE_CHOICES)
    _choice(errors, "sex", sex, SEX_CHOICES)
    _choice(errors, "presumed_cause", presumed_cause, CAUSE_CHOICES)
    for field, value in (("age_min", age_min), ("age_max", age_max)):
        if value is not None and not 0 <= value <= 120:
            errors[field] = gettext("an age between 0 and 120")
    if age_min is not None and age_max is not None and age_min > age_max:
        errors["age_max"] = gettext("the upper age (%(max)s) is below the lower (%(min)s)") % {
            "max": age_max,
            "min": age_min,
        }
    description = _text(errors, "description", description)
    pl = _by_code(errors, "place", Place, place, gettext("place"))
    section = _by_code(
        errors, "border_section", BorderSection, border_section, gettext("border section")
    )
    nat = _by_code(errors, "nationality", Nationality, nationality, gettext("nationality"))
    ev = _by_code(errors, "event", Event, event, gettext("event"))
    _raise(errors)

    if pl is not None:
        side = pl.country if side == "??" else side
        section = section or pl.border_section
    code = next_code(DeathRecord.CODE_PREFIX, _year(found.earliest, code_year))
    death = DeathRecord(
        code=code,
        data_key=create_data_key(code),
        found_earliest=found.earliest,
        found_latest=found.latest,
        found_precision=found.precision,
        found_approximate=found.approximate,
        place=pl,
        side=side,
        border_section=section,
        nationality=nat,
        sex=sex,
        age_min=age_min,
        age_max=age_max,
        presumed_cause=presumed_cause,
        confirmation=confirmation,
        description=description,
        event=ev,
        created_by=by,
    )
    death.save()
    return death


def _last_known_contact(person: Person) -> MissingPersonReport | None:
    """The report whose last contact is the latest one known for the person."""
    return (
        MissingPersonReport.objects.filter(person=person, last_contact_earliest__isnull=False)
        .order_by("-last_contact_earliest")
        .first()
    )


@transaction.atomic
def death_identify(
    death: DeathRecord, person: Person, *, by: User | None, presumed: bool = False
) -> list[TracingCase]:
    """Link a body to a person; return that person's active cases, proposed for closing.

    Refused when the body was certainly found before the person was last heard
    from: the same person cannot have been alive after being found dead.
    Closing the cases is a separate, confirmed step (`death_identification_confirm`).
    """
    errors: dict[str, str] = {}
    given, death = death, DeathRecord.objects.select_for_update().get(pk=death.pk)
    if death.person_id is not None and death.person_id != person.pk:
        errors["person"] = gettext(
            "%(death)s is already linked to %(person)s; unlink it before linking another person"
        ) % {"death": death.code, "person": death.person.code}
    other = DeathRecord.objects.filter(person=person).exclude(pk=death.pk).first()
    if other is not None:
        errors["person"] = gettext("%(person)s is already linked to the body %(death)s") % {
            "person": person.code,
            "death": other.code,
        }
    last = _last_known_contact(person)
    if last is not None and death.found_latest < last.last_contact_earliest:
        errors["person"] = gettext(
            "the body %(death)s was found %(found)s, before %(person)s was last heard from "
            "(%(contact)s, report %(report)s); they cannot be the same person"
        ) % {
            "death": death.code,
            "found": death.found,
            "person": person.code,
            "contact": last.last_contact,
            "report": last.code,
        }
    _raise(errors)

    death.person = person
    death.identification_status = PRESUMED if presumed else IDENTIFIED
    death.identified_by = by
    death.identified_at = timezone.now()
    death.save(
        update_fields=[
            "person",
            "identification_status",
            "identified_by",
            "identified_at",
            "updated_at",
        ]
    )
    for field in ("person", "identification_status", "identified_by", "identified_at"):
        setattr(given, field, getattr(death, field))
    return list(TracingCase.objects.filter(person=person).exclude(status=CLOSED))


@transaction.atomic
def death_identification_confirm(
    death: DeathRecord,
    *,
    cases: Sequence[TracingCase],
    by: User | None,
    why: str = "",
) -> list[CaseTransition]:
    """Close the confirmed cases of the identified person as deceased."""
    errors: dict[str, str] = {}
    death = DeathRecord.objects.get(pk=death.pk)
    if death.person_id is None:
        errors["person"] = gettext("%(death)s is not linked to a person yet") % {
            "death": death.code
        }
    for case in cases:
        if case.person_id != death.person_id:
            errors["cases"] = gettext("case %(case)s is about another person") % {"case": case.code}
    _raise(errors)
    why = (why or "").strip() or gettext("body %(death)s identified") % {"death": death.code}
    return [
        case_transition(case, CLOSED, outcome=DECEASED, by=by, why=why)
        for case in cases
        if TracingCase.objects.filter(pk=case.pk).exclude(status=CLOSED).exists()
    ]


# -- detentions -----------------------------------------------------------------------


@transaction.atomic
def detention_record(
    *,
    person: Person,
    detained_from: dt.date,
    by: User | None,
    facility: Recipient | str | None = None,
    facility_text: str = "",
    detained_to: dt.date | None = None,
    legal_ground: str = "",
    outcome: str = "",
    case: TracingCase | None = None,
    notes: str = "",
    code_year: int | None = None,
) -> Detention:
    """Record a person held in a facility (from the list, or named when not in it)."""
    errors: dict[str, str] = {}
    fac = _by_code(errors, "facility", Recipient, facility, gettext("facility"))
    if fac is not None and fac.kind != DETENTION_FACILITY:
        errors["facility"] = gettext("%(name)s is not a detention facility") % {"name": fac.name}
    facility_text = _text(errors, "facility_text", facility_text, 200)
    if facility in (None, "") and not facility_text:
        errors["facility"] = gettext("name the facility")
    if detained_from is None:
        errors["detained_from"] = gettext("the first day of detention is required")
    _not_future(errors, "detained_from", detained_from, gettext("the detention date"))
    if detained_to is not None and detained_from is not None and detained_to < detained_from:
        errors["detained_to"] = gettext(
            "the detention cannot end (%(end)s) before it starts (%(start)s)"
        ) % {"end": detained_to.isoformat(), "start": detained_from.isoformat()}
    legal_ground = _text(errors, "legal_ground", legal_ground, 300)
    _choice(errors, "outcome", outcome, DETENTION_OUTCOME_CHOICES, blank=True)
    notes = _text(errors, "notes", notes)
    if case is not None and case.person_id != person.pk:
        errors["case"] = gettext("case %(case)s is about another person") % {"case": case.code}
    _raise(errors)

    code = next_code(Detention.CODE_PREFIX, _year(detained_from, code_year))
    detention = Detention(
        code=code,
        data_key=create_data_key(code),
        person=person,
        facility=fac,
        facility_text=facility_text,
        detained_from=detained_from,
        detained_to=detained_to,
        legal_ground=legal_ground,
        outcome=outcome,
        case=case,
        notes=notes,
        created_by=by,
    )
    detention.save()
    return detention


@transaction.atomic
def missing_report_file_new_person(
    *,
    names: Sequence,
    by: User | None,
    sex: str = "u",
    birth: FuzzyDate | None = None,
    nationality: str | None = None,
    **report,
) -> MissingPersonReport:
    """Record the missing person and the relative's report together, or neither.

    Used when the person is not in the records yet (the usual first report); a
    refused report leaves no orphan person behind.
    """
    from bordermonitor.records.services import person_create

    person = person_create(
        names=names, created_by=by, sex=sex, birth=birth, nationality=nationality or None
    )
    return missing_report_file(person=person, by=by, **report)
