"""/api/v1 tracing routes as a script would use them: bearer tokens per role, JSON."""

from __future__ import annotations

import datetime as dt

import pytest

from bordermonitor.accounts.services import api_token_create
from bordermonitor.records.services import NameInput, person_create
from bordermonitor.tracing.models import (
    CaseTransition,
    DeathRecord,
    Detention,
    Intervention,
    MissingPersonReport,
    TracingCase,
)
from tests.api.test_api import Api, fields_of

pytestmark = pytest.mark.django_db

SBC = "by-state-border-committee"
SECRET_PHONE = "+963 944 123 456"


def api_for(user) -> Api:
    _, token = api_token_create(user=user)
    return Api(token)


@pytest.fixture
def officer_api(users) -> Api:
    return api_for(users["tracing_officer"])


@pytest.fixture
def person(monitor):
    return person_create(
        names=[NameInput("Ahmad Karimi", "relative")], created_by=monitor, nationality="SYR"
    )


def report_body(person, **extra) -> dict:
    return {
        "person": person.code,
        "received_on": "2024-03-20",
        "reporter_relationship": "sibling",
        "reporter_name": "Omar Karimi",
        "reporter_phone": SECRET_PHONE,
        "reporter_language": "ar",
        "last_contact": "2024-03-10",
        "last_contact_place": "kuznica",
        "circumstances": "He called from the forest near the fence.",
        **extra,
    }


def file_report(api: Api, person, **extra) -> dict:
    status, data = api.post("/missing-reports", report_body(person, **extra))
    assert status == 201, data
    return data


def relay(api: Api, case: str, recipient: str = SBC, sent_on: str = "2024-03-21") -> dict:
    status, data = api.post(
        "/interventions",
        {"case": case, "recipient": recipient, "sent_on": sent_on, "channel": "email"},
    )
    assert status == 201, data
    return data


# -- missing-person reports and cases -----------------------------------------------------


def test_filing_two_reports_joins_one_case_and_lists_no_contacts(officer_api, person):
    first = file_report(officer_api, person)
    assert first["case"].startswith("C-2024-") and first["reporter_phone"] == SECRET_PHONE
    assert first["last_contact_side"] == "PL"
    second = file_report(officer_api, person, reporter_relationship="parent")
    assert second["case"] == first["case"]

    status, page = officer_api.get("/missing-reports", case=first["case"])
    assert status == 200 and page["count"] == 2
    assert {r["reporter_relationship"] for r in page["items"]} == {"sibling", "parent"}
    assert SECRET_PHONE not in str(page) and "Omar" not in str(page)
    assert "reporter_phone" not in page["items"][0]

    status, detail = officer_api.get(f"/missing-reports/{first['code']}")
    assert status == 200 and detail["reporter_name"] == "Omar Karimi"


def test_case_list_detail_and_transitions(officer_api, users, person):
    case = file_report(officer_api, person)["case"]
    status, page = officer_api.get("/cases", status="open")
    assert status == 200 and [c["code"] for c in page["items"]] == [case]

    status, data = officer_api.post(
        f"/cases/{case}/transitions", {"to": "searching", "why": "relatives asked hospitals"}
    )
    assert status == 201 and data["status"] == "searching"
    assert [t["to_status"] for t in data["transitions"]] == ["open", "searching"]
    assert data["transitions"][-1]["by"] == "u-tracing_officer"

    status, data = officer_api.post(
        f"/cases/{case}/transitions", {"to": "closed", "outcome": "detained", "why": "in Białystok"}
    )
    assert status == 201 and data["outcome"] == "detained" and data["closed_on"]
    status, page = officer_api.get("/cases", status="closed")
    assert [c["code"] for c in page["items"]] == [case]


def test_illegal_transition_and_missing_outcome_name_the_field(officer_api, person):
    case = file_report(officer_api, person)["case"]
    before = CaseTransition.objects.count()
    status, data = officer_api.post(f"/cases/{case}/transitions", {"to": "open", "why": "again"})
    assert status == 400 and fields_of(data) == {"to"}
    status, data = officer_api.post(f"/cases/{case}/transitions", {"to": "closed", "why": "x"})
    assert status == 400 and fields_of(data) == {"outcome"}
    status, data = officer_api.post(f"/cases/{case}/transitions", {"to": "lost", "why": "x"})
    assert status == 422 and "to" in fields_of(data)
    assert CaseTransition.objects.count() == before
    assert TracingCase.objects.get(code=case).status == "open"


