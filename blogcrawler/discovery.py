"""Where a year's posts are listed: the URLs to ask and pure parsers for each discovery route.

A route ("strategy") lists the posts of one year; the posts themselves are then fetched and
measured the same way whatever route found them. Each parser takes what one listing answered and
returns a `Listing`: the post URLs it names and the further listing URLs to ask for. No network,
no Scrapy engine: everything here is unit-tested on strings.

- archive: the date archive `/2015/` with its pages and month archives (Twenty Fifteen markup);
- rest: the WordPress REST API (WP >= 4.7), 100 posts a request, `X-WP-TotalPages` pages;
- sitemap: `wp-sitemap.xml` (WP >= 5.5), else a plain `sitemap.xml` index, filtered by URL date;
- feed: the RSS/Atom feed's pages, `/feed/?paged=N`, newest first, until past the year;
- wayback: the Wayback Machine's CDX index of `<host>/<year>/*` and the captures' original bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlencode, urljoin, urlsplit

from lxml import etree
from parsel import Selector
from scrapy.utils.sitemap import Sitemap
from w3lib.html import get_base_url

from blogcrawler.urls import clean_url, is_archive_url, is_paged, is_post_url, url_year

STRATEGIES = ("archive", "rest", "sitemap", "feed", "wayback")
AUTO = "auto"
LIVE_STRATEGIES = frozenset(STRATEGIES) - {"wayback"}
REST_PER_PAGE = 100  # the REST API's maximum
MAX_FEED_PAGES = 1000
# Sub-sitemaps that list pages, terms or people, never posts (core's and the SEO plugins' names).
_NOT_POST_SITEMAP = re.compile(
    r"(?:posts-page|page-sitemap|taxonom|categor|post_tag|tag-sitemap|users?-|author|attachment)",
    re.IGNORECASE)


@dataclass
class Listing:
    """What one listing answer names: post URLs (in order, no repeats), other listings to ask
    (month archives, sub-sitemaps) and further pages of this listing. A page that brings no new
    post is the end of its pagination (a trap's `/page/N/` for every N ends there)."""

    posts: list[str] = field(default_factory=list)
    next: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def add_post(self, url: str) -> None:
        if url not in self.posts:
            self.posts.append(url)


@dataclass(frozen=True)
class Capture:
    """One capture in the Wayback Machine: when (yyyyMMddhhmmss, UTC), of which URL as captured,
    and the post's own URL it shows."""

    timestamp: str
    original: str
    post: str


def parse_strategies(value: str | None) -> tuple[str, ...]:
    """The routes to try, in order: all of them for "auto", else the one named."""
    name = (value or AUTO).strip().lower()
    if name == AUTO:
        return STRATEGIES
    if name not in STRATEGIES:
        raise ValueError(f"discover={value!r} is not one of {', '.join((*STRATEGIES, AUTO))}")
    return (name,)


# -- archive -----------------------------------------------------------------------------------
def parse_archive_page(text: str, url: str, root: str, year: int) -> Listing:
    """A date archive page: the posts it lists, its other pages and the year's month archives."""
    page, base = Selector(text=text), get_base_url(text, url)
    listing = Listing()
    for href in page.css(
        "article .entry-title a::attr(href), article h2 a[rel=bookmark]::attr(href)"
    ).getall():
        post = clean_url(urljoin(base, href.strip()))
        if url_year(post) in (None, year):  # a listed post, whatever its permalink
            listing.add_post(post)
    for href in page.css("a::attr(href)").getall():
        link = clean_url(urljoin(base, href.strip()))
        if is_post_url(link, root, year):
            listing.add_post(link)
        elif is_archive_url(link, root, year):
            more = listing.pages if is_paged(link) else listing.next
            if link not in more:
                more.append(link)
    return listing


# -- REST API ----------------------------------------------------------------------------------
def rest_url(root: str, year: int, page: int = 1) -> str:
    """One page of the year's posts, oldest first, trimmed to the fields the listing needs.
    `after`/`before` are exclusive and naive local times, the safest form across WP versions."""
    query = {"after": f"{year - 1}-12-31T23:59:59", "before": f"{year + 1}-01-01T00:00:00",
             "per_page": REST_PER_PAGE, "page": page, "orderby": "date", "order": "asc",
             "_fields": "id,date,link"}
    return f"{root}wp-json/wp/v2/posts?{urlencode(query)}"


def parse_rest_page(body: bytes | str, page: int, total_pages: str | None, link_header: str | None,
                    root: str, year: int) -> Listing:
    """A REST answer: the links of the posts dated in the year; from page 1, all other pages at
    once (X-WP-TotalPages), else the Link header's rel="next"."""
    try:
        posts = json.loads(body)
    except ValueError:
        raise ValueError("not a WordPress REST API answer (not JSON)") from None
    if not isinstance(posts, list):
        code = posts.get("code") if isinstance(posts, dict) else None
        raise ValueError(f"not a list of posts ({code or type(posts).__name__})")
    listing = Listing()
    for post in posts:
        link = post.get("link") if isinstance(post, dict) else None
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            continue
        dated = str(post.get("date") or "")
        if dated[:4] == str(year) or (not dated and url_year(link) in (None, year)):
            listing.add_post(clean_url(link))
    if page == 1 and total_pages and total_pages.strip().isdigit():
        listing.pages = [rest_url(root, year, n) for n in range(2, int(total_pages) + 1)]
    elif not total_pages:
        listing.pages = [u for u in [link_rel(link_header, "next")] if u]
    return listing


def link_rel(header: str | None, rel: str) -> str | None:
    """The URL of one relation in an HTTP Link header (`<url>; rel="next", <url>; rel="prev"`)."""
    for part in re.split(r",\s*(?=<)", header or ""):
        match = re.match(r"\s*<([^>]*)>(.*)", part, flags=re.DOTALL)
        rels = re.search(r'rel\s*=\s*(?:"([^"]*)"|([^;\s]+))', match.group(2)) if match else None
        if rels and rel in (rels.group(1) or rels.group(2)).split():
            return match.group(1)
    return None


# -- sitemaps ----------------------------------------------------------------------------------
def sitemap_urls(root: str) -> list[str]:
    """The sitemap indexes to try, in order: core's, then the plain name SEO plugins use."""
    return [f"{root}wp-sitemap.xml", f"{root}sitemap.xml"]


def parse_sitemap(body: bytes, root: str, year: int) -> Listing:
    """A sitemap index (-> its post sub-sitemaps) or a urlset (-> the posts of the year: by the
    permalink's date, else any post not last modified before the year, a day's slack aside)."""
    try:
        sitemap = Sitemap(body)
    except Exception:  # lxml says why in many ways; all mean "not a sitemap"
        raise ValueError("not a sitemap (not XML)") from None
    listing = Listing()
    if sitemap.type == "sitemapindex":
        for entry in sitemap:
            loc = entry.get("loc", "")
            if loc and not _NOT_POST_SITEMAP.search(loc.rsplit("/", 1)[-1]):
                listing.next.append(loc)
    elif sitemap.type == "urlset":
        for entry in sitemap:
            url = clean_url(entry.get("loc", ""))
            if url_year(url) is not None:
                if is_post_url(url, root, year):
                    listing.add_post(url)
            elif _may_be_post(url, root) and _modified_since(entry.get("lastmod"), year):
                listing.add_post(url)
    else:
        raise ValueError(f"not a sitemap (<{sitemap.type}>)")
    return listing


def _modified_since(lastmod: str | None, year: int) -> bool:
    """Whether a sitemap entry may be a post of `year`: last modified in or after it (no date:
    perhaps). `lastmod` is often UTC while the post's day is the blog's own, so 31 December of
    the year before counts too (1 January 00:20 in Stockholm); a post of another year that
    slips through is measured and dropped as `other_year`, never stored."""
    if not lastmod:
        return True
    return lastmod.strip()[:10] >= f"{year - 1}-12-31"


def _may_be_post(url: str, root: str) -> bool:
    return url.startswith(root) and url.rstrip("/") != root.rstrip("/")


# -- feeds -------------------------------------------------------------------------------------
def feed_url(root: str, page: int = 1) -> str:
    return f"{root}feed/" + (f"?paged={page}" if page > 1 else "")


def parse_feed(body: bytes, page: int, root: str, year: int) -> Listing:
    """One page of an RSS 2.0 or Atom feed (newest first): its posts of the year, and the next
    page unless this one is empty or already reaches back before the year."""
    try:
        doc = etree.fromstring(body.lstrip(), parser=etree.XMLParser(resolve_entities=False, no_network=True,
                                                            recover=False))
    except etree.XMLSyntaxError:
        raise ValueError("not a feed (not XML)") from None
    entries = [(_text(item, "link"), _text(item, "pubDate"))
               for item in doc.iterfind("channel/item")]
    atom = "{http://www.w3.org/2005/Atom}"
    for entry in doc.iterfind(f"{atom}entry"):
        links = [ln for ln in entry.iterfind(f"{atom}link") if ln.get("rel", "alternate") == "alternate"]
        when = _text(entry, f"{atom}published") or _text(entry, f"{atom}updated")
        entries.append((links[0].get("href", "") if links else "", when))
    if doc.tag not in ("rss", f"{atom}feed"):
        raise ValueError(f"not a feed (<{etree.QName(doc).localname}>)")
    # pubDate is UTC, the post's day is the blog's own: a day's slack either side of the year.
    start = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
    listing, passed = Listing(), False
    for link, published in entries:
        url = clean_url(link.strip())
        when = _feed_date(published)
        if when is not None and when < start:
            passed = True
        if url_year(url) is not None:
            if is_post_url(url, root, year):
                listing.add_post(url)
        elif _may_be_post(url, root) and (when is None or start <= when < end):
            listing.add_post(url)
    if entries and not passed and page < MAX_FEED_PAGES:
        listing.pages.append(feed_url(root, page + 1))
    return listing


def _text(element, path: str) -> str:
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _feed_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)  # RSS: RFC 822
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))  # Atom: RFC 3339
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# -- the Wayback Machine -----------------------------------------------------------------------
def cdx_url(wayback: str, root: str, year: int) -> str:
    """The CDX query for every good HTML capture under `<host>/<year>/`, one row per URL."""
    parts = urlsplit(root)
    prefix = f"{parts.netloc}{parts.path}{year}/*"
    return (f"{wayback.rstrip('/')}/cdx/search/cdx?url={quote(prefix, safe=':/*')}&output=json"
            "&fl=timestamp,original,statuscode,mimetype&filter=statuscode:200"
            "&filter=mimetype:text/html&collapse=urlkey")


