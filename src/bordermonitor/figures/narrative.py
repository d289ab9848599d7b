"""The yearly report's narrative sections, written in the app and kept with the report.

One `ReportNarrative` per period (from, to): its sections are text written by a
coordinator, sealed like testimony (a section may name a place or a person).  The
report never takes a number typed by hand: a digit in a section is refused, and a
figure enters the text only through a placeholder such as `{missing_reports}`,
replaced by the published (disclosure-controlled) number when the report is made.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from bordermonitor.core.codes import next_code
from bordermonitor.core.crypto import create_data_key
from bordermonitor.core.fields import EncryptedJSONField
from bordermonitor.core.models import ProtectedRecord

SECTIONS = [
    ("key_figures", _("Key figures")),
    ("deaths", _("Deaths and disappearances")),
    ("violations", _("Violations")),
    ("detentions", _("Detentions, deportations and expulsions")),
    ("requests", _("Requests to authorities and their answers")),
]
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def check_section(name: str, text: str, known: set[str]) -> None:
    """Refuse typed numbers and unknown placeholders (the field is named in the error)."""
    bare = PLACEHOLDER.sub("", text)
    if re.search(r"\d", bare):
        raise ValidationError(
            {name: _("type no numbers: use a placeholder such as {missing_reports}")}
        )
    unknown = sorted(set(PLACEHOLDER.findall(text)) - known)
    if unknown:
        raise ValidationError(
            {name: _("unknown placeholder: %(names)s") % {"names": ", ".join(unknown)}}
        )


class ReportNarrative(ProtectedRecord):
    CODE_PREFIX = "RN"

    period_from = models.DateField()
    period_to = models.DateField()
    # section name -> text (placeholders for numbers)
    sections = EncryptedJSONField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        app_label = "figures"
        constraints = [
            models.UniqueConstraint(
                fields=["period_from", "period_to"], name="one_narrative_per_period"
            )
        ]


@transaction.atomic
def narrative_save(user, date_from, date_to, sections: dict[str, str]) -> ReportNarrative:
    """Keep the narrative of a period (one per period; a later save replaces it)."""
    narrative = (
        ReportNarrative.objects.select_for_update()
        .filter(period_from=date_from, period_to=date_to)
        .first()
    )
    if narrative is None:
        code = next_code(ReportNarrative.CODE_PREFIX, date_to.year)
        narrative = ReportNarrative(
            code=code, data_key=create_data_key(code), period_from=date_from, period_to=date_to
        )
    narrative.sections = sections
    narrative.written_by = user
    narrative.save()
    return narrative
