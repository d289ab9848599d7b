"""The dashboard's figures and the yearly report, through disclosure control.

Dashboard: `dashboard_release(period, scope)` counts every figure of
`selectors.FIGURES` for the period and protects them as one release
(`disclosure.suppress_release`: tables shown or downloaded together share their
totals, so one table cannot open a cell another hides).

Report: each figure is counted twice, for the period and since monitoring began
(as of the period's end), and laid out as one table with a first dimension `span`
(`period` / `before`): its total over `span` is the cumulative figure.  The period
and the cumulative numbers are thus one release, so "since the beginning minus this
period" is a number disclosure control has protected too.  Every number printed
comes from these published tables, the narrative's placeholders included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bordermonitor.core.pdf import html_to_pdf
from bordermonitor.records.exports import Period
from bordermonitor.tracing.models import OFFICIAL, TESTIMONY_ONLY

from . import charts
from .disclosure import suppress_release
from .narrative import PLACEHOLDER, SECTIONS, ReportNarrative
from .rules import ANSWERED, RULES_VERSION, Scope, disclosure_k
from .selectors import FIGURES, answer_stats, cumulative_totals
from .tables import TOTAL, PublishedTable, Table

# the dashboard's charts, in page order, with their headings
DASHBOARD = [
    ("deaths_per_month", _("Deaths per month (official apart from testimony-only)")),
    ("missing_per_month", _("Missing-person reports per month")),
    ("missing_by_nationality", _("Missing-person reports by nationality")),
    ("missing_by_outcome", _("Missing-person reports by outcome")),
    ("deaths_by_nationality", _("Deaths by nationality")),
    ("violations", _("Violations by type, perpetrator and side of the border")),
    ("pushbacks_per_section", _("Pushbacks per border section")),
    ("pushback_incidents_per_section", _("Pushback incidents per border section")),
    ("detentions_by_outcome", _("Detentions and deportations by outcome")),
    ("requests_per_recipient", _("Requests per recipient")),
]
TITLES = dict(DASHBOARD)
# column headings of the tables (dimension and measure names)
HEADINGS = {
    "month": _("Month"),
    "confirmation": _("Confirmation"),
    "nationality": _("Nationality"),
    "outcome": _("Outcome"),
    "violation_type": _("Violation"),
    "perpetrator": _("Perpetrator"),
    "side": _("Side"),
    "border_section": _("Border section"),
    "recipient": _("Recipient"),
    "answer": _("Answer"),
    "deaths": _("Deaths"),
    "reports": _("Reports"),
    "victims": _("Victims"),
    "incidents": _("Incidents"),
    "detentions": _("Detentions"),
    "requests": _("Requests"),
}
PERIOD, BEFORE = "period", "before"
NOT_COUNTED = ""  # a key figure given only since monitoring began


RELEASE_CACHE_SECONDS = 60


def release_key(period: Period, scope: Scope, k: int | None = None) -> str:
    """The cache key of a dashboard release (and, with a suffix, of what is drawn from it)."""
    k = disclosure_k() if k is None else k
    return f"figures:release:{RULES_VERSION}:{scope}:{k}:{period.date_from}:{period.date_to}"


def dashboard_chart(period: Period, scope: Scope, name: str) -> str:
    """One dashboard chart as SVG, kept as long as its release (matplotlib takes a few
    hundred milliseconds a chart; the page shows ten)."""
    key = f"{release_key(period, scope)}:chart:{name}"
    svg = cache.get(key)
    if svg is None:
        svg = charts.chart_svg(dashboard_release(period, scope)[name])
        cache.set(key, svg, RELEASE_CACHE_SECONDS)
    return svg


def dashboard_release(
    period: Period, scope: Scope = Scope.INTERNAL, *, cached: bool = True
) -> dict[str, PublishedTable]:
    """Every dashboard figure for the period, protected together.

    The page, its ten chart images and a CSV download each need the same release;
    it is kept for `RELEASE_CACHE_SECONDS` (counts only, no personal data), so one
    page view counts and protects once, and a change to the records shows on the
    dashboard within a minute."""
    period.check()
    k = disclosure_k()
    key = release_key(period, scope, k)
    if cached:
        hit = cache.get(key)
        if hit is not None:
            return hit
    tables = [FIGURES[name].compute(period, scope) for name, _title in DASHBOARD]
    published = {t.figure: t for t in suppress_release(tables, k)}
    cache.set(key, published, RELEASE_CACHE_SECONDS)
    return published


def table_csv(table: PublishedTable) -> str:
    """A published table as CSV: one column per dimension, then the count (empty when
    suppressed); totals are rows whose dimension value is `total`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*table.dimensions, table.measure])
    for key, value in table.rows:
        writer.writerow([*key, "" if value is None else value])
    return out.getvalue()


