"""Downloader middlewares: retries, redirects, robots.txt and charsets, made to say what went
wrong."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Request, TextResponse, XmlResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred
from twisted.internet.error import TCPTimedOutError, TimeoutError

from blogcrawler.extraction.parse import page_encoding
from blogcrawler.measure import same_site

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(retries: int, retry_after: bytes | str | None, base: float | None,
                    now: datetime | None = None) -> float | None:
    """How long to wait before retry number `retries + 1`: what Retry-After says when the server
    says it, else `base` doubled at each retry (never more than five minutes), else None."""
    wait = retry_after_seconds(retry_after, now)
    if wait is None and base:
        wait = min(base * 2 ** retries, MAX_BACKOFF_SECONDS)
    return wait


class RetryAfterMiddleware(RetryMiddleware):
    """The one retry path. Like RetryMiddleware, but a 429 or 503 with Retry-After waits that
    long (without blocking other downloads) before the retry, and a request that asks for
    back-off (meta `backoff_seconds`, the Wayback Machine's) waits that long doubled at each
    retry when the server gives no Retry-After; a wait longer than RETRY_AFTER_MAX_SECONDS
    gives up. Which exceptions are retried is RETRY_EXCEPTIONS: a refused connection or a
    failed DNS lookup is not (the host is not there; asking again only delays the verdict)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX_SECONDS", 120.0)

    def _wait(self, request, retry_after) -> float | None:
        """Seconds to wait before retrying `request`, or None to give up waiting."""
        wait = backoff_seconds(request.meta.get("retry_times", 0), retry_after,
                               request.meta.get("backoff_seconds"))
        if wait is not None and wait > self.max_wait:
            self.crawler.stats.inc_value("blog/retry_after/too_long")
            return None
        return wait or 0.0

    async def _retry_later(self, request, reason, retry_after=None):
        wait = self._wait(request, retry_after)
        if wait is None:
            return None
        retry = self._retry(request, reason)
        if retry is not None and wait:
            key = "blog/backoff_retries" if request.meta.get("backoff_seconds") else \
                "blog/retry_after/waited"
            self.crawler.stats.inc_value(key)
            await asyncio.sleep(wait)
        return retry

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = await self._retry_later(request, response_status_message(response.status),
                                        response.headers.get(b"Retry-After"))
        return retry or response

    async def process_exception(self, request, exception, spider=None):
        if not isinstance(exception, self.exceptions_to_retry) or \
                request.meta.get("dont_retry", False):
            return None
        return await self._retry_later(request, exception)


class OffSiteRedirect(IgnoreRequest):
    """A redirect from the blog to another host: not a page of this blog."""


class SiteAwareRedirectMiddleware(RedirectMiddleware):
    """RedirectMiddleware that fails a redirect loop at once with a clear reason (Scrapy's own
    would send the looping URL back to the scheduler, whose duplicate filter drops it silently,
    so the post would vanish from the crawl without a word), and a redirect to another host
    ("moved off-site to HOST"): a post of that host is not a post of this blog. The same host
    with or without "www." and http or https is the same site."""

    def _redirect(self, redirected, request, reason):
        seen = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in seen:
            self.crawler.stats.inc_value("blog/redirect_loop")
            raise IgnoreRequest(f"redirect loop: {' -> '.join([*seen, redirected.url])}")
        origin = urlsplit(seen[0]).hostname or ""
        target = urlsplit(redirected.url).hostname or ""
        if not same_site(target, origin):
            self.crawler.stats.inc_value("blog/redirect_off_site")
            raise OffSiteRedirect(f"moved off-site to {target or redirected.url}")
        return super()._redirect(redirected, request, reason)


class RobotsUnavailable(IgnoreRequest):
    """robots.txt could not be read (time-out, server error): the host is not crawled."""


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt as the major crawlers read it (RFC 9309): a 4xx means no rules, but a
    robots.txt that does not answer (time-out after its retries) or answers with a server error
    means nothing may be crawled, so the blog is not crawled, with that reason. (Scrapy's own
    would then crawl as if everything were allowed.) The robots.txt request gets
    ROBOTSTXT_TIMEOUT seconds per try, and its failure is one log line. A refused connection or a failed DNS lookup is left to
    the page's own request, which fails at once with that reason."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.timeout = crawler.settings.getfloat("ROBOTSTXT_TIMEOUT", 10.0)
        self._unavailable: dict[str, str] = {}

    async def robot_parser(self, request):
        """The host's robots.txt rules (fetched once, with its own time-out), or None."""
        parts = urlsplit(request.url)
        netloc = parts.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robots = Request(f"{parts.scheme}://{netloc}/robots.txt",
                             priority=self.DOWNLOAD_PRIORITY, callback=NO_CALLBACK,
                             meta={"dont_obey_robotstxt": True, "download_timeout": self.timeout})
            try:
                response = await self.crawler.engine.download_async(robots)
            except Exception as exc:  # one line, not a traceback: the page's own request says more
                logger.warning("robots.txt of %s not read: %s: %s", netloc,
                               type(exc).__name__, str(exc)[:200])
                self._robots_error(exc, netloc)
            else:
                await self._parse_robots(response, netloc, request)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _parse_robots(self, response, netloc, request):
        if response.status >= 500 or response.status == 429:
            self._unavailable[netloc] = (f"robots.txt answered HTTP {response.status} after "
                                         "its retries")
            self._stats.inc_value("robotstxt/unavailable")
            self._robots_error(RobotsUnavailable(self._unavailable[netloc]), netloc)
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc, netloc):
        if isinstance(exc, (DownloadTimeoutError, TimeoutError, TCPTimedOutError)):
            self._unavailable[netloc] = "robots.txt did not answer (time-out, after its retries)"
            self._stats.inc_value("robotstxt/unavailable")
        super()._robots_error(exc, netloc)

    def process_request_2(self, rp, request):
        why = self._unavailable.get(urlsplit(request.url).netloc)
        if why:
            raise RobotsUnavailable(f"{why}: the blog is not crawled, as the major crawlers "
                                    "do not crawl a site whose robots.txt they cannot read")
        super().process_request_2(rp, request)


class BrowserEncodingMiddleware:
    """Decode every page as a browser does, with the one charset rule the extractor uses
    (`blogcrawler.extraction.parse.page_encoding`): a byte-order mark, the HTTP charset, a
    `<meta charset>` (also one printed after kilobytes of inline styles), else UTF-8 when the
    bytes are valid UTF-8, else windows-1252. Scrapy would otherwise guess an undeclared one
    with charset-normalizer, which takes a short windows-1252 page for windows-1250 and turns
    "naïve" into "naďve"."""

    def process_response(self, request, response, spider=None):
        if not isinstance(response, TextResponse) or isinstance(response, XmlResponse):
            return response
        # Always set: reading `response.encoding` first would run Scrapy's own guess.
        return response.replace(
            encoding=page_encoding(response.body, response.headers.get(b"Content-Type")))
