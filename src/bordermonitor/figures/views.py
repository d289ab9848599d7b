"""The figures dashboard, its charts and CSV downloads, and the report's narrative.

Thin views over `figures.report`: every number shown or downloaded has been through
disclosure control (the dashboard's tables are one release).  The period is in the
query string (dates only, no personal data).  Charts are same-origin SVG images
(the CSP allows no inline script, style or data: URI).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from bordermonitor.accounts.access import capability_required
from bordermonitor.records.exports import Period

from .narrative import SECTIONS, ReportNarrative, check_section, narrative_save
from .report import (
    DASHBOARD,
    HEADINGS,
    TITLES,
    dashboard_chart,
    dashboard_release,
    placeholders,
    recipient_rows,
    table_csv,
)
from .rules import Scope
from .tables import TOTAL

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE_INPUT, required=False)
    date_to = forms.DateField(label=_("To"), widget=DATE_INPUT, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("the end of the period is before its start"))
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.GET or None)
    if not request.GET:
        return form, Period()
    if not form.is_valid():
        return form, None
    return form, Period(form.cleaned_data["date_from"], form.cleaned_data["date_to"])


def _query(period: Period) -> str:
    params = {}
    if period.date_from:
        params["date_from"] = period.date_from.isoformat()
    if period.date_to:
        params["date_to"] = period.date_to.isoformat()
    return urlencode(params)


@capability_required("dashboard.view")
def figures_view(request: HttpRequest) -> HttpResponse:
    """Every figure for the period: a chart, its table, its CSV."""
    form, period = _period(request)
    if period is None:
        return render(request, "figures/dashboard.html", {"form": form}, status=400)
    published = dashboard_release(period, Scope.INTERNAL)
    query = _query(period)
    figures = []
    for name, title in DASHBOARD:
        table = published[name]
        figures.append(
            {
                "name": name,
                "title": title,
                "table": table,
                "headings": [HEADINGS.get(d, d) for d in (*table.dimensions, table.measure)],
                "rows": [(key, value) for key, value in table.rows],
                "total": table.value(*([TOTAL] * len(table.dimensions))),
                "chart_url": f"{reverse('figures-chart')}?figure={name}&{query}",
                "csv_url": f"{reverse('figures-csv')}?figure={name}&{query}",
            }
        )
    recipients = recipient_rows(period, published["requests_per_recipient"])
    return render(
        request,
        "figures/dashboard.html",
        {"form": form, "figures": figures, "recipients": recipients, "k": _k(published)},
    )


def _k(published) -> int:
    return next(iter(published.values())).k


def _figure_and_period(request: HttpRequest) -> tuple[str, Period | None, str | None]:
    """The figure named by `?figure=` (the first one if none) and the period, or an
    error message naming the parameter."""
    name = request.GET.get("figure") or DASHBOARD[0][0]
    if name not in TITLES:
        return name, None, f"figure: {name!r} is not one of {', '.join(TITLES)}"
    form, period = _period(request)
    if period is None:
        return name, None, f"{', '.join(sorted(form.errors))}: not a valid period"
    return name, period, None


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


@capability_required("dashboard.view")
def chart_view(request: HttpRequest) -> HttpResponse:
    """One chart as an SVG image (the dashboard's counts, after disclosure control)."""
    name, period, error = _figure_and_period(request)
    if error:
        return _bad_request(error)
    svg = dashboard_chart(period, Scope.INTERNAL, name)
    return HttpResponse(svg, content_type="image/svg+xml")


@capability_required("dashboard.view")
def csv_view(request: HttpRequest) -> HttpResponse:
    """One chart's table as CSV: it leaves the system, so only publishable events are
    counted (`Scope.PUBLISH`), through disclosure control."""
    name, period, error = _figure_and_period(request)
    if error:
        return _bad_request(error)
    table = dashboard_release(period, Scope.PUBLISH)[name]
    response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


class NarrativeForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in SECTIONS:
            self.fields[name] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 5})
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("the end of the period is before its start"))
        known = set(placeholders())
        for name, _label in SECTIONS:
            try:
                check_section(name, data.get(name) or "", known)
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@capability_required("report.write")
@require_http_methods(["GET", "POST"])
def narrative_view(request: HttpRequest) -> HttpResponse:
    """Write the report's narrative sections for a period (numbers only as placeholders)."""
    if request.method == "POST":
        form = NarrativeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            sections = {name: data[name] for name, _label in SECTIONS if data.get(name)}
            narrative_save(request.user, data["date_from"], data["date_to"], sections)
            messages.success(request, _("The report's narrative is saved."))
            query = _query(Period(data["date_from"], data["date_to"]))
            return redirect(f"{reverse('figures-narrative')}?{query}")
        status = 400
    else:
        initial = {}
        form, period = _period(request)
        if period is not None and period.date_from and period.date_to:
            initial = {"date_from": period.date_from, "date_to": period.date_to}
            existing = ReportNarrative.objects.filter(
                period_from=period.date_from, period_to=period.date_to
            ).first()
            if existing is not None:
                initial.update(existing.sections or {})
        form = NarrativeForm(initial=initial)
        status = 200
    return render(
        request,
        "figures/narrative.html",
        {"form": form, "placeholders": placeholders()},
        status=status,
    )
