"""The discovery runner: tries the routes in turn, turns listings into requests, keeps the
bounds, and says what it did through `blogcrawler.signals` (the crawl record listens).

One route at a time: when a route's listings are done and it measured no post of the year, the
next one starts (`auto`). The live routes are not tried once the blog did not answer at all.
Bounds: a further page of a listing is followed only when the page listed a post its earlier
pages did not (an endless `/page/N/` that repeats itself or lists nothing stops there); a route
asks for at most CRAWL_MAX_LISTINGS listings and a run lists at most CRAWL_MAX_POSTS posts;
reaching either stops listing, lets what is queued finish, and ends the run as incomplete.
"""

from __future__ import annotations

import logging
import re

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, DNSLookupError, TCPTimedOutError, TimeoutError
from w3lib.url import url_query_cleaner

from blogcrawler import signals
from blogcrawler.middlewares import OffSiteRedirect, RobotsUnavailable
from blogcrawler.routes import ROUTES, Ask, Blog, Route

logger = logging.getLogger(__name__)


def failure_reason(failure) -> str:
    """A short, stable reason for a request that never gave a page."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "DNS lookup failed"
    if failure.check(DownloadConnectionRefusedError):
        return "connection refused"
    if failure.check(ConnectError) and "refused" in failure.getErrorMessage().lower():
        return "connection refused"
    if failure.check(DownloadCancelledError) and "max size" in failure.getErrorMessage():
        return "size limit: the page is larger than DOWNLOAD_MAXSIZE"
    if failure.check(RobotsUnavailable, OffSiteRedirect):
        return failure.getErrorMessage()
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"[:200]


def chain_of(url: str) -> str:
    """The paged listing a listing page belongs to: its URL without the page number."""
    url = url_query_cleaner(url, ("page", "paged"), remove=True)
    return re.sub(r"/page/\d+/?$", "/", url)


def unreachable(failure) -> bool:
    """A failure that says the host does not answer at all (not an answer it did not like)."""
    return bool(failure.check(DownloadConnectionRefusedError, CannotResolveHostError,
                              DownloadTimeoutError, ConnectError, DNSLookupError, TimeoutError,
                              RobotsUnavailable))


class DiscoveryRunner:
    def __init__(self, spider, blog: Blog, route_names: tuple[str, ...], max_listings: int,
                 max_posts: int):
        self.spider = spider
        self.blog = blog
        self.routes: list[Route] = [ROUTES[name](blog) for name in route_names]
        self.max_listings = max_listings
        self.max_posts = max_posts
        self.route: Route | None = None  # the route being tried; None once discovery is over
        self.skipped: dict[str, str] = {}  # route -> why it gave no post of the year
        self.site_down: str | None = None  # why the blog did not answer, once it did not
        self.asked: set[str] = set()  # posts asked for by the current route
        self.asked_before: set[str] = set()  # posts asked for by earlier routes
        self.listings: set[str] = set()  # listings asked for by the current route
        self.chains: dict[str, set[str]] = {}  # a paged listing -> the posts its pages listed
        self.found = 0  # posts of the year measured by the current route
        self.failures: list[tuple[str, str]] = []  # the current route's failed listings
        self.posts_listed = 0
        self.limit: str | None = None

    @property
    def crawler(self):
        return self.spider.crawler

    def _send(self, signal, **kwargs) -> None:
        self.crawler.signals.send_catch_log(signal, **kwargs)

    # -- the routes, in turn -----------------------------------------------------------------
    def begin(self, index: int = 0) -> list[scrapy.Request]:
        """Start the route `index`, or the first after it that can run."""
        for route in self.routes[index:]:
            self.asked_before |= self.asked
            self.route, self.found, self.asked, self.listings, self.failures = \
                route, 0, set(), set(), []
            self.chains = {}
            self.crawler.stats.set_value("blog/discovery", route.name)
            self._send(signals.route_started, route=route.name)
            why = route.unavailable()
            if why is None and self.site_down and route.live:
                why = f"not tried: the site did not answer ({self.site_down})"
            if why:
                self._skip(why)
                continue
            logger.info("finding the posts of %d by %s", self.blog.year, route.name)
            return [r for r in (self.listing(ask) for ask in route.start()) if r]
        self._give_up()
        return []

    def idle(self) -> list[scrapy.Request] | None:
        """When the queue is empty: the next route's first requests, or None (the run ends)."""
        if self.route is None:
            return None
        if self.found or self.limit:
            self.route = None  # the route found the posts (or a limit ended the listing)
            return None
        index = self.routes.index(self.route)
        self._skip(self._why_nothing())
        return self.begin(index + 1) or None

    def _skip(self, reason: str) -> None:
        name = self.route.name
        self.skipped[name] = reason
        self.crawler.stats.set_value("blog/discovery_skipped", dict(self.skipped))
        self._send(signals.route_skipped, route=name, reason=reason)
        logger.info("discovery by %s gave no post of %d: %s", name, self.blog.year, reason)

    def _give_up(self) -> None:
        self.route = None
        self.crawler.stats.set_value("blog/discovery", None)
        tried = "; ".join(f"{name}: {why}" for name, why in self.skipped.items())
        reason = f"no route found a post of {self.blog.year} ({tried})"
        logger.warning("discovery failed: %s", reason)
        self._send(signals.listing_failed, url=self.blog.root, route="", reason=reason,
                   kind="discovery")

    def _why_nothing(self) -> str:
        if self.failures and not self.asked:
            (url, first), more = self.failures[0], len(self.failures) - 1
            return f"{first} at {url}" + (f" and {more} more failures" if more else "")
        if self.site_down and self.route.live:
            return f"the site did not answer ({self.site_down})"
        if not self.asked:
            return f"listed no post of {self.blog.year}"
        return f"listed {len(self.asked)} posts, none of {self.blog.year} measured"

    # -- listings ----------------------------------------------------------------------------
    def listing(self, ask: Ask) -> scrapy.Request | None:
        """A listing request of the current route, once per URL, within the route's limit."""
        if ask.url in self.listings or self.limit:
            return None
        if len(self.listings) >= self.max_listings:
            self._limit("limit_listings",
                        f"the {self.route.name} route reached {self.max_listings} listing "
                        "pages (CRAWL_MAX_LISTINGS)")
            return None
        self.listings.add(ask.url)
        self.crawler.stats.inc_value(f"blog/listing_requests/{self.route.name}")
        return scrapy.Request(ask.url, callback=self.spider.parse_listing,
                              errback=self.spider.on_listing_error,
                              cb_kwargs={"route": self.route.name, **ask.kwargs},
                              meta=ask.meta, dont_filter=True)

    def parse_listing(self, response, route: str, **kwargs):
        """The requests one listing answer leads to."""
        if self.route is None or route != self.route.name:
            return  # an answer for a route that is over (e.g. resumed from a job directory)
        try:
            listing = self.route.parse(response, **kwargs)
        except ValueError as exc:
            fallback = self.route.fallback(response.url)
            if fallback:
                request = self.listing(fallback)
                if request:
                    yield request
                return
            self._listing_failed(response.url, str(exc))
            return
        chain = self.chains.setdefault(chain_of(response.request.url), set())
        new = set(listing.posts) - chain
        chain.update(listing.posts)
        for url in listing.posts:
            request = self.post(url)
            if request:
                yield request
        for url in listing.next:
            request = self.listing(Ask(url))
            if request:
                yield request
        if new:  # a page that lists nothing its earlier pages did not is the end of them
            page = kwargs.get("page")
            for n, url in enumerate(listing.pages, start=1):
                request = self.listing(Ask(url, {"page": page + n} if page is not None else {}))
                if request:
                    yield request

    def listing_error(self, failure):
        """A listing that failed; the end of a paged feed or REST API is not a failure."""
        request, reason = failure.request, failure_reason(failure)
        route = request.cb_kwargs.get("route")
        if self.route is None or route != self.route.name:
            return None
        if request.cb_kwargs.get("page", 1) > 1 and reason in ("HTTP 404", "HTTP 400"):
            return None  # WordPress answers past the last page with 404 (feed) or 400 (REST)
        fallback = self.route.fallback(request.url)
        if fallback:
            return self.listing(fallback)
        if self.route.live and unreachable(failure):
            self.site_down = self.site_down or reason
        self._listing_failed(request.url, reason)
        return None

    def _listing_failed(self, url: str, reason: str) -> None:
        self.failures.append((url, reason))
        self.crawler.stats.inc_value("blog/failed/listing")
        logger.warning("listing %s failed: %s", url, reason)
        self._send(signals.listing_failed, url=url, route=self.route.name, reason=reason)

    def _limit(self, code: str, reason: str) -> None:
        if self.limit is None:
            self.limit = code
            logger.warning("%s: no more listing; the run ends incomplete", reason)
            self._send(signals.limit_reached, code=code, reason=reason)

    # -- posts -------------------------------------------------------------------------------
    def post(self, url: str) -> scrapy.Request | None:
        """A post page, once per route (a later route may ask again for what an earlier failed).

        Posts go through Scrapy's duplicate filter, so a crawl resumed from its JOBDIR does not
        fetch again what it fetched before; only a post an earlier route asked for (and failed:
        a later route runs only when the earlier ones measured nothing) bypasses it."""
        if url in self.asked or self.limit:
            return None
        if self.posts_listed >= self.max_posts:
            self._limit("limit_posts", f"the run listed {self.max_posts} posts of "
                                       f"{self.blog.year} (CRAWL_MAX_POSTS)")
            return None
        self.asked.add(url)
        self.posts_listed += url not in self.asked_before
        self._send(signals.post_listed, url=url, route=self.route.name)
        ask = self.route.fetch(url)
        return scrapy.Request(ask.url, callback=self.spider.parse_post,
                              errback=self.spider.on_post_error, meta=ask.meta,
                              cb_kwargs={"listed": url, **ask.kwargs},
                              dont_filter=url in self.asked_before)

    def measured(self, listed: str, url: str, date: str | None) -> None:
        if str(date or "")[:4] == str(self.blog.year):
            self.found += 1
        self._send(signals.post_measured, listed=listed, url=url)

    def post_failed(self, listed: str, reason: str) -> None:
        self.crawler.stats.inc_value("blog/failed/post")
        logger.warning("post %s failed: %s", listed, reason)
        self._send(signals.post_failed, url=listed, reason=reason)

    def post_error(self, failure) -> None:
        request = failure.request
        self.post_failed(request.cb_kwargs.get("listed", request.url), failure_reason(failure))
