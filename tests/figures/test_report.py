"""Acceptance (issue 7): `bordermonitor report` on the report-2024 demo scenario states
119 missing-person reports, 63 officially confirmed deaths and 16 more from
testimonies, and the scenario's nationalities, in the HTML and in the PDF's text;
the narrative written in the app is kept with the report, its numbers from the data."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pypdf import PdfReader

from bordermonitor.accounts.models import User
from bordermonitor.figures.narrative import ReportNarrative
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

# the nationalities of the scenario's missing-person reports (tests/tracing/test_report_2024.py)
REPORT_NATIONALITIES = {"SYR", "YEM", "AFG", "IRQ", "ERI", "LKA", "SDN", "SOM", "GIN", "IND", "ETH"}
PERIOD = ["--from", "2023-01-01", "--to", "2025-02-28"]
NARRATIVE = "Since monitoring began, {missing_reports_since} reports reached us."


def _report(out, *extra) -> str:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("report", *PERIOD, "--out", str(out), *extra, stdout=stdout, stderr=stderr)
    assert "disclosure control" in stderr.getvalue()  # progress is shown
    return stdout.getvalue()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _states_the_figures(text: str) -> None:
    text = re.sub(r"\s+", " ", text)
    assert "119 missing-person reports" in text, text[:2000]
    assert "63 officially confirmed deaths" in text
    assert "16 more from testimonies" in text
    for code in REPORT_NATIONALITIES:
        assert f"({code})" in text, code


def test_yearly_report_states_the_scenario_figures_in_html_and_pdf(tmp_path):
    call_command("demo", scenario="report-2024", no_serve=True, stdout=io.StringIO())

    # the narrative is written in the app by a coordinator, a typed number refused
    coordinator = Client()
    sign_in(coordinator, User.objects.get(username="demo-coordinator"))
    form = {"date_from": "2023-01-01", "date_to": "2025-02-28"}
    typed = coordinator.post(
        "/figures/report/narrative/", {**form, "key_figures": "We received 119 reports."}
    )
    assert typed.status_code == 400
    assert "type no numbers" in typed.content.decode()
    assert not ReportNarrative.objects.exists()
    saved = coordinator.post("/figures/report/narrative/", {**form, "key_figures": NARRATIVE})
    assert saved.status_code == 302
    assert ReportNarrative.objects.get().sections == {"key_figures": NARRATIVE}
    analyst = Client()
    sign_in(analyst, User.objects.get(username="demo-analyst"))
    assert analyst.get("/figures/report/narrative/").status_code == 403

    html_file = tmp_path / "report.html"
    assert "119 missing-person reports" in _report(html_file)
    html = html_file.read_text(encoding="utf-8")
    text = _text(html)
    _states_the_figures(text)
    # the narrative's placeholder became the number from the data
    assert "Since monitoring began, 119 reports reached us." in text
    assert "{missing_reports_since}" not in html
    # charts are vector graphics, inline; no count 1..4 is printed (they show as "<5")
    assert html.count("<svg") >= 3
    cells = re.findall(r'<td class="n">\s*([^<\s]+)\s*</td>', html)
    assert cells and not [c for c in cells if c in {"1", "2", "3", "4"}]
    assert "&lt;5" in html
    # no name or free text of the demo leaves in the report
    from bordermonitor.records.models import NameVariant

    names = {v.full_name for v in NameVariant.objects.all() if len(v.full_name) > 4}
    assert names and not [n for n in names if n in html]

    pdf_file = tmp_path / "report.pdf"
    _report(pdf_file)
    reader = PdfReader(str(pdf_file))
    pdf_text = "\n".join(page.extract_text() for page in reader.pages)
    _states_the_figures(pdf_text)

    with pytest.raises(CommandError, match="already exists"):
        _report(pdf_file)


def test_report_refuses_bad_arguments_and_writes_nothing(tmp_path):
    out = tmp_path / "r.pdf"
    with pytest.raises(CommandError, match="--from: '2023-02-30' is not a date"):
        call_command("report", "--from", "2023-02-30", "--to", "2024-01-01", "--out", str(out))
    with pytest.raises(CommandError, match="before it starts"):
        call_command("report", "--from", "2024-02-01", "--to", "2024-01-01", "--out", str(out))
    with pytest.raises(CommandError, match="must end in .pdf or .html"):
        call_command("report", "--to", "2024-01-01", "--out", str(tmp_path / "r.docx"))
    assert not list(tmp_path.iterdir())
