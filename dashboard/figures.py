"""Figure builders: pure functions of a posts DataFrame (see `data.posts_frame`) -> figures.

No database, no Dash, no clock: each is unit-tested on a hand-made DataFrame. Figures are plain
dicts in plotly's JSON schema, with numbers as base64 typed arrays: building `go.Figure`
objects validated every property and cost more than the rest of a callback together.

Text from the data (titles) is HTML-escaped before it goes into hover labels, because plotly
renders a small subset of HTML in labels and a title must show exactly as written.

A year with more than `POINTS_LIMIT` posts is drawn as weekly means (one point per week):
ten thousand points per line are unreadable and too heavy to send.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

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
    "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
    "hoverlabel": {"bgcolor": "#FFFFFF", "font": {"family": FONT}},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    "colorway": list(PALETTE),
}
AXIS = {"gridcolor": GRID, "zeroline": False, "linecolor": "#9AA5B1", "automargin": True}
# Above this many posts a year is drawn as weekly means (see the module's docstring).
POINTS_LIMIT = 1000
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


def typed(values) -> dict:
    """A numeric array as plotly's base64 typed array (float64; NaN is a gap in the line)."""
    array = np.ascontiguousarray(np.asarray(values, dtype="<f8"))
    return {"dtype": "f8", "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def untyped(values) -> list[float]:
    """The inverse of `typed` (for tests and readers of a figure); lists pass through."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype="<f8").tolist()
    return list(values)


def x_values(frame: pd.DataFrame, x: str) -> np.ndarray:
    """The x of each row. Dates go as epoch milliseconds (a date axis reads them) so they are
    sent as a compact binary array instead of one string per point."""
    if x == "week":
        return frame["week"].to_numpy(dtype=float)
    return frame["published"].to_numpy(dtype="datetime64[ms]").astype(np.int64).astype(float)


def hover_labels(frame: pd.DataFrame) -> list[list[str]]:
    """[title, date] per post, the title escaped for plotly's label markup."""
    return [[html.escape(t or "(untitled)", quote=False), d]
            for t, d in zip(frame["title"], frame["date"], strict=True)]


def weekly_means(frame: pd.DataFrame, columns: Sequence[str], x: str) -> pd.DataFrame:
    """One row per week: the mean per post of each column, the number of posts, and
    `published` = the week's Monday (so rolling windows and date axes work as for posts)."""
    if x == "week":
        key = frame["week"]
    else:
        key = frame["published"].dt.to_period("W-SUN").dt.start_time
    grouped = frame[list(columns)].astype(float).groupby(key.rename("key"))
    weeks = grouped.mean()
    weeks["posts"] = grouped.size()
    weeks = weeks.reset_index()
    if x == "week":
        weeks["week"] = weeks["key"]
        first = frame.groupby("week")["published"].min()
        weeks["published"] = weeks["week"].map(first)
    else:
        weeks["published"] = weeks["key"]
        weeks["week"] = weeks["key"].dt.isocalendar().week.astype(float).to_numpy()
    return weeks.drop(columns="key").sort_values("published").reset_index(drop=True)


def _points(frame: pd.DataFrame, columns: Sequence[str], x: str) -> tuple[pd.DataFrame, bool]:
    """The rows to draw: the posts themselves, or weekly means above POINTS_LIMIT posts."""
    if len(frame) <= POINTS_LIMIT:
        return frame, False
    return weekly_means(frame, columns, x), True


def _value_format(scale: str) -> str:
    return {"pct": ":.0f}%", "z": ":.2f} σ"}.get(scale, ":,.0f}")


def _layout(**extra) -> dict:
    layout = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE_LAYOUT.items()}
    layout.update(extra)
    return layout


def _line(x, y, name: str, i: int, customdata, hovertemplate: str, **extra) -> dict:
    return {"type": "scatter", "mode": "lines+markers", "x": typed(x), "y": typed(y),
            "name": name, "line": {"color": color(i), "width": 2},
            "marker": {"color": color(i), "size": 6}, "customdata": customdata,
            "hovertemplate": hovertemplate, **extra}


