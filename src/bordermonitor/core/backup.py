"""Encrypted, integrity-checked backups of the whole database and every evidence file.

Archive layout (everything after the header is AES-256-GCM):

    header   b"BMBACKUP" | version (2 bytes) | salt (16) | nonce prefix (7)
    chunks   length (4 bytes, big-endian) | ciphertext+tag, repeated

Each chunk holds up to 1 MiB of plaintext.  Its nonce is the archive's nonce
prefix, the chunk's sequence number (4 bytes) and a final-chunk flag (1 byte), and
the header is its associated data: a chunk moved, dropped, repeated or edited fails
to open; an archive cut off anywhere lacks the chunk flagged final; bytes after
the final chunk are refused.  The key is derived from the master key (purpose
"backup") with the archive's random salt, so an archive is useless without the
master key, which is never inside it (nor is the erasure ledger).

The plaintext is a gzip'd tar stream:

    db/NNN-<app>.<model>.jsonl   one file per model: a header line naming the columns,
                                 then one JSON array per row, every column as stored
                                 (sealed values stay sealed, base64)
    evidence/<path>              every file under DATA_DIR/evidence, byte for byte
                                 (they are sealed with their attachment's key)
    manifest.json                last: the migrations applied, each member's SHA-256,
                                 the row count per model, size and SHA-256 per file

`restore` refuses a database or data directory that is not empty, decrypts the
whole archive into a private temporary directory and checks every chunk and every
SHA-256 and row count *before* writing anything; it then migrates to the archive's
schema of this version (refusing an archive made by a newer one), loads all rows in
one transaction, re-applies the erasure ledger (`records.erasure.apply_erasure_ledger`)
and moves the evidence files into place.  A damaged archive restores nothing.  An
archive from an older version loads with columns added since at their defaults.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from bordermonitor.core.fields import _EncryptedField, _Sealed
from bordermonitor.core.keys import derive_key

MAGIC = b"BMBACKUP"
VERSION = 1
SALT_BYTES = 16
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + 2 + SALT_BYTES + PREFIX_BYTES
CHUNK_BYTES = 1024 * 1024
TAG_BYTES = 16
FORMAT = "bordermonitor-backup/1"
KEY_PURPOSE = "backup"
# transient state, not records: sessions end, sign-in throttling restarts
SKIPPED_APPS = frozenset({"sessions", "axes"})
EVIDENCE = "evidence"

Progress = Callable[[str], None]


class BackupError(RuntimeError):
    """The archive cannot be written, is damaged, or cannot be restored here."""


# -- the encrypted container ----------------------------------------------------------


def _archive_key(salt: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"bordermonitor/backup/v1"
    ).derive(derive_key(KEY_PURPOSE))


def _nonce(prefix: bytes, seq: int, final: bool) -> bytes:
    return prefix + struct.pack(">I", seq) + (b"\x01" if final else b"\x00")


class _EncryptingWriter(io.RawIOBase):
    """A write-only stream that seals what it is given in numbered chunks."""

    def __init__(self, out: BinaryIO) -> None:
        super().__init__()
        self._out = out
        salt, self._prefix = os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES)
        self._header = MAGIC + struct.pack(">H", VERSION) + salt + self._prefix
        self._aead = AESGCM(_archive_key(salt))
        self._buffer = bytearray()
        self._seq = 0
        self._finished = False
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK_BYTES:  # keep at least one byte for the final chunk
            self._emit(bytes(self._buffer[:CHUNK_BYTES]), final=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def _emit(self, plain: bytes, *, final: bool) -> None:
        if self._seq >= 2**32 - 1:
            raise BackupError("archive too large for one key (over 4 PiB)")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._seq, final), plain, self._header)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._seq += 1

    def finish(self) -> None:
        if not self._finished:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._finished = True


def _decrypt_to(source: BinaryIO, out: BinaryIO) -> int:
    """Open every chunk in order into `out`; refuse a damaged or cut archive."""
    header = source.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
        raise BackupError("not a bordermonitor backup (the header is missing or wrong)")
    (version,) = struct.unpack(">H", header[len(MAGIC) : len(MAGIC) + 2])
    if version != VERSION:
        raise BackupError(f"backup format version {version} is not supported (expected {VERSION})")
    salt = header[len(MAGIC) + 2 : len(MAGIC) + 2 + SALT_BYTES]
    prefix = header[-PREFIX_BYTES:]
    aead = AESGCM(_archive_key(salt))
    seq, total = 0, 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) < 4:
            raise BackupError(
                f"the archive is truncated: it ends after chunk {seq} without its final chunk"
            )
        (size,) = struct.unpack(">I", size_bytes)
        if size < TAG_BYTES or size > CHUNK_BYTES + TAG_BYTES:
            raise BackupError(f"chunk {seq}: impossible length {size}; the archive is damaged")
        sealed = source.read(size)
        if len(sealed) < size:
            raise BackupError(f"the archive is truncated inside chunk {seq}")
        for final in (False, True):
            try:
                plain = aead.decrypt(_nonce(prefix, seq, final), sealed, header)
                break
            except InvalidTag:
                continue
        else:
            raise BackupError(
                f"chunk {seq} does not open: the archive was altered, reordered or damaged, "
                "or it was made with another master key"
            )
        out.write(plain)
        total += len(plain)
        seq += 1
        if final:
            if source.read(1):
                raise BackupError("there are bytes after the final chunk; the archive was altered")
            return total


# -- rows as stored ------------------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete table of the project (join tables included), parents first."""
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed
        and not m._meta.proxy
        and not m._meta.swapped
        and m._meta.app_label not in SKIPPED_APPS
    ]
    found.sort(key=lambda m: m._meta.label)
    ordered: list[type[models.Model]] = []
    seen: set = set()

    def visit(model, trail=()):
        if model in seen or model in trail:
            return
        for f in model._meta.concrete_fields:
            target = f.related_model if (f.many_to_one or f.one_to_one) else None
            if target is not None and target is not model and target in found:
                visit(target, (*trail, model))
        if model not in seen:
            seen.add(model)
            ordered.append(model)

    for model in found:
        visit(model)
    return ordered


