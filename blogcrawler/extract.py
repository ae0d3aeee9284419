"""Measure one blog post: HTML bytes + URL -> the post document's measured fields.

`extract_post` is pure (no network, no database, no clock), so it is tested on saved pages and
used the same way by the spider, the evaluation command and anyone measuring a saved page:

    python -m blogcrawler.extract [--url URL] [--terms android,google] FILE...
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime
from pathlib import Path

from lxml.cssselect import CSSSelector

from blogcrawler.content import find_main_content, parse_html
from blogcrawler.dates import find_dates, to_utc
from blogcrawler.measure import measure_content, text_of
from blogcrawler.urls import canonical_url

DEFAULT_TERMS = ("android", "google", "apple", "data")

_WEEK_IN_TITLE = re.compile(r"\bweek\s*#?\s*(\d{1,2})\b", re.IGNORECASE)
_COUNT_IN_HEADING = re.compile(
    r"^\s*(\d[\d,.\u00a0\u202f]*)|(\d[\d,.]*)\s+(?:thoughts?|comments?|responses?|repl(?:y|ies)|reactions?)\b",
    re.IGNORECASE)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10}

_CANONICAL = CSSSelector("link[rel=canonical][href]")
_TITLE_RULES = [CSSSelector(s) for s in ("article h1.entry-title", "h1.entry-title", ".entry-title",
                                         "article h1", "h1.post-title")]
_OG_TITLE = CSSSelector('meta[property="og:title"][content]')
_TITLE_TAG = CSSSelector("title")
_AUTHOR_RULES = [CSSSelector(s) for s in (
    ".byline .author a.url", ".byline .author .fn", ".byline .author", "a[rel=author]",
    ".author.vcard .fn", ".entry-meta .author")]
_META_AUTHOR = CSSSelector('meta[name="author"][content]')
_CATEGORY_LINKS = CSSSelector(".cat-links a, .entry-categories a, .post-categories a")
_TAG_LINKS = CSSSelector(".tags-links a, .tag-links a, .entry-tags a, .post-tags a")
_META_TAGS = CSSSelector('meta[property="article:tag"][content]')
_META_SECTION = CSSSelector('meta[property="article:section"][content]')
_COMMENTS_TITLE = CSSSelector("#comments .comments-title, .comments-title")
_COMMENT_ITEMS = CSSSelector(
    "ol.comment-list li.comment, ol.comment-list li.pingback, ol.comment-list li.trackback, "
    "ol.commentlist li.comment, ol.commentlist li.pingback, ol.commentlist li.trackback")


def _texts(elements) -> list[str]:
    seen: dict[str, None] = {}
    for el in elements:
        value = text_of(el)
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _title(doc) -> str:
    for selector in _TITLE_RULES:
        for el in selector(doc):
            value = text_of(el)
            if value:
                return value
    for el in _OG_TITLE(doc):
        if el.get("content", "").strip():
            return el.get("content").strip()
    for el in _TITLE_TAG(doc):
        value = text_of(el)
        # "Post Title | Blog Name" / "Post Title – Blog Name": keep the post's part.
        return re.split(r"\s+[|\u2013\u2014-]\s+", value)[0].strip() if value else ""
    return ""


def _author(doc) -> str | None:
    for selector in _AUTHOR_RULES:
        names = _texts(selector(doc))
        if names:
            return names[0]
    for el in _META_AUTHOR(doc):
        if el.get("content", "").strip():
            return el.get("content").strip()
    return None


def _comments(doc) -> int:
    """The number the comments heading states ("3 thoughts on ...", "One thought on ..."),
    else the listed comments and pingbacks, else 0."""
    for el in _COMMENTS_TITLE(doc):
        heading = text_of(el)
        match = _COUNT_IN_HEADING.search(heading)
        if match:
            return int(re.sub(r"\D", "", match.group(1) or match.group(2)))
        words = heading.split()
        if words and words[0].lower() in _NUMBER_WORDS:
            return _NUMBER_WORDS[words[0].lower()]
    return len(_COMMENT_ITEMS(doc))


def blog_week(title: str, iso_week: int) -> int:
    """The blog's own week number when the title says "Week N", else the ISO week."""
    match = _WEEK_IN_TITLE.search(title)
    if match and 1 <= int(match.group(1)) <= 53:
        return int(match.group(1))
    return iso_week


def extract_post(body: bytes, url: str, *, encoding: str | None = None,
                 terms: tuple[str, ...] | list[str] = DEFAULT_TERMS) -> dict:
    """The measured fields of the post document, plus `text` (the main content's text).

    `encoding` is the response's encoding when known (Scrapy's `response.encoding`);
    otherwise the page's own charset declaration, else UTF-8, is used.
    """
    doc = parse_html(body, encoding)

    canonical = None
    for link in _CANONICAL(doc):
        canonical = link.get("href")
        break
    post_url = canonical_url(url, canonical)
    title = _title(doc)
    published, modified, _ = find_dates(doc, post_url)
    categories = _texts(_CATEGORY_LINKS(doc)) or [
        el.get("content").strip() for el in _META_SECTION(doc) if el.get("content", "").strip()]
    tags = _texts(_TAG_LINKS(doc)) or [
        el.get("content").strip() for el in _META_TAGS(doc) if el.get("content", "").strip()]
    author = _author(doc)
    comments = _comments(doc)

    extractor, root = find_main_content(doc)
    figures = measure_content(root, post_url, terms)

    if published:
        # Year and week of the date as the blog wrote it, before any shift to UTC.
        iso = published.date().isocalendar()
        year, iso_week = iso.year, iso.week
    else:
        year = iso_week = None
    return {
        "url": post_url,
        "title": title,
        "published": to_utc(published),
        "modified": to_utc(modified),
        "date": published.date().isoformat() if published else None,
        "year": year,
        "iso_week": iso_week,
        "week": blog_week(title, iso_week) if iso_week else None,
        "author": author,
        "categories": categories,
        "tags": tags,
        **figures,
        "html_bytes": len(body),
        "comments": comments,
        "extractor": extractor,
    }


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m blogcrawler.extract",
        description="Measure saved blog post pages; prints one JSON object per file.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--url", help="the page's URL (default: its rel=canonical, else file://)")
    parser.add_argument("--terms", default=",".join(DEFAULT_TERMS),
                        help="comma-separated tracked terms (default: %(default)s)")
    parser.add_argument("--text", action="store_true", help="include the main content's text")
    args = parser.parse_args(argv)
    terms = tuple(t.strip() for t in args.terms.split(",") if t.strip())
    status = 0
    for path in args.files:
        try:
            body = path.read_bytes()
        except OSError as exc:
            print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        result = extract_post(body, args.url or path.resolve().as_uri(), terms=terms)
        if not args.text:
            result.pop("text")
        result = {"file": str(path), **result}
        print(json.dumps(result, ensure_ascii=False, default=_jsonable))
    return status


if __name__ == "__main__":
    sys.exit(main())