def _hover_and_data(points: pd.DataFrame, raw: np.ndarray, means: bool, label: str,
                    extra_line: str = "") -> tuple[list, str]:
    """customdata rows and the hover template: [title, date, raw value, url] for a post,
    [week label, posts, mean, ""] for a week (nothing to open)."""
    raw_list = np.where(np.isnan(raw), None, raw).tolist()
    if means:
        starts = points["published"].dt.strftime("%Y-%m-%d").tolist()
        rows = [[f"Week of {d}", int(n), v, ""]
                for d, n, v in zip(starts, points["posts"], raw_list, strict=True)]
        template = (f"<b>%{{customdata[0]}}</b><br>%{{customdata[1]}} posts<br>{label}, mean "
                    f"per post: %{{customdata[2]:,.1f}}{extra_line}<extra></extra>")
        return rows, template
    urls = points["url"].tolist()
    rows = [[t, d, v, u] for (t, d), v, u in zip(hover_labels(points), raw_list, urls,
                                                 strict=True)]
    template = (f"<b>%{{customdata[0]}}</b><br>%{{customdata[1]}}<br>{label}: "
                f"%{{customdata[2]:,.0f}}{extra_line}<extra></extra>")
    return rows, template


def weekly_figure(frame: pd.DataFrame, metrics: Sequence[str], scale: str = "raw",
                  rolling: int = 0, x: str = "date", uirevision: str = "view") -> dict:
    """One line per metric over the year. Raw values get one panel each (small multiples with
    a shared x axis); % and z-score share one axis. Hover: title, date, raw value (and the
    plotted value when it differs); customdata[3] is the post's URL, for opening it on click."""
    metrics = [m for m in metrics if m in frame.columns]
    if frame.empty or not metrics:
        return message_figure("Pick at least one metric." if not frame.empty else "No posts.")
    points, means = _points(frame, metrics, x)
    plotted = series(points, metrics, scale, rolling)
    xs = x_values(points, x)
    panels = scale == "raw" and len(metrics) > 1
    gap = 0.06
    height = (1.0 - gap * (len(metrics) - 1)) / len(metrics) if panels else 1.0
    layout = _layout(uirevision=uirevision, hovermode="closest", showlegend=not panels,
                     margin=dict(BASE_LAYOUT["margin"], t=16 if panels else 48),
                     xaxis=dict(AXIS, type="date" if x == "date" else "linear",
                                title={"text": "Week" if x == "week" else None}))
    if means:
        layout["title"] = {"text": f"{len(frame):,} posts: weekly means per post",
                           "font": {"size": 13}, "x": 0.01, "y": 0.99}
        layout["margin"]["t"] = 56
    data = []
    for i, metric in enumerate(metrics):
        axis = "" if not panels or i == 0 else str(i + 1)
        label = html.escape(metric_label(metric))
        extra_line = ""
        if scale != "raw" or rolling:
            shown = f"{rolling}-week mean" if rolling else "plotted"
            extra_line = f"<br>{shown}: %{{y{_value_format(scale)}"
        customdata, template = _hover_and_data(points, points[metric].to_numpy(dtype=float),
                                               means, label, extra_line)
        data.append(_line(xs, plotted[metric].to_numpy(dtype=float), metric_label(metric), i,
                          customdata, template, xaxis="x", yaxis=f"y{axis}"))
        top = 1.0 - i * (height + gap) if panels else 1.0
        layout[f"yaxis{axis}"] = dict(
            AXIS, domain=[max(0.0, top - height), top] if panels else [0, 1],
            title={"text": metric_label(metric) if panels else _scale_title(scale),
                   "font": {"size": 12}},
            ticksuffix="%" if scale == "pct" else "")
    if panels:  # the shared x axis sits under the bottom panel
        layout["xaxis"]["anchor"] = f"y{len(metrics)}"
    layout["height"] = max(380, 160 * len(metrics)) if panels else 420
    return {"data": data, "layout": layout}


def _scale_title(scale: str) -> str:
    return {"pct": "% of the year's maximum", "z": "z-score (σ from the year's mean)"}.get(
        scale, "Value")


