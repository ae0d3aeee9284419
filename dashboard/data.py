"""Reading the crawler's collections, read-only: projections of the fields the page draws,
shared between workers through `cache.SharedCache`.

A year of posts is read in one query with a projection of what the page draws: per post its
day, weeks, every metric and tracked term, title, URL, author and categories (`numbers_frame`).
Grouping by week and the rolling means are done on these columns (dashboard.weeks): on
SecantusDB, the local stand-in, a `$group` over a year took twice as long as reading the same
fields (bench/dashboard_scale.py prints both); on MongoDB either is far under a second.

The stored `date`, `week`, `iso_year` and `iso_week` are trusted as the crawler wrote them (one
notion of a week for the whole page); only a post that lacks one gets it from its `date`.

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
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
from pymongo import DESCENDING, MongoClient
from pymongo.errors import PyMongoError

from blogstats.config import ConfigError
from blogstats.mongo import make_client, mask_uri, scrub
from dashboard.cache import SharedCache, private_folder
from dashboard.config import Config
from dashboard.metrics import METRICS, TERM_NAME, TERM_PREFIX

logger = logging.getLogger(__name__)

NUMBER_FIELDS = ("date", "published", "week", "iso_year", "iso_week", "terms", *METRICS)
LABEL_FIELDS = ("title", "url", "date", "author", "categories")
# What the page says when the database cannot be used: the details (host, user, exception)
# go to the log only, masked.
UNAVAILABLE = ("The database is not answering right now; this page will recover by itself "
               "when it is back.")
MISCONFIGURED = ("The dashboard cannot use its database setting (MONGODB_URI); the server "
                 "log says why.")
READ_BATCH = 5000  # documents per batch read and turned into columns
# A crawl record whose heartbeat is older than this is a run that died (contracts.md).
HEARTBEAT_STALE_SECONDS = 60


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer or cannot be used; str() is a sentence safe for the page."""


def safe_url(url: object) -> str:
    """The URL if it is http(s), else "": only such URLs may ever be opened from the page."""
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
    """Post documents -> one row per post with `id`, `day`, `week`, `iso_year`, `iso_week`,
    every metric and `term:<name>` columns, by day (then time) (pure); with `labels`, also
    `title`, `url` (http(s) only, else ""), `date`, `author` and `categories` as plain strings.
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
    for metric in METRICS:
        data[metric] = _numbers(column(metric))
    terms = [t if isinstance(t, dict) else {} for t in column("terms")]
    # in the order the crawler wrote them (its TRACKED_TERMS order)
    names = [n for n in dict.fromkeys(n for t in terms for n in t)
             if isinstance(n, str) and TERM_NAME.match(n)]
    for name in names:
        data[TERM_PREFIX + name] = _numbers([t.get(name) for t in terms])
    if labels:
        for column, values in labels_frame(docs).items():
            data[column] = values.to_numpy(dtype=object)
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


def frame_in_batches(documents: Iterable[dict], size: int = READ_BATCH) -> pd.DataFrame:
    """`numbers_frame(docs, labels=True)` built a batch at a time: 50,000 documents held as
    dicts at once took ~150 MB of a worker's memory, which it then kept."""
    parts = [numbers_frame(batch, labels=True) for batch in batched(documents, size)]
    if not parts:
        return numbers_frame([], labels=True)
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


