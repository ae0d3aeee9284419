"""What a post page is, before it is measured, and which URL its document is stored under (pure).

- `not_a_post`: a post page is a non-empty HTML page that is not the blog's "not found" page. A
  PDF, JSON, an empty 200 or a soft 404 (a 200 that shows WordPress's 404 template) is a failure
  with that reason, never a post.
- `document_url`: a post keeps its own URL. Its rel=canonical is followed only when it names the
  same page (the URL asked for or the one that answered, up to scheme, "www.", a trailing slash
  and tracking parameters); a canonical that points elsewhere (the home page, an archive,
  another post) is not trusted, so two URLs never collapse into one document silently, and the
  reason is returned for the crawl record.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse

from blogcrawler.measure import same_site
from blogcrawler.urls import clean_url

# The first 64 KB hold the <title>, the <body> tag and a 404 template's heading.
_HEAD_BYTES = 64 * 1024
_BODY_CLASS = re.compile(rb"<body\b[^>]*\bclass\s*=\s*[\"'][^\"']*\berror404\b", re.IGNORECASE)
_NOT_FOUND_BLOCK = re.compile(
    rb"<(?:section|div|article|main)\b[^>]*\bclass\s*=\s*[\"'][^\"']*\berror[-_]?404\b",
    re.IGNORECASE)
_TITLE = re.compile(rb"<title\b[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# The whole title (before the blog's name) says "not found", not a post that mentions a 404.
_NOT_FOUND_TITLE = re.compile(
    r"^\s*(?:error\s*404|404(?:\s*error)?(?:\s*[-:]?\s*(?:page\s+)?not\s+found)?|"
    r"(?:page\s+)?not\s+found|nothing\s+(?:was\s+)?found|oops!?\s+that\s+page\s+can.?t\s+be\s+found|"
    r"(?:the\s+)?page\s+(?:could\s+not|cannot|can.?t)\s+be\s+found)[.!]?\s*(?:[-\u2013\u2014|:\u00b7\u2022\u00bb]|$)",
    re.IGNORECASE)
_ARCHIVE_SEGMENTS = frozenset({"category", "tag", "author", "page", "feed", "search", "type"})


def not_a_post(response) -> str | None:
    """Why this answer cannot be a post page, or None when it may be one."""
    if not isinstance(response, HtmlResponse):
        kind = response.headers.get(b"Content-Type", b"").decode("latin-1").split(";")[0]
        return f"not an HTML page ({kind.strip() or 'no content type'})"
    body = response.body
    if not body.strip():
        return "an empty page"
    head = body[:_HEAD_BYTES]
    # The class names first with a plain search: the regexes only where they may match.
    marked = b"error404" in head or b"error-404" in head or b"error_404" in head
    title = _TITLE.search(head)
    title_text = title.group(1).decode(response.encoding or "utf-8", "replace") if title else ""
    if marked and (_BODY_CLASS.search(head) or _NOT_FOUND_BLOCK.search(head)) or \
            _NOT_FOUND_TITLE.match(html.unescape(re.sub(r"<[^>]+>", " ", title_text))):
        return f"a \"not found\" page answered with HTTP {response.status} (a soft 404)"
    return None


def same_page(a: str, b: str) -> bool:
    """Two URLs of one page: the same site and path (trailing slash aside) and query."""
    x, y = urlsplit(clean_url(a)), urlsplit(clean_url(b))
    return (same_site(x.hostname or "", y.hostname or "") and x.port == y.port
            and x.path.rstrip("/") == y.path.rstrip("/") and x.query == y.query)


def document_url(measured: str, asked: str, own: str, root: str,
                 is_post=lambda url: False) -> tuple[str, str | None]:
    """The URL to store a post under, and why its canonical was ignored (None when it was not).

    `measured` is the URL the extractor chose (the same-site rel=canonical, else `own`);
    `asked` the URL discovery listed; `own` the URL that answered (or the post a Wayback
    capture shows); `is_post(url)` whether discovery listed `url` as a post of its own."""
    if measured in (own, asked):  # the usual case: the canonical is the page's own URL
        return measured, None
    own = clean_url(own)
    if same_page(measured, own) or same_page(measured, asked):
        return clean_url(measured), None
    path = urlsplit(measured).path
    root_path = urlsplit(root).path
    relative = path[len(root_path):] if path.startswith(root_path) else path.lstrip("/")
    segments = [s for s in relative.split("/") if s]
    if not segments:
        why = "the home page"
    elif is_post(clean_url(measured)):
        why = "another post"
    elif segments[0] in _ARCHIVE_SEGMENTS or segments[0].isdigit() and len(segments) <= 3 \
            and all(s.isdigit() or s == "page" for s in segments):
        why = "an archive"
    else:
        why = "another page"
    return own, why
