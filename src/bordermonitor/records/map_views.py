"""Events on a map: the page, and the GeoJSON of the events matching its filters.

The map needs no tile server: the border line and crossing points ship with the
package (core/data/border.geojson) and are drawn on a plain background.  Markers
say what a list row says (code, date, types, side) and no more: no description,
no names, and the page sends no coordinates anywhere but to this site.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET

from bordermonitor.accounts.access import capability_required
from bordermonitor.core.models import SIDE_CHOICES, EventType
from bordermonitor.records import selectors
from bordermonitor.records.views import event_filters

BORDER_FILE = Path(__file__).resolve().parent.parent / "core" / "data" / "border.geojson"
MAP_MAX_EVENTS = 10_000  # more markers than this help nobody; the page says to narrow down


@cache
def border_geojson() -> dict:
    """The packaged border line, crossing points and country labels (read once)."""
    return json.loads(BORDER_FILE.read_text(encoding="utf-8"))


@capability_required("events.view")
@require_GET
def event_map_view(request: HttpRequest) -> HttpResponse:
    form, _ = event_filters(request)
    query = request.GET.urlencode()
    config = {
        "eventsUrl": reverse("event-map-geojson"),
        "eventUrl": reverse("event-detail", kwargs={"code": "CODE"}),
        "listUrl": reverse("event-list"),
        "tilesUrl": settings.BM_MAP_TILES_URL,
        "tilesAttribution": settings.BM_MAP_TILES_ATTRIBUTION,
        "types": {t.code: t.display_label for t in EventType.objects.all()},
        "sides": dict(SIDE_CHOICES),
        "text": {
            "loading": gettext("Loading events…"),
            "badFilters": gettext("These filters cannot be used:"),
            "failed": gettext("The events could not be loaded; try again."),
        },
    }
    return render(
        request,
        "records/map.html",
        {"form": form, "query": query, "border": border_geojson(), "map_config": config},
    )


def map_status(found: selectors.MapPoints) -> str:
    """What the map shows, in the interface language (the page's script just prints it)."""
    shown, located = len(found.points), found.located
    if found.truncated:
        text = ngettext(
            "The newest %(shown)s of %(located)s event on the map: "
            "narrow the filters to see the rest",
            "The newest %(shown)s of %(located)s events on the map: "
            "narrow the filters to see the rest",
            located,
        ) % {"shown": shown, "located": located}
    else:
        text = ngettext(
            "%(located)s event on the map", "%(located)s events on the map", located
        ) % {"located": located}
    hidden = found.total - located
    if hidden > 0:
        text += "; " + ngettext(
            "%(hidden)s without coordinates not shown",
            "%(hidden)s without coordinates not shown",
            hidden,
        ) % {"hidden": hidden}
    return text + "."


@capability_required("events.view")
@require_GET
def event_map_geojson_view(request: HttpRequest) -> JsonResponse:
    """A FeatureCollection of matching events that have coordinates (newest first)."""
    form, filters = event_filters(request)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    found = selectors.event_map_points(request.user, filters, limit=MAP_MAX_EVENTS)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(p.longitude), float(p.latitude)]},
            "properties": {
                "code": p.code,
                "date": str(p.date),
                "types": p.types,
                "side": p.side,
            },
        }
        for p in found.points
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "total": found.total,
            "located": found.located,
            "truncated": found.truncated,
            "status": map_status(found),
        }
    )
