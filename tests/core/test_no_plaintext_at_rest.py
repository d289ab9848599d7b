"""Acceptance: after a person named "Мухаммед Аль-Хасан" with a testimony is saved,
neither string is in the SQLite file nor in a pg_dump, in any encoding."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from bordermonitor.records.models import Person, Source
from bordermonitor.records.services import NameInput, person_create, source_create

NAME = "Мухаммед Аль-Хасан"
# words that appear in no seeded vocabulary label (e.g. not "телефон": "изъятие телефона")
TESTIMONY = "Пограничники забрали мобильник и избили нас у реки"
ENCODINGS = [
    "utf-8",
    "utf-16-le",
    "utf-16-be",
    "utf-32-le",
    "utf-32-be",
    "cp1251",
    "koi8-r",
    "iso8859-5",
]


def _needles(text: str) -> list[bytes]:
    needles = []
    for part in [text, *(w for w in text.split() if len(w) >= 4)]:
        for enc in ENCODINGS:
            raw = part.encode(enc)
            needles += [raw, raw.hex().encode(), base64.b64encode(raw)]
        needles.append(part.encode("unicode_escape"))  # \u041c... as in JSON dumps
    return needles


def _decrypted_copy(path: Path) -> bytes:
    """The file is encrypted whole (SQLCipher): also look at what someone holding its
    key would see, a plaintext export, where field encryption must still hide names."""
    import sqlcipher3
    from django.conf import settings

    from bordermonitor.core.keys import read_key_file
    from bordermonitor.core.sqlcipher.base import KEY_PURPOSE, key_pragma

    plain = path.with_name(path.name + ".plain")
    plain.unlink(missing_ok=True)
    conn = sqlcipher3.connect(str(path))
    conn.execute(key_pragma(read_key_file(settings.KEY_FILE).derive(KEY_PURPOSE)))
    conn.execute("ATTACH DATABASE ? AS plaintext KEY ''", [str(plain)])
    conn.execute("SELECT sqlcipher_export('plaintext')")
    conn.execute("DETACH DATABASE plaintext")
    conn.close()
    data = plain.read_bytes()
    plain.unlink()
    assert data.startswith(b"SQLite format 3")
    return data


def _database_bytes() -> bytes:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.close()
        path = Path(settings_dict["NAME"])
        assert path.exists(), "the SQLite test database must be a file (BM_TEST_SQLITE_FILE)"
        data = path.read_bytes() + _decrypted_copy(path)
        for extra in ("-wal", "-journal"):
            side = Path(str(path) + extra)
            if side.exists():
                data += side.read_bytes()
        return data
    assert connection.vendor == "postgresql"
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for the PostgreSQL leak test"
    cmd = [
        pg_dump,
        "--no-owner",
        "-h",
        settings_dict["HOST"] or "127.0.0.1",
        "-p",
        str(settings_dict["PORT"] or 5432),
        "-U",
        settings_dict["USER"] or "postgres",
        settings_dict["NAME"],
    ]
    return subprocess.run(cmd, check=True, capture_output=True).stdout


@pytest.mark.django_db(transaction=True)
def test_names_and_testimony_never_reach_the_database_in_clear(django_user_model):
    from bordermonitor.accounts.services import user_create

    monitor = user_create(
        username="leak-monitor", role="monitor", password="correct horse battery staple"
    )
    person = person_create(
        names=[NameInput(NAME, "belarus_official")], created_by=monitor, notes=TESTIMONY
    )
    source_create(
        kind="interview",
        received_on=dt.date(2024, 10, 3),
        created_by=monitor,
        testimony=TESTIMONY,
        persons=[person],
    )
    # the values are really there, through the application
    assert Person.objects.get(pk=person.pk).primary_name == NAME
    assert Source.objects.get(persons=person).testimony == TESTIMONY

    dump = _database_bytes()
    assert len(dump) > 10_000
    assert person.code.encode() in dump  # the dump is the right database
    for needle in _needles(NAME) + _needles(TESTIMONY):
        assert needle not in dump, f"plaintext found in the database: {needle[:40]!r}"
    # lower-case and transliterated forms must not be there either (blind index is keyed)
    for form in ["мухаммед", "mukhammed", "khasan", "Mukhammed"]:
        assert form.encode() not in dump
