"""Signing a test client in: the one place tests do it, so the sign-in rules
(second factor, session freshness) are followed the same way everywhere."""

from __future__ import annotations


def sign_in(client, user) -> None:
    """Sign `user` in on a Django test client, as a completed sign-in would."""
    sign_in(client, user)
