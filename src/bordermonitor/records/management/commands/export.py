"""`bordermonitor export events --purpose share|publish`: events as they may leave;
`bordermonitor export --what incidents|deaths|missing|violations --format
csv|xlsx|json|hxl`: open data, counts only, through disclosure control
(`figures.open_data`).

Which events and which of their sources leave is decided by `records.consent`
alone (through `records.exports` and `figures.selectors`); this command only
reads arguments and writes the file, completely or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bordermonitor.accounts.audit import EXPORT, Actor, audit_record
from bordermonitor.figures.open_data import OPEN_FORMATS, WHATS, write_open_data
from bordermonitor.records.consent import Release
from bordermonitor.records.exports import EXPORTERS, FORMATS, Period

PURPOSES = [Release.SHARE.value, Release.PUBLISH.value]
# service field -> the command-line argument that carries it
ARGUMENT_OF = {
    "date_from": "--from",
    "date_to": "--to",
    "format": "--format",
    "what": "--what",
}
ALL_FORMATS = list(dict.fromkeys([*FORMATS, *OPEN_FORMATS]))


def _day(argument: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{argument}: {value!r} is not a date; write YYYY-MM-DD") from None


def _output(value: str, overwrite: bool) -> Path:
    path = Path(value)
    if path.is_dir():
        raise CommandError(f"--output: {value} is a directory; name the file to write")
    if not path.parent.is_dir():
        raise CommandError(f"--output: the directory {path.parent} does not exist")
    if path.exists() and not overwrite:
        raise CommandError(f"--output: {value} already exists; pass --overwrite to replace it")
    return path


class Command(BaseCommand):
    help = (
        "Export events for sharing with the UN and other organisations (--purpose share) "
        "or for anonymous publication (--purpose publish), as CSV or JSON. Only what "
        "the sources consented to leaves; internal-only sources never do. "
        "Or export open data (--what incidents|deaths|missing|violations, --format "
        "csv|xlsx|json|hxl): monthly counts with small counts suppressed."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", nargs="?", choices=["events"])
        parser.add_argument(
            "--what", dest="open_data", choices=WHATS, help="open data: counts per month"
        )
        parser.add_argument("--purpose", choices=PURPOSES, help="events: share or publish")
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        parser.add_argument("--format", dest="fmt", default="csv", choices=ALL_FORMATS)
        parser.add_argument("--output", "--out", dest="output", required=True, metavar="FILE")
        parser.add_argument("--overwrite", action="store_true", help="replace an existing file")

    def handle(
        self,
        *args,
        what: str | None,
        purpose: str | None,
        date_from: str | None,
        date_to: str | None,
        fmt: str,
        output: str,
        overwrite: bool,
        **options,
    ):
        open_data = options.get("open_data")
        if open_data and what:
            raise CommandError("--what: give either `events` or --what, not both")
        if not open_data and what != "events":
            raise CommandError("--what: name what to export: `events --purpose ...` or --what")
        if what == "events" and not purpose:
            raise CommandError("--purpose: events need --purpose share or publish")
        if what == "events" and fmt not in FORMATS:
            raise CommandError(f"--format: events are written as {' or '.join(FORMATS)}")
        if open_data and purpose:
            raise CommandError("--purpose: open data is always anonymous counts; leave it out")
        period = Period(_day("--from", date_from), _day("--to", date_to))
        path = _output(output, overwrite)
        if open_data:
            self._open_data(open_data, fmt, period, path)
            return
        export = EXPORTERS[Release(purpose)]
        # written beside the target and renamed at the end: a failed run leaves no
        # half-written file, and the file is readable by its owner only
        fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                count = export(out, fmt=fmt, period=period, on_progress=self._progress)
            os.replace(partial, path)
            audit_record(Actor.system("cli"), EXPORT, "events", purpose)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(
                    f"{ARGUMENT_OF.get(field, field)}: {' '.join(messages)}"
                    for field, messages in exc.message_dict.items()
                )
            ) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        self.stderr.write(f"Wrote {count} events ({purpose}, {fmt}) to {path}.")

    def _open_data(self, what: str, fmt: str, period: Period, path: Path) -> None:
        fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                count = write_open_data(out, what, fmt, period, on_progress=self._month_progress)
            os.replace(partial, path)
            audit_record(Actor.system("cli"), EXPORT, "open_data", what)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(
                    f"{ARGUMENT_OF.get(field, field)}: {' '.join(messages)}"
                    for field, messages in exc.message_dict.items()
                )
            ) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        self.stderr.write(f"Wrote {count} rows of {what} ({fmt}) to {path}.")

    def _month_progress(self, done: int, total: int) -> None:
        if done == total or done % 12 == 0:
            self.stderr.write(f"counted {done} of {total} months")
            self.stderr.flush()

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"exported {done} of {total} events")
        self.stderr.flush()