@dataclass(frozen=True)
class RecipientRow:
    recipient: str
    sent: int | None
    answered: int | None
    answer_rate: float | None
    median_days: float | None


def recipient_rows(period: Period, published: PublishedTable, *prefix: str) -> list[RecipientRow]:
    """Sent, answered, rate and median days per recipient, from the published counts
    (`prefix`: the span of a report table); the median only where ≥ k answers are
    published."""
    medians = {s.recipient: s.median_days_to_answer for s in answer_stats(period)}
    recipients = sorted(
        {key[len(prefix)] for key, _v in published.rows if key[: len(prefix)] == prefix} - {TOTAL}
    )
    rows = []
    for r in recipients:
        sent = published.value(*prefix, r, TOTAL)
        answered = published.value(*prefix, r, ANSWERED)
        rate = round(answered / sent, 4) if sent and answered is not None else None
        median = medians.get(r) if answered else None
        rows.append(RecipientRow(r, sent, answered, rate, median))
    rows.sort(key=lambda x: (-(x.sent or 0), x.recipient))
    return rows


# -- the yearly report ------------------------------------------------------------------


def _spanned(name: str, period: Period, scope: Scope) -> Table:
    """Figure `name` with a first dimension `span`: the period, and before it."""
    compute = FIGURES[name].compute
    within = compute(period, scope)
    if period.date_from is None:
        before_cells: dict = {}
    else:
        since = compute(Period(None, period.date_to), scope)
        before_cells = {
            key: value - within.cells.get(key, 0)
            for key, value in since.cells.items()
            if value - within.cells.get(key, 0) > 0
        }
    cells = {(PERIOD, *k): v for k, v in within.cells.items()}
    cells.update({(BEFORE, *k): v for k, v in before_cells.items()})
    return Table(
        figure=within.figure,
        universe=within.universe,
        dimensions=("span", *within.dimensions),
        cells=cells,
        measure=within.measure,
        fixed=within.fixed,
        margins=within.margins,
    )


def _collapse(table: Table, dimension: str, figure: str) -> Table:
    """`table` summed over `dimension` (one dimension fewer)."""
    drop = table.dimensions.index(dimension)
    cells: dict[tuple[str, ...], int] = {}
    for key, value in table.cells.items():
        kept = key[:drop] + key[drop + 1 :]
        cells[kept] = cells.get(kept, 0) + value
    dims = table.dimensions[:drop] + table.dimensions[drop + 1 :]
    return Table(figure, table.universe, dims, cells, table.measure, table.fixed, table.margins)


# the report's figures: deaths per month are left out (months × confirmation × span is
# too sparse to publish anything but suppressed cells); deaths are shown by nationality
# and by confirmation instead
REPORT_FIGURES = [name for name in FIGURES if name != "deaths_per_month"]

# totals since monitoring began that no figure table holds (the others are read from
# the figure tables, so one number is never published twice under two names)
_EXTRA_TOTALS = ("missing_people", "people_pushed_back", "deportations", "incidents")


@dataclass
class Report:
    period: Period
    k: int
    tables: dict[str, PublishedTable]
    key_figures: list[tuple[str, str, int | None, int | None]]  # name, label, period, since
    narrative: dict[str, str] = field(default_factory=dict)

    def figure(self, name: str) -> tuple[int | None, int | None]:
        return {n: (p, s) for n, _label, p, s in self.key_figures}[name]


