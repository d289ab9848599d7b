"""The counting rules, as the figures apply them, on real records."""

from __future__ import annotations

import datetime as dt

import pytest

from bordermonitor.core.dates import FuzzyDate, parse_fuzzy_date
from bordermonitor.figures import selectors
from bordermonitor.figures.rules import RULES_VERSION, Scope
from bordermonitor.records.exports import Period
from bordermonitor.records.services import (
    Consent,
    GroupCounts,
    NameInput,
    act_create,
    event_create,
    person_create,
    source_create,
)
from bordermonitor.tracing import services as tracing

pytestmark = pytest.mark.django_db

YEAR = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))


@pytest.fixture
def pushbacks(monitor):
    """One woman pushed back twice (March and May), a group of 12 once (March), and an
    event only an internal-only source knows of (a group of 30, April)."""
    woman = person_create(
        names=[NameInput("Test Woman", "self")], created_by=monitor, sex="f", nationality="SYR"
    )
    march = event_create(
        date=parse_fuzzy_date("2024-03-05"),
        created_by=monitor,
        place="kuznica",
        counts=GroupCounts(group_size=13),
    )
    act_create(
        event=march, violation_type="pushback", perpetrator="pl-border-guard", victim_group_count=12
    )
    act_create(event=march, violation_type="pushback", perpetrator="pl-border-guard", victim=woman)
    may = event_create(date=parse_fuzzy_date("May 2024"), created_by=monitor, place="bialowieza")
    act_create(event=may, violation_type="pushback", perpetrator="pl-army", victim=woman)
    act_create(event=may, violation_type="beating", perpetrator="pl-army", victim=woman)
    secret = event_create(date=parse_fuzzy_date("2024-04-02"), created_by=monitor, place="kuznica")
    act_create(
        event=secret,
        violation_type="pushback",
        perpetrator="pl-border-guard",
        victim_group_count=30,
    )
    publish = Consent(publish_anonymously=True, internal_only=False)
    source_create(
        kind="witness",
        received_on=dt.date(2024, 6, 1),
        created_by=monitor,
        consent=publish,
        events=[march, may],
    )
    source_create(
        kind="interview",
        received_on=dt.date(2024, 6, 2),
        created_by=monitor,
        consent=Consent(internal_only=True),
        events=[secret],
    )
    return {"march": march, "may": may, "secret": secret}


def test_groups_count_their_size_and_repeated_pushbacks_count_each_time(pushbacks):
    published = selectors.violations(YEAR, Scope.PUBLISH)
    assert published.cells[("pushback", "pl-border-guard", "PL")] == 13  # 12 + the woman
    assert published.cells[("pushback", "pl-army", "PL")] == 1
    assert published.cells[("beating", "pl-army", "PL")] == 1
    totals = selectors.cumulative_totals(dt.date(2024, 12, 31), Scope.PUBLISH).cells
    assert totals[("pushbacks",)] == 14  # victim-incidents: the woman twice
    assert totals[("people_pushed_back",)] == 13  # people: the woman once
    assert totals[("pushback_incidents",)] == 2
    sections = selectors.pushbacks_per_section(YEAR, Scope.PUBLISH).cells
    assert sections == {("BY-PL-C",): 13, ("BY-PL-BF",): 1}


def test_internal_only_events_count_in_the_app_but_never_when_published(pushbacks):
    internal = selectors.violations(YEAR, Scope.INTERNAL)
    published = selectors.violations(YEAR, Scope.PUBLISH)
    assert internal.cells[("pushback", "pl-border-guard", "PL")] == 43
    assert published.cells[("pushback", "pl-border-guard", "PL")] == 13
    assert selectors.counted_codes("violations", YEAR, Scope.PUBLISH) == sorted(
        [pushbacks["march"].code, pushbacks["may"].code]
    )
    assert pushbacks["secret"].code in selectors.counted_codes("violations", YEAR, Scope.INTERNAL)


