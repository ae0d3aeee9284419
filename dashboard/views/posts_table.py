"""The posts table: an AG Grid whose rows, filters, sorts and pages are served by the server
(a year of 50,000 posts is never sent whole, nor read whole to show a page: see
dashboard/table.py), and a CSV download of exactly the rows it shows, in its order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

import dash_ag_grid as dag
from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html, no_update

from dashboard import table
from dashboard.data import DatabaseUnavailableError
from dashboard.metrics import ORDER_COLUMNS, TABLE_COLUMNS
from dashboard.table import NUMERIC_COLUMNS, PAGE_SIZE
from dashboard.views import common

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def page(repo, year, request: object) -> tuple[list[dict], int]:
    """(the rows, the number of rows the filter keeps) of a request for a `year.Year`."""
    request = request if isinstance(request, Mapping) else {}
    conditions = table.filter_query(request.get("filterModel"))
    column, direction = table.sort_of(request.get("sortModel"))
    start, end = table.window(request)
    if not conditions:
        # The summary's figure when its crawl is the newest and has ended; else counted: a
        # summary not yet rewritten (a crawl running, or one that ended without writing it)
        # must not cut the table short (its separators then do not match: the database sorts).
        # Counting costs 2.5 s at 50,000 posts on SecantusDB, on every first page.
        count = (year.summary.get("posts") if year.settled and
                 isinstance(year.summary.get("posts"), int) else None)
        if count is None:
            count = repo.total_posts(year.site, year.year, fresh=start == 0)
        rows = _ranked_page(repo, year, column, direction, start, end, count)
        if rows is not None:
            return rows, count
    docs = repo.find_posts(year.site, year.year, conditions, table.mongo_sort(column, direction),
                           skip=start, limit=end - start)
    return [table.row_of(d) for d in docs], repo.count_posts(year.site, year.year, conditions)


def _ranked_page(repo, year, column: str, direction: int, start: int, end: int, count: int
                 ) -> list[dict] | None:
    """A page of the unfiltered table through the summaries' separators; None when they are
    missing or no longer match the posts (then the caller asks the database to sort)."""
    ranks = year.ranks or {}
    order = (ranks.get("order") or {}).get(column)
    if not order or (order.get("n", 0) + order.get("missing", 0)) != count:
        return None
    segments = table.plan(order, ranks.get("step") or 1, start, end, direction)
    if segments is None:
        return None
    rows: list[dict] = []
    for segment in segments:
        if segment.kind == "range":
            docs = repo.find_posts(year.site, year.year,
                                   table.range_query(column, segment.lo, segment.hi))
            if len(docs) != segment.expected:
                return None  # the posts changed since the summaries were written
            docs.sort(key=table.sort_key(column))
            if segment.direction == -1:
                docs.reverse()
                first = segment.expected - segment.skip - segment.take
            else:
                first = segment.skip
            chosen = docs[first:first + segment.take]
        else:
            chosen = repo.find_posts(year.site, year.year, table.missing(column),
                                     [("url", segment.direction)], skip=segment.skip,
                                     limit=segment.take)
            if len(chosen) != segment.take:
                return None
        rows.extend(table.row_of(d) for d in chosen)
    return rows


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # shown as text by spreadsheets, not evaluated
    return value


def rows_to_csv(rows: Iterable[Mapping]) -> str:
    """CSV of the given rows in the given order, with the table's columns and headers only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS.values())
    for row in rows:
        if isinstance(row, Mapping):
            writer.writerow(_cell("" if row.get(c) is None else row.get(c)) for c in TABLE_COLUMNS)
    return out.getvalue()


def csv_of(repo, year, request: object) -> str:
    """Every row the table shows for a request, every page of it, in its order."""
    request = request if isinstance(request, Mapping) else {}
    column, direction = table.sort_of(request.get("sortModel"))
    docs = repo.iter_posts(year.site, year.year, table.filter_query(request.get("filterModel")),
                           table.mongo_sort(column, direction))
    return rows_to_csv(table.row_of(d) for d in docs)


