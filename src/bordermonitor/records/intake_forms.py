"""The testimony intake's three screens as forms, and the draft payload they edit.

The forms parse nothing and refuse nothing: every field is optional text, bound to
the draft's payload so it shows what was typed, and each error found by
`services.testimony_check` is put back next to its field (`events[2].acts[0].victim`
→ the field `e2-a0-victim` on screen 2).  The rules live in the service alone.

Field names on screen 2: person k is `p{k}-…`, event i is `e{i}-…`, act j of event i
is `e{i}-a{j}-…`, item row r of that act `e{i}-a{j}-i{r}-…`; blocks are numbered by
position and renumbered on every render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from bordermonitor.accounts.models import User
from bordermonitor.accounts.roles import roles_with
from bordermonitor.core.codes import today
from bordermonitor.core.dates import FuzzyDateError, parse_fuzzy_date
from bordermonitor.core.models import (
    SIDE_CHOICES,
    BorderSection,
    EventType,
    Nationality,
    Perpetrator,
    Place,
    ViolationType,
)
from bordermonitor.records import services
from bordermonitor.records.models import (
    ITEM_CHOICES,
    ITEM_FATE_CHOICES,
    LANGUAGE_CHOICES,
    RELIABILITY_CHOICES,
    SEX_CHOICES,
    SOURCE_KIND_CHOICES,
    VULNERABILITY_CHOICES,
    WRITTEN_BY_CHOICES,
    Event,
)

SCREEN_TITLES = {
    1: _("The source"),
    2: _("Events, violations and people"),
    3: _("Review and save"),
}
LEFT_CHOICES = [
    ("suggest", _("suggest from the items")),
    ("yes", _("yes")),
    ("no", _("no")),
    ("unknown", _("not known")),
]
MIN_ITEM_ROWS = 2


def _vocabulary(model, blank: str):
    return [("", blank)] + [(o.code, str(o)) for o in model.objects.filter(active=True)]


def _auto(attrs: dict | None = None) -> dict:
    """Free text in any script: the browser picks the direction (Arabic right to left)."""
    return {"dir": "auto", "autocomplete": "off", "spellcheck": "false", **(attrs or {})}


class _Many(forms.MultipleChoiceField):
    """Several codes; unknown ones are the service's to refuse, not the form's."""

    def validate(self, value: Any) -> None:
        return None


def _text(label: str, help_text: str = "", **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        strip=False,
        widget=forms.TextInput(attrs=_auto(attrs)),
    )


def _area(label: str, rows: int, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        strip=False,
        widget=forms.Textarea(attrs=_auto({"rows": rows})),
    )


def _select(label: str, choices, help_text: str = "", **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Select(choices=choices, attrs=attrs),
    )


def _number(label: str, low: int = 0) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"min": low, "inputmode": "numeric"}),
    )


def _flag(label: str, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text)


def _checks(label: str, choices) -> _Many:
    return _Many(
        label=label,
        required=False,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
    )


def _hidden() -> forms.CharField:
    return forms.CharField(required=False, widget=forms.HiddenInput)


class _Shows(forms.Form):
    """Shows the payload as typed and the service's errors; refuses nothing itself."""

    use_required_attribute = False

    def show(self, errors: dict[str, list[str]]) -> None:
        self.full_clean()
        for name, messages in errors.items():
            self.add_error(name if name in self.fields else None, messages)


# -- screen 1: the source --------------------------------------------------------------


