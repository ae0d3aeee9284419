"""Figure builders: pure functions of a posts DataFrame (see `data.posts_frame`) -> plotly figures.

No database, no Dash, no clock: each is unit-tested on a hand-made DataFrame. Text from the
data (titles) is HTML-escaped before it goes into hover labels, because plotly renders a small
subset of HTML in labels and a title must show exactly as written.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.metrics import METRICS, TERM_PREFIX

# Okabe & Ito (2008), the colour-blind-safe qualitative palette, most legible on white first.
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7",
                            "#000000", "#F0E442")
FONT = "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
GRID = "#E6E8EB"
# A lean template of our own: plotly's default one adds ~8 kB to every figure sent.
BASE_LAYOUT: dict = {
    "template": None,
    "font": {"family": FONT, "size": 13, "color": "#1F2933"},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "#FFFFFF",
    "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
    "hoverlabel": {"bgcolor": "#FFFFFF", "font": {"family": FONT}},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    "colorway": list(PALETTE),
}
AXIS = {"gridcolor": GRID, "zeroline": False, "linecolor": "#9AA5B1", "automargin": True}
# Above this many points, WebGL traces keep the page responsive.
WEBGL_POINTS = 2000


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def metric_label(name: str) -> str:
    if name.startswith(TERM_PREFIX):
        return f"“{name[len(TERM_PREFIX):]}”"
    return METRICS.get(name, name)


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


def rolling_mean(frame: pd.DataFrame, columns: Sequence[str], weeks: int) -> pd.DataFrame:
    """Trailing mean over the last `weeks` weeks of publishing dates (time-based window, so a
    week with three posts and a week with none count as what they are). 0 = no smoothing."""
    values = frame[list(columns)].astype(float)
    if weeks <= 0 or frame.empty:
        return values
    indexed = values.set_index(frame["published"])
    smoothed = indexed.rolling(f"{7 * weeks}D", min_periods=1).mean()
    return smoothed.set_axis(frame.index, axis=0)


def series(frame: pd.DataFrame, columns: Sequence[str], scale: str, weeks: int) -> pd.DataFrame:
    """Scaled then smoothed values. Both are affine per column, so the order does not change
    the result; scaling first means "% of the year's maximum" refers to the posts themselves."""
    scaled = pd.DataFrame({c: scale_values(frame[c], scale) for c in columns}, index=frame.index)
    if weeks <= 0 or frame.empty:
        return scaled
    return rolling_mean(scaled.assign(published=frame["published"]), columns, weeks)


def x_values(frame: pd.DataFrame, x: str) -> np.ndarray:
    """The x of each post. Dates go as epoch milliseconds (a date axis reads them) so they are
    sent as a compact binary array instead of one string per point."""
    if x == "week":
        return frame["week"].to_numpy(dtype=float)
    return frame["published"].to_numpy(dtype="datetime64[ms]").astype(np.int64).astype(float)


def hover_labels(frame: pd.DataFrame) -> np.ndarray:
    """Title and date per post, escaped for plotly's label markup."""
    titles = [html.escape(t or "(untitled)", quote=False) for t in frame["title"]]
    return np.array([titles, list(frame["date"])], dtype=object).T


def _scatter_type(n_points: int):
    return go.Scattergl if n_points > WEBGL_POINTS else go.Scatter


def _value_format(scale: str) -> str:
    return {"pct": ":.0f}%", "z": ":.2f} σ"}.get(scale, ":,.0f}")