def column_defs() -> list[dict]:
    defs = []
    for column, header in TABLE_COLUMNS.items():
        spec: dict = {"field": column, "headerName": header}
        if column in NUMERIC_COLUMNS:
            spec.update(filter="agNumberColumnFilter", type="numericColumn", minWidth=110,
                        filterParams={"defaultOption": "equals" if column == "week"
                                      else "greaterThanOrEqual", "maxNumConditions": 2})
        else:
            spec.update(filter="agTextColumnFilter",
                        filterParams={"defaultOption": "startsWith" if column == "date"
                                      else "contains", "maxNumConditions": 2})
        if column not in ORDER_COLUMNS:
            spec["sortable"] = False  # no index to sort 50,000 posts by it
        if column == "title":
            spec.update(minWidth=260, flex=2)
        elif column in ("url", "categories"):
            spec.update(minWidth=200, flex=1)
        defs.append(spec)
    return defs


def layout() -> html.Section:
    return html.Section(className="panel", children=[
        html.Div(className="panel-head panel-head-row", children=[
            html.Div([html.H2("Posts"),
                      html.P("Sort by a column's header; filter in the row under it: a word of "
                             "the title, a date such as 2015-02, or a number (posts with at least "
                             "that many words, images…; the ☰ menu offers other comparisons). "
                             "The CSV holds exactly the rows the table shows, in its order, from "
                             "every page.", className="panel-note")]),
            html.Button(id="download-button", className="button", n_clicks=0,
                        children="Download CSV"),
        ]),
        dag.AgGrid(
            id="posts-table", rowModelType="infinite", columnDefs=column_defs(),
            defaultColDef={"sortable": True, "resizable": True, "floatingFilter": True,
                           "filterParams": {"buttons": ["reset"]}, "minWidth": 90},
            dashGridOptions={"pagination": True, "paginationPageSize": PAGE_SIZE,
                             "paginationPageSizeSelector": False, "cacheBlockSize": PAGE_SIZE,
                             "maxBlocksInCache": 20, "infiniteInitialRowCount": PAGE_SIZE,
                             "domLayout": "autoHeight", "suppressCellFocus": False,
                             "enableCellTextSelection": True},
            className="ag-theme-quartz posts-grid", style={"width": "100%"}),
        dcc.Download(id="download"), dcc.Store(id="table-refreshed"),
    ])


def _year(repo, site, year, status):
    chosen, _message = common.open_view(repo, common.view_of(site=site, year=year), status)
    return chosen


def register(app: Dash, repo) -> None:
    @app.callback(
        Output("posts-table", "getRowsResponse"), Output("download-button", "children"),
        Input("posts-table", "getRowsRequest"),
        State("site", "value"), State("year", "value"), State("db-status", "data"))
    def serve_rows(request, site, year, status):
        try:
            chosen = _year(repo, site, year, status)
            if chosen is None:
                return {"rowData": [], "rowCount": 0}, "Download CSV"
            rows, count = page(repo, chosen, request)
        except DatabaseUnavailableError:
            return no_update, no_update
        label = f"Download CSV ({count:,} row{'s' if count != 1 else ''})"
        return {"rowData": rows, "rowCount": count}, label

    @app.callback(
        Output("download", "data"), Input("download-button", "n_clicks"),
        State("site", "value"), State("year", "value"), State("posts-table", "getRowsRequest"),
        State("db-status", "data"), prevent_initial_call=True)
    def download_csv(_clicks, site, year, request, status):
        try:
            chosen = _year(repo, site, year, status)
            if chosen is None:
                return no_update
            text = csv_of(repo, chosen, request)
        except DatabaseUnavailableError:
            return no_update
        view = common.view_of(site=site, year=year)
        return dcc.send_string(text, common.download_name(view.site, view.year), type="text/csv")

    # A new site, year or crawl: the grid forgets its pages and asks again.
    app.clientside_callback(
        ClientsideFunction("blogstats", "refreshTable"), Output("table-refreshed", "data"),
        Input("site", "value"), Input("year", "value"), Input("data-version", "data"),
        prevent_initial_call=True)
