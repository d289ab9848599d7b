"""The coordinators' review queue: proposed pairs side by side, verdicts, undoing links."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from bordermonitor.accounts.access import capability_required
from bordermonitor.linkage import selectors, services
from bordermonitor.linkage.forms import DecisionForm, UndoForm
from bordermonitor.linkage.models import CONFIRMED, MatchDecision
from bordermonitor.records import selectors as record_selectors
from bordermonitor.records.forms import apply_service_errors
from bordermonitor.records.models import Person
from bordermonitor.tracing import selectors as tracing_selectors
from bordermonitor.tracing.forms import ConfirmClosingForm
from bordermonitor.tracing.models import CLOSED, DeathRecord, TracingCase


def _threshold(request: HttpRequest) -> float:
    try:
        value = float(request.GET.get("threshold", selectors.REVIEW_THRESHOLD))
    except ValueError:
        return selectors.REVIEW_THRESHOLD
    return min(max(value, 0.0), 1.0)


def _queue(request: HttpRequest, *, failed=None, status: int = 200) -> HttpResponse:
    threshold = _threshold(request)
    rows = []
    for match in selectors.review_queue(threshold=threshold):
        left, right = selectors.side_by_side(match)
        # one form per pair on one page: ids made unique, so each label finds its field
        form = DecisionForm(
            initial={"person": match.person.code, "other": match.other.code},
            auto_id=f"{match.anchor}-%s",
        )
        if failed is not None and failed[0].data.get("other") == match.other.code:
            form = failed[0]
            form.auto_id = f"{match.anchor}-%s"
        rows.append({"match": match, "left": left, "right": right, "form": form})
    unsure = []
    for d in selectors.decisions_to_review_again():
        anchor = _anchor(d)
        form = DecisionForm(initial=_codes(d), auto_id=f"unsure-{anchor}-%s")
        unsure.append({"decision": d, "form": form, "anchor": anchor})
    links = []
    for d in selectors.confirmed_links():
        anchor = _anchor(d)
        form = UndoForm(initial={"decision": d.pk}, auto_id=f"link-{anchor}-%s")
        links.append({"decision": d, "form": form, "anchor": anchor})
    context = {
        "rows": rows,
        "unsure": unsure,
        "links": links,
        "threshold": threshold,
        "failed": failed,
    }
    return render(request, "linkage/review_queue.html", context, status=status)


def _codes(decision: MatchDecision) -> dict:
    other = decision.other_person or decision.death
    return {"person": decision.person.code, "other": other.code}


def _anchor(decision: MatchDecision) -> str:
    """The same anchor as `PossibleMatch.anchor`, so a record's page can point here."""
    codes = _codes(decision)
    return "pair-" + "-".join(sorted((codes["person"], codes["other"])))


@capability_required("matching.review")
def review_queue_view(request: HttpRequest) -> HttpResponse:
    """Pairs the model proposes and nobody has decided yet, best first."""
    return _queue(request)


def _other(request: HttpRequest, code: str) -> Person | DeathRecord:
    if code.startswith(DeathRecord.CODE_PREFIX + "-"):
        return tracing_selectors.access_death(request.user, code)
    return record_selectors.access_person(request.user, code)


@capability_required("matching.review")
@require_POST
def decide_view(request: HttpRequest) -> HttpResponse:
    """Record confirm / reject / unsure; a confirmed body goes on to closing the cases."""
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            person = record_selectors.access_person(request.user, data["person"])
            other = _other(request, data["other"])
        except Http404:
            form.add_error(None, gettext("no such record"))
        else:
            try:
                decision = services.match_decide(
                    person, other, verdict=data["verdict"], reason=data["reason"], by=request.user
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                said = {"a": person.code, "b": other.code, "v": decision.get_verdict_display()}
                messages.success(request, gettext("%(a)s and %(b)s: %(v)s.") % said)
                if decision.verdict == CONFIRMED and decision.death_id:
                    return _death_handover(request, decision.death)
                return redirect("linkage-review")
    return _queue(request, failed=(form,), status=400)


def _death_handover(request: HttpRequest, death: DeathRecord) -> HttpResponse:
    """Tracing's proposal step: which of the person's open cases to close as deceased."""
    death.refresh_from_db()
    cases = list(TracingCase.objects.filter(person=death.person).exclude(status=CLOSED))
    return render(
        request,
        "tracing/death_confirm.html",
        {"death": death, "cases": cases, "form": ConfirmClosingForm(cases=cases)},
    )


@capability_required("matching.review")
@require_POST
def undo_view(request: HttpRequest) -> HttpResponse:
    """Undo a confirmed link; both records return to what they were."""
    form = UndoForm(request.POST)
    if form.is_valid():
        decision = MatchDecision.objects.filter(pk=form.cleaned_data["decision"]).first()
        if decision is None:
            form.add_error(None, gettext("no such decision"))
        else:
            try:
                services.match_undo(decision, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("The link was undone."))
                return redirect("linkage-review")
    messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _queue(request, status=400)
