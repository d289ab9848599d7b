"""The audit page in a real browser: an admin whose first sign-in attempt failed signs
in, opens the audit trail from the navigation, finds that failed attempt by
filtering, and is told plainly when the period asked for ends before it starts."""

from __future__ import annotations

import pytest

from tests.signin import browser_sign_in, second_factor_for
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS, _input


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_finds_a_failed_sign_in_on_the_audit_page(live_server):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    from bordermonitor.accounts import audit
    from bordermonitor.accounts.models import AuditEntry
    from bordermonitor.accounts.services import user_create
    from bordermonitor.records import services

    # the database is touched only before and after the browser (see test_browser.py)
    admin = user_create(username="audit-admin", role="admin", password=PASSWORD)
    second_factor = second_factor_for(admin)  # before the browser: ORM
    monitor = user_create(username="audit-monitor", role="monitor", password=PASSWORD)
    person = services.person_create(
        names=[services.NameInput("Ahmad Karimi", "self")], created_by=monitor
    )
    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(base_url=live_server.url)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()

            page.goto("/login/")
            _input(page, "Username").fill("audit-admin")
            _input(page, "Password").fill("a wrong guess at it")
            page.get_by_role("button", name="Sign in").click()
            browser_sign_in(page, "audit-admin", PASSWORD, second_factor)
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

            page.get_by_role("navigation").get_by_role("link", name="Audit trail").click()
            expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
            rows = page.locator("tbody tr[data-seq]")
            expect(rows.filter(has_text=person.code)).to_have_count(1)  # its creation

            _input(page, "Action").select_option("sign_in_failed")
            page.get_by_role("button", name="Filter").click()
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("audit-admin")
            expect(rows.first).to_contain_text("sign_in_failed")

            _input(page, "From").fill("2024-05-01")
            _input(page, "To").fill("2024-04-01")
            page.get_by_role("button", name="Filter").click()
            expect(page.get_by_role("alert")).to_contain_text(
                "The end of the period comes before its start."
            )
            expect(rows).to_have_count(0)
        finally:
            browser.close()

    # one sign-in: the password (kind "user"), then its code (kind "second_factor")
    signed_in = AuditEntry.objects.filter(action=audit.SIGN_IN, actor_id=admin.pk)
    assert sorted(signed_in.values_list("kind", flat=True)) == ["second_factor", "user"]
    written = " ".join(str(v) for row in AuditEntry.objects.values_list() for v in row)
    assert person.code in written and "Ahmad" not in written and "Karimi" not in written
    assert audit.audit_verify().ok
