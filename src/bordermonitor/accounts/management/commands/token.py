"""`bordermonitor token create USER --operator ADMIN --otp CODE [--days N]`,
`token revoke HINT --operator ADMIN --otp CODE` and `token list`.

A token acts as its user with the role the user has at creation; making or revoking
one is answered for by an admin with a current code from their authenticator.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bordermonitor.accounts.models import ApiToken, User
from bordermonitor.accounts.services import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    api_token_create,
    api_token_revoke,
)
from bordermonitor.accounts.step_up import add_operator_arguments, operator_from_options

CAPABILITY = "tokens.manage"


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it once (only its hash is stored), "
        "revoke one by its first characters, or list them. create and revoke need "
        "--operator (an admin) and --otp."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke", "list"])
        parser.add_argument(
            "target",
            nargs="?",
            default="",
            help="create: the username; revoke: the token's first characters (its hint)",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_TOKEN_DAYS,
            help=f"how long the token lives, 1 to {MAX_TOKEN_DAYS} days",
        )
        parser.add_argument("--name", default="", help="what the token is for")
        add_operator_arguments(parser)

    def handle(self, *args, action: str, target: str, days: int, name: str, **options):
        if action == "list":
            self._list()
            return
        if not target:
            what = "USERNAME" if action == "create" else "HINT (the token's first characters)"
            raise CommandError(f"token {action}: give the {what}")
        operator = operator_from_options(options, CAPABILITY)
        if action == "create":
            self._create(target, days, name, operator)
        else:
            self._revoke(target, operator)

    def _create(self, username: str, days: int, name: str, operator: User) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        try:
            _, secret = api_token_create(user=user, name=name, days=days, created_by=operator)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"--{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        self.stdout.write(secret)

    def _revoke(self, hint: str, operator: User) -> None:
        tokens = list(ApiToken.objects.filter(hint=hint))
        if not tokens:
            raise CommandError(f"no token starts with {hint!r}; `token list` shows them")
        if len(tokens) > 1:
            raise CommandError(f"{len(tokens)} tokens start with {hint!r}; revoke on the page")
        if api_token_revoke(token=tokens[0], by=operator):
            self.stdout.write(f"revoked {hint}… of {tokens[0].user.username}")
        else:
            self.stdout.write(f"{hint}… was revoked already")

    def _list(self) -> None:
        now = timezone.now()
        for token in ApiToken.objects.select_related("user").order_by("-created_at"):
            state = (
                "revoked"
                if token.revoked_at
                else "expired"
                if token.expires_at <= now
                else "usable"
                if token.is_usable
                else "unusable (role changed or user disabled)"
            )
            self.stdout.write(
                f"{token.hint}…\t{token.user.username}\t{token.role}\t"
                f"expires {token.expires_at:%Y-%m-%d}\t{state}"
            )
