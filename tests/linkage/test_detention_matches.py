"""Issue 5, in the app: a saved detention (or deportation) shows who the detainee may be.

The Brest list case: a detention list names "Мухаммад Хусейн Алиев"; a sister reported
"Mohammed Hussein Ali" missing.  Recording the detention leads to the detention's page,
which proposes the missing man with the probability and the fields that agree.  Real
database, real encryption, pages through Django's test client.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from bordermonitor.accounts.roles import COORDINATOR, LAWYER, ROLES, TRACING_OFFICER
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.linkage import selectors
from bordermonitor.linkage.models import CONFIRMED, MatchDecision
from bordermonitor.records import services as records
from bordermonitor.records.models import Person
from bordermonitor.records.services import NameInput
from bordermonitor.tracing import services as tracing
from bordermonitor.tracing.models import Detention
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

REPORTED = "Mohammed Hussein Ali"
DETAINED = "Мухаммад Хусейн Алиев"
STRANGER = "Faadumo Cabdi Warsame"


def person(name: str, *, by, sex="m", birth="1999", nationality="IRQ") -> Person:
    return records.person_create(
        names=[NameInput(name, "belarus_official")],
        created_by=by,
        sex=sex,
        birth=parse_fuzzy_date(birth) if birth else None,
        nationality=nationality,
    )


def missing(name: str, *, by, last_contact: str = "2024-03-01", **kwargs) -> Person:
    p = person(name, by=by, **kwargs)
    tracing.missing_report_file(
        person=p,
        received_on=dt.date(2024, 6, 1),
        reporter_relationship="sibling",
        last_contact=parse_fuzzy_date(last_contact),
        by=by,
    )
    return p


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def record_detention(client: Client, who: Person, **fields):
    data = {
        "facility": "tdf-grodno",
        "facility_text": "",
        "detained_from": "2024-03-05",
        "detained_to": "",
        "legal_ground": "",
        "outcome": "",
        "case": "",
        "notes": "",
    }
    data.update(fields)
    return client.post(reverse("person-detention-create", args=[who.code]), data, follow=True)


def panel_rows(html: str) -> list[str]:
    """The codes listed in the possible-matches panel, in order."""
    panel = html.split('class="possible-matches"', 1)[1].split("</section>", 1)[0]
    return [chunk.split('"', 1)[0] for chunk in panel.split('data-code="')[1:]]


def test_saving_a_detention_shows_the_missing_man(users, monitor):
    reported = missing(REPORTED, by=monitor)
    # others reported missing with common names: candidates to score, not to propose
    for i, name in enumerate(["Mohammed Ali Jabbar", "Hussein Karim", "Ali Hassan Saleh"] * 10):
        missing(f"{name} {i}", by=monitor, birth=str(1960 + i))
    detained = person(DETAINED, by=monitor)
    client = signed_in(users[LAWYER])
    # the lawyer opens the form first, as she would
    form = client.get(reverse("person-detention-create", args=[detained.code]))
    assert form.status_code == 200

    response = record_detention(client, detained, outcome="deported_by_air")

    assert response.status_code == 200
    detention = Detention.objects.get(person=detained)
    assert response.redirect_chain == [
        (reverse("tracing-detention-detail", args=[detention.code]), 302)
    ]
    html = response.content.decode()
    assert f"Detention {detention.code}" in html
    assert "deported by air" in html
    rows = panel_rows(html)
    assert rows[0] == reported.code
    best = selectors.possible_matches(detention)[0]
    assert best.counterpart == reported and best.probability > 0.9
    assert f"{best.percent}%" in html
    for field in ("name:", "birth year:", "nationality:", "sex:"):
        assert field in html.split('class="possible-matches"', 1)[1], field
    # the panel names records by code; the missing man's name stays on his own pages
    assert REPORTED not in html


def test_a_detention_of_someone_else_shows_no_match(users, monitor):
    reported = missing(REPORTED, by=monitor)
    stranger = person(STRANGER, by=monitor, sex="f", birth="1985", nationality="SOM")
    response = record_detention(signed_in(users[TRACING_OFFICER]), stranger)
    assert response.status_code == 200
    html = response.content.decode()
    assert panel_rows(html) == []
    assert "No possible match among the stored records." in html
    assert reported.code not in html
    assert selectors.possible_matches(Detention.objects.get(person=stranger)) == []


def test_the_detention_page_offers_the_review_to_coordinators_only(users, monitor):
    reported = missing(REPORTED, by=monitor)
    detained = person(DETAINED, by=monitor)
    detention = tracing.detention_record(
        person=detained, detained_from=dt.date(2024, 3, 5), facility="tdf-grodno", by=monitor
    )
    url = reverse("tracing-detention-detail", args=[detention.code])
    anchor = "pair-" + "-".join(sorted((reported.code, detained.code)))

    html = signed_in(users[COORDINATOR]).get(url).content.decode()
    assert f"{reverse('linkage-review')}?threshold=0.5#{anchor}" in html
    queue = signed_in(users[COORDINATOR]).get(reverse("linkage-review")).content.decode()
    assert f'id="{anchor}"' in queue  # the link lands on the pair

    officer = signed_in(users[TRACING_OFFICER]).get(url).content.decode()
    assert reported.code in panel_rows(officer)
    assert reverse("linkage-review") not in officer


@pytest.mark.parametrize("role", sorted(set(ROLES) - {COORDINATOR, TRACING_OFFICER, LAWYER}))
def test_roles_without_tracing_cannot_open_a_detention(role, users, monitor):
    detention = tracing.detention_record(
        person=person(DETAINED, by=monitor),
        detained_from=dt.date(2024, 3, 5),
        facility="tdf-grodno",
        by=monitor,
    )
    client = signed_in(users[role])
    assert client.get(reverse("tracing-detention-detail", args=[detention.code])).status_code == 403


def test_an_unknown_detention_code_is_not_found(users):
    client = signed_in(users[LAWYER])
    assert (
        client.get(reverse("tracing-detention-detail", args=["DT-2024-99999"])).status_code == 404
    )


def test_the_case_page_links_its_detentions(users, monitor):
    reported = missing(REPORTED, by=monitor)
    case = reported.tracing_cases.get()
    detention = tracing.detention_record(
        person=reported,
        detained_from=dt.date(2024, 3, 5),
        facility="tdf-grodno",
        case=case,
        by=monitor,
    )
    html = signed_in(users[TRACING_OFFICER]).get(reverse("tracing-case-detail", args=[case.code]))
    url = reverse("tracing-detention-detail", args=[detention.code])
    assert f'href="{url}"' in html.content.decode()
    page = signed_in(users[TRACING_OFFICER]).get(url).content.decode()
    assert f'href="{reverse("tracing-case-detail", args=[case.code])}"' in page


def test_a_confirmed_link_stays_shown_after_the_names_change(users, monitor):
    reported = missing(REPORTED, by=monitor)
    detained = person(DETAINED, by=monitor)
    detention = tracing.detention_record(
        person=detained, detained_from=dt.date(2024, 3, 5), facility="tdf-grodno", by=monitor
    )
    coordinator = signed_in(users[COORDINATOR])
    decided = coordinator.post(
        reverse("linkage-decide"),
        {
            "person": reported.code,
            "other": detained.code,
            "verdict": CONFIRMED,
            "reason": "the sister recognised the photo from the list",
        },
    )
    assert decided.status_code == 302
    # the official list is corrected to a name that shares no blocking key any more
    records.person_update(person=detained, names=[NameInput("Карим Джаббар", "belarus_official")])
    linked = selectors.possible_matches(detention)
    assert [(m.counterpart, m.status) for m in linked] == [(reported, CONFIRMED)]
    html = coordinator.get(reverse("tracing-detention-detail", args=[detention.code]))
    assert panel_rows(html.content.decode()) == [reported.code]
    assert "linked" in html.content.decode()
    assert detained in [m.counterpart for m in selectors.possible_matches(reported)]


def new_person_detention(client: Client, names: list[tuple[str, str]], **fields):
    data = {
        "names-TOTAL_FORMS": "3",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "50",
        "person-sex": "m",
        "person-birth": "1999",
        "person-nationality": "IRQ",
        "detention-facility": "tdf-grodno",
        "detention-detained_from": "2024-03-05",
    }
    for i in range(3):
        name, writer = names[i] if i < len(names) else ("", "relative")
        data[f"names-{i}-full_name"] = name
        data[f"names-{i}-written_by"] = writer
    data.update(fields)
    return client.post(reverse("tracing-detention-create"), data, follow=True)


def test_a_name_from_a_detention_list_is_recorded_and_matched_in_one_step(users, monitor):
    """The Brest list: someone not in the records yet, their detention, and at once the
    missing man they may be."""
    reported = missing(REPORTED, by=monitor)
    client = signed_in(users[LAWYER])
    assert client.get(reverse("tracing-detention-create")).status_code == 200

    response = new_person_detention(
        client,
        [(DETAINED, "belarus_official"), ("Mukhammad Khusein Aliev", "belarus_official")],
        **{"detention-outcome": "informal_expulsion_to_russian_border"},
    )
    assert response.status_code == 200
    detention = Detention.objects.get()
    detained = detention.person
    assert sorted(v.full_name for v in detained.name_variants.all()) == sorted(
        [DETAINED, "Mukhammad Khusein Aliev"]
    )
    assert (detained.sex, detained.nationality.code, detention.outcome) == (
        "m",
        "IRQ",
        "informal_expulsion_to_russian_border",
    )
    assert response.redirect_chain[-1][0] == reverse(
        "tracing-detention-detail", args=[detention.code]
    )
    assert panel_rows(response.content.decode())[0] == reported.code

    # and it is listed with the other detentions
    listed = client.get(reverse("tracing-detention-list")).content.decode()
    assert reverse("tracing-detention-detail", args=[detention.code]) in listed
    assert detained.code in listed
    assert DETAINED not in listed  # the list names people by code


def test_a_refused_detention_saves_no_person_either(users, monitor):
    client = signed_in(users[TRACING_OFFICER])
    people = Person.objects.count()
    # a detention that ends before it starts: the service refuses it after the person
    # was created inside the same transaction
    bad = new_person_detention(
        client,
        [(DETAINED, "belarus_official")],
        **{"detention-detained_to": "2024-03-01"},
    )
    assert bad.status_code == 400
    assert "cannot end" in bad.content.decode()
    no_name = new_person_detention(client, [])
    assert no_name.status_code == 400
    assert (Person.objects.count(), Detention.objects.count()) == (people, 0)


def test_the_detention_list_and_form_follow_the_roles(users, monitor):
    tracing.detention_record(
        person=person(DETAINED, by=monitor),
        detained_from=dt.date(2024, 3, 5),
        facility="tdf-grodno",
        by=monitor,
    )
    for role in ROLES:
        client = signed_in(users[role])
        listed = client.get(reverse("tracing-detention-list"))
        form = client.get(reverse("tracing-detention-create"))
        nav = client.get(reverse("dashboard")).content.decode()
        may_see = role in (COORDINATOR, TRACING_OFFICER, LAWYER)
        assert listed.status_code == (200 if may_see else 403), role
        assert form.status_code == (200 if may_see else 403), role
        assert (reverse("tracing-detention-list") in nav) == may_see, role


def test_the_queue_preselects_no_verdict_and_gives_each_field_its_own_id(users, monitor):
    """A reason typed and the button pressed must not link two people by default; and
    with one form per pair on the page, each label must point at its own field."""
    reported = missing(REPORTED, by=monitor)
    detained = person(DETAINED, by=monitor)
    tracing.detention_record(
        person=detained, detained_from=dt.date(2024, 3, 5), facility="tdf-grodno", by=monitor
    )
    missing("Abdul Rahman Karimi", by=monitor, birth="1985", nationality="SYR")
    person("Абдурахман Карими", by=monitor, birth="1985", nationality="SYR")
    coordinator = signed_in(users[COORDINATOR])
    html = coordinator.get(reverse("linkage-review")).content.decode()
    assert html.count("Record the decision") >= 2
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids on the review page"
    assert re.search(r'<option value="" selected>—</option>', html)

    blank = coordinator.post(
        reverse("linkage-decide"),
        {"person": reported.code, "other": detained.code, "verdict": "", "reason": "looks alike"},
    )
    assert blank.status_code == 400
    assert not MatchDecision.objects.exists()