def _key_figures(t: dict[str, PublishedTable]) -> list[tuple[str, str, int | None, int | None]]:
    def both(table: str, *key: str) -> tuple[int | None, int | None]:
        return t[table].value(PERIOD, *key), t[table].value(TOTAL, *key)

    extra = t["cumulative_extra"]
    rows = [
        ("missing_reports", _("Missing-person reports"), *both("missing_by_nationality", TOTAL)),
        (
            "deaths_official",
            _("Deaths confirmed officially"),
            *both("deaths_by_confirmation", OFFICIAL),
        ),
        (
            "deaths_testimony_only",
            _("Deaths known from testimonies only"),
            *both("deaths_by_confirmation", TESTIMONY_ONLY),
        ),
        (
            "violation_victims",
            _("Victims of violations"),
            *both("violations", TOTAL, TOTAL, TOTAL),
        ),
        ("pushbacks", _("Pushbacks"), *both("pushbacks_per_section", TOTAL)),
        ("detentions", _("Detentions"), *both("detentions_by_outcome", TOTAL)),
        ("requests_sent", _("Requests sent"), *both("requests_per_recipient", TOTAL, TOTAL)),
        (
            "requests_answered",
            _("Requests answered"),
            *both("requests_per_recipient", TOTAL, ANSWERED),
        ),
        (
            "missing_people",
            _("People reported missing"),
            NOT_COUNTED,
            extra.value("missing_people"),
        ),
        (
            "people_pushed_back",
            _("People pushed back"),
            NOT_COUNTED,
            extra.value("people_pushed_back"),
        ),
        ("deportations", _("Deportations"), NOT_COUNTED, extra.value("deportations")),
        ("incidents", _("Incidents"), NOT_COUNTED, extra.value("incidents")),
    ]
    return rows


def placeholders() -> list[str]:
    """The names a narrative may use: `{name}` (period) and `{name_since}`."""
    names = [
        "missing_reports",
        "deaths_official",
        "deaths_testimony_only",
        "violation_victims",
        "pushbacks",
        "detentions",
        "requests_sent",
        "requests_answered",
        "missing_people",
        "people_pushed_back",
        "deportations",
        "incidents",
    ]
    return names + [f"{n}_since" for n in names]


