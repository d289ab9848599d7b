"""`bordermonitor restore IN`: an archive from `backup`, into an empty database and data
directory, checked whole before anything is written."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bordermonitor.core.backup import BackupError, restore
from bordermonitor.core.erasure_ledger import LedgerError
from bordermonitor.core.keys import MasterKeyError


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database and data directory (refused "
        "otherwise). The archive is decrypted and checked whole first: a damaged or "
        "truncated one restores nothing. Erasures listed in the erasure ledger beside the "
        "master key are applied again before anything can read the data."
    )
    requires_system_checks = []  # the tables may not exist yet

    def add_arguments(self, parser):
        parser.add_argument("archive", metavar="IN", help="the archive written by `backup`")

    def handle(self, *args, archive: str, **options):
        self.stdout.write(f"restoring from {archive}")
        try:
            summary = restore(Path(archive), progress=self.stdout.write)
        except (BackupError, LedgerError, MasterKeyError, OSError) as exc:
            raise CommandError(f"{exc}; nothing was restored") from None
        self.stdout.write(
            f"restored {summary.rows} rows and {summary.files} evidence files"
            + (
                f"; {summary.keys_erased} data keys erased again from the ledger"
                f" ({summary.files_skipped} evidence files of erased records left out)"
                if summary.keys_erased or summary.files_skipped
                else ""
            )
        )
