"""Backups: one encrypted archive of every row and every evidence file, restored
byte for byte into an empty place; a damaged archive restores nothing."""

from __future__ import annotations

import datetime as dt
import io
import tarfile

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from bordermonitor.accounts import audit
from bordermonitor.core import backup as backup_module
from bordermonitor.core.dates import FuzzyDate
from bordermonitor.records import evidence
from bordermonitor.records.services import NameInput, person_create, source_create
from bordermonitor.tracing import services as tracing
from tests.core.backup_helpers import (
    every_row,
    evidence_bytes,
    fresh_place,
    run_bordermonitor,
    run_in,
)
from tests.records import evidence_samples as samples
from tests.signin import second_factor_for

pytestmark = pytest.mark.django_db

NAME = "Rojin Xalid Berwari"
TESTIMONY = "They took our phones near the river and beat my brother."


@pytest.fixture
def archive(users, monitor, tmp_path):
    """A database with people, a testimony with evidence, a report, audit entries and
    an authenticator, backed up."""
    person = person_create(
        names=[NameInput(NAME, "relative"), NameInput("Рожин Халид", "belarus_official")],
        created_by=monitor,
        nationality="IRQ",
        notes="met at the Kuźnica crossing",
    )
    source = source_create(
        kind="interview",
        received_on=dt.date(2024, 5, 2),
        created_by=monitor,
        testimony=TESTIMONY,
        persons=[person],
    )
    evidence.attachment_create(
        uploaded_by=monitor, file=samples.jpeg_with_metadata(), name="rojin.jpg", source=source
    )
    tracing.missing_report_file(
        person=person,
        received_on=dt.date(2024, 5, 20),
        reporter_relationship="sibling",
        reporter_name="Hevi Berwari",
        reporter_phone="+964 750 000 0000",
        last_contact=FuzzyDate.day(2024, 5, 10),
        by=users["tracing_officer"],
    )
    second_factor_for(users["coordinator"])
    audit.audit_record(audit.Actor.of(monitor), audit.VIEW, "person", person.code)
    path = tmp_path / "all.bmbackup"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "backup written" in out.getvalue()
    return path


def test_round_trip_gives_back_every_row_and_file(archive, tmp_path):
    raw = archive.read_bytes()
    assert NAME.encode() not in raw and b"Berwari" not in raw and b"manifest" not in raw
    before_rows = every_row()
    before_files = evidence_bytes(settings.DATA_DIR)
    assert before_files, "the scenario wrote evidence files"
    with fresh_place(tmp_path) as (data_dir, env):
        done = run_bordermonitor(env, "restore", str(archive))
        assert done.returncode == 0, done.stderr
        assert "restored" in done.stdout
        after_rows = run_in(
            env, "from tests.core.backup_helpers import every_row\nresult = every_row()"
        )
        for label, rows in before_rows.items():
            assert after_rows.get(label) == rows, f"{label} differs after restore"
        assert set(after_rows) == set(before_rows)
        assert evidence_bytes(data_dir) == before_files
        # the restored data opens with the app (same master key), and the chain holds
        names = run_in(
            env,
            "from bordermonitor.records.models import NameVariant\n"
            "result = sorted(v.full_name for v in NameVariant.objects.all())",
        )
        assert NAME in names
        verified = run_bordermonitor(env, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        # a second restore into the now full place is refused and changes nothing
        again = run_bordermonitor(env, "restore", str(archive))
        assert again.returncode != 0
        assert "refusing to restore" in again.stderr
        assert (
            run_in(env, "from tests.core.backup_helpers import every_row\nresult = every_row()")
            == after_rows
        )


def _nothing_restored(env, data_dir) -> None:
    assert evidence_bytes(data_dir) == {}
    counts = run_in(
        env,
        "from django.db import connection\n"
        "result = 'core_datakey' in connection.introspection.table_names() and "
        "__import__('bordermonitor.core.models', fromlist=['DataKey']).DataKey.objects.count()",
    )
    assert not counts


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated-half"),
        pytest.param(lambda b: b[:-20], id="truncated-end"),
        pytest.param(lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:], id="flipped-byte"),
    ],
)
def test_a_damaged_archive_is_refused_and_restores_nothing(archive, tmp_path, damage):
    broken = tmp_path / "broken.bmbackup"
    broken.write_bytes(damage(archive.read_bytes()))
    with fresh_place(tmp_path) as (data_dir, env):
        done = run_bordermonitor(env, "restore", str(broken))
        assert done.returncode != 0
        assert "nothing was restored" in done.stderr
        assert "truncated" in done.stderr or "does not open" in done.stderr
        _nothing_restored(env, data_dir)


def test_chunks_are_bound_to_their_place():
    """Swapping two chunks, or dropping the final one, is caught (in process)."""
    out = io.BytesIO()
    writer = backup_module._EncryptingWriter(out)
    payload = bytes(range(256)) * (backup_module.CHUNK_BYTES // 128) + b"tail"  # 3 chunks
    writer.write(payload)
    writer.finish()
    data = out.getvalue()
    header, rest = data[: backup_module.HEADER_BYTES], data[backup_module.HEADER_BYTES :]
    chunks, i = [], 0
    while i < len(rest):
        size = int.from_bytes(rest[i : i + 4], "big")
        chunks.append(rest[i : i + 4 + size])
        i += 4 + size
    assert len(chunks) == 3
    backup_module._decrypt_to(io.BytesIO(data), sink := io.BytesIO())
    assert sink.getvalue() == payload
    for bad, why in (
        (header + chunks[1] + chunks[0] + chunks[2], "does not open"),
        (header + chunks[0] + chunks[1], "truncated"),
        (header + chunks[0] + chunks[1] + chunks[2] + chunks[2], "after the final chunk"),
    ):
        with pytest.raises(backup_module.BackupError, match=why):
            backup_module._decrypt_to(io.BytesIO(bad), io.BytesIO())


def test_a_tampered_member_is_named(archive, tmp_path, monkeypatch):
    """An archive re-encrypted with an edited member (someone holding the key) fails
    the manifest's SHA-256 and is refused before any row is written."""
    plain = io.BytesIO()
    with archive.open("rb") as fh:
        backup_module._decrypt_to(fh, plain)
    edited = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(plain.getvalue()), mode="r:gz") as source,
        tarfile.open(fileobj=edited, mode="w:gz") as out,
    ):
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.endswith("core.datakey.jsonl"):
                data = data.replace(b'"', b"'", 1)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    resealed = tmp_path / "resealed.bmbackup"
    with resealed.open("wb") as fh:
        writer = backup_module._EncryptingWriter(fh)
        writer.write(edited.getvalue())
        writer.finish()
    with fresh_place(tmp_path) as (data_dir, env):
        done = run_bordermonitor(env, "restore", str(resealed))
        assert done.returncode != 0
        assert "core.datakey.jsonl: SHA-256 differs" in done.stderr
        _nothing_restored(env, data_dir)


def test_backup_refuses_an_existing_file(archive):
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(archive), stdout=io.StringIO())
