"""Acceptance (issue 7), in a real browser: the analyst opens the figures dashboard,
changes the period (the figures change), and downloads a chart's CSV, which holds no
count from 1 to k-1.  Headless Debian Chromium through Playwright; the site is served."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.signin import browser_sign_in, second_factor_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 20_000
K = 5


@pytest.fixture(autouse=True)
def _fresh_release_cache():
    """The dashboard keeps a release for a minute: no test sees another test's data."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_analyst_changes_the_period_and_downloads_a_chart_csv(live_server):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.services import user_create

    # ORM work before the browser (Playwright's loop forbids it inside the block)
    call_command("demo", scenario="report-2024", no_serve=True, stdout=io.StringIO())
    analyst = user_create(username="browser-analyst", role="analyst", password=PASSWORD)
    second_factor = second_factor_for(analyst)
    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(base_url=live_server.url, accept_downloads=True)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            refused: list[str] = []
            page.on(
                "console",
                lambda m: refused.append(m.text) if "Content Security" in m.text else None,
            )

            browser_sign_in(page, "browser-analyst", PASSWORD, second_factor)
            page.get_by_role("navigation").get_by_role("link", name="Figures").click()
            expect(page.get_by_role("heading", name="Figures", level=1)).to_be_visible()

            page.get_by_label("From", exact=True).fill("2023-01-01")
            page.get_by_label("To", exact=True).fill("2025-02-28")
            page.get_by_role("button", name="Show").click()
            expect(page).to_have_url(re.compile(r"date_from=2023-01-01&date_to=2025-02-28"))
            total = page.locator('[data-total="missing_per_month"]')
            expect(total).to_have_text(re.compile(r": 81$"))
            # the chart is a same-origin SVG image that really loaded
            chart = page.locator("#figure-missing_by_nationality img")
            expect(chart).to_be_visible()
            assert chart.evaluate("img => img.complete && img.naturalWidth > 0")

            page.get_by_label("From", exact=True).fill("2024-01-01")
            page.get_by_label("To", exact=True).fill("2024-12-31")
            page.get_by_role("button", name="Show").click()
            expect(page).to_have_url(re.compile(r"date_from=2024-01-01&date_to=2024-12-31"))
            expect(total).not_to_have_text(re.compile(r": 81$"))
            year_total = total.inner_text()

            section = page.locator("#figure-missing_by_nationality")
            with page.expect_download() as info:
                section.get_by_role("link", name="Download CSV").click()
            download = info.value
            assert download.suggested_filename == "missing_by_nationality.csv"
            content = Path(download.path()).read_text(encoding="utf-8")
            page.screenshot(path="/tmp/bm-figures-dashboard.png", full_page=True)  # noqa: S108
        finally:
            browser.close()

    assert not refused, refused
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows and list(rows[0]) == ["nationality", "reports"]
    counts = [r["reports"] for r in rows]
    assert not [c for c in counts if c and 0 < int(c) < K], counts
    grand = next(r["reports"] for r in rows if r["nationality"] == "total")
    assert year_total.endswith(f": {grand}")  # the CSV is the period shown
