"""Pages of the tracing officer: parse the form, call a tracing service, render.

Access is checked twice on purpose: the page's capability (403) and the record's
selector (`access_*`, 404), so a role without tracing never learns a code exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from bordermonitor.accounts.access import capability_required
from bordermonitor.accounts.models import User
from bordermonitor.core.codes import today
from bordermonitor.core.dates import FuzzyDate
from bordermonitor.core.pdf import html_to_pdf
from bordermonitor.linkage import selectors as linkage_selectors
from bordermonitor.records import selectors as record_selectors
from bordermonitor.records import services as record_services
from bordermonitor.records import views as record_views
from bordermonitor.records.forms import PersonForm
from bordermonitor.records.services import NameInput
from bordermonitor.tracing import selectors, services
from bordermonitor.tracing.forms import (
    AnswerForm,
    AssignForm,
    CaseFilterForm,
    ConfirmClosingForm,
    DeathForm,
    DetentionForm,
    FollowUpForm,
    IdentifyForm,
    LetterForm,
    MissingReportForm,
    NameVariantFormSet,
    PeriodForm,
    RelayForm,
    TransitionForm,
    apply_service_errors,
)
from bordermonitor.tracing.models import DeathRecord, TracingCase

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _person(request: HttpRequest, code: str, field: str = "person"):
    """A person by code for a form field; unknown and hidden codes read the same."""
    try:
        return record_selectors.access_person(request.user, code.strip())
    except Http404:
        raise ValidationError(
            {field: gettext("no person with code %(code)s") % {"code": code}}
        ) from None


# -- cases ---------------------------------------------------------------------------


@capability_required("tracing.view")
def case_list_view(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    filters = selectors.CaseFilters()
    if form.is_valid():
        filters = selectors.CaseFilters(
            **{k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        )
    cases = selectors.case_list(request.user, filters)
    return render(request, "tracing/case_list.html", {"form": form, "page": _page(request, cases)})


def _report_fields(data: dict) -> dict:
    return dict(
        received_on=data["received_on"],
        reporter_relationship=data["reporter_relationship"],
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        reporter_whatsapp=data["reporter_whatsapp"],
        reporter_telegram=data["reporter_telegram"],
        reporter_email=data["reporter_email"],
        reporter_language=data["reporter_language"],
        last_contact=data["last_contact"],
        last_contact_place=data["last_contact_place"] or None,
        last_contact_side=data["last_contact_side"] or "??",
        last_phone=data["last_phone"],
        companions=data["companions"],
        heading_to=data["heading_to"],
        circumstances=data["circumstances"],
    )


def _report_save(request: HttpRequest, form: MissingReportForm, names):
    if not (form.is_valid() and names.is_valid()):
        return None
    data = form.cleaned_data
    spellings = [
        NameInput(f.cleaned_data["full_name"], f.cleaned_data["written_by"], is_primary=(i == 0))
        for i, f in enumerate(names)
        if f.cleaned_data.get("full_name")
    ]
    try:
        if data["person"]:
            person = _person(request, data["person"])
            return services.missing_report_file(
                person=person, by=request.user, **_report_fields(data)
            )
        if not spellings:
            raise ValidationError(
                {"person": gettext("give the missing person's name, or the code of a person")}
            )
        birth = FuzzyDate.year(data["birth_year"]) if data["birth_year"] else None
        return services.missing_report_file_new_person(
            names=spellings,
            sex=data["sex"],
            birth=birth,
            nationality=data["nationality"] or None,
            by=request.user,
            **_report_fields(data),
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None


@capability_required("tracing.edit")
@require_http_methods(["GET", "POST"])
def report_create_view(request: HttpRequest) -> HttpResponse:
    """File a relative's report; a person with an active case joins that case."""
    initial = {"received_on": today(), "person": request.GET.get("person", "")}
    form = MissingReportForm(request.POST or None, initial=initial)
    names = NameVariantFormSet(request.POST or None, prefix="names")
    if request.method == "POST":
        report = _report_save(request, form, names)
        if report is not None:
            messages.success(
                request,
                gettext("Report %(report)s filed in case %(case)s.")
                % {"report": report.code, "case": report.case.code},
            )
            return redirect("tracing-case-detail", code=report.case.code)
    return render(request, "tracing/report_form.html", {"form": form, "names": names})


