"""`bordermonitor report --from 2023-01-01 --to 2024-12-31 --out report.pdf` (or .html).

The yearly report: the period's figures beside the totals since monitoring began,
charts and tables, the narrative written in the app; every number through
disclosure control (`figures.report`).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bordermonitor.figures.report import write_report
from bordermonitor.records.exports import Period


def _day(argument: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{argument}: {value!r} is not a date; write YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Write the yearly report (PDF or HTML) for a period."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="report.pdf or report.html")
        parser.add_argument("--language", default="en", choices=["en", "ru"])
        parser.add_argument("--overwrite", action="store_true", help="replace --out")

    def handle(self, *args, **options) -> None:
        period = Period(_day("--from", options["date_from"]), _day("--to", options["date_to"]))
        out = Path(options["out"])
        if out.suffix.lower() not in {".pdf", ".html"}:
            raise CommandError(f"--out: {out} must end in .pdf or .html")
        if not out.parent.is_dir():
            raise CommandError(f"--out: the directory {out.parent} does not exist")
        if out.exists() and not options["overwrite"]:
            raise CommandError(f"--out: {out} already exists; pass --overwrite to replace it")
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:6.1f}s] {message}")

        try:
            report = write_report(period, out, language=options["language"], progress=progress)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        missing = report.figure("missing_reports")[1]
        self.stdout.write(
            f"wrote {out} ({out.stat().st_size} bytes); since monitoring began: "
            f"{missing} missing-person reports; k={report.k}"
        )
