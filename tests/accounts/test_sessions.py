"""Sessions end on their own (idle and absolute timeouts), and every other session of
a user ends when the password changes or the account is disabled."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from bordermonitor.accounts.middleware import SEEN_SESSION_KEY, STARTED_SESSION_KEY
from bordermonitor.accounts.services import user_create
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase"
NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def monitor():
    return user_create(username="mona", role="monitor", password=PASSWORD)


def _open(client: Client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def _to_login(client: Client) -> bool:
    response = client.get(reverse("dashboard"))
    return response.status_code == 302 and response["Location"].startswith("/login/")


def _age(client: Client, *, started: float, seen: float) -> None:
    """Move the session's clocks back by this many seconds."""
    session = client.session
    now = time.time()
    session[STARTED_SESSION_KEY] = int(now - started)
    session[SEEN_SESSION_KEY] = int(now - seen)
    session.save()


def test_idle_timeout(monitor, settings):
    settings.BM_SESSION_IDLE_MINUTES = 30
    client = Client()
    sign_in(client, monitor)
    _age(client, started=29 * 60, seen=29 * 60)
    assert _open(client)  # 29 minutes idle: still open, and the clock restarts
    assert time.time() - client.session[SEEN_SESSION_KEY] < 5
    _age(client, started=3600, seen=31 * 60)
    assert _to_login(client)
    assert client.session.get("_auth_user_id") is None
    assert _to_login(client)  # and it stays ended


def test_absolute_timeout(monitor, settings):
    settings.BM_SESSION_MAX_HOURS = 12
    client = Client()
    sign_in(client, monitor)
    _age(client, started=11 * 3600, seen=60)
    assert _open(client)
    _age(client, started=12 * 3600 + 60, seen=0)  # busy all along: still ends
    assert _to_login(client)


def test_a_session_without_stamps_is_ended(monitor):
    client = Client()
    sign_in(client, monitor)
    session = client.session
    del session[STARTED_SESSION_KEY]
    session.save()
    assert _to_login(client)


def test_password_change_ends_the_other_sessions_and_keeps_this_one(monitor):
    here, elsewhere = Client(), Client()
    sign_in(here, monitor)
    sign_in(elsewhere, monitor)
    assert _open(here) and _open(elsewhere)
    page = here.get(reverse("password-change"))
    assert page.status_code == 200
    response = here.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _open(here)
    assert _to_login(elsewhere)
    monitor.refresh_from_db()
    assert monitor.check_password(NEW_PASSWORD)


def test_password_change_refuses_a_short_new_password(monitor):
    client = Client()
    sign_in(client, monitor)
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200 and "too short" in response.content.decode()
    monitor.refresh_from_db()
    assert monitor.check_password(PASSWORD)


def test_disabling_an_account_ends_its_sessions(monitor):
    first, second = Client(), Client()
    sign_in(first, monitor)
    sign_in(second, monitor)
    assert _open(first) and _open(second)
    sessions_before = Session.objects.count()
    monitor.is_active = False
    monitor.save()
    assert Session.objects.count() == sessions_before - 2
    assert _to_login(first) and _to_login(second)
    # enabled again, the old sessions stay ended
    monitor.is_active = True
    monitor.save()
    assert _to_login(first)


def test_a_session_is_refused_once_the_account_is_disabled_even_if_kept(monitor):
    """Even a session row that survived (e.g. a cache) is refused: Django's backend
    does not load an inactive user."""
    client = Client()
    sign_in(client, monitor)
    from bordermonitor.accounts.models import User

    User.objects.filter(pk=monitor.pk).update(is_active=False)  # no signal, no cleanup
    assert _to_login(client)
