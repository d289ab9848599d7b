"""`bordermonitor erase person CODE`: crypto-shred one person (see `records.erasure`).

Needs an operator holding `records.erase` and a current code from their
authenticator (`--operator`, `--otp`): a stolen shell session alone cannot erase.
Prints codes and counts only, never a name.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bordermonitor.accounts import audit
from bordermonitor.accounts.step_up import add_operator_arguments, operator_from_options
from bordermonitor.core.erasure_ledger import LedgerError, ledger_path
from bordermonitor.records.erasure import ErasureError, erase_person

CAPABILITY = "records.erase"


class Command(BaseCommand):
    help = (
        "Erase a person for good: destroy the data keys of the person and of the records "
        "that exist only to describe them, remove their name index and matching data, and "
        "record the destroyed keys in the erasure ledger beside the master key so a backup "
        "taken before does not bring them back. Leaves a tombstone with the code."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["person"])
        parser.add_argument("code", help="the person's code, e.g. P-2024-00123")
        add_operator_arguments(parser)

    def handle(self, *args, what: str, code: str, **options):
        operator = operator_from_options(options, CAPABILITY)
        try:
            result = erase_person(
                code, actor=audit.Actor.of(operator), progress=lambda m: self.stdout.write(m)
            )
        except (ErasureError, LedgerError) as exc:
            raise CommandError(str(exc)) from None
        out = self.stdout.write
        out(
            f"{result.code} erased on {result.erased_on:%Y-%m-%d}: "
            f"{result.keys_destroyed} data keys destroyed"
        )
        out(f"  name spellings removed: {result.names_removed}")
        out(f"  testimonies erased: {', '.join(result.sources_erased) or 'none'}")
        out(f"  missing-person reports erased: {', '.join(result.reports_erased) or 'none'}")
        out(f"  tracing cases erased: {', '.join(result.cases_erased) or 'none'}")
        out(f"  requests, detentions, deaths erased: {', '.join(result.records_erased) or 'none'}")
        out(f"  evidence files deleted: {result.files_deleted}")
        if result.sources_kept:
            out(
                "  kept, because they name other people too (read them and remove this "
                f"person by hand if they are named): {', '.join(result.sources_kept)}"
            )
        if result.events_to_review:
            out(
                "  events where the person was a victim, kept for the counts (check their "
                f"descriptions): {', '.join(result.events_to_review)}"
            )
        out(f"erasure ledger: {ledger_path()} (keep it with the master key, never delete it)")
