"""Issue 5, the coordinators' review queue in a real browser (headless Debian Chromium).

A coordinator sees three proposed pairs with their probability and agreeing fields,
rejects one, confirms one and marks the third unsure.  The rejected pair never comes
back: not on reload, not after the matching data is rebuilt.  The confirmed link shows
on both records' pages; undoing it shows them unlinked again with nothing overwritten.
A monitor is refused the queue.

The database is touched only outside the Playwright blocks (see tests/web/test_browser.py
for why); the rebuild between two browser sessions is such an outside step.  Each session
signs in through the pages, password then a code (`tests.signin.browser_sign_in`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command

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
TIMEOUT_MS = 15_000
QUEUE_SCREENSHOT = Path("/tmp/bm-review-queue.png")  # noqa: S108

# confirmed: a sister's report and the Brest detention list
REPORTED = "Mohammed Hussein Ali"
DETAINED = "Мухаммад Хусейн Алиев"
# rejected: two men of the same name, a generation apart in the family's account
REJECT_LEFT = "Abdul Rahman Karimi"
REJECT_RIGHT = "Абдурахман Карими"
# unsure: a missing Afghan man and an unidentified body found after his last call
UNSURE_NAME = "Ahmad Rasul Aziz"
PERCENT = re.compile(r"\d{1,3}%")


def _label(text: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(text)}:?$")


def _anchor(a: str, b: str) -> str:
    return "pair-" + "-".join(sorted((a, b)))


def _browser(p):
    return p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def _signed_in_page(browser, live_server, username: str, second_factor):
    """A new browser context signed in through the pages (password, then a code)."""
    from playwright.sync_api import expect

    from tests.signin import browser_sign_in

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/login/")
    browser_sign_in(page, username, PASSWORD, second_factor)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    return page


def _decide(page, anchor: str, verdict: str, reason: str) -> None:
    pair = page.locator(f"#{anchor}")
    pair.get_by_label(_label("Decision")).select_option(label=verdict)
    pair.get_by_label(_label("Why")).fill(reason)
    pair.get_by_role("button", name="Record the decision").click()


def _panel_row(page, code: str):
    return page.locator("section.possible-matches tr").filter(
        has=page.get_by_role("link", name=code, exact=True)
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_reviews_proposed_matches_in_the_browser(live_server):
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
            "the browser tests never download a browser"
        )
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.services import user_create
    from bordermonitor.core.dates import parse_fuzzy_date
    from bordermonitor.linkage.models import CONFIRMED, REJECTED, UNSURE, MatchDecision
    from bordermonitor.records import services as records
    from bordermonitor.records.models import Person
    from bordermonitor.records.services import NameInput
    from bordermonitor.tracing import services as tracing
    from bordermonitor.tracing.models import UNIDENTIFIED
    from tests.signin import second_factor_for

    coordinator = user_create(username="review-coordinator", role="coordinator", password=PASSWORD)
    monitor = user_create(username="review-monitor", role="monitor", password=PASSWORD)

    def person(name, *, birth, nationality, written_by="relative"):
        return records.person_create(
            names=[NameInput(name, written_by)],
            created_by=monitor,
            sex="m",
            birth=parse_fuzzy_date(birth),
            nationality=nationality,
        )

    def report(who, last_contact):
        return tracing.missing_report_file(
            person=who,
            received_on=dt.date(2024, 6, 1),
            reporter_relationship="sibling",
            last_contact=parse_fuzzy_date(last_contact),
            by=monitor,
        )

    reported = person(REPORTED, birth="1999", nationality="IRQ")
    reported_case = report(reported, "2024-03-01").case
    detained = person(DETAINED, birth="1999", nationality="IRQ", written_by="belarus_official")
    detention = tracing.detention_record(
        person=detained, detained_from=dt.date(2024, 3, 5), facility="tdf-grodno", by=monitor
    )
    left = person(REJECT_LEFT, birth="1985", nationality="SYR")
    left_case = report(left, "2024-02-01").case
    right = person(REJECT_RIGHT, birth="1985", nationality="SYR", written_by="belarus_official")
    tracing.detention_record(
        person=right, detained_from=dt.date(2024, 2, 10), facility="tdf-grodno", by=monitor
    )
    unsure = person(UNSURE_NAME, birth="1990", nationality="AFG")
    report(unsure, "2024-04-01")
    body = tracing.death_record(
        found=parse_fuzzy_date("2024-04-20"),
        confirmation="official_statement",
        sex="m",
        age_min=34,
        age_max=34,
        nationality="AFG",
        by=monitor,
    )
    names_before = {
        p.code: sorted(v.full_name for v in p.name_variants.all())
        for p in Person.objects.prefetch_related("name_variants")
    }

    linked = _anchor(reported.code, detained.code)
    rejected = _anchor(left.code, right.code)
    doubtful = _anchor(unsure.code, body.code)
    case_url = f"/tracing/cases/{reported_case.code}/"
    detention_url = f"/tracing/detentions/{detention.code}/"

    # authenticator secrets: ORM work, so before the browser starts
    coordinator_code = second_factor_for(coordinator)
    monitor_code = second_factor_for(monitor)
    expect.set_options(timeout=TIMEOUT_MS)

    # -- first session: the three verdicts
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = _signed_in_page(browser, live_server, "review-coordinator", coordinator_code)
            page.goto("/matching/review/")
            expect(page.get_by_role("heading", name="Proposed matches", level=1)).to_be_visible()
            for anchor in (linked, rejected, doubtful):
                pair = page.locator(f"#{anchor}")
                expect(pair).to_be_visible()
                expect(pair.get_by_role("heading", level=3)).to_contain_text(PERCENT)
                expect(pair).to_contain_text("Agreeing fields")
            expect(page.locator(f"#{linked}")).to_contain_text("name:")
            expect(page.locator(f"#{linked}")).to_contain_text(DETAINED)
            expect(page.locator(f"#{linked}")).to_contain_text("2024-03-05")
            expect(page.locator(f"#{doubtful}")).to_contain_text("no name (unidentified body)")
            page.screenshot(path=str(QUEUE_SCREENSHOT), full_page=True)

            _decide(page, rejected, "not the same person", "father and son, the family says")
            expect(page.locator("ul.messages")).to_contain_text(": not the same person.")
            expect(page.locator(f"#{rejected}")).to_have_count(0)

            _decide(page, linked, "same person", "the sister recognised him in the list photo")
            expect(page.locator("ul.messages")).to_contain_text(": same person.")
            expect(page.locator(f"#{linked}")).to_have_count(0)
            expect(page.locator(f"#link-{linked}")).to_contain_text(
                "confirmed by review-coordinator"
            )

            _decide(page, doubtful, "unsure", "age fits, no photo yet")
            expect(page.locator(f"#{doubtful}")).to_have_count(0)
            expect(page.locator(f"#unsure-{doubtful}")).to_contain_text("age fits, no photo yet")

            page.reload()
            expect(page.get_by_role("heading", name="Proposed matches", level=1)).to_be_visible()
            for gone in (rejected, f"unsure-{rejected}", f"link-{rejected}"):
                expect(page.locator(f"#{gone}")).to_have_count(0)
            expect(page.locator(f"#link-{linked}")).to_be_visible()

            # the link shows on both records' pages
            page.goto(case_url)
            expect(_panel_row(page, detained.code)).to_contain_text("linked")
            page.goto(detention_url)
            expect(_panel_row(page, reported.code)).to_contain_text("linked")
            # the rejected pair is not offered from either side
            page.goto(f"/tracing/cases/{left_case.code}/")
            expect(page.locator("section.possible-matches")).to_be_visible()
            expect(_panel_row(page, right.code)).to_have_count(0)
        finally:
            browser.close()

    # -- outside the browser: rebuild every person's matching data from scratch
    call_command("matching_rebuild", verbosity=0)

    # -- second session: still no rejected pair; undo the link; a monitor is refused
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = _signed_in_page(browser, live_server, "review-coordinator", coordinator_code)
            page.goto("/matching/review/")
            expect(page.locator(f"#link-{linked}")).to_be_visible()
            expect(page.locator(f"#unsure-{doubtful}")).to_be_visible()
            for gone in (rejected, f"unsure-{rejected}", f"link-{rejected}"):
                expect(page.locator(f"#{gone}")).to_have_count(0)
            page.goto("/matching/review/?threshold=0")
            expect(page.locator(f"#{rejected}")).to_have_count(0)

            link = page.locator(f"#link-{linked}")
            link.get_by_label(_label("Why undo")).fill("the list photo was of his cousin")
            link.get_by_role("button", name="Undo this link").click()
            expect(page.get_by_text("The link was undone.")).to_be_visible()
            expect(page.locator(f"#link-{linked}")).to_have_count(0)
            expect(page.locator(f"#{linked}")).to_be_visible()  # may be decided again

            page.goto(case_url)
            expect(_panel_row(page, detained.code)).to_contain_text("not reviewed")
            page.goto(detention_url)
            expect(_panel_row(page, reported.code)).to_contain_text("not reviewed")
            # nothing was overwritten: each person's page shows their own names only
            page.goto(f"/persons/{reported.code}/")
            expect(page.get_by_role("cell", name=REPORTED)).to_be_visible()
            expect(page.get_by_role("cell", name=DETAINED)).to_have_count(0)
            page.goto(f"/persons/{detained.code}/")
            expect(page.get_by_role("cell", name=DETAINED)).to_be_visible()
            expect(page.get_by_role("cell", name=REPORTED)).to_have_count(0)

            other = _signed_in_page(browser, live_server, "review-monitor", monitor_code)
            refused = other.goto("/matching/review/")
            assert refused is not None and refused.status == 403
            expect(other.locator(f"#{linked}")).to_have_count(0)
        finally:
            browser.close()

    decisions = {
        (d.verdict, d.person_id, d.other_person_id or d.death_id): d
        for d in MatchDecision.objects.select_related("decided_by", "undone_by")
    }
    assert len(decisions) == 3
    no = decisions[(REJECTED, *sorted((left.pk, right.pk), key=str))]
    assert no.undone_at is None and no.decided_by == coordinator
    assert no.reason == "father and son, the family says"
    yes = decisions[(CONFIRMED, *sorted((reported.pk, detained.pk), key=str))]
    assert yes.undone_by == coordinator and yes.undo_reason == "the list photo was of his cousin"
    maybe = decisions[(UNSURE, unsure.pk, body.pk)]
    assert maybe.undone_at is None
    body.refresh_from_db()
    assert body.person is None and body.identification_status == UNIDENTIFIED
    names_after = {
        p.code: sorted(v.full_name for v in p.name_variants.all())
        for p in Person.objects.prefetch_related("name_variants")
    }
    assert names_after == names_before
