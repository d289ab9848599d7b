"""Encrypted model fields: the only way sensitive values reach the database.

`EncryptedTextField` and `EncryptedJSONField` store sealed bytes (see
`core.crypto`).  Values are sealed in `pre_save`, where the row is known, and
opened lazily on first attribute access, so a query that never reads a
sensitive field never decrypts it.  The row's data key comes from the model's
`encryption_key_id()`; the row id in the associated data is the model's UUID
primary key, known before the INSERT.

These fields cannot be filtered or ordered on: search goes through the keyed
blind index (`core.blind_index`).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from bordermonitor.core.crypto import associated_data, open_sealed, seal


class _Sealed:
    """A value as read from the database, not opened yet."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = bytes(blob)

    def __repr__(self) -> str:  # never show contents, even sealed
        return "<sealed>"


class _EncryptedDescriptor:
    def __init__(self, field: _EncryptedField) -> None:
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        if self.field.attname not in instance.__dict__:  # deferred by .only()/.defer()
            instance.refresh_from_db(fields=[self.field.attname])
        value = instance.__dict__.get(self.field.attname)
        if isinstance(value, _Sealed):
            value = self.field.open(instance, value.blob)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance, value) -> None:
        instance.__dict__[self.field.attname] = value


class _EncryptedField(models.BinaryField):
    """Base for sealed fields; subclasses say how to turn values into bytes."""

    empty_values = [None, ""]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs["editable"] = True
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, self.name, _EncryptedDescriptor(self))

    # -- value <-> bytes, per subclass
    def to_bytes(self, value: Any) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def is_empty(self, value: Any) -> bool:
        return value is None or value == ""

    def _aad(self, instance) -> bytes:
        # A model whose primary key is assigned by the database (not a UUID) names
        # its row by something known before the INSERT: `encryption_row_id()`.
        row_id = getattr(instance, "encryption_row_id", lambda: instance.pk)()
        return associated_data(instance._meta.db_table, row_id, self.column)

    def _where(self, instance) -> str:
        code = getattr(instance, "code", None) or instance.pk
        return f"{instance._meta.label}.{self.name} of {code}"

    def open(self, instance, blob: bytes) -> Any:
        return self.from_bytes(
            open_sealed(blob, aad=self._aad(instance), where=self._where(instance))
        )

    # -- Django hooks
    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return _Sealed(value)

    def pre_save(self, model_instance, add):
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, _Sealed):
            return value.blob
        if self.is_empty(value):
            return None
        if getattr(model_instance, "encryption_row_id", lambda: model_instance.pk)() is None:
            raise ValueError(f"{model_instance._meta.label} needs its row id before sealing")
        return seal(
            self.to_bytes(value),
            key_id=model_instance.encryption_key_id(),
            aad=self._aad(model_instance),
        )

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, _Sealed):
            value = value.blob
        if value is not None and not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(
                "encrypted fields are written through model.save(); they cannot be "
                "filtered on or bulk-updated with plaintext"
            )
        return super().get_db_prep_value(value, connection, prepared)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj):
        return ""  # never serialise sensitive values (dumpdata, admin logs)

    def formfield(self, **kwargs):
        return None  # forms declare their own plain fields; see records.forms


class EncryptedTextField(_EncryptedField):
    """Free text (names, contacts, testimony) sealed per row and field."""

    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def from_bytes(self, data: bytes) -> str:
        return data.decode("utf-8")


class EncryptedJSONField(_EncryptedField):
    """Structured sensitive data (e.g. a list of contacts) sealed per row and field."""

    def is_empty(self, value: Any) -> bool:
        return value is None

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))
