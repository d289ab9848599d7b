"""The audit trail: who viewed, changed, exported, signed in or was refused — never what.

Every entry is chained to the one before: its `mac` is HMAC-SHA256 under a key
derived from the master key (which never enters the database) over the previous
entry's mac and this entry's canonical form.  Someone with write access to the
database but without the key file cannot edit, insert, delete or reorder entries
without `audit verify` naming the first broken one; cutting entries off the end is
caught by comparing with a head recorded elsewhere (`audit head`, `--anchor`).

Entries name a record by its pseudonymous code and kind only, never a name or any
field content.  Appends are serialised (a table lock on PostgreSQL, SQLite's write
lock elsewhere), so the chain cannot fork under concurrent requests.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

KEY_PURPOSE = "audit-trail-mac"
GENESIS = "0" * 64  # the "previous mac" of the first entry

VIEW = "view"
CREATE = "create"
UPDATE = "update"
DELETE = "delete"
EXPORT = "export"
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
ACCESS_REFUSED = "access_refused"
PERMISSION_CHANGE = "permission_change"
ERASE = "erase"
# the second factor asked again before dangerous work (accounts.step_up)
STEP_UP = "step_up"
STEP_UP_REFUSED = "step_up_refused"
ACTIONS = [
    VIEW,
    CREATE,
    UPDATE,
    DELETE,
    EXPORT,
    SIGN_IN,
    SIGN_IN_FAILED,
    SIGN_OUT,
    ACCESS_REFUSED,
    PERMISSION_CHANGE,
    ERASE,
    STEP_UP,
    STEP_UP_REFUSED,
]

NAME_MAX = 150
MACS_REMEMBERED = 200_000  # for telling a copied entry from an edited one; bounded memory
FIELD_MAX = 64


@dataclass(frozen=True)
class Actor:
    """Who acted: an account (id and username at the time), or the system / nobody."""

    user_id: int | None
    name: str
    address: str | None = None

    @classmethod
    def of(cls, user, address: str | None = None) -> Actor:
        """The actor for a (possibly anonymous) request user."""
        if user is not None and getattr(user, "is_authenticated", False):
            return cls(user.pk, user.get_username()[:NAME_MAX], address)
        return cls(None, "anonymous", address)

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls(None, what[:NAME_MAX])


SYSTEM = Actor.system()

_acting: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)


def client_address(request) -> str | None:
    """The peer address as the server saw it (proxies are not trusted blindly)."""
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Entries written inside this block (e.g. by the change signals) name `actor`."""
    token = _acting.set(actor)
    try:
        yield actor
    finally:
        _acting.reset(token)


def current_actor(default: Actor = SYSTEM) -> Actor:
    """The actor set by `acting_as` for this request or command, else `default`."""
    return _acting.get() or default


def _key(seq: int | None = None) -> bytes:
    """The chain key for a new entry (None), or the one that applied to entry `seq`:
    `keys rotate` keeps the retired chain keys in the key file with the first entry
    each covers, so the chain verifies across rotations."""
    from bordermonitor.core.keys import chain_key

    return chain_key(KEY_PURPOSE, seq)


def canonical(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    kind: str,
    code: str,
    client_address: str | None,
) -> bytes:
    """The bytes an entry's mac covers: every column but the mac, in a fixed form."""
    at_utc = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = [seq, at_utc, actor_id, actor_name, action, kind, code, client_address]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def chain_mac(previous_mac: str, entry_bytes: bytes, key: bytes | None = None) -> str:
    return hmac.new(
        key or _key(), previous_mac.encode() + b"|" + entry_bytes, hashlib.sha256
    ).hexdigest()


def entry_bytes(entry) -> bytes:
    return canonical(
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        action=entry.action,
        kind=entry.kind,
        code=entry.code,
        client_address=entry.client_address,
    )


def _lock_chain() -> None:
    """Serialise appends until the transaction ends.  SQLite: the settings open every
    transaction with BEGIN IMMEDIATE, which already holds the write lock."""
    if connection.vendor == "postgresql":
        from bordermonitor.accounts.models import AuditEntry

        with connection.cursor() as cursor:
            # conflicts with itself and with inserts, not with readers
            cursor.execute(
                f"LOCK TABLE {AuditEntry._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"  # noqa: S608
            )


