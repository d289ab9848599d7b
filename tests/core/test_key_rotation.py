"""`bordermonitor keys rotate` (issue 6, Keys): every data key re-wrapped under a new
master key, resumable, with no record unreadable at any point.

Real database, real key files (a private copy of the run's key file per test), real
command with an admin's fresh second factor.  On SQLite the database file is
re-keyed too; each test re-keys it back to the run's key afterwards.
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import stat
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from bordermonitor.accounts import audit
from bordermonitor.accounts.models import AuditEntry
from bordermonitor.core import keys
from bordermonitor.core.crypto import key_cache
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.core.models import DataKey
from bordermonitor.core.sqlcipher.base import KEY_PURPOSE as FILE_KEY_PURPOSE
from bordermonitor.linkage import selectors as matching
from bordermonitor.linkage import services as matching_services
from bordermonitor.linkage.models import BlockingKey
from bordermonitor.linkage.services import BLOCKING_KEY_PURPOSE
from bordermonitor.records.models import Person, Source
from bordermonitor.records.selectors import PersonFilters, person_list
from bordermonitor.records.services import NameInput, person_create, source_create
from bordermonitor.tracing import services as tracing
from tests.signin import second_factor_for

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [
    ("Zahra Ahmadi Rezaei", "Нас вытолкнули обратно через реку у Кузницы"),
    ("Yonas Tesfaye Gebremedhin", "They took our phones and beat us near the fence"),
    ("Amina Yusuf Warsame", "Мы ждали три дня в лесу без воды"),
]
REPORTED = "Mohammed Hussein Ali"
DETAINED = "Мухаммад Хусейн Алиев"


@pytest.fixture
def key_file(tmp_path):
    """A private copy of the run's key file, in force for this test; afterwards the
    SQLite test database file is re-keyed back to the run's key."""
    original = keys.read_key_file(settings.KEY_FILE)
    copy = tmp_path / "master.key"
    shutil.copy(settings.KEY_FILE, copy)
    copy.chmod(0o600)
    with override_settings(KEY_FILE=copy):
        yield copy
        if connection.vendor == "sqlite" and not connection.is_in_memory_db():
            from bordermonitor.core.sqlcipher.base import rekey

            connection.ensure_connection()
            if connection.key_file.fingerprint != original.fingerprint:
                rekey(connection.connection, original.derive(FILE_KEY_PURPOSE))
                connection.key_file = original
    key_cache.clear()


def _records(monitor) -> list[tuple[Person, str, str]]:
    made = []
    for name, testimony in PEOPLE:
        person = person_create(names=[NameInput(name, "relative")], created_by=monitor)
        source_create(
            kind="interview",
            received_on=dt.date(2024, 5, 2),
            created_by=monitor,
            testimony=testimony,
            persons=[person],
        )
        made.append((person, name, testimony))
    return made


def _known_pair(monitor) -> tuple[Person, Person]:
    reported = person_create(
        names=[NameInput(REPORTED, "relative")],
        created_by=monitor,
        sex="m",
        birth=parse_fuzzy_date("1999"),
        nationality="IRQ",
    )
    tracing.missing_report_file(
        person=reported,
        received_on=dt.date(2024, 6, 1),
        reporter_relationship="sibling",
        last_contact=parse_fuzzy_date("2024-03-01"),
        by=monitor,
    )
    detained = person_create(
        names=[NameInput(DETAINED, "belarus_official")],
        created_by=monitor,
        sex="m",
        birth=parse_fuzzy_date("1999"),
        nationality="IRQ",
    )
    tracing.detention_record(
        person=detained, detained_from=dt.date(2024, 3, 5), facility="tdf-grodno", by=monitor
    )
    return reported, detained


def _candidates(person: Person) -> list[str]:
    """In-app matching's candidates: people sharing a keyed blocking digest (the scoring
    on top does not depend on keys)."""
    return [p.code for p in matching.person_candidates(Person.objects.get(pk=person.pk))]


def _all_readable(made) -> None:
    key_cache.clear()  # every data key is unwrapped again, from its stored row
    for person, name, testimony in made:
        assert Person.objects.get(pk=person.pk).primary_name == name
        assert Source.objects.get(persons=person).testimony == testimony


