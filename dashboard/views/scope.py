"""What a blog's page shows: the site and year selectors, and the view's controls kept in step
with the URL (a shared link sets the controls, a control rewrites the link).

Everything read from the URL or the controls is validated before use: site and year must be
ones the collection holds, metrics and terms ones that exist, each once.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard.data import DatabaseUnavailableError, Repository
from dashboard.metrics import AGGREGATES, METRICS, ROLLING_WEEKS, SCALES, X_AXES
from dashboard.urlstate import (
    ViewState,
    parse_query,
    resolve_site_year,
    state_from_controls,
    to_query,
)
from dashboard.views.common import database_down, host_of
from dashboard.views.terms import MAX_TERMS, chosen_terms

CONTROLS = ("metrics", "agg", "scale", "rolling", "x", "sx", "sy", "ym", "site", "year",
            "terms")


def _options(mapping: dict[str, str]) -> list[dict]:
    return [{"label": label, "value": value} for value, label in mapping.items()]


def _control(label: str, component, class_name: str = "") -> html.Div:
    return html.Div([html.Label(label, className="control-label"), component],
                    className=f"control {class_name}".strip())


def selectors() -> html.Div:
    return html.Div(id="scope", className="scope", children=[
        html.Div(id="site-control", hidden=True, children=_control(
            "Site", dcc.Dropdown(id="site", clearable=False, searchable=False, options=[],
                                 className="dropdown dropdown-site"))),
        html.Div(id="year-control", hidden=True, children=_control(
            "Year", dcc.Dropdown(id="year", clearable=False, searchable=False, options=[],
                                 className="dropdown dropdown-year"))),
    ])


def controls(state: ViewState) -> html.Section:
    return html.Section(className="panel controls", children=[
        _control("Metrics", dcc.Checklist(
            id="metrics", options=_options(METRICS), value=list(state.metrics),
            className="chips"), "control-wide"),
        html.Div(className="control-row", children=[
            _control("Points", dcc.RadioItems(
                id="agg", options=_options(AGGREGATES), value=state.agg,
                className="segmented")),
            _control("Scale", dcc.RadioItems(
                id="scale", options=_options(SCALES), value=state.scale,
                className="segmented")),
            _control("Rolling mean", dcc.Dropdown(
                id="rolling", clearable=False, searchable=False, value=state.rolling,
                options=[{"label": "Off" if n == 0 else f"{n} weeks", "value": n}
                         for n in ROLLING_WEEKS], className="dropdown dropdown-small")),
            _control("X axis", dcc.RadioItems(
                id="x", options=_options(X_AXES), value=state.x, className="segmented")),
            html.Div(className="control share", children=[
                html.Label("Share this view", className="control-label"),
                dcc.Clipboard(id="copy-link", className="button button-quiet",
                              title="Copy a link to this view", children="Copy link",
                              copied_children="Link copied"),
            ]),
        ]),
    ])


def stores() -> list:
    """The blog page's own stores, and its own view of the address (a callback writing to the
    shell's would run on every page, its inputs missing)."""
    return [dcc.Location(id="blog-url", refresh=False),
            dcc.Store(id="data-version"), dcc.Store(id="post-opened"),
            dcc.Store(id="weekly-zoom")]  # the main graph's x zoom (see figures.keep_x_zoom)


def control_values(state: ViewState, all_terms: list[str]) -> dict:
    """What each control should show for a view."""
    terms = (list(all_terms) if state.terms is None
             else chosen_terms(list(state.terms), all_terms))
    return {"metrics": list(state.metrics), "agg": state.agg, "scale": state.scale,
            "rolling": state.rolling, "x": state.x, "sx": state.sx, "sy": state.sy,
            "ym": state.ym, "site": state.site, "year": state.year, "terms": terms}


def sync_view(repo: Repository, trigger: str | None, search: str | None,
              controls: dict) -> dict:
    """The view to show, from the control that changed or else from the URL, resolved against
    what the database holds (None when it cannot be asked)."""
    try:
        available = repo.sites_and_years()
    except DatabaseUnavailableError:
        available = None
    known_terms = [t for t in controls.pop("_all_terms", ()) if isinstance(t, str)][:MAX_TERMS]
    if trigger in CONTROLS:
        state = state_from_controls(all_terms=known_terms, **controls)
    else:  # first load, a pasted link, back/forward, or the database coming back
        state = parse_query(search)
    all_terms: list[str] = []
    if available is not None:
        state = resolve_site_year(state, available)
        if state.site is not None:
            try:
                summary = repo.year_summary(state.site, state.year) or {}
                all_terms = [t for t in summary.get("terms") or [] if isinstance(t, str)]
            except DatabaseUnavailableError:
                available = None
    return {"state": state, "available": available, "all_terms": all_terms,
            "values": control_values(state, all_terms)}


def register(app: Dash, repo: Repository) -> None:
    @app.callback(
        Output("blog-url", "search"), *[Output(name, "value") for name in CONTROLS],
        Output("site", "options"), Output("year", "options"), Output("terms", "options"),
        Output("site-control", "hidden"), Output("year-control", "hidden"),
        Input("blog-url", "search"), Input("db-status", "data"),
        *[Input(name, "value") for name in CONTROLS], State("terms", "options"))
    def sync(search, status, *values):
        *current, term_options = values
        controls = dict(zip(CONTROLS, current, strict=True))
        options = term_options if isinstance(term_options, list) else []
        controls["_all_terms"] = [o.get("value") for o in options[:MAX_TERMS]
                                  if isinstance(o, dict)]
        if database_down(status):
            return (no_update,) * (len(CONTROLS) + 6)
        result = sync_view(repo, ctx.triggered_id, search, dict(controls))
        state, available = result["state"], result["available"]
        wanted = result["values"]
        values_out = [no_update if controls[name] == wanted[name] else wanted[name]
                      for name in CONTROLS]
        query = to_query(state) if state.site else no_update
        if query == search:
            query = no_update
        if available is None:
            return query, *values_out, no_update, no_update, no_update, no_update, no_update
        sites = [{"label": host_of(site), "value": site} for site in available]
        years = [{"label": str(y), "value": y} for y in available.get(state.site, [])]
        terms = [{"label": term, "value": term} for term in result["all_terms"]]
        return (query, *values_out, sites, years, terms, len(sites) < 2, len(years) < 2)

    app.clientside_callback(
        ClientsideFunction("blogstats", "openPost"), Output("post-opened", "data"),
        Input("weekly-graph", "clickData"), Input("terms-graph", "clickData"),
        Input("scatter-graph", "clickData"), prevent_initial_call=True)
    app.clientside_callback(
        ClientsideFunction("blogstats", "rememberZoom"), Output("weekly-zoom", "data"),
        Input("weekly-graph", "relayoutData"), State("weekly-graph", "figure"),
        prevent_initial_call=True)
    app.clientside_callback(
        ClientsideFunction("blogstats", "currentLink"), Output("copy-link", "content"),
        Input("copy-link", "n_clicks"), prevent_initial_call=True)
