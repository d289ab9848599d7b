"""Issue 5, the coordinators' review queue: confirm, reject, unsure, undo.

Pages are driven through Django's test client against the real database; services
are checked through what they store.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from bordermonitor.accounts.roles import COORDINATOR, ROLES
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.linkage import selectors, services
from bordermonitor.linkage.models import CONFIRMED, REJECTED, UNSURE, MatchDecision
from bordermonitor.records import services as records
from bordermonitor.records.models import Person
from bordermonitor.records.services import NameInput
from bordermonitor.tracing import services as tracing
from bordermonitor.tracing.models import IDENTIFIED, PRESUMED, UNIDENTIFIED, DeathRecord
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

REASON = "same phone number in both testimonies"


def person(name: str, *, by, sex="m", birth="1999", nationality="IRQ") -> Person:
    return records.person_create(
        names=[NameInput(name, "relative")],
        created_by=by,
        sex=sex,
        birth=parse_fuzzy_date(birth),
        nationality=nationality,
    )


@pytest.fixture
def coordinator(users):
    client = Client()
    sign_in(client, users[COORDINATOR])
    return client


@pytest.fixture
def pair(monitor):
    reported = person("Mohammed Hussein Ali", by=monitor)
    tracing.missing_report_file(
        person=reported,
        received_on=dt.date(2024, 6, 1),
        reporter_relationship="sibling",
        last_contact=parse_fuzzy_date("2024-03-01"),
        by=monitor,
    )
    detained = person("Мухаммад Хусейн Алиев", by=monitor)
    tracing.detention_record(
        person=detained, detained_from=dt.date(2024, 3, 5), facility="tdf-grodno", by=monitor
    )
    return reported, detained


@pytest.fixture
def missing_and_body(monitor):
    missing = person("Ali Hassan Jabbar", by=monitor)
    report = tracing.missing_report_file(
        person=missing,
        received_on=dt.date(2024, 6, 1),
        reporter_relationship="parent",
        last_contact=parse_fuzzy_date("2024-05-01"),
        by=monitor,
    )
    death = tracing.death_record(
        found=parse_fuzzy_date("2024-05-10"),
        confirmation="official_statement",
        sex="m",
        age_min=25,
        age_max=25,
        nationality="IRQ",
        by=monitor,
    )
    return missing, death, report.case


def queued(pair_codes) -> bool:
    return any({m.person.code, m.other.code} == set(pair_codes) for m in selectors.review_queue())


def decide(client, person_code, other_code, verdict, reason=REASON):
    return client.post(
        reverse("linkage-decide"),
        {"person": person_code, "other": other_code, "verdict": verdict, "reason": reason},
    )


def test_the_queue_shows_the_pair_side_by_side(coordinator, pair):
    reported, detained = pair
    page = coordinator.get(reverse("linkage-review"))
    assert page.status_code == 200
    text = page.content.decode()
    assert reported.code in text and detained.code in text
    assert "Mohammed Hussein Ali" in text and "Мухаммад Хусейн Алиев" in text
    assert "tdf-grodno" in text.lower() or "2024-03-05" in text  # the detention's date/place
    assert str(parse_fuzzy_date("2024-03-01")) in text  # the last contact
    assert 'style="' not in text and "<script>" not in text  # CSP: no inline styles/scripts


def test_a_rejected_pair_never_comes_back(coordinator, users, pair, monitor):
    reported, detained = pair
    assert queued((reported.code, detained.code))
    response = decide(coordinator, reported.code, detained.code, REJECTED)
    assert response.status_code == 302

    decision = MatchDecision.objects.get()
    assert (decision.verdict, decision.decided_by, decision.reason) == (
        REJECTED,
        users[COORDINATOR],
        REASON,
    )
    assert not queued((reported.code, detained.code))
    assert detained.code not in [m.counterpart.code for m in selectors.possible_matches(reported)]
    # new records and name changes do not bring it back
    records.person_update(person=detained, names=[NameInput("Мухаммед Хусейн Али", "relative")])
    person("Someone Else Entirely", by=monitor)
    assert not queued((reported.code, detained.code))
    assert reported.code not in [m.counterpart.code for m in selectors.possible_matches(detained)]
    # and it cannot be decided a second time
    again = decide(coordinator, detained.code, reported.code, CONFIRMED)
    assert again.status_code == 400
    assert "already been decided" in again.content.decode()
    assert MatchDecision.objects.count() == 1


def test_the_reason_is_stored_encrypted(coordinator, pair):
    reported, detained = pair
    decide(coordinator, reported.code, detained.code, REJECTED)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reason FROM {MatchDecision._meta.db_table}")  # noqa: S608
        (stored,) = cursor.fetchone()
    assert stored and b"phone" not in bytes(stored)


def test_unsure_leaves_the_queue_and_waits_for_a_second_look(coordinator, pair):
    reported, detained = pair
    assert decide(coordinator, reported.code, detained.code, UNSURE).status_code == 302
    assert not queued((reported.code, detained.code))
    assert [d.verdict for d in selectors.decisions_to_review_again()] == [UNSURE]
    assert decide(coordinator, detained.code, reported.code, CONFIRMED).status_code == 302
    assert not list(selectors.decisions_to_review_again())
    linked = selectors.possible_matches(reported)
    assert linked[0].counterpart == detained and linked[0].status == CONFIRMED


def test_bad_input_is_refused_and_changes_nothing(coordinator, pair):
    reported, detained = pair
    no_reason = decide(coordinator, reported.code, detained.code, CONFIRMED, reason="  ")
    assert no_reason.status_code == 400
    bad_verdict = decide(coordinator, reported.code, detained.code, "maybe")
    assert bad_verdict.status_code == 400
    assert "Decision" in bad_verdict.content.decode()
    unknown = decide(coordinator, reported.code, "P-1900-999999", CONFIRMED)
    assert unknown.status_code == 400
    assert "no such record" in unknown.content.decode()
    same = decide(coordinator, reported.code, reported.code, CONFIRMED)
    assert same.status_code == 400
    assert not MatchDecision.objects.exists()
    assert queued((reported.code, detained.code))


def test_undoing_a_person_link_restores_both_records(coordinator, users, pair):
    reported, detained = pair

    def snapshot(p: Person) -> tuple:
        p = Person.objects.get(pk=p.pk)
        names = sorted(v.full_name for v in p.name_variants.all())
        return (p.sex, p.birth_earliest, p.nationality_id, names, p.updated_at)

    before = snapshot(reported), snapshot(detained)
    decide(coordinator, reported.code, detained.code, CONFIRMED)
    link = MatchDecision.objects.get(verdict=CONFIRMED)
    assert (snapshot(reported), snapshot(detained)) == before  # nothing overwritten
    assert link in selectors.confirmed_links()

    response = coordinator.post(
        reverse("linkage-undo"), {"decision": link.pk, "reason": "two brothers, not one man"}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.undone_by == users[COORDINATOR] and link.undone_at is not None
    assert link.undo_reason == "two brothers, not one man"
    assert (snapshot(reported), snapshot(detained)) == before
    assert link not in selectors.confirmed_links()
    assert queued((reported.code, detained.code))  # the pair may be decided again
    # an undone link cannot be undone twice
    twice = coordinator.post(reverse("linkage-undo"), {"decision": link.pk, "reason": "again"})
    assert twice.status_code == 400


def test_confirming_a_body_hands_over_to_death_identification_and_undo_restores_it(
    coordinator, users, missing_and_body
):
    missing, death, case = missing_and_body
    assert queued((missing.code, death.code))
    response = decide(coordinator, missing.code, death.code, CONFIRMED)
    assert response.status_code == 200  # tracing's proposal: close the open cases?
    text = response.content.decode()
    assert case.code in text and reverse("tracing-death-confirm", args=[death.code]) in text

    death.refresh_from_db()
    assert death.person == missing and death.identification_status == PRESUMED
    assert death.identified_by == users[COORDINATOR]
    case.refresh_from_db()
    assert case.is_active  # closing stays the officer's confirmed step

    link = MatchDecision.objects.get(death=death)
    services.match_undo(link, by=users[COORDINATOR], reason="the family saw the photo: not him")
    death.refresh_from_db()
    assert death.person is None and death.identification_status == UNIDENTIFIED
    assert death.identified_by is None and death.identified_at is None
    assert DeathRecord.objects.filter(person=missing).count() == 0


def test_undo_refuses_when_the_body_was_relinked_since(
    coordinator, users, monitor, missing_and_body
):
    missing, death, _case = missing_and_body
    decide(coordinator, missing.code, death.code, CONFIRMED)
    link = MatchDecision.objects.get(death=death)
    # an officer corrects the identification by hand: unlink, identify someone else
    other = person("Hamid Rasul Aziz", by=monitor)
    DeathRecord.objects.filter(pk=death.pk).update(person=other, identification_status=IDENTIFIED)
    response = coordinator.post(reverse("linkage-undo"), {"decision": link.pk, "reason": "wrong"})
    assert response.status_code == 400
    death.refresh_from_db()
    assert death.person == other
    link.refresh_from_db()
    assert link.undone_at is None


@pytest.mark.parametrize("role", [r for r in ROLES if r != COORDINATOR])
def test_only_coordinators_review(role, users, pair):
    reported, detained = pair
    client = Client()
    sign_in(client, users[role])
    assert client.get(reverse("linkage-review")).status_code == 403
    assert decide(client, reported.code, detained.code, CONFIRMED).status_code == 403
    assert not MatchDecision.objects.exists()


def test_the_nav_offers_the_queue_to_coordinators_only(coordinator, users):
    assert reverse("linkage-review") in coordinator.get(reverse("dashboard")).content.decode()
    client = Client()
    sign_in(client, users["tracing_officer"])
    assert reverse("linkage-review") not in client.get(reverse("dashboard")).content.decode()
