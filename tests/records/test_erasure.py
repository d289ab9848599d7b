"""Erasure (crypto-shredding): after `erase person`, the name and testimony cannot be
read from the database, found by search or proposed by matching, pages show
"erased", and a backup taken before the erasure does not bring them back."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import uuid

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from bordermonitor.accounts.models import AuditEntry
from bordermonitor.accounts.services import api_token_create
from bordermonitor.core.crypto import DataKeyDestroyed, DecryptionError, key_cache, raw_data_key
from bordermonitor.core.dates import FuzzyDate
from bordermonitor.core.erasure_ledger import destroyed_keys, ledger_path
from bordermonitor.core.models import DataKey
from bordermonitor.linkage import selectors as matching
from bordermonitor.linkage.models import BlockingKey, PersonMatchData
from bordermonitor.linkage.services import matching_data_rebuild
from bordermonitor.records import evidence
from bordermonitor.records.erasure import encrypted_fields
from bordermonitor.records.models import Attachment, NameToken, NameVariant, Person, Source
from bordermonitor.records.selectors import PersonFilters, person_list
from bordermonitor.records.services import (
    NameInput,
    act_create,
    event_create,
    person_create,
    source_create,
)
from bordermonitor.tracing import services as tracing
from bordermonitor.tracing.models import MissingPersonReport
from tests.core.backup_helpers import fresh_place, run_bordermonitor, run_in
from tests.records import evidence_samples as samples
from tests.signin import second_factor_for, sign_in

pytestmark = pytest.mark.django_db

NAME = "Zainab Haddad Qureshi"
TESTIMONY = "Zainab told us the guards pushed her back across the wire twice."
SHARED = "Omar and Zainab were both held in the forest camp for three days."
CONTACT = "+964 770 123 4567"


@pytest.fixture(autouse=True)
def own_ledger(settings, tmp_path):
    """The master key copied to a directory of this test, so the erasure ledger beside
    it belongs to this test alone (same key: everything else opens as before)."""
    folder = tmp_path / "keys"
    folder.mkdir()
    copy = folder / "master.key"
    shutil.copy2(settings.KEY_FILE, copy)
    settings.KEY_FILE = copy
    yield copy
    key_cache.clear()


@pytest.fixture
def scene(users, monitor):
    officer = users["tracing_officer"]
    person = person_create(
        names=[NameInput(NAME, "relative"), NameInput("Зайнаб Хаддад", "belarus_official")],
        created_by=monitor,
        sex="f",
        birth=FuzzyDate.day(1996, 4, 2),
        nationality="IRQ",
        notes="her brother lives in Erbil",
    )
    twin = person_create(
        names=[NameInput("Zaynab Haddad Qureshi", "relative")],
        created_by=monitor,
        sex="f",
        birth=FuzzyDate.day(1996, 4, 2),
        nationality="IRQ",
    )
    other = person_create(names=[NameInput("Omar Farouk", "self")], created_by=monitor)
    own = source_create(
        kind="interview",
        received_on=dt.date(2024, 6, 1),
        created_by=monitor,
        testimony=TESTIMONY,
        persons=[person],
    )
    shared = source_create(
        kind="witness",
        received_on=dt.date(2024, 6, 2),
        created_by=monitor,
        testimony=SHARED,
        persons=[person, other],
    )
    attachment = evidence.attachment_create(
        uploaded_by=monitor, file=samples.tiny_jpeg(), name="zainab.jpg", source=own
    )
    report = tracing.missing_report_file(
        person=person,
        received_on=dt.date(2024, 6, 20),
        reporter_relationship="sibling",
        reporter_name="Layla Haddad",
        reporter_phone=CONTACT,
        last_contact=FuzzyDate.day(2024, 6, 10),
        by=officer,
    )
    detention = tracing.detention_record(
        person=person, detained_from=dt.date(2024, 6, 12), by=officer, facility_text="Lesnaya"
    )
    event = event_create(
        date=FuzzyDate.day(2024, 6, 9), created_by=monitor, event_types=["pushback"]
    )
    act_create(event=event, violation_type="pushback", perpetrator="pl-border-guard", victim=person)
    death = tracing.death_record(
        found=FuzzyDate.day(2024, 7, 1),
        confirmation="official_statement",
        description="Zainab's identity card was found with the body",
        by=officer,
    )
    tracing.death_identify(death, person, by=officer)
    return {
        "person": person,
        "twin": twin,
        "other": other,
        "own": own,
        "shared": shared,
        "attachment": attachment,
        "report": report,
        "case": report.case,
        "detention": detention,
        "event": event,
        "death": death,
    }


def _erase(users, code: str) -> str:
    coordinator = users["coordinator"]
    otp = second_factor_for(coordinator).fresh_code()
    out = io.StringIO()
    call_command("erase", "person", code, operator=coordinator.username, otp=otp, stdout=out)
    return out.getvalue()


def readable_texts() -> list[str]:
    """Every sealed value in the database that still opens, opened through the app."""
    texts = []
    for model in apps.get_models():
        names = encrypted_fields(model)
        for obj in model._base_manager.all() if names else []:
            for name in names:
                try:
                    value = getattr(obj, name)
                except DecryptionError:
                    continue
                if value:
                    texts.append(str(value))
    return texts


def sealed_key_ids() -> set[uuid.UUID]:
    """The data key of every sealed value still stored (read from its header)."""
    found = set()
    for model in apps.get_models():
        for name in encrypted_fields(model):
            for blob in model._base_manager.filter(**{f"{name}__isnull": False}).values_list(
                name, flat=True
            ):
                found.add(uuid.UUID(bytes=bytes(blob.blob)[1:17]))
    return found


def test_erase_shreds_the_person_and_what_exists_only_for_them(
    users, scene, django_capture_on_commit_callbacks
):
    person, own, shared = scene["person"], scene["own"], scene["shared"]
    files = [evidence.evidence_path(scene["attachment"].pk, w) for w in ("original", "working")]
    assert all(p.exists() for p in files)
    assert person_list(users["coordinator"], PersonFilters(name="Zainab")).filter(pk=person.pk)
    # candidates come from shared blocking keys (scoring them is the model's business)
    assert person.pk in {p.pk for p in matching.person_candidates(scene["twin"])}
    assert any(person.pk in pair for pair in matching._person_pairs())
    keys = {
        r.data_key_id for r in (person, own, scene["attachment"], scene["report"], scene["case"])
    } | {scene["detention"].data_key_id, scene["death"].data_key_id}

    with django_capture_on_commit_callbacks(execute=True):
        out = _erase(users, person.code)

    assert f"{person.code} erased on" in out and shared.code in out  # kept: names others
    assert NAME not in out and "Zainab" not in out
    # every key is destroyed, in the database and in the ledger beside the master key
    assert (
        set(
            DataKey.objects.filter(pk__in=keys, destroyed_at__isnull=False).values_list(
                "pk", flat=True
            )
        )
        == keys
    )
    assert keys <= set(destroyed_keys()) and ledger_path().parent == own_ledger_dir()
    key_cache.clear()
    with pytest.raises(DataKeyDestroyed):
        raw_data_key(person.data_key_id)
    # nothing sealed with those keys is left; nothing readable holds the name or testimony
    assert not (sealed_key_ids() & keys)
    texts = "\n".join(readable_texts())
    assert "Zainab" not in texts.replace(SHARED, "")  # the shared testimony is kept whole
    assert TESTIMONY not in texts and CONTACT not in texts and "Layla" not in texts
    assert scene["event"].data_key_id not in keys  # the incident stays (a group's story)
    assert SHARED in texts
    assert not NameVariant.objects.filter(person=person).exists()
    assert not NameToken.objects.filter(person=person).exists()
    assert Person.objects.get(pk=person.pk).notes is None
    assert Source.objects.get(pk=own.pk).testimony is None
    assert MissingPersonReport.objects.get(pk=scene["report"].pk).reporter_phone is None
    assert not Attachment.objects.filter(pk=scene["attachment"].pk).exists()
    assert not any(p.exists() for p in files)
    # search and matching no longer find them, even after a full rebuild
    assert not person_list(users["coordinator"], PersonFilters(name="Zainab")).filter(pk=person.pk)
    assert person_list(users["coordinator"], PersonFilters(name="Zaynab")).filter(
        pk=scene["twin"].pk
    )
    matching_data_rebuild()
    assert not PersonMatchData.objects.filter(person=person).exists()
    assert not BlockingKey.objects.filter(person=person).exists()
    assert person.pk not in {p.pk for p in matching.person_candidates(scene["twin"])}
    assert not any(person.pk in pair for pair in matching._person_pairs())
    # the tombstone keeps the counts, and one audit entry says an erasure happened
    assert Person.objects.filter(code=person.code).exists()
    entries = AuditEntry.objects.filter(action="erase")
    assert [(e.kind, e.code) for e in entries] == [("person", person.code)]


def own_ledger_dir():
    from django.conf import settings

    return settings.KEY_FILE.parent


def test_pages_and_api_show_erased_and_never_fail(users, scene, client, tmp_path):
    person = scene["person"]
    _erase(users, person.code)
    coordinator = users["coordinator"]
    sign_in(client, coordinator)
    pages = [
        reverse("person-detail", args=[person.code]),
        reverse("person-timeline", args=[person.code]),
        reverse("person-list"),
        reverse("source-detail", args=[scene["own"].code]),
        reverse("source-detail", args=[scene["shared"].code]),
        reverse("source-list"),
        reverse("person-detail", args=[scene["other"].code]),
        reverse("tracing-case-detail", args=[scene["case"].code]),
        reverse("tracing-case-list"),
        reverse("tracing-detention-detail", args=[scene["detention"].code]),
        reverse("tracing-death-list"),
        reverse("person-detail", args=[scene["twin"].code]),
        reverse("event-detail", args=[scene["event"].code]),
        reverse("event-list"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode().replace(SHARED, "")  # kept whole: names others
        assert "Zainab" not in body and TESTIMONY not in body and CONTACT not in body, url
    # a tombstone is never written to again (its key is gone): edits answer 404, not 500
    for url in (
        reverse("person-edit", args=[person.code]),
        reverse("source-edit", args=[scene["own"].code]),
    ):
        assert client.get(url).status_code == 404, url
    found = client.get(reverse("person-list"), {"name": "Zainab"}).content.decode()
    assert person.code not in found
    assert "erased" in client.get(pages[0]).content.decode()
    assert "erased" in client.get(pages[3]).content.decode()
    assert "erased" in client.get(pages[7]).content.decode()

    _, token = api_token_create(user=coordinator)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    for url in (
        f"/api/v1/persons/{person.code}",
        "/api/v1/persons",
        f"/api/v1/persons/{person.code}/timeline",
        f"/api/v1/sources/{scene['own'].code}",
        "/api/v1/sources",
        f"/api/v1/missing-reports/{scene['report'].code}",
        "/api/v1/missing-reports",
        f"/api/v1/cases/{scene['case'].code}",
        f"/api/v1/detentions/{scene['detention'].code}",
        f"/api/v1/deaths/{scene['death'].code}",
        "/api/v1/deaths",
        f"/api/v1/events/{scene['event'].code}",
    ):
        response = api.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.content.decode().replace(SHARED, "")  # kept whole: names others
        assert "Zainab" not in body and CONTACT not in body and TESTIMONY not in body
    # the exports that leave the organisation run over the tombstones without failing
    for purpose in ("share", "publish"):
        out = tmp_path / f"{purpose}.json"
        call_command(
            "export", "events", purpose=purpose, output=str(out), fmt="json", stdout=io.StringIO()
        )
        assert "Zainab" not in out.read_text(encoding="utf-8")
    patched = api.patch(
        f"/api/v1/persons/{person.code}", {"notes": "new"}, content_type="application/json"
    )
    assert patched.status_code == 404


def test_a_missing_code_or_a_role_without_the_right_changes_nothing(users, scene):
    before = (
        DataKey.objects.filter(destroyed_at__isnull=False).count(),
        AuditEntry.objects.filter(action="erase").count(),
    )
    with pytest.raises(CommandError, match="P-1999-99999: no such person"):
        _erase(users, "P-1999-99999")
    monitor = users["monitor"]
    with pytest.raises(CommandError, match="may not"):
        call_command(
            "erase",
            "person",
            scene["person"].code,
            operator=monitor.username,
            otp=second_factor_for(monitor).fresh_code(),
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="--operator"):
        call_command("erase", "person", scene["person"].code, stdout=io.StringIO())
    after = (
        DataKey.objects.filter(destroyed_at__isnull=False).count(),
        AuditEntry.objects.filter(action="erase").count(),
    )
    assert before == after
    assert NameVariant.objects.filter(person=scene["person"]).exists()
    assert not destroyed_keys()


INSPECT = f"""
from tests.records.test_erasure import readable_texts
from bordermonitor.records.selectors import PersonFilters, person_list
from bordermonitor.records.models import Person
from bordermonitor.accounts.models import User
coordinator = User.objects.get(username="u-coordinator")
found = [p.code for p in person_list(coordinator, PersonFilters(name="Haddad"))]
texts = readable_texts()
result = {{"found": found, "name": any("Zainab" in t and t != {SHARED!r} for t in texts),
          "testimony": any({TESTIMONY!r} in t for t in texts),
          "contact": any({CONTACT!r} in t for t in texts)}}
