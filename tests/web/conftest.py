"""Browser tests: the served site needs its static directory to exist."""

from __future__ import annotations

import pytest
from django.conf import settings


@pytest.fixture(scope="session", autouse=True)
def _static_root():
    # WhiteNoise warns at start-up when STATIC_ROOT is missing; files come from the
    # app finders in tests (WHITENOISE_USE_FINDERS), so an empty directory is enough.
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
