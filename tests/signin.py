"""Signing in for tests: the one place tests do it, so the sign-in rules (password,
then a TOTP second factor, session stamps for the timeouts) are followed the same way
everywhere.

- `sign_in(client, user)`: a Django test client, fully signed in with a verified
  second factor (a confirmed authenticator is made for the user if they have none).
- `second_factor_for(user) -> TotpSecret`: ORM work, done BEFORE a Playwright block.
- `browser_sign_in(page, username, password, second_factor)`: fills the sign-in form
  and then types a current code computed from the secret (no ORM).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class TotpSecret:
    """What an authenticator app holds: the key and the TOTP parameters."""

    key_hex: str
    step: int = 30
    digits: int = 6
    t0: int = 0

    def step_now(self) -> int:
        return int((time.time() - self.t0) // self.step)

    def code_at_step(self, step: int) -> str:
        from binascii import unhexlify

        from django_otp.oath import hotp

        return f"{hotp(unhexlify(self.key_hex), step, self.digits):0{self.digits}d}"

    def code(self) -> str:
        return self.code_at_step(self.step_now())

    def fresh_code(self) -> str:
        """A code the server has not seen yet from this process: the current step, or
        the next one (the server accepts one step of drift), or it waits for a step."""
        used = _USED_STEPS.get(self.key_hex, -1)
        while True:
            now = self.step_now()
            step = max(now, used + 1)
            if step <= now + 1:
                _USED_STEPS[self.key_hex] = step
                return self.code_at_step(step)
            time.sleep(0.5)


# the last TOTP step a code was made for, per key: a used code is refused a second time
_USED_STEPS: dict[str, int] = {}


def _confirmed_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bordermonitor.accounts.services import totp_device_create_confirmed

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or totp_device_create_confirmed(user=user)


def second_factor_for(user) -> TotpSecret:
    """The user's authenticator secret (made and confirmed if none): call before the
    browser starts, the ORM is not usable inside Playwright's block."""
    device = _confirmed_device(user)
    return TotpSecret(device.key, device.step, device.digits, device.t0)


def sign_in(client, user) -> None:
    """Sign `user` in on a Django test client, as a completed sign-in (password and
    code) would: the session holds the verified device and when it was verified."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from bordermonitor.accounts.step_up import VERIFIED_AT_SESSION_KEY

    device = _confirmed_device(user)
    client.force_login(user, backend=MODEL_BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[VERIFIED_AT_SESSION_KEY] = int(time.time())
    session.save()


def _field(page, label: str):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def browser_sign_in(page, username: str, password: str, second_factor: TotpSecret) -> None:
    """Sign in through the pages: username and password, then a current code."""
    if not re.search(r"/login/(\?|$)", page.url):
        page.goto("/login/")
    _field(page, "Username").fill(username)
    _field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    submit_code(page, second_factor)


def submit_code(page, second_factor: TotpSecret) -> None:
    """Type a fresh code on the second-factor (or step-up) page and confirm it (by the
    field's id: the page may already speak the user's language)."""
    page.locator("#id_code").fill(second_factor.fresh_code())
    page.locator("form.record button[type=submit]").click()