def test_a_record_counts_in_the_month_its_date_starts_and_periods_add_up(users):
    officer = users["tracing_officer"]
    for found, confirmation in [
        (FuzzyDate.day(2024, 1, 31), "official_statement"),
        (FuzzyDate.month(2024, 2), "official_statement"),  # "February 2024"
        (FuzzyDate.day(2024, 2, 29), "testimony_only"),
        (FuzzyDate.day(2024, 3, 1), "official_statement"),
    ]:
        tracing.death_record(found=found, confirmation=confirmation, place="bruzgi", by=officer)
    whole = selectors.deaths_per_month(Period(dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
    assert whole.cells == {
        ("2024-01", "official_statement"): 1,
        ("2024-02", "official_statement"): 1,
        ("2024-02", "testimony_only"): 1,
        ("2024-03", "official_statement"): 1,
    }
    first = selectors.deaths_per_month(Period(dt.date(2024, 1, 1), dt.date(2024, 2, 14)))
    second = selectors.deaths_per_month(Period(dt.date(2024, 2, 15), dt.date(2024, 3, 31)))
    assert first.total + second.total == whole.total == 4
    by_nationality = selectors.deaths_by_nationality(Period(None, dt.date(2024, 12, 31)))
    assert by_nationality.cells == {
        ("unknown", "official_statement"): 3,
        ("unknown", "testimony_only"): 1,
    }


def test_missing_reports_outcomes_detentions_and_requests(users):
    officer = users["tracing_officer"]
    report = tracing.missing_report_file_new_person(
        names=[NameInput("Missing Man", "relative")],
        by=officer,
        nationality="IRQ",
        received_on=dt.date(2024, 4, 2),
        reporter_relationship="sibling",
    )
    tracing.missing_report_file(
        person=report.person,
        received_on=dt.date(2024, 4, 9),
        reporter_relationship="parent",
        by=officer,
    )
    asked = tracing.relay_to_authority(
        report.case, "icrc", sent_on=dt.date(2024, 4, 10), channel="email", by=officer
    )
    tracing.intervention_answer(asked, answered_on=dt.date(2024, 4, 20), summary="none", by=officer)
    tracing.relay_to_authority(
        report.case,
        "by-state-border-committee",
        sent_on=dt.date(2024, 4, 10),
        channel="post",
        by=officer,
    )
    tracing.detention_record(
        person=report.person,
        detained_from=dt.date(2024, 5, 1),
        facility="tdf-grodno",
        outcome="deported_by_air",
        by=officer,
    )
    assert selectors.missing_per_month(YEAR).cells == {("2024-04",): 2}
    assert selectors.missing_by_nationality(YEAR).cells == {("IRQ",): 2}
    assert selectors.missing_by_outcome(YEAR).cells == {("active",): 2}
    assert selectors.detentions_by_outcome(YEAR).cells == {("deported_by_air",): 1}
    requests = selectors.requests_per_recipient(YEAR)
    assert requests.cells == {
        ("icrc", "answered"): 1,
        ("by-state-border-committee", "unanswered"): 1,
    }
    stats = {s.recipient: s for s in selectors.answer_stats(YEAR)}
    assert stats["icrc"].answer_rate == 1.0 and stats["icrc"].median_days_to_answer == 10.0
    assert stats["by-state-border-committee"].answer_rate == 0.0
    totals = selectors.cumulative_totals(dt.date(2024, 12, 31)).cells
    assert totals[("missing_reports",)] == 2 and totals[("missing_people",)] == 1
    assert totals[("deportations",)] == 1 and totals[("requests_answered",)] == 1
    assert RULES_VERSION


def test_each_figure_is_one_query(pushbacks, django_assert_max_num_queries):
    for name, figure in selectors.FIGURES.items():
        with django_assert_max_num_queries(1, info=name):
            figure.compute(YEAR, Scope.PUBLISH)
