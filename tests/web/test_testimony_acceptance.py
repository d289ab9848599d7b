"""Issue 3's acceptance, as one flow in a real browser (headless Debian Chromium).

A monitor records the interview with the Sudanese man — pushed back from Poland,
held in the Belarusian zone, pushed back again, bitten by a border-guard dog, his
phone confiscated, finally driven to the Russian border — through the three-screen
intake: one source, four chained events, five acts, one named victim and one group.
She attaches a phone photo carrying GPS EXIF, a maker note and XMP through the upload
form and downloads the working copy: none of that metadata is left.  A coordinator,
in another browser context, downloads the original: its SHA-256 is the one shown on
the evidence page and the bytes are those uploaded.  The event list's filters and the
map find the events (decoys left out), and the man's timeline lists the four events
in date order.
"""

from __future__ import annotations

import hashlib
import io
import re

import pytest

from tests.records.evidence_samples import MAKER_NOTE, jpeg_with_metadata
from tests.signin import TotpSecret, browser_sign_in, second_factor_for
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS, _input
from tests.web.test_intake_browser import (
    ACCOUNT_1,
    ACCOUNT_2,
    EVENT_CODE,
    LAPTOP,
    NAME,
    TESTIMONY,
    _htmx,
)
from tests.web.test_map_browser import COUNT_MARKERS

PHOTO_NAME = "IMG_20241006_071233.jpg"
GPS_IFD, EXIF_IFD, MAKER_NOTE_TAG = 0x8825, 0x8769, 0x927C
# What each of the four events holds for the man, in the order they happened.
VIOLATIONS_IN_ORDER = [
    "dog attack",
    "denial of food or water",
    "confiscation of phone",
    "informal expulsion to the Russian border",
]


