"""The master key and the keys derived from it.

The master key never enters the database.  It lives in a key file kept outside
the data that gets copied around; every other key is derived from it with HKDF
under a purpose label, so a leak of one derived key (e.g. the blind-index key)
reveals nothing about the others.

Key file formats.  Version 1 (written by `keys init`): one line, 32 random bytes in
base64.  Version 2 (written by `keys rotate`), one item per line:

    bordermonitor-keys 2
    master <base64>                                  the current master key
    carried <purpose> <base64>                       a derived key kept as is across rotations
    retired <purpose> <from seq> <base64>            an earlier chain key, for entries from seq
    current <purpose> <from seq>                     the current master's key applies from seq

`carried` keys are the index keys (blind index of names, matching blocking keys):
their digests are stored in the database, and keeping the key means they stay
valid without recomputing them.  `retired` keys are the audit chain's earlier keys,
so `audit verify` checks the whole chain across rotations.  A retired *master* key
is never kept: what it wrapped is re-wrapped, and the database file is re-keyed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MASTER_KEY_BYTES = 32
FORMAT_V2 = "bordermonitor-keys 2"
NEXT_SUFFIX = ".next"
# Derived keys whose outputs are stored in the database as lookup digests: carried
# over unchanged by `keys rotate` (see docs/DESIGN.md, Keys).
INDEX_PURPOSES = ("blind-index/names", "linkage/blocking-keys")


class MasterKeyError(RuntimeError):
    """The master key file is missing, unreadable, malformed or too open."""


@dataclass(frozen=True)
class KeyFile:
    """The parsed key file: the master key, carried index keys, the audit key schedule."""

    master: bytes
    carried: dict[str, bytes] = field(default_factory=dict)
    retired: tuple[tuple[str, int, bytes], ...] = ()  # (purpose, from seq, key), by seq
    current_from: dict[str, int] = field(default_factory=dict)  # purpose -> first seq

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.master)

    def derive(self, purpose: str, length: int = 32) -> bytes:
        """The key for `purpose`: carried over as is, else derived from the master key."""
        carried = self.carried.get(purpose)
        if carried is not None and len(carried) == length:
            return carried
        return _derive(self.master, purpose, length)

    def key_for_sequence(self, purpose: str, seq: int) -> bytes:
        """The chain key that applied to entry `seq` of a chain keyed for `purpose`."""
        if seq >= self.current_from.get(purpose, 1):
            return self.derive(purpose)
        chosen = None
        for p, from_seq, key in self.retired:
            if p == purpose and from_seq <= seq:
                chosen = key
        if chosen is None:
            raise MasterKeyError(
                f"the key file has no {purpose} key for entry {seq} (retired keys lost?)"
            )
        return chosen

    def render(self) -> bytes:
        b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
        lines = [FORMAT_V2, f"master {b64(self.master)}"]
        lines += [f"carried {p} {b64(k)}" for p, k in sorted(self.carried.items())]
        lines += [f"retired {p} {n} {b64(k)}" for p, n, k in self.retired]
        lines += [f"current {p} {n}" for p, n in sorted(self.current_from.items())]
        return ("\n".join(lines) + "\n").encode()


def key_fingerprint(master: bytes) -> str:
    """A short public name for a master key (stored beside what it wrapped); reveals nothing."""
    return _derive(master, "key-fingerprint", 8).hex()


def new_key_file() -> KeyFile:
    return KeyFile(master=os.urandom(MASTER_KEY_BYTES))


def write_key_file(path: Path, key_file: KeyFile) -> None:
    """Write `key_file` to `path` atomically (temporary file, fsync, rename), mode 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_file.render())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
        return (
            f"master key file {path} is accessible to other users (mode {mode:o}); "
            f"run `chmod 600 {path}`"
        )
    try:
        _read_master_key(path)
    except MasterKeyError as exc:
        return str(exc)
    return None


def _decode(raw: str, path: Path, lineno: int) -> bytes:
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise MasterKeyError(
            f"master key file {path} cannot be read: line {lineno} is not base64"
        ) from exc


