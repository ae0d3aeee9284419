"""How two metrics relate: one dot per post, with Pearson's r and the least-squares line.

r and the line come from the moments the summaries keep for every pair of metrics (sums of the
values, their squares and products over every post), so they cover every post whatever the
year's size. The dots are every post of a year of at most `POINTS_LIMIT` posts; above that, the
summaries' sample of that many posts spread evenly over the year, and the panel says so.
"""

from __future__ import annotations

import math

import numpy as np
from dash import Dash, Input, Output, dcc, html

from blogstats.postframe import METRIC_FIELDS
from dashboard import figures
from dashboard.figures import PALETTE, escape, metric_label, typed
from dashboard.metrics import METRICS
from dashboard.urlstate import ViewState
from dashboard.views import common

EVERY_POST = "Each dot is a post."


def moments(summary: dict, sx: str, sy: str) -> tuple[float, ...] | None:
    """(n, mean x, mean y, Σ(x-x̄)², Σ(y-ȳ)², Σ(x-x̄)(y-ȳ)) of two metrics over the posts
    that have both, from a summary's `pairs` (stored once per unordered pair)."""
    pairs = summary.get("pairs") or {}
    first, second = sorted((sx, sy), key=METRIC_FIELDS.index)
    stored = pairs.get(f"{first}|{second}")
    if not isinstance(stored, list) or len(stored) != 6:
        return None
    n, ma, mb, saa, sbb, sab = (float(v) for v in stored)
    return (n, ma, mb, saa, sbb, sab) if first == sx else (n, mb, ma, sbb, saa, sab)


def _varies(spread: float, mean: float, n: float) -> bool:
    # a spread at the level of rounding errors is none
    return spread > 1e-12 * max(n * mean * mean, 1e-300)


def pearson(m: tuple[float, ...] | None) -> float | None:
    """Pearson's r from centred moments; None when it is undefined (fewer than 3 posts, or one
    of the two never varies)."""
    if m is None or m[0] < 3:
        return None
    n, mx, my, sxx, syy, sxy = m
    if not _varies(sxx, mx, n) or not _varies(syy, my, n):
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def least_squares(m: tuple[float, ...]) -> tuple[float, float]:
    """(slope, intercept) of y on x from centred moments (when `pearson` is defined)."""
    _n, mx, my, sxx, _syy, sxy = m
    slope = sxy / sxx
    return slope, my - slope * mx


def describe_r(r: float | None) -> str:
    if r is None:
        return "Pearson r: not defined (too few posts, or a metric that never changes)"
    strength = next(word for limit, word in ((0.8, "very strong"), (0.6, "strong"),
                                             (0.4, "moderate"), (0.2, "weak"), (0.0, "no clear"))
                    if abs(r) >= limit)
    direction = "" if strength == "no clear" else (" positive" if r > 0 else " negative")
    return f"Pearson r = {r:.2f}: {strength}{direction} correlation"


def dots(year, sx: str, sy: str) -> tuple[dict, str]:
    """The posts' dots (every post, or the summaries' sample) and what they are."""
    if year.drawn_per_post:
        posts = year.posts
        xs, ys = posts[sx].to_numpy(dtype=float), posts[sy].to_numpy(dtype=float)
        labels = zip(posts["title"], posts["date"], posts["url"], strict=True)
        note = EVERY_POST
    else:
        sample = (year.ranks or {}).get("sample") or {}
        values = sample.get("metrics") or {}
        xs = np.array([np.nan if v is None else v for v in values.get(sx, [])], dtype=float)
        ys = np.array([np.nan if v is None else v for v in values.get(sy, [])], dtype=float)
        labels = zip(sample.get("title", []), sample.get("date", []), sample.get("url", []),
                     strict=True)
        note = (f"{len(xs):,} of {year.post_count:,} posts, spread evenly over the year; r "
                "and the line use every post.")
    values = (f"{escape(metric_label(sx))}: %{{x:,.0f}}<br>{escape(metric_label(sy))}: "
              "%{y:,.0f}<extra></extra>")
    trace = {"type": "scatter", "mode": "markers", "name": "posts", "x": typed(xs),
             "y": typed(ys),
             "marker": {"color": PALETTE[0], "size": 8 if year.drawn_per_post else 6,
                        "opacity": 0.75, "line": {"width": 0.5, "color": "#FFFFFF"}},
             "customdata": [[escape(t), d, u] for t, d, u in labels],
             "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>" + values}
    return trace, note


def figure(year, sx: str, sy: str) -> tuple[dict, float | None, str]:
    """(the figure, Pearson's r, what the dots are) of a `year.Year`."""
    if not year.post_count or sx not in METRICS or sy not in METRICS:
        return figures.message_figure("No posts."), None, ""
    m = moments(year.summary, sx, sy)
    r = pearson(m)
    trace, note = dots(year, sx, sy)
    data = [trace]
    if r is not None:
        slope, intercept = least_squares(m)
        stats = (year.summary.get("metrics") or {}).get(sx) or {}
        span = np.array([stats.get("min") or 0.0, stats.get("max") or 0.0], dtype=float)
        data.append({"type": "scatter", "mode": "lines", "name": "least-squares line",
                     "x": typed(span), "y": typed(slope * span + intercept), "hoverinfo": "skip",
                     "line": {"color": PALETTE[3], "dash": "dash", "width": 2}})
    layout = figures.layout(height=380, showlegend=False, uirevision=f"{sx}|{sy}",
                            xaxis=dict(figures.AXIS, title={"text": metric_label(sx)}),
                            yaxis=dict(figures.AXIS, title={"text": metric_label(sy)}))
    return {"data": data, "layout": layout}, r, note


def _options() -> list[dict]:
    return [{"label": label, "value": value} for value, label in METRICS.items()]


def controls(state: ViewState) -> html.Div:
    return html.Div(className="control-row", children=[
        html.Div([html.Label("Horizontal", className="control-label"),
                  dcc.Dropdown(id="sx", options=_options(), value=state.sx, clearable=False,
                               className="dropdown")], className="control"),
        html.Div([html.Label("Vertical", className="control-label"),
                  dcc.Dropdown(id="sy", options=_options(), value=state.sy, clearable=False,
                               className="dropdown")], className="control"),
        html.Div(id="pearson", className="pearson", role="status"),
    ])


def layout(state: ViewState):
    return common.graph_panel("How two metrics relate", "scatter-graph", EVERY_POST,
                              controls(state), note_id="scatter-note")


def register(app: Dash, repo) -> None:
    @app.callback(
        Output("scatter-graph", "figure"), Output("pearson", "children"),
        Output("scatter-note", "children"),
        Input("site", "value"), Input("year", "value"), Input("sx", "value"),
        Input("sy", "value"), Input("db-status", "data"), Input("data-version", "data"))
    def update_scatter(site, year, sx, sy, status, _version):
        view = common.view_of(sx=sx, sy=sy, site=site, year=year)
        chosen, message = common.open_view(repo, view, status)
        if chosen is None:
            return figures.message_figure(message), "", EVERY_POST
        try:
            fig, r, note = figure(chosen, view.sx, view.sy)
        except common.DatabaseUnavailableError as exc:
            return figures.message_figure(str(exc)), "", EVERY_POST
        return fig, describe_r(r), note
