"""Requests to authorities: relaying, due dates, answers, follow-ups, the overdue
list with a fixed "today", and answer figures per recipient for a period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bordermonitor.core.dates import FuzzyDate
from bordermonitor.records.services import event_create
from bordermonitor.tracing import services
from bordermonitor.tracing.models import RELAYED, SEARCHING, Intervention, Recipient
from bordermonitor.tracing.selectors import overdue_interventions, recipient_answer_stats

pytestmark = pytest.mark.django_db

COMMITTEE = "by-state-border-committee"


@pytest.fixture
def case(make_person, file_report):
    return file_report(make_person(), received_on=dt.date(2024, 1, 5)).case


def _relay(case, officer, recipient=COMMITTEE, sent_on=dt.date(2024, 1, 10), **kwargs):
    kwargs.setdefault("channel", "email")
    return services.relay_to_authority(case, recipient, sent_on=sent_on, by=officer, **kwargs)


def test_recipients_are_seeded_with_their_answer_times():
    committee = Recipient.objects.get(code=COMMITTEE)
    assert committee.kind == "border_authority" and committee.country == "BY"
    codes = set(Recipient.objects.values_list("code", flat=True))
    assert {"pl-border-guard", "lt-border-guard", "lv-border-guard", "icrc", "unhcr", "iom"} <= (
        codes
    )
    kinds = set(Recipient.objects.values_list("kind", flat=True))
    assert {"embassy", "hospital", "detention_facility"} <= kinds
    assert services.recipients_seed() == 0  # idempotent


def test_seeding_keeps_what_an_admin_edited():
    Recipient.objects.filter(code="icrc").update(default_answer_days=45, name="ICRC Minsk")
    Recipient.objects.filter(code="iom").delete()
    assert services.recipients_seed() == 1
    icrc = Recipient.objects.get(code="icrc")
    assert (icrc.default_answer_days, icrc.name) == (45, "ICRC Minsk")
    assert Recipient.objects.filter(code="iom").exists()


def test_relaying_moves_an_open_case_and_sets_the_due_date(case, officer):
    committee = Recipient.objects.get(code=COMMITTEE)
    first = _relay(case, officer, reference="BM/2024/17")
    case.refresh_from_db()
    assert case.status == RELAYED
    assert first.due_on == dt.date(2024, 1, 10) + dt.timedelta(days=committee.default_answer_days)
    assert first.reference == "BM/2024/17" and first.code.startswith("I-2024-")
    relayed = case.transitions.get(to_status=RELAYED)
    assert first.code in relayed.why and relayed.by == officer
    # a second recipient: the case stays relayed, no new transition
    second = _relay(case, officer, "icrc", due_on=dt.date(2024, 2, 1), channel="online_form")
    case.refresh_from_db()
    assert case.status == RELAYED and case.transitions.count() == 2
    assert second.due_on == dt.date(2024, 2, 1)
    # a searching case keeps its status too
    services.case_transition(case, SEARCHING, by=officer, why="ICRC searching")
    _relay(case, officer, "unhcr")
    case.refresh_from_db()
    assert case.status == SEARCHING
    assert case.interventions.count() == 3


def test_unknown_recipient_and_bad_sending_are_refused(case, officer):
    with pytest.raises(ValidationError) as exc:
        _relay(case, officer, "ministry-of-magic", channel="pigeon")
    errors = exc.value.message_dict
    assert "unknown recipient 'ministry-of-magic'" in errors["recipient"][0]
    assert "'pigeon' is not one of" in errors["channel"][0]
    with pytest.raises(ValidationError) as exc:
        _relay(case, officer, due_on=dt.date(2024, 1, 1))
    assert "before the request was sent" in exc.value.message_dict["due_on"][0]
    with pytest.raises(ValidationError) as exc:
        _relay(case, officer, sent_on=dt.date(2023, 12, 31))
    assert "before the case was opened" in exc.value.message_dict["sent_on"][0]
    assert not Intervention.objects.exists()
    case.refresh_from_db()
    assert case.status == "open" and case.transitions.count() == 1


def test_a_closed_case_is_not_relayed(case, officer):
    services.case_transition(
        case,
        "closed",
        outcome="found_alive",
        by=officer,
        why="he was traced to a hospital in Bialystok",
    )
    with pytest.raises(ValidationError) as exc:
        _relay(case, officer)
    assert "reopen it" in exc.value.message_dict["case"][0]
    assert not Intervention.objects.exists()


def test_answer_before_sending_is_refused_and_changes_nothing(case, officer):
    intervention = _relay(case, officer)
    with pytest.raises(ValidationError) as exc:
        services.intervention_answer(
            intervention, answered_on=dt.date(2024, 1, 9), summary="no record", by=officer
        )
    message = exc.value.message_dict["answered_on"][0]
    assert "2024-01-09" in message and "2024-01-10" in message
    stored = Intervention.objects.get(pk=intervention.pk)
    assert stored.answered_on is None and stored.answer_summary is None


def test_answer_is_recorded(case, officer):
    intervention = _relay(case, officer, "icrc")
    services.intervention_answer(
        intervention, answered_on=dt.date(2024, 1, 30), summary="held in Grodno", by=officer
    )
    stored = Intervention.objects.get(pk=intervention.pk)
    assert stored.answered_on == dt.date(2024, 1, 30)
    assert stored.answer_summary == "held in Grodno"
    assert stored.answer_recorded_by == officer


def test_follow_up_goes_to_the_same_recipient(case, officer):
    first = _relay(case, officer)
    reminder = services.intervention_follow_up(
        first, sent_on=dt.date(2024, 2, 15), channel="post", by=officer
    )
    assert reminder.follow_up_of == first and reminder.recipient == first.recipient
    assert reminder.case == case
    assert list(first.follow_ups.all()) == [reminder]
    with pytest.raises(ValidationError) as exc:
        services.intervention_follow_up(
            first, sent_on=dt.date(2024, 1, 2), channel="post", by=officer
        )
    assert "before the request it follows" in exc.value.message_dict["sent_on"][0]
    assert Intervention.objects.count() == 2


def test_a_request_about_an_event(officer, monitor):
    event = event_create(date=FuzzyDate.day(2024, 3, 1), created_by=monitor, place="kuznica")
    request = services.intervention_create(
        recipient="pl-border-guard",
        event=event.code,
        sent_on=dt.date(2024, 3, 5),
        channel="email",
        by=officer,
    )
    assert request.event == event and request.case is None
    with pytest.raises(ValidationError) as exc:
        services.intervention_create(
            recipient="pl-border-guard", sent_on=dt.date(2024, 3, 5), channel="email", by=officer
        )
    assert "a case, an event, or both" in exc.value.message_dict["case"][0]


def test_overdue_with_a_fixed_today(case, officer, make_person, file_report):
    other = file_report(make_person("Hawa Diallo", "GIN"), received_on=dt.date(2024, 1, 5)).case
    a = _relay(case, officer, sent_on=dt.date(2024, 1, 10), due_on=dt.date(2024, 2, 9))
    b = _relay(other, officer, sent_on=dt.date(2024, 1, 20), due_on=dt.date(2024, 1, 30))
    answered = _relay(
        case, officer, "icrc", sent_on=dt.date(2024, 1, 10), due_on=dt.date(2024, 1, 20)
    )
    services.intervention_answer(
        answered, answered_on=dt.date(2024, 2, 20), summary="late answer", by=officer
    )
    due_today = _relay(
        case, officer, "unhcr", sent_on=dt.date(2024, 1, 10), due_on=dt.date(2024, 3, 1)
    )

    rows = overdue_interventions(today=dt.date(2024, 3, 1))
    assert [(r.intervention.code, r.days_overdue) for r in rows] == [(b.code, 31), (a.code, 21)]
    assert rows[0].about == other.code
    assert due_today.code not in {r.intervention.code for r in rows}  # due today: not yet
    assert overdue_interventions(today=dt.date(2024, 1, 30)) == []
    later = overdue_interventions(today=dt.date(2024, 3, 2))
    assert [(r.intervention.code, r.days_overdue) for r in later] == [
        (b.code, 32),
        (a.code, 22),
        (due_today.code, 1),
    ]


def test_recipient_stats_for_a_period(make_person, file_report, officer):
    cases = [
        file_report(make_person(f"Person {i}", "IRQ"), received_on=dt.date(2023, 12, 1)).case
        for i in range(5)
    ]
    days_to_answer = [3, 10, 20]
    sent = dt.date(2024, 1, 10)
    for case, days in zip(cases, days_to_answer, strict=False):
        i = _relay(case, officer, sent_on=sent)
        services.intervention_answer(
            i, answered_on=sent + dt.timedelta(days=days), summary="", by=officer
        )
    _relay(cases[3], officer, sent_on=sent)  # due 30 days later, never answered
    _relay(cases[4], officer, sent_on=dt.date(2024, 3, 1))  # not yet due on 2024-03-15
    _relay(cases[4], officer, "icrc", sent_on=dt.date(2023, 12, 31))  # outside the period
    icrc_in = _relay(cases[0], officer, "icrc", sent_on=dt.date(2024, 2, 1))
    services.intervention_answer(icrc_in, answered_on=dt.date(2024, 2, 8), summary="", by=officer)

    stats = recipient_answer_stats(
        dt.date(2024, 1, 1), dt.date(2024, 12, 31), today=dt.date(2024, 3, 15)
    )
    by_code = {s.recipient.code: s for s in stats}
    committee = by_code[COMMITTEE]
    assert (committee.sent, committee.answered, committee.unanswered_past_due) == (5, 3, 1)
    assert committee.answer_rate == pytest.approx(0.6)
    assert committee.median_days_to_answer == 10
    icrc = by_code["icrc"]
    assert (icrc.sent, icrc.answered, icrc.median_days_to_answer) == (1, 1, 7)
    assert icrc.answer_rate == 1
    assert [s.recipient.code for s in stats] == [COMMITTEE, "icrc"]
    # the period filters on the sending date
    january = {
        s.recipient.code: s
        for s in recipient_answer_stats(
            dt.date(2024, 1, 1), dt.date(2024, 1, 31), today=dt.date(2024, 3, 15)
        )
    }
    assert set(january) == {COMMITTEE} and january[COMMITTEE].sent == 4
    assert january[COMMITTEE].median_days_to_answer == 10
    even = recipient_answer_stats(
        dt.date(2023, 12, 1), dt.date(2024, 2, 28), today=dt.date(2024, 3, 15)
    )
    icrc_both = next(s for s in even if s.recipient.code == "icrc")
    assert (icrc_both.sent, icrc_both.answered, icrc_both.unanswered_past_due) == (2, 1, 1)
    assert recipient_answer_stats(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == []
