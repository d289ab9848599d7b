"""The master key: created private, required in production, the root of every key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from bordermonitor.core.keys import create_master_key, key_file_problem

BORDERMONITOR = [sys.executable, "-m", "bordermonitor.cli"]


def _run(args, data_dir: Path, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BM_", "DATABASE_URL"))}
    full_env.update({"BM_DATA_DIR": str(data_dir), **env})
    return subprocess.run(
        BORDERMONITOR + args, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_keys_init_creates_a_private_key_once(tmp_path):
    result = _run(["keys", "init"], tmp_path)
    assert result.returncode == 0, result.stderr
    key = tmp_path / "master.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_bytes()
    again = _run(["keys", "init"], tmp_path)
    assert again.returncode == 0 and "already exists" in again.stdout
    assert key.read_bytes() == first


def test_key_file_problems_are_named(tmp_path):
    key = tmp_path / "k"
    assert "does not exist" in key_file_problem(key)
    assert create_master_key(key)
    assert key_file_problem(key) is None
    key.chmod(0o640)
    assert "accessible to other users" in key_file_problem(key)
    key.chmod(0o600)
    key.write_text("not base64 at all!")
    assert "cannot be read" in key_file_problem(key)


def test_production_server_refuses_to_start_without_its_key(tmp_path):
    result = _run(["serve", "--port", "8097"], tmp_path, BM_DEBUG="0")
    assert result.returncode != 0
    assert "master key" in result.stderr and "does not exist" in result.stderr


def test_production_server_refuses_a_key_readable_by_others(tmp_path):
    assert _run(["keys", "init"], tmp_path).returncode == 0
    (tmp_path / "master.key").chmod(0o644)
    result = _run(["serve", "--port", "8098"], tmp_path, BM_DEBUG="0")
    assert result.returncode != 0
    assert "accessible to other users" in result.stderr


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    assert _run(["keys", "init"], tmp_path).returncode == 0
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, BM_DEBUG="0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_database_url_selects_the_backend(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BM_", "DATABASE_URL"))}
    env.update(BM_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="bordermonitor.settings")
    sqlite = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert sqlite.stdout.strip() == "django.db.backends.sqlite3"
    env["DATABASE_URL"] = "postgres://u@db.example:5432/bm"
    pg = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert pg.stdout.strip() == "django.db.backends.postgresql"
