"""The `bordermonitor` command: Django's management commands under one name.

`bordermonitor demo`, `bordermonitor serve`, `bordermonitor keys init`, `bordermonitor
createuser`, `bordermonitor token create`, and every stock command (`migrate`,
`check`, ...).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command; the demo defaults to development mode."""
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "demo":
        os.environ.setdefault("BM_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bordermonitor.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