def terms_figure(frame: pd.DataFrame, terms: Sequence[str], rolling: int = 0, x: str = "date",
                 uirevision: str = "view") -> dict:
    """Mentions of each tracked term per post, one line per term, on one shared axis."""
    columns = [TERM_PREFIX + t for t in terms if TERM_PREFIX + t in frame.columns]
    if frame.empty or not columns:
        return message_figure("No tracked terms in these posts." if not frame.empty
                              else "No posts.")
    points, means = _points(frame, columns, x)
    plotted = series(points, columns, "raw", rolling)
    xs = x_values(points, x)
    data = []
    for i, column in enumerate(columns):
        label = html.escape(metric_label(column))
        customdata, template = _hover_and_data(points, points[column].to_numpy(dtype=float),
                                               means, label)
        data.append(_line(xs, plotted[column].to_numpy(dtype=float), metric_label(column), i,
                          customdata, template, marker={"color": color(i), "size": 5}))
    title = "Mentions per post" + (f" ({rolling}-week mean)" if rolling else "")
    layout = _layout(uirevision=uirevision, height=360, hovermode="closest",
                     margin=dict(BASE_LAYOUT["margin"], t=16, b=72),
                     legend={"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0},
                     xaxis=dict(AXIS, type="date" if x == "date" else "linear"),
                     yaxis=dict(AXIS, title={"text": title, "font": {"size": 12}},
                                rangemode="tozero"))
    return {"data": data, "layout": layout}


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


def scatter_figure(frame: pd.DataFrame, sx: str, sy: str) -> tuple[dict, float | None]:
    """Any two metrics against each other, one point per post, with Pearson's r and the
    least-squares line. Above POINTS_LIMIT posts the points carry no titles (too heavy)."""
    if frame.empty or sx not in frame.columns or sy not in frame.columns:
        return message_figure("No posts."), None
    r = pearson(frame[sx], frame[sy])
    xs, ys = frame[sx].to_numpy(dtype=float), frame[sy].to_numpy(dtype=float)
    x_label, y_label = html.escape(metric_label(sx)), html.escape(metric_label(sy))
    values = f"{x_label}: %{{x:,.0f}}<br>{y_label}: %{{y:,.0f}}<extra></extra>"
    points = {"type": "scatter" if len(frame) <= WEBGL_POINTS else "scattergl",
              "mode": "markers", "name": "posts", "x": typed(xs), "y": typed(ys),
              "marker": {"color": PALETTE[0], "size": 8 if len(frame) <= POINTS_LIMIT else 4,
                         "opacity": 0.75 if len(frame) <= POINTS_LIMIT else 0.35,
                         "line": {"width": 0.5, "color": "#FFFFFF"}}}
    if len(frame) <= POINTS_LIMIT:
        points["customdata"] = [[t, d, u] for (t, d), u in
                                zip(hover_labels(frame), frame["url"].tolist(), strict=True)]
        points["hovertemplate"] = "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>" + values
    else:
        points["hovertemplate"] = values
    data = [points]
    if r is not None:
        both = ~np.isnan(xs + ys)
        slope, intercept = np.polyfit(xs[both], ys[both], 1)
        span = np.array([np.nanmin(xs), np.nanmax(xs)])
        data.append({"type": "scatter", "mode": "lines", "name": "least-squares line",
                     "x": typed(span), "y": typed(slope * span + intercept), "hoverinfo": "skip",
                     "line": {"color": PALETTE[3], "dash": "dash", "width": 2}})
    layout = _layout(height=380, showlegend=False, uirevision=f"{sx}|{sy}",
                     xaxis=dict(AXIS, title={"text": metric_label(sx)}),
                     yaxis=dict(AXIS, title={"text": metric_label(sy)}))
    return {"data": data, "layout": layout}, r


def words_per_week(frame: pd.DataFrame) -> pd.Series:
    """Total words published in each ISO week (weeks without posts count 0), indexed by the
    Monday that starts the week."""
    if frame.empty:
        return pd.Series(dtype=float)
    return frame.set_index("published")["words"].astype(float).resample(
        "W-MON", label="left", closed="left").sum()


def trend_per_week(weekly: pd.Series) -> float | None:
    """Least-squares slope of a weekly series, in units per week; None below 3 weeks."""
    if len(weekly) < 3:
        return None
    slope, _ = np.polyfit(np.arange(len(weekly), dtype=float), weekly.to_numpy(dtype=float), 1)
    return float(slope)


def sparkline_figure(weekly: pd.Series) -> dict:
    """The words-per-week trend as a small axis-less line for a summary card."""
    ms = weekly.index.to_numpy(dtype="datetime64[ms]").astype(np.int64).astype(float)
    return {"data": [{"type": "scatter", "mode": "lines", "x": typed(ms),
                      "y": typed(weekly.to_numpy(dtype=float)),
                      "line": {"color": PALETTE[0], "width": 2}, "fill": "tozeroy",
                      "fillcolor": "rgba(0,114,178,0.12)", "hoverinfo": "skip"}],
            "layout": _layout(height=60, margin={"l": 0, "r": 0, "t": 4, "b": 0},
                              showlegend=False, xaxis={"visible": False, "type": "date"},
                              yaxis={"visible": False, "rangemode": "tozero"})}


def message_figure(text: str) -> dict:
    """An empty figure that says why it is empty."""
    return {"data": [], "layout": _layout(
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
    layout = figure.get("layout", {})
    bounds = zoomed_x_range(zoom, layout.get("uirevision"))
    if bounds is None or "xaxis" not in layout:
        return figure
    return dict(figure, layout=dict(layout, xaxis=dict(layout["xaxis"], range=bounds,
                                                       autorange=False)))
