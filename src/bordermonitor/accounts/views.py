"""The admins' audit page: read-only, filterable, entries as written (codes, no content)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bordermonitor.accounts.access import capability_required
from bordermonitor.accounts.forms import AuditFilterForm
from bordermonitor.accounts.selectors import AuditFilters, audit_entries, audit_kinds

PAGE_SIZE = 100


@capability_required("audit.view")
def audit_list_view(request: HttpRequest) -> HttpResponse:
    """Filters that do not validate show their message and no entries, not all of them."""
    form = AuditFilterForm(request.GET or None, kinds=audit_kinds())
    entries = audit_entries(AuditFilters())
    if form.is_bound:
        if form.is_valid():
            chosen = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            entries = audit_entries(AuditFilters(**chosen))
        else:
            entries = entries.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_list.html", {"form": form, "page": page})
