"""Shared fixtures: a master key for the run, seeded vocabularies, users per role."""

from __future__ import annotations

import pytest
from django.conf import settings

from bordermonitor.accounts.roles import ROLES
from bordermonitor.core.keys import create_master_key

PASSWORD = "correct horse battery staple"

# Every log record of the run is checked for names, testimony, passwords and session
# keys at the end (see tests/log_capture.py).
pytest_plugins = ["tests.log_capture"]


def pytest_configure(config):
    # Password hashing is deliberately slow; the suite creates hundreds of users.
    # Hashing itself is exercised by the sign-in tests whatever the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WhiteNoise warns when STATIC_ROOT is missing; in tests files come from the app
    # finders (WHITENOISE_USE_FINDERS), so an empty directory is enough.
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    create_master_key(settings.KEY_FILE)


@pytest.fixture
def users(db) -> dict:
    """One active user per role, keyed by role."""
    from bordermonitor.accounts.services import user_create

    return {role: user_create(username=f"u-{role}", role=role, password=PASSWORD) for role in ROLES}


@pytest.fixture
def monitor(users):
    return users["monitor"]


@pytest.fixture(autouse=True)
def _seeded_vocabularies(request):
    """Transactional tests (live server, leak checks) flush every table after they run,
    vocabularies seeded by migration included; put the packaged terms back first."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        from bordermonitor.core.services import vocabularies_seed

        request.getfixturevalue("transactional_db")
        vocabularies_seed()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The audit table refuses UPDATE/DELETE/TRUNCATE (accounts migration 0003), which
    would stop the test database from being flushed between transactional tests.
    Lift the refusal for the test database through its maintenance flag, the one
    switch the triggers obey and nothing in the product sets; the tests of the
    refusal turn it back on inside their own transaction."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_audit_maintenance SET allowed = %s WHERE id = 1", [True])
