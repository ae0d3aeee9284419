"""Item pipelines: validate and normalise each post, then store posts in bulk.

A dropped post is never silent: its reason goes to the crawl stats (`blog/dropped/<reason>`),
to the log, and so into the run's `crawls` document.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from blogcrawler.dates import to_utc
from blogcrawler.storage import Storage, StorageUnavailableError

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 1000


class ValidatePostPipeline:
    """Drop posts without a title or a date, or of another year; tidy the rest."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _drop(self, reason: str, detail: str):
        self.crawler.stats.inc_value(f"blog/dropped/{reason}")
        return DropItem(f"{reason}: {detail}")

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
        if year is not None and int(post["date"][:4]) != year:
            raise self._drop("other_year", f"{url} was published on {post['date']}, not in {year}")
        post["categories"] = list(post.get("categories") or [])
        post["tags"] = list(post.get("tags") or [])
        return item


class StorePostPipeline:
    """Bulk upserts keyed on the canonical URL; an unchanged post is not rewritten."""

    def __init__(self, crawler, storage: Storage, batch_size: int):
        self.crawler = crawler
        self.storage = storage
        self.batch_size = max(1, batch_size)
        self.buffer: list[dict] = []
        self._lock = asyncio.Lock()
        self._closing: asyncio.Task | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler, Storage.from_settings(settings), settings.getint("MONGODB_BATCH_SIZE", 100))

    async def open_spider(self):
        # Fail before fetching anything when the database is not there.
        await asyncio.to_thread(self.storage.check, True)

    async def process_item(self, item):
        spider = self.crawler.spider
        doc = ItemAdapter(item).asdict()
        doc["crawl_id"] = getattr(spider, "crawl_id", None)
        doc["crawled_at"] = to_utc(datetime.now(UTC))
        self.buffer.append(doc)
        if len(self.buffer) >= self.batch_size:
            await self.flush()
        return item

    async def flush(self) -> None:
        async with self._lock:
            batch, self.buffer = self.buffer, []
            if not batch:
                return
            stats = self.crawler.stats
            try:
                result = await asyncio.to_thread(self.storage.upsert_posts, batch)
            except StorageUnavailableError as exc:
                # Fail loudly: the posts of this batch are not stored, a re-run completes the set.
                stats.inc_value("blog/stored/failed", len(batch))
                for doc in batch:
                    spider = self.crawler.spider
                    spider.failures.append({"url": doc["url"], "kind": "store", "reason": str(exc)})
                logger.error("%s; %d posts not stored, stopping the crawl", exc, len(batch))
                # Not awaited: closing the spider waits for this pipeline's close_spider.
                self._closing = asyncio.get_running_loop().create_task(
                    self.crawler.engine.close_spider_async(reason="database_unavailable"))
                return
            stats.inc_value("blog/stored/new", result.new)
            stats.inc_value("blog/stored/updated", result.updated)
            stats.inc_value("blog/stored/unchanged", result.unchanged)

    async def close_spider(self):
        await self.flush()
        self.storage.close()