def _is_year(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def crawl_state(crawl: dict | None, now: datetime | None = None) -> str:
    """none, running, interrupted (running but its heartbeat is over 60 s old) or finished."""
    if not crawl:
        return "none"
    status = crawl.get("status")
    if status != "running":
        return "interrupted" if status == "interrupted" else "finished"
    now = now or datetime.now(UTC)
    beat = crawl.get("heartbeat_at") or crawl.get("started_at")
    if isinstance(beat, datetime):
        beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
        if (now - beat).total_seconds() > HEARTBEAT_STALE_SECONDS:
            return "interrupted"
    return "running"


class Repository:
    """Read access to `posts` and `crawls` for one app; safe to share between threads."""

    def __init__(self, config: Config):
        self.config = config
        self._client: MongoClient | None = None
        self._client_pid: int | None = None
        self._lock = threading.Lock()
        # The cache folder is per database, so two dashboards on one machine never mix.
        namespace = hashlib.sha256("|".join((
            config.mongodb_uri, config.database, config.posts_collection,
            config.crawls_collection)).encode()).hexdigest()[:20]
        self.cache = SharedCache(private_folder(config.cache_dir, namespace)
                                 if config.cache_seconds > 0 else None, config.cache_seconds)
        self._crawls: dict[tuple, tuple[float, dict | None]] = {}

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

    def _unavailable(self, exc: Exception) -> DatabaseUnavailableError:
        logger.warning("MongoDB at %s: %s: %s", self.masked_uri, type(exc).__name__,
                       scrub(str(exc), self.config.mongodb_uri)[:300])
        return DatabaseUnavailableError(UNAVAILABLE)

    def _read(self, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except PyMongoError as exc:
            raise self._unavailable(exc) from None

    def ping(self) -> bool:
        """True when the server answers a ping; the reason it does not goes to the log."""
        try:
            self._read(lambda: self.client.admin.command("ping"))
            return True
        except DatabaseUnavailableError:
            return False

    def sites_and_years(self) -> dict[str, list[int]]:
        """Each site in `posts` with its years, newest first; sites sorted."""
        def load() -> dict[str, list[int]]:
            posts = self._db()[self.config.posts_collection]
            found: dict[str, set[int]] = {}
            for row in posts.aggregate([{"$group": {"_id": {"site": "$site", "year": "$year"}}}]):
                site, year = row["_id"].get("site"), row["_id"].get("year")
                if isinstance(site, str) and _is_year(year):
                    found.setdefault(site, set()).add(year)
            return {site: sorted(found[site], reverse=True) for site in sorted(found)}

        return self._read(lambda: self.cache.get_or_load(("sites",), load))

    def holds(self, site: object, year: object) -> bool:
        """Whether the collection holds posts of this site and year (raw page values welcome)."""
        if not isinstance(site, str) or not _is_year(year):
            return False
        return year in self.sites_and_years().get(site, [])

    def last_crawl(self, site: str, year: int) -> dict | None:
        """The newest `crawls` record of this site and year, or None. Read afresh (at most once
        a second per worker): a running crawl's record changes every few seconds."""
        key = (site, year)
        now = time.monotonic()
        with self._lock:
            hit = self._crawls.get(key)
        if hit and now - hit[0] < 1.0:
            return hit[1]

        def read() -> dict | None:
            crawls = self._db()[self.config.crawls_collection]
            return crawls.find_one({"site": site, "year": year},
                                   sort=[("started_at", DESCENDING)])

        crawl = self._read(read)
        with self._lock:
            if len(self._crawls) > 256:
                self._crawls.clear()
            self._crawls[key] = (now, crawl)
        return crawl

    def _version(self, site: str, year: int) -> str:
        """Changes when a crawl of this site and year starts or ends: cached years are keyed
        by it, so a finished crawl is shown at once."""
        crawl = self.last_crawl(site, year)
        if not crawl:
            return "-"
        return f"{crawl.get('_id')}|{crawl.get('status')}|{crawl.get('finished_at')}"

    def posts(self, site: str, year: int) -> pd.DataFrame:
        """One year's posts as `numbers_frame(..., labels=True)`: every field a view draws,
        read in one query (every page load shows the table, which needs the titles, so one
        read of both costs less than two). Callers pass a site and year that `holds`
        confirmed, never raw page values."""
        self._check(site, year)

        def load() -> pd.DataFrame:
            posts = self._db()[self.config.posts_collection]
            cursor = posts.find({"site": site, "year": year},
                                {name: 1 for name in (*NUMBER_FIELDS, *LABEL_FIELDS)},
                                batch_size=READ_BATCH)
            return frame_in_batches(cursor)

        version = self._version(site, year)
        return self._read(lambda: self.cache.get_or_load(("posts", site, year, version), load))

    numbers = posts  # the figures read the numeric columns of the same frame

    def derived(self, name: str, site: str, year: int, compute: Callable[[], Any]) -> Any:
        """A value computed from one year's posts (a view's summary), cached like them."""
        self._check(site, year)
        version = self._version(site, year)
        return self._read(lambda: self.cache.get_or_load((name, site, year, version), compute))

    @staticmethod
    def _check(site: object, year: object) -> None:
        if not isinstance(site, str) or not _is_year(year):
            raise TypeError("site must be a str and year an int")


def year_start(year: int) -> pd.Timestamp:
    return pd.Timestamp(date(year, 1, 1))