def test_report_about_unknown_person_or_with_bad_date_names_the_field(officer_api, person):
    status, data = officer_api.post(
        "/missing-reports", {**report_body(person), "person": "P-1999-1"}
    )
    assert status == 400 and fields_of(data) == {"person"}
    status, data = officer_api.post("/missing-reports", report_body(person, last_contact="soon"))
    assert status == 422 and fields_of(data) == {"last_contact"}
    status, data = officer_api.post(
        "/missing-reports", report_body(person, last_contact="2024-04-01")
    )
    assert status == 400 and fields_of(data) == {"last_contact"}
    assert not MissingPersonReport.objects.exists() and not TracingCase.objects.exists()


# -- interventions ----------------------------------------------------------------------


def test_relay_answer_and_overdue_filter(officer_api, person):
    case = file_report(officer_api, person)["case"]
    sbc = relay(officer_api, case)
    assert sbc["due_on"] == "2024-04-20" and sbc["recipient_name"].startswith("State Border")
    icrc = relay(officer_api, case, "icrc")
    assert TracingCase.objects.get(code=case).status == "relayed"

    status, data = officer_api.post(
        f"/interventions/{icrc['code']}/answer",
        {"answered_on": "2024-04-02", "summary": "No record of him in our lists."},
    )
    assert status == 200 and data["answered_on"] == "2024-04-02"
    assert data["answer_summary"] == "No record of him in our lists."

    status, page = officer_api.get("/interventions", overdue="true")
    assert status == 200 and [i["code"] for i in page["items"]] == [sbc["code"]]
    status, page = officer_api.get("/interventions", case=case)
    assert page["count"] == 2
    assert "No record" not in str(page) and "request_summary" not in page["items"][0]


def test_answer_before_sending_is_refused_and_nothing_stored(officer_api, person):
    case = file_report(officer_api, person)["case"]
    sbc = relay(officer_api, case)
    status, data = officer_api.post(
        f"/interventions/{sbc['code']}/answer", {"answered_on": "2024-03-01", "summary": "x"}
    )
    assert status == 400 and fields_of(data) == {"answered_on"}
    assert Intervention.objects.get(code=sbc["code"]).answered_on is None


def test_unknown_recipient_is_refused_and_the_case_does_not_move(officer_api, person):
    case = file_report(officer_api, person)["case"]
    status, data = officer_api.post(
        "/interventions",
        {
            "case": case,
            "recipient": "ministry-of-magic",
            "sent_on": "2024-03-21",
            "channel": "post",
        },
    )
    assert status == 400 and fields_of(data) == {"recipient"}
    assert "ministry-of-magic" in data["detail"][0]["message"]
    assert not Intervention.objects.exists()
    assert TracingCase.objects.get(code=case).status == "open"


# -- deaths -----------------------------------------------------------------------------


def death_body(**extra) -> dict:
    return {
        "found": "2024-01-14",
        "confirmation": "official_statement",
        "place": "kuznica",
        "nationality": "SYR",
        "sex": "m",
        "presumed_cause": "hypothermia",
        "description": "Found by a patrol near the fence, no documents.",
        **extra,
    }


def test_death_create_list_filters_and_identification_closes_cases(officer_api, person):
    case = file_report(officer_api, person)["case"]
    status, death = officer_api.post("/deaths", death_body(found="2024-03-25"))
    assert status == 201 and death["side"] == "PL" and death["border_section"]
    officer_api.post("/deaths", death_body(confirmation="testimony_only", nationality="IRQ"))

    status, page = officer_api.get("/deaths", confirmation="testimony_only")
    assert status == 200 and [d["nationality"] for d in page["items"]] == ["IRQ"]
    status, page = officer_api.get("/deaths", found_from="2024-03-01")
    assert [d["code"] for d in page["items"]] == [death["code"]]
    assert "patrol" not in str(page)

    status, data = officer_api.post(
        f"/deaths/{death['code']}/identify", {"person": person.code, "close_cases": True}
    )
    assert status == 200, data
    assert data["person"] == person.code and data["identification_status"] == "identified"
    assert data["closed_cases"] == [case]
    closed = TracingCase.objects.get(code=case)
    assert (closed.status, closed.outcome) == ("closed", "deceased")


def test_death_found_before_last_contact_is_refused_and_nothing_stored(officer_api, person):
    file_report(officer_api, person)  # last contact 2024-03-10
    status, data = officer_api.post("/deaths", death_body(person=person.code))
    assert status == 400 and fields_of(data) == {"person"}
    assert "before" in data["detail"][0]["message"]
    assert not DeathRecord.objects.exists()


