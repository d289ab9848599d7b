"""`bordermonitor otp reset USER --operator ADMIN --otp CODE`: a lost phone.

The user's authenticator and recovery codes are forgotten and their sessions end; at
the next sign-in (password) they enrol a new authenticator by QR code.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bordermonitor.accounts.models import User
from bordermonitor.accounts.services import second_factor_reset
from bordermonitor.accounts.step_up import add_operator_arguments, operator_from_options

CAPABILITY = "admin.site"


class Command(BaseCommand):
    help = (
        "Forget a user's authenticator and recovery codes (a lost phone): they enrol "
        "again at their next sign-in. Needs --operator (an admin) and --otp."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reset"])
        parser.add_argument("username")
        add_operator_arguments(parser)

    def handle(self, *args, action: str, username: str, **options):
        operator = operator_from_options(options, CAPABILITY)
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if user.pk == operator.pk:
            raise CommandError("an admin cannot reset their own second factor; ask another")
        second_factor_reset(user=user, by=operator)
        self.stdout.write(f"{username}: authenticator forgotten; they enrol again at sign-in")
