"""`bordermonitor export_personal persons --codes P-..,P-.. --out FILE`: named people in
an AES-256 zip for a lawyer or the ICRC (see `records.personal_export`).

Needs an operator holding `personal_data.export` and a current authenticator code.
The passphrase is printed once: send it by another channel than the file.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bordermonitor.accounts.step_up import add_operator_arguments, operator_from_options
from bordermonitor.records.personal_export import (
    CAPABILITY,
    PersonalExportError,
    export_persons,
)


class Command(BaseCommand):
    help = (
        "Export named people (names, notes, their testimonies, their relatives' reports) "
        "to an AES-256 encrypted zip that 7-Zip opens. Needs personal_data.export and a "
        "fresh second factor; every person exported is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["persons"])
        parser.add_argument(
            "--codes", required=True, help="comma-separated person codes, e.g. P-2024-00123"
        )
        parser.add_argument("--out", required=True, metavar="FILE", help="the .zip to create")
        add_operator_arguments(parser)

    def handle(self, *args, what: str, codes: str, out: str, **options):
        operator = operator_from_options(options, CAPABILITY)
        try:
            export = export_persons(codes.split(","), by=operator, out=Path(out))
        except PersonalExportError as exc:
            raise CommandError(f"{exc}; nothing was exported") from None
        self.stdout.write(f"{export.persons} people written to {export.path} (AES-256 zip)")
        self.stdout.write(
            f"passphrase (shown once; send it apart from the file): {export.passphrase}"
        )
