"""Forms for tracing pages.  They parse and show errors only; the rules live in
tracing.services, whose field errors are put back next to the matching field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bordermonitor.accounts.models import User
from bordermonitor.accounts.roles import roles_with
from bordermonitor.core.models import SIDE_CHOICES, Nationality, Place, shown_label
from bordermonitor.records.forms import (
    ANY,
    FROM_THE_PLACE,
    FuzzyDateField,
    NameVariantFormSet,
    QuickSelect,
    _code_choices,
    _filter_choices,
    apply_service_errors,
)
from bordermonitor.records.models import LANGUAGE_CHOICES, SEX_CHOICES
from bordermonitor.tracing.models import (
    CAUSE_CHOICES,
    CHANNEL_CHOICES,
    CONFIRMATION_CHOICES,
    DETENTION_FACILITY,
    DETENTION_OUTCOME_CHOICES,
    OUTCOME_CHOICES,
    RELATIONSHIP_CHOICES,
    STATUS_CHOICES,
    TRANSITIONS,
    Recipient,
    TracingCase,
)

__all__ = ["NameVariantFormSet", "apply_service_errors"]

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LETTER_LANGUAGES = [("en", "English"), ("ru", "Русский")]
LETTER_FORMATS = [("html", _("printable page")), ("pdf", _("PDF download"))]


def officer_choices(blank=ANY):
    """Users who may work on cases (tracing.edit), for the assign and filter selects."""

    def choices():
        users = User.objects.filter(role__in=roles_with("tracing.edit"), is_active=True)
        return [blank] + [(str(u.pk), u.username) for u in users.order_by("username")]

    return choices


def recipient_label(recipient: Recipient) -> str:
    return shown_label(recipient.name, recipient.name_ru)


def _recipient_choices(kind: str | None = None) -> list[tuple[str, str]]:
    qs = Recipient.objects.filter(active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return [("", "—")] + [(r.code, recipient_label(r)) for r in qs]


def _textarea(rows: int = 3):
    return forms.Textarea(attrs={"rows": rows})


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[ANY, *STATUS_CHOICES], required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[ANY, *OUTCOME_CHOICES], required=False)
    assigned_to = forms.ChoiceField(
        label=_("Assigned officer"), choices=officer_choices(), required=False
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"),
        choices=_filter_choices(Nationality, "name", "name_ru", alphabetical=True),
        required=False,
        widget=QuickSelect,
    )
    overdue = forms.BooleanField(label=_("Only with overdue requests"), required=False)


class MissingReportForm(forms.Form):
    """The report of one relative; the missing person is new or given by code."""

    person = forms.CharField(
        label=_("Code of a person already recorded"),
        max_length=30,
        required=False,
        help_text=_(
            "e.g. P-2024-00012; leave empty to record the missing person below. "
            "A person with an active case gets this report added to it."
        ),
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"), choices=_code_choices(Nationality), required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, initial="u")
    birth_year = forms.IntegerField(
        label=_("Birth year"), min_value=1900, max_value=2100, required=False
    )
    received_on = forms.DateField(label=_("Report received on"), widget=DATE_INPUT)
    reporter_relationship = forms.ChoiceField(
        label=_("The reporter is the missing person's"), choices=RELATIONSHIP_CHOICES
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=300, required=False)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), max_length=300, required=False)
    reporter_whatsapp = forms.CharField(
        label=_("Reporter's WhatsApp"), max_length=300, required=False
    )
    reporter_telegram = forms.CharField(
        label=_("Reporter's Telegram"), max_length=300, required=False
    )
    reporter_email = forms.CharField(label=_("Reporter's email"), max_length=300, required=False)
    reporter_language = forms.ChoiceField(
        label=_("Reporter's language"), choices=[("", "—"), *LANGUAGE_CHOICES], required=False
    )
    last_contact = FuzzyDateField(label=_("Last contact"), required=False)
    last_contact_place = forms.ChoiceField(
        label=_("Place of last contact"), choices=_code_choices(Place), required=False
    )
    last_contact_side = forms.ChoiceField(
        label=_("Side of the border at last contact"),
        choices=[FROM_THE_PLACE, *SIDE_CHOICES],
        required=False,
    )
    last_phone = forms.CharField(label=_("Phone number last used"), max_length=300, required=False)
    companions = forms.CharField(
        label=_("Travelling with"), widget=_textarea(2), required=False, max_length=200_000
    )
    heading_to = forms.CharField(label=_("Heading to"), max_length=1000, required=False)
    circumstances = forms.CharField(
        label=_("Circumstances"), widget=_textarea(5), required=False, max_length=200_000
    )


class TransitionForm(forms.Form):
    """Offers only the legal next states; a forged one is refused by the service."""

    to = forms.ChoiceField(label=_("New status"), choices=STATUS_CHOICES)
    outcome = forms.ChoiceField(
        label=_("Outcome (when closing)"), choices=[("", "—"), *OUTCOME_CHOICES], required=False
    )
    why = forms.CharField(label=_("Why"), widget=_textarea(2), max_length=10_000)

    def __init__(self, *args, case: TracingCase, **kwargs):
        super().__init__(*args, **kwargs)
        legal = TRANSITIONS[case.status]
        self.fields["to"].widget.choices = [(c, lbl) for c, lbl in STATUS_CHOICES if c in legal]


class AssignForm(forms.Form):
    officer = forms.ChoiceField(
        label=_("Officer in charge"), choices=officer_choices(("", _("nobody"))), required=False
    )


class _SendingForm(forms.Form):
    sent_on = forms.DateField(label=_("Sent on"), widget=DATE_INPUT)
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNEL_CHOICES)
    reference = forms.CharField(label=_("Reference number"), max_length=100, required=False)
    due_on = forms.DateField(
        label=_("Answer due on"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("empty: the sending date plus the days this recipient usually takes"),
    )
    request_summary = forms.CharField(
        label=_("What was asked"), widget=_textarea(3), required=False, max_length=200_000
    )


class RelayForm(_SendingForm):
    """The recipient is checked by the service, so an unknown one gets its message."""

    recipient = forms.CharField(label=_("Recipient"), max_length=64, required=False)
    field_order = ["recipient", "sent_on", "channel", "reference", "due_on", "request_summary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        recipients = list(Recipient.objects.filter(active=True))
        self.fields["recipient"].widget = forms.Select(
            choices=[("", "—")]
            + [
                (
                    r.code,
                    _("%(name)s (answer expected in %(days)s days)")
                    % {"name": recipient_label(r), "days": r.default_answer_days},
                )
                for r in recipients
            ]
        )
        self.answer_days = {r.code: r.default_answer_days for r in recipients}


class FollowUpForm(_SendingForm):
    pass


class AnswerForm(forms.Form):
    answered_on = forms.DateField(label=_("Answered on"), widget=DATE_INPUT)
    summary = forms.CharField(
        label=_("What they answered"), widget=_textarea(4), required=False, max_length=200_000
    )


class DeathForm(forms.Form):
    found = FuzzyDateField(label=_("Found on"))
    confirmation = forms.ChoiceField(label=_("Confirmed by"), choices=CONFIRMATION_CHOICES)
    place = forms.ChoiceField(label=_("Place"), choices=_code_choices(Place), required=False)
    side = forms.ChoiceField(
        label=_("Side of the border"), choices=[FROM_THE_PLACE, *SIDE_CHOICES], required=False
    )
    nationality = forms.ChoiceField(
        label=_("Nationality if known"), choices=_code_choices(Nationality), required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, initial="u")
    age_min = forms.IntegerField(label=_("Estimated age from"), required=False)
    age_max = forms.IntegerField(label=_("Estimated age to"), required=False)
    presumed_cause = forms.ChoiceField(
        label=_("Presumed cause"), choices=CAUSE_CHOICES, initial="unknown"
    )
    description = forms.CharField(
        label=_("Circumstances"), widget=_textarea(4), required=False, max_length=200_000
    )


class IdentifyForm(forms.Form):
    person = forms.CharField(label=_("Code of the person"), max_length=30)
    presumed = forms.BooleanField(label=_("Presumed only, not confirmed"), required=False)


class ConfirmClosingForm(forms.Form):
    cases = forms.MultipleChoiceField(
        label=_("Close as deceased"), widget=forms.CheckboxSelectMultiple, required=False
    )
    why = forms.CharField(label=_("Why"), widget=_textarea(2), required=False, max_length=10_000)

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = [(c.code, c.code) for c in cases]
        self.fields["cases"].initial = [c.code for c in cases]


class DetentionForm(forms.Form):
    facility = forms.CharField(label=_("Facility"), max_length=64, required=False)
    facility_text = forms.CharField(
        label=_("Facility, when not in the list"), max_length=200, required=False
    )
    detained_from = forms.DateField(label=_("Detained from"), widget=DATE_INPUT)
    detained_to = forms.DateField(label=_("Detained until"), widget=DATE_INPUT, required=False)
    legal_ground = forms.CharField(label=_("Legal ground"), max_length=300, required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *DETENTION_OUTCOME_CHOICES], required=False
    )
    case = forms.ChoiceField(label=_("Tracing case"), required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=_textarea(3), required=False, max_length=200_000
    )

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].widget = forms.Select(
            choices=_recipient_choices(DETENTION_FACILITY)
        )
        self.fields["case"].choices = [("", "—")] + [(c.code, c.code) for c in cases]


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("Sent from"), widget=DATE_INPUT, required=False)
    date_to = forms.DateField(label=_("Sent until"), widget=DATE_INPUT, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("the end of the period is before its start"))
        return data


class LetterForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the letter"), choices=LETTER_LANGUAGES)
    format = forms.ChoiceField(label=_("Format"), choices=LETTER_FORMATS, initial="html")
