"""What a blog URL is: a post of the year, a date archive of the year, or something to ignore.

Canonicalisation uses w3lib (Scrapy's own URL library) rather than hand-written parsing.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import url_query_cleaner

from blogcrawler.measure import same_site

# Query parameters that never change which post a URL shows.
TRACKING_PARAMS = (
    "replytocom", "share", "amp", "fbclid", "gclid", "msclkid", "mc_cid", "mc_eid", "ref",
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id",
)
# Path segments that make a URL a view of a post rather than the post itself.
NON_POST_SEGMENTS = frozenset(
    {"feed", "amp", "attachment", "trackback", "embed", "comment-page-1", "wp-json", "print"}
)
_POST_PATH = re.compile(r"^/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<slug>[^/]+)/?$")
_ARCHIVE_PATH = re.compile(
    r"^/(?P<year>\d{4})/(?:(?P<month>\d{2})/(?:(?P<day>\d{2})/)?)?(?:page/(?P<page>\d+)/?)?$"
)


def site_root(url: str) -> str:
    """The blog's root URL with a trailing slash: scheme, host and any sub-path install."""
    parts = urlsplit(url.strip())
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def clean_url(url: str) -> str:
    """The URL without its fragment and without tracking or reply query parameters."""
    cleaned = url_query_cleaner(url, TRACKING_PARAMS, remove=True, keep_fragments=False)
    parts = urlsplit(cleaned)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def canonical_url(response_url: str, canonical_href: str | None) -> str:
    """rel=canonical when it points to the same site, else the cleaned response URL."""
    if canonical_href and canonical_href.strip():
        absolute = urljoin(response_url, canonical_href.strip())
        page_host = urlsplit(response_url).hostname
        # A saved file (file://) has no host of its own: its canonical URL is all we know.
        if urlsplit(absolute).scheme in ("http", "https") and (
            not page_host or same_site(urlsplit(absolute).hostname or "", page_host)
        ):
            return clean_url(absolute)
    return clean_url(response_url)


def _relative_path(url: str, root: str) -> str | None:
    """The path of `url` below the blog root, starting with "/", or None when off-site."""
    parts, root_parts = urlsplit(url), urlsplit(root)
    if parts.scheme not in ("http", "https"):
        return None
    if not same_site(parts.hostname or "", root_parts.hostname or ""):
        return None
    if not parts.path.startswith(root_parts.path):
        return None
    return "/" + parts.path[len(root_parts.path):].lstrip("/")


def is_post_url(url: str, root: str, year: int) -> bool:
    """A day-and-name permalink of the year, not a feed, attachment, AMP or comment view."""
    path = _relative_path(url, root)
    if path is None or urlsplit(url).query:
        return False
    match = _POST_PATH.match(path)
    if not match or int(match["year"]) != year:
        return False
    return match["slug"] not in NON_POST_SEGMENTS


def is_archive_url(url: str, root: str, year: int) -> bool:
    """The year archive, an archive of a real month or day of the year (not month 13 or
    30 February: a calendar-like trap links to every number), or one of their pages."""
    path = _relative_path(url, root)
    if path is None or urlsplit(url).query:
        return False
    match = _ARCHIVE_PATH.match(path)
    if not match or int(match["year"]) != year:
        return False
    try:
        date(year, int(match["month"] or 1), int(match["day"] or 1))
    except ValueError:
        return False
    return True


def is_paged(url: str) -> bool:
    """A further page of a listing (`.../page/N/`)."""
    return bool(re.search(r"/page/\d+/?$", urlsplit(url).path))


def url_year(url: str) -> int | None:
    """The year of a /YYYY/MM/DD/ permalink, or None when the URL carries no date."""
    match = re.search(r"/((?:19|20)\d\d)/\d\d/\d\d/", urlsplit(url).path)
    return int(match.group(1)) if match else None