def _case_context(request: HttpRequest, case: TracingCase, **extra) -> dict:
    day = today()
    interventions = list(case.interventions.select_related("recipient", "follow_up_of"))
    for i in interventions:
        i.days_overdue = (day - i.due_on).days if not i.is_answered and i.due_on < day else 0
    context = {
        "case": case,
        "person": case.person,
        "reports": case.reports.select_related("last_contact_place"),
        "transitions": case.transitions.select_related("by"),
        "interventions": interventions,
        "detentions": selectors.detentions_of(request.user, case.person),
        "deaths": DeathRecord.objects.filter(person=case.person),
        "transition_form": TransitionForm(case=case),
        "assign_form": AssignForm(initial={"officer": case.assigned_to_id or ""}),
        "letter_form": LetterForm(initial={"language": "en", "format": "html"}),
        "can_edit": request.user.can("tracing.edit"),
        "can_detain": request.user.can("detentions.edit"),
        "possible_matches": linkage_selectors.possible_matches(case.person, user=request.user),
    }
    context.update(extra)
    return context


@capability_required("tracing.view")
def case_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.access_case(request.user, code)
    return render(request, "tracing/case_detail.html", _case_context(request, case))


@capability_required("tracing.edit")
@require_http_methods(["GET", "POST"])
def case_transition_view(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.access_case(request.user, code, for_edit=True)
    form = TransitionForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_transition(
                case, data["to"], outcome=data["outcome"], by=request.user, why=data["why"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("Case %(code)s updated.") % {"code": case.code})
            return redirect("tracing-case-detail", code=case.code)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "tracing/transition_form.html", {"case": case, "form": form}, status=status
    )


@capability_required("tracing.edit")
@require_POST
def case_assign_view(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.access_case(request.user, code, for_edit=True)
    form = AssignForm(request.POST)
    if form.is_valid():
        officer = None
        if form.cleaned_data["officer"]:
            officer = User.objects.filter(pk=form.cleaned_data["officer"]).first()
        try:
            services.case_assign(case, officer=officer, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, gettext("Case %(code)s assigned.") % {"code": case.code})
            return redirect("tracing-case-detail", code=case.code)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return render(
        request,
        "tracing/case_detail.html",
        _case_context(request, case, assign_form=form),
        status=400,
    )


@capability_required("tracing.edit")
@require_http_methods(["GET", "POST"])
def case_relay_view(request: HttpRequest, code: str) -> HttpResponse:
    """Send the case to an authority or organisation; the due date follows the recipient."""
    case = selectors.access_case(request.user, code, for_edit=True)
    form = RelayForm(request.POST or None, initial={"sent_on": today(), "channel": "email"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            intervention = services.relay_to_authority(
                case,
                data["recipient"],
                sent_on=data["sent_on"],
                channel=data["channel"],
                reference=data["reference"],
                due_on=data["due_on"],
                request_summary=data["request_summary"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("Request %(code)s recorded, answer due %(due)s.")
                % {"code": intervention.code, "due": intervention.due_on.isoformat()},
            )
            return redirect("tracing-case-detail", code=case.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "tracing/relay_form.html", {"case": case, "form": form}, status=status)


@capability_required("tracing.view")
def case_letter_view(request: HttpRequest, code: str) -> HttpResponse:
    """The family letter of one case, in the language chosen for the letter."""
    case = selectors.access_case(request.user, code)
    form = LetterForm({"language": "en", "format": "html", **request.GET.dict()})
    if not form.is_valid():
        return render(
            request,
            "tracing/case_detail.html",
            _case_context(request, case, letter_form=form),
            status=400,
        )
    language, fmt = form.cleaned_data["language"], form.cleaned_data["format"]
    facts = selectors.letter_facts(case, request.user)
    with translation.override(language):
        html = render_to_string(
            "tracing/letter.html",
            {"facts": facts, "case": case, "language": language, "for_pdf": fmt == "pdf"},
            request=request,  # the CSP nonce admitting the letter's own <style>
        )
    filename = f"{case.code}-letter-{language}"
    if fmt == "pdf":
        pdf = html_to_pdf(html)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    else:
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


# -- requests and answers --------------------------------------------------------------


@capability_required("tracing.edit")
@require_http_methods(["GET", "POST"])
def intervention_answer_view(request: HttpRequest, code: str) -> HttpResponse:
    intervention = selectors.access_intervention(request.user, code, for_edit=True)
    form = AnswerForm(
        request.POST or None,
        initial={
            "answered_on": intervention.answered_on or today(),
            "summary": intervention.answer_summary or "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_answer(
                intervention,
                answered_on=form.cleaned_data["answered_on"],
                summary=form.cleaned_data["summary"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, gettext("Answer to %(code)s recorded.") % {"code": intervention.code}
            )
            return _back_to(intervention)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "tracing/intervention_form.html",
        {"intervention": intervention, "form": form, "kind": "answer"},
        status=status,
    )


def _back_to(intervention) -> HttpResponse:
    if intervention.case_id:
        return redirect("tracing-case-detail", code=intervention.case.code)
    return redirect("event-detail", code=intervention.event.code)


@capability_required("tracing.edit")
@require_http_methods(["GET", "POST"])
def intervention_follow_up_view(request: HttpRequest, code: str) -> HttpResponse:
    intervention = selectors.access_intervention(request.user, code, for_edit=True)
    form = FollowUpForm(
        request.POST or None, initial={"sent_on": today(), "channel": intervention.channel}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            follow_up = services.intervention_follow_up(
                intervention,
                sent_on=data["sent_on"],
                channel=data["channel"],
                reference=data["reference"],
                due_on=data["due_on"],
                request_summary=data["request_summary"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, gettext("Follow-up %(code)s recorded.") % {"code": follow_up.code}
            )
            return _back_to(intervention)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "tracing/intervention_form.html",
        {"intervention": intervention, "form": form, "kind": "follow_up"},
        status=status,
    )


# -- deaths ---------------------------------------------------------------------------


@capability_required("tracing.view")
def death_list_view(request: HttpRequest) -> HttpResponse:
    deaths = DeathRecord.objects.select_related("place", "nationality", "person")
    totals = selectors.tracing_totals(None, None)["deaths"]
    return render(
        request,
        "tracing/death_list.html",
        {"page": _page(request, deaths), "totals": totals},
    )


@capability_required("tracing.edit")
@require_http_methods(["GET", "POST"])
def death_create_view(request: HttpRequest) -> HttpResponse:
    form = DeathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            death = services.death_record(
                found=data["found"],
                confirmation=data["confirmation"],
                place=data["place"] or None,
                side=data["side"] or "??",
                nationality=data["nationality"] or None,
                sex=data["sex"],
                age_min=data["age_min"],
                age_max=data["age_max"],
                presumed_cause=data["presumed_cause"],
                description=data["description"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("Saved %(code)s.") % {"code": death.code})
            return redirect("tracing-death-identify", code=death.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "tracing/death_form.html", {"form": form}, status=status)


def _proposal(request: HttpRequest, death: DeathRecord, status: int = 200) -> HttpResponse:
    cases = list(selectors.cases_of(request.user, death.person, active_only=True))
    return render(
        request,
        "tracing/death_confirm.html",
        {"death": death, "cases": cases, "form": ConfirmClosingForm(cases=cases)},
        status=status,
    )


@capability_required("tracing.edit")
@require_http_methods(["GET", "POST"])
def death_identify_view(request: HttpRequest, code: str) -> HttpResponse:
    """Link a body to a person, then propose closing that person's open cases."""
    death = selectors.access_death(request.user, code, for_edit=True)
    form = IdentifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = _person(request, form.cleaned_data["person"])
            services.death_identify(
                death, person, by=request.user, presumed=form.cleaned_data["presumed"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("%(death)s linked to %(person)s.")
                % {"death": death.code, "person": person.code},
            )
            return _proposal(request, death)
    status = 400 if request.method == "POST" else 200
    matches = linkage_selectors.possible_matches(death, user=request.user)
    context = {"death": death, "form": form, "possible_matches": matches}
    return render(request, "tracing/death_identify.html", context, status=status)


@capability_required("tracing.edit")
@require_POST
def death_confirm_view(request: HttpRequest, code: str) -> HttpResponse:
    """Close the cases the officer confirmed as deceased (the proposal's second step)."""
    death = selectors.access_death(request.user, code, for_edit=True)
    if death.person_id is None:
        raise Http404("no such record")
    cases = list(selectors.cases_of(request.user, death.person, active_only=True))
    form = ConfirmClosingForm(request.POST, cases=cases)
    if form.is_valid():
        chosen = [c for c in cases if c.code in form.cleaned_data["cases"]]
        try:
            closed = services.death_identification_confirm(
                death, cases=chosen, by=request.user, why=form.cleaned_data["why"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                gettext("%(count)s case(s) closed as deceased.") % {"count": len(closed)},
            )
            return redirect("tracing-death-list")
    return _proposal(request, death, status=400)


# -- detentions -------------------------------------------------------------------------


@capability_required("detentions.edit")
@require_http_methods(["GET", "POST"])
def person_detention_create_view(request: HttpRequest, code: str) -> HttpResponse:
    """Record a detention of a person, optionally linked to one of their cases."""
    person = record_selectors.access_person(request.user, code)
    cases = list(selectors.cases_of(request.user, person))
    form = DetentionForm(
        request.POST or None, cases=cases, initial={"case": request.GET.get("case", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = next((c for c in cases if c.code == data["case"]), None)
        try:
            detention = services.detention_record(
                person=person,
                facility=data["facility"] or None,
                facility_text=data["facility_text"],
                detained_from=data["detained_from"],
                detained_to=data["detained_to"],
                legal_ground=data["legal_ground"],
                outcome=data["outcome"],
                case=case,
                notes=data["notes"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("Saved %(code)s.") % {"code": detention.code})
            # straight to the page that shows who the detainee may be (issue 5)
            return redirect("tracing-detention-detail", code=detention.code)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "tracing/detention_form.html", {"person": person, "form": form}, status=status
    )


@capability_required("tracing.view")
def detention_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    """A detention or deportation, and who the detainee may be among the other records
    (missing people above all: a name on an official list is what families wait for)."""
    detention = selectors.access_detention(request.user, code)
    person = detention.person
    others = selectors.detentions_of(request.user, person, exclude=detention)
    context = {
        "detention": detention,
        "person": person,
        "other_detentions": others.select_related("facility"),
        "cases": selectors.cases_of(request.user, person),
        "can_detain": request.user.can("detentions.edit"),
        "possible_matches": linkage_selectors.possible_matches(detention, user=request.user),
    }
    return render(request, "tracing/detention_detail.html", context)


@capability_required("tracing.view")
def detention_list_view(request: HttpRequest) -> HttpResponse:
    """Detentions and deportations, newest first; each page shows who the detainee may be."""
    detentions = selectors.detentions_for(request.user).order_by("-detained_from", "-created_at")
    return render(
        request,
        "tracing/detention_list.html",
        {"page": _page(request, detentions), "can_detain": request.user.can("detentions.edit")},
    )


@capability_required("detentions.edit")
@require_http_methods(["GET", "POST"])
def detention_create_view(request: HttpRequest) -> HttpResponse:
    """A detention of someone not yet in the records (a name on an official list): the
    person and the detention are saved together or not at all, then matched."""
    person_form = PersonForm(request.POST or None, prefix="person")
    names = NameVariantFormSet(request.POST or None, prefix="names")
    form = DetentionForm(request.POST or None, prefix="detention")
    if request.method == "POST" and all(f.is_valid() for f in (person_form, names, form)):
        who, data = person_form.cleaned_data, form.cleaned_data
        spellings = [
            NameInput(f.cleaned_data["full_name"], f.cleaned_data["written_by"], is_primary=i == 0)
            for i, f in enumerate(names)
            if f.cleaned_data.get("full_name")
        ]
        failed = person_form  # whose fields the service's errors are about
        try:
            with transaction.atomic():
                person = record_services.person_create(
                    names=spellings,
                    created_by=request.user,
                    sex=who["sex"],
                    birth=who["birth"],
                    estimated_age=who["estimated_age"],
                    nationality=who["nationality"] or None,
                    languages=who["languages"],
                    vulnerabilities=who["vulnerabilities"],
                    notes=who["notes"],
                )
                failed = form
                detention = services.detention_record(
                    person=person,
                    facility=data["facility"] or None,
                    facility_text=data["facility_text"],
                    detained_from=data["detained_from"],
                    detained_to=data["detained_to"],
                    legal_ground=data["legal_ground"],
                    outcome=data["outcome"],
                    notes=data["notes"],
                    by=request.user,
                )
        except ValidationError as exc:
            errors = dict(exc.message_dict)
            if failed is person_form and "names" in errors:
                names._non_form_errors = names.error_class(errors.pop("names"))
            if errors:
                apply_service_errors(failed, ValidationError(errors))
        else:
            messages.success(
                request,
                gettext("Saved %(code)s.") % {"code": f"{person.code}, {detention.code}"},
            )
            return redirect("tracing-detention-detail", code=detention.code)
    status = 400 if request.method == "POST" else 200
    context = {"person_form": person_form, "names": names, "form": form}
    return render(request, "tracing/detention_new.html", context, status=status)


# -- figures --------------------------------------------------------------------------


@capability_required("tracing.stats")
def stats_view(request: HttpRequest) -> HttpResponse:
    """Per recipient: sent, answered, answer rate, median days, unanswered past due."""
    form = PeriodForm(request.GET or None)
    date_from = date_to = None
    if form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    stats = selectors.recipient_answer_stats(date_from, date_to) if not form.errors else []
    return render(
        request,
        "tracing/stats.html",
        {"form": form, "stats": stats},
        status=400 if form.errors else 200,
    )


@capability_required("restricted.assign")
@require_POST
def case_restriction_view(request: HttpRequest, code: str) -> HttpResponse:
    """Mark a case restricted to a team (coordinators; need-to-know)."""
    case = selectors.access_case(request.user, code)
    return record_views.restriction_post(request, case, "tracing-case-detail")


@capability_required("restricted.assign")
@require_POST
def detention_restriction_view(request: HttpRequest, code: str) -> HttpResponse:
    """Mark a detention restricted to a team (coordinators; need-to-know)."""
    detention = selectors.access_detention(request.user, code)
    return record_views.restriction_post(request, detention, "tracing-detention-detail")
