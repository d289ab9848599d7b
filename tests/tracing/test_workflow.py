"""Case workflow: reports open or join a case; transitions follow the table, are
recorded with who, when and why, and illegal ones are refused with a message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bordermonitor.tracing import services
from bordermonitor.tracing.models import (
    CLOSED,
    OPEN,
    OUTCOME_CHOICES,
    RELAYED,
    SEARCHING,
    STATUS_CHOICES,
    TRANSITIONS,
    CaseTransition,
    MissingPersonReport,
    TracingCase,
)

pytestmark = pytest.mark.django_db

ALL = [s for s, _ in STATUS_CHOICES]
LEGAL = [(a, b) for a in ALL for b in sorted(TRANSITIONS[a])]
ILLEGAL = [(a, b) for a in ALL for b in ALL if b not in TRANSITIONS[a]]


def _case_in(status, make_person, file_report, officer) -> TracingCase:
    """A case brought to `status` through legal transitions."""
    case = file_report(make_person()).case
    path = {
        OPEN: [],
        RELAYED: [(RELAYED, None)],
        SEARCHING: [(SEARCHING, None)],
        CLOSED: [(CLOSED, "closed_without_result")],
    }[status]
    for to, outcome in path:
        services.case_transition(case, to, outcome=outcome, by=officer, why="setting up")
    case.refresh_from_db()
    assert case.status == status
    return case


def test_a_report_opens_a_case_and_a_second_report_joins_it(make_person, file_report, officer):
    person = make_person()
    first = file_report(person, reporter_relationship="sibling", reporter_name="Omar Karimi")
    second = file_report(person, received_on=dt.date(2024, 3, 22), reporter_relationship="parent")
    assert first.case_id == second.case_id
    case = first.case
    assert case.status == OPEN and case.opened_on == dt.date(2024, 3, 20)
    assert case.code.startswith("C-2024-") and first.code.startswith("MR-2024-")
    assert list(case.reports.order_by("received_on")) == [first, second]
    opened = case.transitions.get()
    assert (opened.from_status, opened.to_status, opened.by) == ("", OPEN, officer)
    assert first.code in opened.why


def test_another_person_gets_another_case(make_person, file_report):
    a = file_report(make_person("Ahmad Karimi"))
    b = file_report(make_person("Hawa Diallo", "GIN"))
    assert a.case_id != b.case_id
    assert TracingCase.objects.count() == 2


@pytest.mark.parametrize(("start", "to"), LEGAL)
def test_every_legal_transition(start, to, make_person, file_report, officer):
    case = _case_in(start, make_person, file_report, officer)
    outcome = "found_alive" if to == CLOSED else None
    before = case.transitions.count()
    transition = services.case_transition(
        case, to, outcome=outcome, by=officer, why=f"{start} to {to}"
    )
    case.refresh_from_db()
    assert case.status == to
    assert case.outcome == (outcome or "")
    assert (case.closed_on is not None) == (to == CLOSED)
    assert case.transitions.count() == before + 1
    assert (transition.from_status, transition.to_status) == (start, to)
    assert transition.by == officer and transition.why == f"{start} to {to}"


@pytest.mark.parametrize(("start", "to"), ILLEGAL)
def test_every_illegal_transition_is_refused(start, to, make_person, file_report, officer):
    case = _case_in(start, make_person, file_report, officer)
    before = case.transitions.count()
    outcome = "found_alive" if to == CLOSED else None
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case, to, outcome=outcome, by=officer, why="try")
    message = " ".join(exc.value.message_dict["to"])
    assert f"cannot move to {to}" in message and case.code in message
    case.refresh_from_db()
    assert case.status == start
    assert case.transitions.count() == before


def test_closing_needs_a_known_outcome_and_only_closing_has_one(make_person, file_report, officer):
    case = file_report(make_person()).case
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case, CLOSED, by=officer, why="done")
    assert "needs an outcome" in exc.value.message_dict["outcome"][0]
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case, CLOSED, outcome="vanished", by=officer, why="done")
    assert "'vanished' is not one of" in exc.value.message_dict["outcome"][0]
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case, SEARCHING, outcome="detained", by=officer, why="x")
    assert "only a closed case" in exc.value.message_dict["outcome"][0]
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case, SEARCHING, by=officer, why="  ")
    assert "why" in exc.value.message_dict
    case.refresh_from_db()
    assert case.status == OPEN and case.transitions.count() == 1


@pytest.mark.parametrize("outcome", [c for c, _ in OUTCOME_CHOICES])
def test_every_outcome_closes(outcome, make_person, file_report, officer):
    case = file_report(make_person()).case
    services.case_transition(
        case, CLOSED, outcome=outcome, by=officer, why="the family knows where he is"
    )
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CLOSED, outcome)


def test_reopening_and_the_full_history(make_person, file_report, officer, users):
    case = file_report(make_person()).case
    coordinator = users["coordinator"]
    services.case_transition(case, RELAYED, by=officer, why="sent to the committee")
    services.case_transition(case, SEARCHING, by=officer, why="ICRC searching")
    services.case_transition(case, CLOSED, outcome="detained", by=officer, why="in Grodno")
    services.case_transition(case, OPEN, by=coordinator, why="released, silent again")
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_on) == (OPEN, "", None)
    history = [
        (t.from_status, t.to_status, t.outcome, t.by.username, t.why)
        for t in CaseTransition.objects.filter(case=case).order_by("at", "id")
    ]
    assert history == [
        ("", OPEN, "", officer.username, history[0][4]),
        (OPEN, RELAYED, "", officer.username, "sent to the committee"),
        (RELAYED, SEARCHING, "", officer.username, "ICRC searching"),
        (SEARCHING, CLOSED, "detained", officer.username, "in Grodno"),
        (CLOSED, OPEN, "", coordinator.username, "released, silent again"),
    ]
    times = [t.at for t in case.transitions.order_by("at", "id")]
    assert times == sorted(times)


def test_transitions_are_append_only(make_person, file_report, officer):
    transition = file_report(make_person()).case.transitions.get()
    transition.why = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        transition.save()
    with pytest.raises(ValueError, match="append-only"):
        transition.delete()
    assert CaseTransition.objects.get(pk=transition.pk).why != "rewritten"


def test_a_report_after_closing_opens_a_new_case_and_reopening_the_old_is_refused(
    make_person, file_report, officer
):
    person = make_person()
    old = file_report(person).case
    services.case_transition(old, CLOSED, outcome="found_alive", by=officer, why="called home")
    new = file_report(person, received_on=dt.date(2024, 9, 1)).case
    assert new.pk != old.pk and new.status == OPEN
    with pytest.raises(ValidationError) as exc:
        services.case_transition(old, OPEN, by=officer, why="a new sighting reported")
    assert new.code in exc.value.message_dict["to"][0]
    old.refresh_from_db()
    assert old.status == CLOSED


def test_assigning_a_tracing_officer(make_person, file_report, officer, users):
    case = file_report(make_person()).case
    services.case_assign(case, officer=officer, by=users["coordinator"])
    assert TracingCase.objects.get(pk=case.pk).assigned_to == officer
    with pytest.raises(ValidationError) as exc:
        services.case_assign(case, officer=users["analyst"], by=users["coordinator"])
    assert "cannot work on tracing cases" in exc.value.message_dict["officer"][0]
    assert TracingCase.objects.get(pk=case.pk).assigned_to == officer


def test_bad_report_input_names_the_field_and_stores_nothing(make_person, officer):
    from bordermonitor.core.dates import FuzzyDate

    person = make_person()
    with pytest.raises(ValidationError) as exc:
        services.missing_report_file(
            person=person,
            received_on=dt.date(2024, 3, 20),
            reporter_relationship="neighbour",
            reporter_email="not an email",
            reporter_language="xx",
            last_contact=FuzzyDate.day(2024, 4, 1),
            last_contact_place="atlantis",
            by=officer,
        )
    errors = exc.value.message_dict
    assert set(errors) == {
        "reporter_relationship",
        "reporter_email",
        "reporter_language",
        "last_contact",
        "last_contact_place",
    }
    assert "after the report was received" in errors["last_contact"][0]
    assert "unknown place 'atlantis'" in errors["last_contact_place"][0]
    assert not MissingPersonReport.objects.exists()
    assert not TracingCase.objects.exists()


def test_report_place_fills_in_the_side(make_person, file_report):
    report = file_report(make_person(), last_contact_place="kuznica")
    assert report.last_contact_place.code == "kuznica"
    assert report.last_contact_side == report.last_contact_place.country
