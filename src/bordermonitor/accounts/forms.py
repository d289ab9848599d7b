"""The audit page's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bordermonitor.accounts.audit import ACTIONS

ANY = ("", "—")


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (username)"), max_length=150, required=False)
    action = forms.ChoiceField(
        label=_("Action"), choices=[ANY, *((a, a) for a in ACTIONS)], required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[ANY], required=False)
    code = forms.CharField(label=_("Record code"), max_length=64, required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, kinds: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [ANY, *((k, k) for k in kinds)]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return data


class CodeForm(forms.Form):
    """One code: six digits from the authenticator app, or a one-time recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows now, or one recovery code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("The six digits the authenticator app shows after adding the account."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ApiTokenForm(forms.Form):
    user = forms.ModelChoiceField(label=_("For user"), queryset=None)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. the script that uses it."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=90)

    def __init__(self, *args, **kwargs):
        from bordermonitor.accounts.models import User

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