def _columns(model) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _encode(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, _Sealed):
        value = value.blob
    if isinstance(field, models.BinaryField):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(field, models.JSONField):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID, dt.timedelta)):
        return str(value)
    return value


def _decode(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.BinaryField):
        raw = base64.b64decode(value)
        return _Sealed(raw) if isinstance(field, _EncryptedField) else raw
    if isinstance(field, models.JSONField):
        return value
    return field.to_python(value)


def model_rows(model) -> Iterator[list]:
    """Each row of the model's table, every column encoded for JSON, in key order."""
    fields = _columns(model)
    qs = model._base_manager.order_by("pk").values_list(*[f.attname for f in fields])
    for row in qs.iterator(chunk_size=2000):
        yield [_encode(f, v) for f, v in zip(fields, row, strict=True)]


def evidence_root() -> Path:
    return Path(settings.DATA_DIR) / EVIDENCE


def evidence_files() -> list[Path]:
    root = evidence_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".incoming-"))


# -- backup --------------------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    def __init__(self, fh: BinaryIO) -> None:
        super().__init__()
        self._fh = fh
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._fh.read(len(buffer))
        self.sha.update(data)
        buffer[: len(data)] = data
        return len(data)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


@dataclass
class BackupSummary:
    rows: int
    models: int
    files: int
    size: int


