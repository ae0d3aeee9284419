"""`scrapy crawl blog`: every post of one year of a WordPress blog, measured.

Start at the year archive, follow its pagination and the month archives, request each post of
the year once, and measure it with the pure `extract_post`. Failures are recorded with their
reason, so the crawl record can say which posts never answered.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from blogcrawler.extract import extract_post
from blogcrawler.items import PostItem
from blogcrawler.urls import clean_url, is_archive_url, is_post_url, site_root, url_year

MIN_YEAR, MAX_YEAR = 1995, 2100


class ConfigError(ValueError):
    """A wrong argument or setting, with a sentence a person can act on."""


def parse_blog_url(value: str | None) -> str:
    url = (value or "").strip()
    if "://" not in url and url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"blog URL {value!r} is not an http(s) URL, e.g. https://blog.example")
    return site_root(url)


def parse_year(value) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ConfigError(f"year {value!r} is not a number, e.g. 2015") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ConfigError(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def parse_terms(value) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        items = value
    else:
        items = str(value or "").split(",")
    return tuple(dict.fromkeys(t.strip().lower() for t in items if t.strip()))


def failure_reason(failure) -> str:
    """A short, stable reason for a request that never gave a page."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(DNSLookupError):
        return "DNS lookup failed"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"[:200]


class BlogSpider(scrapy.Spider):
    name = "blog"

    def __init__(self, url: str | None = None, year: str | int | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._url_arg, self._year_arg = url, year
        self.failures: list[dict] = []
        self.crawl_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.root = parse_blog_url(spider._url_arg or settings.get("BLOG_URL"))
        spider.year = parse_year(spider._year_arg or settings.get("BLOG_YEAR"))
        spider.terms = parse_terms(settings.get("TRACKED_TERMS"))
        return spider

    @property
    def archive_url(self) -> str:
        return f"{self.root}{self.year}/"

    async def start(self):
        yield scrapy.Request(self.archive_url, callback=self.parse_archive,
                             errback=self.on_error, cb_kwargs={"kind": "archive"})

    # -- archive pages -------------------------------------------------------------------------
    def parse_archive(self, response, kind: str = "archive"):
        """Queue the posts an archive page lists, its other pages and the month archives."""
        if not isinstance(response, TextResponse):
            self._fail(response.url, "archive", "not an HTML page")
            return
        posts: dict[str, None] = {}
        archives: dict[str, None] = {}
        for href in response.css(
            "article .entry-title a::attr(href), article h2 a[rel=bookmark]::attr(href)"
        ).getall():
            url = clean_url(response.urljoin(href))
            if url_year(url) in (None, self.year):  # a listed post, whatever its permalink
                posts[url] = None
        for href in response.css("a::attr(href)").getall():
            url = clean_url(response.urljoin(href))
            if is_post_url(url, self.root, self.year):
                posts[url] = None
            elif is_archive_url(url, self.root, self.year):
                archives[url] = None
        for url in posts:
            yield scrapy.Request(url, callback=self.parse_post, errback=self.on_error,
                                 cb_kwargs={"kind": "post"})
        for url in archives:
            yield scrapy.Request(url, callback=self.parse_archive, errback=self.on_error,
                                 cb_kwargs={"kind": "archive"})

    # -- posts ---------------------------------------------------------------------------------
    def parse_post(self, response, kind: str = "post"):
        """Measure one post page."""
        if not isinstance(response, TextResponse):
            self._fail(response.url, "post", "not an HTML page")
            return
        measured = extract_post(response.body, response.url, encoding=response.encoding,
                                terms=self.terms)
        measured.pop("text")
        yield PostItem(site=self.root, **measured)

    # -- failures ------------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        kind = request.cb_kwargs.get("kind", "page")
        self._fail(request.url, kind, failure_reason(failure))

    def _fail(self, url: str, kind: str, reason: str) -> None:
        self.failures.append({"url": url, "kind": kind, "reason": reason})
        self.crawler.stats.inc_value(f"blog/failed/{kind}")
        self.logger.warning("%s %s failed: %s", kind, url, reason)
