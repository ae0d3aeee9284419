"""Blogs compared (`/compare`): several blog-years on one metric, week by week, on one chart or
one small chart per blog with the same axes.

Each line is a site-year's weeks from its summaries (a few dozen documents whatever its size):
the number of posts, or a metric's weekly mean per post, median or sum. The x axis is the week
of the year (ISO weeks; the days of 1-3 January that belong to the previous ISO year sit before
week 1, those of 29-31 December that belong to the next after the last week), so years and
blogs line up. `series` and the figure functions are pure; the years of one blog are drawn by
the same code (views/years.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from blogstats import weeks
from dashboard import figures
from dashboard.data import UNAVAILABLE, DatabaseUnavailableError
from dashboard.figures import escape, typed
from dashboard.metrics import AGGREGATES, COMPARE_LAYOUTS, PER_WEEK_METRICS
from dashboard.urlstate import (
    MAX_COMPARED,
    CompareState,
    compare_query,
    parse_compare,
    site_year_key,
    split_site_year,
)
from dashboard.views import common
from dashboard.views.lines import PER_WEEK_WORDS
from dashboard.year import Year

MULTIPLE_PX = 220
WEEK_AGGREGATES = {k: v for k, v in AGGREGATES.items() if k != "post"}


@dataclass(frozen=True)
class Series:
    name: str
    x: np.ndarray       # week of the year
    y: np.ndarray
    posts: np.ndarray   # posts of each week
    starts: list[str]   # each week's Monday, for the hover label


def week_of_year(mondays: pd.DatetimeIndex, year: int) -> np.ndarray:
    """The position of each ISO week (by its Monday) on a week-of-`year` axis."""
    out = []
    for monday in mondays:
        iso = monday.isocalendar()
        if iso.year < year:
            out.append(iso.week - weeks.weeks_in_iso_year(iso.year))
        elif iso.year > year:
            out.append(iso.week + weeks.weeks_in_iso_year(year))
        else:
            out.append(iso.week)
    return np.asarray(out, dtype=float)


def series(year: Year, metric: str, agg: str, name: str) -> Series:
    """One site-year's weekly line of `metric` ("posts" or a metric) (pure given `year`):
    every week from its first to its last, a week without posts as 0 posts (and a sum of 0)
    or as a gap (a mean or median of nothing)."""
    table = year.weeks("date")
    if not len(table):
        return Series(name, np.array([]), np.array([]), np.array([]), [])
    mondays = pd.DatetimeIndex(table["x"])
    posts = table["posts"].to_numpy(dtype=float)
    if metric == "posts":
        values = posts
    elif metric in table.columns:
        values = weeks.per_week(table, metric, agg)
    else:
        values = np.full(len(table), np.nan)
    every = pd.date_range(mondays.min(), mondays.max(), freq="7D")
    position = pd.Index(mondays).get_indexer(every)
    found = position >= 0
    empty = 0.0 if metric == "posts" or agg == "sum" else np.nan
    y = np.where(found, np.asarray(values, float)[position], empty)
    return Series(name=name, x=week_of_year(every, year.year), y=y,
                  posts=np.where(found, posts[position], 0.0),
                  starts=[f"{m:%Y-%m-%d}" for m in every])


def value_title(metric: str, agg: str) -> str:
    if metric == "posts":
        return "Posts per week"
    return f"{PER_WEEK_METRICS[metric]}, {PER_WEEK_WORDS.get(agg, agg)}"


def _trace(s: Series, i: int, metric: str, agg: str, **extra) -> dict:
    what = escape(value_title(metric, agg), "")
    return {"type": "scatter", "mode": "lines+markers", "name": s.name, "x": typed(s.x),
            "y": typed(s.y), "line": {"color": figures.color(i), "width": 2},
            "marker": {"color": figures.color(i), "size": 5},
            "customdata": [[escape(s.name, ""), d, int(p)] for d, p in
                           zip(s.starts, s.posts, strict=True)],
            "hovertemplate": (f"<b>%{{customdata[0]}}</b><br>Week %{{x}} (from %{{customdata[1]}})"
                              f"<br>%{{customdata[2]}} posts<br>{what}: %{{y:,.1f}}"
                              "<extra></extra>"), **extra}


def _x_axis() -> dict:
    return dict(figures.AXIS, title={"text": "Week of the year"}, tickangle=0, nticks=8,
                range=[0, 54])


def overlay_figure(lines: Sequence[Series], metric: str, agg: str, height: int = 420) -> dict:
    """Every series on one chart."""
    if not lines:
        return figures.message_figure("Choose the blogs to compare.")
    # the legend under the plot: above it, plotly's toolbar covers it on a phone
    rows = -(-len(lines) // 2)
    layout = figures.layout(height=height + 22 * rows, hovermode="closest", xaxis=_x_axis(),
                            margin=dict(figures.BASE_LAYOUT["margin"], b=72 + 22 * rows),
                            yaxis=dict(figures.AXIS, rangemode="tozero",
                                       title={"text": value_title(metric, agg),
                                              "font": {"size": 12}}),
                            legend={"orientation": "h", "yref": "container", "y": 0,
                                    "yanchor": "bottom", "x": 0})
    return {"data": [_trace(s, i, metric, agg) for i, s in enumerate(lines)], "layout": layout}


def shared_range(lines: Sequence[Series]) -> list[float]:
    """One y range for every small chart, so that their heights compare."""
    values = np.concatenate([s.y[~np.isnan(s.y)] for s in lines] or [np.array([])])
    top = float(values.max()) if values.size else 1.0
    return [0.0, top * 1.08 if top > 0 else 1.0]


def multiple_figures(lines: Sequence[Series], metric: str, agg: str) -> list[dict]:
    """One small chart per series, with the same axes."""
    y_range = shared_range(lines)
    out = []
    for i, s in enumerate(lines):
        layout = figures.layout(
            height=MULTIPLE_PX, showlegend=False, hovermode="closest",
            margin={"l": 48, "r": 8, "t": 8, "b": 32},
            xaxis=dict(_x_axis(), title=None), yaxis=dict(figures.AXIS, range=y_range))
        out.append({"data": [_trace(s, i, metric, agg)], "layout": layout})
    return out


def label_of(site: str, year: int, names: dict[str, str]) -> str:
    return f"{common.blog_name(site, names)} · {year}"


def choices(repo) -> list[dict]:
    """Every site-year with posts, as dropdown options."""
    names = repo.blog_names()
    return [{"label": label_of(site, y, names), "value": site_year_key(site, y)}
            for site, years in repo.sites_and_years().items() for y in years]


def chosen_years(repo, state: CompareState) -> list[tuple[str, Year]]:
    """(label, year) of each site-year asked for that the database holds."""
    names = repo.blog_names()
    out = []
    for key in state.blogs:
        parsed = split_site_year(key)
        if parsed is None or not repo.holds(*parsed):
            continue
        year = Year.from_repository(repo, *parsed)
        if year is not None:
            out.append((label_of(*parsed, names), year))
    return out


def default_blogs(repo) -> tuple[str, ...]:
    """The newest year's blogs (up to MAX_COMPARED), when the URL names none."""
    available = repo.sites_and_years()
    if not available:
        return ()
    newest = max(y for years in available.values() for y in years)
    return tuple(site_year_key(site, newest) for site, years in available.items()
                 if newest in years)[:MAX_COMPARED]


