"""`bordermonitor audit verify|head`: the chain is tampered with for real (raw SQL on
the table, through the maintenance flag the test harness sets) and every kind of
tampering is found and named by the sequence number where the chain breaks."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bordermonitor.accounts import audit
from bordermonitor.accounts.models import AuditEntry

TABLE = "accounts_auditentry"
FAR = 1_000_000  # a free sequence number to park a row on while renumbering


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("audit", "verify", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _broken(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        _verify(*args)
    assert caught.value.returncode != 0  # the process exits non-zero
    return str(caught.value)


def _head() -> str:
    out = StringIO()
    call_command("audit", "head", stdout=out)
    return out.getvalue().strip()


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


@pytest.fixture
def chain(db) -> list[AuditEntry]:
    """Six honest entries, numbered 1..6 (each test starts from an empty table)."""
    assert not AuditEntry.objects.exists()
    actor = audit.Actor(7, "u-monitor", "192.0.2.10")
    entries = [
        audit.audit_record(actor, audit.VIEW, "person", f"P-2024-0000{n}") for n in range(1, 7)
    ]
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    return entries


def test_an_intact_chain_verifies_and_head_prints_seq_and_mac(chain):
    assert _head() == f"6:{chain[-1].mac}"
    assert "intact: 6 entries" in _verify()
    assert "anchor 6 matches" in _verify("--anchor", _head())


def test_an_empty_chain_verifies(db):
    assert _head() == f"0:{audit.GENESIS}"
    assert "intact: 0 entries" in _verify()


def test_an_edited_entry_is_named(chain):
    _sql(f"UPDATE {TABLE} SET code = %s WHERE seq = 3", ["P-2024-00099"])  # noqa: S608
    message = _broken()
    assert "entry 3:" in message and "edited" in message
    assert "2 entries before it hold" in message


def test_an_edited_timestamp_or_actor_is_named(chain):
    _sql(
        f"UPDATE {TABLE} SET at = %s WHERE seq = 5",  # noqa: S608
        [dt.datetime(2020, 1, 1, tzinfo=dt.UTC)],
    )
    assert "entry 5:" in _broken()
    _sql(f"UPDATE {TABLE} SET at = %s, actor_name = %s WHERE seq = 5", [chain[4].at, "u-admin"])  # noqa: S608
    assert "entry 5:" in _broken()


def test_a_deleted_entry_is_named(chain):
    _sql(f"DELETE FROM {TABLE} WHERE seq = 4")  # noqa: S608
    message = _broken()
    assert "entry 4:" in message and "missing" in message and "deleted" in message


def test_a_deleted_and_renumbered_entry_is_named(chain):
    """Closing the gap does not help: the renumbered entry's mac covers its number."""
    _sql(f"DELETE FROM {TABLE} WHERE seq = 4")  # noqa: S608
    for seq in (5, 6):
        _sql(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [seq - 1, seq])  # noqa: S608
    assert "entry 4:" in _broken()


def _insert(seq: int, mac: str, code: str = "P-2024-00077") -> None:
    _sql(
        f"INSERT INTO {TABLE} (seq, at, actor_id, actor_name, action, kind, code, "  # noqa: S608
        "client_address, mac) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [seq, dt.datetime.now(dt.UTC), 7, "u-monitor", "view", "person", code, None, mac],
    )


def test_an_entry_inserted_in_the_middle_is_named(chain):
    for seq in (6, 5, 4, 3):  # make room at 3, from the top (the number is unique)
        _sql(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [seq + 1, seq])  # noqa: S608
    _insert(3, "ab" * 32)
    message = _broken()
    assert "entry 3:" in message
    assert "2 entries before it hold" in message


def test_a_copied_entry_inserted_is_named(chain):
    """Even a copy carrying a genuine mac breaks the chain where it was put."""
    _insert(7, chain[1].mac, code=chain[1].code)
    message = _broken()
    assert "entry 7:" in message and "copy of entry 2" in message


