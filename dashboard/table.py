"""The posts table: its rows, its filter/sort/paging done on the server, and the CSV download
of exactly the rows the table shows (all pure).

The table pages on the server (a year of 10,000 posts would otherwise be sent whole to every
page), so its filter and sort are applied here; the CSV applies the same filter and sort to the
same posts, so it holds what the table shows (every page of it), in the same order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping

import pandas as pd

from dashboard.metrics import TABLE_COLUMNS

NUMERIC_COLUMNS = {"week", "words", "paragraphs", "headings", "images", "links", "html_bytes",
                   "comments"}
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table_columns() -> list[dict]:
    return [{"name": header, "id": column, "type": "numeric" if column in NUMERIC_COLUMNS
             else "text"} for column, header in TABLE_COLUMNS.items()]


def table_rows(frame: pd.DataFrame) -> list[dict]:
    """One dict per post with the table's columns; numbers as ints, missing as None."""
    if frame.empty:
        return []
    shown = frame.reindex(columns=list(TABLE_COLUMNS))
    rows = []
    for record in shown.to_dict("records"):
        row = {}
        for column, value in record.items():
            if column in NUMERIC_COLUMNS:
                row[column] = None if pd.isna(value) else int(value)
            else:
                row[column] = "" if value is None or (isinstance(value, float) and pd.isna(value)) \
                    else str(value)
        rows.append(row)
    return rows


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # shown as text by spreadsheets, not evaluated
    return value


def rows_to_csv(rows: Iterable[Mapping]) -> str:
    """CSV of the given rows in the given order, with the table's columns and headers only
    (rows come back from the browser, so nothing else they carry is written)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS.values())
    for row in rows:
        if isinstance(row, Mapping):
            writer.writerow(_cell(row.get(column, "")) for column in TABLE_COLUMNS)
    return out.getvalue()


def table_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The posts as the table shows them: its columns only, in its order (pure)."""
    return pd.DataFrame(table_rows(frame), columns=list(TABLE_COLUMNS))


# A DataTable filter clause: `{column} operator value` (value bare or quoted), as the table's
# filter row writes it; clauses are joined by `&&`.
_CLAUSE = re.compile(r"""^\{(?P<column>[^{}]+)\}\s+(?P<op>s?contains|i?contains|datestartswith|
                         =|eq|!=|ne|<=|le|>=|ge|<|lt|>|gt)\s+(?P<value>.+)$""", re.X | re.S)
_OPERATORS = {"=": "eq", "!=": "ne", "<=": "le", ">=": "ge", "<": "lt", ">": "gt"}


def parse_filter(query: object) -> list[tuple[str, str, object]]:
    """[(column, operator, value)] from a DataTable filter_query; unknown columns and
    clauses it cannot read are left out (the table then shows more rows, never an error)."""
    if not isinstance(query, str) or len(query) > 2000:
        return []
    clauses = []
    for part in query.split(" && "):
        match = _CLAUSE.match(part.strip())
        if not match or match["column"] not in TABLE_COLUMNS:
            continue
        value = match["value"].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
            value = value[1:-1]
        op = _OPERATORS.get(match["op"], match["op"]).removeprefix("s")
        if match["column"] in NUMERIC_COLUMNS and op not in ("contains", "icontains"):
            try:
                value = float(value)
            except ValueError:
                continue
        clauses.append((match["column"], op, value))
    return clauses


def filter_and_sort(rows: pd.DataFrame, filter_query: object, sort_by: object) -> pd.DataFrame:
    """The table's rows after its filter and sort, as the table shows them (pure)."""
    for column, op, value in parse_filter(filter_query):
        cells = rows[column]
        if op in ("contains", "icontains"):
            text = cells.astype(str)
            mask = (text.str.lower().str.contains(str(value).lower(), regex=False)
                    if op == "icontains" else text.str.contains(str(value), regex=False))
        elif op == "datestartswith":
            mask = cells.astype(str).str.startswith(str(value))
        else:
            if column in NUMERIC_COLUMNS:
                cells = pd.to_numeric(cells, errors="coerce")
            mask = {"eq": cells == value, "ne": cells != value, "lt": cells < value,
                    "le": cells <= value, "gt": cells > value, "ge": cells >= value}[op]
        rows = rows[mask.fillna(False).astype(bool)]
    if isinstance(sort_by, list):
        keys = [s for s in sort_by if isinstance(s, dict) and s.get("column_id") in TABLE_COLUMNS]
        if keys:
            rows = rows.sort_values([s["column_id"] for s in keys],
                                    ascending=[s.get("direction") != "desc" for s in keys],
                                    kind="stable", na_position="last")
    return rows


def page_of(rows: pd.DataFrame, page_current: object, page_size: object) -> tuple[list[dict], int]:
    """One page of rows as records, and the number of pages (at least 1)."""
    size = page_size if isinstance(page_size, int) and 0 < page_size <= 500 else 15
    pages = max(1, -(-len(rows) // size))
    current = page_current if isinstance(page_current, int) and 0 <= page_current < pages else 0
    chunk = rows.iloc[current * size:(current + 1) * size]
    records = chunk.astype(object).where(chunk.notna(), None).to_dict("records")
    return records, pages
