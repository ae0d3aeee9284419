"""Many crawls at once in one process: a Twisted reactor (asyncio) on a thread of its own,
running `BlogSpider` crawlers through Scrapy's public `AsyncCrawlerRunner`.

At the default politeness a blog gives about 2 pages a second, so one crawl at a time would
leave a worker's CPU idle; here every job is one crawler in the same reactor, each with its own
downloader (so its own delay, AutoThrottle and robots.txt), and the worker's threads only wait
for their crawl to end. The reactor is installed on the host's thread the way Scrapy installs it
(`install_reactor`), never on the main thread, which belongs to the worker's own signals.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings
from scrapy.utils.reactor import install_reactor

from blogcrawler.clock import new_crawl_id
from blogcrawler.extensions import CrawlRecorder
from blogcrawler.progress import Progress

logger = logging.getLogger(__name__)


@dataclass(eq=False)  # identity: a crawl is kept in a set
class Crawl:
    """One crawl in the host: its id (the crawler's CRAWL_ID setting, so its `crawls` record is
    known before it starts and after it ends), its crawler once created, and whether it was
    asked to stop."""

    spider_kwargs: Mapping[str, Any]
    crawl_id: str = field(default_factory=new_crawl_id)
    crawler: Crawler | None = None
    stop_reason: str | None = None
    ended: threading.Event = field(default_factory=threading.Event)

    @property
    def recorder(self) -> CrawlRecorder | None:
        """The crawl record's component (its final `record` once the crawl has ended)."""
        return CrawlRecorder.of(self.crawler) if self.crawler is not None else None

    @property
    def progress(self) -> dict | None:
        """The record's counts as the Progress extension last saw them (safe from any
        thread: a reference to a dict the reactor's thread replaces, never changes)."""
        extension = self.crawler.get_extension(Progress) if self.crawler is not None else None
        return extension.latest if extension is not None else None


class CrawlHost:
    """The reactor thread and its runner. `run` is called from any thread and blocks until
    its crawl has ended; `stop`/`stop_all` end crawls gracefully (what is measured is stored)."""

    def __init__(self, settings: Settings, spidercls):
        self.settings = settings
        self.spidercls = spidercls
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: AsyncCrawlerRunner | None = None
        self._thread: threading.Thread | None = None
        self._crawls: set[Crawl] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            try:
                install_reactor(self.settings["TWISTED_REACTOR"],
                                self.settings.get("ASYNCIO_EVENT_LOOP"))
                from twisted.internet import reactor

                self._loop = asyncio.get_event_loop()
                self._runner = AsyncCrawlerRunner(self.settings)
            except BaseException as exc:  # reported to start()'s caller
                failure.append(exc)
                ready.set()
                return
            reactor.callWhenRunning(ready.set)
            reactor.run(installSignalHandlers=False)

        self._thread = threading.Thread(target=serve, name="crawl-host", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]

    def run(self, crawl: Crawl) -> Crawl:
        """Run one crawl to its end (exceptions of its start are raised here)."""
        with self._lock:
            self._crawls.add(crawl)
        try:
            future = asyncio.run_coroutine_threadsafe(self._crawl(crawl), self._loop)
            future.result()
            return crawl
        finally:
            with self._lock:
                self._crawls.discard(crawl)
            crawl.ended.set()

    async def _crawl(self, crawl: Crawl) -> None:
        settings = self.settings.copy()
        settings.set("CRAWL_ID", crawl.crawl_id, priority="cmdline")
        crawl.crawler = self._runner.create_crawler(Crawler(self.spidercls, settings))
        if crawl.stop_reason:  # stopped before it began
            return
        await self._runner.crawl(crawl.crawler, **crawl.spider_kwargs)

    def stop(self, crawl: Crawl, reason: str) -> None:
        """Ask one crawl to stop (Scrapy closes it as `shutdown`, flushing what it measured)."""
        crawl.stop_reason = crawl.stop_reason or reason
        if self._loop is None:
            return

        def stop() -> None:
            crawler = crawl.crawler
            if crawler is not None and crawler.crawling:
                asyncio.ensure_future(crawler.stop_async())

        self._loop.call_soon_threadsafe(stop)

    def stop_all(self, reason: str) -> None:
        with self._lock:
            crawls = list(self._crawls)
        for crawl in crawls:
            self.stop(crawl, reason)

    @property
    def running(self) -> list[Crawl]:
        with self._lock:
            return list(self._crawls)
