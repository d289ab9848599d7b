"""Interface in English and Russian, switched per user."""

from __future__ import annotations

import datetime as dt
import gettext
import html as html_lib
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

import bordermonitor
from tests.signin import browser_sign_in, second_factor_for, sign_in

LOCALE = Path(bordermonitor.__file__).parent / "locale"


@pytest.mark.django_db
def test_a_user_switches_the_interface_to_russian(client, users):
    monitor = users["monitor"]
    sign_in(client, monitor)
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
    sign_in(client, users["analyst"])
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
    sign_in(client, monitor)

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


def _untranslated(po_text: str) -> list[str]:
    """msgids of a .po that are fuzzy or have an empty translation."""
    entries = [e for e in _po_entries(po_text) if e["msgid"]]
    return [
        e["msgid"]
        for e in entries
        if "fuzzy" in e["flags"] or not all(v for k, v in e.items() if k.startswith("msgstr"))
    ]


def test_every_string_in_the_code_is_in_a_russian_catalogue(tmp_path, monkeypatch):
    """makemessages over a copy of the package finds nothing new, changed or untranslated,
    in the main catalogue or an app's own (tracing keeps one): a string marked for
    translation but missing from a .po fails here, not in front of a Russian-speaking
    monitor."""
    package = Path(bordermonitor.__file__).parent
    copy = tmp_path / "bordermonitor"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=["ru"], verbosity=0)
    catalogues = sorted(copy.glob("**/locale/ru/LC_MESSAGES/django.po"))
    main = copy / "locale/ru/LC_MESSAGES/django.po"
    assert main in catalogues and len(_po_entries(main.read_text(encoding="utf-8"))) >= 500
    untranslated = {
        str(po.relative_to(copy)): _untranslated(po.read_text(encoding="utf-8"))
        for po in catalogues
    }
    assert untranslated == {str(po.relative_to(copy)): [] for po in catalogues}


# -- the records pages, in Russian and in English -------------------------------


@pytest.fixture
def border_story(users):
    """A person beaten by the Polish Border Guard near Kuźnica, with a source."""
    from bordermonitor.core.dates import FuzzyDate
    from bordermonitor.records import services
    from bordermonitor.records.services import NameInput

    monitor = users["monitor"]
    person = services.person_create(
        names=[NameInput("Ahmad Haddad", "relative")],
        created_by=monitor,
        nationality="SYR",
        languages=["ar"],
        vulnerabilities=["woman_alone"],
    )
    event = services.event_create(
        date=FuzzyDate.day(2024, 3, 5),
        created_by=monitor,
        place="kuznica",
        event_types=["pushback"],
    )
    services.act_create(
        event=event, violation_type="beating", perpetrator="pl-border-guard", victim=person
    )
    services.source_create(
        kind="interview",
        received_on=dt.date(2024, 3, 7),
        created_by=monitor,
        reliability="high",
        events=[event],
        persons=[person],
    )
    return {"person": person.code, "event": event.code}


def _as(client, user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    sign_in(client, user)
    return client


def _page(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return html_lib.unescape(response.content.decode())


def _main(page: str) -> str:
    """The visible text of the page's main part (no tags, so no option values)."""
    return re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1])


CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@pytest.mark.django_db
def test_a_russian_monitor_reads_the_event_list_and_detail_in_russian(client, users, border_story):
    _as(client, users["monitor"], "ru")

    page = _page(client, reverse("event-list"))
    for text in (
        "События",  # heading
        "Показать на карте",
        "Тип события",  # a filter's label
        "Гражданство пострадавших",
        "Кузница",  # the place, in Cyrillic as used locally
        "выдворение (пушбэк)",  # the event's type
        "Пограничная стража Польши",  # an option of the perpetrator filter
        "Беларусь–Польша, центральное Подляшье",  # a border section option
        "Сирия",  # a nationality option, from pycountry's Russian catalogue
        "Найдено: 1.",
    ):
        assert text in page, text
    for english in ("Show on map", "Event type", "No event matches", "pushback", "Kuźnica"):
        assert english not in _main(page), english

    page = _page(client, reverse("event-detail", kwargs={"code": border_story["event"]}))
    for text in (
        "Что произошло",
        "Сторона границы",
        "Нарушения (действия)",
        "избиение или иное физическое насилие",
        "Пограничная стража Польши",
        "Кузница",
        "5 марта 2024",
        "Добавить нарушение",
        "Вид нарушения",  # the act form's labels
        "Код пострадавшего",
        "интервью с самим человеком",
    ):
        assert text in page, text
    for english in ("What happened", "Violations (acts)", "Add a violation", "Victim code"):
        assert english not in page, english


@pytest.mark.django_db
def test_a_russian_monitor_reads_a_person_and_the_timeline_in_russian(client, users, border_story):
    _as(client, users["monitor"], "ru")
    code = border_story["person"]

    page = _page(client, reverse("person-detail", kwargs={"code": code}))
    for text in ("Хронология", "Пережитые нарушения", "Гражданство", "Сирия"):
        assert text in page, text
    # flags and languages in words, not their stored codes
    assert "женщина, путешествующая одна" in page and "арабский" in page
    assert "woman_alone" not in _main(page)
    assert "избиение или иное физическое насилие (исполнитель: Пограничная стража Польши)" in page

    page = _page(client, reverse("person-timeline", kwargs={"code": code}))
    for text in (
        f"Хронология {code}",
        "Сначала самое раннее",
        "заведена запись",
        "событие",
        "источник",
        "избиение или иное физическое насилие (исполнитель: Пограничная стража Польши)",
        "Кузница",
        "достоверность: высокая",
        "5 марта 2024",
    ):
        assert text in page, text
    for english in ("Timeline of", "record opened", " by Polish", "reliability"):
        assert english not in _main(page), english


