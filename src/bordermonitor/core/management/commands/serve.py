"""`bordermonitor serve`: the production server (waitress) with static files by whitenoise.

Refuses to start when the system checks fail, e.g. in production mode without a
master key, or in any mode with a key file others can read: the checks run before
`handle`, and `handle` asks again itself (`call_command` skips checks by default).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve the site on HOST:PORT (default 127.0.0.1:8000)."
    requires_system_checks = "__all__"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host: str, port: int, threads: int, **options):
        from django.core.exceptions import ImproperlyConfigured
        from waitress import serve

        from bordermonitor.core.checks import refuse_to_serve_with_open_key

        try:
            refuse_to_serve_with_open_key()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None

        from bordermonitor.wsgi import application

        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)", ending="\n")
        self.stdout.flush()
        serve(application, host=host, port=port, threads=threads, ident="bordermonitor")
