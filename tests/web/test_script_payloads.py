"""Script payloads typed into records stay text on every page that shows them.

A testimony is whatever a person said, typed by a monitor, sometimes pasted from a
chat: it can hold `<script>`, `onerror=`, `javascript:` links or SVG with handlers.
Each field that reaches a page gets a different payload; a real browser then visits
every page showing them (lists, details, timeline, story, translations, tracing case,
family letter, map popup) and checks that no dialog opened, the payload is shown as
text, no element carries an event handler or a javascript: link, and the
Content-Security-Policy had nothing to refuse (it would refuse an inline script that
escaped the escaping, so a clean console is a second line of evidence).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.signin import browser_sign_in, second_factor_for
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS


def _payloads(label: str) -> str:
    return (
        f"{label}: <script>alert('{label}')</script> "
        f"<img src=x onerror=alert('{label}')> "
        f'<a href="javascript:alert(1)">{label} link</a> '
        f"<svg onload=alert('{label}')><circle r=5></svg> "
        f"javascript:alert('{label}')"
    )


NAME = _payloads("name")
NOTES = _payloads("notes")
TITLE = _payloads("title")
DESCRIPTION = _payloads("description")
TESTIMONY = _payloads("testimony")
TRANSLATION = _payloads("translation")
ACCOUNT = _payloads("account")
REPORTER = _payloads("reporter")
CIRCUMSTANCES = _payloads("circumstances")
COMPANIONS = _payloads("companions")
REQUEST = _payloads("request")
ANSWER = _payloads("answer")

# Recorded from the first script the page runs: CSP refusals, whatever their source.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""

# Any attribute named on..., any javascript: URL, anywhere in the document.
UNSAFE_MARKUP = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) found.push(el.tagName + ' ' + a.name);
      if (/^\\s*javascript:/i.test(a.value)) found.push(el.tagName + ' ' + a.name + '=javascript:');
    }
  }
  // Leaflet draws the border line as SVG of its own; the popup is checked on its own
  const injected = [...document.querySelectorAll('main svg, main img[src="x"]')]
    .filter(el => !el.closest('.leaflet-overlay-pane'));
  if (injected.length) found.push('injected svg or img');
  return found;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_script_payloads_in_records_are_inert_on_every_page(live_server):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.services import user_create
    from bordermonitor.core.dates import FuzzyDate
    from bordermonitor.records import services
    from bordermonitor.records.services import NameInput
    from bordermonitor.tracing import services as tracing

    # The database is touched only before the browser starts (see test_browser.py).
    coordinator = user_create(username="xss-coordinator", role="coordinator", password=PASSWORD)
    second_factor = second_factor_for(coordinator)  # before the browser: ORM
    person = services.person_create(
        names=[NameInput(NAME, "relative")], created_by=coordinator, notes=NOTES
    )
    event = services.event_create(
        date=FuzzyDate.day(2024, 3, 5),
        created_by=coordinator,
        title=TITLE,
        description=DESCRIPTION,
        place="kuznica",
        event_types=["pushback"],
    )
    source = services.source_create(
        kind="interview",
        received_on=dt.date(2024, 3, 6),
        created_by=coordinator,
        testimony=TESTIMONY,
        events=[event],
        persons=[person],
    )
    services.source_event_link(source=source, event=event, account=ACCOUNT)
    services.translation_create(
        source=source, language="en", text=TRANSLATION, translator=coordinator
    )
    case = tracing.missing_report_file(
        person=person,
        received_on=dt.date(2024, 3, 20),
        reporter_relationship="sibling",
        by=coordinator,
        reporter_name=REPORTER,
        last_contact=FuzzyDate.day(2024, 3, 10),
        companions=COMPANIONS,
        circumstances=CIRCUMSTANCES,
    ).case
    request = tracing.intervention_create(
        recipient="pl-border-guard",
        sent_on=dt.date(2024, 3, 21),
        channel="email",
        by=coordinator,
        case=case,
        request_summary=REQUEST,
    )
    tracing.intervention_answer(
        request, answered_on=dt.date(2024, 3, 25), summary=ANSWER, by=coordinator
    )

    # page -> the payloads it must show as text
    pages = {
        "/persons/": [NAME],
        f"/persons/{person.code}/": [NAME, NOTES],
        f"/persons/{person.code}/timeline/": [],
        "/events/": [TITLE],
        f"/events/{event.code}/": [TITLE, DESCRIPTION, ACCOUNT],
        f"/events/{event.code}/story/": [],
        "/sources/": [],
        f"/sources/{source.code}/": [TESTIMONY, TRANSLATION],
        "/tracing/cases/": [],
        f"/tracing/cases/{case.code}/": [REPORTER, COMPANIONS, CIRCUMSTANCES, ANSWER],
        f"/tracing/cases/{case.code}/letter/": [NAME],
        "/": [],
        "/intake/": [],
    }

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(base_url=live_server.url)
            context.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            context.add_init_script(WATCH_CSP)
            dialogs, console_csp, errors = [], [], []
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on(
                "console",
                lambda m: (
                    console_csp.append(m.text) if "Content Security Policy" in m.text else None
                ),
            )
            page.on("pageerror", lambda e: errors.append(str(e)))

            browser_sign_in(page, "xss-coordinator", PASSWORD, second_factor)
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

            for path, shown in pages.items():
                response = page.goto(path)
                assert response.status == 200, path
                page.wait_for_load_state("load")
                text = page.locator("body").inner_text()
                for payload in shown:
                    # the whole payload is on the page as the characters that were typed
                    assert " ".join(payload.split()) in " ".join(text.split()), (path, payload)
                assert page.evaluate(UNSAFE_MARKUP) == [], path
                assert page.evaluate("window.__cspViolations") == [], path
                assert dialogs == [] and console_csp == [] and errors == [], path

            # the map: the event's marker opens a popup built from text, not markup
            page.goto("/map/")
            expect(page.locator("#map")).to_have_attribute("data-markers", "1")
            page.locator("#map .bm-event-marker").click()
            popup = page.locator(".leaflet-popup-content")
            expect(popup).to_contain_text(event.code)
            assert popup.locator("script, img, svg").count() == 0
            assert page.evaluate(UNSAFE_MARKUP) == []
            assert page.evaluate("window.__cspViolations") == []

            # the watch itself works: an inline style attribute set now is refused
            page.evaluate("document.body.setAttribute('style', 'outline: 1px solid red')")
            page.wait_for_function("() => window.__cspViolations.length > 0")
            assert console_csp, "Chromium reports CSP refusals on the console"
            assert dialogs == [] and errors == []
        finally:
            browser.close()
    assert {n.full_name for n in person.name_variants.all()} == {NAME}
