"""The suite-wide log check (tests/log_capture.py) can fail, and sees real records.

The leaking record is written to a logger that does not propagate, caught by a handler
of this test's own: the session-wide capture never sees it, so the run stays clean
while the same checking function is shown to find the name.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from tests.log_capture import (
    CapturingHandler,
    Secrets,
    captured_entries,
    find_leaks,
    session_secrets,
)

NAME = "Zainab Al-Rashidi"
TESTIMONY = "They took our phones at the fence near Kuźnica and beat my brother."


@pytest.fixture
def isolated_logger():
    """A logger whose records reach only the handler given to the test."""
    logger = logging.getLogger("tests.leak_probe")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = CapturingHandler()
    logger.addHandler(handler)
    yield logger, handler
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_name_logged_by_mistake_is_found_and_named_by_kind_only(users, isolated_logger):
    from bordermonitor.records import services
    from bordermonitor.records.services import NameInput

    logger, handler = isolated_logger
    person = services.person_create(
        names=[NameInput(NAME, "relative")], created_by=users["monitor"]
    )
    source = services.source_create(
        kind="interview",
        received_on=dt.date(2024, 3, 5),
        created_by=users["monitor"],
        testimony=TESTIMONY,
    )
    # The values were gathered from the saves themselves, not listed by hand.
    assert session_secrets().kinds.get(NAME) == "the plaintext of records.NameVariant.full_name"
    assert session_secrets().kinds.get(TESTIMONY) == "the plaintext of records.Source.testimony"

    logger.info("person %s opened", person.code)  # a code is fine
    assert find_leaks(handler.entries, session_secrets()) == []

    logger.warning("could not match %s for %s", NAME, source.code)
    logger.error("bad source", exc_info=ValueError(TESTIMONY[:30]))
    leaks = find_leaks(handler.entries, session_secrets())
    assert [leak.describe() for leak in leaks] == [
        "logger 'tests.leak_probe' (WARNING) wrote the plaintext of records.NameVariant.full_name"
    ]
    # the report says which kind of value leaked, never the value
    assert all(NAME not in leak.describe() for leak in leaks)
    # the exception's text is part of what a record writes
    partial = Secrets()
    partial.add(TESTIMONY[:30], "testimony")
    assert [leak.kind for leak in find_leaks(handler.entries, partial)] == ["testimony"]


@pytest.mark.django_db
def test_passwords_and_session_keys_are_gathered_from_a_real_sign_in(client, users):
    from tests.conftest import PASSWORD

    response = client.post("/login/", {"username": "u-monitor", "password": PASSWORD})
    assert response.status_code == 302
    secrets = session_secrets()
    assert secrets.kinds.get(PASSWORD) == "a password"
    assert secrets.kinds.get(client.session.session_key) == "a session key"
    client.logout()  # a signed-in user is sent past the sign-in form
    wrong = "not-the-password-at-all"
    client.post("/login/", {"username": "nobody-here", "password": wrong})
    assert secrets.kinds.get(wrong) == "a password"


def test_short_values_are_not_gathered_and_json_free_text_leaves_are():
    secrets = Secrets()
    secrets.add("Ali", "a name")
    secrets.add("pushback", "a testimony")  # a text field is gathered whole
    draft = {
        "names": [{"full_name": "Hussein Karimi", "written_by": "relative"}, "hussein"],
        "existing": "E-2024-00012",
        "date": "2024-03-05",
        "place": "kuznica",
        "step": 2,
        "story": "Мы шли ночью",
    }
    secrets.add(draft, "draft")
    assert secrets.kinds == {
        "pushback": "a testimony",
        "Hussein Karimi": "draft",
        "Мы шли ночью": "draft",
    }


def test_the_session_wide_handler_sees_records_of_propagating_loggers():
    logging.getLogger("django.request").warning("log-capture canary %s", 42)
    logging.getLogger("bordermonitor.canary").debug("log-capture debug canary")
    texts = [(e.logger, e.text) for e in captured_entries()]
    assert ("django.request", "log-capture canary 42") in texts
    assert ("bordermonitor.canary", "log-capture debug canary") in texts
