"""`bordermonitor demo`: migrate, make a master key, load the demo scenario, serve.

Running it again keeps the data it made (no duplicates).  `--no-serve` builds
the data and exits.  `--scenario report-2024` builds the tracing figures an
organisation published for this border (see `demo.report_2024`) instead of the
default records scenario.
"""

from __future__ import annotations

import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bordermonitor.core.keys import create_master_key


class Command(BaseCommand):
    help = "Build the demo scenario and serve it on http://127.0.0.1:8000."
    requires_system_checks = []  # runs before the key exists; `serve` checks again

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="build the data and exit")
        parser.add_argument(
            "--scenario",
            choices=["default", "report-2024"],
            default="default",
            help="default: people, events and sources; report-2024: missing-person "
            "reports, requests to authorities and deaths with the published totals",
        )
        parser.add_argument("--persons", type=int, default=520)
        parser.add_argument("--events", type=int, default=320)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def _progress(self, stage: str, done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            end = "\n" if done == total else "\r"
            self.stdout.write(f"  {stage}: {done}/{total}", ending=end)
            self.stdout.flush()

    def _report_2024(self, seed: int) -> None:
        from bordermonitor.demo.report_2024 import Report2024Builder
        from bordermonitor.demo.report_2024 import scenario_exists as report_2024_exists

        if report_2024_exists():
            self.stdout.write("Scenario report-2024 already loaded; keeping it.")
            return
        self.stdout.write("Building the scenario report-2024:")
        started = time.monotonic()
        counts = Report2024Builder(seed, self._progress).build()
        self.stdout.write(
            f"  {counts.reports} missing-person reports about {counts.persons} people, "
            f"{counts.interventions} requests, {counts.detentions} detentions, "
            f"{counts.deaths['official_statement']} deaths confirmed officially and "
            f"{counts.deaths['testimony_only']} known from testimonies only "
            f"in {time.monotonic() - started:.0f} s"
        )

    def _print_second_factors(self, usernames: list[str]) -> None:
        """Every account signs in with a TOTP code: each demo login gets a confirmed
        authenticator (kept across runs), whose secret is printed so a new user can add
        it to an app by hand or from the otpauth:// link."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from bordermonitor.accounts.models import User
        from bordermonitor.accounts.services import (
            totp_device_create_confirmed,
            totp_secret_base32,
        )

        self.stdout.write(
            "\nSecond factor: add each login to an authenticator app (FreeOTP, Aegis, "
            "Google Authenticator...) with its secret or its otpauth:// link, then sign in "
            "with the password and the six-digit code the app shows:"
        )
        for user in User.objects.filter(username__in=usernames).order_by("username"):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
            device = device or totp_device_create_confirmed(user=user)
            self.stdout.write(f"  {user.username:24} {totp_secret_base32(device)}")
            self.stdout.write(f"  {'':24} {device.config_url}")

    def handle(
        self,
        *args,
        no_serve: bool,
        persons: int,
        events: int,
        seed,
        host,
        port,
        scenario: str = "default",
        **options,
    ):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        if create_master_key(settings.KEY_FILE):
            self.stdout.write(f"Created master key {settings.KEY_FILE}")
        call_command("migrate", interactive=False, verbosity=0)

        from bordermonitor.demo.scenario import (
            ScenarioBuilder,
            ensure_demo_users,
            scenario_exists,
            vocabularies_ready,
        )

        if not vocabularies_ready():
            raise CommandError("vocabularies are missing; run `bordermonitor seed`")
        logins = ensure_demo_users()
        if scenario == "report-2024":
            self._report_2024(seed or settings.BM_DEMO_SEED)
        elif scenario_exists():
            self.stdout.write("Demo scenario already loaded; keeping it.")
        else:
            self.stdout.write("Building the demo scenario:")
            started = time.monotonic()
            counts = ScenarioBuilder(seed or settings.BM_DEMO_SEED, self._progress).build(
                persons=persons, events=events
            )
            self.stdout.write(
                f"  {counts.persons} people, {counts.events} events, {counts.acts} acts, "
                f"{counts.sources} sources in {time.monotonic() - started:.0f} s"
            )
        self.stdout.write("\nDemo logins (username / password / role):")
        for username, password, role in logins:
            self.stdout.write(f"  {username:24} {password:28} {role}")
        self._print_second_factors([username for username, _, _ in logins])
        if no_serve:
            return
        self.stdout.write(f"\nOpen http://{host}:{port}/ and sign in with one of the logins above.")
        sys.stdout.flush()
        call_command("serve", host=host, port=port)
