"""System checks: never run with a key file others can read; production mode also
refuses to start without a master key.

The management commands that serve (`serve`) run these checks; the WSGI application
calls `refuse_to_serve_with_open_key` itself, since a WSGI server runs no checks.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from bordermonitor.core.keys import key_file_problem, next_key_path


def _key_files() -> list[Path]:
    """The key file, and a rotation's pending `.next` file when there is one."""
    path = Path(settings.KEY_FILE)
    pending = next_key_path(path)
    return [path, pending] if pending.exists() else [path]


def _open_to_others(problem: str) -> bool:
    return "accessible to other users" in problem


@register(Tags.security, deploy=False)
def master_key_check(app_configs, **kwargs):
    messages = []
    for path in _key_files():
        problem = key_file_problem(path)
        if problem is None:
            continue
        if settings.DEBUG and not _open_to_others(problem):
            # development and the demo may start before `keys init`; a key file that
            # others can read is refused in every mode
            messages.append(Warning(problem, id="bordermonitor.W001"))
        else:
            messages.append(
                Error(
                    problem,
                    hint="The server never runs with a master key others can read, nor, "
                    "in production mode (BM_DEBUG unset or 0), without its master key.",
                    id="bordermonitor.E001",
                )
            )
    return messages


def refuse_to_serve_with_open_key() -> None:
    """For the WSGI entry point: raise what `master_key_check` reports as errors."""
    errors = [m for m in master_key_check(None) if m.is_serious()]
    if errors:
        raise ImproperlyConfigured(
            "bordermonitor refuses to serve: " + "; ".join(e.msg for e in errors)
        )
