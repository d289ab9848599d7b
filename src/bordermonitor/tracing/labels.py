"""Labels other apps show for tracing (kept here so they sit in this app's catalogue)."""

from django.utils.translation import gettext_lazy as _

DETENTIONS_NAV_LABEL = _("Detentions")
