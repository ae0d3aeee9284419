"""`scrapy crawl blog`: every post of one year of a WordPress blog, measured.

Find the year's posts by one route at a time (`-a discover=`, default auto: the date archive, the
REST API, the sitemaps, the feed, then the Wayback Machine, moving on while a route finds no post
of the year), request each post once and measure it with the pure `extract_post`, whatever route
found it. Parsing the listings is `blogcrawler.discovery`'s. Failures are recorded with their
reason, so the crawl record can say which posts never answered; the route used and why the
others were skipped go to the stats `blog/discovery` and `blog/discovery_skipped`.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

from blogcrawler import discovery
from blogcrawler.discovery import LIVE_STRATEGIES, Capture, Listing
from blogcrawler.extract import extract_post
from blogcrawler.items import PostItem
from blogcrawler.urls import site_root
from blogstats.config import Config, from_scrapy_settings

WAYBACK_SLOT = "wayback"
# Scrapy 2.19 starts every queued request of a slot at once when its delay is 0 (they count as
# transferring only once their download coroutine runs), ignoring the slot's concurrency; a
# small delay keeps the Wayback Machine's slot to its few requests at a time.
MIN_WAYBACK_DELAY = 0.05
# Answers of the Wayback Machine that mean "not now": retried with back-off, not at once.
WAYBACK_BUSY = (429, 500, 502, 503, 504)


# The spider's arguments and the settings they override, named as a person types them.
SPIDER_ARGUMENTS = {"url": "blog_url", "year": "blog_year", "discover": "discovery"}


def crawl_config(settings, url=None, year=None, discover=None) -> Config:
    """The run's configuration: the settings (environment, then `-s`) with the spider's
    arguments on top, checked by blogstats.config's rules (ConfigError: one sentence)."""
    given = {"url": url, "year": year, "discover": discover}
    return from_scrapy_settings(
        settings, {SPIDER_ARGUMENTS[k]: v for k, v in given.items()},
        labels={field: f"-a {arg}" for arg, field in SPIDER_ARGUMENTS.items()})


