"""Tracked terms: mentions of each term the crawler counted, one line per term, per post or per
week as the page's other lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dash import Dash, Input, Output, dcc, html

from dashboard import figures
from dashboard.figures import BASE_LAYOUT
from dashboard.metrics import TERM_PREFIX
from dashboard.urlstate import MAX_TERMS
from dashboard.views import common, lines


def chosen_terms(asked: object, existing: Iterable[str]) -> list[str]:
    """The terms asked for that the year holds, each once, in the page's order."""
    if not isinstance(asked, list):
        return []
    known = set(existing)
    return [t for t in dict.fromkeys(a for a in asked if isinstance(a, str))
            if t in known][:MAX_TERMS]


def figure(year, terms: Sequence[str], rolling: int = 0, x: str = "date",
           uirevision: str = "view", agg: str = "post") -> dict:
    columns = [TERM_PREFIX + t for t in terms if t in year.terms]
    if not year.post_count:
        return figures.message_figure("No posts.")
    if not columns:
        return figures.message_figure("No tracked terms in these posts.")
    built = lines.build(year, columns, "raw", rolling, x, agg)
    data = [lines.trace(built, c, i, figures.metric_label(c), "raw", rolling)
            for i, c in enumerate(columns)]
    shapes, notes = lines.incomplete_band(built, rolling)
    title = ("Mentions" + (f" ({lines.PER_WEEK_WORDS[built.agg]})" if built.per_week
                           else " per post")
             + (f", {rolling}-week mean" if rolling else ""))
    layout = figures.layout(uirevision=uirevision, height=380, hovermode="closest",
                            margin=dict(BASE_LAYOUT["margin"], b=72), shapes=shapes,
                            annotations=notes,
                            legend={"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0},
                            xaxis=lines.x_axis(x),
                            yaxis=dict(figures.AXIS, title={"text": title, "font": {"size": 12}},
                                       rangemode="tozero"))
    return {"data": data, "layout": layout}


def controls() -> html.Div:
    return html.Div(className="control-row", children=[
        dcc.Checklist(id="terms", options=[], value=[], className="chips"),
    ])


def layout():
    return common.graph_panel("Tracked terms", "terms-graph",
                              "Mentions per post of each tracked term.", controls())


def register(app: Dash, repo) -> None:
    @app.callback(
        Output("terms-graph", "figure"),
        Input("site", "value"), Input("year", "value"), Input("terms", "value"),
        Input("agg", "value"), Input("rolling", "value"), Input("x", "value"),
        Input("db-status", "data"), Input("data-version", "data"))
    def update_terms(site, year, terms, agg, rolling, x, status, _version):
        view = common.view_of(agg=agg, rolling=rolling, x=x, site=site, year=year)
        chosen, message = common.open_view(repo, view, status)
        if chosen is None:
            return figures.message_figure(message)
        try:
            asked = chosen_terms(terms, chosen.terms)
            return figure(chosen, asked, view.rolling, view.x,
                          uirevision=common.uirevision(view), agg=view.agg)
        except common.DatabaseUnavailableError as exc:
            return figures.message_figure(str(exc))
