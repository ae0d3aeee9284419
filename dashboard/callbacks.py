"""Callbacks: thin wiring from the page's inputs to `data`, `figures`, `summary` and `table`.

The view's state lives in the URL and in the controls; `sync_view` keeps the two in step (a
shared link sets the controls, a control rewrites the link). Everything read from the URL or the
controls is validated before use: site and year must be ones the collection holds.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, no_update

from dashboard import figures
from dashboard.data import DatabaseUnavailableError, Repository, posts_frame, term_names
from dashboard.summary import describe_crawl, describe_trend, summarize
from dashboard.table import filter_and_sort, page_of, rows_to_csv, table_frame
from dashboard.urlstate import (
    ViewState,
    parse_query,
    resolve_site_year,
    state_from_controls,
    to_query,
)

CONTROLS = ("metrics", "scale", "rolling", "x", "sx", "sy", "site", "year", "terms")


def control_values(state: ViewState, all_terms: list[str]) -> dict:
    """What each control should show for a view."""
    terms = list(all_terms) if state.terms is None else [t for t in state.terms if t in all_terms]
    return {"metrics": list(state.metrics), "scale": state.scale, "rolling": state.rolling,
            "x": state.x, "sx": state.sx, "sy": state.sy, "site": state.site, "year": state.year,
            "terms": terms}


def host_of(site: object) -> str:
    if not isinstance(site, str):
        return ""
    try:
        return urlsplit(site).netloc or site
    except ValueError:
        return site


def download_name(site: object, year: object) -> str:
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", host_of(site)).strip("-.")[:80] or "blog"
    year_part = year if isinstance(year, int) and not isinstance(year, bool) else "all"
    return f"blogstats-{slug}-{year_part}.csv"


class Views:
    """The callbacks' bodies as plain methods of one repository (testable without a browser)."""

    def __init__(self, repo: Repository):
        self.repo = repo

    def frame(self, site, year):
        """The posts of a site and year the collection holds, else None (never a raw value
        from the page in a query)."""
        if not isinstance(site, str) or not isinstance(year, int) or isinstance(year, bool):
            return None
        available = self.repo.sites_and_years()
        if site not in available or year not in available[site]:
            return None
        return self.repo.posts(site, year)

    def sync_view(self, trigger: str | None, search: str | None, controls: dict) -> dict:
        try:
            available = self.repo.sites_and_years()
        except DatabaseUnavailableError:
            available = None
        if trigger in CONTROLS:
            state = state_from_controls(all_terms=controls.pop("_all_terms", ()), **controls)
        else:  # first load, a pasted link, back/forward, or the database coming back
            state = parse_query(search)
        all_terms: list[str] = []
        if available is not None:
            state = resolve_site_year(state, available)
            if state.site is not None:
                try:
                    all_terms = term_names(self.repo.posts(state.site, state.year))
                except DatabaseUnavailableError:
                    available = None
        return {"state": state, "available": available, "all_terms": all_terms,
                "values": control_values(state, all_terms)}

    def table(self, site, year, filter_query, sort_by):
        """The table's rows for a site and year, filtered and sorted as the table asks."""
        frame = self.frame(site, year)
        rows = table_frame(frame if frame is not None else posts_frame([]))
        return filter_and_sort(rows, filter_query, sort_by)

    def weekly(self, site, year, metrics, scale, rolling, x):
        state = state_from_controls(metrics, scale, rolling, x, None, None, site, year, None)
        frame = self.frame(state.site, state.year)
        if frame is None:
            return figures.message_figure("Choose a site and year.")
        return figures.weekly_figure(frame, state.metrics, state.scale, state.rolling, state.x,
                                     uirevision=f"{state.site}|{state.year}|{state.x}")