def _rotate(admin, **options) -> str:
    out = StringIO()
    code = second_factor_for(admin).fresh_code()
    call_command(
        "keys", "rotate", operator=admin.username, otp=code, stdout=out, stderr=out, **options
    )
    return out.getvalue()


def _fingerprints() -> set[str]:
    return set(DataKey.objects.filter(wrapped__isnull=False).values_list("wrapped_by", flat=True))


def test_after_rotation_records_search_matching_and_audit_all_hold(users, key_file):
    monitor, admin = users["monitor"], users["admin"]
    made = _records(monitor)
    reported, detained = _known_pair(monitor)
    before = keys.read_key_file(key_file)
    old_wrapped = dict(DataKey.objects.values_list("pk", "wrapped"))
    assert detained.code in _candidates(reported)
    entries_before = AuditEntry.objects.count()
    assert entries_before > 0

    output = _rotate(admin)

    after = keys.read_key_file(key_file)
    assert after.fingerprint != before.fingerprint
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not keys.next_key_path(key_file).exists()
    assert "Rotated:" in output and "re-wrapping data keys [" in output
    assert "Restart the server" in output
    # every live data key is wrapped anew, by the new key only
    assert _fingerprints() == {after.fingerprint}
    for pk, wrapped in DataKey.objects.values_list("pk", "wrapped"):
        assert bytes(wrapped) != bytes(old_wrapped[pk])
    # the retired master key is nowhere in the new key file
    assert before.master not in key_file.read_bytes()
    assert base64.b64encode(before.master) not in key_file.read_bytes()
    # records read back
    _all_readable(made)
    # name search through the blind index, matching through the blocking keys
    for person, name, _ in made:
        found = person_list(monitor, PersonFilters(name=name.split()[0]))
        assert person.code in [p.code for p in found]
    assert after.derive("blind-index/names") == before.derive("blind-index/names")
    assert after.derive(BLOCKING_KEY_PURPOSE) == before.derive(BLOCKING_KEY_PURPOSE)
    assert detained.code in _candidates(reported)
    assert matching_services.person_digests(detained) == set(
        BlockingKey.objects.filter(person=detained).values_list("digest", flat=True)
    )
    # the audit chain key rotated, and the whole chain still verifies
    assert after.derive(audit.KEY_PURPOSE) != before.derive(audit.KEY_PURPOSE)
    assert keys.derive_from(after.master, "django-secret-key", 48) != keys.derive_from(
        before.master, "django-secret-key", 48
    )
    person_create(names=[NameInput("After Rotation", "relative")], created_by=monitor)
    boundary = after.current_from[audit.KEY_PURPOSE]
    assert 1 < boundary <= AuditEntry.objects.order_by("-seq").first().seq
    verdict = audit.audit_verify()
    assert verdict.ok, verdict.broken
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "audit trail intact" in out.getvalue()


def _tamper(seq: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_auditentry SET actor_name = %s WHERE seq = %s", ["intruder", seq]
        )


@pytest.mark.parametrize("side", ["before", "after"])
def test_audit_verify_detects_tampering_on_both_sides_of_a_rotation(users, key_file, side):
    monitor, admin = users["monitor"], users["admin"]
    _records(monitor)
    _rotate(admin)
    _records(monitor)
    boundary = keys.read_key_file(key_file).current_from[audit.KEY_PURPOSE]
    last = AuditEntry.objects.order_by("-seq").first().seq
    assert audit.audit_verify().ok
    seq = boundary - 2 if side == "before" else boundary + 1
    assert 1 <= seq <= last
    _tamper(seq)
    verdict = audit.audit_verify()
    assert not verdict.ok and verdict.broken.seq == seq
    with pytest.raises(CommandError, match=f"entry {seq}"):
        call_command("audit", "verify")