def build_report(
    period: Period,
    scope: Scope = Scope.PUBLISH,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Count, protect and assemble the report's numbers for the period."""
    if period.date_to is None:
        raise ValueError("--to: the report needs the end of its period")
    period.check()
    say = progress or (lambda _message: None)
    tables = []
    for i, name in enumerate(REPORT_FIGURES, 1):
        say(f"counting {name} ({i}/{len(REPORT_FIGURES)})")
        spanned = _spanned(name, period, scope)
        if name == "deaths_by_nationality":
            # two coarser tables: nationality × confirmation × span is so sparse that
            # protecting it would hide the totals by confirmation
            tables.append(_collapse(spanned, "confirmation", "deaths_by_nationality"))
            tables.append(_collapse(spanned, "nationality", "deaths_by_confirmation"))
        else:
            tables.append(spanned)
    say("counting totals since monitoring began")
    totals = cumulative_totals(period.date_to, scope)
    tables.append(
        Table(
            figure="cumulative_extra",
            universe="cumulative_extra",
            dimensions=("total",),
            cells={(n,): totals.cells.get((n,), 0) for n in _EXTRA_TOTALS},
            margins=False,
        )
    )
    say("disclosure control")
    k = disclosure_k()
    published = {t.figure: t for t in suppress_release(tables, k)}
    report = Report(period, k, published, _key_figures(published))
    narrative = ReportNarrative.objects.filter(
        period_from=period.date_from, period_to=period.date_to
    ).first()
    if narrative is not None:
        report.narrative = dict(narrative.sections or {})
    return report


def _fill(text: str, report: Report) -> str:
    values = {}
    for name, _label, p, s in report.key_figures:
        values[name], values[f"{name}_since"] = p, s

    def one(match) -> str:
        value = values.get(match.group(1))
        if value == NOT_COUNTED:
            return "—"
        return str(_("fewer than %(k)s") % {"k": report.k}) if value is None else str(value)

    return PLACEHOLDER.sub(one, text)


def _country(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return f"{country.name} ({code})" if country else code


def _rows(table: PublishedTable, span: str, *, names: bool = False) -> list[tuple[str, ...]]:
    """Rows of one span (or the cumulative `total`) for a template: labels, then value."""
    out = []
    for key, value in table.rows:
        if key[0] != span or all(v == TOTAL for v in key[1:]):
            continue
        labels = [_country(v) if names and i == 0 else v for i, v in enumerate(key[1:])]
        out.append((*labels, value))
    return out


def _by_label(table: PublishedTable, *, names: bool = False) -> list[tuple]:
    """label → (period value, since value) for a one-dimension table."""
    period = {key[1]: v for key, v in table.rows if key[0] == PERIOD and key[1] != TOTAL}
    since = {key[1]: v for key, v in table.rows if key[0] == TOTAL and key[1] != TOTAL}
    labels = sorted(set(since), key=lambda x: (-(since.get(x) or 0), x))
    return [(_country(x) if names else x, period.get(x, 0), since.get(x)) for x in labels]


def report_context(report: Report) -> dict:
    t = report.tables
    month_rows = {key for key, _v in t["missing_per_month"].rows if key[0] == PERIOD}

    def chart(name: str, keep: set | None = None, span: str = PERIOD) -> str:
        table = t[name]
        stripped = PublishedTable(
            figure=table.figure,
            universe=table.universe,
            dimensions=table.dimensions[1:],
            measure=table.measure,
            k=table.k,
            rows=[(key[1:], v) for key, v in table.rows if key[0] == span],
        )
        keep_rows = {k[1:] for k in keep} if keep else None
        return charts.chart_svg(stripped, rows=keep_rows, id_prefix=f"{name}-")

    sections = {name: _fill(report.narrative.get(name, ""), report) for name, _label in SECTIONS}
    return {
        "report": report,
        "date_from": report.period.date_from,
        "date_to": report.period.date_to,
        "k": report.k,
        "rules_version": RULES_VERSION,
        "key_figures": report.key_figures,
        "sections": [(name, label, sections[name]) for name, label in SECTIONS],
        # since monitoring began: a period's deaths per nationality are mostly below k
        "deaths_chart": chart("deaths_by_nationality", span=TOTAL),
        "missing_chart": chart("missing_per_month", month_rows),
        "violations_chart": chart("violations"),
        "missing_by_nationality": _by_label(t["missing_by_nationality"], names=True),
        "missing_by_outcome": _by_label(t["missing_by_outcome"]),
        "deaths_by_nationality": _by_label(t["deaths_by_nationality"], names=True),
        "deaths_by_confirmation": _by_label(t["deaths_by_confirmation"]),
        "violations": _rows(t["violations"], PERIOD),
        "violations_since": _rows(t["violations"], TOTAL),
        "pushbacks": _by_label(t["pushbacks_per_section"]),
        "pushback_incidents": _by_label(t["pushback_incidents_per_section"]),
        "detentions": _by_label(t["detentions_by_outcome"]),
        "recipients": recipient_rows(report.period, t["requests_per_recipient"], PERIOD),
        "recipients_since": recipient_rows(
            Period(None, report.period.date_to), t["requests_per_recipient"], TOTAL
        ),
    }


def render_report_html(report: Report, language: str = "en") -> str:
    with translation.override(language):
        return render_to_string("figures/report.html", report_context(report))


def write_report(
    period: Period,
    out: Path,
    *,
    language: str = "en",
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Write the report as .html or .pdf (WeasyPrint), by the file's extension."""
    suffix = out.suffix.lower()
    if suffix not in {".html", ".pdf"}:
        raise ValueError(f"--out: {out.name} must end in .html or .pdf")
    say = progress or (lambda _message: None)
    report = build_report(period, progress=say)
    say("rendering")
    html = render_report_html(report, language)
    if suffix == ".html":
        out.write_text(html, encoding="utf-8")
    else:
        say("writing the PDF")
        out.write_bytes(html_to_pdf(html))
    return report