def parse_key_file(data: bytes, path: Path) -> KeyFile:
    """Parse either key file format; a malformed file names its line."""
    try:
        lines = data.decode("ascii").splitlines()
    except UnicodeDecodeError as exc:
        raise MasterKeyError(f"master key file {path} cannot be read: not ASCII") from exc
    lines = [line.strip() for line in lines]
    if not lines or lines[0] != FORMAT_V2:
        master = _decode("".join(lines), path, 1)
        if len(master) != MASTER_KEY_BYTES:
            raise MasterKeyError(
                f"master key file {path} does not hold a {MASTER_KEY_BYTES}-byte key"
            )
        return KeyFile(master=master)
    master, carried, retired, current_from = None, {}, [], {}
    for lineno, line in enumerate(lines[1:], start=2):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        kind, args = parts[0], parts[1:]
        try:
            if kind == "master" and len(args) == 1:
                master = _decode(args[0], path, lineno)
            elif kind == "carried" and len(args) == 2:
                carried[args[0]] = _decode(args[1], path, lineno)
            elif kind == "retired" and len(args) == 3:
                retired.append((args[0], int(args[1]), _decode(args[2], path, lineno)))
            elif kind == "current" and len(args) == 2:
                current_from[args[0]] = int(args[1])
            else:
                raise ValueError(kind)
        except ValueError as exc:
            raise MasterKeyError(
                f"key file {path} line {lineno}: not understood ({kind} ...)"
            ) from exc
    if master is None or len(master) != MASTER_KEY_BYTES:
        raise MasterKeyError(f"key file {path} does not hold a {MASTER_KEY_BYTES}-byte master key")
    retired.sort(key=lambda item: (item[0], item[1]))
    return KeyFile(master, carried, tuple(retired), current_from)


def _read_master_key(path: Path) -> bytes:
    return read_key_file(path).master


def read_key_file(path: Path) -> KeyFile:
    """The key file at `path`, parsed (cached while the file is unchanged)."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise MasterKeyError(
            f"master key file {path} does not exist; run `bordermonitor keys init`"
        ) from exc
    return _key_file_cached(str(path), st.st_mtime_ns, st.st_ino, st.st_size)


@lru_cache(maxsize=8)
def _key_file_cached(path: str, mtime_ns: int, inode: int, size: int) -> KeyFile:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MasterKeyError(f"master key file {path} cannot be read: {exc}") from exc
    return parse_key_file(data, Path(path))


def key_file_path() -> Path:
    from django.conf import settings

    return Path(settings.KEY_FILE)


def next_key_path(path: Path | None = None) -> Path:
    """Where `keys rotate` keeps the new key until the swap: `<key file>.next`."""
    path = Path(path or key_file_path())
    return path.with_name(path.name + NEXT_SUFFIX)


def current_key_file() -> KeyFile:
    """The key file named by settings.KEY_FILE."""
    return read_key_file(key_file_path())


def pending_key_file() -> KeyFile | None:
    """The new key of a rotation under way (`<key file>.next`), or None."""
    path = next_key_path()
    if not path.exists():
        return None
    return read_key_file(path)


def master_key() -> bytes:
    """The master key named by settings.KEY_FILE."""
    return current_key_file().master


def derive_key(purpose: str, length: int = 32) -> bytes:
    """A key for one purpose ("wrap", "blind-index", ...), derived from the master key."""
    return current_key_file().derive(purpose, length)


def derive_from(master: bytes, purpose: str, length: int = 32) -> bytes:
    """A key for `purpose` derived from a given master key (rotation, re-keying)."""
    return _derive(master, purpose, length)


def chain_key(purpose: str, seq: int | None = None) -> bytes:
    """The key of a keyed chain (the audit trail) for entry `seq`; None: a new entry."""
    key_file = current_key_file()
    if seq is None:
        return key_file.derive(purpose)
    return key_file.key_for_sequence(purpose, seq)


def wrapping_key_files() -> list[KeyFile]:
    """The key files that may have wrapped a stored key: the current one, then a pending one."""
    files = [current_key_file()]
    pending = pending_key_file()
    if pending is not None:
        files.append(pending)
    return files


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
    """Django's SECRET_KEY, derived from the master key when the file is there.

    It changes with `keys rotate` (sessions and password-reset links end at the next
    server start).
    """
    try:
        master = _read_master_key(path)
    except MasterKeyError:
        # No key yet (before `keys init`): the key check stops the server from
        # running like this in production; commands such as `keys init` still work.
        return "bordermonitor-no-master-key-" + hashlib.sha256(str(path).encode()).hexdigest()
    return base64.urlsafe_b64encode(_derive(master, "django-secret-key", 48)).decode()
