"""The demo prints each demo login's TOTP secret and otpauth:// link, so a new user can
add the account to an authenticator app; the secret is kept across runs."""

from __future__ import annotations

import base64
import io
import re

import pytest
from django.core.management import call_command

from bordermonitor.accounts.models import User
from bordermonitor.accounts.step_up import code_matches
from tests.signin import TotpSecret

pytestmark = pytest.mark.django_db


def _secrets(out: str) -> dict[str, str]:
    return dict(re.findall(r"^  (demo-[a-z-]+)\s+([A-Z2-7]{32})$", out, re.M))


def test_the_demo_prints_a_working_second_factor_for_each_login():
    out = io.StringIO()
    call_command("demo", "--no-serve", persons=5, events=5, stdout=out)
    first = _secrets(out.getvalue())
    demo_users = User.objects.filter(username__startswith="demo-")
    assert set(first) == set(demo_users.values_list("username", flat=True)) and len(first) == 6
    assert "otpauth://totp/bordermonitor%3Ademo-monitor?secret=" + first["demo-monitor"] in (
        out.getvalue()
    )
    monitor = demo_users.get(username="demo-monitor")
    code = TotpSecret(base64.b32decode(first["demo-monitor"]).hex()).code()
    assert code_matches(monitor, code) is not None  # the printed secret is the real one

    again = io.StringIO()
    call_command("demo", "--no-serve", persons=5, events=5, stdout=again)
    assert _secrets(again.getvalue()) == first
