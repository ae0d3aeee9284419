"""Reading the crawler's collections, read-only.

No page starts by reading a year of posts (SecantusDB, the local stand-in, reads 15-30k
documents a second; a blog-year can hold 50,000). The views read, in this order of preference:
- the summaries written at the end of each crawl (blogstats.summaries): one small document per
  site-year (the overview, the cards, the site and year lists), a few hundred week documents
  (the weekly views and the comparisons), a rank document (the table's pages, the scatter's
  sample);
- posts on demand: a year's posts with the fields the figures draw when it has no more than
  `summaries.POINTS_LIMIT` of them (each post is drawn), and the table's page of rows (one
  narrow range query on a {site, year, column} index, see dashboard/table.py);
- `crawls` and `jobs` for what is running (a handful of recent documents, by index).

Immutable reads (a generation of week or rank documents) are shared between the workers of a
machine through `cache.SharedCache`; small documents that change while a crawl runs (a year's
summary, the crawl records, the jobs) are re-read at most once a second per worker.

Only field names from `dashboard.metrics` and values checked against the data reach a query.
The MongoClient is made by `blogstats.mongo.make_client` in each process on first use (PyMongo
is not fork-safe, and gunicorn forks workers after importing the app).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.errors import PyMongoError

from blogstats.config import ConfigError
from blogstats.mongo import make_client, mask_uri, scrub
from blogstats.postframe import LABEL_FIELDS, NUMBER_FIELDS, READ_BATCH, frame_in_batches
from blogstats.summaries import Names, ranks_id, year_id
from dashboard.cache import SharedCache, private_folder
from dashboard.config import Config

logger = logging.getLogger(__name__)

# What the page says when the database cannot be used: the details (host, user, exception)
# go to the log only, masked.
UNAVAILABLE = ("The database is not answering right now; this page will recover by itself "
               "when it is back.")
MISCONFIGURED = ("The dashboard cannot use its database setting (MONGODB_URI); the server "
                 "log says why.")
# Small documents that change while a crawl runs are re-read at most this often per worker.
FRESH_SECONDS = 1.0
# The year documents' fields the overview and the lists use (not the moments or term stats).
SUMMARY_FIELDS = {"pairs": 0, "term_stats": 0}
TABLE_FIELDS = ("date", "week", "title", "words", "paragraphs", "headings", "images", "links",
                "html_bytes", "comments", "categories", "url")


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer or cannot be used; str() is a sentence safe for the page."""


