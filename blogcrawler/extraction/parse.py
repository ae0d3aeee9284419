"""Bytes to an lxml tree: the one charset rule (shared with the crawler's middleware) and the
parser settings.

The charset rule is the browser's, in the HTML standard's order: a byte-order mark, the HTTP
`Content-Type` charset, a `<meta charset>` declaration, else UTF-8 when the bytes are valid
UTF-8, else windows-1252 (the fallback for Western locales). Labels are resolved as browsers do
(w3lib: "latin1" and "iso-8859-1" are windows-1252).
"""

from __future__ import annotations

import codecs
import re

from lxml import etree
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

# w3lib reads a declaration in the first 4 KB, as browsers prescan 1 KB; many themes print
# `<meta charset>` after kilobytes of inline styles, and browsers then re-decode the page when
# the parser reaches it. The wider scan stands for that re-decoding.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_WIDE_SCAN_BYTES = 100_000


def page_encoding(body: bytes, content_type: str | bytes | None = None) -> str:
    """The encoding a browser would read `body` with (a Python codec name)."""
    bom, _ = read_bom(body)
    if bom:
        return _codec(bom)
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    declared = (http_content_type_encoding(content_type) if content_type else None) \
        or html_body_declared_encoding(body)
    if not declared:
        match = _META_CHARSET.search(body, 0, _WIDE_SCAN_BYTES)
        if match:
            declared = resolve_encoding(match.group(1).decode("ascii", "replace"))
    if declared and _codec(declared):
        return _codec(declared)
    return "utf-8" if _valid_utf8(body) else "cp1252"


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _valid_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Plain lxml elements, not lxml.html's (its per-element class lookup doubled the cost of every
# walk). `huge_tree`: libxml2 otherwise stops at a nesting depth of 256 and silently drops the
# rest of the page (page builders nest that deep); it also lifts the 10 MB text-node limit.
# Comments are kept out of the tree: no rule reads them, and they cost memory and walks. No
# table of ids either (`collect_ids`): nothing looks elements up by id through libxml2, and
# building it is a twelfth of the parse.
_PARSER_OPTIONS = {"huge_tree": True, "remove_comments": True, "remove_pis": True,
                   "collect_ids": False}
_PARSER = etree.HTMLParser(**_PARSER_OPTIONS)
_UTF8_PARSER = etree.HTMLParser(encoding="utf-8", **_PARSER_OPTIONS)
_EMPTY = "<html><body></body></html>"


class MarkupTooDeepError(ValueError):
    """The page nests its elements deeper than the HTML parser follows: what lies below that
    depth would be silently lost, so the page is refused with this error instead."""


def parse_html(body: bytes | str, encoding: str | None = None):
    """Parse a page into an lxml document, tolerating empty and broken markup. Bytes are decoded
    with `encoding` when Python knows it, else with `page_encoding`'s rule. Raises
    MarkupTooDeepError for markup nested beyond libxml2's limit (2,048 levels with huge_tree)."""
    if isinstance(body, bytes):
        name = _codec(encoding or "") or page_encoding(body)
        if name == "utf-8" and _valid_utf8(body):
            # libxml2 reads valid UTF-8 bytes directly: no decoded copy of a large page.
            return _parse(body, _UTF8_PARSER)
        body = body.decode(name, errors="replace")
    # An XML declaration in a str makes lxml refuse it; it carries nothing an HTML parser needs.
    if body.lstrip().startswith("<?xml"):
        body = body.split("?>", 1)[-1]
    return _parse(body, _PARSER)


def _parse(body: bytes | str, parser):
    root = etree.fromstring(body, parser) if body.strip() else None
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in error.message:
            raise MarkupTooDeepError(
                f"the page's markup is nested too deep to read whole ({error.message.strip()} "
                f"at line {error.line}): its text below that depth would be lost")
    return root if root is not None else etree.fromstring(_EMPTY, _PARSER)
