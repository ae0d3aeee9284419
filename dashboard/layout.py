"""The page: header with the site/year selectors, banner, the views, footer.

Static structure only; each view module (`dashboard/views/`) brings its own part and its
callbacks. Every piece of data goes in as text children or component props (Dash escapes
them): never as raw HTML.
"""

from __future__ import annotations

from dash import html

from dashboard.urlstate import ViewState
from dashboard.views import posts_table, scatter, scope, summary, terms, weekly


def header() -> html.Header:
    return html.Header(className="topbar", children=[
        html.Div(className="brand", children=[
            html.Span("▮▮▮", className="brand-mark", **{"aria-hidden": "true"}),
            html.Div([html.H1("blogstats"),
                      html.P(id="subtitle", className="subtitle",
                             children="A blog's year in numbers")]),
        ]),
        scope.selectors(),
    ])


def empty_state() -> html.Section:
    return html.Section(id="empty-state", className="panel empty", hidden=True, children=[
        html.H2("No posts yet"),
        html.P("The database has no measured posts. Crawl a blog's year first:"),
        html.Pre(html.Code("scrapy crawl blog -a url=https://blog.example -a year=2015")),
        html.P("then reload this page. The crawl stores its posts in the database this "
               "dashboard reads (MONGODB_URI / MONGODB_DATABASE)."),
    ])


def build_layout(status_interval_ms: int = 5000) -> html.Div:
    state = ViewState()
    return html.Div(className="page", children=[
        *scope.stores(status_interval_ms),
        header(),
        html.Div(id="banner", className="banner", role="alert", hidden=True),
        html.Main(className="content", children=[
            empty_state(),
            html.Div(id="dashboard", children=[
                summary.layout(),
                scope.controls(state),
                weekly.layout(),
                html.Div(className="two-columns", children=[terms.layout(),
                                                            scatter.layout(state)]),
                posts_table.layout(),
            ]),
        ]),
        html.Footer(className="footer", children=[
            html.Span("blogstats · data from the crawler's "),
            html.Code("posts"), html.Span(" and "), html.Code("crawls"),
            html.Span(" collections · "), html.A("health", href="/healthz"),
        ]),
    ])


VIEWS = (scope, summary, weekly, terms, scatter, posts_table)