def failure_reason(failure) -> str:
    """A short, stable reason for a request that never gave a page."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "DNS lookup failed"
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        return "connection refused"
    if failure.check(DownloadCancelledError) and "max size" in failure.getErrorMessage():
        return "size limit: the page is larger than DOWNLOAD_MAXSIZE"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"[:200]


def unreachable(failure) -> bool:
    """A failure that says the host does not answer at all (not an answer it did not like)."""
    return bool(failure.check(DownloadConnectionRefusedError, CannotResolveHostError,
                              DownloadTimeoutError, ConnectError, DNSLookupError, TimeoutError))


class BlogSpider(scrapy.Spider):
    name = "blog"

    def __init__(self, url: str | None = None, year: str | int | None = None,
                 discover: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._url_arg, self._year_arg, self._discover_arg = url, year, discover
        self.failures: list[dict] = []
        self.crawl_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        self.strategy: str | None = None  # the route being tried
        self.skipped: dict[str, str] = {}  # route -> why it gave no post of the year
        self.captures: dict[str, str] = {}  # post URL -> Wayback capture timestamp
        self.site_down: str | None = None  # why the live site did not answer, once it did not
        self._requested: set[str] = set()  # posts asked for by the current route
        self._asked_before: set[str] = set()  # posts asked for by earlier routes
        self._listed: set[str] = set()  # listings asked for by the current route
        self._found = 0  # posts of the year measured by the current route
        self._failures_from = 0  # the current route's first entry in self.failures

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # The Wayback Machine gets a download slot of its own: few requests at a time, spaced.
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        slots.setdefault(WAYBACK_SLOT, {
            "concurrency": settings.getint("WAYBACK_CONCURRENCY", 2),
            "delay": max(settings.getfloat("WAYBACK_DELAY", 1.0), MIN_WAYBACK_DELAY)})
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        config = crawl_config(settings, spider._url_arg, spider._year_arg, spider._discover_arg)
        spider.root = site_root(config.blog_url)
        spider.year = config.blog_year
        spider.terms = config.tracked_terms
        spider.strategies = discovery.parse_strategies(config.discovery)
        spider.wayback = config.wayback_url.rstrip("/")
        spider.wayback_retries = settings.getint("WAYBACK_RETRIES", 5)
        spider.wayback_backoff = settings.getfloat("WAYBACK_BACKOFF_SECONDS", 10.0)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    @property
    def archive_url(self) -> str:
        return f"{self.root}{self.year}/"

    async def start(self):
        for request in self._begin(0):
            yield request

    # -- discovery: one route at a time --------------------------------------------------------
    def _begin(self, index: int) -> list[scrapy.Request]:
        """Start the route `self.strategies[index]`, or the first after it that can run."""
        for strategy in self.strategies[index:]:
            self._asked_before |= self._requested
            self.strategy, self._found, self._requested, self._listed = strategy, 0, set(), set()
            self._failures_from = len(self.failures)
            self.crawler.stats.set_value("blog/discovery", strategy)
            if self.site_down and strategy in LIVE_STRATEGIES:
                self._skip(f"not tried: the site did not answer ({self.site_down})")
                continue
            self.logger.info("finding the posts of %d by %s", self.year, strategy)
            return getattr(self, f"_start_{strategy}")()
        return []

    def on_idle(self):
        """When a route is done and found no post of the year, the next one starts."""
        if self._found or self.strategy is None:
            return
        index = self.strategies.index(self.strategy)
        if index + 1 < len(self.strategies):
            self._skip(self._why_nothing(), drop_failures=True)
            requests = self._begin(index + 1)
            if requests:
                for request in requests:
                    self.crawler.engine.crawl(request)
                raise DontCloseSpider
        reason = self._why_nothing()
        if self.strategy not in self.skipped:
            self.skipped[self.strategy] = reason
        self.crawler.stats.set_value("blog/discovery", None)
        self.crawler.stats.set_value("blog/discovery_skipped", dict(self.skipped))
        tried = "; ".join(f"{name}: {why}" for name, why in self.skipped.items())
        self._fail(self.root, "discovery", f"no route found a post of {self.year} ({tried})")
        self.strategy = None

    def _skip(self, reason: str, drop_failures: bool = False) -> None:
        """Note why the current route gave nothing; its failures become that reason."""
        self.skipped[self.strategy] = reason
        self.crawler.stats.set_value("blog/discovery_skipped", dict(self.skipped))
        if drop_failures:
            del self.failures[self._failures_from:]
        self.logger.info("discovery by %s gave no post of %d: %s", self.strategy, self.year, reason)

    def _why_nothing(self) -> str:
        failures = self.failures[self._failures_from:]
        if failures and not self._requested:
            first = failures[0]
            more = f" and {len(failures) - 1} more failures" if len(failures) > 1 else ""
            return f"{first['reason']} at {first['url']}{more}"
        if self.site_down and self.strategy in LIVE_STRATEGIES:
            return f"the site did not answer ({self.site_down})"
        if not self._requested:
            return f"listed no post of {self.year}"
        return f"listed {len(self._requested)} posts, none of {self.year} measured"

    def _listing(self, url: str, callback, errback=None, meta: dict | None = None, **cb_kwargs):
        """A listing request of the current route, once per URL, counted per route."""
        if url in self._listed:
            return None
        self._listed.add(url)
        self.crawler.stats.inc_value(f"blog/listing_requests/{self.strategy}")
        return scrapy.Request(url, callback=callback, errback=errback or self.on_listing_error,
                              cb_kwargs={"kind": "listing", **cb_kwargs}, meta=meta or {},
                              dont_filter=True)

    def _follow(self, listing: Listing, callback, page: int | None = None, **cb_kwargs):
        """Requests for the posts a listing names and for the listings it points to (numbered
        on from `page` when the route is paged)."""
        for url in listing.posts:
            request = self._post_request(url)
            if request:
                yield request
        for n, url in enumerate(listing.next, start=1):
            paging = {} if page is None else {"page": page + n}
            request = self._listing(url, callback, **paging, **cb_kwargs)
            if request:
                yield request

    # -- the date archive ----------------------------------------------------------------------
    def _start_archive(self):
        return [self._listing(self.archive_url, self.parse_archive, kind="archive")]

    def parse_archive(self, response, kind: str = "archive"):
        """Queue the posts an archive page lists, its other pages and the month archives."""
        if not isinstance(response, TextResponse):
            self._fail(response.url, "archive", "not an HTML page")
            return
        listing = discovery.parse_archive_page(response.text, response.url, self.root, self.year)
        yield from self._follow(listing, self.parse_archive, kind="archive")

    # -- the REST API --------------------------------------------------------------------------
    def _start_rest(self):
        return [self._listing(discovery.rest_url(self.root, self.year), self.parse_rest, page=1)]

    def parse_rest(self, response, kind: str = "listing", page: int = 1):
        """One page of the year's posts from /wp-json/wp/v2/posts; page 1 queues the others."""
        try:
            listing = discovery.parse_rest_page(
                response.body, page, _header(response, "X-WP-TotalPages"),
                _header(response, "Link"), self.root, self.year)
        except ValueError as exc:
            self._fail(response.url, kind, str(exc))
            return
        yield from self._follow(listing, self.parse_rest, page=page)

    # -- sitemaps ------------------------------------------------------------------------------
    def _start_sitemap(self):
        first, *others = discovery.sitemap_urls(self.root)
        return [self._listing(first, self.parse_sitemap, alternatives=others)]

    def parse_sitemap(self, response, kind: str = "listing", alternatives=()):
        """A sitemap index (-> its post sitemaps) or a sitemap (-> the posts of the year)."""
        try:
            listing = discovery.parse_sitemap(response.body, self.root, self.year)
        except ValueError as exc:
            request = alternatives and self._listing(alternatives[0], self.parse_sitemap,
                                                     alternatives=alternatives[1:])
            if request:
                yield request
            else:
                self._fail(response.url, kind, str(exc))
            return
        yield from self._follow(listing, self.parse_sitemap)

    # -- the feed ------------------------------------------------------------------------------
    def _start_feed(self):
        return [self._listing(discovery.feed_url(self.root), self.parse_feed, page=1)]

    def parse_feed(self, response, kind: str = "listing", page: int = 1):
        """One page of the feed, newest first; the next page until the feed passes the year."""
        try:
            listing = discovery.parse_feed(response.body, page, self.root, self.year)
        except ValueError as exc:
            self._fail(response.url, kind, str(exc))
            return
        yield from self._follow(listing, self.parse_feed, page=page)

    # -- the Wayback Machine -------------------------------------------------------------------
    def _start_wayback(self):
        self.crawler.stats.set_value("blog/wayback/captures", self.captures)
        url = discovery.cdx_url(self.wayback, self.root, self.year)
        return [self._listing(url, self.parse_cdx, errback=self.on_wayback_error,
                              meta=self._wayback_meta())]

    async def parse_cdx(self, response, kind: str = "listing"):
        """The year's captured post URLs; each post's capture is replayed as originally served."""
        if response.status in WAYBACK_BUSY:
            retry = await self._wayback_retry(response.request, f"HTTP {response.status}",
                                              _header(response, "Retry-After"))
            if retry:
                yield retry
            return
        try:
            captures = discovery.parse_cdx(response.body, self.root, self.year)
        except ValueError as exc:
            self._fail(response.url, kind, str(exc))
            return
        for capture in captures:
            if capture.post not in self._requested:
                self._requested.add(capture.post)
                yield scrapy.Request(
                    discovery.replay_url(self.wayback, capture), callback=self.parse_capture,
                    errback=self.on_wayback_error, meta=self._wayback_meta(),
                    cb_kwargs={"kind": "post", "capture": capture})

    async def parse_capture(self, response, kind: str, capture: Capture):
        """Measure a post from its capture's original bytes, under the post's own URL."""
        if response.status in WAYBACK_BUSY:
            retry = await self._wayback_retry(response.request, f"HTTP {response.status}",
                                              _header(response, "Retry-After"))
            if retry:
                yield retry
            return
        item = self._measure(response, capture.post)
        if item is not None:
            timestamp = discovery.replay_timestamp(response.url) or capture.timestamp
            self.captures[item["url"]] = timestamp
            item["archived_at"] = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            yield item

    async def on_wayback_error(self, failure):
        """An archive that does not answer is asked again later; any other failure is kept."""
        request = failure.request
        if unreachable(failure):
            retry = await self._wayback_retry(request, failure_reason(failure), None)
            if retry:
                yield retry
            return
        self.on_listing_error(failure)

    def _wayback_meta(self) -> dict:
        return {"download_slot": WAYBACK_SLOT, "dont_retry": True,
                "handle_httpstatus_list": list(WAYBACK_BUSY),
                "autothrottle_dont_adjust_delay": True}

    async def _wayback_retry(self, request, reason: str, retry_after: str | None):
        """The request again after a back-off (Retry-After, else doubling), or None when spent."""
        attempt = request.meta.get("wayback_attempt", 0) + 1
        kind = request.cb_kwargs.get("kind", "page")
        if attempt > self.wayback_retries:
            self._fail(request.url, kind, f"{reason} (after {attempt - 1} retries)")
            return None
        wait = discovery.backoff_seconds(attempt, retry_after, self.wayback_backoff)
        self.crawler.stats.inc_value("blog/wayback/retries")
        self.logger.info("the Wayback Machine said %s; retry %d of %s in %.1f s", reason,
                         attempt, request.url, wait)
        await asyncio.sleep(wait)
        return request.replace(dont_filter=True, meta={**request.meta, "wayback_attempt": attempt})

    # -- posts ---------------------------------------------------------------------------------
    def _post_request(self, url: str) -> scrapy.Request | None:
        """A post page, once per route (a later route may ask again for what an earlier failed).

        Posts go through Scrapy's duplicate filter, so a crawl resumed from its JOBDIR does not
        fetch again what it fetched before; only a post an earlier route asked for (and failed:
        a later route runs only when the earlier ones measured nothing) bypasses it."""
        if url in self._requested:
            return None
        self._requested.add(url)
        return scrapy.Request(url, callback=self.parse_post, errback=self.on_error,
                              cb_kwargs={"kind": "post"}, dont_filter=url in self._asked_before)

    def parse_post(self, response, kind: str = "post"):
        """Measure one post page."""
        item = self._measure(response, response.url)
        if item is not None:
            yield item

    def _measure(self, response, url: str) -> PostItem | None:
        if not isinstance(response, TextResponse):
            self._fail(url, "post", "not an HTML page")
            return None
        measured = extract_post(response.body, url, encoding=response.encoding, terms=self.terms)
        measured.pop("text")
        if str(measured.get("date") or "")[:4] == str(self.year):
            self._found += 1
        return PostItem(site=self.root, **measured)

    # -- failures ------------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        kind = request.cb_kwargs.get("kind", "page")
        if kind != "post" and unreachable(failure):
            self.site_down = self.site_down or failure_reason(failure)
        asked = request.meta.get("redirect_urls", [request.url])[0]  # not where it was sent
        self._fail(asked, kind, failure_reason(failure))

    def on_listing_error(self, failure):
        """A listing that failed; the end of a paged feed or REST API is not a failure."""
        request, reason = failure.request, failure_reason(failure)
        if request.cb_kwargs.get("page", 1) > 1 and reason in ("HTTP 404", "HTTP 400"):
            return  # WordPress answers past the last page with 404 (feed) or 400 (REST)
        alternatives = request.cb_kwargs.get("alternatives")
        if alternatives:
            return self._listing(alternatives[0], request.callback, alternatives=alternatives[1:])
        self.on_error(failure)
        return None

    def _fail(self, url: str, kind: str, reason: str) -> None:
        self.failures.append({"url": url, "kind": kind, "reason": reason})
        self.crawler.stats.inc_value(f"blog/failed/{kind}")
        self.logger.warning("%s %s failed: %s", kind, url, reason)


def _header(response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None
