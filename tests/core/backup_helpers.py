"""Running `bordermonitor` against a second, fresh database and data directory, and
reading every row of it, for the backup and erasure tests."""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 - tests run our own command
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_APPS = {"sessions", "axes"}


def every_row() -> dict[str, list[list[str]]]:
    """Every column of every row of every table, as comparable text, sorted."""
    from django.apps import apps

    from bordermonitor.core.fields import _Sealed

    def norm(value):
        if isinstance(value, _Sealed):
            value = value.blob
        if isinstance(value, (bytes, memoryview, bytearray)):
            return "bytes:" + bytes(value).hex()
        return f"{type(value).__name__}:{value!r}"

    out = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.app_label in SKIPPED_APPS:
            continue
        names = [f.attname for f in meta.concrete_fields]
        rows = model._base_manager.order_by("pk").values_list(*names)
        out[meta.label_lower] = [[norm(v) for v in row] for row in rows]
    return out


def evidence_bytes(data_dir: Path) -> dict[str, bytes]:
    root = Path(data_dir) / "evidence"
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".incoming-")
    }


@contextmanager
def fresh_place(tmp_path: Path, key_file: Path | None = None):
    """An empty data directory and an empty database of the same engine as the tests
    (another SQLite file, or a PostgreSQL database created here and dropped after)."""
    data_dir = tmp_path / f"restored-{uuid.uuid4().hex[:8]}"
    data_dir.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"BM_TEST_SQLITE_FILE", "DATABASE_URL", "BM_DATA_DIR", "BM_KEY_FILE"}
    }
    env.update(
        BM_DATA_DIR=str(data_dir),
        BM_KEY_FILE=str(key_file or settings.KEY_FILE),
        BM_DEBUG="1",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    if connection.vendor == "postgresql":
        import psycopg

        db = settings.DATABASES["default"]
        name = f"bm_h6_restore_{uuid.uuid4().hex[:8]}"
        params = dict(
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
            user=db.get("USER") or "postgres",
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        )
        with psycopg.connect(**params) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = (
            f"postgres://{params['user']}@{params['host']}:{params['port']}/{name}"
        )
        try:
            yield data_dir, env
        finally:
            with psycopg.connect(**params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bordermonitor.sqlite3'}"
        yield data_dir, env


def run_bordermonitor(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # nosec B603 - fixed interpreter and module
        [sys.executable, "-m", "bordermonitor.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_in(env: dict, code: str) -> object:
    """Run Python `code` (which sets `result`) with Django set up against `env`; its
    `result`, through JSON."""
    script = (
        "import json, os, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bordermonitor.settings')\n"
        "django.setup()\n" + code + "\nprint('RESULT:' + json.dumps(result))\n"
    )
    done = subprocess.run(  # nosec B603
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT:")][-1]
    return json.loads(line[len("RESULT:") :])