def register(app: Dash, repo: Repository) -> Views:
    views = Views(repo)
    control_inputs = [Input(name, "value") for name in CONTROLS]

    @app.callback(
        Output("db-status", "data"), Output("banner", "children"), Output("banner", "hidden"),
        Input("status-check", "n_intervals"), State("db-status", "data"))
    def check_database(_n, previous):
        ok, reason = repo.ping()
        status = {"ok": ok, "reason": reason}
        if status == previous:
            return no_update, no_update, no_update
        return status, reason, ok

    @app.callback(
        Output("url", "search"), *[Output(name, "value") for name in CONTROLS],
        Output("site", "options"), Output("year", "options"), Output("terms", "options"),
        Output("site-control", "hidden"), Output("year-control", "hidden"),
        Input("url", "search"), Input("db-status", "data"), *control_inputs,
        State("terms", "options"))
    def sync_view(search, status, *values):
        *current, term_options = values
        controls = dict(zip(CONTROLS, current, strict=True))
        controls["_all_terms"] = [o.get("value") for o in term_options or [] if isinstance(o, dict)]
        if status and not status.get("ok"):
            return (no_update,) * (len(CONTROLS) + 6)
        result = views.sync_view(ctx.triggered_id, search, dict(controls))
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

    @app.callback(
        Output("weekly-graph", "figure"),
        Input("site", "value"), Input("year", "value"), Input("metrics", "value"),
        Input("scale", "value"), Input("rolling", "value"), Input("x", "value"),
        # the zoom is an input, not a state, so that a client posting inputs only (the load
        # test) still matches the callback; a zoom then costs one cheap round trip
        Input("db-status", "data"), Input("weekly-zoom", "data"))
    def update_weekly(site, year, metrics, scale, rolling, x, _status, zoom):
        try:
            figure = views.weekly(site, year, metrics, scale, rolling, x)
        except DatabaseUnavailableError as exc:
            return figures.message_figure(str(exc))
        return figures.keep_x_zoom(figure, zoom)

    @app.callback(
        Output("terms-graph", "figure"),
        Input("site", "value"), Input("year", "value"), Input("terms", "value"),
        Input("rolling", "value"), Input("x", "value"), Input("db-status", "data"))
    def update_terms(site, year, terms, rolling, x, _status):
        state = state_from_controls(None, None, rolling, x, None, None, site, year, None)
        try:
            frame = views.frame(state.site, state.year)
        except DatabaseUnavailableError as exc:
            return figures.message_figure(str(exc))
        if frame is None:
            return figures.message_figure("Choose a site and year.")
        chosen = [t for t in (terms or []) if isinstance(t, str)]
        return figures.terms_figure(frame, chosen, state.rolling, state.x,
                                    uirevision=f"{state.site}|{state.year}|{state.x}")

    @app.callback(
        Output("scatter-graph", "figure"), Output("pearson", "children"),
        Input("site", "value"), Input("year", "value"), Input("sx", "value"),
        Input("sy", "value"), Input("db-status", "data"))
    def update_scatter(site, year, sx, sy, _status):
        state = state_from_controls(None, None, None, None, sx, sy, site, year, None)
        try:
            frame = views.frame(state.site, state.year)
        except DatabaseUnavailableError as exc:
            return figures.message_figure(str(exc)), ""
        if frame is None:
            return figures.message_figure("Choose a site and year."), ""
        fig, r = figures.scatter_figure(frame, state.sx, state.sy)
        return fig, figures.describe_r(r)

    summary_outputs = [Output(f"card-{name}", "children") for name in
                       ("posts", "posts-detail", "words", "words-detail", "mean", "mean-detail",
                        "longest", "longest-detail", "shortest", "shortest-detail", "trend",
                        "trend-detail", "crawl", "crawl-detail")]

    @app.callback(
        *summary_outputs, Output("card-crawl-box", "className"), Output("sparkline", "figure"),
        Output("subtitle", "children"),
        Output("empty-state", "hidden"), Output("dashboard", "hidden"),
        Input("site", "value"), Input("year", "value"), Input("db-status", "data"))
    def update_summary(site, year, status):
        if not (status or {}).get("ok"):
            return (no_update,) * (len(summary_outputs) + 5)
        try:
            available = repo.sites_and_years()
            frame = views.frame(site, year)
            crawl = repo.last_crawl(site if frame is not None else None)
        except DatabaseUnavailableError:
            return (no_update,) * (len(summary_outputs) + 5)
        if not available:
            return (*[""] * len(summary_outputs), "card", figures.message_figure(""),
                    "A blog's year in numbers", False, True)
        if frame is None:
            return (no_update,) * (len(summary_outputs) + 3) + (True, False)
        s = summarize(frame)
        headline, detail, tone = describe_crawl(crawl)
        weeks = max(1, frame["week"].nunique())
        cards = [
            f"{s.posts:,}", f"in {weeks} week{'s' if weeks != 1 else ''} of {year}",
            f"{s.total_words:,}", f"≈ {s.total_words / weeks:,.0f} a week",
            f"{s.mean_words:,.0f}" if s.mean_words is not None else "–",
            f"mean · median {s.median_words:,.0f}" if s.median_words is not None else "",
            f"{s.longest.words:,}" if s.longest else "–",
            f"words · {s.longest.title} ({s.longest.date})" if s.longest else "",
            f"{s.shortest.words:,}" if s.shortest else "–",
            f"words · {s.shortest.title} ({s.shortest.date})" if s.shortest else "",
            f"{s.words_trend:+,.1f} / wk" if s.words_trend is not None else "–",
            describe_trend(s.words_trend),
            headline, detail,
        ]
        subtitle = f"{host_of(site)} · {year} · {s.posts:,} posts"
        return (*cards, f"card card-{tone}", figures.sparkline_figure(s.weekly_words),
                subtitle, True, False)

    @app.callback(
        Output("posts-table", "data"), Output("posts-table", "page_count"),
        Output("download-button", "children"),
        Input("site", "value"), Input("year", "value"), Input("posts-table", "page_current"),
        Input("posts-table", "page_size"), Input("posts-table", "sort_by"),
        Input("posts-table", "filter_query"), Input("db-status", "data"))
    def update_table(site, year, page_current, page_size, sort_by, filter_query, _status):
        try:
            rows = views.table(site, year, filter_query, sort_by)
        except DatabaseUnavailableError:
            return no_update, no_update, no_update
        records, pages = page_of(rows, page_current, page_size)
        return records, pages, f"Download CSV ({len(rows):,} row{'s' if len(rows) != 1 else ''})"

    @app.callback(
        Output("download", "data"),
        Input("download-button", "n_clicks"),
        State("site", "value"), State("year", "value"), State("posts-table", "filter_query"),
        State("posts-table", "sort_by"), prevent_initial_call=True)
    def download_csv(_clicks, site, year, filter_query, sort_by):
        try:
            rows = views.table(site, year, filter_query, sort_by)
        except DatabaseUnavailableError:
            return no_update
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        return dcc.send_string(rows_to_csv(records), download_name(site, year),
                               type="text/csv")

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
    return views
