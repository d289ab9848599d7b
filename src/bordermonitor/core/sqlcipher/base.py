"""Django's SQLite backend on SQLCipher: the database file is encrypted whole.

Field encryption protects names and testimony; this protects everything else a
seized laptop would show (dates, nationalities, event types, who was assigned what).
Every new connection sets ``PRAGMA key`` first, in SQLCipher's raw-key form
(``x'<64 hex>'``), with a key derived from the master key for this purpose alone:
no passphrase stretching per connection, which matters since every request opens
its own connection.

Django's SQLite backend is reused as is, except that it imports the standard
``sqlite3`` module at module level; the parts that use that module (connecting,
the cursor class, the type converters) are redone here for ``sqlcipher3``.
"""

from __future__ import annotations

import datetime
import decimal
import os
from collections.abc import Mapping
from itertools import tee
from pathlib import Path

import sqlcipher3.dbapi2 as Database
from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3._functions import register as register_functions
from django.utils.asyncio import async_unsafe
from django.utils.dateparse import parse_date, parse_datetime, parse_time

KEY_PURPOSE = "sqlite-file"

Database.register_converter("bool", b"1".__eq__)
Database.register_converter("date", sqlite_base.decoder(parse_date))
Database.register_converter("time", sqlite_base.decoder(parse_time))
Database.register_converter("datetime", sqlite_base.decoder(parse_datetime))
Database.register_converter("timestamp", sqlite_base.decoder(parse_datetime))
Database.register_adapter(decimal.Decimal, str)
Database.register_adapter(datetime.date, sqlite_base.adapt_date)
Database.register_adapter(datetime.datetime, sqlite_base.adapt_datetime)


class WrongDatabaseKey(Database.OperationalError):
    """The database file does not decrypt with the key derived from this master key.

    An OperationalError of the driver, so Django reports it as its own
    OperationalError, with this message, wherever a connection is opened."""


def key_pragma(key: bytes, pragma: str = "key") -> str:
    """``PRAGMA key = "x'...'"`` for a raw 32-byte key (hex only: nothing to escape)."""
    if len(key) != 32:
        raise ValueError("a SQLCipher raw key is 32 bytes")
    return f"PRAGMA {pragma} = \"x'{key.hex()}'\""


def apply_key(conn, key: bytes) -> None:
    """Key a fresh connection and prove the key opens the file (SQLCipher checks lazily).

    Raises WrongDatabaseKey (and closes the connection) when it does not.
    """
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is reported by us, once
    conn.execute(key_pragma(key))
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Database.DatabaseError as exc:
        conn.close()
        if "file is not a database" in str(exc):
            raise WrongDatabaseKey("the database file does not open with this master key") from exc
        raise


def connect_keyed(conn_params: dict):
    """A connection to the file keyed from the master key; (connection, key file used).

    While `keys rotate` is under way the file may already be re-keyed under the new
    master key (`<key file>.next`), which is then tried second, so no request fails
    between the re-key and the swap of key files.
    """
    from bordermonitor.core import keys

    name = conn_params.get("database", "?")
    try:
        candidates = keys.wrapping_key_files()
    except keys.MasterKeyError as exc:
        raise Database.OperationalError(f"the database file {name} stays closed: {exc}") from exc
    for position, key_file in enumerate(candidates):
        conn = Database.connect(**conn_params)
        try:
            apply_key(conn, key_file.derive(KEY_PURPOSE))
        except WrongDatabaseKey:
            if position + 1 < len(candidates):
                continue
            if is_plain_sqlite_file(name):
                raise WrongDatabaseKey(
                    f"the database file {name} is not encrypted (made before SQLCipher): "
                    "run `bordermonitor keys encrypt-database` once"
                ) from None
            raise WrongDatabaseKey(
                f"the database file {name} does not open with this master key "
                f"({keys.key_file_path()}): wrong key file, or not a bordermonitor database"
            ) from None
        return conn, key_file
    raise AssertionError("unreachable")  # pragma: no cover


def is_plain_sqlite_file(name: str) -> bool:
    """Whether `name` is an unencrypted SQLite file (its first bytes are the header)."""
    try:
        with open(name, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def encrypt_plain_file(path: Path, key: bytes) -> None:
    """Encrypt an unencrypted SQLite file in place, for installations made before
    SQLCipher: export into a keyed copy beside it, then rename it over the original.
    Stop the server first: writes made during the export would be lost."""
    path = Path(path)
    if not is_plain_sqlite_file(str(path)):
        raise ValueError(f"{path} is not an unencrypted SQLite file")
    target = path.with_name(path.name + ".encrypting")
    target.unlink(missing_ok=True)
    conn = Database.connect(str(path), isolation_level=None)
    try:
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", [str(target)])
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute("DETACH DATABASE encrypted")
        os.replace(target, path)
    finally:
        conn.close()
        target.unlink(missing_ok=True)


def rekey(conn, new_key: bytes) -> None:
    """Re-encrypt the whole open file under `new_key` (``PRAGMA rekey``); in place, one step."""
    conn.execute(key_pragma(new_key, "rekey"))


class SQLCipherCursorWrapper(Database.Cursor):
    """Django's SQLite cursor wrapper (format/pyformat → qmark/named) on a SQLCipher cursor.

    Same code as ``SQLiteCursorWrapper``, whose methods cannot be borrowed: their
    ``super()`` is bound to the standard module's cursor class.
    """

    def execute(self, query, params=None):
        if params is None:
            return super().execute(query)
        param_names = list(params) if isinstance(params, Mapping) else None
        return super().execute(self.convert_query(query, param_names=param_names), params)

    def executemany(self, query, param_list):
        peekable, param_list = tee(iter(param_list))
        if (params := next(peekable, None)) and isinstance(params, Mapping):
            param_names = list(params)
        else:
            param_names = None
        return super().executemany(self.convert_query(query, param_names=param_names), param_list)

    convert_query = sqlite_base.SQLiteCursorWrapper.convert_query


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    vendor = "sqlite"
    display_name = "SQLite (SQLCipher)"
    Database = Database

    def get_connection_params(self):
        params = super().get_connection_params()
        params["detect_types"] = Database.PARSE_DECLTYPES | Database.PARSE_COLNAMES
        return params

    @async_unsafe
    def get_new_connection(self, conn_params):
        # The key must come before anything that reads the file.
        conn, self.key_file = connect_keyed(conn_params)
        register_functions(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA legacy_alter_table = OFF")
        for init_command in self.init_commands:
            if init_command := init_command.strip():
                conn.execute(init_command)
        return conn

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLCipherCursorWrapper)
