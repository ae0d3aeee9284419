"""The page: header with site/year selectors, banner, summary cards, the graphs and the table.

Static structure only; callbacks fill it. Every piece of data goes in as text children or
component props (Dash escapes them): never as raw HTML.
"""

from __future__ import annotations

from dash import dash_table, dcc, html

from dashboard.metrics import METRICS, ROLLING_WEEKS, SCALES, X_AXES
from dashboard.table import table_columns
from dashboard.urlstate import ViewState

GRAPH_CONFIG = {"displaylogo": False,
                "modeBarButtonsToRemove": ["lasso2d", "select2d"],
                "toImageButtonOptions": {"format": "png", "filename": "blogstats"}}


def _options(mapping: dict[str, str]) -> list[dict]:
    return [{"label": label, "value": value} for value, label in mapping.items()]


def _control(label: str, component, class_name: str = "") -> html.Div:
    return html.Div([html.Label(label, className="control-label"), component],
                    className=f"control {class_name}".strip())


def header() -> html.Header:
    return html.Header(className="topbar", children=[
        html.Div(className="brand", children=[
            html.Span("▮▮▮", className="brand-mark", **{"aria-hidden": "true"}),
            html.Div([html.H1("blogstats"),
                      html.P(id="subtitle", className="subtitle", children="A blog's year in numbers")]),
        ]),
        html.Div(id="scope", className="scope", children=[
            html.Div(id="site-control", hidden=True, children=_control(
                "Site", dcc.Dropdown(id="site", clearable=False, searchable=False, options=[],
                                     className="dropdown dropdown-site"))),
            html.Div(id="year-control", hidden=True, children=_control(
                "Year", dcc.Dropdown(id="year", clearable=False, searchable=False, options=[],
                                     className="dropdown dropdown-year"))),
        ]),
    ])


def controls(state: ViewState) -> html.Section:
    return html.Section(className="panel controls", children=[
        _control("Metrics", dcc.Checklist(
            id="metrics", options=_options(METRICS), value=list(state.metrics),
            className="chips"),
            "control-wide"),
        html.Div(className="control-row", children=[
            _control("Scale", dcc.RadioItems(
                id="scale", options=_options(SCALES), value=state.scale,
                className="segmented")),
            _control("Rolling mean", dcc.Dropdown(
                id="rolling", clearable=False, searchable=False, value=state.rolling,
                options=[{"label": "Off" if n == 0 else f"{n} weeks", "value": n}
                         for n in ROLLING_WEEKS], className="dropdown dropdown-small")),
            _control("X axis", dcc.RadioItems(
                id="x", options=_options(X_AXES), value=state.x,
                className="segmented")),
            html.Div(className="control share", children=[
                html.Label("Share this view", className="control-label"),
                dcc.Clipboard(id="copy-link", className="button button-quiet",
                              title="Copy a link to this view", children="Copy link",
                              copied_children="Link copied"),
            ]),
        ]),
    ])


def card(title: str, value_id: str, detail_id: str, extra=None) -> html.Div:
    children = [html.Div(title, className="card-title"),
                html.Div(id=value_id, className="card-value"),
                html.Div(id=detail_id, className="card-detail")]
    if extra is not None:
        children.append(extra)
    return html.Div(className="card", children=children)


def summary_cards() -> html.Section:
    return html.Section(className="cards", children=[
        card("Posts", "card-posts", "card-posts-detail"),
        card("Total words", "card-words", "card-words-detail"),
        card("Words per post", "card-mean", "card-mean-detail"),
        card("Longest post", "card-longest", "card-longest-detail"),
        card("Shortest post", "card-shortest", "card-shortest-detail"),
        card("Words per week", "card-trend", "card-trend-detail", dcc.Graph(
            id="sparkline", config={"displayModeBar": False, "staticPlot": True},
            className="sparkline")),
        html.Div(id="card-crawl-box", className="card", children=[
            html.Div("Last crawl", className="card-title"),
            html.Div(id="card-crawl", className="card-value card-value-small"),
            html.Div(id="card-crawl-detail", className="card-detail")]),
    ])


