"""Labels other apps show for matching (kept here so they sit in this app's catalogue)."""

from django.utils.translation import gettext_lazy as _

REVIEW_NAV_LABEL = _("Proposed matches")
