"""What the views share: the graph panel, reading a view from the controls, and opening the
site-year a callback was asked for (or saying why there is nothing to draw)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from dash import dcc, html

from dashboard.data import UNAVAILABLE, DatabaseUnavailableError, Repository
from dashboard.urlstate import ViewState, state_from_controls, to_query
from dashboard.year import Year, open_year

__all__ = ["DatabaseUnavailableError", "blog_href", "blog_name", "database_down", "database_ok",
           "download_name", "graph_panel", "host_of", "open_view", "uirevision", "view_of"]

GRAPH_CONFIG = {"displaylogo": False,
                "modeBarButtonsToRemove": ["lasso2d", "select2d"],
                "toImageButtonOptions": {"format": "png", "filename": "blogstats"}}
NO_POSTS = "No posts of this site and year."


def graph_panel(title: str, graph_id: str, note: str, extra=None,
                note_id: str | None = None) -> html.Section:
    head = [html.H2(title), html.P(note, className="panel-note",
                                   **({"id": note_id} if note_id else {}))]
    return html.Section(className="panel", children=[
        html.Div(head, className="panel-head"),
        *([extra] if extra is not None else []),
        dcc.Loading(dcc.Graph(id=graph_id, config=GRAPH_CONFIG, className="graph"),
                    type="dot", delay_show=300),
    ])


def view_of(**controls) -> ViewState:
    """The view the controls ask for, every value checked (controls can be tampered with)."""
    values = {name: controls.get(name) for name in
              ("metrics", "scale", "rolling", "x", "sx", "sy", "site", "year", "agg", "ym")}
    return state_from_controls(terms=None, **values)


def uirevision(view: ViewState) -> str:
    return f"{view.site}|{view.year}|{view.x}"


def blog_href(site: str, year: int) -> str:
    """The link to a blog's page."""
    return "/blog" + to_query(ViewState(site=site, year=year))


def database_ok(status: object) -> bool:
    """The page's last database check (the `db-status` store) said the database answers."""
    return isinstance(status, dict) and status.get("ok") is True


def database_down(status: object) -> bool:
    """The page's last database check said the database does not answer (not merely unknown,
    as before the first check)."""
    return isinstance(status, dict) and status.get("ok") is False


def open_view(repo: Repository, view: ViewState, status: object) -> tuple[Year | None, str]:
    """(the site-year to draw, "") or (None, why there is nothing to draw)."""
    if database_down(status):
        return None, UNAVAILABLE
    if view.site is None or view.year is None:
        return None, ""  # the page is still choosing its site and year
    try:
        year = open_year(repo, view.site, view.year)
    except DatabaseUnavailableError as exc:
        return None, str(exc)
    return (year, "") if year is not None else (None, NO_POSTS)


def host_of(site: object) -> str:
    """A blog's name from its root URL: its host, and its folder when it has one (several
    blogs of one host: example.com/blog-a, example.com/blog-b)."""
    if not isinstance(site, str):
        return ""
    try:
        parts = urlsplit(site)
    except ValueError:
        return site
    return (parts.netloc + parts.path.rstrip("/")) or site


def blog_name(site: str, names: dict[str, str]) -> str:
    """What a blog is called: the name the `blogs` list gives it when a person gave one (the
    batch names a blog by its host otherwise, which does not tell apart the blogs of one
    host), else its host and folder."""
    given = names.get(site)
    try:
        host = urlsplit(site).netloc
    except ValueError:
        host = ""
    return given if given and given != host else host_of(site)


def download_name(site: object, year: object) -> str:
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", host_of(site)).strip("-.")[:80] or "blog"
    year_part = year if isinstance(year, int) and not isinstance(year, bool) else "all"
    return f"blogstats-{slug}-{year_part}.csv"
