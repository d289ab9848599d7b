"""`bordermonitor tracing overdue [--today YYYY-MM-DD]`: requests past due, unanswered.

Prints codes, recipients and dates only (no names), longest overdue first, so it
can go to a chat or a cron mail; `--today` makes the output reproducible.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordermonitor.tracing.selectors import overdue_interventions

HEADERS = ("request", "recipient", "about", "sent", "due", "days overdue")


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today: {value!r} is not a date; write YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "Tracing casework from the command line: `overdue` lists unanswered requests."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        overdue = sub.add_parser("overdue", help="requests past their due date with no answer")
        overdue.add_argument("--today", default=None, help="count days up to this date")

    def handle(self, *args, action: str, **options) -> None:
        if action == "overdue":
            self._overdue(_day(options["today"]) if options.get("today") else None)

    def _overdue(self, today: dt.date | None) -> None:
        rows = [
            (
                o.intervention.code,
                o.intervention.recipient.name,
                o.about,
                o.intervention.sent_on.isoformat(),
                o.intervention.due_on.isoformat(),
                str(o.days_overdue),
            )
            for o in overdue_interventions(today)
        ]
        if not rows:
            self.stdout.write("no overdue requests")
            return
        widths = [max(len(r[i]) for r in [HEADERS, *rows]) for i in range(len(HEADERS))]
        for row in [HEADERS, tuple("-" * w for w in widths), *rows]:
            cells = [
                cell.rjust(w) if i == len(HEADERS) - 1 else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())
        self.stdout.write(f"{len(rows)} overdue request{'s' if len(rows) != 1 else ''}")
