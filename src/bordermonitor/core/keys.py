"""The master key and the keys derived from it.

The master key never enters the database.  It is a file of 32 random bytes
(base64) kept outside the data that gets copied around; every other key is
derived from it with HKDF under a purpose label, so a leak of one derived key
(e.g. the blind-index key) reveals nothing about the others.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MASTER_KEY_BYTES = 32


class MasterKeyError(RuntimeError):
    """The master key file is missing, unreadable, malformed or too open."""


def create_master_key(path: Path) -> bool:
    """Write a new master key with mode 0600; return False when one already exists."""
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(base64.b64encode(os.urandom(MASTER_KEY_BYTES)) + b"\n")
    return True


def key_file_problem(path: Path) -> str | None:
    """Why the key file cannot be used in production, or None when it can."""
    path = Path(path)
    if not path.exists():
        return f"master key file {path} does not exist; run `bordermonitor keys init`"
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"master key file {path} is accessible to other users (mode {mode:o}); chmod 600 it"
    try:
        _read_master_key(path)
    except MasterKeyError as exc:
        return str(exc)
    return None


def _read_master_key(path: Path) -> bytes:
    try:
        raw = Path(path).read_bytes().strip()
        key = base64.b64decode(raw, validate=True)
    except (OSError, ValueError) as exc:
        raise MasterKeyError(f"master key file {path} cannot be read: {exc}") from exc
    if len(key) != MASTER_KEY_BYTES:
        raise MasterKeyError(f"master key file {path} does not hold a {MASTER_KEY_BYTES}-byte key")
    return key


@lru_cache(maxsize=4)
def _master_key_cached(path: str, mtime_ns: int) -> bytes:
    return _read_master_key(Path(path))


def master_key() -> bytes:
    """The master key named by settings.KEY_FILE."""
    from django.conf import settings

    path = Path(settings.KEY_FILE)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise MasterKeyError(
            f"master key file {path} does not exist; run `bordermonitor keys init`"
        ) from exc
    return _master_key_cached(str(path), mtime)


def derive_key(purpose: str, length: int = 32) -> bytes:
    """A key for one purpose ("wrap", "blind-index", ...), derived from the master key."""
    return _derive(master_key(), purpose, length)


@lru_cache(maxsize=64)
def _derive(master: bytes, purpose: str, length: int) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=b"bordermonitor/v1",
        info=purpose.encode(),
    )
    return hkdf.derive(master)


def django_secret_key(path: Path) -> str:
    """Django's SECRET_KEY, derived from the master key when the file is there."""
    try:
        master = _read_master_key(path)
    except MasterKeyError:
        # No key yet (before `keys init`): the key check stops the server from
        # running like this in production; commands such as `keys init` still work.
        return "bordermonitor-no-master-key-" + hashlib.sha256(str(path).encode()).hexdigest()
    return base64.urlsafe_b64encode(_derive(master, "django-secret-key", 48)).decode()
