"""Acceptance (issue 6): the SQLite file is encrypted whole with SQLCipher.

The file has no SQLite header and none of a stored record's plaintext, not even what
field encryption leaves in clear (dates, nationality, event types, place codes);
opening it with a wrong key fails, with the standard sqlite3 module, with SQLCipher
under another key, and through the application with another master key file.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3
from django.conf import settings
from django.db import connection
from django.db.utils import OperationalError
from django.test import override_settings

from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.core.keys import create_master_key, read_key_file
from bordermonitor.core.models import EventType, Nationality, Place
from bordermonitor.core.sqlcipher.base import (
    KEY_PURPOSE,
    DatabaseWrapper,
    encrypt_plain_file,
    key_pragma,
)
from bordermonitor.records.models import Event, Person
from bordermonitor.records.services import NameInput, event_create, person_create

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "bordermonitor.core.sqlcipher",
    reason="SQLCipher protects the SQLite file; PostgreSQL relies on field encryption",
)


def _database_file() -> Path:
    connection.close()  # everything committed is in the file, nothing held open
    path = Path(connection.settings_dict["NAME"])
    assert path.is_file(), "the SQLite test database must be a file (BM_TEST_SQLITE_FILE)"
    return path


def _stored_event(monitor):
    place = Place.objects.get(code="puszcza-augustowska")
    event_type = EventType.objects.get(code="expulsion-to-russia")
    nationality = Nationality.objects.get(code="AFG")
    person = person_create(
        names=[NameInput("Zarmina Wardak", "relative")],
        created_by=monitor,
        sex="f",
        birth=parse_fuzzy_date("1987-04-19"),
        nationality=nationality.code,
    )
    event = event_create(
        date=parse_fuzzy_date("2023-11-27"),
        created_by=monitor,
        place=place.code,
        event_types=[event_type.code],
    )
    return person, event, place, event_type, nationality


@pytest.mark.django_db(transaction=True)
def test_the_file_shows_no_header_and_no_plaintext(monitor):
    person, event, place, event_type, nationality = _stored_event(monitor)
    # the values are there, through the application
    assert Person.objects.get(pk=person.pk).nationality.code == "AFG"
    stored = Event.objects.get(pk=event.pk)
    assert stored.event_types.filter(code=event_type.code).exists()

    data = _database_file().read_bytes()
    assert len(data) > 100_000
    assert not data.startswith(b"SQLite format 3")
    needles = [
        b"SQLite format 3",
        b"CREATE TABLE",
        b"records_person",
        person.code.encode(),
        event.code.encode(),
        b"2023-11-27",
        b"1987-04-19",
        nationality.name.encode(),  # "Afghanistan", seeded vocabulary
        event_type.code.encode(),
        place.code.encode(),
        b"u-monitor",
    ]
    for needle in needles:
        assert needle not in data, f"plaintext in the database file: {needle!r}"


@pytest.mark.django_db(transaction=True)
def test_a_wrong_key_does_not_open_the_file(monitor, tmp_path):
    _stored_event(monitor)
    path = _database_file()

    plain = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    plain.close()

    other = sqlcipher3.connect(str(path))
    other.execute(key_pragma(bytes(32)))
    with pytest.raises(sqlcipher3.DatabaseError, match="file is not a database"):
        other.execute("SELECT count(*) FROM sqlite_master").fetchone()
    other.close()

    # the right key (derived from the master key file) opens it
    right = sqlcipher3.connect(str(path))
    right.execute(key_pragma(read_key_file(settings.KEY_FILE).derive(KEY_PURPOSE)))
    assert right.execute("SELECT count(*) FROM records_person").fetchone()[0] >= 1
    right.close()

    # the application with another master key file says what is wrong
    other_key = tmp_path / "other.key"
    create_master_key(other_key)
    with override_settings(KEY_FILE=other_key):
        wrapper = DatabaseWrapper({**connection.settings_dict}, alias="wrong-key")
        with pytest.raises(OperationalError, match="does not open with this master key") as exc:
            wrapper.ensure_connection()
    assert str(other_key) in str(exc.value) and str(path) in str(exc.value)
    wrapper.close()


@pytest.mark.django_db
def test_the_backend_keeps_the_sqlite_options():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cipher_version")
        assert cursor.fetchone()[0].startswith("4.")
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_dates_and_decimals_round_trip_through_the_backend(monitor):
    """The type adapters and converters are registered on the SQLCipher module too."""
    person = person_create(
        names=[NameInput("Test Roundtrip", "relative")],
        created_by=monitor,
        birth=parse_fuzzy_date("1990-02-03"),
    )
    place = Place.objects.order_by("code").first()
    again = Person.objects.get(pk=person.pk)
    assert isinstance(again.created_at, dt.datetime) and again.created_at.tzinfo is not None
    assert Place.objects.get(pk=place.pk).latitude == place.latitude


@pytest.mark.django_db
def test_a_file_made_before_sqlcipher_is_named_and_encrypted_once(tmp_path):
    plain = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (x text)")
    conn.execute("INSERT INTO t VALUES ('Afghanistan 1987-04-19')")
    conn.commit()
    conn.close()
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(plain)}, alias="old-file")
    with pytest.raises(OperationalError, match="keys encrypt-database"):
        wrapper.ensure_connection()

    key = read_key_file(settings.KEY_FILE).derive(KEY_PURPOSE)
    encrypt_plain_file(plain, key)
    data = plain.read_bytes()
    assert not data.startswith(b"SQLite format 3") and b"Afghanistan" not in data
    assert list(tmp_path.iterdir()) == [plain]  # no plaintext copy left beside it
    wrapper.ensure_connection()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT x FROM t")
        assert cursor.fetchone()[0] == "Afghanistan 1987-04-19"
    wrapper.close()


@pytest.mark.django_db
def test_encrypt_database_leaves_an_encrypted_file_alone():
    from io import StringIO

    from django.core.management import call_command

    connection.ensure_connection()
    out = StringIO()
    call_command("keys", "encrypt-database", stdout=out)
    assert "nothing to do" in out.getvalue()
