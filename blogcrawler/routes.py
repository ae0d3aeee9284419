"""The discovery routes: each way of listing a year's posts, as a small class.

A route says where its listings start (`start`), what one listing answer names (`parse`,
returning a `discovery.Listing`, or raising ValueError with the reason it is not a listing) and
how to fetch a post it listed (`fetch`). The pure parsers are `blogcrawler.discovery`'s; the
order, the state and the limits are the runner's (`blogcrawler.runner`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse

from blogcrawler import discovery
from blogcrawler.discovery import Capture, Listing

WAYBACK_SLOT = "wayback"


@dataclass
class Ask:
    """One request a route wants: the URL, its callback's extra arguments and request meta."""

    url: str
    kwargs: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


@dataclass
class Blog:
    """What every route needs to know about the crawl."""

    root: str
    year: int
    wayback: str
    wayback_retries: int = 5
    wayback_backoff: float = 10.0


def header(response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None


def is_local(url: str) -> bool:
    """A loopback, private or link-local address (or `localhost`): a host only this machine or
    network can reach, which no public archive holds and whose name must not leave it."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


class Route:
    name = ""
    live = True  # asks the blog itself (not tried once the blog did not answer)

    def __init__(self, blog: Blog):
        self.blog = blog

    def unavailable(self) -> str | None:
        """Why this route cannot run at all, or None."""
        return None

    def start(self) -> list[Ask]:
        raise NotImplementedError

    def parse(self, response, **kwargs) -> Listing:
        raise NotImplementedError

    def fallback(self, url: str) -> Ask | None:
        """Another listing to try when `url` failed or was not a listing."""
        return None

    def fetch(self, post: str) -> Ask:
        """How to ask for a post this route listed: the post's own URL."""
        return Ask(post)


class ArchiveRoute(Route):
    """The date archive `/<year>/`, its pages and the month archives (Twenty Fifteen markup)."""

    name = "archive"

    def start(self):
        return [Ask(f"{self.blog.root}{self.blog.year}/")]

    def parse(self, response, **kwargs):
        if not isinstance(response, HtmlResponse):
            raise ValueError("not an HTML page")
        return discovery.parse_archive_page(response.text, response.url, self.blog.root,
                                            self.blog.year)


class RestRoute(Route):
    """The WordPress REST API: 100 posts a request, all pages known from the first."""

    name = "rest"

    def start(self):
        return [Ask(discovery.rest_url(self.blog.root, self.blog.year), {"page": 1})]

    def parse(self, response, page: int = 1, **kwargs):
        return discovery.parse_rest_page(
            response.body, page, header(response, "X-WP-TotalPages"), header(response, "Link"),
            self.blog.root, self.blog.year)


class SitemapRoute(Route):
    """`wp-sitemap.xml`, else `sitemap.xml`, and the post sitemaps they name."""

    name = "sitemap"

    def start(self):
        return [Ask(discovery.sitemap_urls(self.blog.root)[0])]

    def parse(self, response, **kwargs):
        return discovery.parse_sitemap(response.body, self.blog.root, self.blog.year)

    def fallback(self, url):
        names = discovery.sitemap_urls(self.blog.root)
        if url in names[:-1]:
            return Ask(names[names.index(url) + 1])
        return None


class FeedRoute(Route):
    """The feed's pages, newest first, until past the year."""

    name = "feed"

    def start(self):
        return [Ask(discovery.feed_url(self.blog.root), {"page": 1})]

    def parse(self, response, page: int = 1, **kwargs):
        return discovery.parse_feed(response.body, page, self.blog.root, self.blog.year)


class WaybackRoute(Route):
    """The Wayback Machine's CDX index of the year's post URLs, then each capture's original
    bytes, measured under the post's own URL. Asked gently: a download slot of its own, and
    back-off on 429/5xx through the one retry path (RetryAfterMiddleware)."""

    name = "wayback"
    live = False

    def __init__(self, blog: Blog):
        super().__init__(blog)
        self.captures: dict[str, Capture] = {}

    def unavailable(self):
        # A blog on this machine or network is never sent to a public archive (which cannot
        # hold it); an archive on the same machine or network (a local replay) may be asked.
        if is_local(self.blog.root) and not is_local(self.blog.wayback):
            host = urlsplit(self.blog.root).hostname
            return (f"not tried: {host} is a local address, which the Wayback Machine at "
                    f"{urlsplit(self.blog.wayback).hostname} cannot hold")
        return None

    def meta(self) -> dict:
        return {"download_slot": WAYBACK_SLOT, "max_retry_times": self.blog.wayback_retries,
                "backoff_seconds": self.blog.wayback_backoff,
                "autothrottle_dont_adjust_delay": True}

    def start(self):
        return [Ask(discovery.cdx_url(self.blog.wayback, self.blog.root, self.blog.year),
                    meta=self.meta())]

    def parse(self, response, **kwargs):
        listing = Listing()
        for capture in discovery.parse_cdx(response.body, self.blog.root, self.blog.year):
            self.captures[capture.post] = capture
            listing.add_post(capture.post)
        return listing

    def fetch(self, post):
        capture = self.captures[post]
        return Ask(discovery.replay_url(self.blog.wayback, capture), {"capture": capture},
                   self.meta())


ROUTES = {route.name: route for route in
          (ArchiveRoute, RestRoute, SitemapRoute, FeedRoute, WaybackRoute)}
