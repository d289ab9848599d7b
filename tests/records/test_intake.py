"""Testimony intake: one interview → a source, its people, its events in order (a story),
their acts and confiscated items; several sources on one incident; translations; drafts.

Services first (the rules), then the three screens through Django's test client
(without JavaScript: every button is a plain form submit).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from bordermonitor.core.crypto import DataKeyDestroyed
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.core.models import CodeSequence, DataKey
from bordermonitor.records import services
from bordermonitor.records.matching_events import candidate_events, similar_group_size
from bordermonitor.records.models import (
    Act,
    ConfiscatedItem,
    Draft,
    Event,
    NameVariant,
    Person,
    Source,
    SourceEvent,
)
from bordermonitor.records.models import TestimonyTranslation as Translation
from bordermonitor.records.stories import story_of
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

NAME = "Abdelrahman Yousif"
TESTIMONY_AR = "دفعنا حرس الحدود البولندي إلى بيلاروسيا ثلاث مرات"
ACCOUNT = "We were twelve; the guards pushed us back through the fence at night."


def story_payload(username: str) -> dict:
    """A Sudanese man pushed back from Poland, bitten by a dog, phone taken, and finally
    driven by Belarusian guards to the Russian border: 4 events, 5 acts."""
    return {
        "source": {
            "kind": "interview",
            "received_on": "2024-10-20",
            "interviewer": username,
            "language": "ar",
            "interpreter_used": "on",
            "reliability": "high",
            "internal_only": "",
            "consent_quote": "",
            "consent_share_un": "on",
            "consent_publish_anonymously": "on",
            "testimony": TESTIMONY_AR,
        },
        "persons": [
            {
                "ref": "p1",
                "names": [{"full_name": NAME, "written_by": "self"}],
                "sex": "m",
                "nationality": "SDN",
                "birth": "",
                "estimated_age": "27",
                "vulnerabilities": ["survivor_of_violence"],
            },
            {"ref": "p2"},  # a block left empty: ignored
        ],
        "events": [
            {
                "date": "2024-10-01",
                "place": "kuznica",
                "event_types": ["pushback"],
                "group_size": "12",
                "women_count": "3",
                "children_count": "2",
                "account": ACCOUNT,
                "acts": [
                    {
                        "violation_type": "pushback",
                        "perpetrator": "pl-border-guard",
                        "victim": "group",
                    }
                ],
            },
            {
                "date": "2024-10-02..2024-10-05",
                "place": "bruzgi",
                "event_types": ["stranded-in-zone"],
                "acts": [{}],  # an act block left empty: ignored
            },
            {
                "date": "2024-10-06",
                "place": "kuznica",
                "side": "PL",
                "event_types": ["pushback", "violence"],
                "acts": [
                    {
                        "violation_type": "pushback",
                        "perpetrator": "pl-border-guard",
                        "victim": "p1",
                    },
                    {
                        "violation_type": "dog-attack",
                        "perpetrator": "pl-border-guard",
                        "victim": "p1",
                    },
                    {
                        "violation_type": "phone-confiscation",
                        "perpetrator": "pl-border-guard",
                        "victim": "p1",
                        "items": [
                            {"item": "phone", "fate": "kept", "quantity": "1"},
                            {"item": "", "fate": "unknown", "quantity": "1"},
                        ],
                        "left_without_identity_document": "suggest",
                    },
                ],
            },
            {
                "date": "~2024-10",
                "place": "lyozna",
                "event_types": ["expulsion-to-russia"],
                "acts": [
                    {
                        "violation_type": "expulsion-to-russia",
                        "perpetrator": "by-sbc",
                        "victim": "p1",
                    }
                ],
            },
        ],
        "chain": True,
    }


def _counts() -> tuple:
    return (
        Source.objects.count(),
        Event.objects.count(),
        Act.objects.count(),
        Person.objects.count(),
        NameVariant.objects.count(),
        SourceEvent.objects.count(),
        ConfiscatedItem.objects.count(),
        DataKey.objects.count(),
        list(CodeSequence.objects.order_by("prefix", "year").values_list("prefix", "last")),
    )


# -- the whole testimony at once -------------------------------------------------------


def test_a_testimony_is_recorded_in_one_go_and_its_events_chained_in_order(monitor):
    source = services.testimony_record(recorded_by=monitor, payload=story_payload(monitor.username))

    assert source.kind == "interview" and source.language == "ar" and source.interpreter_used
    assert source.interviewer == monitor and source.reliability == "high"
    assert (source.internal_only, source.consent_quote) == (False, False)
    assert source.consent_share_un and source.consent_publish_anonymously
    assert Source.objects.get().testimony == TESTIMONY_AR

    events = list(source.events.order_by("date_earliest"))
    assert len(events) == 4
    first = next(e for e in events if e.previous_event_id is None)
    story = story_of(first)
    assert [e.place.code for e in story] == ["kuznica", "bruzgi", "kuznica", "lyozna"]
    assert story_of(story[2]) == story  # from any event, the same story
    assert [e.side for e in story] == ["PL", "BY", "PL", "BY"]
    assert str(story[3].date) == "about October 2024"

    person = Person.objects.get()
    assert person.primary_name == NAME and person.nationality.code == "SDN"
    assert list(source.persons.all()) == [person]
    assert Act.objects.count() == 5
    assert Act.objects.filter(victim=person).count() == 4
    group = Act.objects.get(victim__isnull=True)
    # the group typed once on the event serves as the act's victim group
    assert (group.victim_group_count, group.victim_group_women, group.victim_group_children) == (
        12,
        3,
        2,
    )
    phone = Act.objects.get(violation_type__code="phone-confiscation")
    assert [(i.item, i.fate, i.quantity) for i in phone.items.all()] == [("phone", "kept", 1)]
    assert phone.left_without_identity_document is None  # a phone is not an identity document
    link = SourceEvent.objects.get(event=story[0])
    assert link.account == ACCOUNT
    assert story[0].description == ACCOUNT


def test_the_same_incident_from_two_sources_counts_its_group_once(monitor):
    first = services.testimony_record(recorded_by=monitor, payload=story_payload(monitor.username))
    incident = first.events.get(place__code="kuznica", date_earliest=dt.date(2024, 10, 1))
    witness = {
        "source": {"kind": "witness", "received_on": "2024-10-22", "internal_only": "on"},
        "events": [{"existing": incident.code, "account": "I saw about ten people pushed back."}],
    }
    second = services.testimony_record(recorded_by=monitor, payload=witness)

    assert Event.objects.count() == 4  # no new event
    assert set(incident.sources.all()) == {first, second}
    assert Event.objects.aggregate(n=Sum("group_size"))["n"] == 12
    assert Act.objects.filter(event=incident).aggregate(n=Sum("victim_group_count"))["n"] == 12
    accounts = {
        link.source.code: link.account for link in SourceEvent.objects.filter(event=incident)
    }
    assert accounts == {first.code: ACCOUNT, second.code: "I saw about ten people pushed back."}


def test_a_refused_testimony_stores_nothing_and_says_what_is_wrong(monitor):
    payload = story_payload(monitor.username)
    payload["events"][0]["date"] = "2024-10-05..2024-10-01"
    payload["events"][2]["acts"][1]["violation_type"] = ""
    before = _counts()

    with pytest.raises(ValidationError) as exc:
        services.testimony_record(recorded_by=monitor, payload=payload)

    errors = exc.value.message_dict
    assert errors["events[0].date"] == [
        "the event ends before it starts (“2024-10-05..2024-10-01”): write the earlier date first"
    ]
    assert errors["events[2].acts[1].violation_type"] == [
        "choose the violation type: what was done to the victim"
    ]
    assert _counts() == before


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (
            lambda p: p["source"].update(internal_only="on", consent_quote="on"),
            "source.internal_only",
            "an internal-only source cannot also be quoted",
        ),
        (
            lambda p: p["source"].update(received_on="03/10/2024"),
            "source.received_on",
            "2024-10-03",
        ),
        (
            lambda p: p["events"][0]["acts"][0].update(victim="p2"),
            "events[0].acts[0].victim",
            "neither a name nor a code",
        ),
        (
            lambda p: p["events"][0]["acts"][0].update(
                group_count="2", group_women="3", group_children="2"
            ),
            "events[0].acts[0].group_count",
            "the group has 2 people but women, men and children add up to 5",
        ),
        (
            lambda p: p["events"][0]["acts"][0].update(items=[{"item": "passport"}]),
            "events[0].acts[0].items",
            "only for a confiscation",
        ),
        (
            lambda p: p["events"][2].update(date="2024-09-01"),
            "events[2].date",
            "put the events in the order they happened",
        ),
        (lambda p: p.update(events=[]), "events", "at least one event"),
        (
            lambda p: p["persons"][0].update(names=[{"full_name": " ", "written_by": "self"}]),
            "persons[0].names",
            "write the name",
        ),
        (
            lambda p: p["events"][1].update(group_size="many"),
            "events[1].group_size",
            "is not a whole number",
        ),
    ],
)
def test_each_refusal_is_keyed_to_its_field(monitor, change, key, message):
    payload = story_payload(monitor.username)
    change(payload)
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.testimony_record(recorded_by=monitor, payload=payload)
    assert key in exc.value.message_dict, exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[key])
    assert _counts() == before


def test_consent_and_identity_document_suggestion_are_stored(monitor):
    payload = story_payload(monitor.username)
    payload["events"][2]["acts"].append(
        {
            "violation_type": "document-destruction",
            "perpetrator": "pl-border-guard",
            "victim": "p1",
            "items": [{"item": "passport", "fate": "destroyed", "quantity": "1"}],
        }
    )
    services.testimony_record(recorded_by=monitor, payload=payload)
    act = Act.objects.get(violation_type__code="document-destruction")
    assert act.left_without_identity_document is True
    assert [str(i) for i in act.items.all()] == ["passport (destroyed)"]
    source = Source.objects.get()
    assert (source.consent_share_un, source.consent_publish_anonymously) == (True, True)


# -- chains ------------------------------------------------------------------------------


def _event(monitor, date: str, **kw) -> Event:
    return services.event_create(date=parse_fuzzy_date(date), created_by=monitor, **kw)


def test_a_chain_is_set_in_order_and_can_be_reordered(monitor):
    a, b, c = (_event(monitor, d) for d in ("2024-03", "2024-03", "2024-04"))
    services.event_chain_set(events=[a, b, c])
    assert story_of(c) == [a, b, c]
    services.event_chain_set(events=[b, a, c])
    assert story_of(a) == [b, a, c]
    assert Event.objects.get(pk=b.pk).previous_event is None


def test_a_chain_refuses_repeats_loops_and_cutting_another_story(monitor):
    a, b, c, d = (_event(monitor, "2024-05") for _ in range(4))
    with pytest.raises(ValidationError, match="appears twice"):
        services.event_chain_set(events=[a, b, a])
    with pytest.raises(ValidationError, match="at least two events"):
        services.event_chain_set(events=[a])
    services.event_chain_set(events=[a, b, c])  # a → b → c
    with pytest.raises(ValidationError, match=f"{b.code} already follows {a.code}"):
        services.event_chain_set(events=[d, b])
    with pytest.raises(ValidationError, match=f"{a.code} is already followed by {b.code}"):
        services.event_chain_set(events=[a, d])
    with pytest.raises(ValidationError, match=f"loop back on itself through {a.code}"):
        services.event_chain_set(events=[c, a])  # c → a, while a → b → c
    services.event_chain_set(events=[c, d])  # the story goes on after its end
    assert story_of(b) == [a, b, c, d]


def test_links_among_the_listed_events_are_replaced(monitor):
    a, b, c = (_event(monitor, "2024-05") for _ in range(3))
    services.event_chain_set(events=[a, b])  # a → b
    services.event_chain_set(events=[b, c, a])  # re-ordered: b → c → a
    assert story_of(a) == [b, c, a]


def test_a_chain_refuses_events_out_of_date_order(monitor):
    early, late = _event(monitor, "2024-01-10"), _event(monitor, "2024-02-10")
    with pytest.raises(ValidationError, match="in the order they happened"):
        services.event_chain_set(events=[late, early])
    assert Event.objects.filter(previous_event__isnull=False).count() == 0


# -- items, links, translations ----------------------------------------------------------


def test_items_suggest_whether_the_person_is_left_without_identity_documents(monitor):
    event = _event(monitor, "2024-06")
    act = services.act_create(
        event=event,
        violation_type="document-confiscation",
        perpetrator="by-sbc",
        victim_group_count=3,
    )
    services.act_items_set(act=act, items=[services.ItemInput("passport", "kept", 3)])
    assert Act.objects.get(pk=act.pk).left_without_identity_document is True
    services.act_items_set(act=act, items=[services.ItemInput("passport", "returned", 3)])
    assert Act.objects.get(pk=act.pk).left_without_identity_document is False
    services.act_items_set(
        act=act, items=[services.ItemInput("money", "kept")], left_without_identity_document=True
    )
    act.refresh_from_db()
    assert act.left_without_identity_document is True
    assert [i.item for i in act.items.all()] == ["money"]

    beating = services.act_create(
        event=event, violation_type="beating", perpetrator="by-sbc", victim_group_count=1
    )
    with pytest.raises(ValidationError) as exc:
        services.act_items_set(act=beating, items=[services.ItemInput("phone", "kept")])
    assert "only for a confiscation" in exc.value.message_dict["items"][0]
    with pytest.raises(ValidationError) as exc:
        services.act_items_set(act=act, items=[services.ItemInput("car", "lost", 0)])
    assert set(exc.value.message_dict) == {"items[0].item", "items[0].fate", "items[0].quantity"}
    assert [i.item for i in act.items.all()] == ["money"]  # refused: unchanged


def test_a_source_links_an_event_with_its_own_account(monitor):
    event = _event(monitor, "2024-06")
    source = services.source_create(
        kind="witness", received_on=dt.date(2024, 7, 1), created_by=monitor
    )
    services.source_event_link(source=source, event=event, account="first version")
    services.source_event_link(source=source, event=event, account="corrected version")
    assert SourceEvent.objects.get().account == "corrected version"
    assert list(event.sources.all()) == [source]


def test_translations_keep_the_original_and_name_the_translator(monitor):
    source = services.source_create(
        kind="interview",
        received_on=dt.date(2024, 7, 1),
        created_by=monitor,
        language="ar",
        testimony=TESTIMONY_AR,
    )
    mine = services.translation_create(
        source=source, language="en", text="The Polish guards pushed us back.", translator=monitor
    )
    theirs = services.translation_create(
        source=source, language="pl", text="Straż graniczna…", translator_name="Volunteer K."
    )
    assert (mine.translator, mine.translator_name) == (monitor, "")
    assert (theirs.translator, theirs.translator_name) == (None, "Volunteer K.")
    assert Source.objects.get().testimony == TESTIMONY_AR
    assert [t.language for t in source.translations.all()] == ["en", "pl"]
    with pytest.raises(ValidationError) as exc:
        services.translation_create(source=source, language="xx", text=" ")
    assert set(exc.value.message_dict) == {"language", "text", "translator_name"}
    assert Translation.objects.count() == 2


# -- drafts --------------------------------------------------------------------------------


def _raw(table: str, column: str, pk) -> bytes:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {column} FROM {table} WHERE id = %s",
            [pk.hex if connection.vendor == "sqlite" else pk],
        )  # noqa: S608
        return bytes(cur.fetchone()[0])


def test_drafts_are_sealed_at_rest_and_only_their_owner_may_touch_them(users, monitor):
    payload = story_payload(monitor.username)
    draft = services.draft_save(owner=monitor, payload=payload, step=2)
    assert Draft.objects.get(pk=draft.pk).payload == payload
    raw = _raw("records_draft", "payload", draft.pk)
    for secret in (NAME, TESTIMONY_AR, ACCOUNT, "Abdelrahman"):
        assert secret.encode() not in raw
        assert json.dumps(secret).encode() not in raw  # nor JSON-escaped
    assert b"kuznica" not in raw  # the whole payload is sealed, not only the free text

    other = users["coordinator"]
    with pytest.raises(ValidationError, match="belongs to someone else"):
        services.draft_save(owner=other, payload={}, draft=draft)
    with pytest.raises(ValidationError, match="belongs to someone else"):
        services.draft_discard(draft=draft, by=other)
    with pytest.raises(ValidationError, match="someone else"):
        services.testimony_record(recorded_by=other, draft=draft)
    with pytest.raises(ValidationError):
        services.draft_save(owner=monitor, payload=[], step=4, draft=draft)


def test_saving_a_draft_completes_it_and_destroys_its_copy(monitor):
    draft = services.draft_save(owner=monitor, payload=story_payload(monitor.username))
    source = services.testimony_record(recorded_by=monitor, draft=draft)
    draft.refresh_from_db()
    assert draft.completed_at is not None and draft.payload is None
    assert DataKey.objects.get(pk=draft.data_key_id).destroyed_at is not None
    assert source.events.count() == 4
    with pytest.raises(ValidationError, match="already saved"):
        services.testimony_record(recorded_by=monitor, draft=draft)


def test_a_refused_draft_stays_a_draft(monitor):
    payload = story_payload(monitor.username)
    payload["events"][0]["acts"][0]["violation_type"] = ""
    draft = services.draft_save(owner=monitor, payload=payload)
    with pytest.raises(ValidationError):
        services.testimony_record(recorded_by=monitor, draft=draft)
    draft = Draft.objects.get(pk=draft.pk)
    assert draft.completed_at is None and draft.payload == payload


def test_discarding_a_draft_destroys_it_for_good(monitor):
    draft = services.draft_save(owner=monitor, payload={"source": {"testimony": TESTIMONY_AR}})
    key_id, blob = draft.data_key_id, _raw("records_draft", "payload", draft.pk)
    services.draft_discard(draft=draft, by=monitor)
    assert not Draft.objects.filter(pk=draft.pk).exists()
    assert DataKey.objects.get(pk=key_id).destroyed_at is not None
    # a backup holding the sealed payload can no longer open it
    from bordermonitor.core.crypto import associated_data, key_cache, open_sealed

    key_cache.clear()
    with pytest.raises(DataKeyDestroyed):
        open_sealed(blob, aad=associated_data("records_draft", draft.pk, "payload"), where="t")


# -- matching --------------------------------------------------------------------------------


def test_candidate_events_share_the_date_and_the_place_or_the_group(monitor, users):
    same = _event(monitor, "2024-10-01", place="kuznica", counts=services.GroupCounts(12))
    section = _event(monitor, "2024-10-02", place="bruzgi", counts=services.GroupCounts(40))
    group_only = _event(monitor, "2024-10-01", place="terespol", counts=services.GroupCounts(11))
    _event(monitor, "2024-09-30", place="terespol", counts=services.GroupCounts(40))  # no match
    _event(monitor, "2024-08-01", place="kuznica", counts=services.GroupCounts(12))  # too early
    found = candidate_events(
        monitor, date=parse_fuzzy_date("2024-10-01"), place="kuznica", group_size=12
    )
    assert [c.event for c in found] == [same, group_only, section]
    assert found[0].reasons == ("date overlaps", "same place", "group of 12")
    assert candidate_events(monitor, date=None, place="kuznica") == []
    assert similar_group_size(10, 12) and not similar_group_size(10, 40)
    from bordermonitor.records.selectors import AccessDenied

    with pytest.raises(AccessDenied):
        candidate_events(users["analyst"], date=parse_fuzzy_date("2024-10-01"))


# -- the screens, without JavaScript ---------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _draft_code(response) -> str:
    return re.search(r"draft=(D-\d{4}-\d{5})", response["Location"])[1]


def _flat(prefix: str, data: dict) -> dict:
    return {f"{prefix}-{k}": v for k, v in data.items()}


def test_the_three_screens_work_without_javascript(monitor):
    client = _client(monitor)
    assert client.get(reverse("intake-drafts")).status_code == 200
    response = client.post(reverse("intake-new"))
    assert response.status_code == 302
    code = _draft_code(response)
    screen1 = client.get(reverse("intake-source") + f"?draft={code}")
    assert screen1.status_code == 200
    assert (
        b"autofocus" in screen1.content
        and b'hx-trigger="change, keyup delay:2s"' in screen1.content
    )

    source = {
        "kind": "interview",
        "received_on": "2024-10-20",
        "interviewer": monitor.username,
        "language": "ar",
        "reliability": "high",
        "testimony": TESTIMONY_AR,
    }
    # a future date: refused on screen 1, next to the field, and nothing but the draft kept
    response = client.post(
        reverse("intake-source"),
        {"draft": code, "action": "next", **_flat("s", {**source, "received_on": "2099-01-01"})},
    )
    assert response.status_code == 400
    assert "2099-01-01 is in the future" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    response = client.post(
        reverse("intake-source"), {"draft": code, "action": "next", **_flat("s", source)}
    )
    assert response.status_code == 302 and reverse("intake-events") in response["Location"]

    # screen 2: add an event with the button (no JS), then fill both events
    screen2 = client.get(reverse("intake-events") + f"?draft={code}")
    assert screen2.status_code == 200
    base = {
        "draft": code,
        "chain": "on",
        "p0-ref": "p1",
        "p0-name": NAME,
        "p0-written_by": "self",
        "p0-sex": "m",
        "p0-nationality": "SDN",
        "e0-block": "1",
        "e0-date": "2024-10-01",
        "e0-place": "kuznica",
        "e0-group_size": "12",
        "e0-a0-block": "1",
        "e0-a0-violation_type": "pushback",
        "e0-a0-perpetrator": "pl-border-guard",
        "e0-a0-victim": "group",
    }
    response = client.post(reverse("intake-events"), {**base, "action": "add-event"})
    assert response.status_code == 302 and "focus=e1-date" in response["Location"]
    screen2 = client.get(response["Location"]).content.decode()
    assert 'name="e1-date"' in screen2 and NAME in screen2
    filled = {
        **base,
        "e1-block": "1",
        "e1-date": "2024-10-06",
        "e1-place": "kuznica",
        "e1-a0-block": "1",
        "e1-a0-violation_type": "phone-confiscation",
        "e1-a0-perpetrator": "pl-border-guard",
        "e1-a0-victim": "p1",
        "e1-a0-i0-item": "phone",
        "e1-a0-i0-fate": "kept",
        "e1-a0-i0-quantity": "1",
    }
    response = client.post(reverse("intake-events"), {**filled, "action": "next"})
    assert response.status_code == 302 and reverse("intake-review") in response["Location"]
    review = client.get(response["Location"]).content.decode()
    assert "phone" in review and "Save the testimony" in review and NAME in review

    response = client.post(reverse("intake-review"), {"draft": code, "action": "save"})
    assert response.status_code == 302
    source_obj = Source.objects.get()
    assert response["Location"] == reverse("source-detail", kwargs={"code": source_obj.code})
    assert source_obj.events.count() == 2 and Act.objects.count() == 2
    assert ConfiscatedItem.objects.get().item == "phone"
    later = Event.objects.get(date_earliest=dt.date(2024, 10, 6))
    assert later.previous_event.date_earliest == dt.date(2024, 10, 1)
    # the draft is done: it is no longer offered for resuming
    client.get(response["Location"])  # the message "Saved S-…" is shown there
    assert "Nothing in progress." in client.get(reverse("intake-drafts")).content.decode()


def test_a_refused_save_shows_the_error_on_the_right_screen_and_stores_nothing(monitor):
    client = _client(monitor)
    payload = story_payload(monitor.username)
    payload["events"][2]["acts"][1]["violation_type"] = ""
    draft = services.draft_save(owner=monitor, payload=payload, step=3)
    before = _counts()
    response = client.post(reverse("intake-review"), {"draft": draft.code, "action": "save"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not saved" in html and "2 of 3" in html  # screen 2, where the act is
    assert 'id="id_e2-a1-violation_type_error"' in html
    assert "choose the violation type" in html
    assert _counts() == before


def test_autosave_keeps_the_screen_in_the_draft(monitor):
    client = _client(monitor)
    response = client.post(
        reverse("intake-autosave"),
        {"step": "1", **_flat("s", {"kind": "witness", "testimony": TESTIMONY_AR})},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    draft = Draft.objects.get(owner=monitor)
    assert draft.payload["source"]["testimony"] == TESTIMONY_AR
    assert draft.code in response["HX-Replace-Url"]
    assert json.loads(response["HX-Trigger"])["bm-draft-saved"]["draft"] == draft.code
    assert TESTIMONY_AR not in response.content.decode()  # nothing typed is echoed back
    client.post(
        reverse("intake-autosave"),
        {"draft": draft.code, "step": "1", **_flat("s", {"kind": "witness", "testimony": "x"})},
    )
    assert Draft.objects.get().payload["source"]["testimony"] == "x"


def test_drafts_are_private_to_their_owner(users, monitor):
    draft = services.draft_save(owner=monitor, payload={"source": {"testimony": TESTIMONY_AR}})
    other = _client(users["coordinator"])
    for name in ("intake-source", "intake-events", "intake-review"):
        assert other.get(reverse(name) + f"?draft={draft.code}").status_code == 404
    assert (
        other.post(reverse("intake-autosave"), {"draft": draft.code, "step": "1"}).status_code
        == 404
    )
    assert draft.code not in other.get(reverse("intake-drafts")).content.decode()
    assert (
        other.post(reverse("intake-discard"), {"draft": draft.code, "confirm": "1"}).status_code
        == 404
    )
    assert Draft.objects.filter(pk=draft.pk).exists()
    analyst = _client(users["analyst"])
    assert analyst.get(reverse("intake-drafts")).status_code == 403


def test_discarding_asks_first(monitor):
    client = _client(monitor)
    draft = services.draft_save(owner=monitor, payload={"source": {"testimony": TESTIMONY_AR}})
    response = client.post(reverse("intake-discard"), {"draft": draft.code})
    assert response.status_code == 200 and b"Discard draft" in response.content
    assert Draft.objects.filter(pk=draft.pk).exists()
    response = client.post(reverse("intake-discard"), {"draft": draft.code, "confirm": "1"})
    assert response.status_code == 302
    assert not Draft.objects.filter(pk=draft.pk).exists()


def test_matching_events_are_offered_and_used_on_screen_2(monitor):
    client = _client(monitor)
    incident = _event(monitor, "2024-10-01", place="kuznica", counts=services.GroupCounts(12))
    payload = copy.deepcopy(story_payload(monitor.username))
    draft = services.draft_save(owner=monitor, payload=payload, step=2)
    page = client.get(reverse("intake-events") + f"?draft={draft.code}&match=0").content.decode()
    assert f'value="use:0:{incident.code}"' in page
    fields = {"draft": draft.code, "e0-block": "1", "e0-date": "2024-10-01", "e0-place": "kuznica"}
    response = client.post(reverse("intake-events"), {**fields, "action": f"use:0:{incident.code}"})
    assert response.status_code == 302
    assert Draft.objects.get().payload["events"][0]["existing"] == incident.code


def test_the_event_page_shows_the_story_and_each_source_version(monitor):
    client = _client(monitor)
    source = services.testimony_record(recorded_by=monitor, payload=story_payload(monitor.username))
    story = story_of(source.events.first())
    html = client.get(reverse("event-detail", kwargs={"code": story[1].code})).content.decode()
    line = re.search(r"Story:(.*?)</p>", html, re.S)[1]
    assert re.findall(r">(E-\d{4}-\d{5})<", line) == [e.code for e in story]
    assert "(6 October 2024, Kuźnica, Poland)" in line
    html = client.get(reverse("event-detail", kwargs={"code": story[0].code})).content.decode()
    assert ACCOUNT in html and source.code in html
    page = client.get(reverse("event-story", kwargs={"code": story[0].code}))
    assert page.status_code == 200
    assert re.findall(r'id="story-(E-\d{4}-\d{5})"', page.content.decode()) == [
        e.code for e in story
    ]
    phone = client.get(reverse("event-detail", kwargs={"code": story[2].code})).content.decode()
    assert "phone" in phone and "kept by the perpetrator" in phone


def test_a_translation_is_added_on_the_source_page(monitor):
    client = _client(monitor)
    source = services.source_create(
        kind="interview",
        received_on=dt.date(2024, 7, 1),
        created_by=monitor,
        language="ar",
        testimony=TESTIMONY_AR,
    )
    url = reverse("source-translation-create", kwargs={"code": source.code})
    response = client.post(url, {"language": "en", "text": "", "translator_name": ""})
    assert response.status_code == 400 and "the translation is empty" in response.content.decode()
    response = client.post(
        url, {"language": "en", "text": "We were pushed back.", "translator_name": ""}
    )
    assert response.status_code == 302
    html = client.get(reverse("source-detail", kwargs={"code": source.code})).content.decode()
    assert "We were pushed back." in html and monitor.username in html
    assert re.search(r'dir="auto"[^>]*>\s*' + re.escape(TESTIMONY_AR), html)
    assert Translation.objects.get().translator == monitor
