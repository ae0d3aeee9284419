"""How two metrics relate: one dot per post (a density of posts above `POINTS_LIMIT`), with
Pearson's r and the least-squares line."""

from __future__ import annotations

import numpy as np
import pandas as pd
from dash import Dash, Input, Output, dcc, html

from dashboard import figures
from dashboard.figures import PALETTE, POINTS_LIMIT, escape, metric_label, typed
from dashboard.metrics import METRICS
from dashboard.urlstate import ViewState
from dashboard.views import common

DENSITY_BINS = (60, 40)


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


def _points(year, sx: str, sy: str) -> dict:
    posts = year.posts
    xs, ys = posts[sx].to_numpy(dtype=float), posts[sy].to_numpy(dtype=float)
    values = (f"{escape(metric_label(sx))}: %{{x:,.0f}}<br>{escape(metric_label(sy))}: "
              "%{y:,.0f}<extra></extra>")
    return {"type": "scatter", "mode": "markers", "name": "posts", "x": typed(xs),
            "y": typed(ys),
            "marker": {"color": PALETTE[0], "size": 8, "opacity": 0.75,
                       "line": {"width": 0.5, "color": "#FFFFFF"}},
            "customdata": [[escape(t), d, u] for t, d, u in
                           zip(posts["title"], posts["date"], posts["url"], strict=True)],
            "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>" + values}


def _density(xs: np.ndarray, ys: np.ndarray, sx: str, sy: str) -> dict:
    """Posts counted in a grid of cells: fifty thousand dots would be one blot (and a heavy
    page); a heatmap shows where posts crowd. SVG only, so it runs under the page's CSP."""
    both = ~np.isnan(xs) & ~np.isnan(ys)
    counts, x_edges, y_edges = np.histogram2d(xs[both], ys[both], bins=DENSITY_BINS)
    z = np.where(counts.T > 0, counts.T, np.nan)
    return {"type": "heatmap", "name": "posts",
            "x": typed((x_edges[:-1] + x_edges[1:]) / 2),
            "y": typed((y_edges[:-1] + y_edges[1:]) / 2),
            "z": [[None if np.isnan(v) else int(v) for v in row] for row in z],
            "colorscale": [[0, "#E3F0F9"], [1, PALETTE[0]]], "showscale": False,
            "hovertemplate": (f"{escape(metric_label(sx))} ≈ %{{x:,.0f}}<br>"
                              f"{escape(metric_label(sy))} ≈ %{{y:,.0f}}<br>%{{z}} posts"
                              "<extra></extra>")}


def figure(year, sx: str, sy: str) -> tuple[dict, float | None]:
    numbers = year.numbers
    if numbers.empty or sx not in numbers.columns or sy not in numbers.columns:
        return figures.message_figure("No posts."), None
    xs, ys = numbers[sx].to_numpy(dtype=float), numbers[sy].to_numpy(dtype=float)
    r = pearson(numbers[sx], numbers[sy])
    data = [_points(year, sx, sy) if len(numbers) <= POINTS_LIMIT
            else _density(xs, ys, sx, sy)]
    if r is not None:
        both = ~np.isnan(xs + ys)
        slope, intercept = np.polyfit(xs[both], ys[both], 1)
        span = np.array([np.nanmin(xs), np.nanmax(xs)])
        data.append({"type": "scatter", "mode": "lines", "name": "least-squares line",
                     "x": typed(span), "y": typed(slope * span + intercept), "hoverinfo": "skip",
                     "line": {"color": PALETTE[3], "dash": "dash", "width": 2}})
    layout = figures.layout(height=380, showlegend=False, uirevision=f"{sx}|{sy}",
                            xaxis=dict(figures.AXIS, title={"text": metric_label(sx)}),
                            yaxis=dict(figures.AXIS, title={"text": metric_label(sy)}))
    return {"data": data, "layout": layout}, r


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
    return common.graph_panel("How two metrics relate", "scatter-graph", "Each dot is a post.",
                              controls(state))


def register(app: Dash, repo) -> None:
    @app.callback(
        Output("scatter-graph", "figure"), Output("pearson", "children"),
        Input("site", "value"), Input("year", "value"), Input("sx", "value"),
        Input("sy", "value"), Input("db-status", "data"), Input("data-version", "data"))
    def update_scatter(site, year, sx, sy, status, _version):
        view = common.view_of(sx=sx, sy=sy, site=site, year=year)
        chosen, message = common.open_view(repo, view, status)
        if chosen is None:
            return figures.message_figure(message), ""
        try:
            fig, r = figure(chosen, view.sx, view.sy)
        except common.DatabaseUnavailableError as exc:
            return figures.message_figure(str(exc)), ""
        return fig, describe_r(r)