def weekly_figure(frame: pd.DataFrame, metrics: Sequence[str], scale: str = "raw",
                  rolling: int = 0, x: str = "date", uirevision: str = "view") -> go.Figure:
    """One line per metric over the year. Raw values get one panel each (small multiples with
    a shared x axis); % and z-score share one axis. Hover: title, date, raw value (and the
    plotted value when it differs); customdata[3] is the post's URL, for opening it on click."""
    metrics = [m for m in metrics if m in frame.columns]
    if frame.empty or not metrics:
        return message_figure("Pick at least one metric." if not frame.empty else "No posts.")
    plotted = series(frame, metrics, scale, rolling)
    xs = x_values(frame, x)
    labels = hover_labels(frame)
    urls = frame["url"].to_numpy(dtype=object)
    trace_type = _scatter_type(len(frame))
    panels = scale == "raw" and len(metrics) > 1
    gap = 0.06
    height = (1.0 - gap * (len(metrics) - 1)) / len(metrics) if panels else 1.0
    layout = dict(BASE_LAYOUT, uirevision=uirevision, hovermode="closest",
                  margin=dict(BASE_LAYOUT["margin"], t=16 if panels else 48),
                  xaxis=dict(AXIS, type="date" if x == "date" else "linear",
                             title={"text": "Week" if x == "week" else None}),
                  showlegend=not panels)
    fig = go.Figure()
    for i, metric in enumerate(metrics):
        axis = "" if not panels or i == 0 else str(i + 1)
        raw = frame[metric].to_numpy(dtype=float)
        smoothed = plotted[metric].to_numpy(dtype=float)
        label = metric_label(metric)
        value_line = f"{label}: %{{customdata[2]:,.0f}}"
        if scale != "raw" or rolling:
            shown = f"{rolling}-week mean" if rolling else "plotted"
            value_line += f"<br>{shown}: %{{y{_value_format(scale)}"
        fig.add_trace(trace_type(
            x=xs, y=smoothed, name=label, mode="lines+markers",
            line={"color": color(i), "width": 2}, marker={"color": color(i), "size": 6},
            customdata=np.column_stack([labels, raw, urls]),
            hovertemplate=f"<b>%{{customdata[0]}}</b><br>%{{customdata[1]}}<br>{value_line}"
                          "<extra></extra>",
            xaxis="x", yaxis=f"y{axis}"))
        key = f"yaxis{axis}"
        top = 1.0 - i * (height + gap) if panels else 1.0
        layout[key] = dict(AXIS, domain=[max(0.0, top - height), top] if panels else [0, 1],
                           title={"text": label if panels else _scale_title(scale),
                                  "font": {"size": 12}},
                           ticksuffix="%" if scale == "pct" else "")
    if panels:  # the shared x axis sits under the bottom panel
        layout["xaxis"]["anchor"] = f"y{len(metrics)}"
    layout["height"] = max(380, 160 * len(metrics)) if panels else 420
    fig.update_layout(layout)
    return fig


def _scale_title(scale: str) -> str:
    return {"pct": "% of the year's maximum", "z": "z-score (σ from the year's mean)"}.get(
        scale, "Value")


def terms_figure(frame: pd.DataFrame, terms: Sequence[str], rolling: int = 0, x: str = "date",
                 uirevision: str = "view") -> go.Figure:
    """Mentions of each tracked term per post, one line per term, on one shared axis."""
    columns = [TERM_PREFIX + t for t in terms if TERM_PREFIX + t in frame.columns]
    if frame.empty or not columns:
        return message_figure("No tracked terms in these posts." if not frame.empty
                              else "No posts.")
    plotted = series(frame, columns, "raw", rolling)
    xs = x_values(frame, x)
    labels = hover_labels(frame)
    urls = frame["url"].to_numpy(dtype=object)
    trace_type = _scatter_type(len(frame))
    fig = go.Figure()
    for i, column in enumerate(columns):
        raw = frame[column].to_numpy(dtype=float)
        fig.add_trace(trace_type(
            x=xs, y=plotted[column].to_numpy(dtype=float), name=metric_label(column),
            mode="lines+markers", line={"color": color(i), "width": 2},
            marker={"color": color(i), "size": 5},
            customdata=np.column_stack([labels, raw, urls]),
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>"
                          f"{html.escape(metric_label(column))}: %{{customdata[2]:,.0f}}"
                          "<extra></extra>"))
    fig.update_layout(dict(BASE_LAYOUT, uirevision=uirevision, height=360, hovermode="closest",
                           margin=dict(BASE_LAYOUT["margin"], t=48),
                           xaxis=dict(AXIS, type="date" if x == "date" else "linear"),
                           yaxis=dict(AXIS, title={"text": "Mentions per post"
                                                   + (f" ({rolling}-week mean)" if rolling else ""),
                                                   "font": {"size": 12}}, rangemode="tozero")))
    return fig


def pearson(a: pd.Series, b: pd.Series) -> float | None:
    """Pearson's r over the posts that have both values; None when it is undefined
    (fewer than 3 posts, or one of the two never varies)."""
    both = pd.DataFrame({"a": a, "b": b}).astype(float).dropna()
    if len(both) < 3 or both["a"].std() == 0 or both["b"].std() == 0:
        return None
    return float(np.corrcoef(both["a"], both["b"])[0, 1])