"""


def test_a_backup_from_before_the_erasure_does_not_bring_the_person_back(
    users, scene, tmp_path, own_ledger
):
    person = scene["person"]
    archive = tmp_path / "before.bmbackup"
    call_command("backup", str(archive), stdout=io.StringIO())
    _erase(users, person.code)

    # restored with the master key and its ledger: the person stays erased
    with fresh_place(tmp_path, key_file=own_ledger) as (data_dir, env):
        done = run_bordermonitor(env, "restore", str(archive))
        assert done.returncode == 0, done.stderr
        assert "erased again" in done.stdout
        seen = run_in(env, INSPECT)
        assert seen["found"] == [scene["twin"].code]
        assert not seen["name"] and not seen["testimony"] and not seen["contact"]
        raw = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
        assert b"Zainab" not in raw and TESTIMONY.encode() not in raw
        ev = data_dir / "evidence"
        assert not any(str(scene["attachment"].pk) in p.name for p in ev.rglob("*"))

    # the same archive with the key alone (ledger lost) would give them back: the
    # ledger is what the design relies on (the limit documented in DESIGN.md)
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy2(own_ledger, bare / "master.key")
    with fresh_place(tmp_path, key_file=bare / "master.key") as (_, env):
        assert run_bordermonitor(env, "restore", str(archive)).returncode == 0
        seen = run_in(env, INSPECT)
        assert person.code in seen["found"] and seen["testimony"]
