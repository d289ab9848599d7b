"""Forms of the review queue: a verdict with its reason, and undoing a link."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bordermonitor.linkage.models import VERDICT_CHOICES
from bordermonitor.linkage.services import MAX_REASON_LENGTH


class DecisionForm(forms.Form):
    """The pair is named by codes (pseudonymous), never by names."""

    person = forms.CharField(max_length=20, widget=forms.HiddenInput)
    other = forms.CharField(max_length=20, widget=forms.HiddenInput)
    # no verdict preselected: a reason typed and a button pressed must not link two people
    verdict = forms.ChoiceField(label=_("Decision"), choices=[("", "—"), *VERDICT_CHOICES])
    reason = forms.CharField(
        label=_("Why"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UndoForm(forms.Form):
    decision = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why undo"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
