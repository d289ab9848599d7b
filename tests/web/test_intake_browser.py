"""Acceptance: a monitor records one interview in the browser, in three screens.

"A Sudanese man who was pushed back from Poland three times, bitten by a border-guard
dog, had his phone confiscated, and was finally driven by Belarusian guards to the
Russian border": one source, four chained events (PL pushback → BY → PL pushback +
dog attack + phone confiscation → expulsion to the Russian border), five acts, one
named victim and one group.  Halfway through screen 2 the connection drops and the
page is reloaded: what was typed comes back (server draft + the tab's sessionStorage).
Each screen is photographed on a laptop and on a phone (/tmp/bm-intake-*.png).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.signin import browser_sign_in, second_factor_for
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS

NAME = "Abdelrahman Yousif"
TESTIMONY = "دفعنا حرس الحدود البولندي إلى بيلاروسيا ثلاث مرات، وعضني كلب، وأخذوا هاتفي"
ACCOUNT_1 = "We were twelve, three women and two children; pushed back through the fence."
ACCOUNT_2 = "Kept four days in the forest on the Belarusian side, no food."
SHOTS = Path("/tmp")  # noqa: S108 - fixed place, so a person can look at the screens
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 412, "height": 915}
EVENT_CODE = re.compile(r"E-\d{4}-\d{5}")


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _photograph(page, name: str) -> None:
    """The screen on a laptop and on a phone; on the phone nothing scrolls sideways."""
    page.screenshot(path=str(SHOTS / f"bm-intake-{name}-laptop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert _fits_the_screen(page), f"screen {name} is wider than a phone"
    page.screenshot(path=str(SHOTS / f"bm-intake-{name}-phone.png"), full_page=True)
    page.set_viewport_size(LAPTOP)


def _autosaved(page):
    return page.expect_response(
        lambda r: r.url.endswith("/intake/autosave/") and r.request.method == "POST"
    )


def _htmx(page):
    """A screen-2 button swapping the screen in place (htmx), not a page load."""
    return page.expect_response(
        lambda r: r.url.split("?")[0].endswith("/intake/events/") and r.request.method == "POST"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_monitor_records_a_testimony_of_four_chained_events(live_server):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.services import user_create
    from bordermonitor.records.models import Act, ConfiscatedItem, Draft, Event, Person, Source
    from bordermonitor.records.stories import story_of

    # The database is touched only before and after the browser (see test_browser.py).
    monitor = user_create(username="intake-monitor", role="monitor", password=PASSWORD)
    second_factor = second_factor_for(monitor)  # before the browser: ORM
    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            browser_sign_in(page, "intake-monitor", PASSWORD, second_factor)
            expect(page.get_by_role("heading", level=1)).to_be_visible()

            # -- the drafts list: start a new testimony
            page.goto("/intake/")
            expect(page.get_by_text("Nothing in progress.")).to_be_visible()
            page.get_by_role("button", name="Record a new testimony").click()

            # -- screen 1: the source; the first field has the focus
            expect(page.get_by_text("1 of 3: The source")).to_be_visible()
            expect(page).to_have_url(re.compile(r"/intake/source/\?draft=D-\d{4}-\d{5}$"))
            expect(page.locator("#id_s-kind")).to_be_focused()
            expect(page.locator("#id_s-kind")).to_have_value("interview")
            page.locator("#id_s-received_on").fill("2024-10-20")
            page.get_by_label("Language of the testimony").select_option("ar")
            page.get_by_label("An interpreter was used").check()
            page.get_by_label("Reliability").select_option("high")
            page.get_by_label("Internal only").uncheck()
            page.get_by_label("May be shared with the UN and organisations").check()
            page.get_by_label("May be published anonymously").check()
            with _autosaved(page):
                page.get_by_label("Testimony, in the original language").fill(TESTIMONY)
                page.get_by_label("Testimony, in the original language").press("Tab")
            expect(page.get_by_label("Testimony, in the original language")).to_have_attribute(
                "dir", "auto"
            )
            _photograph(page, "1")
            page.locator("#id_s-received_on").press("Enter")  # Enter continues

            # -- screen 2: the person, then the events in order
            expect(page.get_by_text("2 of 3: Events, violations and people")).to_be_visible()
            expect(page.locator("#id_p0-name")).to_be_focused()
            page.locator("#id_p0-name").fill(NAME)
            page.locator("#id_p0-written_by").select_option("self")
            page.locator("#id_p0-sex").select_option("m")
            page.locator("#id_p0-nationality").select_option("SDN")
            page.locator("#id_p0-estimated_age").fill("27")
            page.locator("#block-p0").get_by_label("survivor of violence").check()

            event1 = page.locator("#block-e0")
            page.locator("#id_e0-date").fill("2024-10-01")
            page.locator("#id_e0-place").select_option("kuznica")
            event1.get_by_label("pushback", exact=True).check()
            page.locator("#id_e0-group_size").fill("12")
            page.locator("#id_e0-women_count").fill("3")
            page.locator("#id_e0-children_count").fill("2")
            page.locator("#id_e0-account").fill(ACCOUNT_1)
            page.locator("#id_e0-a0-violation_type").select_option("pushback")
            page.locator("#id_e0-a0-perpetrator").select_option("pl-border-guard")
            page.locator("#id_e0-a0-victim").select_option("group")
            expect(page.locator("#e0-a0-group")).to_have_attribute("open", "")  # JS opened it

            # "+ Add an event": htmx swaps the screen, the new date field has the focus
            with _htmx(page):
                page.get_by_role("button", name="+ Add an event").click()
            expect(page.locator("#id_e1-date")).to_be_focused()
            expect(page.locator("main")).to_have_count(1)
            expect(page.locator("#id_p0-name")).to_have_value(NAME)  # kept through the swap
            with _autosaved(page):
                page.locator("#id_e1-date").fill("2024-10-02..2024-10-05")
                page.locator("#id_e1-place").select_option("bruzgi")
            page.locator("#block-e1").get_by_label("stranded in the border zone").check()

            # -- the connection drops: autosaves fail, typing stays in the browser
            page.route("**/intake/autosave/", lambda route: route.abort())
            page.locator("#id_e1-account").fill(ACCOUNT_2)
            page.locator("#id_e1-account").press("Tab")
            expect(page.locator("#autosave-status")).to_contain_text("Not saved to the server")
            kept = page.evaluate("JSON.stringify(Object.assign({}, sessionStorage))")
            assert ACCOUNT_2.split(",")[0] in kept
            page.reload()
            expect(page.locator("#id_e1-account")).to_have_value(ACCOUNT_2)
            expect(page.locator("#restore-note")).to_contain_text("Restored")
            for field, value in [
                ("#id_p0-name", NAME),
                ("#id_e0-account", ACCOUNT_1),
                ("#id_e0-group_size", "12"),
                ("#id_e1-date", "2024-10-02..2024-10-05"),
                ("#id_e1-place", "bruzgi"),
                ("#id_e0-a0-victim", "group"),
            ]:
                expect(page.locator(field)).to_have_value(value)
            expect(
                page.locator("#block-e1").get_by_label("stranded in the border zone")
            ).to_be_checked()
            page.unroute("**/intake/autosave/")
            with _autosaved(page):  # back online: the next change reaches the server
                page.locator("#id_e1-title").fill("held in the zone near Bruzgi")
                page.locator("#id_e1-title").press("Tab")

            # event 2 has an empty violation block: removed (an empty one is ignored anyway)
            with _htmx(page):
                page.get_by_role("button", name="Remove violation 1").nth(1).click()
            expect(page.locator("#block-e1-a0")).to_have_count(0)

            # event 3: Poland again, three violations against the man
            add_event = page.get_by_role("button", name="+ Add an event")
            expect(add_event).to_have_attribute("accesskey", "e")
            add_event.focus()
            with _htmx(page):
                page.keyboard.press("Enter")  # keyboard only
            expect(page.locator("#id_e2-date")).to_be_focused()
            expect(page.locator("#id_e1-account")).to_have_value(ACCOUNT_2)
            page.locator("#id_e2-date").fill("2024-10-06")
            page.locator("#id_e2-place").select_option("kuznica")
            page.locator("#id_e2-side").select_option("PL")
            page.locator("#block-e2").get_by_label("pushback", exact=True).check()
            page.locator("#block-e2").get_by_label("violence", exact=True).check()
            page.locator("#id_e2-a0-violation_type").select_option("pushback")
            page.locator("#id_e2-a0-perpetrator").select_option("pl-border-guard")
            page.locator("#id_e2-a0-victim").select_option(label=f"Person 1: {NAME}")
            for j, violation in [(1, "dog-attack"), (2, "phone-confiscation")]:
                with _htmx(page):
                    page.get_by_role("button", name="+ Add a violation to event 3").click()
                expect(page.locator(f"#id_e2-a{j}-violation_type")).to_be_focused()
                page.locator(f"#id_e2-a{j}-violation_type").select_option(violation)
                page.locator(f"#id_e2-a{j}-perpetrator").select_option("pl-border-guard")
                page.locator(f"#id_e2-a{j}-victim").select_option("p1")
            expect(page.locator("#e2-a2-items")).to_have_attribute("open", "")
            page.locator("#id_e2-a2-i0-item").select_option("phone")
            page.locator("#id_e2-a2-i0-fate").select_option("kept")

            # event 4: driven to the Russian border
            with _htmx(page):
                page.get_by_role("button", name="+ Add an event").click()
            page.locator("#id_e3-date").fill("2024-10-09")
            page.locator("#id_e3-place").select_option("lyozna")
            page.locator("#block-e3").get_by_label("expulsion to the Russian border").check()
            page.locator("#id_e3-a0-perpetrator").select_option("by-sbc")
            page.locator("#id_e3-a0-victim").select_option("p1")
            expect(page.get_by_label(re.compile("These events are one story"))).to_be_checked()
            _photograph(page, "2")

            # the violation type forgotten: refused on this screen, next to the field
            page.get_by_role("button", name="Continue →").click()
            expect(page.get_by_role("alert").first).to_contain_text("need a look")
            violation = page.locator("#id_e3-a0-violation_type")
            expect(violation).to_be_focused()
            expect(violation).to_have_accessible_description(
                re.compile("choose the violation type")
            )
            expect(page).to_have_url(re.compile(r"/intake/events/\?draft=D-"))
            expect(page.locator("#id_e2-a2-i0-item")).to_have_value("phone")  # all kept
            _photograph(page, "2-error")
            with _autosaved(page):
                violation.select_option("expulsion-to-russia")
            page.get_by_role("button", name="Continue →").click()

            # -- screen 3: review, then save (the Save button has the focus)
            expect(page.get_by_text("3 of 3: Review and save")).to_be_visible()
            expect(page.get_by_role("button", name="Save the testimony")).to_be_focused()
            story = page.locator(".story-line")
            expect(story).to_contain_text("Event 1 (1 October 2024, Kuźnica (PL))")
            expect(story).to_contain_text("Event 4 (9 October 2024, Lyozna")
            expect(page.get_by_text("phone ×1: kept by the perpetrator")).to_be_visible()
            expect(page.get_by_text("the event's group (12, 3 women, 2 children)")).to_be_visible()
            expect(page.locator(".problems")).to_have_count(0)
            _photograph(page, "3")
            page.get_by_role("button", name="Save the testimony").click()

            # -- the source page, then the story on an event's page
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_contain_text(re.compile(r"S-2024-\d{5}"))
            expect(page.get_by_text(re.compile(r"Saved S-2024-\d{5}: 4 events"))).to_be_visible()
            expect(page.locator("dd[dir=auto]")).to_have_text(TESTIMONY)
            links = page.locator("dl.record dd a", has_text=EVENT_CODE)
            expect(links).to_have_count(4)
            links.first.click()
            line = page.locator(".story-line")
            expect(line).to_contain_text("Story:")
            codes = EVENT_CODE.findall(line.inner_text())
            assert len(codes) == 4
            for text in ["1 October 2024, Kuźnica, Poland", "Bruzgi", "Lyozna"]:
                expect(line).to_contain_text(text)
            _photograph(page, "story")
            page.get_by_role("link", name=codes[2]).click()
            expect(page.get_by_role("cell", name="phone", exact=True)).to_be_visible()
            expect(page.get_by_text(ACCOUNT_1)).to_have_count(0)  # only event 1's account
            page.get_by_role("link", name="The whole story, step by step").click()
            expect(page.locator("ol.story-steps > li")).to_have_count(4)
            page.goto("/intake/")
            expect(page.get_by_text("Nothing in progress.")).to_be_visible()
            leftovers = page.evaluate("Object.keys(sessionStorage).join(' ')")
            assert "bm-intake:" not in leftovers  # the browser copy went with the save
        finally:
            browser.close()

    # -- the database: exactly what the monitor recorded, in one story
    source = Source.objects.get()
    assert (source.language, source.interpreter_used, source.reliability) == ("ar", True, "high")
    assert source.consent_share_un and source.consent_publish_anonymously
    assert not source.internal_only and source.testimony == TESTIMONY
    assert Event.objects.count() == 4
    first = Event.objects.get(previous_event__isnull=True)
    chain = story_of(first)
    assert [e.place.code for e in chain] == ["kuznica", "bruzgi", "kuznica", "lyozna"]
    assert [e.code for e in chain] == codes
    assert set(source.events.all()) == set(chain)
    assert Act.objects.count() == 5
    person = Person.objects.get()
    assert person.primary_name == NAME and person.nationality.code == "SDN"
    assert person.estimated_age == 27 and person.vulnerabilities == ["survivor_of_violence"]
    assert sorted(a.violation_type.code for a in Act.objects.filter(victim=person)) == [
        "dog-attack",
        "expulsion-to-russia",
        "phone-confiscation",
        "pushback",
    ]
    group = Act.objects.get(victim__isnull=True)
    assert (group.event, group.violation_type.code) == (chain[0], "pushback")
    assert (group.victim_group_count, group.victim_group_women, group.victim_group_children) == (
        12,
        3,
        2,
    )
    item = ConfiscatedItem.objects.get()
    assert (item.item, item.fate, item.quantity) == ("phone", "kept", 1)
    assert item.act.event == chain[2] and item.act.victim == person
    assert chain[1].title == "held in the zone near Bruzgi"
    assert source.sourceevent_set.get(event=chain[1]).account == ACCOUNT_2
    draft = Draft.objects.get()
    assert draft.completed_at is not None and draft.payload is None
