"""The year, week by week: one line per chosen metric.

Raw values get one panel each (small multiples with a shared x axis), whose height follows the
number of panels so that fourteen metrics stay as readable as two; % and z-score share one axis.
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import Dash, Input, Output

from dashboard import figures
from dashboard.figures import BASE_LAYOUT, metric_label
from dashboard.metrics import METRICS
from dashboard.views import common, lines

PANEL_PX = 150  # plot height of one panel
GAP_PX = 44     # between panels: room for the next panel's title
SHARED_PX = 420  # one shared axis


def figure(year, metrics: Sequence[str], scale: str = "raw", rolling: int = 0,
           x: str = "date", uirevision: str = "view", agg: str = "post") -> dict:
    """The weekly-metrics figure of a `year.Year` (hover: the post or week, the raw value and
    the plotted one; customdata's last field is the post's URL, for opening it on click)."""
    metrics = [m for m in dict.fromkeys(metrics) if m in METRICS]
    if not year.post_count:
        return figures.message_figure("No posts.")
    if not metrics:
        return figures.message_figure("Pick at least one metric.")
    built = lines.build(year, metrics, scale, rolling, x, agg)
    panels = scale == "raw" and len(metrics) > 1
    margin = dict(BASE_LAYOUT["margin"])
    if built.per_week:
        margin["t"] = 64
    n = len(metrics)
    plot_px = n * PANEL_PX + (n - 1) * GAP_PX
    height = plot_px + margin["t"] + margin["b"] if panels else SHARED_PX
    shapes, notes = lines.incomplete_band(built, rolling)
    layout = figures.layout(uirevision=uirevision, hovermode="closest", showlegend=not panels,
                            margin=margin, height=height, xaxis=lines.x_axis(x),
                            shapes=shapes, annotations=list(notes))
    if built.per_week:
        layout["title"] = {"text": lines.title(built), "font": {"size": 13}, "x": 0.01,
                           "y": 0.99, "yanchor": "top"}
    data = []
    for i, metric in enumerate(metrics):
        axis = "" if not panels or i == 0 else str(i + 1)
        data.append(lines.trace(built, metric, i, metric_label(metric), scale, rolling,
                                xaxis="x", yaxis=f"y{axis}"))
        if panels:
            top_px = i * (PANEL_PX + GAP_PX)
            domain = [1 - (top_px + PANEL_PX) / plot_px, 1 - top_px / plot_px]
            domain = [max(0.0, round(domain[0], 6)), min(1.0, round(domain[1], 6))]
            layout["annotations"].append({
                "text": figures.escape(metric_label(metric), ""), "xref": "paper",
                "yref": "paper", "x": 0, "y": domain[1], "xanchor": "left",
                "yanchor": "bottom", "showarrow": False,
                "font": {"size": 12, "color": "#52606D"}})
            layout[f"yaxis{axis}"] = dict(figures.AXIS, domain=domain)
        else:
            layout["yaxis"] = dict(figures.AXIS, title={"text": figures.scale_title(scale),
                                                        "font": {"size": 12}},
                                   ticksuffix="%" if scale == "pct" else "")
    if panels:  # the shared x axis sits under the bottom panel
        layout["xaxis"]["anchor"] = f"y{n}"
    return {"data": data, "layout": layout}


def layout():
    return common.graph_panel(
        "The year, week by week", "weekly-graph",
        "One line per metric, one point per post or per week. Hover a point for the post "
        "or the week; click a post to open it.")


def register(app: Dash, repo) -> None:
    @app.callback(
        Output("weekly-graph", "figure"),
        Input("site", "value"), Input("year", "value"), Input("metrics", "value"),
        Input("agg", "value"), Input("scale", "value"), Input("rolling", "value"),
        Input("x", "value"),
        # the zoom is an input, not a state, so that a client posting inputs only (the load
        # test) still matches the callback; a zoom then costs one cheap round trip
        Input("db-status", "data"), Input("weekly-zoom", "data"), Input("data-version", "data"))
    def update_weekly(site, year, metrics, agg, scale, rolling, x, status, zoom, _version):
        view = common.view_of(metrics=metrics, agg=agg, scale=scale, rolling=rolling, x=x,
                              site=site, year=year)
        chosen, message = common.open_view(repo, view, status)
        if chosen is None:
            return figures.message_figure(message)
        try:
            fig = figure(chosen, view.metrics, view.scale, view.rolling, view.x,
                         uirevision=common.uirevision(view), agg=view.agg)
        except common.DatabaseUnavailableError as exc:
            return figures.message_figure(str(exc))
        return figures.keep_x_zoom(fig, zoom)