def test_bad_death_input_names_the_field(officer_api):
    status, data = officer_api.post("/deaths", death_body(presumed_cause="bad luck"))
    assert status == 422 and fields_of(data) == {"presumed_cause"}
    status, data = officer_api.post("/deaths", death_body(found="last winter"))
    assert status == 422 and fields_of(data) == {"found"}
    status, data = officer_api.post("/deaths", death_body(age_min=40, age_max=30))
    assert status == 400 and fields_of(data) == {"age_max"}
    status, data = officer_api.post("/deaths", death_body(place="atlantis"))
    assert status == 400 and fields_of(data) == {"place"}
    assert not DeathRecord.objects.exists()


# -- detentions -------------------------------------------------------------------------


def test_detention_create_and_list(users, officer_api, person):
    case = file_report(officer_api, person)["case"]
    lawyer = api_for(users["lawyer"])
    status, data = lawyer.post(
        "/detentions",
        {
            "person": person.code,
            "facility": "pl-guarded-centre-bialystok",
            "detained_from": "2024-03-22",
            "legal_ground": "Art. 398 Act on Foreigners",
            "case": case,
            "notes": "Lawyer visited on 25 March.",
        },
    )
    assert status == 201, data
    assert data["facility_name"].startswith("Guarded centre") and data["case"] == case
    status, page = officer_api.get("/detentions", person=person.code)
    assert status == 200 and page["count"] == 1 and "Lawyer visited" not in str(page)

    status, data = lawyer.post(
        "/detentions",
        {"person": person.code, "facility": "icrc", "detained_from": "2024-03-22"},
    )
    assert status == 400 and fields_of(data) == {"facility"}
    assert Detention.objects.count() == 1


# -- roles ------------------------------------------------------------------------------


def test_roles_analyst_reads_stats_only_monitor_cannot_file(users, officer_api, person):
    file_report(officer_api, person)
    analyst = api_for(users["analyst"])
    assert analyst.get("/stats/tracing")[0] == 200
    for path in ("/cases", "/missing-reports", "/interventions", "/deaths", "/detentions"):
        assert analyst.get(path)[0] == 403, path
    monitor = api_for(users["monitor"])
    status, _ = monitor.post("/missing-reports", report_body(person))
    assert status == 403
    assert monitor.get("/cases")[0] == 403
    lawyer = api_for(users["lawyer"])
    assert lawyer.get("/cases")[0] == 200
    assert lawyer.post("/missing-reports", report_body(person))[0] == 403
    assert MissingPersonReport.objects.count() == 1


# -- statistics -------------------------------------------------------------------------


def test_stats_totals_carry_no_personal_data(users, officer_api, person):
    report = file_report(officer_api, person)
    relay(officer_api, report["case"])
    officer_api.post("/deaths", death_body())
    officer_api.post("/deaths", death_body(confirmation="testimony_only", nationality=None))
    analyst = api_for(users["analyst"])
    status, data = analyst.get("/stats/tracing", **{"from": "2024-01-01", "to": "2024-12-31"})
    assert status == 200, data
    assert (data["from"], data["to"]) == ("2024-01-01", "2024-12-31")
    assert data["missing_reports"] == {
        "total": 1,
        "by_nationality": {"SYR": 1},
        "by_outcome": {"active": 1},
    }
    assert data["deaths"]["total"] == 2
    assert data["deaths"]["official_statement"] == {"total": 1, "by_nationality": {"SYR": 1}}
    assert data["deaths"]["testimony_only"] == {"total": 1, "by_nationality": {"unknown": 1}}
    (sbc,) = data["interventions"]
    assert sbc["recipient"] == SBC and (sbc["sent"], sbc["answered"]) == (1, 0)
    assert sbc["answer_rate"] == 0 and sbc["unanswered_past_due"] == 1
    text = str(data)
    for secret in ("Karimi", "Omar", SECRET_PHONE, person.code, report["code"]):
        assert secret not in text

    status, data = analyst.get("/stats/tracing", **{"from": "2025-01-01", "to": "2025-12-31"})
    assert data["missing_reports"]["total"] == 0 and data["deaths"]["total"] == 0


def test_stats_bad_dates_name_the_field(users):
    analyst = api_for(users["analyst"])
    status, data = analyst.get("/stats/tracing", **{"from": "2024-13-01"})
    assert status == 422 and fields_of(data) == {"from"}
    status, data = analyst.get("/stats/tracing", **{"from": "2024-01-01", "to": "yesterday"})
    assert status == 422 and fields_of(data) == {"to"}
    status, data = analyst.get("/stats/tracing", **{"from": "2024-02-01", "to": "2024-01-01"})
    assert status == 400 and fields_of(data) == {"from"}


def test_dates_are_real_dates(officer_api, person):
    """A far-future report is refused by the service (the clock is real, not mocked)."""
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    status, data = officer_api.post(
        "/missing-reports", report_body(person, received_on=future, last_contact=None)
    )
    assert status == 400 and fields_of(data) == {"received_on"}