def test_an_interrupted_rotation_leaves_every_record_readable_and_the_rerun_completes(
    users, key_file
):
    monitor, admin = users["monitor"], users["admin"]
    made = _records(monitor)
    before = keys.read_key_file(key_file)
    total = DataKey.objects.filter(wrapped__isnull=False).count()
    assert total >= 6
    # rows from before fingerprints were stored: wrapped by the current key, unnamed
    legacy = list(DataKey.objects.order_by("-pk").values_list("pk", flat=True)[:2])
    DataKey.objects.filter(pk__in=legacy).update(wrapped_by="")

    with pytest.raises(CommandError, match="stopped after 2 data keys"):
        _rotate(admin, batch=1, stop_after=2)

    pending_path = keys.next_key_path(key_file)
    assert pending_path.exists() and stat.S_IMODE(pending_path.stat().st_mode) == 0o600
    pending = keys.read_key_file(pending_path)
    assert keys.read_key_file(key_file).fingerprint == before.fingerprint  # not swapped
    assert _fingerprints() == {before.fingerprint, "", pending.fingerprint}
    assert DataKey.objects.filter(wrapped_by=pending.fingerprint).count() == 2
    # mid-rotation: every record reads back, whichever key wraps it
    _all_readable(made)
    # a record made mid-rotation is wrapped by the new key straight away
    late = person_create(names=[NameInput("Late Comer", "relative")], created_by=monitor)
    assert DataKey.objects.get(pk=late.data_key_id).wrapped_by == pending.fingerprint
    made.append((late, "Late Comer", None))

    # a second interruption, further on, then the rerun that completes
    with pytest.raises(CommandError, match="stopped after"):
        _rotate(_admin("u-admin-2"), stop_after=1)
    output = _rotate(_admin("u-admin-3"))
    assert "Resuming" in output
    after = keys.read_key_file(key_file)
    assert after.fingerprint == pending.fingerprint  # the key written first is the one kept
    assert not pending_path.exists()
    assert _fingerprints() == {after.fingerprint}
    key_cache.clear()
    for person, name, testimony in made:
        assert Person.objects.get(pk=person.pk).primary_name == name
        if testimony:
            assert Source.objects.get(persons=person).testimony == testimony
    assert audit.audit_verify().ok


def _admin(username: str):
    from bordermonitor.accounts.services import user_create

    return user_create(username=username, role="admin", password="correct horse battery staple")


def test_rotation_needs_an_admin_with_a_fresh_code(users, key_file):
    _records(users["monitor"])
    before = key_file.read_bytes()
    with pytest.raises(CommandError, match="--operator"):
        call_command("keys", "rotate")
    with pytest.raises(CommandError, match="may not"):
        _rotate(users["coordinator"])
    with pytest.raises(CommandError, match="code"):
        call_command("keys", "rotate", operator=users["admin"].username, otp="000000")
    assert key_file.read_bytes() == before
    assert not keys.next_key_path(key_file).exists()


def test_the_sqlite_file_is_rekeyed(users, key_file):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL has no SQLCipher file; its rotation is the tests above")
    import sqlcipher3

    from bordermonitor.core.sqlcipher.base import key_pragma

    _records(users["monitor"])
    before = keys.read_key_file(key_file)
    output = _rotate(users["admin"])
    assert "database file re-encrypted" in output
    after = keys.read_key_file(key_file)
    path = str(connection.settings_dict["NAME"])

    def opens_with(key_file_: keys.KeyFile) -> bool:
        conn = sqlcipher3.connect(path)
        conn.execute(key_pragma(key_file_.derive(FILE_KEY_PURPOSE)))
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return True
        except sqlcipher3.DatabaseError:
            return False
        finally:
            conn.close()

    assert opens_with(after) and not opens_with(before)
    # a new connection (another request) opens it through the new key file
    connection.close()
    assert Person.objects.count() == len(PEOPLE)


def test_a_key_in_the_erasure_ledger_stays_destroyed_through_a_rotation(users, key_file):
    """A wrapped row whose key the ledger lists (as after restoring an older backup) is
    not carried under the new master key: it ends destroyed, and the rotation finishes."""
    from bordermonitor.core.erasure_ledger import record_destroyed

    made = _records(users["monitor"])
    erased, _, _ = made[0]
    record_destroyed({erased.data_key_id}, dt.date(2024, 7, 1))
    assert DataKey.objects.get(pk=erased.data_key_id).wrapped is not None

    _rotate(users["admin"])

    row = DataKey.objects.get(pk=erased.data_key_id)
    assert row.wrapped is None and row.destroyed_at is not None
    _all_readable(made[1:])