def backup(out_path: Path, progress: Progress | None = None) -> BackupSummary:
    """Write one encrypted archive of the database and the evidence files to `out_path`.

    Written beside the target and renamed at the end, so a failed run leaves no
    half-written archive under that name.  Reads inside one transaction (a
    consistent snapshot on PostgreSQL; SQLite's file lock holds writers off).
    """
    say = progress or (lambda message: None)
    out_path = Path(out_path)
    if out_path.is_dir():
        raise BackupError(f"{out_path} is a directory; name the archive file to write")
    if not out_path.parent.is_dir():
        raise BackupError(f"the directory {out_path.parent} does not exist")
    if out_path.exists():
        raise BackupError(f"{out_path} already exists; choose a new name")
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": dt.datetime.now(dt.UTC).isoformat()}
    fd, tmp_name = tempfile.mkstemp(dir=out_path.parent, prefix=".backup-")
    tmp = Path(tmp_name)
    total_rows = 0
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    try:
        with os.fdopen(fd, "wb") as raw_out:
            writer = _EncryptingWriter(raw_out)
            with (
                tarfile.open(fileobj=writer, mode="w|gz", format=tarfile.PAX_FORMAT) as tar,
                transaction.atomic(),
            ):
                if snapshot:  # one consistent view of every table
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                recorder = MigrationRecorder(connection)
                manifest["migrations"] = sorted(map(list, recorder.applied_migrations()))
                manifest["database"] = connection.vendor
                manifest["models"] = {}
                for index, model in enumerate(backed_up_models()):
                    label = model._meta.label_lower
                    member = f"db/{index:03d}-{label}.jsonl"
                    buf = io.BytesIO()
                    cols = [f.attname for f in _columns(model)]
                    header = {"model": label, "columns": cols}
                    buf.write(json.dumps(header).encode() + b"\n")
                    count = 0
                    for row in model_rows(model):
                        buf.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
                        count += 1
                    data = buf.getvalue()
                    _add_bytes(tar, member, data)
                    manifest["models"][label] = {
                        "member": member,
                        "rows": count,
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                    total_rows += count
                    if count:
                        say(f"  {label}: {count} rows")
                files = evidence_files()
                manifest["files"] = {}
                root = evidence_root()
                for number, path in enumerate(files, start=1):
                    rel = path.relative_to(root).as_posix()
                    info = tar.gettarinfo(str(path), arcname=f"{EVIDENCE}/{rel}")
                    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                    with path.open("rb") as fh:
                        reader = _HashingReader(fh)
                        tar.addfile(info, io.BufferedReader(reader))
                    manifest["files"][rel] = {"size": info.size, "sha256": reader.sha.hexdigest()}
                    if number % 100 == 0 or number == len(files):
                        say(f"  evidence files: {number}/{len(files)}")
                _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            writer.finish()
            raw_out.flush()
            os.fsync(raw_out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return BackupSummary(
        rows=total_rows,
        models=len(manifest["models"]),
        files=len(manifest["files"]),
        size=out_path.stat().st_size,
    )


# -- restore -------------------------------------------------------------------------------


def _nonempty_reason() -> str | None:
    """Why this database or data directory is not an empty place to restore into."""
    from bordermonitor.core.models import ProtectedRecord

    if evidence_files():
        return f"the data directory already holds evidence files ({evidence_root()})"
    tables = set(connection.introspection.table_names())
    checked = [
        m
        for m in backed_up_models()
        if issubclass(m, ProtectedRecord)
        or m._meta.label_lower in {"accounts.user", "accounts.auditentry", "core.datakey"}
    ]
    for model in checked:
        if model._meta.db_table in tables and model._base_manager.exists():
            return (
                f"the database is not empty: {model._meta.verbose_name_plural} exist "
                f"({model._meta.db_table})"
            )
    return None


@contextmanager
def _private_workdir() -> Iterator[Path]:
    """A directory only we can read, inside the data directory (not a shared /tmp)."""
    base = Path(settings.DATA_DIR)
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=base, prefix=".restore-"))
    os.chmod(work, 0o700)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sha256_of(fh: BinaryIO) -> str:
    sha = hashlib.sha256()
    for block in iter(lambda: fh.read(1024 * 1024), b""):
        sha.update(block)
    return sha.hexdigest()


