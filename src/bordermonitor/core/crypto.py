"""Envelope encryption of sensitive fields.

Each protected record (a person, an event, a source) owns a *data key*: 32 random
bytes stored only wrapped (AES-256-GCM) by a key derived from the master key.
Field values are sealed with the owner's data key under AES-256-GCM, with the
table, row and field bound in as associated data: a ciphertext copied into
another row or column fails to open, loudly, instead of showing somebody
else's data.  Destroying a data key makes everything sealed with it unreadable,
in the database and in every backup (crypto-shredding).

Sealed value layout: version (1 byte) | data key id (16 bytes) | nonce (12) | ciphertext+tag.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import OrderedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bordermonitor.core.erasure_ledger import is_destroyed
from bordermonitor.core.keys import KeyFile, current_key_file, wrapping_key_files

FORMAT_VERSION = 1
_HEADER = 1 + 16 + 12
WRAPPING_PURPOSE = "data-key-wrapping"


class DecryptionError(RuntimeError):
    """A sealed value does not open: wrong row, wrong field, tampered, or key destroyed."""


class DataKeyDestroyed(DecryptionError):
    """The data key was destroyed on purpose (erasure); the value is gone for good."""


def _wrap_aad(key_id: uuid.UUID) -> bytes:
    return b"bordermonitor/datakey/" + key_id.bytes


def wrap_data_key(key_id: uuid.UUID, raw_key: bytes, key_file: KeyFile | None = None) -> bytes:
    """`raw_key` wrapped under `key_file`'s master key (default: the current key file)."""
    key_file = key_file or current_key_file()
    nonce = os.urandom(12)
    return nonce + AESGCM(key_file.derive(WRAPPING_PURPOSE)).encrypt(
        nonce, raw_key, _wrap_aad(key_id)
    )


def wrapping_key_file(fingerprint: str) -> KeyFile:
    """The key file whose master key has this fingerprint ('' : rows from before
    fingerprints, wrapped by the current key).  During a rotation both the current
    key file and `<key file>.next` are candidates, so every row opens at every moment."""
    candidates = wrapping_key_files()
    if not fingerprint:
        return candidates[0]
    for key_file in candidates:
        if key_file.fingerprint == fingerprint:
            return key_file
    raise DecryptionError(
        f"data keys wrapped by master key {fingerprint} cannot be opened: neither the key "
        "file nor a pending rotation's `.next` file holds that key"
    )


def unwrap_data_key(key_id: uuid.UUID, wrapped: bytes, wrapped_by: str = "") -> bytes:
    # a key erased after a backup was taken stays erased when that backup comes back
    if is_destroyed(key_id):
        raise DataKeyDestroyed(f"data key {key_id} was destroyed (erasure ledger)")
    key_file = wrapping_key_file(wrapped_by)
    try:
        return AESGCM(key_file.derive(WRAPPING_PURPOSE)).decrypt(
            wrapped[:12], wrapped[12:], _wrap_aad(key_id)
        )
    except InvalidTag as exc:
        raise DecryptionError(
            f"data key {key_id} does not unwrap: wrong master key or tampered key row"
        ) from exc


class _KeyCache:
    """Unwrapped data keys, kept briefly in memory so a list page does not unwrap per row."""

    def __init__(self, size: int = 4096) -> None:
        self._items: OrderedDict[uuid.UUID, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key_id: uuid.UUID) -> bytes | None:
        with self._lock:
            raw = self._items.get(key_id)
            if raw is not None:
                self._items.move_to_end(key_id)
            return raw

    def put(self, key_id: uuid.UUID, raw: bytes) -> None:
        with self._lock:
            self._items[key_id] = raw
            self._items.move_to_end(key_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def forget(self, key_id: uuid.UUID) -> None:
        with self._lock:
            self._items.pop(key_id, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


key_cache = _KeyCache()


def raw_data_key(key_id: uuid.UUID) -> bytes:
    """The unwrapped data key with this id."""
    raw = key_cache.get(key_id)
    if raw is not None:
        return raw
    from bordermonitor.core.models import DataKey

    row = (
        DataKey.objects.filter(pk=key_id)
        .values_list("wrapped", "destroyed_at", "wrapped_by")
        .first()
    )
    if row is None:
        raise DecryptionError(f"data key {key_id} does not exist")
    wrapped, destroyed_at, wrapped_by = row
    if destroyed_at is not None or not wrapped:
        raise DataKeyDestroyed(f"data key {key_id} was destroyed on {destroyed_at:%Y-%m-%d}")
    raw = unwrap_data_key(key_id, bytes(wrapped), wrapped_by)
    key_cache.put(key_id, raw)
    return raw


def associated_data(table: str, row_id: object, field: str) -> bytes:
    return f"bordermonitor/{table}/{row_id}/{field}".encode()


def seal(plaintext: bytes, *, key_id: uuid.UUID, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    ct = AESGCM(raw_data_key(key_id)).encrypt(nonce, plaintext, aad)
    return bytes([FORMAT_VERSION]) + key_id.bytes + nonce + ct


def open_sealed(blob: bytes, *, aad: bytes, where: str) -> bytes:
    blob = bytes(blob)
    if len(blob) < _HEADER + 16 or blob[0] != FORMAT_VERSION:
        raise DecryptionError(f"{where}: not a sealed value")
    key_id = uuid.UUID(bytes=blob[1:17])
    nonce = blob[17:29]
    try:
        return AESGCM(raw_data_key(key_id)).decrypt(nonce, blob[29:], aad)
    except InvalidTag as exc:
        raise DecryptionError(
            f"{where}: the sealed value does not belong here (moved from another row "
            "or field, or tampered with)"
        ) from exc


def create_data_key(owner: str):
    """A fresh data key for the record with code `owner`."""
    from bordermonitor.core.models import DataKey

    key_id = uuid.uuid4()
    raw = AESGCM.generate_key(bit_length=256)
    # During a rotation new keys are wrapped by the new master key straight away, so
    # none is left behind under the old one when the key files are swapped.
    key_file = wrapping_key_files()[-1]
    key = DataKey.objects.create(
        id=key_id,
        owner=owner,
        wrapped=wrap_data_key(key_id, raw, key_file),
        wrapped_by=key_file.fingerprint,
    )
    key_cache.put(key_id, raw)
    return key
