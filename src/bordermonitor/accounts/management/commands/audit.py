"""`bordermonitor audit verify [--anchor HEAD]` and `bordermonitor audit head`.

`head` prints the chain head (SEQ:MAC) to record outside the system (a notebook, a
colleague's mail); `verify --anchor` with that head then also notices entries cut
off the end, which the chain alone cannot show.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bordermonitor.accounts.audit import Head, audit_verify, chain_head


class Command(BaseCommand):
    help = (
        "Check the audit trail's HMAC chain (verify) or print its current head (head). "
        "verify exits non-zero and names the first broken entry."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "head"])
        parser.add_argument(
            "--anchor",
            metavar="SEQ:MAC",
            help="a head printed earlier by `audit head`; verify then also detects "
            "entries cut off the end",
        )

    def handle(self, *args, action: str, anchor: str | None, **options):
        if action == "head":
            if anchor:
                raise CommandError("--anchor: only `audit verify` takes an anchor")
            self.stdout.write(str(chain_head()))
            return
        try:
            anchored = Head.parse(anchor) if anchor else None
        except ValueError as exc:
            raise CommandError(f"--anchor: {exc}") from None
        verdict = audit_verify(anchor=anchored)
        if not verdict.ok:
            raise CommandError(
                f"audit trail broken at {verdict.broken} "
                f"({verdict.checked} entries before it hold)",
                returncode=2,
            )
        self.stdout.write(
            f"audit trail intact: {verdict.checked} entries, head {verdict.head}"
            + (f", anchor {anchored.seq} matches" if anchored else "")
        )
