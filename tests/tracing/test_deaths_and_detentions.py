"""Deaths registry and detentions: identification refuses the impossible, proposes
closing the person's cases, and closes them only when a person confirms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bordermonitor.core.dates import FuzzyDate
from bordermonitor.tracing import services
from bordermonitor.tracing.models import (
    CLOSED,
    DECEASED,
    IDENTIFIED,
    PRESUMED,
    UNIDENTIFIED,
    DeathRecord,
    Detention,
)

pytestmark = pytest.mark.django_db


def _death(officer, found=None, **kwargs):
    kwargs.setdefault("confirmation", "official_statement")
    return services.death_record(found=found or FuzzyDate.day(2024, 4, 2), by=officer, **kwargs)


def test_a_body_is_recorded_with_place_side_and_section(officer):
    death = _death(
        officer,
        place="kuznica",
        nationality="SYR",
        sex="m",
        age_min=25,
        age_max=35,
        presumed_cause="hypothermia",
        description="found near the fence",
    )
    death = DeathRecord.objects.get(pk=death.pk)
    assert death.code.startswith("DR-2024-")
    assert death.side == death.place.country
    assert death.border_section == death.place.border_section
    assert (death.age_min, death.age_max, death.presumed_cause) == (25, 35, "hypothermia")
    assert death.found == FuzzyDate.day(2024, 4, 2)
    assert death.identification_status == UNIDENTIFIED and death.person is None


def test_bad_death_input_names_the_fields_and_stores_nothing(officer):
    with pytest.raises(ValidationError) as exc:
        _death(
            officer,
            confirmation="rumour",
            presumed_cause="bad luck",
            age_min=40,
            age_max=30,
            nationality="XXX",
        )
    assert set(exc.value.message_dict) == {
        "confirmation",
        "presumed_cause",
        "age_max",
        "nationality",
    }
    assert not DeathRecord.objects.exists()


def test_identifying_a_body_found_before_the_last_contact_is_refused(
    make_person, file_report, officer
):
    person = make_person()
    report = file_report(
        person, received_on=dt.date(2024, 5, 1), last_contact=FuzzyDate.day(2024, 4, 20)
    )
    death = _death(officer, found=FuzzyDate.day(2024, 4, 2))
    with pytest.raises(ValidationError) as exc:
        services.death_identify(death, person, by=officer)
    message = exc.value.message_dict["person"][0]
    assert "before" in message and "last heard from" in message
    assert death.code in message and person.code in message and report.code in message
    stored = DeathRecord.objects.get(pk=death.pk)
    assert stored.person is None and stored.identification_status == UNIDENTIFIED
    report.case.refresh_from_db()
    assert report.case.status == "open"


def test_a_body_found_in_the_month_of_the_last_contact_may_be_the_person(
    make_person, file_report, officer
):
    """'April 2024' may be after a last contact on 20 April: not refused."""
    person = make_person()
    file_report(person, received_on=dt.date(2024, 5, 1), last_contact=FuzzyDate.day(2024, 4, 20))
    death = _death(officer, found=FuzzyDate.month(2024, 4))
    assert services.death_identify(death, person, by=officer, presumed=True)
    assert DeathRecord.objects.get(pk=death.pk).identification_status == PRESUMED


def test_identification_proposes_and_confirmation_closes_as_deceased(
    make_person, file_report, officer, users
):
    person = make_person()
    case = file_report(
        person, received_on=dt.date(2024, 3, 1), last_contact=FuzzyDate.day(2024, 2, 20)
    ).case
    services.relay_to_authority(
        case,
        "by-state-border-committee",
        sent_on=dt.date(2024, 3, 2),
        channel="email",
        by=officer,
    )
    death = _death(officer, found=FuzzyDate.day(2024, 4, 2))
    proposal = services.death_identify(death, person, by=officer)
    assert proposal == [case]
    # proposing closes nothing
    case.refresh_from_db()
    assert case.status == "relayed"
    stored = DeathRecord.objects.get(pk=death.pk)
    assert (stored.person, stored.identification_status, stored.identified_by) == (
        person,
        IDENTIFIED,
        officer,
    )

    coordinator = users["coordinator"]
    transitions = services.death_identification_confirm(death, cases=proposal, by=coordinator)
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CLOSED, DECEASED)
    assert len(transitions) == 1
    assert transitions[0].by == coordinator and death.code in transitions[0].why


def test_confirmation_refuses_a_case_about_someone_else(make_person, file_report, officer):
    person, other = make_person(), make_person("Hawa Diallo", "GIN")
    file_report(person)
    other_case = file_report(other).case
    death = _death(officer, found=FuzzyDate.day(2024, 4, 2))
    services.death_identify(death, person, by=officer)
    with pytest.raises(ValidationError) as exc:
        services.death_identification_confirm(death, cases=[other_case], by=officer)
    assert other_case.code in exc.value.message_dict["cases"][0]
    other_case.refresh_from_db()
    assert other_case.status == "open"


def test_one_body_per_person(make_person, officer):
    person = make_person()
    first = _death(officer)
    second = _death(officer)
    services.death_identify(first, person, by=officer)
    with pytest.raises(ValidationError) as exc:
        services.death_identify(second, person, by=officer)
    assert first.code in exc.value.message_dict["person"][0]
    assert DeathRecord.objects.get(pk=second.pk).person is None


def test_a_detention_in_a_listed_facility_or_named_one(make_person, file_report, officer, users):
    person = make_person()
    case = file_report(person).case
    lawyer = users["lawyer"]
    held = services.detention_record(
        person=person,
        facility="tdf-grodno",
        detained_from=dt.date(2024, 3, 25),
        detained_to=dt.date(2024, 4, 20),
        legal_ground="administrative offence, illegal border crossing",
        outcome="informal_expulsion_to_russian_border",
        case=case,
        by=lawyer,
    )
    held = Detention.objects.get(pk=held.pk)
    assert held.code.startswith("DT-2024-") and held.facility.code == "tdf-grodno"
    assert held.facility_name == held.facility.name
    assert list(case.detentions.all()) == [held]
    named = services.detention_record(
        person=person,
        facility_text="police station in Lida",
        detained_from=dt.date(2024, 5, 1),
        by=lawyer,
    )
    assert named.facility_name == "police station in Lida"


def test_bad_detention_input_is_refused(make_person, file_report, officer):
    person, other = make_person(), make_person("Hawa Diallo", "GIN")
    other_case = file_report(other).case
    with pytest.raises(ValidationError) as exc:
        services.detention_record(
            person=person,
            facility="icrc",
            detained_from=dt.date(2024, 3, 25),
            detained_to=dt.date(2024, 3, 1),
            outcome="escaped",
            case=other_case,
            by=officer,
        )
    errors = exc.value.message_dict
    assert "not a detention facility" in errors["facility"][0]
    assert set(errors) == {"facility", "detained_to", "outcome", "case"}
    with pytest.raises(ValidationError) as exc:
        services.detention_record(
            person=person, facility="nowhere", detained_from=dt.date(2024, 3, 25), by=officer
        )
    assert "unknown facility 'nowhere'" in exc.value.message_dict["facility"][0]
    with pytest.raises(ValidationError) as exc:
        services.detention_record(person=person, detained_from=dt.date(2024, 3, 25), by=officer)
    assert "name the facility" in exc.value.message_dict["facility"][0]
    assert not Detention.objects.exists()