@pytest.mark.django_db
def test_a_russian_monitor_reads_the_map_page_and_its_status_in_russian(
    client, users, border_story
):
    from bordermonitor.core.dates import FuzzyDate
    from bordermonitor.records import services

    monitor = users["monitor"]
    services.event_create(date=FuzzyDate.month(2024, 4), created_by=monitor, side="LT")
    _as(client, monitor, "ru")

    page = _page(client, reverse("event-map"))
    for text in (
        "Карта событий",
        "Показать списком",
        "Загрузка событий…",
        "Красная линия: граница Беларуси",
        "Фоновая карта не загружается",
        "Тип события",
    ):
        assert text in page, text
    config = client.get(reverse("event-map")).context["map_config"]
    assert config["types"]["pushback"] == "выдворение (пушбэк)"
    assert config["text"]["failed"] == "Не удалось загрузить события; попробуйте ещё раз."

    found = client.get(reverse("event-map-geojson")).json()
    assert found["status"] == "1 событие на карте; 1 без координат не показано."
    assert (
        client.get(reverse("event-map-geojson"), {"side": "??"}).json()["status"]
        == "0 событий на карте."
    )


@pytest.mark.django_db
def test_a_russian_monitor_fills_forms_with_russian_labels_and_errors(client, users):
    from bordermonitor.records.models import Event

    _as(client, users["monitor"], "ru")

    page = _page(client, reverse("event-create"))
    for text in (
        "Новое событие",
        "Дата",
        "Сторона границы",
        "Участок границы",
        "Что произошло",
        "Людей в группе",
        "застряли в пограничной зоне",  # an event type's checkbox
        "Кузница (PL)",  # a place option
        "например 2024-03-15",  # the date's help text
    ):
        assert text in page, text
    assert "People in the group" not in page and "stranded in the border zone" not in page

    page = _page(client, reverse("person-create"))
    for text in ("Имя в написании источника", "Кто записал", "Примерный возраст", "Языки", "Сирия"):
        assert text in page, text

    before = Event.objects.count()
    response = client.post(reverse("event-create"), {"date": "2024-13", "group_size": "-1"})
    html = html_lib.unescape(response.content.decode())
    assert "13 — не номер месяца (1–12)" in html
    assert "Убедитесь, что это значение больше либо равно 0" in html  # Django's own catalogue
    assert Event.objects.count() == before  # bad input changes nothing

    page = _page(client, reverse("source-create"))
    for text in ("Вид", "Достоверность", "Только для внутреннего использования", "коды событий"):
        assert text in page, text


@pytest.mark.django_db
def test_an_english_user_sees_the_same_pages_in_english(client, users, border_story):
    _as(client, users["monitor"], "en")

    page = _page(client, reverse("event-list"))
    for text in ("Events", "Show on map", "Event type", "Kuźnica", "pushback", "Syria"):
        assert text in page, text
    page = _page(client, reverse("event-detail", kwargs={"code": border_story["event"]}))
    for text in ("What happened", "beating or other physical violence", "Polish Border Guard"):
        assert text in page, text
    page = _page(client, reverse("person-timeline", kwargs={"code": border_story["person"]}))
    assert "Timeline of" in page and "record opened" in page
    assert "beating or other physical violence by Polish Border Guard" in page
    page = _page(client, reverse("event-map"))
    assert "Map of events" in page and "Loading events…" in page
    assert client.get(reverse("event-map-geojson")).json()["status"] == "1 event on the map."
    page = _page(client, reverse("event-create"))
    assert "People in the group" in page and "stranded in the border zone" in page
    for url in (reverse("event-list"), reverse("event-create"), reverse("event-map")):
        assert not CYRILLIC.search(_main(_page(client, url))), url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_speaks_russian_in_a_real_browser(live_server):
    """The map's status line and popups are written by its script: they follow the
    user's language too."""
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.services import user_create
    from bordermonitor.core.dates import FuzzyDate
    from bordermonitor.records import services
    from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS

    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    # The database is touched only before the browser starts (see test_browser.py).
    monitor = user_create(username="ru-monitor", role="monitor", password=PASSWORD)
    second_factor = second_factor_for(monitor)  # before the browser: ORM
    monitor.language = "ru"
    monitor.save(update_fields=["language"])
    for day, place in ((3, "kuznica"), (4, "medininkai")):
        services.event_create(
            date=FuzzyDate.day(2024, 3, day),
            created_by=monitor,
            place=place,
            event_types=["pushback"],
        )
    services.event_create(date=FuzzyDate.month(2024, 5), created_by=monitor, side="LT")

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": 1100, "height": 1000}, locale="en-US"
            )
            context.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            page = context.new_page()
            browser_sign_in(page, "ru-monitor", PASSWORD, second_factor)
            expect(page.get_by_role("heading", name="Обзор")).to_be_visible()

            page.goto(reverse("event-list"))
            page.get_by_role("link", name="Показать на карте").click()
            expect(page.get_by_role("heading", name="Карта событий")).to_be_visible()
            status = page.locator("#map-status")
            expect(status).to_have_text("2 события на карте; 1 без координат не показано.")

            page.get_by_label("Сторона", exact=True).select_option("LT")
            expect(status).to_have_text("1 событие на карте; 1 без координат не показано.")
            page.locator("#map .bm-event-marker").first.click()
            popup = page.locator("#map .leaflet-popup-content")
            expect(popup).to_contain_text("4 марта 2024")
            expect(popup).to_contain_text("выдворение (пушбэк)")
            expect(popup).to_contain_text("Литва")
        finally:
            browser.close()
