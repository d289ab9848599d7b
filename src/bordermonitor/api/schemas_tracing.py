"""API shapes for tracing.  List shapes carry no encrypted field (no reporter contact,
no summary, no description); the detail shapes add them for whoever may read the record."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints, field_validator

from bordermonitor.api.schemas import Code, ShortText, Side, Text, _fuzzy

Contact = Annotated[str, StringConstraints(max_length=300, pattern=r"^[^\x00]*$")]
Relationship = Literal[
    "parent",
    "sibling",
    "spouse",
    "child",
    "other_relative",
    "friend",
    "fellow_traveller",
    "organisation",
    "other",
]
CaseStatus = Literal["open", "relayed", "searching", "closed"]
Outcome = Literal[
    "found_alive", "detained", "deported", "returned_home", "deceased", "closed_without_result"
]
Channel = Literal["email", "post", "phone", "in_person", "hotline", "online_form"]
Cause = Literal["hypothermia", "drowning", "violence", "exhaustion", "illness", "unknown"]
Confirmation = Literal["official_statement", "testimony_only"]
Identification = Literal["unidentified", "presumed", "identified"]
DetentionOutcome = Literal[
    "",
    "released",
    "deported_by_air",
    "informal_expulsion_to_russian_border",
    "voluntary_return",
    "transferred",
]
FuzzyText = Annotated[
    str, Field(max_length=200, description="2024-03-15, 2024-03, 2024 or a range")
]


class _FuzzyChecked(Schema):
    """Refuse an unreadable fuzzy date in the schema, so the error names the field (422)."""

    @field_validator("last_contact", "found", check_fields=False)
    @classmethod
    def _fuzzy_date(cls, v):
        _fuzzy(v)
        return v


# -- missing-person reports ------------------------------------------------------------


class MissingReportIn(_FuzzyChecked):
    person: Code = Field(description="the missing person's code (record the person first)")
    received_on: dt.date
    reporter_relationship: Relationship
    reporter_name: Contact = ""
    reporter_phone: Contact = ""
    reporter_whatsapp: Contact = ""
    reporter_telegram: Contact = ""
    reporter_email: Contact = ""
    reporter_language: Code = ""
    last_contact: FuzzyText | None = None
    last_contact_place: Code | None = Field(None, description="gazetteer code")
    last_contact_side: Side = "??"
    last_phone: Contact = ""
    companions: Text = ""
    heading_to: Annotated[str, StringConstraints(max_length=1000, pattern=r"^[^\x00]*$")] = ""
    circumstances: Text = ""


class MissingReportOut(Schema):
    code: str
    case: str
    person: str
    received_on: dt.date
    reporter_relationship: str
    reporter_language: str
    last_contact: str | None
    last_contact_earliest: dt.date | None
    last_contact_latest: dt.date | None
    last_contact_place: str | None
    last_contact_side: str


class MissingReportDetailOut(MissingReportOut):
    reporter_name: str
    reporter_phone: str
    reporter_whatsapp: str
    reporter_telegram: str
    reporter_email: str
    last_phone: str
    companions: str
    heading_to: str
    circumstances: str


class MissingReportQuery(Schema):
    case: Code = ""
    person: Code = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None


# -- cases ----------------------------------------------------------------------------


class CaseOut(Schema):
    code: str
    person: str
    status: str
    outcome: str
    opened_on: dt.date
    closed_on: dt.date | None
    assigned_to: str | None
    restricted: bool = Field(
        False, description="need-to-know: visible only to the assigned team and coordinators"
    )
    team: str | None = Field(None, description="the team assigned to a restricted record")


class TransitionOut(Schema):
    from_status: str
    to_status: str
    outcome: str
    by: str | None
    at: dt.datetime
    why: str


class CaseInterventionOut(Schema):
    code: str
    recipient: str
    sent_on: dt.date
    due_on: dt.date
    answered_on: dt.date | None


class CaseDetailOut(CaseOut):
    reports: list[str]
    transitions: list[TransitionOut]
    interventions: list[CaseInterventionOut]
    notes: str


class CaseQuery(Schema):
    status: CaseStatus | None = None
    assigned_to: ShortText = Field("", description="username of the officer in charge")


class TransitionIn(Schema):
    to: CaseStatus
    outcome: Outcome | None = None
    why: Annotated[str, StringConstraints(max_length=10_000, pattern=r"^[^\x00]*$")]


# -- interventions ----------------------------------------------------------------------


class InterventionIn(Schema):
    recipient: Code = Field(description="recipient code, e.g. by-state-border-committee")
    case: Code | None = Field(None, description="relays the case (an open case becomes relayed)")
    event: Code | None = Field(None, description="a request about an event")
    sent_on: dt.date
    channel: Channel
    reference: ShortText = ""
    due_on: dt.date | None = Field(None, description="default: the recipient's answer time")
    request_summary: Text = ""


class AnswerIn(Schema):
    answered_on: dt.date
    summary: Text = ""


class InterventionOut(Schema):
    code: str
    recipient: str
    recipient_name: str
    case: str | None
    event: str | None
    sent_on: dt.date
    channel: str
    reference: str
    due_on: dt.date
    answered_on: dt.date | None
    follow_up_of: str | None


class InterventionDetailOut(InterventionOut):
    request_summary: str
    answer_summary: str


class InterventionQuery(Schema):
    overdue: bool | None = Field(None, description="true: past due and unanswered")
    answered: bool | None = None
    recipient: Code = ""
    case: Code = ""
    sent_from: dt.date | None = None
    sent_to: dt.date | None = None


# -- deaths ----------------------------------------------------------------------------


class DeathIn(_FuzzyChecked):
    found: FuzzyText = Field(description="when the body was found: 2024-03-15, 2024-03, 2024")
    confirmation: Confirmation
    place: Code | None = None
    side: Side = "??"
    border_section: Code | None = None
    nationality: Code | None = Field(None, description="ISO 3166-1 alpha-3")
    sex: Literal["f", "m", "x", "u"] = "u"
    age_min: Annotated[int, Field(ge=0, le=120)] | None = None
    age_max: Annotated[int, Field(ge=0, le=120)] | None = None
    presumed_cause: Cause = "unknown"
    description: Text = ""
    event: Code | None = None
    person: Code | None = Field(None, description="identify the body as this person")
    presumed: bool = Field(False, description="the identity is presumed, not confirmed")


class IdentifyIn(Schema):
    person: Code
    presumed: bool = False
    close_cases: bool = Field(
        False, description="confirm closing the person's active cases as deceased"
    )


class DeathOut(Schema):
    code: str
    found: str
    found_earliest: dt.date
    found_latest: dt.date
    place: str | None
    side: str
    border_section: str | None
    nationality: str | None
    sex: str
    age_min: int | None
    age_max: int | None
    presumed_cause: str
    confirmation: str
    identification_status: str
    person: str | None


class DeathDetailOut(DeathOut):
    description: str
    closed_cases: list[str] = []


class DeathQuery(Schema):
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    confirmation: Confirmation | None = None
    nationality: Code = ""
    side: Side | None = None
    presumed_cause: Cause | None = None
    identification_status: Identification | None = None


# -- detentions --------------------------------------------------------------------------


class DetentionIn(Schema):
    person: Code
    facility: Code | None = Field(None, description="a detention facility's recipient code")
    facility_text: ShortText = Field("", description="the facility, when not in the list")
    detained_from: dt.date
    detained_to: dt.date | None = None
    legal_ground: Annotated[str, StringConstraints(max_length=300, pattern=r"^[^\x00]*$")] = ""
    outcome: DetentionOutcome = ""
    case: Code | None = None
    notes: Text = ""


class DetentionOut(Schema):
    code: str
    person: str
    facility: str | None
    facility_name: str
    detained_from: dt.date
    detained_to: dt.date | None
    legal_ground: str
    outcome: str
    case: str | None
    restricted: bool = Field(
        False, description="need-to-know: visible only to the assigned team and coordinators"
    )
    team: str | None = Field(None, description="the team assigned to a restricted record")


class DetentionDetailOut(DetentionOut):
    notes: str


class DetentionQuery(Schema):
    person: Code = ""
    outcome: DetentionOutcome = ""
    detained_from: dt.date | None = None
    detained_to: dt.date | None = None


# -- statistics ----------------------------------------------------------------------------


class StatsQuery(Schema):
    date_from: dt.date | None = Field(None, alias="from", description="YYYY-MM-DD, inclusive")
    date_to: dt.date | None = Field(None, alias="to", description="YYYY-MM-DD, inclusive")


class ReportTotals(Schema):
    total: int
    by_nationality: dict[str, int]
    by_outcome: dict[str, int]


class DeathCounts(Schema):
    total: int
    by_nationality: dict[str, int]


class DeathTotals(Schema):
    total: int
    official_statement: DeathCounts
    testimony_only: DeathCounts


class RecipientTotals(Schema):
    recipient: str
    name: str
    sent: int
    answered: int
    answer_rate: float | None
    unanswered_past_due: int
    median_days_to_answer: float | None


class TracingStatsOut(Schema):
    date_from: str | None = Field(alias="from")
    date_to: str | None = Field(alias="to")
    missing_reports: ReportTotals
    deaths: DeathTotals
    interventions: list[RecipientTotals]