def _sign_in(browser, base_url: str, username: str, second_factor: TotpSecret):
    context = browser.new_context(base_url=base_url, viewport=LAPTOP, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    browser_sign_in(page, username, PASSWORD, second_factor)
    page.get_by_role("heading", level=1).wait_for()
    assert "/login/" not in page.url, f"{username} could not sign in"
    return page


def _metadata_left(jpeg: bytes) -> set[str]:
    """Which of GPS, maker note and XMP a JPEG still carries, read with Pillow."""
    from PIL import Image

    img = Image.open(io.BytesIO(jpeg))
    img.load()  # a real, decodable picture
    exif = img.getexif()
    left = set()
    if GPS_IFD in exif or exif.get_ifd(GPS_IFD):
        left.add("gps")
    if MAKER_NOTE_TAG in exif.get_ifd(EXIF_IFD) or MAKER_NOTE in jpeg:
        left.add("maker note")
    if img.info.get("xmp") or b"xmpmeta" in jpeg or b"http://ns.adobe.com/xap" in jpeg:
        left.add("xmp")
    return left


def _download(page, link_name: str) -> tuple[bytes, str]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    assert download.failure() is None, download.failure()
    with open(download.path(), "rb") as f:
        return f.read(), download.suggested_filename


def _listed_events(page) -> set[str]:
    return set(page.locator("tbody td.code a").all_inner_texts())


def _filter(page, field: str, value: str, *, fill: bool = False) -> None:
    """Change one filter of the event list; htmx reloads the list in place.

    Returns once the new <main> is in (and settled), so the next change goes to the
    new form rather than to one about to be swapped out."""
    page.evaluate("document.querySelector('main').dataset.stale = 'yes'")
    with page.expect_response(
        lambda r: "/events/?" in r.url and r.request.method == "GET" and f"{field}=" in r.url
    ):
        control = page.locator(f"#id_{field}")
        if fill:
            control.fill(value)
        else:
            control.select_option(value)
    page.wait_for_function(  # a function, not an expression: the CSP forbids eval
        "() => !document.querySelector('main').dataset.stale"
        " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def _record_the_interview(page) -> None:
    """The three screens of the intake, keyboard-and-mouse as a monitor would."""
    from playwright.sync_api import expect

    page.goto("/intake/")
    page.get_by_role("button", name="Record a new testimony").click()

    # screen 1: the source
    expect(page.get_by_text("1 of 3: The source")).to_be_visible()
    page.locator("#id_s-received_on").fill("2024-10-20")
    page.get_by_label("Language of the testimony").select_option("ar")
    page.get_by_label("An interpreter was used").check()
    page.get_by_label("Reliability").select_option("high")
    page.get_by_label("Internal only").uncheck()
    page.get_by_label("May be shared with the UN and organisations").check()
    page.get_by_label("Testimony, in the original language").fill(TESTIMONY)
    page.locator("#id_s-received_on").press("Enter")

    # screen 2: the man, then four events in the order they happened
    expect(page.get_by_text("2 of 3: Events, violations and people")).to_be_visible()
    page.locator("#id_p0-name").fill(NAME)
    page.locator("#id_p0-written_by").select_option("self")
    page.locator("#id_p0-sex").select_option("m")
    page.locator("#id_p0-nationality").select_option("SDN")
    page.locator("#id_p0-estimated_age").fill("27")

    # event 1: pushed back from Kuźnica with his group; the dog bit him
    page.locator("#id_e0-date").fill("2024-10-01")
    page.locator("#id_e0-place").select_option("kuznica")
    page.locator("#block-e0").get_by_label("pushback", exact=True).check()
    page.locator("#block-e0").get_by_label("violence", exact=True).check()
    page.locator("#id_e0-group_size").fill("12")
    page.locator("#id_e0-women_count").fill("3")
    page.locator("#id_e0-children_count").fill("2")
    page.locator("#id_e0-account").fill(ACCOUNT_1)
    page.locator("#id_e0-a0-violation_type").select_option("pushback")
    page.locator("#id_e0-a0-perpetrator").select_option("pl-border-guard")
    page.locator("#id_e0-a0-victim").select_option("group")
    with _htmx(page):
        page.get_by_role("button", name="+ Add a violation to event 1").click()
    page.locator("#id_e0-a1-violation_type").select_option("dog-attack")
    page.locator("#id_e0-a1-perpetrator").select_option("pl-border-guard")
    page.locator("#id_e0-a1-victim").select_option("p1")

    # event 2: four days in the zone on the Belarusian side, no food
    with _htmx(page):
        page.get_by_role("button", name="+ Add an event").click()
    page.locator("#id_e1-date").fill("2024-10-02..2024-10-05")
    page.locator("#id_e1-place").select_option("bruzgi")
    page.locator("#block-e1").get_by_label("stranded in the border zone").check()
    page.locator("#id_e1-account").fill(ACCOUNT_2)
    page.locator("#id_e1-a0-violation_type").select_option("denial-of-food-water")
    page.locator("#id_e1-a0-perpetrator").select_option("by-sbc")
    page.locator("#id_e1-a0-victim").select_option("p1")

    # event 3: Poland again; pushed back, the phone kept by the guards
    with _htmx(page):
        page.get_by_role("button", name="+ Add an event").click()
    page.locator("#id_e2-date").fill("2024-10-06")
    page.locator("#id_e2-place").select_option("kuznica")
    page.locator("#block-e2").get_by_label("pushback", exact=True).check()
    page.locator("#id_e2-a0-violation_type").select_option("phone-confiscation")
    page.locator("#id_e2-a0-perpetrator").select_option("pl-border-guard")
    page.locator("#id_e2-a0-victim").select_option("p1")
    expect(page.locator("#e2-a0-items")).to_have_attribute("open", "")
    page.locator("#id_e2-a0-i0-item").select_option("phone")
    page.locator("#id_e2-a0-i0-fate").select_option("kept")

    # event 4: driven by Belarusian guards to the Russian border
    with _htmx(page):
        page.get_by_role("button", name="+ Add an event").click()
    page.locator("#id_e3-date").fill("2024-10-09")
    page.locator("#id_e3-place").select_option("lyozna")
    page.locator("#block-e3").get_by_label("expulsion to the Russian border").check()
    page.locator("#id_e3-a0-violation_type").select_option("expulsion-to-russia")
    page.locator("#id_e3-a0-perpetrator").select_option("by-sbc")
    page.locator("#id_e3-a0-victim").select_option("p1")
    expect(page.get_by_label(re.compile("These events are one story"))).to_be_checked()
    page.get_by_role("button", name="Continue →").click()

    # screen 3: review, then save
    expect(page.get_by_text("3 of 3: Review and save")).to_be_visible()
    expect(page.locator(".problems")).to_have_count(0)
    expect(page.get_by_text("the event's group (12, 3 women, 2 children)")).to_be_visible()
    page.get_by_role("button", name="Save the testimony").click()
    expect(page.get_by_text(re.compile(r"Saved S-2024-\d{5}: 4 events"))).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_testimony_from_interview_to_map_and_timeline(live_server):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.services import user_create
    from bordermonitor.core.dates import FuzzyDate
    from bordermonitor.records import services
    from bordermonitor.records.models import Act, Attachment, Event, Person, Source
    from bordermonitor.records.stories import story_of

    # The database is touched only before and after the browser (see test_browser.py).
    monitor = user_create(username="acceptance-monitor", role="monitor", password=PASSWORD)
    coordinator_account = user_create(
        username="acceptance-coordinator", role="coordinator", password=PASSWORD
    )
    # second factors before the browser (ORM)
    monitor_code, coordinator_code = (
        second_factor_for(monitor),
        second_factor_for(coordinator_account),
    )
    # Decoys the filters must leave out: a dog attack on an Iraqi inside the period,
    # and one on another Sudanese man before it.
    iraqi = services.person_create(
        names=[services.NameInput("Karwan Aziz", "self")], created_by=monitor, nationality="IRQ"
    )
    sudanese = services.person_create(
        names=[services.NameInput("Osman Idris", "self")], created_by=monitor, nationality="SDN"
    )
    decoys = {}
    for person, day, place in [(iraqi, FuzzyDate.day(2024, 10, 3), "kukuryki")] + [
        (sudanese, FuzzyDate.day(2024, 9, 15), "bialowieza")
    ]:
        event = services.event_create(
            date=day, created_by=monitor, place=place, event_types=["pushback"]
        )
        services.act_create(
            event=event, violation_type="dog-attack", perpetrator="pl-border-guard", victim=person
        )
        decoys[person.nationality.code] = event.code
    photo = jpeg_with_metadata()
    assert _metadata_left(photo) == {"gps", "maker note", "xmp"}  # the check can fail
    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            # -- the monitor records the interview
            page = _sign_in(browser, live_server.url, "acceptance-monitor", monitor_code)
            _record_the_interview(page)
            source_code = re.search(
                r"S-2024-\d{5}", page.get_by_role("heading", level=1).inner_text()
            )[0]
            source_url = page.url
            person_code = page.locator("dl.record dd a", has_text=re.compile(r"P-\d{4}-\d{5}"))
            expect(person_code).to_have_count(1)
            person_code = person_code.inner_text()
            expect(page.locator("dl.record dd a", has_text=EVENT_CODE)).to_have_count(4)

            # -- the photo, through the upload form of the source's page
            page.get_by_role("link", name="Add evidence").click()
            _input(page, "File").set_input_files(
                {"name": PHOTO_NAME, "mimeType": "image/jpeg", "buffer": photo}
            )
            page.get_by_role("button", name="Upload").click()
            expect(page.get_by_text(re.compile(r"Saved A-\d{4}-\d{5}\."))).to_be_visible()
            attachment_code = re.search(
                r"A-\d{4}-\d{5}", page.get_by_role("heading", level=1).inner_text()
            )[0]
            evidence_url = page.url
            assert attachment_code in evidence_url and PHOTO_NAME not in evidence_url
            expect(page.locator("dl.record")).to_contain_text(f"{len(photo)} bytes")
            expect(page.get_by_text(PHOTO_NAME)).to_have_count(0)  # not for a monitor
            expect(page.get_by_role("link", name=re.compile("Download original"))).to_have_count(0)

            # the working copy the monitor downloads: no GPS, maker note or XMP
            working, working_name = _download(page, "Download working copy")
            assert attachment_code in working_name and PHOTO_NAME not in working_name
            assert working != photo
            assert _metadata_left(working) == set()

            # -- a coordinator, in a browser of her own, checks the sealed original
            coordinator = _sign_in(
                browser, live_server.url, "acceptance-coordinator", coordinator_code
            )
            coordinator.goto(source_url)
            coordinator.get_by_role("link", name=attachment_code).click()
            shown = coordinator.locator("dt:has-text('SHA-256 of the original') + dd")
            expect(shown).to_have_text(re.compile(r"^\s*[0-9a-f]{64}\s*$"))
            shown_sha256 = shown.inner_text().strip()
            expect(coordinator.locator("dl.record")).to_contain_text(PHOTO_NAME)
            original, original_name = _download(coordinator, "Download original (with metadata)")
            assert PHOTO_NAME not in original_name
            assert hashlib.sha256(original).hexdigest() == shown_sha256
            assert original == photo
            assert _metadata_left(original) == {"gps", "maker note", "xmp"}
            coordinator.context.close()

            # -- the event list's filters find the events, and leave the decoys out
            page.goto("/events/")
            expect(page.locator("tbody td.code a")).to_have_count(6)
            _filter(page, "date_from", "2024-10-01", fill=True)
            _filter(page, "date_to", "2024-10-09", fill=True)
            expect(page.locator("tbody td.code a")).to_have_count(5)
            in_period = _listed_events(page)
            assert decoys["IRQ"] in in_period and decoys["SDN"] not in in_period
            ours = in_period - {decoys["IRQ"]}
            _filter(page, "nationality", "SDN")
            expect(page.locator("tbody td.code a")).to_have_count(4)
            assert _listed_events(page) == ours
            _filter(page, "violation_type", "dog-attack")
            expect(page.locator("tbody td.code a")).to_have_count(1)
            (bitten,) = _listed_events(page)
            assert bitten in ours
            expect(page).to_have_url(re.compile(r"violation_type=dog-attack"))
            expect(page.locator("tbody")).to_contain_text("Kuźnica")

            # -- the map, with the same filters: one marker, the dog attack at Kuźnica
            page.get_by_role("link", name="Show on map").click()
            expect(page).to_have_url(re.compile(r"/map/\?.*nationality=SDN"))
            status = page.locator("#map-status")
            expect(status).to_contain_text("1 event on the map")
            page.wait_for_function(f"() => ({COUNT_MARKERS})() === 1")
            page.locator("#map .bm-event-marker").first.click()
            popup = page.locator("#map .leaflet-popup-content")
            expect(popup).to_contain_text(bitten)
            expect(popup).to_contain_text("1 October 2024")
            # any violation: the four events of the story (Kuźnica and Bruzgi cluster)
            _input(page, "Violation type").select_option("")
            expect(status).to_contain_text("4 events on the map")
            page.wait_for_function(f"() => ({COUNT_MARKERS})() === 4")
            assert page.locator("#map .marker-cluster").count() >= 1

            # -- the man's timeline: the four events, in the order they happened
            page.goto(source_url)
            page.get_by_role("link", name=person_code).click()
            page.get_by_role("link", name="Timeline").click()
            rows = page.locator("ol.timeline > li.timeline-event")
            expect(rows).to_have_count(4)
            timeline_codes = rows.locator(".code").all_inner_texts()
            assert set(timeline_codes) == ours
            assert timeline_codes[0] == bitten
            whens = rows.locator(".when").all_inner_texts()
            assert (whens[0], whens[2], whens[3]) == (
                "1 October 2024",
                "6 October 2024",
                "9 October 2024",
            ), whens
            summaries = rows.locator(".summary").all_inner_texts()
            for summary, violation in zip(summaries, VIOLATIONS_IN_ORDER, strict=True):
                assert violation in summary, (summary, violation)
            expect(page.locator("ol.timeline > li.timeline-source")).to_contain_text(source_code)
        finally:
            browser.close()

    # -- the database agrees with what the browser showed
    source = Source.objects.get(code=source_code)
    assert source.testimony == TESTIMONY and not source.internal_only
    chain = story_of(Event.objects.get(previous_event__isnull=True, code__in=ours))
    assert [e.code for e in chain] == timeline_codes  # the story's order is the timeline's
    assert [e.place.code for e in chain] == ["kuznica", "bruzgi", "kuznica", "lyozna"]
    earliest = [e.date_earliest for e in chain]
    assert earliest == sorted(earliest) and len(set(earliest)) == 4
    assert set(source.events.values_list("code", flat=True)) == ours
    acts = Act.objects.filter(event__code__in=ours)
    assert acts.count() == 5
    person = Person.objects.get(code=person_code)
    assert person.primary_name == NAME and person.nationality.code == "SDN"
    assert acts.filter(victim=person).count() == 4
    group = acts.get(victim__isnull=True)
    assert (group.victim_group_count, group.victim_group_women, group.victim_group_children) == (
        12,
        3,
        2,
    )
    attachment = Attachment.objects.get(code=attachment_code)
    assert attachment.source == source and attachment.received_by == monitor
    assert attachment.sha256 == shown_sha256 == hashlib.sha256(photo).hexdigest()
