"""Pages for people, events and sources: parse the form, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from bordermonitor.accounts import need_to_know
from bordermonitor.accounts.access import capability_required
from bordermonitor.records import selectors, services
from bordermonitor.records.forms import (
    ActForm,
    EventFilterForm,
    EventForm,
    NameVariantFormSet,
    PersonFilterForm,
    PersonForm,
    RestrictionForm,
    SourceFilterForm,
    SourceForm,
    apply_service_errors,
)

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset, count: int | None = None):
    """One page of a list; `count` when the caller knows it (possibly capped)."""
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # cached_property: no COUNT query of its own
    return paginator.get_page(request.GET.get("page"))


def _filters(form, cls):
    if form.is_valid():
        return cls(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    return cls()


# -- persons -------------------------------------------------------------------


@capability_required("persons.view")
def person_list_view(request: HttpRequest) -> HttpResponse:
    form = PersonFilterForm(request.GET or None)
    people = selectors.person_list(request.user, _filters(form, selectors.PersonFilters))
    return render(
        request, "records/person_list.html", {"form": form, "page": _page(request, people)}
    )


@capability_required("persons.view")
def person_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    person = selectors.access_person(request.user, code)
    return render(
        request,
        "records/person_detail.html",
        {
            "person": person,
            "acts": person.acts.select_related("event", "violation_type", "perpetrator"),
            "sources": selectors.sources_of(request.user, person=person),
        },
    )


@capability_required("persons.view")
def person_timeline_view(request: HttpRequest, code: str) -> HttpResponse:
    person, entries = selectors.person_timeline(request.user, code)
    return render(request, "records/person_timeline.html", {"person": person, "entries": entries})


def _person_save(request, form, names, person=None):
    if not (form.is_valid() and names.is_valid()):
        return None
    spellings = [
        services.NameInput(
            f.cleaned_data["full_name"], f.cleaned_data["written_by"], is_primary=(i == 0)
        )
        for i, f in enumerate(names)
        if f.cleaned_data.get("full_name")
    ]
    data = form.cleaned_data
    fields = dict(
        names=spellings,
        sex=data["sex"],
        birth=data["birth"],
        estimated_age=data["estimated_age"],
        nationality=data["nationality"] or None,
        languages=data["languages"],
        vulnerabilities=data["vulnerabilities"],
        notes=data["notes"],
    )
    try:
        if person is None:
            return services.person_create(created_by=request.user, **fields)
        return services.person_update(person=person, **fields)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        if "names" in exc.message_dict:
            names._non_form_errors = names.error_class(exc.message_dict["names"])
        return None


@capability_required("persons.edit")
@require_http_methods(["GET", "POST"])
def person_create_view(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    names = NameVariantFormSet(request.POST or None, prefix="names")
    if request.method == "POST":
        person = _person_save(request, form, names)
        if person is not None:
            messages.success(request, gettext("Saved %(code)s.") % {"code": person.code})
            return redirect("person-detail", code=person.code)
    return render(
        request, "records/person_form.html", {"form": form, "names": names, "person": None}
    )


@capability_required("persons.edit")
@require_http_methods(["GET", "POST"])
def person_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    person = selectors.access_person(request.user, code, for_edit=True)
    if request.method == "POST":
        form = PersonForm(request.POST)
        names = NameVariantFormSet(request.POST, prefix="names")
        if _person_save(request, form, names, person) is not None:
            messages.success(request, gettext("Saved %(code)s.") % {"code": person.code})
            return redirect("person-detail", code=person.code)
    else:
        birth = person.birth
        form = PersonForm(
            initial={
                "sex": person.sex,
                "birth": birth.as_input() if birth else "",
                "estimated_age": person.estimated_age,
                "nationality": person.nationality.code if person.nationality else "",
                "languages": person.languages,
                "vulnerabilities": person.vulnerabilities,
                "notes": person.notes or "",
            }
        )
        names = NameVariantFormSet(
            prefix="names",
            initial=[
                {"full_name": v.full_name, "written_by": v.written_by}
                for v in person.name_variants.all()
            ],
        )
    return render(
        request, "records/person_form.html", {"form": form, "names": names, "person": person}
    )


# -- events --------------------------------------------------------------------


def event_filters(request: HttpRequest) -> tuple[EventFilterForm, selectors.EventFilters]:
    """The event filter form from the query string, and what it asks for (shared with
    the map, so both pages narrow events the same way)."""
    form = EventFilterForm(request.GET or None, user=request.user)
    return form, _filters(form, selectors.EventFilters)


@capability_required("events.view")
def event_list_view(request: HttpRequest) -> HttpResponse:
    form, filters = event_filters(request)
    count = selectors.event_count(request.user, filters)
    events = selectors.event_list(request.user, filters, many=not count.exact)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "records/event_list.html",
        {
            "form": form,
            "page": _page(request, events, count.value),
            "count": count,
            "query": query.urlencode(),
        },
    )


@capability_required("events.view")
def event_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.access_event(request.user, code)
    return render(
        request,
        "records/event_detail.html",
        {
            "event": event,
            "act_form": ActForm() if request.user.can("events.edit") else None,
            "sources": selectors.sources_of(request.user, event=event),
        },
    )


def _event_fields(data: dict) -> dict:
    return dict(
        date=data["date"],
        title=data["title"],
        place=data["place"] or None,
        latitude=data["latitude"],
        longitude=data["longitude"],
        side=data["side"] or None,
        border_section=data["border_section"] or None,
        event_types=data["event_types"],
        description=data["description"],
        counts=services.GroupCounts(
            group_size=data["group_size"],
            women=data["women_count"],
            men=data["men_count"],
            children=data["children_count"],
        ),
    )


@capability_required("events.edit")
@require_http_methods(["GET", "POST"])
def event_create_view(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                created_by=request.user, **_event_fields(form.cleaned_data)
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("Saved %(code)s.") % {"code": event.code})
            return redirect("event-detail", code=event.code)
    return render(request, "records/event_form.html", {"form": form, "event": None})


@capability_required("events.edit")
@require_http_methods(["GET", "POST"])
def event_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.access_event(request.user, code, for_edit=True)
    if request.method == "POST":
        form = EventForm(request.POST)
        if form.is_valid():
            try:
                services.event_update(event=event, **_event_fields(form.cleaned_data))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("Saved %(code)s.") % {"code": event.code})
                return redirect("event-detail", code=event.code)
    else:
        form = EventForm(
            initial={
                "date": event.date.as_input(),
                "title": event.title,
                "place": event.place.code if event.place else "",
                "latitude": event.latitude,
                "longitude": event.longitude,
                "side": event.side,
                "border_section": event.border_section.code if event.border_section else "",
                "event_types": [t.code for t in event.event_types.all()],
                "description": event.description or "",
                "group_size": event.group_size,
                "women_count": event.women_count,
                "men_count": event.men_count,
                "children_count": event.children_count,
            }
        )
    return render(request, "records/event_form.html", {"form": form, "event": event})


@capability_required("events.edit")
@require_POST
def act_create_view(request: HttpRequest, code: str) -> HttpResponse:
    event = selectors.access_event(request.user, code, for_edit=True)
    form = ActForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        victim = None
        try:
            if data["victim"]:
                try:
                    victim = selectors.access_person(request.user, data["victim"])
                except Http404:
                    raise ValidationError(
                        {
                            "victim": gettext("no person with code %(code)s")
                            % {"code": data["victim"]}
                        }
                    ) from None
            services.act_create(
                event=event,
                violation_type=data["violation_type"],
                perpetrator=data["perpetrator"],
                victim=victim,
                victim_group_count=data["victim_group_count"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("Act added."))
            return redirect("event-detail", code=event.code)
    return render(
        request,
        "records/event_detail.html",
        {
            "event": event,
            "act_form": form,
            "sources": selectors.sources_of(request.user, event=event),
        },
        status=400,
    )


# -- sources -------------------------------------------------------------------


@capability_required("sources.view")
def source_list_view(request: HttpRequest) -> HttpResponse:
    form = SourceFilterForm(request.GET or None)
    sources = selectors.source_list(request.user, _filters(form, selectors.SourceFilters))
    return render(
        request, "records/source_list.html", {"form": form, "page": _page(request, sources)}
    )


@capability_required("sources.view")
def source_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    source = selectors.access_source(request.user, code)
    return render(request, "records/source_detail.html", {"source": source})


def _source_links(request, form):
    events, persons, errors = [], [], {}
    for code in form.cleaned_data["events"]:
        try:
            events.append(selectors.access_event(request.user, code))
        except Http404:
            errors["events"] = gettext("no event with code %(code)s") % {"code": code}
    for code in form.cleaned_data["persons"]:
        try:
            persons.append(selectors.access_person(request.user, code))
        except Http404:
            errors["persons"] = gettext("no person with code %(code)s") % {"code": code}
    if errors:
        raise ValidationError(errors)
    return events, persons


def _source_fields(data: dict) -> dict:
    return dict(
        kind=data["kind"],
        received_on=data["received_on"],
        reliability=data["reliability"],
        language=data["language"],
        interpreter_used=data["interpreter_used"],
        consent=services.Consent(
            quote=data["consent_quote"],
            share_un=data["consent_share_un"],
            publish_anonymously=data["consent_publish_anonymously"],
            internal_only=data["internal_only"],
        ),
        testimony=data["testimony"],
    )


@capability_required("sources.edit")
@require_http_methods(["GET", "POST"])
def source_create_view(request: HttpRequest) -> HttpResponse:
    form = SourceForm(request.POST or None, initial={"internal_only": True})
    if request.method == "POST" and form.is_valid():
        try:
            events, persons = _source_links(request, form)
            source = services.source_create(
                created_by=request.user,
                interviewer=request.user,
                events=events,
                persons=persons,
                **_source_fields(form.cleaned_data),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("Saved %(code)s.") % {"code": source.code})
            return redirect("source-detail", code=source.code)
    return render(request, "records/source_form.html", {"form": form, "source": None})


@capability_required("sources.edit")
@require_http_methods(["GET", "POST"])
def source_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    source = selectors.access_source(request.user, code, for_edit=True)
    if request.method == "POST":
        form = SourceForm(request.POST)
        if form.is_valid():
            try:
                events, persons = _source_links(request, form)
                services.source_update(
                    source=source,
                    events=events,
                    persons=persons,
                    **_source_fields(form.cleaned_data),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("Saved %(code)s.") % {"code": source.code})
                return redirect("source-detail", code=source.code)
    else:
        form = SourceForm(
            initial={
                "kind": source.kind,
                "received_on": source.received_on,
                "reliability": source.reliability,
                "language": source.language,
                "interpreter_used": source.interpreter_used,
                "internal_only": source.internal_only,
                "consent_quote": source.consent_quote,
                "consent_share_un": source.consent_share_un,
                "consent_publish_anonymously": source.consent_publish_anonymously,
                "testimony": source.testimony or "",
                "events": ", ".join(e.code for e in source.events.all()),
                "persons": ", ".join(p.code for p in source.persons.all()),
            }
        )
    return render(request, "records/source_form.html", {"form": form, "source": source})


def restriction_post(request: HttpRequest, record, detail_url: str) -> HttpResponse:
    """Apply the restriction form to a testimony, case or detention the coordinator has
    opened, then back to its page (shared by the records and tracing views)."""
    form = RestrictionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("team", [])))
        return redirect(detail_url, code=record.code)
    need_to_know.restriction_set(
        record,
        restricted=form.cleaned_data["restricted"],
        team=form.cleaned_data["team"],
        by=request.user,
    )
    messages.success(request, gettext("Saved %(code)s.") % {"code": record.code})
    return redirect(detail_url, code=record.code)


@capability_required("restricted.assign")
@require_POST
def source_restriction_view(request: HttpRequest, code: str) -> HttpResponse:
    return restriction_post(request, selectors.access_source(request.user, code), "source-detail")
