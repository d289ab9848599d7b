"""Envelope encryption: values are sealed per row and field, and bound to them."""

import pytest
from django.db import connection

from bordermonitor.core.crypto import DecryptionError, key_cache
from bordermonitor.core.fields import _Sealed
from bordermonitor.records.models import NameVariant, Person, Source
from bordermonitor.records.services import NameInput, person_create, source_create


def _raw(table: str, column: str, pk) -> bytes:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {column} FROM {table} WHERE id = %s",
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        return bytes(cur.fetchone()[0])


@pytest.fixture
def two_people(monitor):
    a = person_create(names=[NameInput("Ahmad Karimi")], created_by=monitor, notes="note of A")
    b = person_create(names=[NameInput("Hawa Diallo")], created_by=monitor, notes="note of B")
    return a, b


def test_stored_value_is_ciphertext_and_reads_back(two_people):
    a, _ = two_people
    raw = _raw("records_person", "notes", a.pk)
    assert b"note of A" not in raw
    assert raw[0] == 1 and len(raw) > 29 + 16
    assert Person.objects.get(pk=a.pk).notes == "note of A"


def test_ciphertext_moved_to_another_row_fails_to_decrypt(two_people):
    a, b = two_people
    blob = _raw("records_person", "notes", a.pk)
    Person.objects.filter(pk=b.pk).update(notes=blob)
    with pytest.raises(DecryptionError, match="does not belong here"):
        _ = Person.objects.get(pk=b.pk).notes


def test_ciphertext_moved_to_another_field_fails_to_decrypt(monitor):
    s = source_create(
        kind="interview",
        received_on=__import__("datetime").date(2024, 1, 5),
        created_by=monitor,
        testimony="T",
    )
    p = person_create(names=[NameInput("X Y")], created_by=monitor, notes="N")
    variant = NameVariant.objects.get(person=p)
    # same data key family, other table/field: still refused
    blob = _raw("records_source", "testimony", s.pk)
    NameVariant.objects.filter(pk=variant.pk).update(full_name=blob)
    with pytest.raises(DecryptionError):
        _ = NameVariant.objects.get(pk=variant.pk).full_name


def test_values_are_opened_lazily(two_people):
    a, _ = two_people
    fresh = Person.objects.get(pk=a.pk)
    assert isinstance(fresh.__dict__["notes"], _Sealed)
    assert "note of A" not in repr(fresh.__dict__["notes"])


def test_destroyed_data_key_makes_values_unreadable(two_people):
    from django.utils import timezone

    from bordermonitor.core.models import DataKey

    a, b = two_people
    DataKey.objects.filter(pk=a.data_key_id).update(wrapped=None, destroyed_at=timezone.now())
    key_cache.clear()
    with pytest.raises(DecryptionError, match="destroyed"):
        _ = Person.objects.get(pk=a.pk).notes
    assert Person.objects.get(pk=b.pk).notes == "note of B"


def test_encrypted_fields_cannot_be_filtered_on(two_people):
    with pytest.raises(Exception):  # noqa: B017 - Django raises FieldError for an unsupported lookup
        list(Source.objects.filter(testimony__contains="x"))
