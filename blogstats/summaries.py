"""Summaries of the posts, written at the end of each crawl and read by the dashboard.

A year of 50,000 posts takes SecantusDB several seconds to read, so no dashboard page may start
by reading the posts of a year. What the views draw is computed here once, when the posts
change (the end of a crawl: `after_crawl`, called by the crawl record; posts stored before this
existed: `backfill`, called by `release`), and kept in three small collections beside the
posts collection P (`posts` by default):

`P_years`: one document per site-year, `_id` "<site>|<year>":
    site, year; generation (the id shared by this write's week and rank documents);
    read_at (when this write started reading the posts), computed_at; crawl (the crawl that
    wrote it: _id, status, complete, finish_reason, started_at, finished_at, posts,
    failures_total); source {posts, crawled_until} (the posts
    read, to tell whether the summary is current);
    posts (number of posts with a day), weeks_with_posts, first_day, last_day;
    metrics {metric: {n, sum, mean, median, min, max}} and terms [names], term_stats {term: ...}
    (n: posts that have the value; a post without it is left out of that metric's figures);
    words {total, per_week (mean words per ISO week from the first week with a post to the
    last, weeks without posts counted as 0), trend (least-squares slope of those weeks, per
    week, null below 3 weeks)}; weekly {start (the first week's Monday), posts [...],
    words [...]} (every ISO week from the first to the last, for sparklines);
    longest, shortest {title, date, url, words} (ties: the earliest post);
    pairs {"a|b": [n, mean a, mean b, Σ(a-ā)², Σ(b-b̄)², Σ(a-ā)(b-b̄)]} over the posts that
    have both metrics, for Pearson's r and the least-squares line of any two metrics.
`P_weeks`: one document per week with posts of a site-year, for each x axis:
    site, year, generation, axis ("date": the ISO week `iso_year`/`iso_week` at its Monday;
    "week": the blog's week number, see blogstats.weeks), x, start, posts,
    values {column: [sum, n, median]} for every metric and `term:<name>` (mean = sum / n).
`P_ranks`: one document per site-year (`_id` "<site>|<year>|<generation>"):
    order {column: {values, starts, ends, n, missing}}: for each column the posts table sorts
    by, the value at every STEP-th rank of the posts sorted by (value, url) and where the run
    of that value starts and ends, so a page of the table sorted by any column is one narrow
    range query on an index; sample: up to POINTS_LIMIT posts evenly spread over the year
    (title, date, url and every metric), drawn when a year has too many posts to draw each.

A write makes a new generation: the week and rank documents first (stamped `created_at`), then
the year document is replaced (a reader that follows the year document's generation never sees
half a write) unless a write that started reading later has replaced it already (`read_at`),
then the previous generation is removed (or this one, if it lost). `backfill` removes week and
rank documents no year document points to only once older than ORPHAN_SECONDS. The functions
that compute are pure (`build`); `write`, `after_crawl`, `ensure_written` and `backfill` talk
to the database.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from blogstats import weeks
from blogstats.postframe import (
    LABEL_FIELDS,
    METRIC_FIELDS,
    NUMBER_FIELDS,
    READ_BATCH,
    TERM_PREFIX,
    frame_in_batches,
    term_names,
)

logger = logging.getLogger(__name__)

# Above this many posts a year is drawn per week rather than post by post (ten thousand points
# per line are unreadable and too heavy to send), and its scatter draws a sample of this size.
POINTS_LIMIT = 1000
STEP = 200  # ranks between two separators of the table's sort order
AXES = ("date", "week")
# The posts table's sortable columns: each has an index {site, year, column} (ensure_indexes).
NUMERIC_ORDER = ("week", "words", "paragraphs", "headings", "images", "links", "html_bytes",
                 "comments")
TEXT_ORDER = ("date", "title")
ORDER_COLUMNS = TEXT_ORDER + NUMERIC_ORDER
CRAWL_FIELDS = ("_id", "status", "complete", "finish_reason", "started_at", "finished_at",
                "heartbeat_at", "posts", "failures_total")


@dataclass(frozen=True)
class Names:
    """The summary collections of a posts collection."""

    posts: str

    @property
    def years(self) -> str:
        return f"{self.posts}_years"

    @property
    def weeks(self) -> str:
        return f"{self.posts}_weeks"

    @property
    def ranks(self) -> str:
        return f"{self.posts}_ranks"


def year_id(site: str, year: int) -> str:
    return f"{site}|{year}"


def ranks_id(site: str, year: int, generation: str) -> str:
    return f"{site}|{year}|{generation}"


# -- pure: from a frame of posts (blogstats.postframe.numbers_frame(..., labels=True)) ----------
def _number(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _stats(values: np.ndarray) -> dict:
    present = values[~np.isnan(values)]
    if not present.size:
        return {"n": 0, "sum": 0.0, "mean": None, "median": None, "min": None, "max": None}
    return {"n": int(present.size), "sum": float(present.sum()), "mean": float(present.mean()),
            "median": float(np.median(present)), "min": float(present.min()),
            "max": float(present.max())}


def trend_per_week(weekly: pd.Series) -> float | None:
    """Least-squares slope of a weekly series, in units per week; None below 3 weeks."""
    if len(weekly) < 3:
        return None
    slope, _ = np.polyfit(np.arange(len(weekly), dtype=float), weekly.to_numpy(dtype=float), 1)
    return float(slope)


def _post_ref(frame: pd.DataFrame, index) -> dict | None:
    if index is None:
        return None
    row = frame.loc[index]
    return {"title": row["title"], "date": row["date"], "url": row["url"],
            "words": int(row["words"])}


def _pairs(frame: pd.DataFrame) -> dict[str, list[float]]:
    """For each pair of metrics, over the posts that have both: [n, mean a, mean b, Σ(a-ā)²,
    Σ(b-b̄)², Σ(a-ā)(b-b̄)] (centred: no cancellation whatever the values' size)."""
    out = {}
    for i, a in enumerate(METRIC_FIELDS):
        va = frame[a].to_numpy(dtype=float)
        for b in METRIC_FIELDS[i:]:
            vb = frame[b].to_numpy(dtype=float)
            both = ~(np.isnan(va) | np.isnan(vb))
            x, y = va[both], vb[both]
            if not x.size:
                out[f"{a}|{b}"] = [0, 0.0, 0.0, 0.0, 0.0, 0.0]
                continue
            dx, dy = x - x.mean(), y - y.mean()
            out[f"{a}|{b}"] = [int(x.size), float(x.mean()), float(y.mean()),
                               float((dx * dx).sum()), float((dy * dy).sum()),
                               float((dx * dy).sum())]
    return out


def year_document(frame: pd.DataFrame, site: str, year: int) -> dict:
    """The site-year's figures (without generation, crawl and source; see the docstring)."""
    words = frame["words"].dropna().astype(float)
    weekly_words = weeks.every_week(frame, "words")
    weekly_posts = weeks.every_week(frame)
    terms = term_names(frame)
    with_posts = frame.groupby(["iso_year", "iso_week"]).ngroups if len(frame) else 0
    return {
        "_id": year_id(site, year), "site": site, "year": year, "posts": int(len(frame)),
        "weeks_with_posts": int(with_posts),
        "first_day": frame["date"].iloc[0] if len(frame) else None,
        "last_day": frame["date"].iloc[-1] if len(frame) else None,
        "metrics": {m: _stats(frame[m].to_numpy(dtype=float)) for m in METRIC_FIELDS},
        "terms": terms,
        "term_stats": {t: _stats(frame[TERM_PREFIX + t].to_numpy(dtype=float)) for t in terms},
        "words": {"total": float(words.sum()),
                  "per_week": float(weekly_words.mean()) if len(weekly_words) else None,
                  "trend": trend_per_week(weekly_words)},
        "weekly": {"start": (weekly_posts.index[0].to_pydatetime() if len(weekly_posts)
                             else None),
                   "posts": [int(v) for v in weekly_posts.to_numpy()],
                   "words": [float(v) for v in weekly_words.reindex(weekly_posts.index,
                                                                     fill_value=0.0)]},
        # idxmax/idxmin give the first row: frames are by day, so ties go to the earliest post
        "longest": _post_ref(frame, words.idxmax() if len(words) else None),
        "shortest": _post_ref(frame, words.idxmin() if len(words) else None),
        "pairs": _pairs(frame),
    }


def week_documents(frame: pd.DataFrame, site: str, year: int, generation: str) -> list[dict]:
    """One document per week with posts, for each axis (see the docstring)."""
    columns = [*METRIC_FIELDS, *(TERM_PREFIX + t for t in term_names(frame))]
    docs = []
    for axis in AXES:
        table = weeks.weekly(frame, columns, axis, year, medians=True)
        for i, row in enumerate(table.to_dict("records")):
            x = row["x"]
            docs.append({
                "_id": f"{site}|{year}|{generation}|{axis}|{i}", "site": site, "year": year,
                "generation": generation, "axis": axis,
                "x": x.to_pydatetime() if isinstance(x, pd.Timestamp) else float(x),
                "start": pd.Timestamp(row["start"]).to_pydatetime(), "posts": int(row["posts"]),
                "values": {c: [_number(row[f"{c}:sum"]) or 0.0, int(row[f"{c}:n"]),
                               _number(row[f"{c}:median"])] for c in columns},
            })
    return docs


def order_of(values: Iterable, urls: Iterable[str], step: int = STEP) -> dict:
    """Separators of the order (value, url) of one column: `values` at ranks 0, step, 2*step,
    ... and the last rank, with `starts`/`ends`, the ranks where each separator's run of equal
    values starts and ends (end excluded); `n` values present, `missing` absent (NaN or "",
    placed after the others in either direction). Pure."""
    values = list(values)
    urls = list(urls)
    numeric = not any(isinstance(v, str) for v in values)
    present = [(v, u) for v, u in zip(values, urls, strict=True)
               if not (v == "" if not numeric else v is None or np.isnan(v))]
    present.sort()
    ordered = [v for v, _ in present]
    n = len(ordered)
    ranks = list(range(0, n, step))
    if n and ranks[-1] != n - 1:
        ranks.append(n - 1)
    keys = np.asarray(ordered, dtype=float if numeric else str)
    separators = [ordered[r] for r in ranks]
    starts = np.searchsorted(keys, np.asarray(separators, dtype=keys.dtype), "left")
    ends = np.searchsorted(keys, np.asarray(separators, dtype=keys.dtype), "right")
    return {"values": [float(v) if numeric else v for v in separators],
            "starts": [int(s) for s in starts], "ends": [int(e) for e in ends], "n": n,
            "missing": len(values) - n}


def sample_rows(frame: pd.DataFrame, size: int = POINTS_LIMIT) -> dict | None:
    """Up to `size` posts evenly spread over the year (by day), with their title, date, URL
    and metrics; None when the year has no more than `size` posts (they are all drawn)."""
    if len(frame) <= size:
        return None
    picked = frame.iloc[np.unique(np.linspace(0, len(frame) - 1, size).round().astype(int))]
    return {"title": picked["title"].tolist(), "date": picked["date"].tolist(),
            "url": picked["url"].tolist(),
            "metrics": {m: [_number(v) for v in picked[m].to_numpy(dtype=float)]
                        for m in METRIC_FIELDS}}


def ranks_document(frame: pd.DataFrame, site: str, year: int, generation: str) -> dict:
    urls = frame["url"].tolist() if len(frame) else []
    order = {}
    for column in ORDER_COLUMNS:
        values = (frame[column].tolist() if column in TEXT_ORDER
                  else frame[column].to_numpy(dtype=float).tolist()) if len(frame) else []
        order[column] = order_of(values, urls)
    return {"_id": ranks_id(site, year, generation), "site": site, "year": year,
            "generation": generation, "step": STEP, "order": order,
            "sample": sample_rows(frame)}


def build(frame: pd.DataFrame, site: str, year: int, generation: str
          ) -> tuple[dict, list[dict], dict]:
    """(year document, week documents, rank document) of one site-year's posts (pure)."""
    return (dict(year_document(frame, site, year), generation=generation),
            week_documents(frame, site, year, generation),
            ranks_document(frame, site, year, generation))


# -- the database ---------------------------------------------------------------------------
class _Source:
    """Counts the post documents read and keeps their newest `crawled_at`."""

    def __init__(self, cursor: Iterable[dict]):
        self.cursor = cursor
        self.posts = 0
        self.crawled_until: datetime | None = None

    def __iter__(self) -> Iterator[dict]:
        for doc in self.cursor:
            self.posts += 1
            stamp = doc.get("crawled_at")
            if isinstance(stamp, datetime) and (self.crawled_until is None
                                                or stamp > self.crawled_until):
                self.crawled_until = stamp
            yield doc

    def state(self) -> dict:
        return {"posts": self.posts, "crawled_until": self.crawled_until}


def crawl_summary(crawl: Mapping | None) -> dict | None:
    if not crawl:
        return None
    return {k: crawl.get(k) for k in CRAWL_FIELDS if k in crawl}


# A write's week and rank documents exist before the year document points to them; those of
# a generation no year document points to are removed only once older than this (a write that
# died half-way), never while a running write may still be about to publish them.
ORPHAN_SECONDS = 15 * 60


def write(db: Database, posts: str, site: str, year: int, crawl: Mapping | None = None) -> dict:
    """Read the site-year's posts, compute its summaries and replace the stored ones; returns
    the year document that is stored afterwards.

    Two writes of one site-year may cross (release's backfill during a crawl's end, two
    processes crawling one blog-year): the one that started reading later saw newer posts, so
    the year document is replaced only by a write whose `read_at` is not older than the stored
    one's; the other write removes its own generation and returns the stored document."""
    names = Names(posts)
    read_at = datetime.now(UTC)  # before the first post is read
    fields = {name: 1 for name in (*NUMBER_FIELDS, *LABEL_FIELDS, "crawled_at")}
    source = _Source(db[posts].find({"site": site, "year": year}, fields, batch_size=READ_BATCH))
    frame = frame_in_batches(source, labels=True)
    generation = uuid.uuid4().hex
    year_doc, week_docs, rank_doc = build(frame, site, year, generation)
    year_doc.update(computed_at=datetime.now(UTC), read_at=read_at, crawl=crawl_summary(crawl),
                    source=source.state())
    _stage(db, names, week_docs, rank_doc)
    before = _publish(db, names, year_doc)
    if before is _SUPERSEDED:
        logger.info("summaries of %s %s: a newer write landed first; this one is dropped",
                    site, year)
        _drop_generation(db, names, site, year, generation)
        return db[names.years].find_one({"_id": year_doc["_id"]}) or year_doc
    if before and before.get("generation") not in (None, generation):
        _drop_generation(db, names, site, year, before["generation"])
    return year_doc


_SUPERSEDED = object()


def _stage(db: Database, names: Names, week_docs: list[dict], rank_doc: dict) -> None:
    """A generation's week and rank documents, stamped so that backfill can tell a running
    write's from a dead one's."""
    created_at = datetime.now(UTC)
    if week_docs:
        db[names.weeks].insert_many([dict(d, created_at=created_at) for d in week_docs],
                                    ordered=False)
    db[names.ranks].insert_one(dict(rank_doc, created_at=created_at))


def _publish(db: Database, names: Names, year_doc: dict) -> Mapping | None | object:
    """Replace the year document unless the stored one was read later than this one (one
    atomic operation); returns the replaced document, None, or _SUPERSEDED."""
    not_newer = {"_id": year_doc["_id"], "$or": [{"read_at": {"$lte": year_doc["read_at"]}},
                                                 {"read_at": {"$exists": False}},
                                                 {"read_at": None}]}
    try:
        return db[names.years].find_one_and_replace(not_newer, year_doc, upsert=True)
    except DuplicateKeyError:
        # it exists and was read later (the upsert's insert collides), or two first writes
        # inserted at once: then the later-read one must still win, so once more, no insert
        before = db[names.years].find_one_and_replace(not_newer, year_doc)
        return _SUPERSEDED if before is None else before


def _drop_generation(db: Database, names: Names, site: str, year: int, generation: str) -> None:
    db[names.weeks].delete_many({"site": site, "year": year, "generation": generation})
    db[names.ranks].delete_many({"site": site, "year": year, "generation": generation})


def ensure_indexes(db: Database, posts: str) -> None:
    """The indexes the dashboard's reads need: the week documents of a generation, and one
    {site, year, column} index per column the posts table sorts by (so that a page is one
    narrow range query)."""
    names = Names(posts)
    db[names.weeks].create_index([("site", ASCENDING), ("year", ASCENDING),
                                  ("generation", ASCENDING), ("axis", ASCENDING)],
                                 name="site_year_generation")
    db[names.ranks].create_index([("site", ASCENDING), ("year", ASCENDING)], name="site_year")
    for column in ORDER_COLUMNS:
        db[posts].create_index([("site", ASCENDING), ("year", ASCENDING), (column, ASCENDING)],
                               name=f"site_year_{column}")


def after_crawl(storage: Any, site: object, year: object, crawl: Mapping) -> None:
    """Called by the crawl record when a run ends (blogcrawler.extensions, with its Storage):
    rewrite the summaries of the site-year it crawled. Never raises: a summary that could not
    be written costs the dashboard freshness, not the crawl its outcome (the next crawl or
    `release` writes it)."""
    if not isinstance(site, str) or not isinstance(year, int) or isinstance(year, bool):
        return
    if crawl.get("finish_reason") == "forced_stop":
        return  # the platform kills the process soon: the next crawl writes it
    if (crawl.get("verified") or {}).get("checked") is not True:
        return  # the database did not answer at the end of the run
    try:
        db = storage.client[storage.database_name]
        written = write(db, storage.posts_name, site, year, crawl)
        logger.info("summaries of %s %s written: %d posts", site, year, written["posts"])
        refresh_other_years(db, storage.posts_name, site, year)
    except PyMongoError as exc:
        logger.warning("summaries of %s %s not written (the dashboard shows the previous "
                       "ones until the next crawl or release): %s", site, year,
                       str(exc).split(", full error:")[0][:300])
    except Exception as exc:  # a bug or posts it cannot read: the crawl's outcome stands
        logger.error("summaries of %s %s could not be computed (the dashboard shows the "
                     "previous ones; please report this): %s: %s", site, year,
                     type(exc).__name__, str(exc)[:300], exc_info=True)


class SummariesError(Exception):
    """Summaries that could not be computed (not a database error); its message is one
    sentence naming the site-years."""


def refresh_other_years(db: Database, posts: str, site: str, year: int) -> list[int]:
    """Rewrite the site's other summarised years whose number of posts changed: a crawl
    stores a post by its URL with the year of its date, so a post whose date moved to the
    crawled year leaves the year it was in (one count per year on the {site, year} index);
    returns the years rewritten."""
    names = Names(posts)
    rewritten = []
    for doc in db[names.years].find({"site": site, "year": {"$ne": year}},
                                    {"year": 1, "source": 1, "crawl": 1}):
        other = doc.get("year")
        if not isinstance(other, int) or isinstance(other, bool):
            continue
        if db[posts].count_documents({"site": site, "year": other}) != \
                (doc.get("source") or {}).get("posts"):
            written = write(db, posts, site, other, doc.get("crawl"))  # its crawl is kept
            logger.info("summaries of %s %s written again: its posts changed (%d posts)",
                        site, other, written["posts"])
            rewritten.append(other)
    return rewritten


def ensure_written(db: Database, posts: str, site: object, year: object, crawl_id: object,
                   crawls: str = "crawls") -> dict | None:
    """After a crawl's process or task has ended, however it ended: write the site-year's
    summary unless that crawl (or a later one) wrote it. A crawl that was killed, stopped by
    the platform (forced_stop), lost the database at its end or failed its own write stored
    posts the summary does not count; a killed first crawl would leave its blog-year with no
    summary at all, which the dashboard cannot open. Called by the clock (and the worker) once
    the crawl's record is final; returns the document written, or None when nothing was to
    do. Database errors are the caller's (it logs them)."""
    if not isinstance(site, str) or not isinstance(year, int) or isinstance(year, bool):
        return None
    names = Names(posts)
    stored = db[names.years].find_one({"_id": year_id(site, year)}, {"crawl": 1}) or {}
    written_by = stored.get("crawl") or {}
    if written_by.get("_id") == crawl_id:
        return None
    record = db[crawls].find_one({"_id": crawl_id}) or {"_id": crawl_id}
    mine, theirs = record.get("started_at"), written_by.get("started_at")
    if isinstance(mine, datetime) and isinstance(theirs, datetime) and theirs > mine:
        return None  # a crawl that started later wrote it
    doc = write(db, posts, site, year, record)
    logger.info("summaries of %s %s written after crawl %s ended without them: %d posts",
                site, year, crawl_id, doc["posts"])
    refresh_other_years(db, posts, site, year)
    return doc


@dataclass(frozen=True)
class Backfill:
    written: int
    current: int
    removed: int
    failed: tuple[str, ...] = ()  # "<site> <year>: <error>" of site-years not computed


def _newest_crawl(db: Database, crawls: str, site: str, year: int) -> dict | None:
    return db[crawls].find_one({"site": site, "year": year}, sort=[("started_at", -1)])


def backfill(db: Database, posts: str, crawls: str = "crawls") -> Backfill:
    """Summaries for every site-year whose posts changed since its summary was written (or
    that has none), none for site-years whose posts are gone, and the indexes; idempotent: a
    second run writes nothing. Reads every post once (a `$group`): for `release`."""
    names = Names(posts)
    ensure_indexes(db, posts)
    stored = {doc["_id"]: doc for doc in db[names.years].find(
        {}, {"site": 1, "year": 1, "generation": 1, "source": 1})}
    written = current = removed = 0
    failed: list[str] = []
    groups = db[posts].aggregate([{"$group": {
        "_id": {"site": "$site", "year": "$year"}, "posts": {"$sum": 1},
        "crawled_until": {"$max": "$crawled_at"}}}])
    for group in groups:
        site, year = group["_id"].get("site"), group["_id"].get("year")
        if not isinstance(site, str) or not isinstance(year, int) or isinstance(year, bool):
            continue
        doc = stored.pop(year_id(site, year), None)
        state = {"posts": group["posts"], "crawled_until": group["crawled_until"]}
        if doc is not None and doc.get("source") == state and _complete(db, names, doc):
            current += 1
            _drop_orphans(db, names, doc)
            continue
        try:
            write(db, posts, site, year, _newest_crawl(db, crawls, site, year))
        except PyMongoError:
            raise
        except Exception as exc:  # a bug or posts it cannot read: the other years still go
            logger.error("summaries of %s %s could not be computed", site, year, exc_info=True)
            failed.append(f"{site} {year}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        written += 1
    for doc in stored.values():
        if (doc.get("source") or {}).get("posts"):  # its posts are gone
            db[names.years].delete_one({"_id": doc["_id"]})
            _drop_generation(db, names, doc.get("site"), doc.get("year"), doc.get("generation"))
            removed += 1
        else:
            _drop_orphans(db, names, doc)  # a crawl that found no post: kept, it says so
    return Backfill(written, current, removed, tuple(failed))


def _complete(db: Database, names: Names, doc: Mapping) -> bool:
    """Whether the generation the year document points to is stored (its rank document is
    written after its weeks)."""
    generation = doc.get("generation")
    return generation is not None and db[names.ranks].count_documents(
        {"_id": ranks_id(doc.get("site"), doc.get("year"), generation)}, limit=1) == 1


def _drop_orphans(db: Database, names: Names, doc: Mapping) -> None:
    """Week and rank documents of a generation no year document points to and older than
    ORPHAN_SECONDS (a write that died half-way, or the loser of two writes that crossed); a
    younger one may belong to a write about to point the year document to it."""
    cutoff = datetime.now(UTC) - timedelta(seconds=ORPHAN_SECONDS)
    stale = {"site": doc.get("site"), "year": doc.get("year"),
             "generation": {"$ne": doc.get("generation")},
             "$or": [{"created_at": {"$lt": cutoff}}, {"created_at": {"$exists": False}}]}
    db[names.weeks].delete_many(stale)
    db[names.ranks].delete_many(stale)


def release_step(storage: Any) -> None:
    """`release`: the summaries of posts stored before (or by a crawl that could not write
    them) and the dashboard's indexes; prints one line. A PyMongoError becomes the release's
    own error type with one sentence (the deploy stops); site-years whose summaries could not
    be computed (any other error) become a SummariesError naming them, after the others are
    written."""
    # the release's own error type, so that it says this in its one sentence and exits 2
    from blogcrawler.storage import StorageUnavailableError

    db = storage.client[storage.database_name]
    try:
        done = backfill(db, storage.posts_name, storage.crawls_name)
    except PyMongoError as exc:
        reason = str(exc).split(", full error:")[0].strip()[:300]
        raise StorageUnavailableError(
            f"could not write the dashboard's summaries in {storage.database_name}: "
            f"{reason}") from None
    print(f"release: dashboard summaries ready: {done.written} site-years summarised, "
          f"{done.current} already current, {done.removed} removed", flush=True)
    if done.failed:
        raise SummariesError(
            f"the dashboard's summaries of {len(done.failed)} site-year(s) could not be computed "
            f"(the dashboard shows their previous ones; the log has the traceback): "
            + "; ".join(done.failed[:5]))
