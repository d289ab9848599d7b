"""Forms for people, events, acts and sources.  They only parse and show errors;
rules live in records.services, whose field errors are put back next to the field."""

from __future__ import annotations

from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from bordermonitor.core.dates import FuzzyDateError, parse_fuzzy_date
from bordermonitor.core.models import (
    SIDE_CHOICES,
    BorderSection,
    EventType,
    Nationality,
    Perpetrator,
    Place,
    ViolationType,
    in_russian,
    shown_label,
)
from bordermonitor.records.models import (
    LANGUAGE_CHOICES,
    RELIABILITY_CHOICES,
    SEX_CHOICES,
    SOURCE_KIND_CHOICES,
    VULNERABILITY_CHOICES,
    WRITTEN_BY_CHOICES,
)
from bordermonitor.records.selectors import DATE_OVERLAP, DATE_WITHIN

DATE_HELP = _("e.g. 2024-03-15, 15.03.2024, March 2024, 2024, ~2024-03, 2024-03-01..2024-04-15")
DATE_MODE_CHOICES = [
    (DATE_OVERLAP, _("may fall in the period")),
    (DATE_WITHIN, _("certainly within the period")),
]
ANY = ("", _("any"))
FROM_THE_PLACE = ("", _("from the place"))


class FuzzyDateField(forms.CharField):
    """A date as people write it, with precision; cleaned to a FuzzyDate."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", DATE_HELP)
        kwargs.setdefault("max_length", 60)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_fuzzy_date(value)
        except FuzzyDateError as exc:
            raise ValidationError(str(exc), code="invalid_date") from exc


class QuickSelect(forms.Select):
    """A <select> written out in Python rather than one template include per option.

    The event filters offer some 250 nationalities and 70 places; rendered through
    Django's option templates they took most of the event list's time.  Same markup,
    same attributes (id, aria-describedby, ...), no option groups.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = "" if value is None else str(value[0] if isinstance(value, list) else value)
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) == chosen else ""}>'
            f"{escape(label)}</option>"
            for key, label in self.choices
        )
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe(options))  # noqa: S308 - each key and label escaped above  # nosec B308 B703


def _filter_choices(model, *label_fields: str, label=shown_label, alphabetical=False):
    """Choices for a filter: "any", then the active terms, read without building models.

    `label` makes the shown text from the label fields (by default the English and the
    Russian label, whichever the interface language wants); `alphabetical` sorts by the
    shown text in a Russian interface, where the English order would look random."""

    def choices():
        rows = model.objects.filter(active=True).values_list("code", *label_fields)
        found = [(code, label(*rest)) for code, *rest in rows]
        if alphabetical and in_russian():
            found.sort(key=lambda c: c[1].casefold())
        return [ANY] + found

    return choices


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's field errors next to the matching form fields."""
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields else None
        if field.startswith("names"):
            target = None
        for message in errors:
            form.add_error(target, message if target else f"{field}: {message}")


def _code_choices(model, value_field="code", blank="—"):
    def choices():
        return [("", blank)] + [
            (getattr(o, value_field), str(o)) for o in model.objects.filter(active=True)
        ]

    return choices


class NameVariantForm(forms.Form):
    full_name = forms.CharField(label=_("Name as written"), max_length=300, required=False)
    written_by = forms.ChoiceField(
        label=_("Written by"), choices=WRITTEN_BY_CHOICES, initial="relative"
    )


NameVariantFormSet = forms.formset_factory(NameVariantForm, extra=3, max_num=50)


class PersonForm(forms.Form):
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, initial="u")
    birth = FuzzyDateField(label=_("Birth date"), required=False)
    estimated_age = forms.IntegerField(
        label=_("Estimated age"), min_value=0, max_value=120, required=False
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"), choices=_code_choices(Nationality), required=False
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=VULNERABILITY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=200_000,
    )


class PersonFilterForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label=_("Name (exact word, any script)"))
    nationality = forms.ChoiceField(
        label=_("Nationality"),
        choices=_filter_choices(Nationality, "name", "name_ru", alphabetical=True),
        required=False,
        widget=QuickSelect,
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[ANY, *SEX_CHOICES], required=False)
    vulnerability = forms.ChoiceField(
        label=_("Vulnerability"), choices=[ANY, *VULNERABILITY_CHOICES], required=False
    )


