"""`bordermonitor backup OUT`: one encrypted archive of the database and evidence files."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bordermonitor.core.backup import BackupError, backup
from bordermonitor.core.keys import MasterKeyError


class Command(BaseCommand):
    help = (
        "Write one encrypted, integrity-checked archive of the whole database and every "
        "evidence file. It opens only with the master key, which is not inside it: keep "
        "the key (and the erasure ledger beside it) apart from the archives."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", metavar="OUT", help="the archive file to create")

    def handle(self, *args, out: str, **options):
        self.stdout.write(f"backing up to {out}")
        try:
            summary = backup(Path(out), progress=self.stdout.write)
        except (BackupError, MasterKeyError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"backup written: {out} ({summary.size} bytes; {summary.rows} rows in "
            f"{summary.models} tables, {summary.files} evidence files)"
        )
