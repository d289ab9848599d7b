"""Rotating the master key (`bordermonitor keys rotate`), resumable, with no record
unreadable at any moment.

Steps, each safe to interrupt and to run again:

1. The new key file is written beside the old one (`<key file>.next`, mode 0600)
   before any row changes.  It carries the index keys over (blind index of names,
   matching blocking keys: their digests in the database stay valid) and the audit
   chain keys retired so far.  From now on readers try both files, picking the one
   whose fingerprint a data key row names (`DataKey.wrapped_by`), and new data keys
   are wrapped under the new key straight away.
2. Every data key not yet wrapped by the new key is unwrapped and re-wrapped, in
   batches, each batch its own transaction.  A rerun after a crash skips the rows
   already done.
3. SQLite: the database file is re-encrypted under the new key (`PRAGMA rekey`).
   Connections opened meanwhile fall back to the `.next` key.
4. Holding the write locks on the data keys and the audit chain, the last rows
   written meanwhile are re-wrapped, the old audit chain key is recorded as retired
   from the next entry's number on, and `.next` replaces the key file (one rename).

What rotates: the wrapping of data keys, the database file key, the audit chain key
(old entries keep verifying under their retired key), Django's SECRET_KEY (sessions
and password-reset links end once the server restarts).  What does not: the index
keys, carried over in the key file as they are, and the data keys themselves.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db import connection, transaction
from django.utils import timezone

from bordermonitor.core import keys
from bordermonitor.core.crypto import (
    DataKeyDestroyed,
    key_cache,
    unwrap_data_key,
    wrap_data_key,
)

Progress = Callable[[int, int], None]  # (done, total)


class RotationError(RuntimeError):
    """The rotation cannot go on; nothing was lost, rerun after fixing what it names."""


@dataclass(frozen=True)
class RotationResult:
    rewrapped: int
    total: int
    fingerprint: str
    rekeyed_file: bool
    audit_from: int | None


def _audit_purpose() -> str:
    from bordermonitor.accounts.audit import KEY_PURPOSE

    return KEY_PURPOSE


def _start(current: keys.KeyFile) -> keys.KeyFile:
    """The pending key file: the one a crashed run left, or a new one, written first."""
    path = keys.next_key_path()
    if path.exists():
        problem = keys.key_file_problem(path)
        if problem:
            raise RotationError(problem)
        return keys.read_key_file(path)
    carried = dict(current.carried)
    for purpose in keys.INDEX_PURPOSES:
        carried[purpose] = current.derive(purpose)
    pending = replace(
        keys.new_key_file(),
        carried=carried,
        retired=current.retired,
        current_from=dict(current.current_from),
    )
    keys.write_key_file(path, pending)
    return pending


def _pending_rows(fingerprint: str):
    from bordermonitor.core.models import DataKey

    return DataKey.objects.filter(destroyed_at__isnull=True, wrapped__isnull=False).exclude(
        wrapped_by=fingerprint
    )


def _rewrap(rows, pending: keys.KeyFile) -> int:
    from bordermonitor.core.models import DataKey

    done = 0
    for key_id, wrapped, wrapped_by in rows:
        try:
            raw = unwrap_data_key(key_id, bytes(wrapped), wrapped_by)
        except DataKeyDestroyed:
            # listed in the erasure ledger (e.g. came back with a restored backup): it
            # stays destroyed, and is not carried under the new key
            DataKey.objects.filter(pk=key_id).update(wrapped=None, destroyed_at=timezone.now())
            continue
        DataKey.objects.filter(pk=key_id).update(
            wrapped=wrap_data_key(key_id, raw, pending), wrapped_by=pending.fingerprint
        )
        done += 1
    return done


def _rekey_database_file(pending: keys.KeyFile) -> bool:
    """SQLCipher: re-encrypt the open file under the new key, unless already done."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return False
    from bordermonitor.core.sqlcipher.base import KEY_PURPOSE, rekey

    connection.ensure_connection()
    opened_with = getattr(connection, "key_file", None)
    if opened_with is None:
        return False  # the plain sqlite3 backend (benchmarks): nothing to rekey
    if opened_with.fingerprint == pending.fingerprint:
        return False  # a previous run re-keyed it already
    if connection.in_atomic_block:
        raise RotationError("the database file cannot be re-keyed inside a transaction")
    rekey(connection.connection, pending.derive(KEY_PURPOSE))
    connection.key_file = pending
    return True


def _lock_data_keys() -> None:
    if connection.vendor == "postgresql":
        from bordermonitor.core.models import DataKey

        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {DataKey._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"  # noqa: S608
            )


def rotate_master_key(
    *, batch: int = 500, progress: Progress | None = None, stop_after: int | None = None
) -> RotationResult:
    """Re-wrap every data key under a new master key and swap the key files at the end.

    `stop_after` (a test hook for a real partial run) stops after that many rows have
    been re-wrapped, as a crash would, leaving `.next` in place for the rerun.
    """
    from bordermonitor.accounts import audit
    from bordermonitor.accounts.models import AuditEntry

    current = keys.current_key_file()
    pending = _start(current)
    if pending.fingerprint == current.fingerprint:
        raise RotationError("the pending key file holds the current master key; remove it")
    total = _pending_rows(pending.fingerprint).count()
    done = 0
    if progress:
        progress(0, total)
    while True:
        with transaction.atomic():
            rows = list(
                _pending_rows(pending.fingerprint)
                .order_by("pk")
                .values_list("pk", "wrapped", "wrapped_by")[:batch]
            )
            if stop_after is not None:
                rows = rows[: max(0, stop_after - done)]
            done += _rewrap(rows, pending)
        if progress:
            progress(done, max(total, done))
        if stop_after is not None and done >= stop_after:
            raise RotationError(
                f"stopped after {done} data keys (--stop-after); run `keys rotate` again"
            )
        if len(rows) < batch:
            break
    rekeyed = _rekey_database_file(pending)
    audit_purpose = _audit_purpose()
    with transaction.atomic():
        _lock_data_keys()
        audit._lock_chain()
        straggling = list(
            _pending_rows(pending.fingerprint).values_list("pk", "wrapped", "wrapped_by")
        )
        done += _rewrap(straggling, pending)
        last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        old_from = current.current_from.get(audit_purpose, 1)
        retired = tuple(
            item
            for item in pending.retired
            if not (item[0] == audit_purpose and item[1] == old_from)
        )
        if last >= old_from:  # the old chain key signed entries: keep it for those
            retired += ((audit_purpose, old_from, current.derive(audit_purpose)),)
        final = replace(
            pending,
            retired=tuple(sorted(retired, key=lambda item: (item[0], item[1]))),
            current_from={**pending.current_from, audit_purpose: last + 1},
        )
        path = keys.key_file_path()
        keys.write_key_file(keys.next_key_path(), final)
        os.replace(keys.next_key_path(), path)
        keys._fsync_dir(path.parent)
    key_cache.clear()  # raw data keys are unchanged, but drop them from memory anyway
    if progress:
        progress(done, max(total, done))
    return RotationResult(done, max(total, done), final.fingerprint, rekeyed, last + 1)