class EventForm(forms.Form):
    date = FuzzyDateField(label=_("Date"))
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("short, without names")
    )
    place = forms.ChoiceField(label=_("Place"), choices=_code_choices(Place), required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=8,
        decimal_places=5,
        required=False,
        min_value=-90,
        max_value=90,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=8,
        decimal_places=5,
        required=False,
        min_value=-180,
        max_value=180,
    )
    side = forms.ChoiceField(
        choices=[FROM_THE_PLACE, *SIDE_CHOICES], required=False, label=_("Side of the border")
    )
    border_section = forms.ChoiceField(
        label=_("Border section"),
        choices=lambda: [FROM_THE_PLACE] + [(b.code, str(b)) for b in BorderSection.objects.all()],
        required=False,
    )
    event_types = forms.MultipleChoiceField(
        label=_("What happened"),
        choices=lambda: [(t.code, str(t)) for t in EventType.objects.filter(active=True)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=200_000,
    )
    group_size = forms.IntegerField(
        min_value=0, max_value=100_000, required=False, label=_("People in the group")
    )
    women_count = forms.IntegerField(
        min_value=0, max_value=100_000, required=False, label=_("of them women")
    )
    men_count = forms.IntegerField(
        min_value=0, max_value=100_000, required=False, label=_("of them men")
    )
    children_count = forms.IntegerField(
        min_value=0, max_value=100_000, required=False, label=_("of them children")
    )


class EventFilterForm(forms.Form):
    """The event filters, the same on the list, the map and /api/v1/events."""

    date_from = forms.DateField(
        label=_("Date from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Date to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_mode = forms.ChoiceField(
        label=_("Dates"),
        choices=DATE_MODE_CHOICES,
        required=False,
        initial=DATE_OVERLAP,
        widget=QuickSelect,
    )
    place = forms.ChoiceField(
        label=_("Place"),
        choices=_filter_choices(
            Place,
            "name",
            "name_ru",
            "country",
            label=lambda n, r, c: f"{shown_label(n, r)} ({c})",
            alphabetical=True,
        ),
        required=False,
        widget=QuickSelect,
    )
    border_section = forms.ChoiceField(
        label=_("Border section"),
        choices=lambda: [ANY] + [(b.code, str(b)) for b in BorderSection.objects.all()],
        required=False,
        widget=QuickSelect,
    )
    side = forms.ChoiceField(
        label=_("Side"), choices=[ANY, *SIDE_CHOICES], required=False, widget=QuickSelect
    )
    event_type = forms.ChoiceField(
        label=_("Event type"),
        choices=_filter_choices(EventType, "label", "label_ru"),
        required=False,
        widget=QuickSelect,
    )
    violation_type = forms.ChoiceField(
        label=_("Violation type"),
        choices=_filter_choices(ViolationType, "label", "label_ru"),
        required=False,
        widget=QuickSelect,
    )
    perpetrator = forms.ChoiceField(
        label=_("Perpetrator"),
        choices=_filter_choices(Perpetrator, "label", "label_ru"),
        required=False,
        widget=QuickSelect,
    )
    nationality = forms.ChoiceField(
        label=_("Victims' nationality"),
        choices=_filter_choices(Nationality, "name", "name_ru", alphabetical=True),
        required=False,
        widget=QuickSelect,
    )
    vulnerability = forms.ChoiceField(
        label=_("Victims' vulnerability"),
        choices=[ANY, *VULNERABILITY_CHOICES],
        required=False,
        widget=QuickSelect,
    )
    source_kind = forms.ChoiceField(
        label=_("Has a source of kind"),
        choices=[ANY, *SOURCE_KIND_CHOICES],
        required=False,
        widget=QuickSelect,
    )
    victim_name = forms.CharField(
        required=False, max_length=200, label=_("Victim name (exact word, any script)")
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():  # read each vocabulary once per request, not per use
            if isinstance(f, forms.ChoiceField):
                f.choices = list(f.choices)
        if user is not None and not user.can("persons.view"):
            del self.fields["victim_name"]  # searching by name is reading people

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("the period ends before it starts"))
        return data


class ActForm(forms.Form):
    violation_type = forms.ChoiceField(
        label=_("Violation type"), choices=_code_choices(ViolationType)
    )
    perpetrator = forms.ChoiceField(label=_("Perpetrator"), choices=_code_choices(Perpetrator))
    victim = forms.CharField(
        required=False,
        max_length=20,
        label=_("Victim code"),
        help_text=_("a person's code, e.g. P-2024-00123"),
    )
    victim_group_count = forms.IntegerField(
        required=False, min_value=1, max_value=100_000, label=_("or: number of unnamed victims")
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=20_000,
    )


def _codes(value: str) -> list[str]:
    return [c.strip() for c in (value or "").replace(";", ",").split(",") if c.strip()]


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SOURCE_KIND_CHOICES)
    received_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label=_("Received on")
    )
    reliability = forms.ChoiceField(
        label=_("Reliability"), choices=RELIABILITY_CHOICES, initial="unknown"
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", "—"), *LANGUAGE_CHOICES], required=False
    )
    interpreter_used = forms.BooleanField(label=_("Interpreter used"), required=False)
    internal_only = forms.BooleanField(required=False, initial=True, label=_("Internal only"))
    consent_quote = forms.BooleanField(required=False, label=_("May be quoted"))
    consent_share_un = forms.BooleanField(
        required=False, label=_("May be shared with the UN and organisations")
    )
    consent_publish_anonymously = forms.BooleanField(
        required=False, label=_("May be published anonymously")
    )
    testimony = forms.CharField(
        label=_("Testimony"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=200_000,
    )
    events = forms.CharField(
        label=_("Events"),
        required=False,
        max_length=2000,
        help_text=_("event codes, comma-separated"),
    )
    persons = forms.CharField(
        label=_("People"),
        required=False,
        max_length=2000,
        help_text=_("person codes, comma-separated"),
    )

    def clean_events(self):
        return _codes(self.cleaned_data["events"])

    def clean_persons(self):
        return _codes(self.cleaned_data["persons"])


class SourceFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[ANY, *SOURCE_KIND_CHOICES], required=False)
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RestrictionForm(forms.Form):
    """Need-to-know: a coordinator marks a testimony, case or detention restricted and
    assigns the team that may see it (accounts.need_to_know)."""

    restricted = forms.BooleanField(
        label=_("Restricted"),
        required=False,
        help_text=_("visible only to the assigned team and to coordinators"),
    )
    team = forms.ModelChoiceField(
        label=_("Assigned team"),
        queryset=None,
        required=False,
        empty_label=_("no team: coordinators only"),
    )

    def __init__(self, *args, **kwargs):
        from bordermonitor.accounts.models import Team

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")
