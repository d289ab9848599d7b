"""Labels other apps show for matching (kept here so they sit in this app's catalogue)."""

from django.utils.translation import gettext_lazy as _

REVIEW_NAV_LABEL = _("Proposed matches")

# The comparisons of a missing person against a body or a detention (model._COMPARISONS),
# as named where a proposed match lists its agreeing fields.
EVENT_FIELD_LABELS = {
    "event_order": _("found or detained after last contact"),
    "distance": _("distance from the last known place"),
}
