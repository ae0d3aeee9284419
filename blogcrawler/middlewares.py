"""Downloader middlewares: retries, redirects and charsets, made to say what went wrong."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse, XmlResponse
from scrapy.utils.response import response_status_message

from blogcrawler.extraction.parse import page_encoding


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


class RetryAfterMiddleware(RetryMiddleware):
    """Like RetryMiddleware, but a 429 or 503 with Retry-After waits that long (without blocking
    other downloads) before the retry; a wait longer than RETRY_AFTER_MAX_SECONDS gives up."""

    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX_SECONDS", 120.0)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None:
            if wait > self.max_wait:
                self.crawler.stats.inc_value("blog/retry_after/too_long")
                return response
            self.crawler.stats.inc_value("blog/retry_after/waited")
            await asyncio.sleep(wait)
        return self._retry(request, response_status_message(response.status)) or response


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """RedirectMiddleware that fails a redirect loop at once with a clear reason. (Scrapy's own
    would send the looping URL back to the scheduler, whose duplicate filter drops it silently,
    so the post would vanish from the crawl without a word.)"""

    def _redirect(self, redirected, request, reason):
        seen = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in seen:
            self.crawler.stats.inc_value("blog/redirect_loop")
            raise IgnoreRequest(f"redirect loop: {' -> '.join([*seen, redirected.url])}")
        return super()._redirect(redirected, request, reason)


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
