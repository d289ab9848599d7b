"""`bordermonitor createuser --username U --role R`: password read from standard input."""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bordermonitor.accounts.roles import ROLES
from bordermonitor.accounts.services import user_create


class Command(BaseCommand):
    help = "Create an account with one role; the password is read from stdin (one line)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=ROLES)

    def handle(self, *args, username: str, role: str, **options):
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise CommandError("no password on standard input")
        try:
            user = user_create(username=username, role=role, password=password)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        self.stdout.write(f"Created {user.username} ({user.role}).")
