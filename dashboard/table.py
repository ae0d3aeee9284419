"""The posts table's reads: AG Grid's row requests turned into MongoDB queries (pure).

AG Grid's infinite row model asks for rows `startRow`..`endRow` with a `sortModel` and a
`filterModel`. Every value is checked here: unknown columns, operators and values are dropped,
so a tampered request shows more rows, never an error, and only whitelisted field names and
plain values (numbers, escaped regular expressions) reach a query.

The order of the table is (column, url), in the direction asked; posts without the value come
first going up and last going down, as MongoDB sorts them. The default order is by date.

- With a filter: `conditions` + sort + skip/limit and a count, on the database's indexes.
- Without one (what a page asks for when it opens): one range query per page. The summaries
  keep, for each sortable column, the value at every STEP-th rank and where its run of equal
  values starts and ends (blogstats.summaries.order_of); `plan` turns the ranks a page wants
  into the range of values that holds them, read through the {site, year, column} index. The
  number of posts the range returns is known in advance: if the posts changed since the
  summaries were written, the count differs and the caller falls back to the filtered path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from blogstats.postframe import safe_url
from blogstats.summaries import ORDER_COLUMNS, TEXT_ORDER
from dashboard.metrics import TABLE_COLUMNS

NUMERIC_COLUMNS = ("week", "words", "paragraphs", "headings", "images", "links", "html_bytes",
                   "comments")
TEXT_COLUMNS = tuple(c for c in TABLE_COLUMNS if c not in NUMERIC_COLUMNS)
PAGE_SIZE = 15
MAX_ROWS_PER_REQUEST = 500
MAX_CONDITIONS = 4  # AG Grid's filter menu offers two; a longer list is cut
MAX_FILTER_TEXT = 200
DEFAULT_ORDER = ("date", 1)

NUMBER_OPERATORS = {"equals": "$eq", "notEqual": "$ne", "greaterThan": "$gt",
                    "greaterThanOrEqual": "$gte", "lessThan": "$lt", "lessThanOrEqual": "$lte"}
# AG Grid matches text case-insensitively; each pattern is the typed text, escaped.
TEXT_PATTERNS = {"contains": "{}", "notContains": "{}", "equals": "^{}$", "notEqual": "^{}$",
                 "startsWith": "^{}", "endsWith": "{}$"}
NEGATED = ("notContains", "notEqual")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def missing(column: str) -> dict:
    """The posts without a value in `column` (what the table shows blank)."""
    if column in NUMERIC_COLUMNS:
        return {column: {"$not": {"$type": "number"}}}
    return {"$or": [{column: ""}, {column: None}, {column: {"$size": 0}}]}


def condition(column: str, model: Mapping) -> dict | None:
    """One AG Grid condition as a MongoDB condition, or None when it cannot be read (then
    ignored)."""
    kind = model.get("type")
    if kind == "blank":
        return missing(column)
    if kind == "notBlank":
        return {"$nor": [missing(column)]}
    if column in NUMERIC_COLUMNS:
        value = _number(model.get("filter"))
        if value is None:
            return None
        if kind == "inRange":  # AG Grid's own default: both ends excluded
            to = _number(model.get("filterTo"))
            if to is None:
                return None
            return {column: {"$gt": min(value, to), "$lt": max(value, to)}}
        operator = NUMBER_OPERATORS.get(kind) if isinstance(kind, str) else None
        return {column: {operator: value}} if operator else None
    pattern = TEXT_PATTERNS.get(kind) if isinstance(kind, str) else None
    text = model.get("filter")
    if pattern is None or not isinstance(text, str) or not text or len(text) > MAX_FILTER_TEXT:
        return None
    regex = {"$regex": pattern.format(re.escape(text)), "$options": "i"}
    return {column: {"$not": regex} if kind in NEGATED else regex}


def _column(column: str, model: Mapping) -> dict | None:
    conditions = model.get("conditions")
    if not isinstance(conditions, list):  # a single condition
        return condition(column, model)
    parts = [c for c in (condition(column, m) for m in conditions[:MAX_CONDITIONS]
                         if isinstance(m, Mapping)) if c is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return {"$or" if model.get("operator") == "OR" else "$and": parts}


def filter_query(model: object) -> dict:
    """AG Grid's `filterModel` ({column: {filterType, type, filter, filterTo} or {filterType,
    operator, conditions: [...]}}) as MongoDB conditions; {} keeps every post. A column's
    single condition stays at the top level, so the {site, year, column} index serves it."""
    if not isinstance(model, Mapping):
        return {}
    top: dict = {}
    rest: list[dict] = []
    for column, column_model in list(model.items())[:len(TABLE_COLUMNS)]:
        if column not in TABLE_COLUMNS or not isinstance(column_model, Mapping):
            continue
        part = _column(column, column_model)
        if part is None:
            continue
        if len(part) == 1 and column in part and column not in top:
            top.update(part)
        else:
            rest.append(part)
    return {**top, "$and": rest} if rest else top


def sort_of(model: object) -> tuple[str, int]:
    """(column, 1 or -1) of AG Grid's `sortModel`: its first sortable column, else by date."""
    if isinstance(model, list):
        for entry in model[:len(TABLE_COLUMNS)]:
            if (isinstance(entry, Mapping) and entry.get("colId") in ORDER_COLUMNS
                    and entry.get("sort") in ("asc", "desc")):
                return entry["colId"], 1 if entry["sort"] == "asc" else -1
    return DEFAULT_ORDER


