"""Post documents as columns: the one reading of a stored post's numbers that the summaries
(written at the end of each crawl) and the dashboard (reading posts on demand) share.

`numbers_frame(docs)` gives one row per post with `id`, `day`, `week`, `iso_year`, `iso_week`,
every metric and a `term:<name>` column per tracked term; with `labels=True` also the title, URL
(http(s) only), date, author and categories as plain strings. Pure: no database here.

The stored `date`, `week`, `iso_year` and `iso_week` are trusted as the crawler wrote them (one
notion of a week everywhere); only a post that lacks one gets it from its `date`. Anything that
is not a number where a number belongs (a hostile or hand-edited document) becomes NaN, never
an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

# The numeric fields of a post document (DESIGN.md) that are summarised and drawn, in the
# order the dashboard lists them.
METRIC_FIELDS: tuple[str, ...] = (
    "words", "images", "links", "links_internal", "links_external", "paragraphs", "headings",
    "list_items", "blockquotes", "embeds", "tables", "html_bytes", "content_bytes", "comments",
)
# A tracked term becomes a column `term:<name>`; names come from the data, so they are checked
# against this pattern before use.
TERM_NAME = re.compile(r"^[a-z0-9][a-z0-9_\- ]{0,39}$")
TERM_PREFIX = "term:"
NUMBER_FIELDS = ("date", "published", "week", "iso_year", "iso_week", "terms", *METRIC_FIELDS)
LABEL_FIELDS = ("title", "url", "date", "author", "categories")
READ_BATCH = 5000  # documents turned into columns at a time


def safe_url(url: object) -> str:
    """The URL if it is http(s), else "": only such URLs may ever be opened from a page."""
    if isinstance(url, str) and url[:8].lower().startswith(("http://", "https://")):
        return url
    return ""


def _numbers(values: list) -> np.ndarray:
    """Floats, NaN for anything missing or not a number (fast path: all numbers or None)."""
    try:
        array = np.array(values, dtype=float)
    except (TypeError, ValueError):
        array = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    if array.ndim != 1:  # lists or dicts where a number belongs
        array = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    return array


def _texts(values: list) -> list[str]:
    return [v if isinstance(v, str) else "" for v in values]


def _days(dates: list, published: list) -> pd.Series:
    """The post's day: its stored `date` (the blog's own calendar day), else the UTC day of
    `published`; NaT when neither is readable."""
    from_date = pd.to_datetime(pd.Series(_texts(dates), dtype=object), format="%Y-%m-%d",
                               errors="coerce")
    stamps = pd.to_datetime(pd.Series(published, dtype=object), errors="coerce", utc=True)
    fallback = stamps.dt.tz_localize(None).dt.normalize()
    return from_date.fillna(fallback).astype("datetime64[ns]")


def numbers_frame(docs: list[dict], labels: bool = False) -> pd.DataFrame:
    """Post documents -> one row per post (see the module docstring), by day then time (pure).
    Posts with no readable day are left out (they belong to no week)."""
    def column(name: str) -> list:
        return [doc.get(name) for doc in docs]

    day = _days(column("date"), column("published"))
    published = pd.to_datetime(pd.Series(column("published"), dtype=object), errors="coerce",
                               utc=True).dt.tz_localize(None)
    iso = day.dt.isocalendar()
    iso_year, iso_week = _numbers(column("iso_year")), _numbers(column("iso_week"))
    # trusted when stored; derived from the day only where missing
    iso_year = np.where(np.isnan(iso_year), iso["year"].to_numpy(dtype=float, na_value=np.nan),
                        iso_year)
    iso_week = np.where(np.isnan(iso_week), iso["week"].to_numpy(dtype=float, na_value=np.nan),
                        iso_week)
    week = _numbers(column("week"))
    data: dict[str, Any] = {
        "id": column("_id"), "day": day, "published": published,
        "week": np.where(np.isnan(week), iso_week, week), "iso_year": iso_year,
        "iso_week": iso_week,
    }
    for metric in METRIC_FIELDS:
        data[metric] = _numbers(column(metric))
    terms = [t if isinstance(t, dict) else {} for t in column("terms")]
    # in the order the crawler wrote them (its TRACKED_TERMS order)
    names = [n for n in dict.fromkeys(n for t in terms for n in t)
             if isinstance(n, str) and TERM_NAME.match(n)]
    for name in names:
        data[TERM_PREFIX + name] = _numbers([t.get(name) for t in terms])
    if labels:
        for name, values in labels_frame(docs).items():
            data[name] = values.to_numpy(dtype=object)
        data["date"] = np.where(data["date"] == "", day.dt.strftime("%Y-%m-%d").fillna(""),
                                data["date"])
    frame = pd.DataFrame(data)
    frame = frame[frame["day"].notna()]
    return frame.sort_values(["day", "published"], kind="stable").reset_index(drop=True)


def batched(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    """Lists of up to `size` items (itertools.batched arrives with Python 3.12)."""
    batch: list[dict] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def frame_in_batches(documents: Iterable[dict], size: int = READ_BATCH,
                     labels: bool = True) -> pd.DataFrame:
    """`numbers_frame(docs, labels)` built a batch at a time: 50,000 documents held as dicts
    at once took ~150 MB, which the process then kept."""
    parts = [numbers_frame(batch, labels=labels) for batch in batched(documents, size)]
    if not parts:
        return numbers_frame([], labels=labels)
    frame = pd.concat(parts, ignore_index=True, sort=False) if len(parts) > 1 else parts[0]
    return frame.sort_values(["day", "published"], kind="stable").reset_index(drop=True)


def labels_frame(docs: list[dict]) -> pd.DataFrame:
    """Post documents -> title, URL (http(s) only, else ""), date, author and categories as
    plain strings, indexed by the post's `_id` (pure)."""
    ids = [doc.get("_id") for doc in docs]
    return pd.DataFrame({
        "title": _texts([doc.get("title") for doc in docs]),
        "url": [safe_url(doc.get("url")) for doc in docs],
        "date": _texts([doc.get("date") for doc in docs]),
        "author": _texts([doc.get("author") for doc in docs]),
        "categories": [", ".join(str(c) for c in v) if isinstance(v, list) else ""
                       for v in (doc.get("categories") for doc in docs)],
    }, index=pd.Index(ids, dtype=object, name="id"))


def term_names(frame: pd.DataFrame) -> list[str]:
    return [c[len(TERM_PREFIX):] for c in frame.columns if c.startswith(TERM_PREFIX)]
