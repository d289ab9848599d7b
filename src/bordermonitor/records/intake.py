"""Testimony intake: record one interview in at most three screens, saved as a draft
while the monitor types.

1. the source (kind, date, interviewer, language, consent, testimony as told);
2. people, then events in order with their violations, victims and items;
3. review and save: `services.testimony_record`, one transaction.

Every screen works as plain HTML forms (buttons submit, the server redirects back).
With JavaScript, htmx posts the whole screen to `intake-autosave` on change and after
two seconds without typing, and swaps the screen in place for the add / remove
buttons; `records/intake.js` keeps unsent typing in this tab's sessionStorage and
restores it after a reload.  Drafts are addressed by code (`?draft=D-2025-00001`),
never by anything typed, and only their owner may open them.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bordermonitor.accounts.access import capability_required
from bordermonitor.core.dates import FuzzyDateError, parse_fuzzy_date
from bordermonitor.records import intake_forms as screens
from bordermonitor.records import selectors, services
from bordermonitor.records.matching_events import candidate_events
from bordermonitor.records.models import LANGUAGE_CHOICES, Draft
from bordermonitor.records.stories import story_with_details

SCREEN_URLS = {1: "intake-source", 2: "intake-events", 3: "intake-review"}
SCREEN_TEMPLATES = {
    1: "records/intake/source.html",
    2: "records/intake/events.html",
    3: "records/intake/review.html",
}


# -- drafts: reads -------------------------------------------------------------------------


def _draft(request: HttpRequest, code: str | None) -> Draft | None:
    """The user's own open draft with this code; 404 for anyone else's, as for none."""
    code = (code or "").strip()
    if not code:
        return None
    draft = Draft.objects.filter(
        code=code, owner=request.user, kind="intake", completed_at__isnull=True
    ).first()
    if draft is None:
        raise Http404("no such draft")
    return draft


def _revision(draft: Draft | None) -> str:
    return f"{draft.updated_at.timestamp():.6f}" if draft else ""


def _screen_url(step: int, draft: Draft | None, anchor: str = "", **params) -> str:
    query = {"draft": draft.code} if draft else {}
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    url = reverse(SCREEN_URLS[step])
    return url + (f"?{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# -- rendering -----------------------------------------------------------------------------


def _render(
    request: HttpRequest,
    step: int,
    draft: Draft | None,
    payload: dict,
    *,
    problems: dict[str, list[str]] | None = None,
    status: int = 200,
    focus: str = "",
    match: int | None = None,
    banner: str = "",
) -> HttpResponse:
    problems = problems or {}
    context: dict = {
        "step": step,
        "title": screens.SCREEN_TITLES[step],
        "steps": screens.SCREEN_TITLES,
        "draft": draft,
        "revision": _revision(draft),
        "banner": banner,
        "action_url": reverse(SCREEN_URLS[step]),
        "screen_url": _screen_url(step, draft),
        "autosave_url": reverse("intake-autosave"),
    }
    if step == 1:
        context.update(screens.source_screen(payload, screens.on_screen(problems, 1)))
        screens.autofocus([context["form"]], focus, "s-kind")
    elif step == 2:
        screen = screens.events_screen(payload, screens.on_screen(problems, 2))
        if match is not None and 0 <= match < len(screen.events):
            screen.events[match].candidates = _candidates(request, payload, match)
        context["screen"] = screen
        first = screen.persons[0].prefix + "-name" if screen.persons else "e0-date"
        screens.autofocus(screen.forms(), focus, first)
    else:
        problems = problems or screens.problems_of(payload)
        context["review"] = screens.review(payload)
        context["problems"] = screens.problem_list(problems)
    response = render(request, SCREEN_TEMPLATES[step], context, status=status)
    if _is_htmx(request):
        response["HX-Replace-Url"] = _screen_url(step, draft)
    return response


def _candidates(request: HttpRequest, payload: dict, index: int) -> list:
    event = (payload.get("events") or [])[index]
    try:
        date = parse_fuzzy_date(services._s(event.get("date")))
    except FuzzyDateError:
        return []
    group = services._s(event.get("group_size"))
    taken = [services._s(e.get("existing")) for e in payload.get("events") or []]
    return candidate_events(
        request.user,
        date=date,
        place=services._s(event.get("place")),
        border_section=services._s(event.get("border_section")),
        side=services._s(event.get("side")),
        group_size=int(group) if group.isdigit() else None,
        exclude=[c for c in taken if c],
    )


def _save(request: HttpRequest, draft: Draft | None, payload: dict, step: int) -> Draft:
    return services.draft_save(owner=request.user, payload=payload, step=step, draft=draft)


# -- the drafts list, new, discard ---------------------------------------------------------


@capability_required("sources.edit")
@never_cache
def intake_drafts_view(request: HttpRequest) -> HttpResponse:
    """Testimonies in progress, to resume or discard, and the way to start a new one."""
    drafts = Draft.objects.filter(owner=request.user, kind="intake", completed_at__isnull=True)
    rows = []
    for d in drafts.order_by("-updated_at"):
        payload = d.payload or {}
        source = payload.get("source") or {}
        events = [e for e in payload.get("events") or [] if not services._event_is_blank(e)]
        rows.append(
            {
                "draft": d,
                "url": _screen_url(d.step, d),
                "received_on": services._s(source.get("received_on")),
                "language": dict(LANGUAGE_CHOICES).get(source.get("language"), ""),
                "events": len(events),
                "screen": screens.SCREEN_TITLES.get(d.step, ""),
            }
        )
    return render(request, "records/intake/drafts.html", {"rows": rows})


@capability_required("sources.edit")
@require_POST
def intake_new_view(request: HttpRequest) -> HttpResponse:
    """Open a draft at once, so every later autosave updates the same one."""
    draft = _save(request, None, screens.initial_payload(request.user), 1)
    return redirect(_screen_url(1, draft))


@capability_required("sources.edit")
@require_POST
def intake_discard_view(request: HttpRequest) -> HttpResponse:
    """Discard asks first (works without JavaScript): the second post destroys the draft."""
    draft = _draft(request, request.POST.get("draft"))
    if draft is None:
        raise Http404("no such draft")
    if request.POST.get("confirm") != "1":
        return render(request, "records/intake/discard.html", {"draft": draft})
    code = draft.code
    services.draft_discard(draft=draft, by=request.user)
    messages.success(
        request,
        gettext("Draft %(code)s discarded; what was typed in it is destroyed.") % {"code": code},
    )
    return redirect("intake-drafts")


# -- autosave ------------------------------------------------------------------------------


@capability_required("sources.edit")
@require_POST
@never_cache
def intake_autosave_view(request: HttpRequest) -> HttpResponse:
    """Keep the screen as typed (htmx, on change and after a pause in typing).  Answers
    a short status, never the content; the new revision goes in `HX-Trigger` so the page
    knows its browser copy is no longer needed."""
    draft = _draft(request, request.POST.get("draft"))
    raw_step = request.POST.get("step", "1")
    step = int(raw_step) if raw_step in ("1", "2", "3") else 1
    payload = screens.merge_screen(
        draft.payload if draft else screens.initial_payload(request.user), step, request.POST
    )
    try:
        draft = _save(request, draft, payload, step)
    except ValidationError as exc:
        text = "; ".join(m for ms in exc.message_dict.values() for m in ms)
        return render(
            request,
            "records/intake/_autosave_status.html",
            {"error": text},
            status=400,
        )
    response = render(request, "records/intake/_autosave_status.html", {"draft": draft})
    response["HX-Trigger"] = json.dumps(
        {
            "bm-draft-saved": {
                "draft": draft.code,
                "revision": _revision(draft),
                "url": _screen_url(step, draft),
            }
        }
    )
    response["HX-Replace-Url"] = _screen_url(step, draft)
    return response


# -- the three screens ---------------------------------------------------------------------


def _focus(request: HttpRequest) -> str:
    focus = request.GET.get("focus", "")
    return focus if focus.replace("-", "").replace("_", "").isalnum() else ""


def _screen_get(request: HttpRequest, step: int) -> HttpResponse:
    draft = _draft(request, request.GET.get("draft"))
    payload = draft.payload if draft and draft.payload else screens.initial_payload(request.user)
    problems = screens.problems_of(payload) if request.GET.get("check") else None
    match = request.GET.get("match", "")
    return _render(
        request,
        step,
        draft,
        payload,
        problems=problems,
        focus=_focus(request),
        match=int(match) if match.isdigit() else None,
    )


def _post_and_move(request: HttpRequest, step: int) -> HttpResponse:
    """Save the screen into the draft, then go where the button says."""
    draft = _draft(request, request.POST.get("draft"))
    base = draft.payload if draft and draft.payload else screens.initial_payload(request.user)
    payload = screens.merge_screen(base, step, request.POST)
    action = request.POST.get("action", "next")
    focus, match = None, None
    if step == 2 and action not in ("next", "back", "stay"):
        focus = screens.apply_action(payload, action)
        if action.startswith("match:"):
            match = int(action.split(":")[1]) if action.split(":")[1].isdigit() else None
    problems = screens.on_screen(screens.problems_of(payload), step) if action == "next" else {}
    moving_on = action == "next" and not problems
    try:
        draft = _save(request, draft, payload, step + 1 if moving_on else step)
    except ValidationError as exc:
        return _render(request, step, draft, payload, problems=exc.message_dict, status=400)
    if action == "next" and problems:
        return _render(
            request,
            step,
            draft,
            payload,
            problems=problems,
            status=400,
            banner=gettext(
                "Some fields need a look before going on (marked below). "
                "Everything typed is kept in the draft."
            ),
        )
    if moving_on:
        return redirect(_screen_url(step + 1, draft))
    if action == "back":
        return redirect(_screen_url(max(step - 1, 1), draft))
    if _is_htmx(request):
        return _render(request, step, draft, payload, focus=focus or "", match=match)
    anchor = f"id_{focus}" if focus else ""
    return redirect(_screen_url(step, draft, anchor, focus=focus, match=match))


@capability_required("sources.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def intake_source_view(request: HttpRequest) -> HttpResponse:
    """Screen 1: the source and the testimony in its original language."""
    if request.method == "POST":
        return _post_and_move(request, 1)
    return _screen_get(request, 1)


@capability_required("sources.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def intake_events_view(request: HttpRequest) -> HttpResponse:
    """Screen 2: people named, then the events in order with their violations."""
    if request.method == "POST":
        return _post_and_move(request, 2)
    return _screen_get(request, 2)


@capability_required("sources.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def intake_review_view(request: HttpRequest) -> HttpResponse:
    """Screen 3: everything in words; saving records it all in one transaction, or
    shows each problem next to its field on its screen and stores nothing."""
    if request.method == "GET":
        return _screen_get(request, 3)
    draft = _draft(request, request.POST.get("draft"))
    if request.POST.get("action") == "back":
        return redirect(_screen_url(2, draft))
    if draft is None:
        return _render(
            request, 3, None, {}, problems={"draft": [gettext("start from screen 1")]}, status=400
        )
    try:
        source = services.testimony_record(recorded_by=request.user, draft=draft)
    except ValidationError as exc:
        problems = exc.message_dict
        step = screens.first_screen_with(problems)
        count = sum(len(m) for m in problems.values())
        return _render(
            request,
            step,
            draft,
            draft.payload,
            problems=problems,
            status=400,
            banner=(
                ngettext(
                    "Not saved: nothing was stored. %(count)s problem to fix, marked below "
                    "and on the other screen.",
                    "Not saved: nothing was stored. %(count)s problems to fix, marked below "
                    "and on the other screen.",
                    count,
                )
                if screens.on_screen(problems, 3 - step)
                else ngettext(
                    "Not saved: nothing was stored. %(count)s problem to fix, marked below.",
                    "Not saved: nothing was stored. %(count)s problems to fix, marked below.",
                    count,
                )
            )
            % {"count": count},
        )
    events = source.events.count()
    messages.success(
        request,
        ngettext(
            "Saved %(source)s: %(count)s event, draft %(draft)s completed.",
            "Saved %(source)s: %(count)s events, draft %(draft)s completed.",
            events,
        )
        % {"source": source.code, "count": events, "draft": draft.code},
    )
    return redirect("source-detail", code=source.code)


# -- story page and translations ----------------------------------------------------------


@capability_required("events.view")
def event_story_view(request: HttpRequest, code: str) -> HttpResponse:
    """The whole story an event belongs to, first to last, with its violations."""
    event = selectors.access_event(request.user, code)
    return render(
        request,
        "records/intake/story.html",
        {"event": event, "story": story_with_details(event)},
    )


@capability_required("sources.edit")
@require_POST
def translation_create_view(request: HttpRequest, code: str) -> HttpResponse:
    """Add a translation on the source's page; the translator is the user unless named."""
    source = selectors.access_source(request.user, code, for_edit=True)
    form = screens.TranslationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.translation_create(
                source=source,
                language=data["language"],
                text=data["text"],
                translator=request.user,
                translator_name=data["translator_name"],
            )
        except ValidationError as exc:
            form.show(exc.message_dict)
        else:
            messages.success(request, gettext("Translation added."))
            return redirect("source-detail", code=source.code)
    return render(
        request,
        "records/intake/translation_form.html",
        {"source": source, "translation_form": form},
        status=400,
    )
