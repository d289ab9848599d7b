"""Need-to-know (issue 6): restricted testimonies, missing-person cases (with their
reports and requests) and detentions are seen only by their assigned team and by
coordinators, on every way in: page by code, list, name search, API detail, API list,
evidence download, export (family letter, sharing export), matching candidates.

A restricted record of another team answers the same 404, byte for byte, as a code
that does not exist, on pages, API, exports and evidence downloads.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from bordermonitor.accounts import audit, need_to_know
from bordermonitor.accounts.models import AuditEntry, Team
from bordermonitor.accounts.roles import ANALYST, COORDINATOR, ROLES
from bordermonitor.accounts.services import api_token_create
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.linkage import selectors as linkage_selectors
from bordermonitor.records import evidence, exports, services
from bordermonitor.records.consent import Release, releasable_events, releasable_sources
from bordermonitor.tracing import services as tracing
from tests.records.evidence_samples import tiny_jpeg
from tests.signin import sign_in

HIDDEN_NAMES = ["Zubaida Khalaf-Amiri", "Зубайда Халаф"]
OPEN_NAMES = ["Ferhat Ozdemiroglu"]
MISSING = {
    "person": "P-2099-99999",
    "source": "S-2099-99999",
    "event": "E-2099-99999",
    "case": "C-2099-99999",
    "detention": "DT-2099-99999",
    "missing_report": "MR-2099-99999",
    "intervention": "I-2099-99999",
    "attachment": "A-2099-99999",
}


@pytest.fixture
def world(users) -> dict:
    """Restricted to team "north": a testimony (consenting to sharing) with a photo,
    telling of an event known from it alone, naming a person known only from
    restricted records; that person's case (report, request) and detention.  Beside
    them an open person, an open testimony and an open detention."""
    coordinator = users[COORDINATOR]
    north = Team.objects.create(name="north")
    Team.objects.create(name="south")
    person = services.person_create(
        names=[services.NameInput(n, "relative") for n in HIDDEN_NAMES],
        created_by=coordinator,
        sex="f",
        birth=parse_fuzzy_date("1990"),
        nationality="SYR",
    )
    event = services.event_create(
        date=parse_fuzzy_date("2024-05-02"),
        created_by=coordinator,
        place="kuznica",
        event_types=["pushback"],
        counts=services.GroupCounts(group_size=7, women=2),
    )
    source = services.source_create(
        kind="interview",
        received_on=dt.date(2024, 5, 3),
        created_by=coordinator,
        testimony=f"{HIDDEN_NAMES[0]} told us about the forest.",
        consent=services.Consent(share_un=True, publish_anonymously=True, internal_only=False),
        events=[event],
        persons=[person],
    )
    attachment = evidence.attachment_create(
        uploaded_by=coordinator, file=tiny_jpeg(), name="photo.jpg", source=source
    )
    report = tracing.missing_report_file(
        person=person,
        received_on=dt.date(2024, 5, 4),
        reporter_relationship="sibling",
        by=coordinator,
    )
    request = tracing.relay_to_authority(
        report.case, "icrc", sent_on=dt.date(2024, 5, 5), channel="email", by=coordinator
    )
    detention = tracing.detention_record(
        person=person, detained_from=dt.date(2024, 5, 6), facility="tdf-grodno", by=coordinator
    )
    for record in (source, report.case, detention):
        need_to_know.restriction_set(record, restricted=True, team=north, by=coordinator)

    open_person = services.person_create(
        names=[services.NameInput(n, "relative") for n in OPEN_NAMES],
        created_by=coordinator,
        sex="m",
        nationality="TUR",
    )
    open_source = services.source_create(
        kind="interview",
        received_on=dt.date(2024, 5, 3),
        created_by=coordinator,
        persons=[open_person],
    )
    open_detention = tracing.detention_record(
        person=open_person, detained_from=dt.date(2024, 5, 6), facility="tdf-grodno", by=coordinator
    )
    return {
        "team": north,
        "person": person.code,
        "event": event.code,
        "source": source.code,
        "attachment": attachment.code,
        "case": report.case.code,
        "missing_report": report.code,
        "intervention": request.code,
        "detention": detention.code,
        "open_person": open_person.code,
        "open_source": open_source.code,
        "open_detention": open_detention.code,
    }


# page by code: (url name, record kind, capability of the page)
PAGES = [
    ("person-detail", "person", "persons.view"),
    ("person-timeline", "person", "persons.view"),
    ("event-detail", "event", "events.view"),
    ("source-detail", "source", "sources.view"),
    ("source-edit", "source", "sources.edit"),
    ("evidence-detail", "attachment", "evidence.view"),
    ("evidence-working", "attachment", "evidence.view"),  # evidence download
    ("tracing-case-detail", "case", "tracing.view"),
    ("tracing-case-letter", "case", "tracing.view"),  # export: the family letter
    ("tracing-detention-detail", "detention", "tracing.view"),
]
# API detail: (path pattern, kind, capability)
API_DETAILS = [
    ("/api/v1/persons/{}", "person", "persons.view"),
    ("/api/v1/persons/{}/timeline", "person", "persons.view"),
    ("/api/v1/events/{}", "event", "events.view"),
    ("/api/v1/sources/{}", "source", "sources.view"),
    ("/api/v1/sources/{}/attachments", "source", "evidence.view"),
    ("/api/v1/attachments/{}", "attachment", "evidence.view"),
    ("/api/v1/attachments/{}/content", "attachment", "evidence.view"),  # evidence download
    ("/api/v1/cases/{}", "case", "tracing.view"),
    ("/api/v1/missing-reports/{}", "missing_report", "tracing.view"),
    ("/api/v1/interventions/{}", "intervention", "tracing.view"),
    ("/api/v1/detentions/{}", "detention", "tracing.view"),
]
# API lists: (path, kind listed, capability)
API_LISTS = [
    ("/api/v1/persons?limit=100", "person", "persons.view"),
    ("/api/v1/persons?name=Zubaida", "person", "persons.view"),  # name search
    ("/api/v1/events?limit=100", "event", "events.view"),
    ("/api/v1/sources?limit=100", "source", "sources.view"),
    ("/api/v1/cases?limit=100", "case", "tracing.view"),
    ("/api/v1/missing-reports?limit=100", "missing_report", "tracing.view"),
    ("/api/v1/interventions?limit=100", "intervention", "tracing.view"),
    ("/api/v1/detentions?limit=100", "detention", "tracing.view"),
]
# list pages: (url, kind listed, capability)
LIST_PAGES = [
    ("/persons/", "person", "persons.view"),
    ("/persons/?name=Zubaida", "person", "persons.view"),  # name search
    ("/persons/?name=Зубайда", "person", "persons.view"),
    ("/events/", "event", "events.view"),
    ("/sources/", "source", "sources.view"),
    ("/tracing/cases/", "case", "tracing.view"),
]


def _expected_visible(user, assigned: bool, capability: str) -> bool:
    return user.can(capability) and (user.role == COORDINATOR or assigned)


def _member(world, user, assigned: bool) -> None:
    if assigned:
        world["team"].members.add(user)


@pytest.mark.parametrize("assigned", [True, False], ids=["assigned", "not-assigned"])
@pytest.mark.parametrize("role", ROLES)
def test_pages_by_code_follow_need_to_know(world, users, role, assigned):
    user = users[role]
    _member(world, user, assigned)
    client = Client()
    sign_in(client, user)
    for name, kind, capability in PAGES:
        code = world[kind]
        response = client.get(reverse(name, args=[code]))
        if not user.can(capability):
            assert response.status_code == 403, (name, role)
            continue
        if _expected_visible(user, assigned, capability):
            assert response.status_code == 200, (name, role, assigned)
        else:
            missing = client.get(reverse(name, args=[MISSING[kind]]))
            assert response.status_code == missing.status_code == 404, (name, role)
            assert response.content == missing.content, (name, role)
            assert code.encode() not in response.content


@pytest.mark.parametrize("assigned", [True, False], ids=["assigned", "not-assigned"])
@pytest.mark.parametrize("role", ROLES)
def test_api_detail_and_download_follow_need_to_know(world, users, role, assigned):
    user = users[role]
    _member(world, user, assigned)
    _, secret = api_token_create(user=user)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    for pattern, kind, capability in API_DETAILS:
        response = client.get(pattern.format(world[kind]))
        if not user.can(capability):
            assert response.status_code == 403, (pattern, role)
            continue
        if _expected_visible(user, assigned, capability):
            assert response.status_code == 200, (pattern, role, assigned)
        else:
            missing = client.get(pattern.format(MISSING[kind]))
            assert response.status_code == missing.status_code == 404, (pattern, role)
            assert response.content == missing.content, (pattern, role)


@pytest.mark.parametrize("assigned", [True, False], ids=["assigned", "not-assigned"])
@pytest.mark.parametrize("role", ROLES)
def test_api_lists_and_search_follow_need_to_know(world, users, role, assigned):
    user = users[role]
    _member(world, user, assigned)
    _, secret = api_token_create(user=user)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    for path, kind, capability in API_LISTS:
        response = client.get(path)
        if not user.can(capability):
            assert response.status_code == 403, (path, role)
            continue
        assert response.status_code == 200, (path, response.content[:200])
        body = response.content.decode()
        listed = world[kind] in body
        assert listed == _expected_visible(user, assigned, capability), (path, role, assigned)
    if user.can("persons.view"):  # the open person is found by everyone who may look
        assert world["open_person"] in client.get("/api/v1/persons?limit=100").content.decode()


@pytest.mark.parametrize("assigned", [True, False], ids=["assigned", "not-assigned"])
@pytest.mark.parametrize("role", ROLES)
def test_list_pages_and_name_search_follow_need_to_know(world, users, role, assigned):
    user = users[role]
    _member(world, user, assigned)
    client = Client()
    sign_in(client, user)
    for path, kind, capability in LIST_PAGES:
        response = client.get(path)
        if not user.can(capability):
            assert response.status_code == 403, (path, role)
            continue
        assert response.status_code == 200, path
        body = response.content.decode()
        visible = _expected_visible(user, assigned, capability)
        assert (world[kind] in body) == visible, (path, role, assigned)
        if kind in ("source", "case"):
            assert ("restricted" in body) == visible, (path, "badge")


@pytest.mark.parametrize("assigned", [True, False], ids=["assigned", "not-assigned"])
@pytest.mark.parametrize("role", ROLES)
def test_matching_candidates_follow_need_to_know(world, users, role, assigned):
    """A person with the same names as the hidden one is proposed as a match of it
    only to those who may see the hidden person."""
    from bordermonitor.records.models import Person

    coordinator = users[COORDINATOR]
    twin = services.person_create(
        names=[services.NameInput(n, "relative") for n in HIDDEN_NAMES],
        created_by=coordinator,
        sex="f",
        birth=parse_fuzzy_date("1990"),
        nationality="SYR",
    )
    user = users[role]
    _member(world, user, assigned)
    everyone = linkage_selectors.possible_matches(twin)
    hidden = Person.objects.get(code=world["person"])
    assert any(m.other.pk == hidden.pk for m in everyone), "the twin must be a candidate"
    seen = linkage_selectors.possible_matches(twin, user=user)
    visible = role == COORDINATOR or assigned  # capabilities are checked by the pages
    assert any(m.other.pk == hidden.pk for m in seen) == visible, (role, assigned)
    queue = linkage_selectors.review_queue(threshold=0.0, user=user)
    in_queue = any(hidden.pk in (m.person.pk, m.other.pk) for m in queue)
    assert in_queue == visible, (role, assigned)


def test_a_refused_restricted_record_is_audited_as_refused(world, users):
    outsider = users["monitor"]  # not in the team
    client = Client()
    sign_in(client, outsider)
    assert client.get(reverse("source-detail", args=[world["source"]])).status_code == 404
    entry = AuditEntry.objects.filter(code=world["source"]).order_by("-seq").first()
    assert entry is not None
    assert (entry.action, entry.kind) == (audit.ACCESS_REFUSED, "source")
    assert entry.actor_name == outsider.username


def test_restricted_testimony_never_leaves_through_sharing_but_is_counted_in_publication(
    world,
):
    assert not releasable_sources(Release.SHARE).filter(code=world["source"]).exists()
    assert not releasable_events(Release.SHARE).filter(code=world["event"]).exists()
    shared = [e.code for e in exports.shared_events()]
    assert world["event"] not in shared
    # anonymous publication: counts only, no code, may count it
    assert releasable_events(Release.PUBLISH).filter(code=world["event"]).exists()
    assert exports.published_events().count() >= 1


def test_opening_a_restricted_record_again_makes_it_visible_to_everyone(world, users):
    from bordermonitor.records.models import Source

    outsider = users["lawyer"]
    client = Client()
    sign_in(client, outsider)
    url = reverse("source-detail", args=[world["source"]])
    assert client.get(url).status_code == 404
    coordinator = Client()
    sign_in(coordinator, users[COORDINATOR])
    response = coordinator.post(
        reverse("source-restriction", args=[world["source"]]), {"restricted": ""}
    )
    assert response.status_code == 302
    assert not Source.objects.get(code=world["source"]).restricted
    assert client.get(url).status_code == 200


def test_only_coordinators_may_restrict(world, users):
    member = users["monitor"]
    world["team"].members.add(member)
    client = Client()
    sign_in(client, member)
    url = reverse("source-restriction", args=[world["open_source"]])
    assert client.post(url, {"restricted": "on"}).status_code == 403
    with pytest.raises(Exception, match="restricted.assign"):
        from bordermonitor.records.models import Source

        need_to_know.restriction_set(
            Source.objects.get(code=world["open_source"]),
            restricted=True,
            team=None,
            by=member,
        )


def test_coordinator_restricts_a_detention_from_its_page(world, users):
    coordinator = Client()
    sign_in(coordinator, users[COORDINATOR])
    page = coordinator.get(reverse("tracing-detention-detail", args=[world["open_detention"]]))
    assert b'name="restricted"' in page.content
    response = coordinator.post(
        reverse("tracing-detention-restriction", args=[world["open_detention"]]),
        {"restricted": "on", "team": world["team"].pk},
    )
    assert response.status_code == 302
    lawyer = Client()
    sign_in(lawyer, users["lawyer"])
    url = reverse("tracing-detention-detail", args=[world["open_detention"]])
    assert lawyer.get(url).status_code == 404
    world["team"].members.add(users["lawyer"])
    assert lawyer.get(url).status_code == 200
    assert "restricted" in lawyer.get(url).content.decode()


def test_the_analyst_still_sees_counts_that_include_restricted_records(world, users):
    analyst = users[ANALYST]
    client = Client()
    sign_in(client, analyst)
    _, secret = api_token_create(user=analyst)
    stats = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/stats/tracing")
    assert stats.status_code == 200
    assert stats.json()["missing_reports"]["total"] == 1


def test_restricted_without_a_team_is_for_coordinators_only(world, users):
    from bordermonitor.records.models import Source

    source = Source.objects.get(code=world["open_source"])
    need_to_know.restriction_set(source, restricted=True, team=None, by=users[COORDINATOR])
    world["team"].members.add(users["monitor"])  # a team, but not this record's
    for role, status in (("monitor", 404), ("lawyer", 404), (COORDINATOR, 200)):
        client = Client()
        sign_in(client, users[role])
        response = client.get(reverse("source-detail", args=[source.code]))
        assert response.status_code == status, role
        listed = source.code in client.get("/sources/").content.decode()
        assert listed == (status == 200), role


def test_team_membership_and_restriction_changes_are_audited(world, users):
    changes = AuditEntry.objects.filter(action=audit.PERMISSION_CHANGE)
    before = changes.filter(kind="team").count()
    world["team"].members.add(users["lawyer"])
    users["monitor"].teams.add(world["team"])
    assert changes.filter(kind="team", code=str(world["team"].pk)).count() == before + 2
    for kind in ("source", "tracingcase", "detention"):
        assert changes.filter(kind=kind).exists(), kind


def test_a_person_in_open_and_restricted_records_shows_only_the_open_ones(world, users):
    """The open person is also named in the restricted testimony: outsiders still see
    the person, and not the testimony in the person's page or timeline."""
    from bordermonitor.records.models import Person, Source

    open_person = Person.objects.get(code=world["open_person"])
    Source.objects.get(code=world["source"]).persons.add(open_person)
    world["team"].members.add(users["lawyer"])
    for role, sees in (("monitor", False), ("lawyer", True), (COORDINATOR, True)):
        client = Client()
        sign_in(client, users[role])
        for name in ("person-detail", "person-timeline"):
            response = client.get(reverse(name, args=[open_person.code]))
            assert response.status_code == 200, (role, name)
            body = response.content.decode()
            assert world["open_source"] in body, (role, name)
            assert (world["source"] in body) == sees, (role, name)
        _, secret = api_token_create(user=users[role])
        api = Client(headers={"Authorization": f"Bearer {secret}"})
        timeline = api.get(f"/api/v1/persons/{open_person.code}/timeline").content.decode()
        assert (world["source"] in timeline) == sees, role


def test_the_api_shows_the_restriction_to_those_who_may_see_the_record(world, users):
    world["team"].members.add(users["lawyer"])
    _, secret = api_token_create(user=users["lawyer"])
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    for path in ("sources", "cases", "detentions"):
        kind = path.rstrip("s") if path != "cases" else "case"
        body = api.get(f"/api/v1/{path}/{world[kind]}").json()
        assert (body["restricted"], body["team"]) == (True, "north"), path
    assert api.get(f"/api/v1/sources/{world['open_source']}").json()["restricted"] is False


def test_an_event_page_shows_a_restricted_sources_version_only_to_its_team(world, users):
    """The restricted testimony's event, also told by an open source, is visible to all;
    the restricted source stays off its page for outsiders."""
    from bordermonitor.records.models import Event, Source

    event = Event.objects.get(code=world["event"])
    Source.objects.get(code=world["open_source"]).events.add(event)
    world["team"].members.add(users["lawyer"])
    for role, sees in (("monitor", False), ("lawyer", True)):
        client = Client()
        sign_in(client, users[role])
        response = client.get(reverse("event-detail", args=[event.code]))
        assert response.status_code == 200, role
        assert (world["source"] in response.content.decode()) == sees, role
