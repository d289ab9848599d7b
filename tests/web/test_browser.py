"""The site in a real browser: headless Debian Chromium driven by Playwright.

A monitor signs in, records a person and an event through the forms, finds both in
the lists, and is told plainly what is wrong with an impossible date (2024-02-30)
and with an event dated in the future.  The site is really served (live_server).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from tests.signin import browser_sign_in, second_factor_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
CYRILLIC_NAME = "Мухаммед Аль-Хасан"
LATIN_NAME = "Muhammad Al-Hasan"
PERSON_CODE = re.compile(r"P-\d{4}-\d{5}")
EVENT_CODE = re.compile(r"E-\d{4}-\d{5}")
TIMEOUT_MS = 15_000

# fixed places, so a person can look at the pages after a run
PERSON_SCREENSHOT = Path("/tmp/bm-person-error.png")  # noqa: S108
EVENT_SCREENSHOT = Path("/tmp/bm-event.png")  # noqa: S108


def _label(text: str) -> re.Pattern:
    """A field's label exactly, with or without Django's ":" suffix."""
    return re.compile(rf"^{re.escape(text)}:?$")


def _input(page, label: str):
    return page.get_by_label(_label(label))


def _fits_the_screen(page) -> bool:
    """No sideways scrolling of the whole page (wide tables scroll in their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _field(page, label: str):
    """The `.field` block holding the input labelled `label` (label, help, errors)."""
    return page.locator("div.field").filter(has=_input(page, label))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_monitor_records_a_person_and_an_event_in_the_browser(live_server):
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
            "the browser tests never download a browser"
        )
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.services import user_create
    from bordermonitor.core.dates import FuzzyDate
    from bordermonitor.records import services
    from bordermonitor.records.models import Act, Event, Person

    # The database is touched only before and after the browser session: Playwright's
    # sync API runs an event loop in this thread, where Django refuses ORM calls (and
    # with DJANGO_ALLOW_ASYNC_UNSAFE it would open a second connection, never closed,
    # which keeps PostgreSQL from dropping the test database).
    monitor = user_create(username="browser-monitor", role="monitor", password=PASSWORD)
    second_factor = second_factor_for(monitor)  # before the browser: ORM
    # Decoys the list filters must leave out, so finding the new records proves
    # that the search worked and not merely that the list was shown.
    decoy_person = services.person_create(
        names=[services.NameInput("Ahmad Karimi", "self")], created_by=monitor
    )
    decoy_event = services.event_create(date=FuzzyDate.month(2024, 2), created_by=monitor)
    expect.set_options(timeout=TIMEOUT_MS)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            # a phone-sized window: monitors work from phones in the field
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": 412, "height": 915}
            )
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()

            # -- sign in
            browser_sign_in(page, "browser-monitor", PASSWORD, second_factor)
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

            # -- a new person, first with an impossible birth date
            page.get_by_role("navigation").get_by_role("link", name="People").click()
            expect(page.get_by_role("heading", name="People")).to_be_visible()
            page.get_by_role("link", name="New person").click()
            expect(page.get_by_role("heading", name="New person")).to_be_visible()
            names = _input(page, "Name as written")
            writers = _input(page, "Written by")
            names.nth(0).fill(CYRILLIC_NAME)
            writers.nth(0).select_option("belarus_official")
            names.nth(1).fill(LATIN_NAME)
            writers.nth(1).select_option("polish_official")
            _input(page, "Sex").select_option("m")
            _input(page, "Nationality").select_option("IRQ")
            _input(page, "Birth date").fill("2024-02-30")
            page.get_by_role("button", name="Save").click()

            birth = _field(page, "Birth date")
            expect(birth.locator(".errorlist")).to_contain_text("February 2024 has 29 days")
            # screen readers read the error with the field (aria-describedby)
            expect(_input(page, "Birth date")).to_have_accessible_description(
                re.compile("February 2024 has 29 days")
            )
            expect(_input(page, "Birth date")).to_have_value("2024-02-30")
            # what was typed is kept, so only the date needs fixing
            expect(names.nth(0)).to_have_value(CYRILLIC_NAME)
            expect(_input(page, "Nationality")).to_have_value("IRQ")
            expect(page).to_have_url(re.compile(r"/persons/new/$"))
            assert _fits_the_screen(page)
            page.screenshot(path=str(PERSON_SCREENSHOT), full_page=True)

            _input(page, "Birth date").fill("1998-05")
            page.get_by_role("button", name="Save").click()
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_have_text(PERSON_CODE)
            person_code = PERSON_CODE.search(heading.inner_text())[0]
            expect(page.get_by_role("cell", name=CYRILLIC_NAME)).to_be_visible()
            expect(page.get_by_role("cell", name=LATIN_NAME)).to_be_visible()
            expect(page.locator("dl.record")).to_contain_text("May 1998")
            expect(page.locator("dl.record")).to_contain_text("Iraq")

            # -- found again in the list through the blind index (transliteration)
            page.get_by_role("navigation").get_by_role("link", name="People").click()
            expect(page.get_by_text("2 found.")).to_be_visible()
            _input(page, "Name (exact word, any script)").fill("mukhammed")
            page.get_by_role("button", name="Filter").click()
            expect(page).to_have_url(re.compile(r"name=mukhammed"))
            expect(page.get_by_text("1 found.")).to_be_visible()
            expect(page.get_by_role("link", name=person_code)).to_be_visible()
            expect(page.get_by_role("link", name=decoy_person.code)).to_have_count(0)
            _input(page, "Name (exact word, any script)").fill("nobodyhasthisname")
            page.get_by_role("button", name="Filter").click()
            expect(page.get_by_text("Nobody matches these filters.")).to_be_visible()
            # htmx swaps the page's <main> for the new one, not nested inside it
            expect(page.locator("main")).to_have_count(1)

            # -- a new event, first dated tomorrow
            page.get_by_role("navigation").get_by_role("link", name="Events").click()
            expect(page.get_by_role("heading", name="Events")).to_be_visible()
            page.get_by_role("link", name="New event").click()
            expect(page.get_by_role("heading", name="New event")).to_be_visible()
            _input(page, "Date").fill(tomorrow.isoformat())
            _input(page, "Place").select_option("kuznica")
            page.get_by_role("checkbox", name="pushback", exact=True).check()
            _input(page, "People in the group").fill("12")
            _input(page, "of them women").fill("3")
            page.get_by_role("button", name="Save").click()

            date = _field(page, "Date")
            expect(date.locator(".errorlist")).to_contain_text(
                f"{tomorrow.day} {tomorrow:%B %Y} is in the future"
            )
            expect(_input(page, "Date")).to_have_accessible_description(
                re.compile("is in the future")
            )
            expect(page).to_have_url(re.compile(r"/events/new/$"))

            _input(page, "Date").fill("March 2024")
            page.get_by_role("button", name="Save").click()
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_contain_text(EVENT_CODE)
            event_code = EVENT_CODE.search(heading.inner_text())[0]
            record = page.locator("dl.record")
            expect(record).to_contain_text("March 2024")
            expect(record).to_contain_text("Kuźnica")
            expect(record).to_contain_text("pushback")
            expect(record).to_contain_text("group of 12, 3 women")

            # -- a violation (act) against the person, on the event page
            _input(page, "Violation type").select_option(label="pushback")
            _input(page, "Perpetrator").select_option(label="Polish Border Guard")
            _input(page, "Victim code").fill(person_code)
            page.get_by_role("button", name="Add").click()
            expect(page.get_by_text("Act added.")).to_be_visible()
            act = page.get_by_role("row").filter(has=page.get_by_role("link", name=person_code))
            expect(act).to_contain_text("pushback")
            expect(act).to_contain_text("Polish Border Guard")
            assert _fits_the_screen(page)
            page.screenshot(path=str(EVENT_SCREENSHOT), full_page=True)

            # -- the list: "March 2024" may fall after 2024-03-10, so it is shown
            page.get_by_role("navigation").get_by_role("link", name="Events").click()
            expect(page.get_by_text("2 found.")).to_be_visible()
            _input(page, "Date from").fill("2024-03-10")
            page.get_by_role("button", name="Filter").click()
            expect(page).to_have_url(re.compile(r"date_from=2024-03-10"))
            expect(page.get_by_text("1 found.")).to_be_visible()
            expect(page.get_by_role("link", name=event_code)).to_be_visible()
            expect(page.get_by_role("link", name=decoy_event.code)).to_have_count(0)
            expect(page.locator("main")).to_have_count(1)
            assert _fits_the_screen(page), "the event filters overflow a phone screen"
            _input(page, "Date from").fill("2024-04-01")
            page.get_by_role("button", name="Filter").click()
            expect(page.get_by_text("No event matches these filters.")).to_be_visible()

            # the person's page lists the violation too
            page.goto(f"/persons/{person_code}/")
            expect(page.get_by_role("link", name=event_code)).to_be_visible()
            expect(page.get_by_role("listitem").filter(has_text=event_code)).to_contain_text(
                "pushback by Polish Border Guard"
            )
        finally:
            browser.close()

    # Exactly one new record of each kind: the refused submissions (impossible birth
    # date, event in the future) saved nothing.
    person = Person.objects.exclude(pk=decoy_person.pk).get()
    assert person.code == person_code
    assert {v.full_name for v in person.name_variants.all()} == {CYRILLIC_NAME, LATIN_NAME}
    assert str(person.birth) == "May 1998"
    event = Event.objects.exclude(pk=decoy_event.pk).get()
    assert event.code == event_code
    assert (str(event.date), event.group_size, event.women_count) == ("March 2024", 12, 3)
    assert event.place.code == "kuznica"
    act = Act.objects.get()
    assert (act.event, act.victim, act.violation_type.code) == (event, person, "pushback")
