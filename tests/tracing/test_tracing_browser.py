"""Issue 4 acceptance in a real browser (headless Debian Chromium through Playwright).

A tracing officer files a report from a brother, relays it to the State Border
Committee and to the ICRC, records the ICRC's answer, closes the case as detained,
opens the family letter, prints it (Chromium's own print to PDF, A4) and downloads
the PDF; the letter names the case's status and nothing of another person.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path

import pytest
from django.utils import timezone

from tests.signin import browser_sign_in, second_factor_for
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS

CASE_CODE = re.compile(r"C-\d{4}-\d{5}")
MISSING = "Rezan Hawrami"
MISSING_KU = "ڕێزان هەورامی"
BROTHER = "Dilan Hawrami"
DECOY = "Xanthippe Oyelaran-Quist"
LETTER_SCREENSHOT = Path("/tmp/bm-family-letter.png")  # noqa: S108


def _label(text: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(text)}:?$")


def _input(page, label: str):
    return page.get_by_label(_label(label))


def _pages_in(pdf: bytes) -> int:
    """Page objects in a PDF, looking inside compressed object streams too."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page\b(?!s)", c)) for c in chunks)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_traces_a_missing_brother_to_detention_and_prints_the_letter(live_server, tmp_path):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.services import user_create
    from bordermonitor.records.services import NameInput, person_create
    from bordermonitor.tracing import services
    from bordermonitor.tracing.models import Intervention, TracingCase

    # ORM only before and after the browser session (see tests/web/test_browser.py)
    officer = user_create(username="browser-tracer", role="tracing_officer", password=PASSWORD)
    second_factor = second_factor_for(officer)  # before the browser: ORM
    decoy = person_create(names=[NameInput(DECOY, "relative")], created_by=officer)
    day = timezone.localdate()
    decoy_case = services.missing_report_file(
        person=decoy, received_on=day, reporter_relationship="parent", by=officer
    ).case
    received = day - dt.timedelta(days=3)
    last_contact = day - dt.timedelta(days=12)
    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(base_url=live_server.url, accept_downloads=True)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()

            browser_sign_in(page, "browser-tracer", PASSWORD, second_factor)
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

            # -- the brother's report
            page.get_by_role("navigation").get_by_role("link", name="Tracing").click()
            expect(page.get_by_role("heading", name="Tracing cases")).to_be_visible()
            page.get_by_role("link", name="File a missing-person report").click()
            _input(page, "Report received on").fill(received.isoformat())
            _input(page, "The reporter is the missing person's").select_option("sibling")
            _input(page, "Reporter's name").fill(BROTHER)
            _input(page, "Reporter's WhatsApp").fill("+964 750 000 1234")
            _input(page, "Reporter's language").select_option("ckb")
            names = _input(page, "Name as written")
            names.nth(0).fill(MISSING)
            names.nth(1).fill(MISSING_KU)
            _input(page, "Nationality").select_option("IRQ")
            _input(page, "Sex").select_option("m")
            _input(page, "Birth year").fill("1999")
            _input(page, "Last contact").fill(last_contact.isoformat())
            _input(page, "Place of last contact").select_option("kuznica")
            _input(page, "Travelling with").fill("a group of eight")
            page.get_by_role("button", name="File the report").click()

            heading = page.get_by_role("heading", level=1)
            expect(heading).to_contain_text(CASE_CODE)
            expect(heading).to_contain_text("open")
            case_code = CASE_CODE.search(heading.inner_text())[0]
            expect(page.get_by_text(MISSING)).to_be_visible()

            # -- relayed to the State Border Committee, then to the ICRC
            for recipient, reference in (
                ("by-state-border-committee", "SBC-77"),
                ("icrc", "RFL-12"),
            ):
                page.get_by_role("link", name="Relay to an authority").click()
                _input(page, "Recipient").select_option(recipient)
                _input(page, "Channel").select_option("email")
                _input(page, "Reference number").fill(reference)
                page.get_by_role("button", name="Record the request").click()
                expect(
                    page.get_by_text(re.compile(r"Request I-\d{4}-\d{5} recorded"))
                ).to_be_visible()
            expect(heading).to_contain_text("relayed")
            requests = page.locator("table.interventions tbody tr")
            expect(requests).to_have_count(2)

            # -- the ICRC answers
            icrc = requests.filter(has_text="International Committee of the Red Cross")
            icrc.get_by_role("link", name=re.compile("^Record the answer")).click()
            _input(page, "Answered on").fill(day.isoformat())
            _input(page, "What they answered").fill("Held in the Grodno facility since last week")
            page.get_by_role("button", name="Save").click()
            expect(
                page.get_by_text(re.compile(r"Answer to I-\d{4}-\d{5} recorded"))
            ).to_be_visible()
            expect(icrc).to_contain_text("Held in the Grodno facility")
            sbc = requests.filter(has_text="State Border Committee")
            expect(sbc).to_contain_text("no answer yet")

            # -- closed as detained; only legal next states are offered
            expect(_input(page, "New status").locator("option")).to_have_text(
                ["searching", "closed"]
            )
            _input(page, "New status").select_option("closed")
            _input(page, "Outcome (when closing)").select_option("detained")
            _input(page, "Why").fill("the ICRC found him in detention")
            page.get_by_role("button", name="Change status").click()
            expect(heading).to_contain_text("closed: detained")
            history = page.locator("table.transitions")
            expect(history).to_contain_text("the ICRC found him in detention")
            expect(history).to_contain_text("browser-tracer")

            # -- the family letter, in Russian for the family, opened in a new tab
            _input(page, "Language of the letter").select_option("ru")
            _input(page, "Format").select_option("html")
            with context.expect_page() as opened:
                page.get_by_role("button", name="Open the letter").click()
            letter = opened.value
            letter.wait_for_load_state()
            expect(letter.locator("html")).to_have_attribute("lang", "ru")
            expect(letter.locator("#letter-status")).to_have_text(re.compile(r"Закрыто: задержан"))
            expect(letter.locator("body")).to_contain_text(MISSING)
            expect(letter.locator("body")).to_contain_text("Государственный пограничный комитет")
            expect(letter.locator("body")).to_contain_text("Международный комитет Красного Креста")
            body = letter.locator("body").inner_text()
            for absent in (DECOY, decoy_case.code, BROTHER, "group of eight", "Grodno facility"):
                assert absent not in body, absent
            letter.screenshot(path=str(LETTER_SCREENSHOT), full_page=True)
            # printed: the print button is for the screen only, and it fits one A4 page
            letter.emulate_media(media="print")
            expect(letter.get_by_role("button", name="Распечатать")).to_be_hidden()
            printed = letter.pdf(format="A4", prefer_css_page_size=True)
            assert printed.startswith(b"%PDF") and _pages_in(printed) == 1
            letter.close()

            # -- and downloaded as a PDF, in English this time
            _input(page, "Language of the letter").select_option("en")
            _input(page, "Format").select_option("pdf")
            with page.expect_download() as downloading:
                page.get_by_role("button", name="Open the letter").click()
            download = downloading.value
            assert download.suggested_filename == f"{case_code}-letter-en.pdf"
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            pdf = saved.read_bytes()
            assert pdf.startswith(b"%PDF-") and _pages_in(pdf) == 1
        finally:
            browser.close()

    case = TracingCase.objects.get(code=case_code)
    assert (case.status, case.outcome) == ("closed", "detained")
    report = case.reports.get()
    assert (report.reporter_relationship, report.reporter_name) == ("sibling", BROTHER)
    sent = {i.recipient.code: i for i in Intervention.objects.filter(case=case)}
    assert set(sent) == {"by-state-border-committee", "icrc"}
    assert sent["icrc"].answered_on == day and sent["by-state-border-committee"].answered_on is None
    assert sent["icrc"].due_on == sent["icrc"].sent_on + dt.timedelta(
        days=sent["icrc"].recipient.default_answer_days
    )
    assert list(case.transitions.values_list("to_status", flat=True)) == [
        "open",
        "relayed",
        "closed",
    ]
