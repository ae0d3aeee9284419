"""What every figure of the page shares: the look, compact number arrays, labels, scaling,
the empty-figure message and the kept x zoom. Each view's own figure function lives in its
module under `dashboard/views/`.

Figures are plain dicts in plotly's JSON schema, with numbers as base64 typed arrays: building
`go.Figure` objects validated every property and cost more than the rest of a callback together.
Text from the data (titles) is HTML-escaped before it goes into hover labels, because plotly
renders a small subset of HTML in labels and a title must show exactly as written.
"""

from __future__ import annotations

import base64
import html
import math

import numpy as np
import pandas as pd

from blogstats import summaries
from dashboard.metrics import METRICS, TERM_PREFIX

# Okabe & Ito (2008), the colour-blind-safe qualitative palette, most legible on white first.
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7",
                            "#000000", "#F0E442")
FONT = "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
GRID = "#E6E8EB"
# A lean template of our own: plotly's default one adds ~8 kB to every figure sent.
BASE_LAYOUT: dict = {
    "template": {},
    "font": {"family": FONT, "size": 13, "color": "#1F2933"},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "#FFFFFF",
    # t=40: room above the plot for plotly's toolbar, which is always shown on touch screens
    "margin": {"l": 56, "r": 16, "t": 40, "b": 40},
    "hoverlabel": {"bgcolor": "#FFFFFF", "font": {"family": FONT}},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    "colorway": list(PALETTE),
}
AXIS = {"gridcolor": GRID, "zeroline": False, "linecolor": "#9AA5B1", "automargin": True}
# Above this many posts a year is drawn per week, and the scatter draws a sample (one home:
# the summaries keep that sample).
POINTS_LIMIT = summaries.POINTS_LIMIT


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def metric_label(name: str) -> str:
    if name.startswith(TERM_PREFIX):
        return f"“{name[len(TERM_PREFIX):]}”"
    return METRICS.get(name, name)


def layout(**extra) -> dict:
    base = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE_LAYOUT.items()}
    base.update(extra)
    return base


def scale_values(values: pd.Series, scale: str) -> pd.Series:
    """Raw values, % of their maximum, or z-scores (population standard deviation).

    A column of zeros stays zero under both scalings rather than dividing by zero.
    """
    values = values.astype(float)
    if scale == "pct":
        peak = values.max(skipna=True)
        return values * 0.0 if not peak or math.isnan(peak) else values / peak * 100.0
    if scale == "z":
        spread = values.std(ddof=0, skipna=True)
        if not spread or math.isnan(spread):
            return values * 0.0
        return (values - values.mean(skipna=True)) / spread
    return values


def value_format(scale: str) -> str:
    return {"pct": ":.0f}%", "z": ":.2f} σ"}.get(scale, ":,.0f}")


def scale_title(scale: str) -> str:
    return {"pct": "% of the year's maximum", "z": "z-score (σ from the year's mean)"}.get(
        scale, "Value")


def typed(values) -> dict:
    """A numeric array as plotly's base64 typed array (float64; NaN is a gap in the line)."""
    array = np.ascontiguousarray(np.asarray(values, dtype="<f8"))
    return {"dtype": "f8", "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def untyped(values) -> list[float]:
    """The inverse of `typed` (for tests and readers of a figure); lists pass through."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype="<f8").tolist()
    return list(values)


def epoch_ms(days) -> np.ndarray:
    """Dates as epoch milliseconds (a date axis reads them), sent as a compact binary array
    instead of one string per point."""
    return np.asarray(days, dtype="datetime64[ms]").astype(np.int64).astype(float)


def escape(text: object, empty: str = "(untitled)") -> str:
    return html.escape(str(text) if text else empty, quote=False)


def message_figure(text: str) -> dict:
    """An empty figure that says why it is empty."""
    return {"data": [], "layout": layout(
        height=240, xaxis={"visible": False}, yaxis={"visible": False},
        annotations=[{"text": html.escape(text), "showarrow": False,
                      "font": {"size": 15, "color": "#52606D"},
                      "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}])}


def zoomed_x_range(zoom: object, uirevision: object) -> list | None:
    """The x range the user zoomed or panned to on a figure of this `uirevision`, or None.

    `zoom` is what the page's `rememberZoom` stores from the graph's relayout events:
    {"rev": the figure's uirevision then, "range": [x0, x1] or None after an autoscale}. A zoom
    made on another site, year or x axis does not apply. Values stay numbers or short strings.
    """
    if not isinstance(zoom, dict) or zoom.get("rev") != uirevision:
        return None
    bounds = zoom.get("range")
    if not isinstance(bounds, list) or len(bounds) != 2:
        return None
    for value in bounds:
        ok_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (ok_number or (isinstance(value, str) and len(value) <= 40)):
            return None
    return list(bounds)


def keep_x_zoom(figure: dict, zoom: object) -> dict:
    """The figure with the user's x zoom kept. Plotly's uirevision should do this alone, but
    Dash >= 4.2's dcc.Graph re-renders after each zoom and plotly then forgets it (dash PR
    #3785), so the page remembers the zoom itself and the next figure carries it."""
    base = figure.get("layout", {})
    bounds = zoomed_x_range(zoom, base.get("uirevision"))
    if bounds is None or "xaxis" not in base:
        return figure
    return dict(figure, layout=dict(base, xaxis=dict(base["xaxis"], range=bounds,
                                                     autorange=False)))
