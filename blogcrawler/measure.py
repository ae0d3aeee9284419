"""Count what a post's main content holds, with the definitions of DESIGN.md.

Every function here takes an lxml element (the main content, noise already removed) and is pure.
The same rules produce the reference figures of the real-page corpus, so results compare 1:1.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from lxml import etree

# Elements whose start and end separate words ("<p>a</p><p>b</p>" is two words).
BLOCK_TAGS = frozenset(
    """address article aside blockquote body center dd details dialog dir div dl dt fieldset
    figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu
    nav noframes ol p pre section summary table tbody td tfoot th thead tr ul caption br
    """.split()
)
# Elements whose content is never text a reader sees.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
EMBED_TAGS = ("iframe", "video", "audio", "embed", "object")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")

_WORD_CHAR = re.compile(r"\w")
_WHITESPACE = re.compile(r"\s+")


def _tag(el) -> str | None:
    """Lower-case tag name, or None for comments and processing instructions."""
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else None


# The tag sets in both cases: lxml's HTML parser gives lower-case names, an XML parser what the
# markup wrote (so no lower() per element on the hot path).
_SKIP_ANY = SKIP_TAGS | {tag.upper() for tag in SKIP_TAGS}
_BLOCK_ANY = BLOCK_TAGS | {tag.upper() for tag in BLOCK_TAGS}


def text_of(root) -> str:
    """The reader-visible text of `root`: block elements and <br>/<hr> separate words,
    script/style/noscript/template and comments are ignored; soft hyphens are dropped;
    whitespace is collapsed.

    An iterative walk (lxml's iterwalk), so that markup nested thousands deep cannot exhaust
    Python's recursion limit."""
    chunks: list[str] = []
    parts: list[str] = []
    append = parts.append
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        if event == "start":
            tag = el.tag
            if tag in _SKIP_ANY:
                walker.skip_subtree()
                continue
            if tag in _BLOCK_ANY:
                append(" ")
            if el.text:
                append(el.text)
        else:
            if event == "end" and el.tag in _BLOCK_ANY:
                append(" ")
            if el.tail and el is not root:
                append(el.tail)
        if len(parts) >= 4096:
            # Joined as it goes: a list of every text node of a 14 MB post would cost 200 MB.
            chunks.append("".join(parts))
            parts.clear()
    chunks.append("".join(parts))
    # A soft hyphen (U+00AD) marks where a word may break; it is no character of the word.
    return collapse_whitespace("".join(chunks).replace("\u00ad", ""))


_SLICE = 1 << 20


def collapse_whitespace(text: str) -> str:
    """Every whitespace run as one space, stripped (str.split's whitespace is re's \\s). A
    large text a slice at a time: a list of the words of a 14 MB text costs 130 MB, one
    re.sub over it 180 MB."""
    if len(text) <= _SLICE:
        return " ".join(text.split())
    pieces: list[str] = []
    for start in range(0, len(text), _SLICE):
        piece = _WHITESPACE.sub(" ", text[start:start + _SLICE])
        if pieces and pieces[-1].endswith(" ") and piece.startswith(" "):
            piece = piece[1:]
        pieces.append(piece)
    return "".join(pieces).strip()


# A token of no \w character ("–", "|", "***") in a collapsed text with a space put before it:
# whitespace-delimited, so not a word. (The leading literal space lets the regex engine skip
# ahead to the next space instead of trying every position.)
_NON_WORD_TOKEN = re.compile(r" [^\w ]+(?= |$)")


def count_words(text: str) -> int:
    """Whitespace-delimited tokens holding at least one Unicode \\w character: every token, less
    those of punctuation alone. Tokens are counted from the spaces of the collapsed text, not
    split into a list (a 14 MB post has two million words: a list of them costs 130 MB)."""
    return _count_collapsed(collapse_whitespace(text))


def _count_collapsed(collapsed: str) -> int:
    tokens = collapsed.count(" ") + 1 if collapsed else 0
    return tokens - len(_NON_WORD_TOKEN.findall(" " + collapsed))


def count_terms(text: str, terms: Iterable[str]) -> dict[str, int]:
    """Case-insensitive whole-word occurrences of each tracked term ("data" inside a tracked
    "big data" counts for both). The text is case-folded once and each term found with
    str.find: a post holds a term a few times, and a scan of the text per term by str.find is
    far cheaper than a regular expression's."""
    folded = text.casefold()
    return {term: _whole_words(folded, term.casefold()) for term in terms}


def _whole_words(text: str, term: str) -> int:
    """Occurrences of `term` in `text` not inside a longer word (re's \\w boundaries)."""
    count, start, end = 0, text.find(term), len(term)
    while start != -1 and term:
        before = text[start - 1] if start else " "
        after = text[start + end] if start + end < len(text) else " "
        if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            count += 1
        start = text.find(term, start + 1)
    return count


def content_hash(text: str) -> str:
    """Hash of the normalised main-content text (whitespace collapsed)."""
    return _hash_collapsed(collapse_whitespace(text))


def _hash_collapsed(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def same_site(host: str, site_host: str) -> bool:
    """Whether two hosts are the same site, ignoring case and a leading "www."."""

    def norm(h: str) -> str:
        h = h.lower().rstrip(".")
        return h[4:] if h.startswith("www.") else h

    return norm(host) == norm(site_host)


# The host part of an absolute http(s) URL, as urlsplit delimits it.
_HTTP_NETLOC = re.compile(r"\s*https?://([^/?#]*)", re.IGNORECASE)


def split_links(hrefs: Iterable[str], page_url: str) -> tuple[int, int]:
    """(internal, external): internal links resolve to the page's own host (relative and
    fragment links included); everything else (other hosts, mailto:, javascript:...) is external."""
    page_host = urlsplit(page_url).hostname or ""
    internal = external = 0
    by_netloc: dict[str, bool] = {}  # a post links to few hosts, many times each
    for href in hrefs:
        # A browser reads a backslash as "/" in an http(s) URL (WHATWG URL): `/\other.host/x`
        # goes to other.host, where urljoin would keep the page's host.
        href = href.strip().replace("\\", "/")
        if href[:1] in ("#", "?", "") or (href[:1] == "/" and href[1:2] != "/"):
            internal += 1  # a path, query or fragment on the same host: no parsing needed
            continue
        absolute = _HTTP_NETLOC.match(href)
        if absolute:
            # An absolute http(s) URL: only its host decides, once per host.
            netloc = absolute.group(1)
            if netloc not in by_netloc:
                by_netloc[netloc] = _internal(f"http://{netloc}/", page_host)
            inside = by_netloc[netloc]
        else:
            inside = _internal(href, page_host, page_url)
        if inside:
            internal += 1
        else:
            external += 1
    return internal, external


def _internal(href: str, page_host: str, page_url: str | None = None) -> bool:
    """Whether `href` (joined with `page_url` when given) is an http(s) URL on the page's host."""
    try:
        parts = urlsplit(urljoin(page_url, href) if page_url else href)
        host = parts.hostname or ""
    except ValueError:  # malformed, e.g. an invalid IPv6 literal
        return False
    return parts.scheme in ("http", "https", "") and same_site(host, page_host)


def _has_word(el) -> bool:
    """Whether the reader-visible text of `el` holds a \\w character (text_of without joining)."""
    if el.text and _WORD_CHAR.search(el.text):
        return True
    walker = etree.iterwalk(el, events=("start", "comment", "pi"))
    for event, node in walker:
        if node is el:
            continue
        if event == "start":
            if _tag(node) in SKIP_TAGS:
                walker.skip_subtree()
            elif node.text and _WORD_CHAR.search(node.text):
                return True
        if node.tail and _WORD_CHAR.search(node.tail):
            return True
    return False


def inner_html_bytes(root) -> int:
    """UTF-8 bytes of the HTML inside `root`, leading and trailing whitespace left out; one
    child serialised at a time, not the whole content as one string."""
    text = root.text or ""
    children = list(root)
    if not children:
        return len(text.strip().encode("utf-8"))
    size = len(text.lstrip().encode("utf-8"))
    for child in children[:-1]:
        size += len(etree.tostring(child, encoding="utf-8", method="html", with_tail=True))
    last = etree.tostring(children[-1], encoding="unicode", method="html", with_tail=True)
    return size + len(last.rstrip().encode("utf-8"))


def measure_content(root, page_url: str, terms: Iterable[str] = ()) -> dict:
    """All the element and text figures of the main content `root`."""
    text = text_of(root)
    # One walk counts every tag (the root included, as for any element of the content).
    counts: dict[str, int] = {}
    hrefs = []
    paragraphs = 0
    for el in root.iter():
        tag = el.tag
        if tag.__class__ is not str:
            continue
        counts[tag] = counts.get(tag, 0) + 1
        if tag == "a" or tag == "A":
            href = el.get("href")
            if href is not None:
                hrefs.append(href)
        elif (tag == "p" or tag == "P") and _has_word(el):
            paragraphs += 1
    for tag in [tag for tag in counts if not tag.islower()]:
        counts[tag.lower()] = counts.get(tag.lower(), 0) + counts.pop(tag)
    internal, external = split_links(hrefs, page_url)
    by_level = {h: counts.get(h, 0) for h in HEADING_TAGS}
    content_bytes = inner_html_bytes(root)
    return {
        "text": text,
        "words": _count_collapsed(text),  # text_of's text is collapsed
        "paragraphs": paragraphs,
        "headings": sum(by_level.values()),
        "headings_by_level": by_level,
        "images": counts.get("img", 0),
        "links": len(hrefs),
        "links_internal": internal,
        "links_external": external,
        "list_items": counts.get("li", 0),
        "blockquotes": counts.get("blockquote", 0),
        "embeds": sum(counts.get(tag, 0) for tag in EMBED_TAGS),
        "tables": counts.get("table", 0),
        "content_bytes": content_bytes,
        "terms": count_terms(text, terms),
        "content_hash": _hash_collapsed(text),
    }
