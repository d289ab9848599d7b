"""Every route of the site.  Public views are an explicit allow-list (login, health);
everything else needs a signed-in user with the view's capability."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from bordermonitor.api.v1 import api
from bordermonitor.web import views as web

PUBLIC_VIEW_NAMES = {"login", "health", "admin:login"}

admin.site.site_header = "bordermonitor administration"
admin.site.site_title = "bordermonitor"


def _api_patterns():
    """The API authenticates by bearer token, never by session: exempt it from the
    login redirect, and let its own auth answer 401."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
        login_not_required(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("", web.dashboard_view, name="dashboard"),
    path("login/", web.login_view, name="login"),
    path("logout/", web.logout_view, name="logout"),
    path("health/", web.health_view, name="health"),
    path("language/", web.language_set_view, name="language-set"),
    path("admin/", admin.site.urls),
    path("api/v1/", _api_patterns()),
    path("", include("bordermonitor.records.urls")),
    path("", include("bordermonitor.records.urls_intake")),
    path("", include("bordermonitor.records.urls_evidence")),
    path("", include("bordermonitor.records.urls_map")),
    path("", include("bordermonitor.tracing.urls")),
    path("", include("bordermonitor.linkage.urls")),
    path("", include("bordermonitor.accounts.urls")),
    path("", include("bordermonitor.figures.urls")),
]
