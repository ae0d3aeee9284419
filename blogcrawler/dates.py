"""Publication and modification dates from a post's own markup.

Order of trust for the publication date: the theme's `time.published`, the Open Graph
`article:published_time`, JSON-LD `datePublished`, other common meta tags, and last the
`/YYYY/MM/DD/` of the URL. The modified date (`time.updated`, `article:modified_time`,
JSON-LD `dateModified`) is never taken for the publication date.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

from dateutil import parser as date_parser
from lxml.cssselect import CSSSelector

_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])(?:/|$)")

_PUBLISHED_SELECTORS = [
    CSSSelector(sel)
    for sel in (
        "article time.entry-date.published[datetime], article time.published[datetime]",
        "time.entry-date.published[datetime], time.published[datetime]",
        "time.entry-date[datetime]:not(.updated)",
    )
]
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "date",
    "DC.date.issued",
    "dc.date",
    "pubdate",
    "publish-date",
    "sailthru.date",
)
_MODIFIED_SELECTORS = [
    CSSSelector("article time.updated[datetime], time.updated[datetime]"),
]
_MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified")
_META = CSSSelector("meta[content]")
_ITEMPROP = CSSSelector("[itemprop=datePublished]")
_JSONLD = CSSSelector('script[type="application/ld+json"]')


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 or similar date string as an aware datetime (naive values are taken as UTC)."""
    if not value or not value.strip():
        return None
    try:
        parsed = date_parser.isoparse(value.strip())
    except (ValueError, OverflowError):
        try:
            parsed = date_parser.parse(value.strip())
        except (ValueError, OverflowError, date_parser.ParserError):
            return None
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed


def url_date(url: str) -> datetime | None:
    """The /YYYY/MM/DD/ date of a permalink, as midnight UTC."""
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return datetime(*map(int, match.groups()), tzinfo=timezone.utc)
    except ValueError:
        return None


def _meta_map(doc) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in _META(doc):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        if key and key not in found:
            found[key] = meta.get("content", "")
    return found


def _jsonld_objects(doc):
    for script in _JSONLD(doc):
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if graph:
                    stack.append(graph)


def _first_jsonld(doc, key: str) -> datetime | None:
    # Prefer the article's own object over the WebPage's.
    candidates = []
    for obj in _jsonld_objects(doc):
        value = obj.get(key)
        if isinstance(value, str):
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            article = any(isinstance(k, str) and ("Article" in k or "Posting" in k) for k in kinds)
            candidates.append((0 if article else 1, value))
    for _, value in sorted(candidates, key=lambda c: c[0]):
        parsed = parse_datetime(value)
        if parsed:
            return parsed
    return None


def find_dates(doc, url: str) -> tuple[datetime | None, datetime | None, str | None]:
    """(published, modified, source of published) from the page's own markup."""
    meta = _meta_map(doc)
    published, source = None, None
    for selector in _PUBLISHED_SELECTORS:
        for el in selector(doc):
            published = parse_datetime(el.get("datetime"))
            if published:
                source = "time"
                break
        if published:
            break
    if not published:
        for key in _PUBLISHED_META[:2]:
            published = parse_datetime(meta.get(key))
            if published:
                source = "meta"
                break
    if not published:
        published = _first_jsonld(doc, "datePublished")
        source = "json-ld" if published else None
    if not published:
        for el in _ITEMPROP(doc):
            published = parse_datetime(el.get("datetime") or el.get("content"))
            if published:
                source = "itemprop"
                break
    if not published:
        for key in _PUBLISHED_META[2:]:
            published = parse_datetime(meta.get(key))
            if published:
                source = "meta"
                break
    if not published:
        published = url_date(url)
        source = "url" if published else None

    modified = None
    for selector in _MODIFIED_SELECTORS:
        for el in selector(doc):
            modified = parse_datetime(el.get("datetime"))
            if modified:
                break
    if not modified:
        for key in _MODIFIED_META:
            modified = parse_datetime(meta.get(key))
            if modified:
                break
    if not modified:
        modified = _first_jsonld(doc, "dateModified")
    return published, modified, source


def local_date(value: datetime) -> date:
    """The calendar date as the blog wrote it (before any shift to UTC)."""
    return value.date()


def to_utc(value: datetime | None) -> datetime | None:
    """UTC with millisecond precision, as BSON stores it."""
    if value is None:
        return None
    value = value.astimezone(timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
