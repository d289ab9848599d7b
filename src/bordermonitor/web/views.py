"""The shell around the records: sign-in, dashboard, health check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bordermonitor.accounts.access import capability_required
from bordermonitor.accounts.services import user_language_set
from bordermonitor.records.selectors import headline_counts
from bordermonitor.tracing.selectors import overdue_interventions, tracing_totals

OVERDUE_SHOWN = 20


@capability_required("dashboard.view")
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """Headline counts; tracing figures (counts only) and, for those who work on cases,
    the requests past their due date, so silence is seen every morning."""
    context = {"counts": headline_counts(request.user)}
    if request.user.can("tracing.stats"):
        context["tracing"] = tracing_totals(None, None)
    if request.user.can("tracing.view"):
        overdue = overdue_interventions(user=request.user)
        context["overdue"] = overdue[:OVERDUE_SHOWN]
        context["overdue_count"] = len(overdue)
    return render(request, "web/dashboard.html", context)


@login_not_required
@never_cache
def health_view(request: HttpRequest) -> HttpResponse:
    """For load balancers and `make demo`'s wait loop: says nothing about the data."""
    return JsonResponse({"status": "ok"})


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


login_view = login_not_required(LoginView.as_view())


class LogoutView(auth_views.LogoutView):
    """Sign-out also tells the browser to forget this site's cache, cookies and storage,
    so pages with names on them cannot be brought back on a shared or seized laptop."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response


logout_view = LogoutView.as_view()


@capability_required("dashboard.view")
@require_POST
def language_set_view(request: HttpRequest) -> HttpResponse:
    """Switch the interface language for this user (kept on the account)."""
    try:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Language changed."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
