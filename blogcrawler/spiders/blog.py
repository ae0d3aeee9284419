"""`scrapy crawl blog`: every post of one year of a WordPress blog, measured.

Finding the posts is the discovery runner's (`blogcrawler.runner`, one route at a time:
`blogcrawler.routes`); measuring a post is the pure `extract_post`; what became of each post is
the crawl record's (`blogcrawler.extensions`). The spider only connects them:

    start          -> the first route's listings
    parse_listing  -> the posts and further listings one listing names
    parse_post     -> one post page, checked (`pages.not_a_post`) and measured
    on_*_error     -> a listing or a post that never answered, with its reason
    on_idle        -> the next route, when this one found no post of the year
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from blogcrawler import discovery
from blogcrawler import signals as blog_signals
from blogcrawler.discovery import Capture
from blogcrawler.extract import extract_post
from blogcrawler.extraction.parse import MarkupTooDeepError
from blogcrawler.items import PostItem
from blogcrawler.pages import document_url, not_a_post
from blogcrawler.routes import WAYBACK_SLOT, Blog
from blogcrawler.runner import DiscoveryRunner
from blogcrawler.urls import site_root
from blogstats.config import Config, ConfigError, from_scrapy_settings

# Scrapy 2.19 starts every queued request of a slot at once when its delay is 0 (they count as
# transferring only once their download coroutine runs), ignoring the slot's concurrency; a
# small delay keeps the Wayback Machine's slot to its few requests at a time.
MIN_WAYBACK_DELAY = 0.05

# The spider's arguments and the settings they override, named as a person types them.
SPIDER_ARGUMENTS = {"url": "blog_url", "year": "blog_year", "discover": "discovery"}


def crawl_config(settings, url=None, year=None, discover=None, **unknown) -> Config:
    """The run's configuration: the settings (environment, then `-s`) with the spider's
    arguments on top, checked by blogstats.config's rules (ConfigError: one sentence)."""
    if unknown:
        names = ", ".join(f"-a {name}" for name in sorted(unknown))
        raise ConfigError(f"{names} is not an argument of the blog spider; it takes "
                          + ", ".join(f"-a {a}=..." for a in SPIDER_ARGUMENTS))
    given = {"url": url, "year": year, "discover": discover}
    return from_scrapy_settings(
        settings, {SPIDER_ARGUMENTS[k]: v for k, v in given.items()},
        labels={field: f"-a {arg}" for arg, field in SPIDER_ARGUMENTS.items()})


class BlogSpider(scrapy.Spider):
    name = "blog"

    def __init__(self, url: str | None = None, year: str | int | None = None,
                 discover: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._url_arg, self._year_arg, self._discover_arg = url, year, discover

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
        spider.crawl_id = settings.get("CRAWL_ID") or \
            f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        spider.root = site_root(config.blog_url)
        spider.year = config.blog_year
        spider.terms = config.tracked_terms
        blog = Blog(spider.root, spider.year, config.wayback_url.rstrip("/"),
                    settings.getint("WAYBACK_RETRIES", 5),
                    settings.getfloat("WAYBACK_BACKOFF_SECONDS", 10.0))
        spider.runner = DiscoveryRunner(
            spider, blog, discovery.parse_strategies(config.discovery),
            max_listings=config.crawl_max_listings, max_posts=config.crawl_max_posts)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    async def start(self):
        for request in self.runner.begin():
            yield request

    def on_idle(self):
        requests = self.runner.idle()
        if requests:
            for request in requests:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    # -- listings ------------------------------------------------------------------------------
    def parse_listing(self, response, route: str, **kwargs):
        yield from self.runner.parse_listing(response, route, **kwargs)

    def on_listing_error(self, failure):
        return self.runner.listing_error(failure)

    # -- posts ---------------------------------------------------------------------------------
    def parse_post(self, response, listed: str, capture: Capture | None = None):
        """Check and measure one post page (a Wayback capture: under the post's own URL)."""
        why = not_a_post(response)
        if why:
            self.runner.post_failed(listed, why)
            return
        own = capture.post if capture else response.url
        try:
            measured = extract_post(response.body, own, encoding=response.encoding,
                                    terms=self.terms)
        except MarkupTooDeepError as exc:  # its text would be lost: a failure, not a wrong count
            self.runner.post_failed(listed, str(exc))
            return
        measured.pop("text")
        url, ignored = document_url(measured["url"], listed, own, self.root,
                                    is_post=lambda u: u in self.runner.asked
                                    or u in self.runner.asked_before)
        if ignored:
            self.logger.info("%s: rel=canonical names %s (%s), not this post: kept its own URL",
                             url, measured["url"], ignored)
            self.crawler.signals.send_catch_log(blog_signals.canonical_ignored, url=url,
                                                canonical=measured["url"], why=ignored)
        measured["url"] = url
        self.runner.measured(listed, url, measured.get("date"))
        item = PostItem(site=self.root, **measured)
        if capture:
            timestamp = discovery.replay_timestamp(response.url) or capture.timestamp
            item["archived_at"] = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        yield item

    def on_post_error(self, failure):
        self.runner.post_error(failure)
