"""System checks: production mode refuses to start without a private master key."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from bordermonitor.core.keys import key_file_problem


@register(Tags.security, deploy=False)
def master_key_check(app_configs, **kwargs):
    problem = key_file_problem(settings.KEY_FILE)
    if problem is None:
        return []
    if settings.DEBUG:
        return [Warning(problem, id="bordermonitor.W001")]
    return [
        Error(
            problem,
            hint="Production mode (BM_DEBUG unset or 0) never runs without its master key.",
            id="bordermonitor.E001",
        )
    ]
