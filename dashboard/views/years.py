"""A blog's years against each other (in `/blog`): the chosen metric week by week, one line per
year of the blog on a week-of-the-year axis (2014 against 2015), from each year's summaries.
Drawn by the comparisons' code (views/compare.py)."""

from __future__ import annotations

from dash import Dash, Input, Output, dcc, html

from dashboard import figures
from dashboard.data import DatabaseUnavailableError
from dashboard.metrics import PER_WEEK_METRICS
from dashboard.urlstate import ViewState
from dashboard.views import common, compare
from dashboard.year import Year


def figure(years: list[Year], metric: str, agg: str) -> dict:
    """One line per year (newest first in the legend) (pure given the years)."""
    lines = [compare.series(y, metric, agg, str(y.year)) for y in years]
    return compare.overlay_figure(lines, metric, agg, height=380)


def layout(state: ViewState) -> html.Section:
    control = html.Div(className="control-row", children=[html.Div(className="control", children=[
        html.Label("Metric", className="control-label"),
        dcc.Dropdown(id="ym", options=[{"label": label, "value": value}
                                       for value, label in PER_WEEK_METRICS.items()],
                     value=state.ym, clearable=False, className="dropdown")])])
    return common.graph_panel(
        "Year against year", "years-graph",
        "The blog's years week by week: the weekly mean per post, median or sum as the "
        "points above ask (each post: the mean).", control)


def register(app: Dash, repo) -> None:
    @app.callback(
        Output("years-graph", "figure"),
        Input("site", "value"), Input("year", "value"), Input("ym", "value"),
        Input("agg", "value"), Input("db-status", "data"), Input("data-version", "data"))
    def update_years(site, year, ym, agg, status, _version):
        view = common.view_of(site=site, year=year, ym=ym, agg=agg)
        chosen, message = common.open_view(repo, view, status)
        if chosen is None:
            return figures.message_figure(message)
        try:
            years = [Year.from_repository(repo, chosen.site, y)
                     for y in repo.sites_and_years().get(chosen.site, [])]
            agg = view.agg if view.agg != "post" else "mean"
            return figure([y for y in years if y is not None], view.ym, agg)
        except DatabaseUnavailableError as exc:
            return figures.message_figure(str(exc))