def graph_panel(title: str, graph_id: str, note: str, extra=None) -> html.Section:
    head = [html.H2(title), html.P(note, className="panel-note")]
    return html.Section(className="panel", children=[
        html.Div(head, className="panel-head"),
        *([extra] if extra is not None else []),
        dcc.Loading(dcc.Graph(id=graph_id, config=GRAPH_CONFIG, className="graph"),
                    type="dot", delay_show=300),
    ])


def scatter_controls(state: ViewState) -> html.Div:
    return html.Div(className="control-row", children=[
        _control("Horizontal", dcc.Dropdown(id="sx", options=_options(METRICS), value=state.sx,
                                            clearable=False, className="dropdown")),
        _control("Vertical", dcc.Dropdown(id="sy", options=_options(METRICS), value=state.sy,
                                          clearable=False, className="dropdown")),
        html.Div(id="pearson", className="pearson", role="status"),
    ])


def terms_controls() -> html.Div:
    return html.Div(className="control-row", children=[
        dcc.Checklist(id="terms", options=[], value=[], className="chips"),
    ])


def posts_table() -> html.Section:
    return html.Section(className="panel", children=[
        html.Div(className="panel-head panel-head-row", children=[
            html.Div([html.H2("Posts"),
                      html.P("Sort by a column header; filter under it (e.g. “Week 1” or "
                             "“> 300”). The CSV holds exactly the rows the table shows, in its "
                             "order, from every page.", className="panel-note")]),
            html.Button(id="download-button", className="button", n_clicks=0,
                        children="Download CSV"),
        ]),
        dash_table.DataTable(
            id="posts-table", columns=table_columns(), data=[], page_current=0, page_size=15,
            # filter, sort and paging run on the server: see dashboard/table.py
            page_action="custom", sort_action="custom", filter_action="custom",
            sort_mode="single", sort_by=[], filter_query="", style_as_list_view=True,
            style_table={"overflowX": "auto"},
            style_cell={"fontFamily": "inherit", "fontSize": "14px", "padding": "8px 10px",
                        "textAlign": "left", "maxWidth": "360px", "overflow": "hidden",
                        "textOverflow": "ellipsis", "whiteSpace": "nowrap",
                        "border": "none", "borderBottom": "1px solid #E6E8EB"},
            style_header={"fontWeight": "600", "backgroundColor": "#F5F7FA",
                          "borderBottom": "2px solid #CBD2D9"},
            style_cell_conditional=[{"if": {"column_type": "numeric"}, "textAlign": "right"}],
            tooltip_delay=400, tooltip_duration=None,
        ),
        dcc.Download(id="download"),
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
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="db-status"),
        dcc.Store(id="post-opened"),
        dcc.Store(id="weekly-zoom"),  # the main graph's x zoom (see figures.keep_x_zoom)
        dcc.Interval(id="status-check", interval=status_interval_ms),
        header(),
        html.Div(id="banner", className="banner", role="alert", hidden=True),
        html.Main(className="content", children=[
            empty_state(),
            html.Div(id="dashboard", children=[
                summary_cards(),
                controls(state),
                graph_panel("The year, week by week", "weekly-graph",
                            "One line per metric. Hover a point for the post; click it to open "
                            "the post."),
                html.Div(className="two-columns", children=[
                    graph_panel("Tracked terms", "terms-graph",
                                "Mentions per post of each tracked term.", terms_controls()),
                    graph_panel("How two metrics relate", "scatter-graph",
                                "Each dot is a post.", scatter_controls(state)),
                ]),
                posts_table(),
            ]),
        ]),
        html.Footer(className="footer", children=[
            html.Span("blogstats · data from the crawler's "),
            html.Code("posts"), html.Span(" and "), html.Code("crawls"),
            html.Span(" collections · "), html.A("health", href="/healthz"),
        ]),
    ])
