"""Sign-in in a real browser: a new admin enrols an authenticator by QR code (the
secret read from the page's text alternative, the code computed from it), keeps the
recovery codes, makes an API token, signs out, and signs in again with a recovery
code; a used recovery code is then refused."""

from __future__ import annotations

import base64
import re

import pytest

from tests.signin import TotpSecret, submit_code
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS, _input


def _password_step(page, username: str) -> None:
    page.goto("/login/")
    _input(page, "Username").fill(username)
    _input(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_enrolment_by_qr_code_then_recovery_code_in_the_browser(live_server):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts.models import ApiToken
    from bordermonitor.accounts.services import api_token_authenticate, user_create

    # the database is touched only before and after the browser (see test_browser.py)
    admin = user_create(username="new-admin", role="admin", password=PASSWORD)
    monitor = user_create(username="script-owner", role="monitor", password=PASSWORD)
    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(base_url=live_server.url)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            csp_violations = []
            page.on(
                "console",
                lambda m: (
                    csp_violations.append(m.text) if "Content Security Policy" in m.text else None
                ),
            )

            _password_step(page, "new-admin")
            expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
            qr = page.get_by_role("img", name="QR code for the authenticator app")
            expect(qr.locator("svg")).to_be_visible()
            box = qr.locator("svg").bounding_box()
            assert box["width"] > 80 and box["height"] > 80  # big enough to scan
            secret_text = page.locator("#totp-secret").inner_text().strip()
            assert re.fullmatch(r"[A-Z2-7]{32}", secret_text), secret_text
            secret = TotpSecret(base64.b32decode(secret_text).hex())

            # a wrong code first: refused, still on the enrolment page
            _input(page, "Code").fill(f"{(int(secret.code()) + 7) % 1_000_000:06d}")
            page.get_by_role("button", name="Confirm").click()
            expect(page.locator(".errorlist")).to_contain_text("does not match")
            submit_code(page, secret)
            expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
            codes = [c.strip() for c in page.locator("ul.recovery-codes code").all_inner_texts()]
            assert len(codes) == 10
            page.get_by_role("link", name="I have written them down: continue").click()
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

            # just verified: the token page opens without asking again
            page.get_by_role("navigation").get_by_role("link", name="API tokens").click()
            expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
            _input(page, "For user").select_option(label="script-owner")
            _input(page, "Name").fill("nightly figures")
            _input(page, "Valid for (days)").fill("30")
            page.get_by_role("button", name="Create token").click()
            raw = page.locator("#new-token").inner_text().strip()
            assert raw.startswith("bm_")
            page.goto("/tokens/")
            expect(page.get_by_role("cell", name="script-owner")).to_be_visible()
            expect(page.locator("#new-token")).to_have_count(0)  # shown once

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

            # again, with a recovery code instead of the app
            _password_step(page, "new-admin")
            expect(page.get_by_role("heading", name="Second factor")).to_be_visible()
            _input(page, "Code").fill(codes[0])
            page.get_by_role("button", name="Confirm").click()
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
            page.get_by_role("button", name="Sign out").click()

            # the same recovery code a second time: refused
            _password_step(page, "new-admin")
            _input(page, "Code").fill(codes[0])
            page.get_by_role("button", name="Confirm").click()
            expect(page.locator(".errorlist")).to_contain_text("This code is not valid")
            expect(page.get_by_role("heading", name="Second factor")).to_be_visible()
            assert not csp_violations, csp_violations
        finally:
            browser.close()

    token = ApiToken.objects.get()
    assert token.user == monitor and token.role == "monitor" and token.created_by == admin
    assert api_token_authenticate(raw) == monitor
    assert admin.staticdevice_set.get().token_set.count() == 9
