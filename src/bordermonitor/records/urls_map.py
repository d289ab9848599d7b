"""The map of events (included from the site's URL configuration)."""

from django.urls import path

from bordermonitor.records import map_views

urlpatterns = [
    path("map/", map_views.event_map_view, name="event-map"),
    path("map/events.geojson", map_views.event_map_geojson_view, name="event-map-geojson"),
]