class SourceForm(_Shows):
    kind = _select(_("Kind of source"), SOURCE_KIND_CHOICES)
    received_on = forms.CharField(
        label=_("Date of the interview"),
        required=False,
        help_text=_("the day the information was received"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    interviewer = _select(_("Interviewer"), [])
    language = _select(_("Language of the testimony"), [("", "—")] + LANGUAGE_CHOICES)
    interpreter_used = _flag(_("An interpreter was used"))
    reliability = _select(_("Reliability"), RELIABILITY_CHOICES)
    internal_only = _flag(_("Internal only"), _("never leaves the organisation in any form"))
    consent_quote = _flag(_("May be quoted"))
    consent_share_un = _flag(_("May be shared with the UN and organisations"))
    consent_publish_anonymously = _flag(_("May be published anonymously"))
    testimony = _area(
        _("Testimony, in the original language"),
        10,
        _("as it was told; translations are added on the source's page once saved"),
    )

    CONSENT = ("internal_only", "consent_quote", "consent_share_un", "consent_publish_anonymously")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="s", **kwargs)
        staff = User.objects.filter(is_active=True, role__in=roles_with("sources.edit"))
        self.fields["interviewer"].widget.choices = [("", "—")] + [
            (u.username, u.username) for u in staff.order_by("username")
        ]


SOURCE_TEXT = ("kind", "received_on", "interviewer", "language", "reliability", "testimony")
SOURCE_FLAGS = ("interpreter_used", *SourceForm.CONSENT)


# -- screen 2: people, events, acts, items -------------------------------------------------


class PersonForm(_Shows):
    ref = _hidden()
    name = _text(_("Name as written"))
    written_by = _select(_("Written by"), WRITTEN_BY_CHOICES)
    name2 = _text(_("Another spelling (optional)"))
    written_by2 = _select(_("Written by"), WRITTEN_BY_CHOICES)
    sex = _select(_("Sex"), SEX_CHOICES)
    nationality = _select(_("Nationality"), [])
    birth = _text(_("Birth date"), _("e.g. 1998, 1998-05, ~1998"))
    estimated_age = _number(_("or estimated age"))
    vulnerabilities = _checks(_("Vulnerability"), VULNERABILITY_CHOICES)
    code = _text(
        _("Or: already recorded as"),
        _("a person's code, e.g. P-2024-00123; then nothing else is needed"),
        placeholder="P-2024-00123",
    )

    def __init__(self, *args, nationalities=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nationality"].widget.choices = nationalities


class EventForm(_Shows):
    block = _hidden()
    existing = _text(
        _("Already recorded as"),
        _("the code of the same incident told by another source, e.g. E-2024-00012"),
        placeholder="E-2024-00012",
    )
    date = _text(_("Date"), _("2024-10-01, October 2024, ~2024-10, 2024-10-01..2024-10-04"))
    place = _select(_("Place"), [])
    side = _select(_("Side of the border"), [("", _("from the place"))] + SIDE_CHOICES)
    border_section = _select(_("Border section"), [])
    event_types = _checks(_("What happened"), [])
    title = _text(_("Short title, without names"))
    group_size = _number(_("People in the group"))
    women_count = _number(_("of them women"))
    men_count = _number(_("of them men"))
    children_count = _number(_("of them children"))
    account = _area(_("What happened, as this source tells it"), 4)

    NEW_EVENT = (
        "date",
        "place",
        "side",
        "border_section",
        "event_types",
        "title",
        "group_size",
        "women_count",
        "men_count",
        "children_count",
    )

    def __init__(self, *args, vocab: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].widget.choices = vocab["places"]
        self.fields["border_section"].widget.choices = vocab["sections"]
        self.fields["event_types"].choices = vocab["event_types"]


class ActForm(_Shows):
    block = _hidden()
    violation_type = _select(_("Violation"), [])
    perpetrator = _select(_("Perpetrator"), [])
    victim = _select(_("Victim"), [])
    group_count = _number(_("People in the group"), low=1)
    group_women = _number(_("of them women"))
    group_men = _number(_("of them men"))
    group_children = _number(_("of them children"))
    group_vulnerabilities = _checks(_("Vulnerability in the group"), VULNERABILITY_CHOICES)
    left_without_identity_document = _select(_("Left without any identity document?"), LEFT_CHOICES)
    notes = _area(_("Notes on this violation"), 2)

    def __init__(self, *args, vocab: dict, victims: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["violation_type"].widget.choices = vocab["violations"]
        self.fields["perpetrator"].widget.choices = vocab["perpetrators"]
        self.fields["victim"].widget.choices = victims
        prefix = kwargs.get("prefix", "")
        # with JavaScript, choosing a group or a confiscation opens the matching details
        self.fields["violation_type"].widget.attrs.update(
            {
                "data-opens": f"{prefix}-items",
                "data-when": " ".join(sorted(services.ITEM_VIOLATIONS)),
            }
        )
        self.fields["victim"].widget.attrs.update(
            {"data-opens": f"{prefix}-group", "data-when": services.GROUP}
        )


class ItemForm(_Shows):
    item = _select(_("Item"), [("", "—")] + ITEM_CHOICES)
    fate = _select(_("What became of it"), ITEM_FATE_CHOICES)
    quantity = _number(_("How many"), low=1)


PERSON_TEXT = ("ref", "code", "sex", "nationality", "birth", "estimated_age")
EVENT_TEXT = (
    "existing",
    "date",
    "place",
    "side",
    "border_section",
    "title",
    "group_size",
    "women_count",
    "men_count",
    "children_count",
    "account",
)
ACT_TEXT = (
    "violation_type",
    "perpetrator",
    "victim",
    "group_count",
    "group_women",
    "group_men",
    "group_children",
    "left_without_identity_document",
    "notes",
)
ITEM_TEXT = ("item", "fate", "quantity")


# -- the payload --------------------------------------------------------------------------


def new_act() -> dict:
    return {"left_without_identity_document": "suggest", "items": []}


def new_event() -> dict:
    return {"acts": [new_act()]}


def new_person(ref: str) -> dict:
    return {"ref": ref, "names": [{"written_by": "self"}, {"written_by": "self"}], "sex": "u"}


def initial_payload(user: User) -> dict:
    """A new testimony: interviewed today by the monitor, internal only until consent."""
    return {
        "source": {
            "kind": "interview",
            "received_on": today().isoformat(),
            "interviewer": user.username,
            "reliability": "unknown",
            "internal_only": True,
        },
        "persons": [new_person("p1")],
        "events": [new_event()],
        "chain": True,
    }


def _indices(data: QueryDict, pattern: str) -> list[int]:
    found = {int(m[1]) for key in data for m in [re.fullmatch(pattern, key)] if m}
    return sorted(found)


def _read(data: QueryDict, prefix: str, names: tuple[str, ...]) -> dict:
    return {name: data.get(f"{prefix}-{name}", "") for name in names}


def source_from_post(data: QueryDict) -> dict:
    source = _read(data, "s", SOURCE_TEXT)
    source.update({name: f"s-{name}" in data for name in SOURCE_FLAGS})
    return source


def events_from_post(data: QueryDict) -> dict:
    """Screen 2's part of the payload from its form fields."""
    persons = []
    for k in _indices(data, r"p(\d+)-ref"):
        person = _read(data, f"p{k}", PERSON_TEXT)
        person["names"] = [
            {"full_name": data.get(f"p{k}-name", ""), "written_by": data.get(f"p{k}-written_by")},
            {"full_name": data.get(f"p{k}-name2", ""), "written_by": data.get(f"p{k}-written_by2")},
        ]
        person["vulnerabilities"] = data.getlist(f"p{k}-vulnerabilities")
        persons.append(person)
    events = []
    for i in _indices(data, r"e(\d+)-block"):
        event = _read(data, f"e{i}", EVENT_TEXT)
        event["event_types"] = data.getlist(f"e{i}-event_types")
        event["acts"] = []
        for j in _indices(data, rf"e{i}-a(\d+)-block"):
            act = _read(data, f"e{i}-a{j}", ACT_TEXT)
            act["group_vulnerabilities"] = data.getlist(f"e{i}-a{j}-group_vulnerabilities")
            rows = [
                _read(data, f"e{i}-a{j}-i{r}", ITEM_TEXT)
                for r in _indices(data, rf"e{i}-a{j}-i(\d+)-item")
            ]
            act["items"] = [row for row in rows if row["item"]]
            event["acts"].append(act)
        events.append(event)
    return {"persons": persons, "events": events, "chain": "chain" in data}


def merge_screen(payload: dict | None, step: int, data: QueryDict) -> dict:
    """The draft's payload with one screen's fields replaced by what was posted."""
    merged = dict(payload or {})
    if step == 1:
        merged["source"] = source_from_post(data)
    elif step == 2:
        merged.update(events_from_post(data))
    return merged


def _flat_put(flat: dict, prefix: str, values: dict, names: tuple[str, ...]) -> None:
    for name in names:
        value = values.get(name)
        if value not in (None, ""):
            flat[f"{prefix}-{name}"] = str(value)


def _flags(flat: dict, prefix: str, values: dict, names: tuple[str, ...]) -> None:
    for name in names:
        if services._flag(values.get(name)):
            flat[f"{prefix}-{name}"] = "on"


# -- actions on screen 2 ---------------------------------------------------------------------


def next_ref(persons: list[dict]) -> str:
    numbers = [
        int(m[1]) for p in persons for m in [re.fullmatch(r"p(\d+)", str(p.get("ref")))] if m
    ]
    return f"p{max(numbers, default=0) + 1}"


def _at(items: list, index: str) -> int | None:
    i = int(index) if index.isdigit() else -1
    return i if 0 <= i < len(items) else None


def apply_action(payload: dict, action: str) -> str | None:
    """Apply a screen-2 button (add, remove, move, link) to the payload, in place; the
    field to focus next, if any."""
    persons, events = payload.setdefault("persons", []), payload.setdefault("events", [])
    verb, _, rest = action.partition(":")
    args = rest.split(":") if rest else []
    if verb == "add-person" and len(persons) < services.MAX_INTAKE_PERSONS:
        persons.append(new_person(next_ref(persons)))
        return f"p{len(persons) - 1}-name"
    if verb == "add-event" and len(events) < services.MAX_INTAKE_EVENTS:
        events.append(new_event())
        return f"e{len(events) - 1}-date"
    if verb == "remove-person" and args and (k := _at(persons, args[0])) is not None:
        persons.pop(k)
        return f"p{min(k, len(persons) - 1)}-name" if persons else "e0-date"
    if not args or (i := _at(events, args[0])) is None:
        return None
    event = events[i]
    acts = event.setdefault("acts", [])
    if verb == "remove-event":
        events.pop(i)
        return f"e{min(i, len(events) - 1)}-date" if events else None
    elif verb == "up-event" and i > 0:
        events[i - 1], events[i] = events[i], events[i - 1]
        return f"e{i - 1}-date"
    elif verb == "add-act" and len(acts) < services.MAX_INTAKE_ACTS:
        acts.append(new_act())
        return f"e{i}-a{len(acts) - 1}-violation_type"
    elif verb == "remove-act" and len(args) > 1 and (j := _at(acts, args[1])) is not None:
        acts.pop(j)
        return f"e{i}-a{min(j, len(acts) - 1)}-violation_type" if acts else f"e{i}-account"
    elif verb == "use" and len(args) > 1:
        event["existing"] = args[1]
        return f"e{i}-account"
    elif verb == "unuse":
        event["existing"] = ""
        return f"e{i}-date"
    elif verb == "match":
        return f"e{i}-date"
    return None


# -- errors: from the service's keys to the fields --------------------------------------------

_PERSON = re.compile(r"persons\[(\d+)\]\.(.+)")
_NAME = re.compile(r"names\[(\d+)\]\.(\w+)")
_ITEM = re.compile(r"events\[(\d+)\]\.acts\[(\d+)\]\.items\[(\d+)\]\.(\w+)")
_ACT = re.compile(r"events\[(\d+)\]\.acts\[(\d+)\]\.(\w+)")
_EVENT = re.compile(r"events\[(\d+)\]\.(\w+)")


def locate(key: str) -> tuple[int, str, str]:
    """(screen, form prefix, field) of a service error key; prefix "" = the screen."""
    if key.startswith("source."):
        return 1, "s", key.removeprefix("source.")
    if m := _PERSON.fullmatch(key):
        name = m[2]
        if n := _NAME.fullmatch(name):
            second = n[1] != "0"
            name = {"full_name": "name", "written_by": "written_by"}.get(n[2], "name")
            name += "2" if second else ""
        elif name in ("names", "script"):
            name = "name"
        return 2, f"p{m[1]}", name
    if m := _ITEM.fullmatch(key):
        return 2, f"e{m[1]}-a{m[2]}-i{m[3]}", m[4]
    if m := _ACT.fullmatch(key):
        return 2, f"e{m[1]}-a{m[2]}", m[3]
    if m := _EVENT.fullmatch(key):
        return 2, f"e{m[1]}", m[2]
    if key.split(".")[0] in ("persons", "events", "chain"):
        return 2, "", key
    return 1, "", key


def problems_of(payload: dict) -> dict[str, list[str]]:
    """Every rule the payload breaks, keyed as the service keys them (nothing written)."""
    try:
        services.testimony_check(payload=payload)
    except ValidationError as exc:
        return exc.message_dict
    return {}


def on_screen(problems: dict[str, list[str]], step: int) -> dict[str, list[str]]:
    return {k: v for k, v in problems.items() if locate(k)[0] == step}


def first_screen_with(problems: dict[str, list[str]]) -> int:
    return min((locate(k)[0] for k in problems), default=3)


def _by_form(problems: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    grouped: dict[str, dict[str, list[str]]] = {}
    for key, messages in problems.items():
        _, prefix, name = locate(key)
        grouped.setdefault(prefix, {}).setdefault(name, []).extend(messages)
    return grouped


# -- building the screens --------------------------------------------------------------------


def _shown(form: _Shows, errors: dict[str, list[str]] | None) -> _Shows:
    if errors:
        form.show(errors)
    return form


def source_screen(payload: dict, problems: dict[str, list[str]]) -> dict:
    source = payload.get("source") or {}
    flat: dict = {}
    _flat_put(flat, "s", source, SOURCE_TEXT)
    _flags(flat, "s", source, SOURCE_FLAGS)
    grouped = _by_form(problems)
    form = _shown(SourceForm(data=flat), grouped.get("s"))
    return {"form": form, "screen_errors": _screen_errors(grouped)}


def _screen_errors(grouped: dict) -> list[str]:
    return [
        f"{'' if name in ('events', 'persons', 'payload', 'draft') else name + ': '}{m}"
        for name, messages in grouped.get("", {}).items()
        for m in messages
    ]


def _vocab() -> dict:
    return {
        "places": [("", "—")] + [(p.code, str(p)) for p in Place.objects.filter(active=True)],
        "sections": [("", gettext("from the place"))]
        + [(b.code, str(b)) for b in BorderSection.objects.all()],
        "event_types": [(t.code, str(t)) for t in EventType.objects.filter(active=True)],
        "violations": _vocabulary(ViolationType, gettext("— what was done? —")),
        "perpetrators": _vocabulary(Perpetrator, gettext("— who did it? —")),
        "nationalities": [("", "—")] + [(n.code, str(n)) for n in Nationality.objects.all()],
    }


def person_label(k: int, person: dict) -> str:
    names = [services._s(n.get("full_name")) for n in person.get("names") or []]
    shown = next((n for n in names if n), "") or services._s(person.get("code"))
    if shown:
        return gettext("Person %(n)s: %(name)s") % {"n": k + 1, "name": shown}
    return gettext("Person %(n)s (no name yet)") % {"n": k + 1}


@dataclass
class ActBlock:
    form: ActForm
    items: list[ItemForm]
    prefix: str
    index: int
    takes_items: bool
    is_group: bool


@dataclass
class EventBlock:
    form: EventForm
    acts: list[ActBlock]
    prefix: str
    index: int
    existing: Event | None = None
    candidates: list | None = None


@dataclass
class PersonBlock:
    form: PersonForm
    prefix: str
    index: int
    label: str


@dataclass
class EventsScreen:
    persons: list[PersonBlock] = field(default_factory=list)
    events: list[EventBlock] = field(default_factory=list)
    chain: bool = True
    screen_errors: list[str] = field(default_factory=list)

    def forms(self) -> list[_Shows]:
        """Every form on the screen, in the order they appear."""
        found: list[_Shows] = [p.form for p in self.persons]
        for event in self.events:
            found.append(event.form)
            for act in event.acts:
                found += [act.form, *act.items]
        return found


def autofocus(forms_in_order: list[_Shows], wanted: str, default: str) -> None:
    """Focus the field asked for (a block just added), else the first with an error,
    else the screen's first field: the monitor can type at once."""

    def find(test):
        for form in forms_in_order:
            for bound in form:
                if not bound.is_hidden and test(bound):
                    return form.fields[bound.name]
        return None

    target = (wanted and find(lambda b: b.html_name == wanted)) or find(lambda b: b.errors)
    target = target or find(lambda b: b.html_name == default)
    if target is not None:
        target.widget.attrs["autofocus"] = True


def events_screen(payload: dict, problems: dict[str, list[str]]) -> EventsScreen:
    vocab = _vocab()
    grouped = _by_form(problems)
    screen = EventsScreen(chain=services._flag(payload.get("chain")))
    screen.screen_errors = _screen_errors(grouped)
    persons = [p for p in payload.get("persons") or [] if isinstance(p, dict)]
    victims = [("", gettext("— who suffered it? —"))]
    for k, person in enumerate(persons):
        prefix = f"p{k}"
        flat: dict = {}
        _flat_put(flat, prefix, person, PERSON_TEXT)
        names = (person.get("names") or []) + [{}, {}]
        for suffix, n in (("", names[0]), ("2", names[1])):
            flat[f"{prefix}-name{suffix}"] = services._s(n.get("full_name"))
            flat[f"{prefix}-written_by{suffix}"] = services._s(n.get("written_by")) or "self"
        flat[f"{prefix}-vulnerabilities"] = services._strs(person.get("vulnerabilities"))
        form = PersonForm(data=flat, prefix=prefix, nationalities=vocab["nationalities"])
        label = person_label(k, person)
        screen.persons.append(PersonBlock(_shown(form, grouped.get(prefix)), prefix, k, label))
        victims.append((services._s(person.get("ref")) or f"p{k + 1}", label))
    victims.append((services.GROUP, gettext("an unnamed group (how many: below)")))

    existing = {
        e.code: e
        for e in Event.objects.filter(
            code__in=[services._s(e.get("existing")) for e in payload.get("events") or []]
        ).select_related("place")
    }
    for i, event in enumerate(e for e in payload.get("events") or [] if isinstance(e, dict)):
        prefix = f"e{i}"
        flat = {f"{prefix}-block": "1"}
        _flat_put(flat, prefix, event, EVENT_TEXT)
        flat[f"{prefix}-event_types"] = services._strs(event.get("event_types"))
        form = _shown(EventForm(data=flat, prefix=prefix, vocab=vocab), grouped.get(prefix))
        block = EventBlock(form, [], prefix, i, existing.get(services._s(event.get("existing"))))
        for j, act in enumerate(a for a in event.get("acts") or [] if isinstance(a, dict)):
            act_prefix = f"{prefix}-a{j}"
            flat = {f"{act_prefix}-block": "1"}
            _flat_put(flat, act_prefix, act, ACT_TEXT)
            flat[f"{act_prefix}-group_vulnerabilities"] = services._strs(
                act.get("group_vulnerabilities")
            )
            act_form = ActForm(data=flat, prefix=act_prefix, vocab=vocab, victims=victims)
            rows = [r for r in act.get("items") or [] if isinstance(r, dict)]
            rows += [{"fate": "unknown", "quantity": "1"}] * max(1, MIN_ITEM_ROWS - len(rows))
            items = []
            for r, row in enumerate(rows):
                item_prefix = f"{act_prefix}-i{r}"
                item_flat: dict = {}
                _flat_put(item_flat, item_prefix, row, ITEM_TEXT)
                item_form = ItemForm(data=item_flat, prefix=item_prefix)
                items.append(_shown(item_form, grouped.get(item_prefix)))
            takes_items = services._s(act.get("violation_type")) in services.ITEM_VIOLATIONS
            has_item_errors = any(p.startswith(f"{act_prefix}-i") for p in grouped)
            block.acts.append(
                ActBlock(
                    _shown(act_form, grouped.get(act_prefix)),
                    items,
                    act_prefix,
                    j,
                    takes_items or bool(act.get("items")) or has_item_errors,
                    services._s(act.get("victim")) == services.GROUP,
                )
            )
        screen.events.append(block)
    return screen


# -- the review ------------------------------------------------------------------------------


def _date_text(value: Any) -> str:
    text = services._s(value)
    try:
        return str(parse_fuzzy_date(text)) if text else gettext("no date")
    except FuzzyDateError:
        return text


def _counted(value: str, what: str) -> str:
    """ "3 women": a number of women, men or children, as text (a plural in Russian)."""
    number = int(value) if value.isdigit() else 0
    if what == "women":
        text = ngettext("%(n)s woman", "%(n)s women", number)
    elif what == "men":
        text = ngettext("%(n)s man", "%(n)s men", number)
    else:
        text = ngettext("%(n)s child", "%(n)s children", number)
    return text % {"n": value}


def _group_text(event: dict) -> str:
    parts = [
        _counted(services._s(event.get(k)), w)
        for k, w in (("women_count", "women"), ("men_count", "men"), ("children_count", "children"))
        if services._s(event.get(k))
    ]
    return services._s(event.get("group_size")) + (f", {', '.join(parts)}" if parts else "")


def review(payload: dict) -> dict:
    """Everything typed, in words, for the monitor to check before saving."""
    labels = {
        "violations": {t.code: str(t) for t in ViolationType.objects.all()},
        "perpetrators": {t.code: str(t) for t in Perpetrator.objects.all()},
        "places": {p.code: str(p) for p in Place.objects.all()},
        "event_types": {t.code: str(t) for t in EventType.objects.all()},
        "nationalities": {n.code: str(n) for n in Nationality.objects.all()},
        "sides": dict(SIDE_CHOICES),
        "items": dict(ITEM_CHOICES),
        "fates": dict(ITEM_FATE_CHOICES),
        "sex": dict(SEX_CHOICES),
        "kinds": dict(SOURCE_KIND_CHOICES),
        "languages": dict(LANGUAGE_CHOICES),
        "reliability": dict(RELIABILITY_CHOICES),
        "writers": dict(WRITTEN_BY_CHOICES),
        "vulnerabilities": dict(VULNERABILITY_CHOICES),
    }
    source = payload.get("source") or {}
    consent = [
        label
        for name, label in (
            ("consent_quote", gettext("may be quoted")),
            ("consent_share_un", gettext("may be shared with the UN and organisations")),
            ("consent_publish_anonymously", gettext("may be published anonymously")),
        )
        if services._flag(source.get(name))
    ]
    if services._flag(source.get("internal_only")):
        consent.insert(0, gettext("internal only"))
    persons, refs = [], {}
    for k, p in enumerate(payload.get("persons") or []):
        if not isinstance(p, dict) or services._person_is_blank(p):
            continue
        refs[services._s(p.get("ref"))] = person_label(k, p)
        names = [
            (services._s(n.get("full_name")), labels["writers"].get(n.get("written_by"), ""))
            for n in p.get("names") or []
            if services._s(n.get("full_name"))
        ]
        persons.append(
            {
                "label": gettext("Person %(n)s") % {"n": k + 1},
                "code": services._s(p.get("code")),
                "names": names,
                "sex": labels["sex"].get(p.get("sex"), ""),
                "nationality": labels["nationalities"].get(p.get("nationality"), ""),
                "birth": _date_text(p.get("birth")) if services._s(p.get("birth")) else "",
                "age": services._s(p.get("estimated_age")),
                "vulnerabilities": [
                    labels["vulnerabilities"].get(v, v)
                    for v in services._strs(p.get("vulnerabilities"))
                ],
            }
        )
    events = []
    for i, e in enumerate(payload.get("events") or []):
        if not isinstance(e, dict) or services._event_is_blank(e):
            continue
        acts = []
        for a in e.get("acts") or []:
            if not isinstance(a, dict) or services._act_is_blank(a):
                continue
            victim = services._s(a.get("victim"))
            if victim == services.GROUP:
                parts = [
                    _counted(services._s(a.get(k)), w)
                    for k, w in (
                        ("group_women", "women"),
                        ("group_men", "men"),
                        ("group_children", "children"),
                    )
                    if services._s(a.get(k))
                ]
                count = services._s(a.get("group_count"))
                if count:
                    victim_text = gettext("a group of %(count)s") % {"count": count} + (
                        f" ({', '.join(parts)})" if parts else ""
                    )
                elif services._s(e.get("group_size")):
                    victim_text = gettext("the event's group (%(group)s)") % {
                        "group": _group_text(e)
                    }
                else:
                    victim_text = gettext("a group of unknown size")
            else:
                victim_text = refs.get(victim, gettext("— no victim —"))
            items = [
                services.ItemInput(
                    services._s(r.get("item")),
                    services._s(r.get("fate")) or "unknown",
                    int(services._s(r.get("quantity")) or 1)
                    if services._s(r.get("quantity")).isdigit()
                    else 1,
                )
                for r in a.get("items") or []
                if isinstance(r, dict) and services._s(r.get("item"))
            ]
            left = services._s(a.get("left_without_identity_document")) or "suggest"
            takes_items = services._s(a.get("violation_type")) in services.ITEM_VIOLATIONS
            if left == "suggest":
                guess = services.suggest_without_identity_document(items)
                left_text = {
                    True: gettext("yes"),
                    False: gettext("no"),
                    None: gettext("not known"),
                }[guess]
                left_text = gettext("%(answer)s (suggested from the items)") % {"answer": left_text}
            else:
                left_text = str(dict(LEFT_CHOICES).get(left, left))
            acts.append(
                {
                    "violation": labels["violations"].get(
                        a.get("violation_type"), gettext("— none —")
                    ),
                    "perpetrator": labels["perpetrators"].get(
                        a.get("perpetrator"), gettext("— none —")
                    ),
                    "victim": victim_text,
                    "items": [
                        f"{labels['items'].get(it.item, it.item)} ×{it.quantity}: "
                        f"{labels['fates'].get(it.fate, it.fate)}"
                        for it in items
                    ],
                    "left": left_text if takes_items else "",
                    "notes": services._s(a.get("notes")),
                }
            )
        events.append(
            {
                "label": gettext("Event %(n)s") % {"n": i + 1},
                "existing": services._s(e.get("existing")),
                "date": _date_text(e.get("date")),
                "place": labels["places"].get(e.get("place"), ""),
                "side": labels["sides"].get(e.get("side"), "") if e.get("side") else "",
                "types": [
                    labels["event_types"].get(t, t) for t in services._strs(e.get("event_types"))
                ],
                "group": gettext("group of %(count)s") % {"count": _group_text(e)}
                if services._s(e.get("group_size"))
                else "",
                "title": services._s(e.get("title")),
                "account": services._s(e.get("account")),
                "acts": acts,
            }
        )
    return {
        "source": {
            "kind": labels["kinds"].get(source.get("kind"), ""),
            "received_on": services._s(source.get("received_on")),
            "interviewer": services._s(source.get("interviewer")),
            "language": labels["languages"].get(source.get("language"), ""),
            "interpreter": services._flag(source.get("interpreter_used")),
            "reliability": labels["reliability"].get(source.get("reliability"), ""),
            "consent": consent,
            "testimony": services._s(source.get("testimony")),
        },
        "persons": persons,
        "events": events,
        "chain": services._flag(payload.get("chain")) and len(events) > 1,
    }


_FORMS_BY_PREFIX = (
    (re.compile(r"s"), SourceForm),
    (re.compile(r"p\d+"), PersonForm),
    (re.compile(r"e\d+"), EventForm),
    (re.compile(r"e\d+-a\d+"), ActForm),
    (re.compile(r"e\d+-a\d+-i\d+"), ItemForm),
)


def _field_name(prefix: str, name: str) -> str:
    """The field as its form labels it (translated), else its name in words."""
    for pattern, form in _FORMS_BY_PREFIX:
        if pattern.fullmatch(prefix) and name in form.base_fields:
            label = form.base_fields[name].label
            if label:
                text = str(label)
                return text[:1].lower() + text[1:]
    return name.replace("_", " ")


def problem_list(problems: dict[str, list[str]]) -> list[dict]:
    """The problems as a list a person reads: where (screen, block, field) and what."""
    out = []
    for key, messages in problems.items():
        step, prefix, name = locate(key)
        where = [str(SCREEN_TITLES[step])]
        if m := re.fullmatch(r"p(\d+)", prefix):
            where.append(gettext("person %(n)s") % {"n": int(m[1]) + 1})
        if m := re.match(r"e(\d+)", prefix):
            where.append(gettext("event %(n)s") % {"n": int(m[1]) + 1})
        if m := re.search(r"-a(\d+)", prefix):
            where.append(gettext("violation %(n)s") % {"n": int(m[1]) + 1})
        if m := re.search(r"-i(\d+)", prefix):
            where.append(gettext("item %(n)s") % {"n": int(m[1]) + 1})
        if prefix and name:
            where.append(_field_name(prefix, name))
        anchor = f"id_{prefix}-{name}" if prefix else ""
        for message in messages:
            out.append(
                {"step": step, "where": ", ".join(where), "message": message, "anchor": anchor}
            )
    return out


# -- translations (on the source's page) ------------------------------------------------------


class TranslationForm(_Shows):
    language = _select(_("Language of the translation"), [("", "—")] + LANGUAGE_CHOICES)
    text = _area(_("Translation"), 6)
    translator_name = _text(
        _("Translated by"), _("leave empty if you translated it; otherwise the translator's name")
    )
