"""The tracing officer's pages: who may open them, what they store, what they refuse.

Every refused form is checked twice: the message is on the page, and the database
holds exactly what it held before the post.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from bordermonitor.core.codes import today
from bordermonitor.core.dates import FuzzyDate
from bordermonitor.records.models import Person
from bordermonitor.tracing import services
from bordermonitor.tracing.models import (
    CLOSED,
    DECEASED,
    IDENTIFIED,
    RELAYED,
    DeathRecord,
    Detention,
    Intervention,
    MissingPersonReport,
    TracingCase,
)
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

SBC = "by-state-border-committee"


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


@pytest.fixture
def officer_client(officer) -> Client:
    return _client(officer)


@pytest.fixture
def case(make_person, file_report):
    return file_report(make_person("Ahmad Karimi"), received_on=dt.date(2024, 3, 20)).case


def _report_post(**overrides) -> dict:
    data = {
        "received_on": "2024-03-20",
        "reporter_relationship": "sibling",
        "reporter_name": "Yusuf Karimi",
        "reporter_whatsapp": "+963 944 000 111",
        "reporter_language": "ar",
        "names-TOTAL_FORMS": "3",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "50",
        "names-0-full_name": "Омар Хаддад",
        "names-0-written_by": "relative",
        "names-1-full_name": "عمر حداد",
        "names-1-written_by": "relative",
        "names-2-full_name": "",
        "names-2-written_by": "relative",
        "nationality": "SYR",
        "sex": "m",
        "birth_year": "1996",
        "last_contact": "2024-03-10",
        "last_contact_place": "kuznica",
        "last_phone": "+48 500 000 000",
        "companions": "two cousins",
        "heading_to": "Germany",
        "circumstances": "called from the forest, then silence",
    }
    data.update(overrides)
    return data


def _counts() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        TracingCase.objects.count(),
        MissingPersonReport.objects.count(),
        Intervention.objects.count(),
        DeathRecord.objects.count(),
        Detention.objects.count(),
    )


# -- who may open the pages -------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "monitor"])
def test_roles_without_tracing_are_refused(role, users, case):
    client = _client(users[role])
    for name, kwargs in [
        ("tracing-case-list", {}),
        ("tracing-report-create", {}),
        ("tracing-case-detail", {"code": case.code}),
        ("tracing-case-relay", {"code": case.code}),
        ("tracing-case-letter", {"code": case.code}),
        ("tracing-death-list", {}),
        ("tracing-death-create", {}),
    ]:
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 403, (name, response.status_code)
    # counts only: every role reads the statistics, and no name is on them
    response = client.get(reverse("tracing-stats"))
    assert response.status_code == 200
    assert "Ahmad" not in response.content.decode()
    # the navigation does not offer what the role cannot open
    nav = client.get(reverse("dashboard")).content.decode()
    assert reverse("tracing-case-list") not in nav
    assert reverse("tracing-stats") in nav


def test_the_tracing_officer_gets_the_pages(officer_client, case):
    for name, kwargs in [
        ("tracing-case-list", {}),
        ("tracing-report-create", {}),
        ("tracing-case-detail", {"code": case.code}),
        ("tracing-case-transition", {"code": case.code}),
        ("tracing-case-relay", {"code": case.code}),
        ("tracing-death-list", {}),
        ("tracing-death-create", {}),
        ("tracing-stats", {}),
        ("person-detention-create", {"code": case.person.code}),
    ]:
        response = officer_client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, (name, response.status_code)
    nav = officer_client.get(reverse("dashboard")).content.decode()
    assert reverse("tracing-case-list") in nav
    assert reverse("tracing-death-list") in nav


def test_the_lawyer_reads_cases_and_records_detentions_but_does_not_edit_cases(users, case):
    client = _client(users["lawyer"])
    assert client.get(reverse("tracing-case-detail", args=[case.code])).status_code == 200
    assert client.get(reverse("tracing-case-relay", args=[case.code])).status_code == 403
    assert client.get(reverse("tracing-report-create")).status_code == 403
    url = reverse("person-detention-create", args=[case.person.code])
    assert client.get(url).status_code == 200


def test_an_unknown_case_code_is_404(officer_client):
    response = officer_client.get(reverse("tracing-case-detail", args=["C-2024-99999"]))
    assert response.status_code == 404


# -- missing-person reports -------------------------------------------------------------


def test_a_report_records_the_person_and_opens_a_case(officer_client, officer):
    response = officer_client.post(reverse("tracing-report-create"), _report_post())
    assert response.status_code == 302
    report = MissingPersonReport.objects.get()
    assert response["Location"] == reverse("tracing-case-detail", args=[report.case.code])
    assert report.reporter_name == "Yusuf Karimi"
    assert report.reporter_whatsapp == "+963 944 000 111"
    assert report.companions == "two cousins"
    assert report.last_contact == FuzzyDate.day(2024, 3, 10)
    assert report.last_contact_place.code == "kuznica"
    person = report.person
    assert sorted(v.full_name for v in person.name_variants.all()) == ["Омар Хаддад", "عمر حداد"]
    assert person.nationality.code == "SYR"
    assert person.birth.earliest.year == 1996
    assert report.case.status == "open"
    page = officer_client.get(response["Location"]).content.decode()
    assert "Омар Хаддад" in page and "+963 944 000 111" in page


def test_a_second_relative_joins_the_active_case(officer_client, case):
    before = TracingCase.objects.count()
    post = _report_post(person=case.person.code, reporter_relationship="parent")
    response = officer_client.post(reverse("tracing-report-create"), post)
    assert response.status_code == 302
    assert TracingCase.objects.count() == before
    assert case.reports.count() == 2
    # the detail page offers filing another report for the same person
    page = officer_client.get(reverse("tracing-case-detail", args=[case.code])).content.decode()
    assert f"?person={case.person.code}" in page


def test_a_report_with_a_last_contact_after_it_was_received_stores_nothing(officer_client):
    before = _counts()
    response = officer_client.post(
        reverse("tracing-report-create"), _report_post(last_contact="2024-03-25")
    )
    assert response.status_code == 200
    assert "is after the report was received" in response.content.decode()
    assert _counts() == before  # not even the person


def test_a_report_needs_a_person(officer_client):
    before = _counts()
    post = _report_post(**{"names-0-full_name": "", "names-1-full_name": ""})
    response = officer_client.post(reverse("tracing-report-create"), post)
    assert "give the missing person&#x27;s name" in response.content.decode()
    response = officer_client.post(reverse("tracing-report-create"), _report_post(person="P-1"))
    assert "no person with code P-1" in response.content.decode()
    assert _counts() == before


# -- the case workflow -----------------------------------------------------------------


def test_only_legal_next_states_are_offered(officer_client, case):
    page = officer_client.get(reverse("tracing-case-transition", args=[case.code]))
    select = page.content.decode().split('name="to"')[1].split("</select>")[0]
    assert 'value="relayed"' in select and 'value="closed"' in select
    assert 'value="open"' not in select


def test_an_illegal_transition_is_refused_with_the_services_message(officer_client, officer, case):
    services.case_transition(case, RELAYED, by=officer, why="sent to SBC")
    response = officer_client.post(
        reverse("tracing-case-transition", args=[case.code]), {"to": "open", "why": "mistake"}
    )
    assert response.status_code == 400
    assert "cannot move to open" in response.content.decode()
    case.refresh_from_db()
    assert case.status == RELAYED
    assert case.transitions.count() == 2


def test_closing_needs_an_outcome_and_keeps_who_and_why(officer_client, officer, case):
    url = reverse("tracing-case-transition", args=[case.code])
    response = officer_client.post(url, {"to": "closed", "why": "he called"})
    assert "closing a case needs an outcome" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "open"
    response = officer_client.post(
        url, {"to": "closed", "outcome": "found_alive", "why": "he called his brother"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CLOSED, "found_alive")
    page = officer_client.get(reverse("tracing-case-detail", args=[case.code])).content.decode()
    assert "he called his brother" in page and officer.username in page


def test_assigning_an_officer(officer_client, officer, users, case):
    url = reverse("tracing-case-assign", args=[case.code])
    assert officer_client.post(url, {"officer": str(officer.pk)}).status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == officer
    # a monitor is not in the list: the form refuses and nothing changes
    response = officer_client.post(url, {"officer": str(users["monitor"].pk)})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assigned_to == officer


# -- requests and answers --------------------------------------------------------------


def _relay_post(**overrides) -> dict:
    data = {"recipient": SBC, "sent_on": "2024-03-21", "channel": "email", "reference": "R-1"}
    data.update(overrides)
    return data


def test_relaying_defaults_the_due_date_from_the_recipient(officer_client, case):
    page = officer_client.get(reverse("tracing-case-relay", args=[case.code])).content.decode()
    assert "answer expected in 30 days" in page
    response = officer_client.post(reverse("tracing-case-relay", args=[case.code]), _relay_post())
    assert response.status_code == 302
    intervention = Intervention.objects.get()
    assert intervention.recipient.code == SBC
    assert intervention.due_on == dt.date(2024, 3, 21) + dt.timedelta(days=30)
    case.refresh_from_db()
    assert case.status == RELAYED


def test_an_unknown_recipient_stores_nothing(officer_client, case):
    before = _counts()
    response = officer_client.post(
        reverse("tracing-case-relay", args=[case.code]), _relay_post(recipient="kgb-archive")
    )
    assert response.status_code == 400
    assert "unknown recipient" in response.content.decode()
    assert "kgb-archive" in response.content.decode()
    assert _counts() == before
    case.refresh_from_db()
    assert case.status == "open"


def test_an_answer_before_the_request_was_sent_stores_nothing(officer_client, officer, case):
    intervention = services.relay_to_authority(
        case, "icrc", sent_on=dt.date(2024, 3, 21), channel="email", by=officer
    )
    url = reverse("tracing-intervention-answer", args=[intervention.code])
    response = officer_client.post(url, {"answered_on": "2024-03-01", "summary": "not known"})
    assert response.status_code == 400
    assert "cannot come before the request was sent" in response.content.decode()
    intervention.refresh_from_db()
    assert intervention.answered_on is None and not intervention.answer_summary
    response = officer_client.post(url, {"answered_on": "2024-04-02", "summary": "not known"})
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.answered_on == dt.date(2024, 4, 2)
    assert intervention.answer_summary == "not known"


def test_a_follow_up_goes_to_the_same_recipient(officer_client, officer, case):
    first = services.relay_to_authority(
        case, SBC, sent_on=dt.date(2024, 3, 21), channel="email", by=officer
    )
    url = reverse("tracing-intervention-follow-up", args=[first.code])
    response = officer_client.post(url, {"sent_on": "2024-03-01", "channel": "post"})
    assert "cannot be sent before the request it follows" in response.content.decode()
    assert Intervention.objects.count() == 1
    response = officer_client.post(url, {"sent_on": "2024-05-01", "channel": "post"})
    assert response.status_code == 302
    follow_up = Intervention.objects.exclude(pk=first.pk).get()
    assert (follow_up.follow_up_of, follow_up.recipient.code) == (first, SBC)


def test_overdue_requests_on_the_case_the_list_and_the_dashboard(officer_client, officer, users):
    from bordermonitor.records.services import NameInput, person_create

    late = person_create(names=[NameInput("Late Case", "relative")], created_by=officer)
    fine = person_create(names=[NameInput("Fine Case", "relative")], created_by=officer)
    sent = today() - dt.timedelta(days=40)
    late_case = services.missing_report_file(
        person=late, received_on=sent, reporter_relationship="parent", by=officer
    ).case
    fine_case = services.missing_report_file(
        person=fine, received_on=sent, reporter_relationship="parent", by=officer
    ).case
    overdue = services.relay_to_authority(
        late_case,
        SBC,
        sent_on=sent,
        channel="email",
        due_on=sent + dt.timedelta(days=5),
        by=officer,
    )
    services.relay_to_authority(fine_case, SBC, sent_on=today(), channel="email", by=officer)

    page = officer_client.get(reverse("tracing-case-detail", args=[late_case.code]))
    assert "overdue by 35 days" in page.content.decode()
    listed = officer_client.get(reverse("tracing-case-list"), {"overdue": "on"}).content.decode()
    assert late_case.code in listed and fine_case.code not in listed

    dashboard = officer_client.get(reverse("dashboard")).content.decode()
    assert "1 request overdue" in dashboard and overdue.code in dashboard
    analyst = _client(users["analyst"]).get(reverse("dashboard")).content.decode()
    assert overdue.code not in analyst  # counts only for the analyst
    assert 'data-count="missing-reports">2<' in analyst


def test_the_case_list_filters(officer_client, officer, make_person, file_report):
    syrian = file_report(make_person("Samir Abbas", "SYR")).case
    iraqi = file_report(make_person("Karwan Aziz", "IRQ")).case
    services.case_transition(
        iraqi, CLOSED, outcome="deported", by=officer, why="he called from Erbil after the flight"
    )
    services.case_assign(syrian, officer=officer, by=officer)
    url = reverse("tracing-case-list")
    page = officer_client.get(url, {"status": "closed"}).content.decode()
    assert iraqi.code in page and syrian.code not in page
    page = officer_client.get(url, {"outcome": "deported", "nationality": "IRQ"}).content.decode()
    assert iraqi.code in page and syrian.code not in page
    page = officer_client.get(url, {"assigned_to": str(officer.pk)}).content.decode()
    assert syrian.code in page and iraqi.code not in page
    page = officer_client.get(url, {"nationality": "SYR"}).content.decode()
    assert "Samir Abbas" in page and "Karwan Aziz" not in page


def test_statistics_per_recipient_for_a_period(officer_client, officer, case):
    first = services.relay_to_authority(
        case, SBC, sent_on=dt.date(2024, 3, 21), channel="email", by=officer
    )
    services.relay_to_authority(
        case, "icrc", sent_on=dt.date(2024, 3, 22), channel="email", by=officer
    )
    services.intervention_answer(
        first, answered_on=dt.date(2024, 3, 31), summary="nothing", by=officer
    )
    page = officer_client.get(
        reverse("tracing-stats"), {"date_from": "2024-03-01", "date_to": "2024-03-31"}
    ).content.decode()
    row = page.split(f'data-recipient="{SBC}"')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0].strip() for c in row.split("<td>")[1:]]
    assert cells[1:] == ["1", "1", "100 %", "10.0", "0"]
    assert 'data-recipient="icrc"' in page
    page = officer_client.get(reverse("tracing-stats"), {"date_from": "2024-04-01"})
    assert "No request sent in this period." in page.content.decode()
    bad = officer_client.get(
        reverse("tracing-stats"), {"date_from": "2024-04-01", "date_to": "2024-03-01"}
    )
    assert bad.status_code == 400
    assert "the end of the period is before its start" in bad.content.decode()


# -- deaths ---------------------------------------------------------------------------


def _death_post(**overrides) -> dict:
    data = {
        "found": "2024-04-15",
        "confirmation": "official_statement",
        "place": "kuznica",
        "sex": "m",
        "age_min": "20",
        "age_max": "30",
        "presumed_cause": "hypothermia",
        "description": "found by volunteers",
    }
    data.update(overrides)
    return data


def test_the_registry_shows_official_and_testimony_counts_apart(officer_client, officer):
    for confirmation in ("official_statement", "official_statement", "testimony_only"):
        response = officer_client.post(
            reverse("tracing-death-create"), _death_post(confirmation=confirmation)
        )
        assert response.status_code == 302
    page = officer_client.get(reverse("tracing-death-list")).content.decode()
    assert 'data-count="deaths-official">2<' in page
    assert 'data-count="deaths-testimony">1<' in page


def test_a_death_with_ages_reversed_stores_nothing(officer_client):
    response = officer_client.post(
        reverse("tracing-death-create"), _death_post(age_min="40", age_max="30")
    )
    assert response.status_code == 400
    assert "is below the lower" in response.content.decode()
    assert DeathRecord.objects.count() == 0


def test_a_body_found_before_the_last_contact_is_not_that_person(officer_client, officer, case):
    # the case's report: last contact 2024-03-10
    death = services.death_record(
        found=FuzzyDate.day(2024, 3, 1), confirmation="official_statement", by=officer
    )
    response = officer_client.post(
        reverse("tracing-death-identify", args=[death.code]), {"person": case.person.code}
    )
    assert response.status_code == 400
    assert "they cannot be the same person" in response.content.decode()
    death.refresh_from_db()
    assert death.person is None and death.identification_status == "unidentified"
    case.refresh_from_db()
    assert case.status == "open"


def test_identifying_a_body_proposes_and_then_closes_the_cases(officer_client, officer, case):
    death = services.death_record(
        found=FuzzyDate.day(2024, 4, 15), confirmation="official_statement", by=officer
    )
    response = officer_client.post(
        reverse("tracing-death-identify", args=[death.code]), {"person": case.person.code}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert case.code in page and "Close the chosen cases as deceased" in page
    death.refresh_from_db()
    assert death.person == case.person and death.identification_status == IDENTIFIED
    case.refresh_from_db()
    assert case.status == "open"  # only proposed so far: a person confirms

    response = officer_client.post(
        reverse("tracing-death-confirm", args=[death.code]), {"cases": [case.code]}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CLOSED, DECEASED)
    detail = officer_client.get(reverse("tracing-case-detail", args=[case.code])).content.decode()
    assert death.code in detail


# -- detentions -----------------------------------------------------------------------


def test_recording_a_detention_on_a_case(officer_client, case):
    url = reverse("person-detention-create", args=[case.person.code]) + f"?case={case.code}"
    page = officer_client.get(url).content.decode()
    assert "tdf-grodno" in page
    post = {
        "facility": "tdf-grodno",
        "detained_from": "2024-03-12",
        "detained_to": "2024-03-01",
        "case": case.code,
    }
    response = officer_client.post(url, post)
    assert response.status_code == 400
    assert "cannot end" in response.content.decode()
    assert Detention.objects.count() == 0
    post.update(detained_to="2024-04-01", outcome="informal_expulsion_to_russian_border")
    response = officer_client.post(url, post)
    assert response.status_code == 302
    detention = Detention.objects.get()
    assert (detention.case, detention.facility.code) == (case, "tdf-grodno")
    detail = officer_client.get(reverse("tracing-case-detail", args=[case.code])).content.decode()
    assert detention.code in detail and "informal expulsion to the Russian border" in detail
