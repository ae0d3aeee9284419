"""The shell of every page (header with its links, the database status and its banner, footer)
and the pages it shows by path:

- `/`: the overview of every blog in the database, with the progress of a running batch
  (views/overview.py, views/progress.py);
- `/blog?site=...&year=...`: one blog's year (views/scope, summary, weekly, years, terms,
  scatter, posts_table);
- `/compare?blogs=...`: blogs on one metric, week by week (views/compare.py).

A page's components exist only while it is shown: the callbacks of the others do not run
(Dash does not fire a callback whose inputs are not on the page). Every piece of data goes in
as text children or component props (Dash escapes them): never as raw HTML.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard.data import UNAVAILABLE, Repository
from dashboard.urlstate import ViewState
from dashboard.views import (
    compare,
    overview,
    posts_table,
    progress,
    scatter,
    scope,
    summary,
    terms,
    weekly,
    years,
)

PAGES = {"/": "Overview", "/compare": "Compare"}
VIEWS = (overview, progress, compare, scope, summary, weekly, years, terms, scatter,
         posts_table)


def header() -> html.Header:
    return html.Header(className="topbar", children=[
        html.Div(className="brand", children=[
            html.Span("▮▮▮", className="brand-mark", **{"aria-hidden": "true"}),
            html.Div([html.H1(dcc.Link("blogstats", href="/", className="brand-link")),
                      html.P("Blogs' years in numbers", className="subtitle")]),
        ]),
        html.Nav(className="nav", children=[
            dcc.Link(label, href=path, id=f"nav-{label.lower()}", className="nav-link")
            for path, label in PAGES.items()]),
    ])


def empty_state() -> html.Section:
    return html.Section(id="empty-state", className="panel empty", hidden=True, children=[
        html.H2("No posts yet"),
        html.P("The database has no measured posts. Crawl a blog's year first:"),
        html.Pre(html.Code("scrapy crawl blog -a url=https://blog.example -a year=2015")),
        html.P("then reload this page. The crawl stores its posts in the database this "
               "dashboard reads (MONGODB_URI / MONGODB_DATABASE)."),
    ])


def blog_page() -> html.Div:
    state = ViewState()
    return html.Div(className="blog-page", children=[
        *scope.stores(),
        html.Div(className="page-head", children=[
            html.Div([html.H2(id="subtitle", className="page-title", children="A blog's year"),
                      dcc.Link("← every blog", href="/", className="back-link")]),
            scope.selectors(),
        ]),
        empty_state(),
        html.Div(id="dashboard", children=[
            summary.layout(),
            scope.controls(state),
            weekly.layout(),
            years.layout(state),
            html.Div(className="two-columns", children=[terms.layout(),
                                                        scatter.layout(state)]),
            posts_table.layout(),
        ]),
    ])


def not_found() -> html.Section:
    return html.Section(className="panel empty", children=[
        html.H2("No such page"), html.P(dcc.Link("See every blog", href="/"))])


def page_for(path: object) -> html.Div | html.Section:
    if path in ("/", "", None):
        return overview.layout()
    if path == "/blog":
        return blog_page()
    if path == "/compare":
        return compare.layout()
    return not_found()


def build_layout(status_interval_ms: int = 5000) -> html.Div:
    return html.Div(className="page", children=[
        dcc.Location(id="url", refresh=False), dcc.Store(id="db-status"),
        dcc.Interval(id="status-check", interval=status_interval_ms),
        header(),
        html.Div(id="banner", className="banner", role="alert", hidden=True),
        html.Main(id="page", className="content"),
        html.Footer(className="footer", children=[
            html.Span("blogstats · data from the crawler's "),
            html.Code("posts"), html.Span(", "), html.Code("crawls"), html.Span(" and "),
            html.Code("jobs"), html.Span(" collections · "), html.A("health", href="/healthz"),
        ]),
    ])


def register(app: Dash, repo: Repository) -> None:
    @app.callback(Output("page", "children"),
                  *[Output(f"nav-{label.lower()}", "className") for label in PAGES.values()],
                  Input("url", "pathname"))
    def route(path):
        current = [f"nav-link{' nav-link-current' if path == p else ''}" for p in PAGES]
        return page_for(path), *current

    @app.callback(
        Output("db-status", "data"), Output("banner", "children"), Output("banner", "hidden"),
        Input("status-check", "n_intervals"), State("db-status", "data"))
    def check_database(_n, previous):
        ok = repo.ping()
        status = {"ok": ok}
        if status == previous:
            return no_update, no_update, no_update
        return status, "" if ok else UNAVAILABLE, ok

    for view in VIEWS:
        view.register(app, repo)
