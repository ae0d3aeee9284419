"""CrawlRecorder: one `crawls` document per run, saying when, what, how much and how it ended."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import signals

from blogcrawler.dates import to_utc
from blogcrawler.storage import Storage, StorageUnavailableError

logger = logging.getLogger(__name__)

MAX_LISTED_FAILURES = 1000


def _now():
    return to_utc(datetime.now(UTC))


def crawl_outcome(stats: dict, failures: list, reason: str) -> dict:
    """The crawl record's figures, from the crawl stats and the spider's failures (pure)."""
    prefix = "blog/dropped/"
    dropped = {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}
    items = {
        "scraped": stats.get("item_scraped_count", 0),
        "stored_new": stats.get("blog/stored/new", 0),
        "updated": stats.get("blog/stored/updated", 0),
        "unchanged": stats.get("blog/stored/unchanged", 0),
        "not_stored": stats.get("blog/stored/failed", 0),
        "dropped": sum(dropped.values()),
        "dropped_by_reason": dropped,
    }
    posts_failed = sum(1 for f in failures if f.get("kind") in ("post", "store"))
    spider_errors = stats.get("spider_exceptions/count", 0)
    complete = (reason == "finished" and not failures and items["not_stored"] == 0
                and not spider_errors)
    return {
        "finish_reason": reason,
        "complete": complete,
        "pages": stats.get("response_received_count", 0),
        "requests": stats.get("downloader/request_count", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "items": items,
        "errors": len(failures),
        "spider_errors": spider_errors,
        "log_errors": stats.get("log_count/ERROR", 0),
        "failed_posts": posts_failed,
        "failures": failures[:MAX_LISTED_FAILURES],
        "failures_total": len(failures),
        "discovery": stats.get("blog/discovery"),
        "discovery_skipped": stats.get("blog/discovery_skipped", {}),
        "listing_requests": {k.rsplit("/", 1)[1]: v for k, v in stats.items()
                             if k.startswith("blog/listing_requests/")},
        "wayback_retries": stats.get("blog/wayback/retries", 0),
    }


class CrawlRecorder:
    def __init__(self, crawler, storage: Storage):
        self.crawler = crawler
        self.storage = storage
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Storage.from_settings(crawler.settings))

    def spider_opened(self, spider):
        record = {
            "_id": spider.crawl_id,
            "spider": spider.name,
            "site": getattr(spider, "root", None),
            "year": getattr(spider, "year", None),
            "started_at": _now(),
            "status": "running",
        }
        try:
            self.storage.start_crawl(record)
        except StorageUnavailableError as exc:
            logger.error("crawl record not written: %s", exc)

    def spider_error(self, failure, response, spider):
        """A page whose callback raised: its post is lost to this run, so list it."""
        kind = response.request.cb_kwargs.get("kind", "page") if response.request else "page"
        spider.failures.append({"url": response.url, "kind": kind,
                                "reason": f"error while reading the page: {failure.type.__name__}: "
                                          f"{failure.getErrorMessage()}"[:300]})

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        outcome = crawl_outcome(stats, getattr(spider, "failures", []), reason)
        outcome.update({"finished_at": _now(), "status": "finished"})
        self.crawler.stats.set_value("blog/complete", outcome["complete"])
        items = outcome["items"]
        logger.info(
            "crawl %s %s: %d pages, %d posts scraped (%d new, %d updated, %d unchanged), "
            "%d dropped, %d failures",
            spider.crawl_id, "complete" if outcome["complete"] else f"INCOMPLETE ({reason})",
            outcome["pages"], items["scraped"], items["stored_new"], items["updated"],
            items["unchanged"], items["dropped"], outcome["failures_total"])
        try:
            self.storage.finish_crawl(spider.crawl_id, outcome)
        except StorageUnavailableError as exc:
            logger.error("crawl record not written: %s", exc)
        finally:
            self.storage.close()
