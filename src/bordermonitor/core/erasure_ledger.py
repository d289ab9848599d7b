"""The erasure ledger: ids of destroyed data keys, kept beside the master key.

Destroying a data key in the database (crypto-shredding) is not enough on its own:
a backup taken before the erasure still holds the wrapped key, and the master key
that unwraps it.  So every erasure also appends the ids of the keys it destroyed to
this file, which lives next to the master key file (`<key file>.erased`), outside
the database and outside every backup.  `core.crypto.unwrap_data_key` refuses any
key listed here, and `restore` destroys the listed keys (and scrubs what they
sealed) before anything can read the restored data.

Limit: someone holding an old backup *and* the master key *and* willing to write
their own decryption code (ignoring this file) can still unwrap the key.  The
ledger protects against the application, not against the key holder; see
docs/DESIGN.md ("Erasure").

Format: a header line, then one line per destroyed key: `<uuid> <YYYY-MM-DD>`.
Only key ids and dates are written, never a code or a name.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from pathlib import Path

HEADER = "# bordermonitor erasure ledger v1: destroyed data keys, never delete this file\n"
SUFFIX = ".erased"


class LedgerError(RuntimeError):
    """The ledger file cannot be read or written."""


def ledger_path() -> Path:
    """`<master key file>.erased`, in the key's directory (never inside a backup)."""
    from django.conf import settings

    key_file = Path(settings.KEY_FILE)
    return key_file.with_name(key_file.name + SUFFIX)


_lock = threading.Lock()
_cache: dict[tuple[str, int, int], dict[uuid.UUID, dt.date]] = {}


def _parse(path: Path) -> dict[uuid.UUID, dt.date]:
    keys: dict[uuid.UUID, dt.date] = {}
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"erasure ledger {path} cannot be read: {exc}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        try:
            key_id = uuid.UUID(parts[0])
            day = dt.date.fromisoformat(parts[1]) if len(parts) > 1 else dt.date.min
        except (ValueError, IndexError) as exc:
            raise LedgerError(f"erasure ledger {path}, line {number}: not '<uuid> <date>'") from exc
        keys[key_id] = day
    return keys


def destroyed_keys() -> dict[uuid.UUID, dt.date]:
    """Every key id in the ledger with the day it was destroyed (empty: no ledger yet)."""
    path = ledger_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise LedgerError(f"erasure ledger {path} cannot be read: {exc}") from exc
    marker = (str(path), st.st_mtime_ns, st.st_size)
    with _lock:
        found = _cache.get(marker)
    if found is None:
        found = _parse(path)
        with _lock:
            _cache.clear()
            _cache[marker] = found
    return found


def is_destroyed(key_id: uuid.UUID) -> bool:
    return key_id in destroyed_keys()


def record_destroyed(key_ids: list[uuid.UUID] | set[uuid.UUID], day: dt.date) -> None:
    """Append key ids to the ledger and flush them to disk before returning.

    Called inside the erasure's database transaction, just before it commits: when the
    ledger cannot be written, the erasure rolls back; when the commit fails after the
    ledger was written, the keys are refused anyway, which errs on the side of erasure.
    """
    if not key_ids:
        return
    path = ledger_path()
    lines = "".join(f"{k} {day.isoformat()}\n" for k in sorted(key_ids, key=str))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="ascii") as fh:
            if fh.tell() == 0:
                fh.write(HEADER)
            fh.write(lines)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise LedgerError(f"erasure ledger {path} cannot be written: {exc}") from exc
    with _lock:
        _cache.clear()
