"""`bordermonitor keys init | check | rotate`: the master key file."""

from __future__ import annotations

import argparse
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bordermonitor.core.keys import (
    MasterKeyError,
    create_master_key,
    key_file_problem,
    next_key_path,
)

ROTATE_HELP = """\
`keys init` creates the master key file (mode 0600); `keys check` verifies it;
`keys encrypt-database` encrypts a SQLite file made before SQLCipher (once, with
the server stopped).

`keys rotate` (an admin's fresh second factor: --operator, --otp) replaces the master
key.  The new key is written first to <key file>.next; every data key is re-wrapped
under it in batches (records stay readable throughout: each key row names the master
key that wraps it); the SQLite database file is re-encrypted (PRAGMA rekey); then
<key file>.next replaces the key file in one rename.  Interrupted, it is simply run
again and continues; never delete <key file>.next by hand while it exists.

Rotated: the wrapping of data keys, the SQLite file key, the audit chain key (the old
one stays in the key file as retired, for the entries it signed, so `audit verify`
still checks the whole chain), and Django's secret key: every session and
password-reset link ends when the server restarts (restart it after rotating).
Not rotated: the index keys (blind index of names, matching blocking keys) are
carried over in the key file as they are, so name search and matching keep working
without re-computing digests; and the data keys themselves.  Backups taken before
the rotation need the old key file: keep it with them, or let them expire.
"""


class Command(BaseCommand):
    help = ROTATE_HELP
    requires_system_checks = []  # the key check would refuse to run before the key exists

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        from bordermonitor.accounts.step_up import add_operator_arguments

        parser.add_argument("action", choices=["init", "check", "rotate", "encrypt-database"])
        parser.add_argument(
            "--batch", type=int, default=500, help="rotate: data keys re-wrapped per transaction"
        )
        # A test hook for a real partial run: stop as a crash would, after N data keys.
        parser.add_argument("--stop-after", type=int, default=None, help=argparse.SUPPRESS)
        add_operator_arguments(parser)

    def handle(self, *args, action: str, **options):
        path = settings.KEY_FILE
        if action == "init":
            if create_master_key(path):
                self.stdout.write(
                    f"Created master key {path} (mode 0600). Back it up apart from the data."
                )
            else:
                self.stdout.write(f"Master key {path} already exists; left unchanged.")
        problem = key_file_problem(path)
        if problem:
            raise CommandError(problem)
        if action == "check":
            pending = next_key_path(path)
            if pending.exists():
                self.stdout.write(
                    f"A rotation is under way ({pending} exists): run `keys rotate` again."
                )
            self.stdout.write(f"Master key {path} is present and private.")
        elif action == "rotate":
            self._rotate(options)
        elif action == "encrypt-database":
            self._encrypt_database()

    def _encrypt_database(self) -> None:
        from django.db import connection

        from bordermonitor.core.keys import read_key_file
        from bordermonitor.core.sqlcipher.base import (
            KEY_PURPOSE,
            encrypt_plain_file,
            is_plain_sqlite_file,
        )

        if connection.settings_dict["ENGINE"] != "bordermonitor.core.sqlcipher":
            raise CommandError("encrypt-database: only the SQLite database file is encrypted whole")
        name = str(connection.settings_dict["NAME"])
        if not is_plain_sqlite_file(name):
            self.stdout.write(f"{name} is not an unencrypted SQLite file; nothing to do.")
            return
        encrypt_plain_file(name, read_key_file(settings.KEY_FILE).derive(KEY_PURPOSE))
        self.stdout.write(f"Encrypted {name} under the master key {settings.KEY_FILE}.")

    def _rotate(self, options) -> None:
        from bordermonitor.accounts.step_up import operator_from_options
        from bordermonitor.core.crypto import DecryptionError
        from bordermonitor.core.rotation import RotationError, rotate_master_key

        if options["batch"] < 1:
            raise CommandError("--batch: must be at least 1")
        operator = operator_from_options(options, "admin.site")
        resuming = next_key_path().exists()
        self.stdout.write(
            f"{'Resuming' if resuming else 'Starting'} the rotation of {settings.KEY_FILE} "
            f"(operator {operator.get_username()})."
        )
        try:
            result = rotate_master_key(
                batch=options["batch"], progress=self._progress, stop_after=options["stop_after"]
            )
        except (RotationError, DecryptionError, MasterKeyError) as exc:
            self.stderr.write("")
            raise CommandError(f"rotation not finished: {exc}") from None
        self.stderr.write("")
        self.stdout.write(
            f"Rotated: {result.rewrapped} data keys re-wrapped (of {result.total}), "
            f"new master key {result.fingerprint}"
            + (", database file re-encrypted" if result.rekeyed_file else "")
            + (f", audit chain key from entry {result.audit_from}" if result.audit_from else "")
            + ". Restart the server: sessions signed with the old secret end."
        )

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width if total == 0 else min(width, width * done // total)
        bar = "#" * filled + "." * (width - filled)
        end = "\r" if sys.stderr.isatty() else "\n"
        self.stderr.write(f"re-wrapping data keys [{bar}] {done}/{total}", ending=end)
        self.stderr.flush()
