"""Charts of published tables as SVG (matplotlib, Agg backend: no display, no GUI).

Charts are drawn from a `PublishedTable` (after disclosure control), never from raw
counts: a suppressed cell is drawn as nothing and the table under the chart says it
was suppressed.  The SVG has no script and no style element (the site's CSP allows
neither inline), fixed ids and no date, so one table always gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402  (after choosing the backend)

from .tables import TOTAL, PublishedTable  # noqa: E402

_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_ID = re.compile(r'(\bid="|url\(#|href="#)')
MAX_SERIES = 6
_COLOURS = ["#2f5d8a", "#c8553d", "#6a994e", "#8f5fa8", "#d4a017", "#4a4a4a", "#1b998b"]
_RC = {
    "svg.fonttype": "none",  # text stays text: selectable, searchable in the PDF
    "svg.hashsalt": "bordermonitor",  # fixed ids
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _cells(table: PublishedTable) -> list[tuple[tuple[str, ...], int]]:
    """The published inner cells (no totals, no suppressed ones)."""
    return [
        (key, value)
        for key, value in table.rows
        if value is not None and TOTAL not in key and value > 0
    ]


def chart_svg(
    table: PublishedTable, *, rows: set[tuple[str, ...]] | None = None, id_prefix: str = ""
) -> str:
    """A bar chart of the table: months along the x axis, other categories as
    horizontal bars, the last dimension (if it has at most `MAX_SERIES` values) as
    stacked series; bars are sums of the published cells only.  `rows` keeps only those
    keys (e.g. the months of the period); `id_prefix` keeps the ids of several charts
    in one document apart."""
    cells = [(k, v) for k, v in _cells(table) if rows is None or k in rows]
    dims = table.dimensions
    categories = sorted({k[0] for k, _ in cells})
    by_month = dims[0] == "month"
    if not by_month:  # biggest first
        totals = defaultdict(int)
        for k, v in cells:
            totals[k[0]] += v
        categories.sort(key=lambda c: (-totals[c], c))
    # series: the last dimension when it has few values (a legend of a handful of
    # colours; the middle dimensions are summed over), else none
    last = sorted({k[-1] for k, _ in cells}) if len(dims) > 1 else []
    stacked = 1 < len(last) <= MAX_SERIES
    series_names = last if stacked else [""]
    values = {name: [0] * len(categories) for name in series_names}
    index = {c: i for i, c in enumerate(categories)}
    for k, v in cells:
        values[k[-1] if stacked else ""][index[k[0]]] += v
    with plt.rc_context(_RC):
        height = 3.0 if by_month else max(2.0, 0.28 * len(categories) + 1.0)
        fig, ax = plt.subplots(figsize=(7.0, height))
        try:
            positions = range(len(categories))
            bottom = [0] * len(categories)
            for i, name in enumerate(series_names):
                colour = _COLOURS[i % len(_COLOURS)]
                if by_month:
                    ax.bar(positions, values[name], bottom=bottom, label=name, color=colour)
                else:
                    ax.barh(positions, values[name], left=bottom, label=name, color=colour)
                bottom = [b + v for b, v in zip(bottom, values[name], strict=True)]
            if by_month:
                ax.set_xticks(list(positions), categories, rotation=90)
            else:
                ax.set_yticks(list(positions), categories)
                ax.invert_yaxis()
            if not categories:
                ax.set_axis_off()
            if len(series_names) > 1:
                ax.legend(frameon=False, fontsize=7)
            # fixed margins (tight_layout measures every label: a third of the time)
            widest = max((len(c) for c in categories), default=4)
            if by_month:
                fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.3)
            else:
                left = min(0.5, 0.04 + 0.0125 * widest)
                fig.subplots_adjust(left=left, right=0.98, top=0.97, bottom=0.55 / height)
            out = io.StringIO()
            fig.savefig(out, format="svg", metadata={"Date": None})
        finally:
            plt.close(fig)
    svg = _STYLE.sub("", out.getvalue())
    svg = svg[svg.index("<svg") :]
    if id_prefix:
        svg = _ID.sub(lambda m: f"{m.group(1)}{id_prefix}", svg)
    return svg