def _options(mapping: dict[str, str]) -> list[dict]:
    return [{"label": label, "value": value} for value, label in mapping.items()]


def layout() -> html.Div:
    state = CompareState()
    return html.Div(className="compare-page", children=[
        # the page's own view of the address: a callback writing to the shell's would run on
        # every page, its inputs missing
        dcc.Location(id="compare-url", refresh=False),
        html.Div(className="page-head", children=[
            html.Div([html.H2("Blogs compared", className="page-title"),
                      html.P("Blogs and years on one metric, week by week.",
                             className="panel-note")]),
        ]),
        html.Section(className="panel controls", children=[
            html.Div(className="control control-wide", children=[
                html.Label("Blogs", className="control-label"),
                dcc.Dropdown(id="compare-blogs", multi=True, options=[], value=[],
                             className="dropdown", placeholder="Choose blogs")]),
            html.Div(className="control-row", children=[
                html.Div(className="control", children=[
                    html.Label("Metric", className="control-label"),
                    dcc.Dropdown(id="compare-metric", options=_options(PER_WEEK_METRICS),
                                 value=state.metric, clearable=False,
                                 className="dropdown")]),
                html.Div(className="control", children=[
                    html.Label("Each week", className="control-label"),
                    dcc.RadioItems(id="compare-agg", options=_options(WEEK_AGGREGATES),
                                   value=state.agg, className="segmented")]),
                html.Div(className="control", children=[
                    html.Label("Layout", className="control-label"),
                    dcc.RadioItems(id="compare-layout", options=_options(COMPARE_LAYOUTS),
                                   value=state.layout, className="segmented")]),
            ]),
        ]),
        html.Section(className="panel", children=[
            dcc.Loading(html.Div(id="compare-charts", className="compare-charts"),
                        type="dot", delay_show=300)]),
    ])