def mongo_sort(column: str, direction: int) -> list[tuple[str, int]]:
    return [(column, direction), ("url", direction)]


def window(request: object) -> tuple[int, int]:
    """The rows [start, end) a request asks for (at most MAX_ROWS_PER_REQUEST)."""
    request = request if isinstance(request, Mapping) else {}
    start, end = request.get("startRow"), request.get("endRow")
    start = start if isinstance(start, int) and not isinstance(start, bool) and start >= 0 else 0
    end = (end if isinstance(end, int) and not isinstance(end, bool) and end > start
           else start + PAGE_SIZE)
    return start, min(end, start + MAX_ROWS_PER_REQUEST, 10**9)


def _int_or_none(value: object) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if float(value).is_integer() else value


def row_of(doc: Mapping) -> dict:
    """A post document as a row of the table: its columns, numbers or None, texts or ""."""
    row: dict = {}
    for column in TABLE_COLUMNS:
        value = doc.get(column)
        if column in NUMERIC_COLUMNS:
            row[column] = _int_or_none(value)
        elif column == "url":
            row[column] = safe_url(value)
        elif column == "categories":
            row[column] = (", ".join(str(c) for c in value) if isinstance(value, list)
                           else value if isinstance(value, str) else "")
        else:
            row[column] = value if isinstance(value, str) else ""
    return row


@dataclass(frozen=True)
class Segment:
    """Part of a page: `range` (posts whose value lies in [lo, hi], which are `expected` many;
    sorted up by (value, url), rows [skip, skip + take) of them, reversed when going down) or
    `missing` (posts without the value, by url in `direction`, rows [skip, skip + take))."""

    kind: str
    skip: int
    take: int
    direction: int = 1
    lo: object = None
    hi: object = None
    expected: int = 0


def plan(order: Mapping, step: int, start: int, end: int, direction: int
         ) -> list[Segment] | None:
    """The segments holding rows [start, end) of the table sorted by one column, from that
    column's separators at ranks 0, step, 2 * step, ... and the last (see the module
    docstring); None when they cannot say."""
    try:
        values, starts, ends = order["values"], order["starts"], order["ends"]
        n, m = int(order["n"]), int(order["missing"])
    except (KeyError, TypeError, ValueError):
        return None
    if len(values) != len(starts) or len(values) != len(ends) or (n and not values):
        return None
    total = n + m
    end = min(end, total)
    if start >= end:
        return []
    if direction == 1:
        present = (max(start, m) - m, end - m) if end > m else None
        blank = (start, min(end, m)) if start < m else None
    else:
        present = (n - min(end, n), n - start) if start < n else None
        blank = (max(start, n) - n, end - n) if end > n else None
    segments = []
    if blank and direction == 1:
        segments.append(Segment("missing", blank[0], blank[1] - blank[0], 1))
    if present:
        a, b = present
        step = max(1, int(step))
        last = len(values) - 1
        i = min(a // step, last)
        j = min(-(-(b - 1) // step), last)
        segments.append(Segment("range", a - starts[i], b - a, direction, values[i], values[j],
                                ends[j] - starts[i]))
    if blank and direction == -1:
        segments.append(Segment("missing", blank[0], blank[1] - blank[0], -1))
    return segments


def range_query(column: str, lo: object, hi: object) -> dict:
    return {column: {"$gte": lo, "$lte": hi}}


def sort_key(column: str):
    text = column in TEXT_ORDER

    def key(doc: Mapping):
        value = doc.get(column)
        return (value if text else float(value)), str(doc.get("url"))

    return key
