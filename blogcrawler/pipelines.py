"""Item pipelines: validate and normalise each post, then store posts in bulk.

A dropped post is never silent: its reason goes to the crawl stats (`blog/dropped/<reason>`), to
the log and, through Scrapy's `item_dropped` signal, into the run's crawl record. What the
database acknowledged (or could not take) goes to the record by `blogcrawler.signals`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from blogcrawler import signals as blog_signals
from blogcrawler.dates import to_utc
from blogcrawler.storage import Storage, StorageUnavailableError

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 1000
# A forced stop gives the last write this long: a PaaS kills the process 30 s after SIGTERM.
FORCED_FLUSH_SECONDS = 10.0


class PostDropped(DropItem):
    """Not a post of the year: `reason` is one word for the record (other_year, no_date...)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class ValidatePostPipeline:
    """Drop posts without a title or a date, or of another year; tidy the rest."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _drop(self, reason: str, detail: str) -> PostDropped:
        self.crawler.stats.inc_value(f"blog/dropped/{reason}")
        return PostDropped(reason, detail)

    def process_item(self, item):
        post = ItemAdapter(item)
        url = post.get("url") or "?"
        title = " ".join(str(post.get("title") or "").split())
        if not title:
            raise self._drop("no_title", f"{url} has no title")
        post["title"] = title[:MAX_TITLE_CHARS]
        if not isinstance(post.get("published"), datetime) or not post.get("date"):
            raise self._drop("no_date", f"{url} shows no publication date")
        year = getattr(self.crawler.spider, "year", None)
        # Any other calendar year, earlier or later, whatever route listed it.
        if year is not None and str(post["date"])[:4] != str(year):
            raise self._drop("other_year", f"{url} was published on {post['date']}, not in {year}")
        post["categories"] = list(post.get("categories") or [])
        post["tags"] = list(post.get("tags") or [])
        return item


class StorePostPipeline:
    """Bulk writes keyed on the canonical URL; an unchanged post is not rewritten.

    A batch goes to the database when it is full (MONGODB_BATCH_SIZE) or MONGODB_FLUSH_SECONDS
    after its first post, whichever comes first, so a stop of any kind loses at most what was
    measured in the last seconds, and even that is written on a forced stop (`flush_now`)."""

    def __init__(self, crawler, storage: Storage, batch_size: int, flush_seconds: float = 2.0):
        self.crawler = crawler
        self.storage = storage
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.buffer: list[dict] = []
        # Writes run in one thread of our own, so a forced stop can wait for the one in flight
        # and learn its outcome (the reactor that would have told us is gone by then).
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-posts")
        self._writing: tuple[Future, list[dict]] | None = None
        self.unavailable: str | None = None  # why the database was given up on
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task | None = None
        self._closing: asyncio.Task | None = None
        crawler.signals.connect(self.flush_now, signal=blog_signals.flush_now)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler, Storage.from_settings(settings),
                   settings.getint("MONGODB_BATCH_SIZE", 100),
                   settings.getfloat("MONGODB_FLUSH_SECONDS", 2.0))

    async def open_spider(self):
        # Fail before fetching anything when the database is not there.
        await asyncio.to_thread(self.storage.check, True)
        self._timer = asyncio.get_running_loop().create_task(self._flush_by_time())

    async def _flush_by_time(self):
        while True:
            await asyncio.sleep(self.flush_seconds)
            if self.buffer:
                # Shielded: stopping the timer must not abandon a write half-way (the database
                # would hold the posts while the record never heard of them).
                await asyncio.shield(self.flush())

    async def process_item(self, item):
        spider = self.crawler.spider
        doc = ItemAdapter(item).asdict()
        doc["crawl_id"] = getattr(spider, "crawl_id", None)
        doc["crawled_at"] = to_utc(datetime.now(UTC))
        if self.unavailable:
            self._not_stored([doc], self.unavailable)
            return item
        self.buffer.append(doc)
        if len(self.buffer) >= self.batch_size:
            await self.flush()
        return item

    async def flush(self) -> None:
        async with self._lock:
            batch, self.buffer = self.buffer, []
            if not batch:
                return
            if self.unavailable:
                self._not_stored(batch, self.unavailable)
                return
            future = self._writer.submit(self.storage.upsert_posts, batch)
            self._writing = (future, batch)
            try:
                result = await asyncio.wrap_future(future)
            except StorageUnavailableError as exc:
                # Fail loudly: these posts are not stored, a re-run completes the set.
                self.unavailable = str(exc)
                self._not_stored(batch, self.unavailable)
                logger.error("%s; %d posts not stored, stopping the crawl", exc, len(batch))
                # Not awaited: closing the spider waits for this pipeline's close_spider.
                self._closing = asyncio.get_running_loop().create_task(
                    self.crawler.engine.close_spider_async(reason="database_unavailable"))
                return
            finally:
                self._writing = None
            self._stored(result)

    def flush_now(self) -> None:
        """A forced stop: learn the outcome of the write in flight, then write the buffered
        posts here and now. No reactor runs any more; a short retry only."""
        if self._writing is not None:
            future, writing = self._writing
            self._writing = None
            try:
                self._stored(future.result(timeout=FORCED_FLUSH_SECONDS))
            except StorageUnavailableError as exc:
                self._not_stored(writing, str(exc))
            except Exception:  # still running, or failed otherwise: write it again below
                self.buffer[:0] = writing
        batch, self.buffer = self.buffer, []
        if not batch or self.unavailable:
            if batch:
                self._not_stored(batch, self.unavailable)
            return
        try:
            self._stored(self.storage.upsert_posts(batch, retry_seconds=FORCED_FLUSH_SECONDS))
        except StorageUnavailableError as exc:
            self._not_stored(batch, str(exc))

    def _stored(self, result) -> None:
        stats = self.crawler.stats
        stats.inc_value("blog/stored/new", result.new)
        stats.inc_value("blog/stored/updated", result.updated)
        stats.inc_value("blog/stored/unchanged", result.unchanged)
        for url, size in result.too_large.items():
            stats.inc_value("blog/stored/failed")
            logger.error("post %s not stored: its document is %.1f MB, MongoDB takes at most "
                         "16 MB", url, size / 2**20)
        self.crawler.signals.send_catch_log(blog_signals.posts_stored, result=result)

    def _not_stored(self, docs: list[dict], reason: str) -> None:
        self.crawler.stats.inc_value("blog/stored/failed", len(docs))
        self.crawler.signals.send_catch_log(blog_signals.posts_not_stored,
                                            urls=[d["url"] for d in docs], reason=reason)

    async def close_spider(self):
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        await self.flush()
        self._writer.shutdown(wait=True)
        self.storage.close()
