"""Interface in English and Russian, switched per user."""

from __future__ import annotations

import datetime as dt
import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

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


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def _po_entries(text: str) -> list[dict[str, str]]:
    """Entries of a .po file: keyword (msgctxt, msgid, msgid_plural, msgstr, msgstr[n])
    to its value, continuation lines joined, plus "flags" from the `#,` comment."""
    entries: list[dict[str, str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry: dict[str, str] = {"flags": ""}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line[2:]
            elif line.startswith("#"):
                continue
            elif m := re.fullmatch(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"', line):
                key = m[1]
                entry[key] = _unquote(m[2])
            elif m := re.fullmatch(r'"(.*)"', line):
                assert key is not None, f"a continuation line before any keyword: {line!r}"
                entry[key] += _unquote(m[1])
            else:
                raise AssertionError(f"not a .po line: {line!r}")
        if "msgid" in entry:
            entries.append(entry)
    return entries


def test_the_po_reader_joins_multi_line_entries():
    po = (
        '#, python-format\nmsgid ""\n"a long "\n"message %(n)s"\nmsgstr ""\n"длинное "\n'
        '"сообщение %(n)s"\n\nmsgctxt "month"\nmsgid "May"\nmsgstr "май"\n'
    )
    first, second = _po_entries(po)
    assert first["msgid"] == "a long message %(n)s" and first["msgstr"] == "длинное сообщение %(n)s"
    assert "python-format" in first["flags"]
    assert (second["msgctxt"], second["msgid"], second["msgstr"]) == ("month", "May", "май")


def test_every_russian_message_is_translated_and_compiled():
    po = (LOCALE / "ru/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = [e for e in _po_entries(po) if e["msgid"]]  # not the header
    assert len(entries) >= 400
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    untranslated = [
        e["msgid"] for e in entries if not all(v for k, v in e.items() if k.startswith("msgstr"))
    ]
    assert untranslated == []
    with (LOCALE / "ru/LC_MESSAGES/django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for e in entries:
        context, msgid = e.get("msgctxt"), e["msgid"]
        if "msgid_plural" in e:
            for n, form in ((1, 0), (3, 1), (5, 2)):
                got = (
                    compiled.npgettext(context, msgid, e["msgid_plural"], n)
                    if context
                    else compiled.ngettext(msgid, e["msgid_plural"], n)
                )
                assert got == e[f"msgstr[{form}]"], f"{msgid!r}: the .mo is out of date"
        else:
            got = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
            assert got == e["msgstr"], f"{msgid!r}: the .mo is out of date"
        # the same placeholders in the translation as in the original
        wanted = sorted(re.findall(r"%\(\w+\)s", msgid))
        for k, v in e.items():
            if k.startswith("msgstr"):
                assert sorted(set(re.findall(r"%\(\w+\)s", v))) == sorted(set(wanted)), msgid


TESTIMONY_AR = "دفعنا حرس الحدود البولندي إلى بيلاروسيا ثلاث مرات"


@pytest.mark.django_db
def test_the_intake_and_a_source_page_are_shown_in_russian(client, users):
    from bordermonitor.records import services

    monitor = users["monitor"]
    monitor.language = "ru"
    monitor.save(update_fields=["language"])
    client.force_login(monitor)

    html = client.get(reverse("intake-source")).content.decode()
    assert '<html lang="ru">' in html
    for label in ("Записать свидетельство", "Вид источника", "Дата интервью", "Согласие источника"):
        assert label in html, label
    assert "интервью с самим человеком" in html  # a choice label from the model
    assert "Далее" in html and "Continue" not in html.split("<main>")[1]

    source = services.source_create(
        kind="interview",
        received_on=dt.date(2024, 3, 5),
        created_by=monitor,
        language="ar",
        testimony=TESTIMONY_AR,
    )
    html = client.get(reverse("source-detail", kwargs={"code": source.code})).content.decode()
    for label in ("Вид", "Достоверность", "Свидетельство", "арабский", "Переводы", "5 марта 2024"):
        assert label in html, label
    assert re.search(r'dir="(auto|rtl)"[^>]*>\s*' + re.escape(TESTIMONY_AR), html)
    # the user's choice holds for their requests only, not for what runs afterwards
    assert translation.get_language() != "ru"


def test_dates_are_shown_in_the_interface_language():
    from bordermonitor.core.dates import parse_fuzzy_date

    shown = {"2024-03-05": "5 марта 2024", "2024-03": "март 2024", "~2024": "примерно 2024"}
    shown["2024-03-01..2024-04-15"] = "с 1 марта 2024 по 15 апреля 2024"
    with translation.override("ru"):
        assert {text: str(parse_fuzzy_date(text)) for text in shown} == shown
    with translation.override("en"):
        assert str(parse_fuzzy_date("~2024-03")) == "about March 2024"
