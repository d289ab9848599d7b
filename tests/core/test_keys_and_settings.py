"""The master key: created private, required in production, the root of every key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import override_settings

from bordermonitor.core.checks import master_key_check
from bordermonitor.core.keys import (
    KeyFile,
    create_master_key,
    key_file_problem,
    parse_key_file,
    read_key_file,
)

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
    assert f"chmod 600 {key}" in key_file_problem(key)
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
    assert sqlite.stdout.strip() == "bordermonitor.core.sqlcipher"  # encrypted whole
    env["DATABASE_URL"] = "postgres://u@db.example:5432/bm"
    pg = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert pg.stdout.strip() == "django.db.backends.postgresql"


# -- key file rules: never serve with a key file others can read (issue 6) -------------


def _open_key(tmp_path: Path) -> Path:
    key = tmp_path / "open.key"
    assert create_master_key(key)
    key.chmod(0o644)
    return key


def test_an_open_key_file_is_an_error_even_in_development(tmp_path):
    key = _open_key(tmp_path)
    with override_settings(KEY_FILE=key, DEBUG=True):
        messages = master_key_check(None)
    assert [m.id for m in messages] == ["bordermonitor.E001"]
    assert isinstance(messages[0], Error)
    assert str(key) in messages[0].msg and f"chmod 600 {key}" in messages[0].msg
    # a missing key in development stays a warning (the demo creates it)
    with override_settings(KEY_FILE=tmp_path / "missing.key", DEBUG=True):
        assert [m.id for m in master_key_check(None)] == ["bordermonitor.W001"]


def test_serve_refuses_an_open_key_file_before_serving(tmp_path):
    key = _open_key(tmp_path)
    with override_settings(KEY_FILE=key, DEBUG=True):
        # with the system checks, as `bordermonitor serve` runs them
        with pytest.raises(SystemCheckError, match="chmod 600"):
            call_command("serve", port=8099, skip_checks=False)
        # and without them (call_command's default): serve asks itself
        with pytest.raises(CommandError, match=f"chmod 600 {key}"):
            call_command("serve", port=8099)


def test_a_pending_rotation_key_file_must_be_private_too(tmp_path):
    key = tmp_path / "master.key"
    assert create_master_key(key)
    pending = tmp_path / "master.key.next"
    assert create_master_key(pending)
    pending.chmod(0o640)
    with override_settings(KEY_FILE=key):
        messages = master_key_check(None)
    assert [m.id for m in messages] == ["bordermonitor.E001"]
    assert str(pending) in messages[0].msg


def test_the_wsgi_application_refuses_an_open_key_file(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BM_", "DATABASE_URL"))}
    env.update(
        BM_DATA_DIR=str(tmp_path), BM_DEBUG="1", DJANGO_SETTINGS_MODULE="bordermonitor.settings"
    )
    load = [sys.executable, "-c", "import bordermonitor.wsgi; print('loaded')"]
    assert _run(["keys", "init"], tmp_path).returncode == 0
    key = tmp_path / "master.key"
    key.chmod(0o604)
    refused = subprocess.run(load, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "loaded" not in refused.stdout
    assert "refuses to serve" in refused.stderr and f"chmod 600 {key}" in refused.stderr
    key.chmod(0o600)
    loaded = subprocess.run(load, env=env, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "loaded"


def test_both_key_file_formats_read_and_a_bad_line_is_named(tmp_path):
    key = tmp_path / "k"
    assert create_master_key(key)
    v1 = read_key_file(key)
    assert len(v1.master) == 32 and v1.carried == {}
    v2 = KeyFile(
        master=v1.master,
        carried={"blind-index/names": bytes(range(32))},
        retired=(("audit-trail-mac", 1, bytes(32)),),
        current_from={"audit-trail-mac": 10},
    )
    again = parse_key_file(v2.render(), key)
    assert again == v2
    assert again.derive("blind-index/names") == bytes(range(32))
    assert again.key_for_sequence("audit-trail-mac", 9) == bytes(32)
    assert again.key_for_sequence("audit-trail-mac", 10) == v1.derive("audit-trail-mac")
    broken = v2.render().replace(b"current audit-trail-mac 10", b"current audit-trail-mac ten")
    with pytest.raises(Exception, match="line 5"):
        parse_key_file(broken, key)
