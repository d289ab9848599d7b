"""The figures dashboard on the report-2024 demo: charts with their tables, a period
filter that changes the figures, CSV downloads through disclosure control, SVG charts
the CSP accepts (no inline style or script), no personal data in any of it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from bordermonitor.accounts.models import User
from bordermonitor.figures.report import DASHBOARD
from bordermonitor.records.models import NameVariant
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

WIDE = "date_from=2023-01-01&date_to=2025-02-28"
YEAR = "date_from=2024-01-01&date_to=2024-12-31"
K = 5


@pytest.fixture(autouse=True)
def _fresh_release_cache():
    """The dashboard keeps a release for a minute: no test sees another test's data."""
    cache.clear()
    yield
    cache.clear()


def _total(page: str, figure: str) -> str:
    return re.search(rf'data-total="{figure}">[^:]*: ([^<]+)<', page)[1]


def _counts_ok(content: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(content)))
    for row in rows:
        *_, count = row.values()
        assert count == "" or int(count) == 0 or int(count) >= K, row
    return rows


def test_dashboard_charts_tables_period_and_csv():
    call_command("demo", scenario="report-2024", no_serve=True, stdout=io.StringIO())
    names = {v.full_name for v in NameVariant.objects.all() if len(v.full_name) > 4}
    client = Client()
    sign_in(client, User.objects.get(username="demo-analyst"))

    home = client.get("/").content.decode()
    assert 'href="/figures/"' in home  # in the navigation

    wide = client.get(f"/figures/?{WIDE}")
    assert wide.status_code == 200
    page = wide.content.decode()
    for name, _title in DASHBOARD:
        assert f'id="figure-{name}"' in page
        assert f"/figures/chart.svg?figure={name}&amp;{WIDE.replace('&', '&amp;')}" in page
        assert f"/figures/table.csv?figure={name}&amp;" in page
    assert _total(page, "missing_per_month") == "81"
    assert _total(page, "deaths_per_month") == "54"
    assert 'data-recipient="icrc"' in page  # answer rate and median days per recipient
    assert "data:" not in page
    assert not [n for n in names if n in page]
    assert "no-store" in wide["Cache-Control"]
    assert "img-src 'self'" in wide["Content-Security-Policy"]

    year = client.get(f"/figures/?{YEAR}").content.decode()
    assert _total(year, "missing_per_month") != "81"  # the period changes the figures

    chart = client.get(f"/figures/chart.svg?figure=missing_by_nationality&{WIDE}")
    assert chart.status_code == 200
    assert chart["Content-Type"] == "image/svg+xml"
    svg = chart.content.decode()
    assert svg.startswith("<svg") and "<style" not in svg and "<script" not in svg
    assert "SYR" in svg

    table = client.get(f"/figures/table.csv?figure=missing_by_nationality&{WIDE}")
    assert table.status_code == 200
    assert "attachment" in table["Content-Disposition"]
    assert "no-store" in table["Cache-Control"]
    content = table.content.decode()
    rows = _counts_ok(content)
    assert {"nationality": "total", "reports": "81"} in rows
    assert {"nationality": "SYR", "reports": "20"} in rows
    assert any(r["reports"] == "" for r in rows)  # small counts were suppressed
    for name, _title in DASHBOARD:
        _counts_ok(client.get(f"/figures/table.csv?figure={name}&{WIDE}").content.decode())
    assert not [n for n in names if n in content]


def test_dashboard_refuses_a_bad_period_or_figure(client):
    from bordermonitor.accounts.services import user_create

    sign_in(client, user_create(username="an-analyst", role="analyst", password="x" * 16))
    bad = client.get("/figures/?date_from=2024-02-01&date_to=2024-01-01")
    assert bad.status_code == 400
    assert "the end of the period is before its start" in bad.content.decode()
    unknown = client.get("/figures/table.csv?figure=names")
    assert unknown.status_code == 400
    assert unknown.content.decode().startswith("figure: 'names' is not one of")
    assert client.get("/figures/chart.svg?date_from=2024-13-01").status_code == 400
    empty = client.get("/figures/table.csv")
    assert empty.status_code == 200
    assert empty.content.decode().splitlines()[0] == "month,confirmation,deaths"