def audit_record(
    actor: Actor | None,
    action: str,
    kind: str = "",
    code: str = "",
    *,
    address: str | None = None,
):
    """Append one entry to the chain; `actor` None means whoever `acting_as` names.

    `kind` is a model or object kind ("person", "capability", "user"), `code` the
    record's pseudonymous code: never a name or any content.
    """
    from bordermonitor.accounts.models import AuditEntry

    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    actor = actor or current_actor()
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "mac").first()
        seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
        fields = {
            "seq": seq,
            "at": timezone.now(),
            "actor_id": actor.user_id,
            "actor_name": actor.name[:NAME_MAX],
            "action": action,
            "kind": kind[:FIELD_MAX],
            "code": code[:FIELD_MAX],
            "client_address": address or actor.address,
        }
        mac = chain_mac(previous, canonical(**fields))
        return AuditEntry.objects.create(mac=mac, **fields)


# -- checking the chain -------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The last entry's sequence number and mac: record it outside the system."""

    seq: int
    mac: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.mac}"

    @classmethod
    def parse(cls, text: str) -> Head:
        seq, sep, mac = text.strip().partition(":")
        if not sep or not seq.isdigit() or len(mac) != 64:
            raise ValueError(
                f"{text!r} is not a chain head; expected SEQ:MAC as printed by `audit head`"
            )
        return cls(int(seq), mac.lower())


def chain_head() -> Head:
    from bordermonitor.accounts.models import AuditEntry

    last = AuditEntry.objects.order_by("-seq").values_list("seq", "mac").first()
    return Head(*last) if last else Head(0, GENESIS)


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold, and why."""

    seq: int
    reason: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.reason}"


@dataclass(frozen=True)
class Verdict:
    checked: int
    head: Head
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def audit_verify(anchor: Head | None = None, batch: int = 2000) -> Verdict:
    """Walk the chain from the start; stop at the first entry that does not hold.

    Each entry's mac must follow from the stored mac before it, so an edited entry
    breaks at itself, an inserted or moved one at its place, and a deleted one
    shows as a gap in the numbering (or, renumbered, as a mac that fails).
    """
    from bordermonitor.accounts.models import AuditEntry

    previous, expected, checked = GENESIS, 1, 0
    macs: dict[str, int] = {}  # stored mac -> seq, to tell a moved entry from an edit
    rows = AuditEntry.objects.order_by("seq").only(
        "seq", "at", "actor_id", "actor_name", "action", "kind", "code", "client_address", "mac"
    )
    for entry in rows.iterator(chunk_size=batch):
        if entry.seq != expected:
            if entry.seq > expected:
                missing = (
                    f"entry {expected} is missing"
                    if entry.seq == expected + 1
                    else f"entries {expected}–{entry.seq - 1} are missing"
                )
                reason = f"{missing}: deleted (the chain jumps from {expected - 1} to {entry.seq})"
                return Verdict(checked, Head(expected - 1, previous), Break(expected, reason))
            return Verdict(
                checked,
                Head(expected - 1, previous),
                Break(entry.seq, "sequence number out of order: inserted or renumbered"),
            )
        if chain_mac(previous, entry_bytes(entry), _key(entry.seq)) != entry.mac:
            reason = _why(entry, macs)
            return Verdict(checked, Head(expected - 1, previous), Break(entry.seq, reason))
        if len(macs) < MACS_REMEMBERED:
            macs[entry.mac] = entry.seq
        previous, expected, checked = entry.mac, expected + 1, checked + 1
    head = Head(expected - 1, previous)
    if anchor is not None:
        if anchor.seq > head.seq:
            return Verdict(
                checked,
                head,
                Break(
                    head.seq + 1,
                    f"entries {head.seq + 1}–{anchor.seq} were cut off the end "
                    f"(the anchor is at {anchor.seq}, the chain ends at {head.seq})",
                ),
            )
        stored = AuditEntry.objects.filter(seq=anchor.seq).values_list("mac", flat=True).first()
        if stored != anchor.mac:
            return Verdict(
                checked,
                head,
                Break(
                    anchor.seq,
                    "differs from the anchor: the chain was cut and rebuilt from here",
                ),
            )
    return Verdict(checked, head, None)


def _why(entry, macs: dict[str, int]) -> str:
    """A hint at what broke the link; the sequence number named is what matters."""
    if entry.mac in macs:
        return f"a copy of entry {macs[entry.mac]}: inserted or moved"
    return "does not match its mac: edited, inserted, or moved (reordered)"
