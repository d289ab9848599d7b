"""The shell around the records: sign-in, dashboard, health check."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from bordermonitor.accounts.access import capability_required
from bordermonitor.records.selectors import headline_counts


@capability_required("dashboard.view")
def dashboard_view(request: HttpRequest) -> HttpResponse:
    return render(request, "web/dashboard.html", {"counts": headline_counts(request.user)})


@login_not_required
@never_cache
def health_view(request: HttpRequest) -> HttpResponse:
    """For load balancers and `make demo`'s wait loop: says nothing about the data."""
    return JsonResponse({"status": "ok"})


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


login_view = login_not_required(LoginView.as_view())
logout_view = auth_views.LogoutView.as_view()
