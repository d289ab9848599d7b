"""Interface in English and Russian, switched per user."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

import bordermonitor

LOCALE = Path(bordermonitor.__file__).parent / "locale"


@pytest.mark.django_db
def test_a_user_switches_the_interface_to_russian(client, users):
    monitor = users["monitor"]
    client.force_login(monitor)
    assert "Dashboard" in client.get("/").content.decode()

    response = client.post("/language/", {"language": "ru", "next": "/persons/"})
    assert response.status_code == 302 and response.headers["Location"] == "/persons/"
    monitor.refresh_from_db()
    assert monitor.language == "ru"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Обзор" in html and '<html lang="ru">' in html
    assert page.headers["Content-Language"] == "ru"


@pytest.mark.django_db
def test_unknown_language_is_refused_and_offsite_redirects_are_not_followed(client, users):
    client.force_login(users["analyst"])
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    users["analyst"].refresh_from_db()
    assert users["analyst"].language == ""


def test_every_russian_message_is_translated_and_compiled():
    po = (LOCALE / "ru/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = re.findall(r'\nmsgid "((?:[^"\\]|\\.)+)"\nmsgstr "((?:[^"\\]|\\.)*)"', po)
    assert len(entries) >= 15
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == []
    with (LOCALE / "ru/LC_MESSAGES/django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for msgid, msgstr in entries:
        assert compiled.gettext(msgid) == msgstr.replace('\\"', '"'), (
            f"{msgid!r}: the .mo is out of date"
        )
