"""`bordermonitor keys init`: create the master key file (mode 0600) if there is none."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bordermonitor.core.keys import create_master_key, key_file_problem


class Command(BaseCommand):
    help = "Manage the master key: `keys init` creates it, `keys check` verifies it."
    requires_system_checks = []  # the key check would refuse to run before the key exists

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["init", "check"])

    def handle(self, *args, action: str, **options):
        path = settings.KEY_FILE
        if action == "init":
            if create_master_key(path):
                self.stdout.write(
                    f"Created master key {path} (mode 0600). Back it up apart from the data."
                )
            else:
                self.stdout.write(f"Master key {path} already exists; left unchanged.")
        problem = key_file_problem(path)
        if problem:
            raise CommandError(problem)
        if action == "check":
            self.stdout.write(f"Master key {path} is present and private.")
