"""The list selectors behind the tracing API: visibility by role, and the overdue rule
shared with the dashboard's overdue list."""

from __future__ import annotations

import datetime as dt

import pytest

from bordermonitor.tracing import selectors, services

pytestmark = pytest.mark.django_db


def test_overdue_filter_agrees_with_the_overdue_list(users, officer, make_person, file_report):
    case = file_report(make_person()).case
    sbc = services.relay_to_authority(
        case, "by-state-border-committee", sent_on=dt.date(2024, 3, 21), channel="email", by=officer
    )
    icrc = services.relay_to_authority(
        case, "icrc", sent_on=dt.date(2024, 3, 21), channel="email", by=officer
    )
    services.intervention_answer(icrc, answered_on=dt.date(2024, 4, 1), summary="", by=officer)
    for today in (dt.date(2024, 4, 20), dt.date(2024, 4, 21), dt.date(2025, 1, 1)):
        expected = [o.intervention.code for o in selectors.overdue_interventions(today)]
        found = selectors.interventions_for(officer, overdue=True, today=today)
        assert [i.code for i in found] == expected
        rest = selectors.interventions_for(officer, overdue=False, today=today)
        assert {i.code for i in rest} == {sbc.code, icrc.code} - set(expected)
    assert expected == [sbc.code]  # due 2024-04-20, unanswered
    assert [i.code for i in selectors.interventions_for(officer, answered=True)] == [icrc.code]


def test_lists_are_empty_for_roles_without_tracing_view(users, make_person, file_report):
    report = file_report(make_person())
    for role in ("monitor", "analyst", "admin"):
        user = users[role]
        assert not selectors.missing_reports_for(user).exists()
        assert not selectors.interventions_for(user).exists()
        assert not selectors.deaths_for(user).exists()
        assert not selectors.detentions_for(user).exists()
    lawyer = users["lawyer"]
    assert [r.code for r in selectors.missing_reports_for(lawyer, person=report.person.code)] == [
        report.code
    ]
    assert not selectors.missing_reports_for(lawyer, received_to=dt.date(2024, 3, 19)).exists()