def register(app: Dash, repo) -> None:
    controls = ("compare-blogs", "compare-metric", "compare-agg", "compare-layout")

    @app.callback(
        Output("compare-url", "search"),
        *[Output(c, "value") for c in controls], Output("compare-blogs", "options"),
        Input("compare-url", "search"), Input("db-status", "data"),
        *[Input(c, "value") for c in controls])
    def sync(search, status, blogs, metric, agg, chart_layout):
        """The URL sets the controls on arrival; a control rewrites the URL."""
        if common.database_down(status):
            return (no_update,) * 6
        try:
            options = choices(repo)
            if ctx.triggered_id in controls:
                keys = [b for b in blogs if isinstance(b, str)] if isinstance(blogs, list) else []
                state = parse_compare(compare_query(CompareState(
                    tuple(keys), *(v if isinstance(v, str) else "" for v in
                                   (metric, agg, chart_layout)))))
            else:
                state = parse_compare(search)
                if not state.blogs:
                    state = CompareState(default_blogs(repo), state.metric, state.agg,
                                         state.layout)
        except DatabaseUnavailableError:
            return (no_update,) * 6
        known = {o["value"] for o in options}
        state = CompareState(tuple(b for b in state.blogs if b in known), state.metric,
                             state.agg, state.layout)
        query = compare_query(state)
        wanted = (list(state.blogs), state.metric, state.agg, state.layout)
        current = (blogs, metric, agg, chart_layout)
        return (query if query != search else no_update,
                *[no_update if c == w else w for c, w in zip(current, wanted, strict=True)],
                options)

    @app.callback(
        Output("compare-charts", "children"),
        Input("compare-blogs", "value"), Input("compare-metric", "value"),
        Input("compare-agg", "value"), Input("compare-layout", "value"),
        State("db-status", "data"))
    def draw(blogs, metric, agg, chart_layout, status):
        if common.database_down(status):
            return html.P(UNAVAILABLE, className="panel-note")
        keys = [b for b in blogs if isinstance(b, str)] if isinstance(blogs, list) else []
        state = parse_compare(compare_query(CompareState(
            tuple(keys), *(v if isinstance(v, str) else "" for v in
                           (metric, agg, chart_layout)))))
        try:
            lines = [series(year, state.metric, state.agg, label)
                     for label, year in chosen_years(repo, state)]
        except DatabaseUnavailableError as exc:
            return html.P(str(exc), className="panel-note")
        if state.layout == "multiples" and lines:
            # the name above each chart in the page, not in the figure (where plotly's
            # toolbar would cover it); no toolbar on a chart this small
            return [html.Div(className="small", children=[
                html.H3(line.name, className="small-title"),
                dcc.Graph(figure=fig, id=f"compare-small-{i}", className="graph",
                          config={"displayModeBar": False})])
                for i, (line, fig) in enumerate(zip(lines, multiple_figures(
                    lines, state.metric, state.agg), strict=True))]
        return dcc.Graph(id="compare-graph", config=common.GRAPH_CONFIG, className="graph",
                         figure=overlay_figure(lines, state.metric, state.agg))
