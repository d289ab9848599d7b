"""`bordermonitor figures rebuild`: recount the monthly counts from the records.

Needed once after installing this version, and after any write that bypassed the
application (bulk loads, SQL by hand, renaming a vocabulary code or border section);
ordinary saves keep the counts current by themselves (`figures.monthly`).
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandParser

from bordermonitor.figures import monthly


class Command(BaseCommand):
    help = "Figures maintenance: `rebuild` recounts the monthly counts from the records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, action: str, quiet: bool = False, **options) -> None:
        started = time.monotonic()

        def progress(done: int, total: int, month: str) -> None:
            if quiet:
                return
            width = 30
            filled = width * done // total
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r[{bar}] {done}/{total} months ({month})")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

        rows = monthly.rebuild(progress)
        self.stdout.write(
            f"monthly counts rebuilt: {rows} rows in {time.monotonic() - started:.1f} s"
        )
