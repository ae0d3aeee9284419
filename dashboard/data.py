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

from blogcrawler.storage import mask_uri
from dashboard.config import Config
from dashboard.metrics import METRICS, POST_FIELDS, TERM_NAME, TERM_PREFIX

logger = logging.getLogger(__name__)


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer; the message is one sentence for the banner (URI masked)."""


class TTLCache:
    """A small per-process cache of query results; entries expire after `seconds`."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = 64):
        self.seconds = seconds
        self.clock = clock
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_load(self, key: Hashable, load: Callable[[], Any]) -> Any:
        now = self.clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit and hit[0] > now:
                return hit[1]
        value = load()  # outside the lock: a slow query must not block other keys
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now + self.seconds, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def safe_url(url: object) -> str:
    """The URL if it is http(s), else "": only such URLs may ever be opened from the page."""
    if isinstance(url, str) and url[:8].lower().startswith(("http://", "https://")):
        return url
    return ""


def posts_frame(docs: list[dict]) -> pd.DataFrame:
    """Post documents -> one row per post, oldest first (pure).

    Metrics become floats (NaN when missing), tracked terms become `term:<name>` columns, URLs
    that are not http(s) become "" and titles are always strings.
    """
    frame = pd.DataFrame(docs)
    if frame.empty:
        return pd.DataFrame(columns=["url", "title", "date", "published", "week", *METRICS])
    for column in ("url", "title", "date", "author"):
        if column not in frame:
            frame[column] = ""
    frame["url"] = [safe_url(u) for u in frame["url"]]
    frame["title"] = [t if isinstance(t, str) else "" for t in frame["title"]]
    frame["published"] = pd.to_datetime(frame.get("published"), errors="coerce", utc=True)
    frame["published"] = frame["published"].dt.tz_localize(None)
    frame["date"] = [d if isinstance(d, str) else "" for d in frame["date"]]
    missing_date = frame["date"] == ""
    frame.loc[missing_date, "date"] = frame.loc[missing_date, "published"].dt.strftime("%Y-%m-%d")
    week = frame["week"] if "week" in frame else frame.get("iso_week")
    frame["week"] = pd.to_numeric(week, errors="coerce") if week is not None else np.nan
    for metric in METRICS:
        frame[metric] = pd.to_numeric(frame[metric], errors="coerce") if metric in frame else np.nan
    frame["categories"] = [", ".join(str(c) for c in v) if isinstance(v, list) else ""
                           for v in frame.get("categories", [None] * len(frame))]
    if "terms" in frame:
        terms = pd.DataFrame([t if isinstance(t, dict) else {} for t in frame["terms"]],
                             index=frame.index)
        for name in terms.columns:
            if isinstance(name, str) and TERM_NAME.match(name):
                frame[TERM_PREFIX + name] = pd.to_numeric(terms[name], errors="coerce")
        frame = frame.drop(columns="terms")
    frame = frame.dropna(subset=["published"]).sort_values("published", kind="stable")
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
        self._cache = TTLCache(config.cache_seconds)

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