def _read_manifest(tar_path: Path) -> dict:
    with tarfile.open(tar_path, "r:gz") as tar:
        try:
            member = tar.getmember("manifest.json")
        except KeyError:
            raise BackupError("the archive has no manifest; it is damaged") from None
        manifest = json.loads(tar.extractfile(member).read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown archive format {manifest.get('format')!r}")
        expected = {v["member"]: v["sha256"] for v in manifest["models"].values()}
        expected |= {f"{EVIDENCE}/{k}": v["sha256"] for k, v in manifest["files"].items()}
        present = {m.name for m in tar.getmembers() if m.name != "manifest.json"}
        if present != set(expected):
            raise BackupError(
                "the archive's members differ from its manifest "
                f"({len(present ^ set(expected))} missing or unexpected)"
            )
        for member in tar.getmembers():
            if member.name == "manifest.json":
                continue
            if not member.isfile() or member.name.startswith("/") or ".." in member.name:
                raise BackupError(f"unexpected member {member.name!r} in the archive")
            if _sha256_of(tar.extractfile(member)) != expected[member.name]:
                raise BackupError(f"{member.name}: SHA-256 differs from the manifest; damaged")
    return manifest


@contextmanager
def _stored_as_given(model_list) -> Iterator[None]:
    """Keep created/updated timestamps as they were written (no auto_now on load)."""
    saved = []
    for model in model_list:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def _check_migrations(applied: set[tuple[str, str]]) -> None:
    """Refuse an archive made by a newer version (a migration unknown here)."""
    graph = MigrationExecutor(connection).loader.graph
    unknown = sorted(n for n in applied if n not in graph.nodes)
    if unknown:
        app, name = unknown[0]
        raise BackupError(
            f"the archive was made by a newer version (migration {app}.{name} is unknown "
            "here); upgrade bordermonitor first"
        )


def _load_rows(tar_path: Path, manifest: dict, say: Progress) -> int:
    by_label = {m._meta.label_lower: m for m in backed_up_models()}
    unknown = sorted(set(manifest["models"]) - set(by_label))
    if unknown:
        raise BackupError(f"the archive holds a table this version does not know: {unknown[0]}")
    order = [label for label in by_label if label in manifest["models"]]
    loaded = 0
    quote = connection.ops.quote_name
    with tarfile.open(tar_path, "r:gz") as tar, _stored_as_given(by_label.values()):
        with connection.cursor() as cursor:
            # rows put there by migrations (vocabularies, content types) make way for
            # the archive's own, so ids match what refers to them
            for label in reversed(order):
                model = by_label[label]
                if model._base_manager.exists():
                    cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608  # nosec B608
        for label in order:
            model, entry = by_label[label], manifest["models"][label]
            fh = tar.extractfile(entry["member"])
            header = json.loads(fh.readline())
            fields = {f.attname: f for f in _columns(model)}
            missing = [c for c in header["columns"] if c not in fields]
            if missing:
                raise BackupError(f"{label}: column {missing[0]} is unknown to this version")
            cols = [fields[c] for c in header["columns"]]
            batch, count = [], 0
            for line in fh:
                values = json.loads(line)
                obj = model(**{f.attname: _decode(f, v) for f, v in zip(cols, values, strict=True)})
                batch.append(obj)
                if len(batch) >= 500:
                    model._base_manager.bulk_create(batch)
                    count, batch = count + len(batch), []
            if batch:
                model._base_manager.bulk_create(batch)
                count += len(batch)
            if count != entry["rows"] or model._base_manager.count() != entry["rows"]:
                raise BackupError(
                    f"{label}: {count} rows read, {entry['rows']} expected; archive damaged"
                )
            loaded += count
            if count:
                say(f"  {label}: {count} rows")
    sequences = connection.ops.sequence_reset_sql(no_style(), list(by_label.values()))
    if sequences:
        with connection.cursor() as cursor:
            for sql in sequences:
                cursor.execute(sql)
    return loaded


@dataclass
class RestoreSummary:
    rows: int
    files: int
    keys_erased: int
    files_skipped: int


def restore(in_path: Path, progress: Progress | None = None) -> RestoreSummary:
    """Restore an archive into an empty database and data directory (see module doc)."""
    from django.contrib.contenttypes.models import ContentType

    from bordermonitor.records.erasure import apply_erasure_ledger
    from bordermonitor.records.models import Attachment

    say = progress or (lambda message: None)
    in_path = Path(in_path)
    if not in_path.is_file():
        raise BackupError(f"{in_path}: no such archive file")
    reason = _nonempty_reason()
    if reason:
        raise BackupError(f"refusing to restore: {reason}; restore only into an empty one")
    with _private_workdir() as work:
        tar_path = work / "archive.tar.gz"
        say("checking and decrypting the archive")
        with in_path.open("rb") as source, tar_path.open("wb") as out:
            _decrypt_to(source, out)
        try:
            manifest = _read_manifest(tar_path)
        except (tarfile.TarError, gzip.BadGzipFile, EOFError, json.JSONDecodeError) as exc:
            raise BackupError(f"the archive's contents are damaged: {exc}") from None
        say(
            f"archive verified: {sum(v['rows'] for v in manifest['models'].values())} rows, "
            f"{len(manifest['files'])} evidence files"
        )
        staged = work / EVIDENCE
        with tarfile.open(tar_path, "r:gz") as tar:
            for rel in manifest["files"]:
                target = staged / rel
                target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                with tar.extractfile(f"{EVIDENCE}/{rel}") as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.chmod(target, 0o600)
        _check_migrations({tuple(n) for n in manifest["migrations"]})
        say("migrating the database")
        call_command("migrate", verbosity=0, interactive=False)
        with transaction.atomic():
            rows = _load_rows(tar_path, manifest, say)
            before = set(Attachment.objects.values_list("pk", flat=True))
            erased = apply_erasure_ledger(say)
            gone = {str(pk) for pk in before - set(Attachment.objects.values_list("pk", flat=True))}
        ContentType.objects.clear_cache()
        skipped = 0
        for rel in manifest["files"]:
            if Path(rel).name.split(".")[0] in gone:  # evidence of an erased record
                (staged / rel).unlink()
                skipped += 1
        root = evidence_root()
        if evidence_files():
            raise BackupError(f"evidence files appeared in {root} during the restore")
        shutil.rmtree(root, ignore_errors=True)
        if staged.exists():
            os.replace(staged, root)
    return RestoreSummary(
        rows=rows, files=len(manifest["files"]) - skipped, keys_erased=erased, files_skipped=skipped
    )
