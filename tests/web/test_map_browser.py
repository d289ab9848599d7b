"""The map of events in a real browser (headless Debian Chromium through Playwright).

A monitor opens the map: the border line and the crossing points are drawn with no
tile server, the events appear as markers or numbered clusters, and filtering
changes which markers are shown without reloading the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.signin import browser_sign_in, second_factor_for
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS, _input

MAP_SCREENSHOT = Path("/tmp/bm-map.png")  # noqa: S108

# Sum of what the map shows: single markers count 1, a cluster shows its count.
COUNT_MARKERS = """() => {
  const singles = document.querySelectorAll('#map .bm-event-marker').length;
  const clusters = [...document.querySelectorAll('#map .marker-cluster')]
    .reduce((n, c) => n + parseInt(c.textContent, 10), 0);
  return singles + clusters;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_monitor_filters_events_on_the_map(live_server):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.services import user_create
    from bordermonitor.core.dates import FuzzyDate
    from bordermonitor.records import services

    # The database is touched only before the browser starts (see test_browser.py).
    monitor = user_create(username="map-monitor", role="monitor", password=PASSWORD)
    second_factor = second_factor_for(monitor)  # before the browser: ORM
    places = ["kuznica", "bruzgi", "kukuryki", "medininkai", "silene", "bialowieza"]
    codes = {}
    for i, place in enumerate(places):
        for n in range(2):  # two events per place: they cluster when zoomed out
            event = services.event_create(
                date=FuzzyDate.day(2024, 3, 1 + i * 2 + n),
                created_by=monitor,
                place=place,
                event_types=["pushback"] if place != "medininkai" else ["apprehension"],
            )
            codes.setdefault(place, []).append(event.code)
    alone = services.event_create(
        date=FuzzyDate.month(2024, 4),
        created_by=monitor,
        place="druskininkai",
        event_types=["pushback"],
    ).code  # far from the others: a single marker even when zoomed out
    services.event_create(date=FuzzyDate.month(2024, 5), created_by=monitor, side="LT")  # no place
    polish = sum(len(codes[p]) for p in ("kuznica", "kukuryki", "bialowieza"))
    located = len(places) * 2 + 1

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": 1100, "height": 1000}
            )
            context.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            requests = []
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            browser_sign_in(page, "map-monitor", PASSWORD, second_factor)
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

            page.goto("/events/")
            page.get_by_role("link", name="Show on map").click()
            expect(page.get_by_role("heading", name="Map of events")).to_be_visible()
            status = page.locator("#map-status")
            expect(status).to_contain_text(f"{located} events on the map")
            expect(status).to_contain_text("1 without coordinates not shown")

            # the border (three lines) and the crossing points, with no tiles
            assert page.locator("#map path.bm-border-line").count() == 3
            assert page.locator("#map path.bm-crossing").count() >= 10
            assert page.locator("#map .leaflet-tile").count() == 0
            expect(page.locator("#map .leaflet-control-scale")).to_be_visible()
            expect(page.locator("#map .bm-country-label").first).to_be_visible()
            page.wait_for_function(f"() => ({COUNT_MARKERS})() === {located}")
            assert page.locator("#map .marker-cluster").count() >= 1  # zoomed out: clusters

            # filter: only the Polish side; the markers change, the page does not reload
            page.evaluate("window.__notReloaded = true")
            _input(page, "Side").select_option("PL")
            expect(status).to_contain_text(f"{polish} events on the map")
            page.wait_for_function(f"() => ({COUNT_MARKERS})() === {polish}")
            assert page.evaluate("window.__notReloaded") is True
            expect(page).to_have_url(re.compile(r"side=PL"))
            expect(page.locator("#map-list-link")).to_have_attribute("href", re.compile("side=PL"))

            _input(page, "Event type").select_option("apprehension")
            expect(status).to_contain_text("0 events on the map")
            page.wait_for_function(f"() => ({COUNT_MARKERS})() === 0")
            _input(page, "Side").select_option("")
            expect(status).to_contain_text("2 events on the map")
            page.wait_for_function(f"() => ({COUNT_MARKERS})() === 2")
            _input(page, "Event type").select_option("")
            expect(status).to_contain_text(f"{located} events on the map")

            # a single marker opens a popup with what a list row says, and a link
            page.locator("#map .bm-event-marker").first.click()
            popup = page.locator("#map .leaflet-popup-content")
            expect(popup).to_contain_text(alone)
            expect(popup).to_contain_text("April 2024")
            expect(popup).to_contain_text("pushback")
            expect(popup).to_contain_text("Lithuania")
            expect(popup.get_by_role("link", name=alone)).to_have_attribute(
                "href", f"/events/{alone}/"
            )
            page.screenshot(path=str(MAP_SCREENSHOT), full_page=True)

            # the page asked nothing of any other site (no tiles, no CDN)
            foreign = [u for u in requests if not u.startswith(live_server.url)]
            assert not foreign, foreign
        finally:
            browser.close()