def test_an_entry_appended_without_the_key_is_named(chain):
    _insert(7, audit.chain_mac(chain[-1].mac, b"forged", key=b"k" * 32))
    assert "entry 7:" in _broken()


def test_swapped_entries_are_named(chain):
    """Two entries change places (their numbers exchanged): named at the first."""
    _sql(f"UPDATE {TABLE} SET seq = %s WHERE seq = 2", [FAR])  # noqa: S608
    _sql(f"UPDATE {TABLE} SET seq = 2 WHERE seq = 5")  # noqa: S608
    _sql(f"UPDATE {TABLE} SET seq = 5 WHERE seq = %s", [FAR])  # noqa: S608
    message = _broken()
    assert "entry 2:" in message and "moved" in message


def test_swapped_contents_are_named(chain):
    """Numbers kept, everything else exchanged between entries 3 and 4."""
    columns = ["at", "actor_id", "actor_name", "action", "kind", "code", "client_address", "mac"]
    third, fourth = (AuditEntry.objects.filter(seq=s).values_list(*columns).get() for s in (3, 4))
    assignments = ", ".join(f"{c} = %s" for c in columns)
    _sql(f"UPDATE {TABLE} SET {assignments} WHERE seq = 3", fourth)  # noqa: S608
    _sql(f"UPDATE {TABLE} SET {assignments} WHERE seq = 4", third)  # noqa: S608
    assert "entry 3:" in _broken()


def test_the_anchor_detects_entries_cut_off_the_end(chain):
    anchor = _head()
    _sql(f"DELETE FROM {TABLE} WHERE seq >= 5")  # noqa: S608
    assert "intact: 4 entries" in _verify()  # the chain alone cannot tell
    message = _broken("--anchor", anchor)
    assert "entry 5:" in message and "cut off the end" in message


def test_the_anchor_detects_a_cut_chain_grown_again(chain):
    """Cut at 5 and new honest entries appended: number 6 exists but is not the one
    recorded."""
    anchor = _head()
    _sql(f"DELETE FROM {TABLE} WHERE seq >= 5")  # noqa: S608
    for _ in range(2):
        audit.audit_record(audit.SYSTEM, audit.EXPORT, "events", "share")
    assert "intact: 6 entries" in _verify()
    message = _broken("--anchor", anchor)
    assert "entry 6:" in message and "differs from the anchor" in message


def test_an_older_anchor_still_matches_a_longer_chain(chain):
    anchor = f"3:{chain[2].mac}"
    assert "anchor 3 matches" in _verify("--anchor", anchor)


@pytest.mark.parametrize("bad", ["6", "six:abc", "6:" + "a" * 10])
def test_a_malformed_anchor_is_refused_with_a_message(chain, bad):
    message = _broken("--anchor", bad)
    assert message.startswith("--anchor:") and "SEQ:MAC" in message


def test_a_different_master_key_fails_the_whole_chain(chain, settings, tmp_path):
    """The key lives outside the database: with another key file nothing verifies."""
    from bordermonitor.core.keys import create_master_key

    other = tmp_path / "other.key"
    create_master_key(other)
    settings.KEY_FILE = other
    assert "entry 1:" in _broken()


def test_export_is_audited(db, tmp_path):
    target = tmp_path / "events.csv"
    call_command(
        "export",
        "events",
        "--purpose",
        "share",
        "--output",
        str(target),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert target.exists()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.kind, entry.code, entry.actor_name) == (
        "export",
        "events",
        "share",
        "cli",
    )
    assert "intact" in _verify()


def test_a_failed_export_is_not_audited(db, tmp_path):
    count = AuditEntry.objects.count()
    with pytest.raises(CommandError):
        call_command(
            "export",
            "events",
            "--purpose",
            "share",
            "--output",
            str(tmp_path / "missing-dir" / "x.csv"),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert AuditEntry.objects.count() == count
