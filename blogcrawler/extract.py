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

from blogcrawler.dates import dateline, find_dates, second_opinion_date, to_utc
from blogcrawler.extraction import (
    DEFAULT_RULES,
    PageIndex,
    Rules,
    find_main_content,
    has_ancestor,
    parse_html,
)
from blogcrawler.measure import measure_content, text_of
from blogcrawler.urls import canonical_url

DEFAULT_TERMS = ("android", "google", "apple", "data")

_WEEK_IN_TITLE = re.compile(r"\bweek\s*#?\s*(\d{1,2})\b", re.IGNORECASE)
_COUNT_IN_HEADING = re.compile(
    r"^\s*(\d[\d,.\u00a0\u202f]*)|(\d[\d,.]*)\s+(?:thoughts?|comments?|responses?|repl(?:y|ies)|reactions?)\b",
    re.IGNORECASE)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10}

def _texts(elements) -> list[str]:
    seen: dict[str, None] = {}
    for el in elements:
        value = text_of(el)
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _meta(index: PageIndex, attribute: str, value: str) -> list[str]:
    """The non-empty `content` of every <meta attribute=value>."""
    return [el.get("content").strip() for el in index.tag("meta")
            if el.get(attribute) == value and (el.get("content") or "").strip()]


def _canonical(index: PageIndex) -> str | None:
    for link in index.by_rel.get("canonical", []):
        if link.tag == "link" and link.get("href") is not None:
            return link.get("href")
    return None


def post_url(index: PageIndex, url: str) -> str:
    """The post's URL: its same-site rel=canonical, else the cleaned response URL."""
    return canonical_url(url, _canonical(index))


def _title(index: PageIndex) -> str:
    """The post's title: `article h1.entry-title`, `h1.entry-title`, `.entry-title`,
    `article h1`, `h1.post-title`, then og:title, then the <title> before the blog's name."""
    entry_titles = index.classes("entry-title")
    h1s = index.tag("h1")
    rules = (
        [el for el in entry_titles if el.tag == "h1" and has_ancestor(el, tag="article")],
        [el for el in entry_titles if el.tag == "h1"],
        entry_titles,
        [el for el in h1s if has_ancestor(el, tag="article")],
        [el for el in index.classes("post-title") if el.tag == "h1"],
    )
    for found in rules:
        for el in found:
            value = text_of(el)
            if value:
                return value
    for value in _meta(index, "property", "og:title"):
        return value
    for el in index.tag("title"):
        value = text_of(el)
        # "Post Title | Blog Name" / "Post Title – Blog Name": keep the post's part.
        return re.split(r"\s+[|\u2013\u2014-]\s+", value)[0].strip() if value else ""
    return ""


def _author(index: PageIndex) -> str | None:
    """`.byline .author a.url`, `.byline .author .fn`, `.byline .author`, `a[rel=author]`,
    `.author.vcard .fn`, `.entry-meta .author`, then <meta name=author>."""

    def in_byline_author(el) -> bool:
        return any(has_ancestor(a, "byline") for a in el.iterancestors()
                   if "author" in (a.get("class") or "").split())

    rules = (
        lambda: [el for el in index.classes("url") if el.tag == "a" and in_byline_author(el)],
        lambda: [el for el in index.classes("fn") if in_byline_author(el)],
        lambda: [el for el in index.classes("author") if has_ancestor(el, "byline")],
        lambda: [el for el in index.by_rel.get("author", []) if el.tag == "a"],
        lambda: [el for el in index.classes("fn") if has_ancestor(el, "author", "vcard")],
        lambda: [el for el in index.classes("author") if has_ancestor(el, "entry-meta")],
    )
    for rule in rules:
        names = _texts(rule())
        if names:
            return names[0]
    for value in _meta(index, "name", "author"):
        return value
    return None


def _links_in(index: PageIndex, *classes: str) -> list:
    """The <a> elements inside any element with one of the classes, in document order."""
    seen: dict = {}
    for container in index.classes(*classes):
        for a in container.iter("a"):
            if a is not container:
                seen.setdefault(a, None)
    return list(seen)


def _comments(index: PageIndex) -> int:
    """The number the comments heading states ("3 thoughts on ...", "One thought on ..."),
    else the listed comments and pingbacks, else 0."""
    for el in index.classes("comments-title"):
        heading = text_of(el)
        match = _COUNT_IN_HEADING.search(heading)
        if match:
            return int(re.sub(r"\D", "", match.group(1) or match.group(2)))
        words = heading.split()
        if words and words[0].lower() in _NUMBER_WORDS:
            return _NUMBER_WORDS[words[0].lower()]
    return sum(1 for el in index.classes("comment", "pingback", "trackback")
               if el.tag == "li" and (has_ancestor(el, "comment-list", tag="ol")
                                      or has_ancestor(el, "commentlist", tag="ol")))


def blog_week(title: str, iso_week: int) -> int:
    """The blog's own week number when the title says "Week N", else the ISO week."""
    match = _WEEK_IN_TITLE.search(title)
    if match and 1 <= int(match.group(1)) <= 53:
        return int(match.group(1))
    return iso_week


def extract_post(body: bytes, url: str, *, encoding: str | None = None,
                 terms: tuple[str, ...] | list[str] = DEFAULT_TERMS,
                 rules: Rules = DEFAULT_RULES) -> dict:
    """The measured fields of the post document, plus `text` (the main content's text).

    `encoding` is the response's encoding when known (Scrapy's `response.encoding`, decided by
    the same charset rule); otherwise the rule decides from the bytes. `rules` switches the
    extractor's judgement rules (for evaluation only; the crawler uses the defaults).
    """
    # 1. Parse, and index the untouched page once.
    index = PageIndex(parse_html(body, encoding))
    # 2. Read what the page says about the post before anything changes the tree: noise removal
    #    (step 3) takes out the header, byline, tag links and comments these are read from.
    own_url = post_url(index, url)
    title = _title(index)
    published, modified, _ = find_dates(index, own_url, rules)
    categories = (_texts(_links_in(index, "cat-links", "entry-categories", "post-categories"))
                  or _meta(index, "property", "article:section"))
    tags = (_texts(_links_in(index, "tags-links", "tag-links", "entry-tags", "post-tags"))
            or _meta(index, "property", "article:tag"))
    author = _author(index)
    comments = _comments(index)
    # 3. Find the post body and clean it in place.
    extractor, root = find_main_content(index, rules, own_url)
    # 4. Measure the body.
    figures = measure_content(root, own_url, terms)
    if published is None:
        # The dateline a news post opens with ("PARIS, January 18, 2020 –").
        published = dateline(root, figures["text"], index.doc.get("lang") or "")
    if published is None and rules.date_second_opinion:
        # Last resort, rare: htmldate's wider search (image paths, scattered dates).
        published = second_opinion_date(body, own_url, encoding)

    if published:
        # Year and week of the date as the blog wrote it, before any shift to UTC. `year` is the
        # calendar year (what the blog's /<year>/ archive means); the ISO year and week are for
        # weekly views (1 January 2016 is in ISO week 53 of 2015).
        iso = published.date().isocalendar()
        year, iso_year, iso_week = published.year, iso.year, iso.week
    else:
        year = iso_year = iso_week = None
    return {
        "url": own_url,
        "title": title,
        "published": to_utc(published),
        "modified": to_utc(modified),
        "date": published.date().isoformat() if published else None,
        "year": year,
        "iso_year": iso_year,
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