def describe_r(r: float | None) -> str:
    if r is None:
        return "Pearson r: not defined (too few posts, or a metric that never changes)"
    strength = next(word for limit, word in ((0.8, "very strong"), (0.6, "strong"),
                                             (0.4, "moderate"), (0.2, "weak"), (0.0, "no clear"))
                    if abs(r) >= limit)
    direction = "" if strength == "no clear" else (" positive" if r > 0 else " negative")
    return f"Pearson r = {r:.2f}: {strength}{direction} correlation"


def scatter_figure(frame: pd.DataFrame, sx: str, sy: str) -> tuple[go.Figure, float | None]:
    """Any two metrics against each other, one point per post, with Pearson's r."""
    if frame.empty or sx not in frame.columns or sy not in frame.columns:
        return message_figure("No posts."), None
    r = pearson(frame[sx], frame[sy])
    labels = hover_labels(frame)
    xs, ys = frame[sx].to_numpy(dtype=float), frame[sy].to_numpy(dtype=float)
    fig = go.Figure(_scatter_type(len(frame))(
        x=xs, y=ys, mode="markers", name="posts",
        marker={"color": PALETTE[0], "size": 8, "opacity": 0.75,
                "line": {"width": 0.5, "color": "#FFFFFF"}},
        customdata=np.column_stack([labels, frame["url"].to_numpy(dtype=object)]),
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>"
                      f"{html.escape(metric_label(sx))}: %{{x:,.0f}}<br>"
                      f"{html.escape(metric_label(sy))}: %{{y:,.0f}}<extra></extra>"))
    if r is not None:
        slope, intercept = np.polyfit(xs[~np.isnan(xs + ys)], ys[~np.isnan(xs + ys)], 1)
        span = np.array([np.nanmin(xs), np.nanmax(xs)])
        fig.add_trace(go.Scatter(x=span, y=slope * span + intercept, mode="lines",
                                 name="least-squares line", hoverinfo="skip",
                                 line={"color": PALETTE[3], "dash": "dash", "width": 2}))
    fig.update_layout(dict(BASE_LAYOUT, height=380, showlegend=False, uirevision=f"{sx}|{sy}",
                           xaxis=dict(AXIS, title={"text": metric_label(sx)}),
                           yaxis=dict(AXIS, title={"text": metric_label(sy)})))
    return fig, r


def words_per_week(frame: pd.DataFrame) -> pd.Series:
    """Total words published in each ISO week (weeks without posts count 0), indexed by the
    Monday that starts the week."""
    if frame.empty:
        return pd.Series(dtype=float)
    weekly = frame.set_index("published")["words"].astype(float).resample("W-MON", label="left",
                                                                          closed="left").sum()
    return weekly


def trend_per_week(weekly: pd.Series) -> float | None:
    """Least-squares slope of a weekly series, in units per week; None below 3 weeks."""
    if len(weekly) < 3:
        return None
    slope, _ = np.polyfit(np.arange(len(weekly), dtype=float), weekly.to_numpy(dtype=float), 1)
    return float(slope)


def sparkline_figure(weekly: pd.Series) -> go.Figure:
    """The words-per-week trend as a small axis-less line for a summary card."""
    fig = go.Figure(go.Scatter(x=weekly.index, y=weekly.to_numpy(dtype=float), mode="lines",
                               line={"color": PALETTE[0], "width": 2}, fill="tozeroy",
                               fillcolor="rgba(0,114,178,0.12)",
                               hovertemplate="week of %{x|%d %b}: %{y:,.0f} words<extra></extra>"))
    fig.update_layout(dict(BASE_LAYOUT, height=60, margin={"l": 0, "r": 0, "t": 4, "b": 0},
                           showlegend=False, xaxis={"visible": False},
                           yaxis={"visible": False, "rangemode": "tozero"}))
    return fig


def message_figure(text: str) -> go.Figure:
    """An empty figure that says why it is empty."""
    fig = go.Figure()
    fig.update_layout(dict(BASE_LAYOUT, height=240, xaxis={"visible": False},
                           yaxis={"visible": False},
                           annotations=[{"text": html.escape(text), "showarrow": False,
                                         "font": {"size": 15, "color": "#52606D"},
                                         "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}]))
    return fig
