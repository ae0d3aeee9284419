"""The posts table's rows and the CSV download of exactly the rows the table shows (pure)."""

from __future__ import annotations

import csv
import io
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