def _is_year(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _aware(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def crawl_state(crawl: dict | None, now: datetime | None = None,
                stale_seconds: float = 60.0) -> str:
    """none, running, interrupted (running but silent for over `stale_seconds`: its process
    died without a word) or finished."""
    if not crawl:
        return "none"
    status = crawl.get("status")
    if status != "running":
        return "interrupted" if status == "interrupted" else "finished"
    now = now or datetime.now(UTC)
    beat = _aware(crawl.get("heartbeat_at") or crawl.get("started_at"))
    if beat is not None and (now - beat).total_seconds() > stale_seconds:
        return "interrupted"
    return "running"


class Repository:
    """Read access for one app; safe to share between threads."""

    def __init__(self, config: Config):
        self.config = config
        self.names = Names(config.posts_collection)
        self._client: MongoClient | None = None
        self._client_pid: int | None = None
        self._lock = threading.Lock()
        # The cache folder is per database, so two dashboards on one machine never mix.
        namespace = hashlib.sha256("|".join((
            config.mongodb_uri, config.database, config.posts_collection,
            config.crawls_collection)).encode()).hexdigest()[:20]
        self.cache = SharedCache(private_folder(config.cache_dir, namespace)
                                 if config.cache_seconds > 0 else None, config.cache_seconds)
        self._fresh: dict[Hashable, tuple[float, Any]] = {}

    @property
    def masked_uri(self) -> str:
        return mask_uri(self.config.mongodb_uri)

    @property
    def client(self) -> MongoClient:
        with self._lock:
            if self._client is None or self._client_pid != os.getpid():
                # A client inherited through fork is unusable; make a new one (never close the
                # parent's: its sockets belong to the parent).
                try:
                    self._client = make_client(
                        self.config.mongodb_uri,
                        timeout_seconds=self.config.server_selection_ms / 1000,
                        appname="blogstats-dashboard")
                except ConfigError as exc:
                    logger.error("%s", exc)  # already masked by make_client
                    raise DatabaseUnavailableError(MISCONFIGURED) from None
                self._client_pid = os.getpid()
            return self._client

    def _db(self):
        return self.client[self.config.database]

    def _collection(self, name: str):
        return self._db()[name]

    def _unavailable(self, exc: Exception) -> DatabaseUnavailableError:
        logger.warning("MongoDB at %s: %s: %s", self.masked_uri, type(exc).__name__,
                       scrub(str(exc), self.config.mongodb_uri)[:300])
        return DatabaseUnavailableError(UNAVAILABLE)

    def _read(self, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except PyMongoError as exc:
            raise self._unavailable(exc) from None

    def _recent(self, key: Hashable, read: Callable[[], Any],
                seconds: float = FRESH_SECONDS) -> Any:
        """`read()`, reused for `seconds` by this worker: for small documents that change
        while a crawl runs (every open page asks for them every few seconds)."""
        now = time.monotonic()
        with self._lock:
            hit = self._fresh.get(key)
        if hit and now - hit[0] < seconds:
            return hit[1]
        value = self._read(read)
        with self._lock:
            if len(self._fresh) > 512:
                self._fresh.clear()
            self._fresh[key] = (now, value)
        return value

    def _shared(self, key: tuple, load: Callable[[], Any]) -> Any:
        return self._read(lambda: self.cache.get_or_load(key, load))

    def ping(self) -> bool:
        """True when the server answers a ping; the reason it does not goes to the log."""
        try:
            self._read(lambda: self.client.admin.command("ping"))
            return True
        except DatabaseUnavailableError:
            return False

    # -- summaries ---------------------------------------------------------------------------
    def summaries(self) -> list[dict]:
        """Every site-year's summary (without its moments), by site then year."""
        def read() -> list[dict]:
            docs = self._collection(self.names.years).find({}, SUMMARY_FIELDS)
            return sorted((d for d in docs if isinstance(d.get("site"), str)
                           and _is_year(d.get("year"))), key=lambda d: (d["site"], -d["year"]))

        return self._recent(("summaries",), read)

    def summaries_missing(self) -> bool:
        """Whether posts are stored but no summary of them is (a deploy whose `release` did
        not run or failed after its migration): one find_one on the posts, only when there are
        no summaries; said in the log too, since the page only shows it to whoever looks."""
        if self.summaries():
            return False

        def read() -> bool:
            found = self._collection(self.config.posts_collection).find_one({}, {"_id": 1})
            if found is not None:
                logger.warning("posts are stored in %s but their summaries are missing: run "
                               "python -m blogcrawler.release", self.config.posts_collection)
            return found is not None

        return self._recent(("summaries-missing",), read)

    def sites_and_years(self) -> dict[str, list[int]]:
        """Each site that has posts with its years, newest first; sites sorted."""
        found: dict[str, list[int]] = {}
        for doc in self.summaries():
            if isinstance(doc.get("posts"), int) and doc["posts"] > 0:
                found.setdefault(doc["site"], []).append(doc["year"])
        return found

    def holds(self, site: object, year: object) -> bool:
        """Whether the collection holds posts of this site and year (raw page values welcome)."""
        if not isinstance(site, str) or not _is_year(year):
            return False
        return year in self.sites_and_years().get(site, [])

    def year_summary(self, site: str, year: int) -> dict | None:
        """The site-year's whole summary document (blogstats.summaries), or None."""
        self._check(site, year)
        return self._recent(("year", site, year), lambda: self._collection(
            self.names.years).find_one({"_id": year_id(site, year)}))

    def generation_now(self, site: str, year: int) -> str | None:
        """The generation the site-year's summary points to now (read, not cached)."""
        self._check(site, year)
        doc = self._read(lambda: self._collection(self.names.years).find_one(
            {"_id": year_id(site, year)}, {"generation": 1}))
        return doc.get("generation") if doc else None

    def week_rows(self, site: str, year: int, generation: str, axis: str) -> list[dict]:
        """The week documents of one generation of a site-year's summaries, in x order."""
        self._check(site, year)

        def load() -> list[dict]:
            docs = self._collection(self.names.weeks).find(
                {"site": site, "year": year, "generation": generation, "axis": axis},
                {"_id": 0, "x": 1, "start": 1, "posts": 1, "values": 1})
            return sorted(docs, key=lambda d: d["x"])

        return self._shared(("weeks", site, year, generation, axis), load)

    def ranks(self, site: str, year: int, generation: str) -> dict | None:
        """The rank document (table order, scatter sample) of a generation."""
        self._check(site, year)
        return self._shared(("ranks", site, year, generation), lambda: self._collection(
            self.names.ranks).find_one({"_id": ranks_id(site, year, generation)}))

    # -- posts, on demand ----------------------------------------------------------------------
    def posts(self, site: str, year: int, version: str) -> pd.DataFrame:
        """One year's posts as `numbers_frame(..., labels=True)`: every field a view draws, in
        one query. Only for a year small enough to draw post by post (the caller checks);
        `version` changes when the posts do (a crawl's end)."""
        self._check(site, year)

        def load() -> pd.DataFrame:
            cursor = self._collection(self.config.posts_collection).find(
                {"site": site, "year": year},
                {name: 1 for name in (*NUMBER_FIELDS, *LABEL_FIELDS)}, batch_size=READ_BATCH)
            return frame_in_batches(cursor)

        return self._shared(("posts", site, year, version), load)

    def find_posts(self, site: str, year: int, conditions: dict,
                   sort: list[tuple[str, int]] | None = None, skip: int = 0,
                   limit: int = 0) -> list[dict]:
        """The table's fields of the site-year's posts that meet `conditions` (built by
        dashboard/table.py from whitelisted columns only)."""
        self._check(site, year)
        query = {**conditions, "site": site, "year": year}

        def read() -> list[dict]:
            cursor = self._collection(self.config.posts_collection).find(
                query, dict.fromkeys(TABLE_FIELDS, 1), sort=sort, skip=skip, limit=limit,
                batch_size=READ_BATCH)
            return list(cursor)

        return self._read(read)

    def iter_posts(self, site: str, year: int, conditions: dict,
                   sort: list[tuple[str, int]]) -> Iterator[dict]:
        """As `find_posts`, every match, a batch at a time (the CSV)."""
        self._check(site, year)
        query = {**conditions, "site": site, "year": year}
        try:
            yield from self._collection(self.config.posts_collection).find(
                query, dict.fromkeys(TABLE_FIELDS, 1), sort=sort, batch_size=READ_BATCH)
        except PyMongoError as exc:
            raise self._unavailable(exc) from None

    def count_posts(self, site: str, year: int, conditions: dict) -> int:
        self._check(site, year)
        query = {**conditions, "site": site, "year": year}
        return self._read(lambda: self._collection(
            self.config.posts_collection).count_documents(query))

    def total_posts(self, site: str, year: int, fresh: bool = False) -> int:
        """The site-year's number of posts, counted (not the summary's, which a crawl's end
        may not have rewritten yet); `fresh` counts now, else a count of the last minute (the
        table counts at its first row, then reuses it for the pages that follow)."""
        self._check(site, year)
        key = ("total", site, year)
        if fresh:
            with self._lock:
                self._fresh.pop(key, None)
        return self._recent(key, lambda: self._collection(
            self.config.posts_collection).count_documents({"site": site, "year": year}),
            seconds=60.0)

    # -- crawls, jobs, blogs -------------------------------------------------------------------
    def last_crawl(self, site: str, year: int) -> dict | None:
        """The newest `crawls` record of this site and year, or None (re-read every second at
        most: a running crawl's record changes every few seconds)."""
        self._check(site, year)
        return self._recent(("crawl", site, year), lambda: self._collection(
            self.config.crawls_collection).find_one({"site": site, "year": year},
                                                    sort=[("started_at", DESCENDING)]))

    def recent_crawls(self) -> list[dict]:
        """The crawls started within CRAWL_MAX_HOURS (and an hour): every crawl that may still
        be running, read by the `started_at` index, without their long lists."""
        since = datetime.now(UTC) - timedelta(hours=self.config.crawl_max_hours + 1)
        fields = {"failures": 0, "not_reached": 0, "canonical_ignored": 0, "aliases": 0}
        return self._recent(("recent-crawls",), lambda: list(self._collection(
            self.config.crawls_collection).find({"started_at": {"$gte": since}}, fields,
                                                sort=[("started_at", ASCENDING)])))

    def jobs(self) -> list[dict]:
        """Every job of the many-blogs mode (one per blog-year; none without it)."""
        fields = {"history": 0, "token": 0}
        return self._recent(("jobs",), lambda: list(self._collection(
            self.config.jobs_collection).find({}, fields)))

    def blog_names(self) -> dict[str, str]:
        """The names the `blogs` list gives the blogs (URL -> name)."""
        def read() -> dict[str, str]:
            docs = self._collection(self.config.blogs_collection).find({}, {"name": 1})
            return {d["_id"]: d["name"] for d in docs
                    if isinstance(d.get("_id"), str) and isinstance(d.get("name"), str)}

        return self._recent(("blogs",), read, seconds=30.0)

    @staticmethod
    def _check(site: object, year: object) -> None:
        if not isinstance(site, str) or not _is_year(year):
            raise TypeError("site must be a str and year an int")


def year_start(year: int) -> pd.Timestamp:
    return pd.Timestamp(date(year, 1, 1))