def parse_cdx(body: bytes | str, root: str, year: int) -> list[Capture]:
    """The captures of the year's posts in a CDX JSON answer (a header row, then one row per
    capture): one per post, preferring its own URL's capture to a variant's, then the newest."""
    try:
        rows = json.loads(body or "[]")
    except ValueError:
        raise ValueError("not a CDX answer (not JSON)") from None
    if not isinstance(rows, list) or not rows:
        return []
    header, best = rows[0], {}
    for row in rows[1:]:
        capture = dict(zip(header, row, strict=False))
        if capture.get("statuscode", "200") != "200" or not capture.get("timestamp"):
            continue
        url = clean_url(capture.get("original", ""))
        if not is_post_url(url, root, year):
            continue
        # A capture of the post's own URL beats one of a variant (?replytocom=...), then newer.
        rank = (capture["original"] == url, capture["timestamp"])
        if url not in best or rank > best[url][0]:
            best[url] = (rank, Capture(capture["timestamp"], capture["original"], url))
    return sorted((c for _, c in best.values()), key=lambda c: c.post)


def replay_url(wayback: str, capture: Capture) -> str:
    """The capture's original bytes (`id_`): no toolbar, no rewritten links."""
    return f"{wayback.rstrip('/')}/web/{capture.timestamp}id_/{capture.original}"


def replay_timestamp(url: str) -> str | None:
    """The capture timestamp of a replay URL (after the archive's redirect to the nearest)."""
    match = re.search(r"/web/(\d{4,14})(?:[a-z]{2}_)?/", url)
    return match.group(1) if match else None
