"""Reading the crawler's collections into pandas, read-only, cached briefly.

A `Repository` belongs to one app. Its MongoClient is created on first use in each process
(PyMongo is not fork-safe, and gunicorn forks workers after importing the app), with a short
server-selection timeout so a dead database turns into a banner within seconds. Only field
names from `dashboard.metrics` and validated values reach a query.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd
from pymongo import DESCENDING, MongoClient
from pymongo.errors import PyMongoError

from blogstats.mongo import mask_uri
from dashboard.config import Config
from dashboard.metrics import METRICS, POST_FIELDS, TERM_NAME, TERM_PREFIX

logger = logging.getLogger(__name__)


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer; the message is one sentence for the banner (URI masked)."""


class TTLCache:
    """A small per-process cache of query results.

    An entry is fresh for `seconds`. After that, for `stale_seconds` more, it is still returned
    at once while one background thread reloads it (stale-while-revalidate): a year of 10,000
    posts takes seconds to read, and no page should wait for that after the first.
    """

    def __init__(self, seconds: float, stale_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic, max_entries: int = 64):
        self.seconds = seconds
        self.stale_seconds = stale_seconds
        self.clock = clock
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._refreshing: set[Hashable] = set()
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def get_or_load(self, key: Hashable, load: Callable[[], Any]) -> Any:
        now = self.clock()
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's refresh threads are not ours
                self._refreshing.clear()
                self._pid = os.getpid()
            hit = self._entries.get(key)
            if hit and hit[0] > now:
                return hit[1]
            if hit and hit[0] + self.stale_seconds > now:
                if key not in self._refreshing:
                    self._refreshing.add(key)
                    threading.Thread(target=self._refresh, args=(key, load), daemon=True,
                                     name="dashboard-cache-refresh").start()
                return hit[1]
        value = load()  # outside the lock: a slow query must not block other keys
        self._store(key, value)
        return value

    def _store(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries and key not in self._entries:
                self._entries.clear()
            self._entries[key] = (self.clock() + self.seconds, value)

    def _refresh(self, key: Hashable, load: Callable[[], Any]) -> None:
        try:
            self._store(key, load())
        except Exception as exc:  # the stale value stays until it is too old; logged, not raised
            logger.warning("background reload of %s failed: %s", key[0], type(exc).__name__)
        finally:
            with self._lock:
                self._refreshing.discard(key)

    @property
    def refreshing(self) -> bool:
        with self._lock:
            return bool(self._refreshing)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def safe_url(url: object) -> str:
    """The URL if it is http(s), else "": only such URLs may ever be opened from the page."""
    if isinstance(url, str) and url[:8].lower().startswith(("http://", "https://")):
        return url
    return ""


def _numbers(values: list) -> np.ndarray:
    """Floats, NaN for anything missing or not a number (fast path: all numbers or None)."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)


def _texts(values: list) -> list[str]:
    return [v if isinstance(v, str) else "" for v in values]


def posts_frame(docs: list[dict]) -> pd.DataFrame:
    """Post documents -> one row per post, oldest first (pure).

    Metrics become floats (NaN when missing), tracked terms become `term:<name>` columns, URLs
    that are not http(s) become "" and titles are always strings. Built column by column:
    about twice as fast as letting pandas infer a frame from 10,000 dicts.
    """
    def column(name: str) -> list:
        return [doc.get(name) for doc in docs]

    published = pd.to_datetime(pd.Series(column("published"), dtype=object), errors="coerce",
                               utc=True).dt.tz_localize(None)
    dates = _texts(column("date"))
    week = _numbers(column("week"))
    iso_week = _numbers(column("iso_week"))
    data: dict[str, object] = {
        "url": [safe_url(u) for u in column("url")],
        "site": _texts(column("site")),
        "title": _texts(column("title")),
        "author": _texts(column("author")),
        "date": [d or (p.strftime("%Y-%m-%d") if not pd.isna(p) else "")
                 for d, p in zip(dates, published, strict=True)],
        "published": published,
        "year": _numbers(column("year")),
        "week": np.where(np.isnan(week), iso_week, week),
        "categories": [", ".join(str(c) for c in v) if isinstance(v, list) else ""
                       for v in column("categories")],
    }
    for metric in METRICS:
        data[metric] = _numbers(column(metric))
    terms = [t if isinstance(t, dict) else {} for t in column("terms")]
    # in the order the crawler wrote them (its TRACKED_TERMS order)
    names = [n for n in dict.fromkeys(n for t in terms for n in t)
             if isinstance(n, str) and TERM_NAME.match(n)]
    for name in names:
        data[TERM_PREFIX + name] = _numbers([t.get(name) for t in terms])
    frame = pd.DataFrame(data)
    frame = frame[frame["published"].notna()].sort_values("published", kind="stable")
    return frame.reset_index(drop=True)


def term_names(frame: pd.DataFrame) -> list[str]:
    return [c[len(TERM_PREFIX):] for c in frame.columns if c.startswith(TERM_PREFIX)]


class Repository:
    """Read access to `posts` and `crawls` for one app; safe to share between threads."""

    def __init__(self, config: Config):
        self.config = config
        self._client: MongoClient | None = None
        self._client_pid: int | None = None
        self._lock = threading.Lock()
        self._cache = TTLCache(config.cache_seconds, stale_seconds=10 * config.cache_seconds)

    @property
    def masked_uri(self) -> str:
        return mask_uri(self.config.mongodb_uri)

    @property
    def client(self) -> MongoClient:
        with self._lock:
            if self._client is None or self._client_pid != os.getpid():
                # A client inherited through fork is unusable; make a new one (never close the
                # parent's: its sockets belong to the parent).
                ms = self.config.server_selection_ms
                self._client = MongoClient(
                    self.config.mongodb_uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms,
                    socketTimeoutMS=max(10 * ms, 20000), appname="blogstats-dashboard",
                    connect=False)
                self._client_pid = os.getpid()
            return self._client

    def _db(self):
        return self.client[self.config.database]

    def _unavailable(self, exc: Exception) -> DatabaseUnavailableError:
        logger.warning("MongoDB at %s: %s", self.masked_uri, type(exc).__name__)
        return DatabaseUnavailableError(
            f"The database at {self.masked_uri} is not answering ({type(exc).__name__}); "
            "the page will recover by itself when it is back.")

    def ping(self) -> tuple[bool, str]:
        """(True, "") when the server answers a ping, else (False, a sentence with the masked URI)."""
        try:
            self.client.admin.command("ping")
            return True, ""
        except PyMongoError as exc:
            return False, str(self._unavailable(exc))

    def sites_and_years(self) -> dict[str, list[int]]:
        """Each site in `posts` with its years, newest first; sites sorted."""
        def load() -> dict[str, list[int]]:
            posts = self._db()[self.config.posts_collection]
            pairs = posts.aggregate([
                {"$group": {"_id": {"site": "$site", "year": "$year"}}},
            ])
            found: dict[str, set[int]] = {}
            for row in pairs:
                site, year = row["_id"].get("site"), row["_id"].get("year")
                if isinstance(site, str) and isinstance(year, int) and not isinstance(year, bool):
                    found.setdefault(site, set()).add(year)
            return {site: sorted(found[site], reverse=True) for site in sorted(found)}

        return self._cached(("sites",), load)

    def posts(self, site: str, year: int) -> pd.DataFrame:
        """One year of one site's posts as a DataFrame (see `posts_frame`); cached briefly.

        Callers pass a site and year taken from `sites_and_years`, never raw URL values.
        """
        if not isinstance(site, str) or not isinstance(year, int):
            raise TypeError("site must be a str and year an int")

        def load() -> pd.DataFrame:
            posts = self._db()[self.config.posts_collection]
            cursor = posts.find({"site": site, "year": year},
                                {name: 1 for name in POST_FIELDS} | {"_id": 0},
                                batch_size=5000)
            return posts_frame(list(cursor))

        return self._cached(("posts", site, year), load)

    def last_crawl(self, site: str | None) -> dict | None:
        """The newest `crawls` record for the site (any site when None), or None."""
        def load() -> dict | None:
            crawls = self._db()[self.config.crawls_collection]
            query = {"site": site} if isinstance(site, str) else {}
            fields = ["started_at", "finished_at", "status", "finish_reason", "complete",
                      "items", "failures_total", "failed_posts", "year", "site"]
            return crawls.find_one(query, {f: 1 for f in fields}, sort=[("started_at", DESCENDING)])

        return self._cached(("crawl", site), load)

    def _cached(self, key: tuple, load: Callable[[], Any]) -> Any:
        try:
            return self._cache.get_or_load(key, load)
        except PyMongoError as exc:
            raise self._unavailable(exc) from None
