"""Find a post's main content in a WordPress page and strip what themes and plugins put in it.

The main content is the post body only: not the title, byline, sidebar, comments, share buttons,
related-posts blocks or the author bio that some themes put inside `div.entry-content`.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree
from lxml import html as lxml_html


def _classes(*names: str) -> str:
    """An XPath for elements carrying any of the class names (whole tokens)."""
    tests = " or ".join(f"contains(concat(' ', normalize-space(@class), ' '), ' {n} ')"
                        for n in names)
    return f"//*[@class][{tests}]"


# Rules tried in order; the first that finds the post body names the `extractor` field.
# Each is (name, XPath); the WordPress conventions come first, then common theme names.
CONTENT_RULES: list[tuple[str, str]] = [
    ("entry-content", _classes("entry-content")),
    ("post-content", _classes("post-content", "post-entry", "postcontent", "post-body",
                              "post_content", "single-post-content", "td-post-content",
                              "entry-body", "post-text", "blog-content", "entry")),
    ("articleBody", "//*[@itemprop='articleBody']"),
    ("article-content", _classes("article-content", "article-body", "article__body",
                                 "single-content", "content-inner", "story-content")),
]

# Blocks that are never the post body, wherever they are: comments and the reply form.
_ALWAYS_NOISE_TAGS = frozenset({"script", "style", "noscript", "template", "form", "button",
                                "select", "input", "textarea", "nav", "aside"})
_COMMENTS = re.compile(
    r"^(?:comments?|comments-area|comment-list|commentlist|comment-respond|respond|"
    r"disqus_thread|comments-section|akismet\w*|nocomments)$", re.IGNORECASE)
# What themes and plugins put in or around the post body, as a part of a class or id split on
# "-" and "_": share buttons, related posts, author bio, ads, subscription forms, post
# navigation, meta lines, tag lists, tables of contents, paywall and donation boxes.
_NOISE_PARTS = frozenset("""
    share shares sharing sharedaddy social sociable addtoany a2a shariff ssba shareaholic
    related relatedposts yarpp crp rp4wp jp wprm-recipe-print recommended recommendations
    newsletter subscribe subscription subscriptions optin mc4wp signup
    authorbio author-bio author-box author-info about-author authorbox
    ad ads advert advertisement adsbygoogle adsense sponsored sponsor promo wpcnt wordads
    navigation postnav nav-links post-nav pagination breadcrumb breadcrumbs
    meta postmeta entry-meta post-meta tags tag-links tags-links cat-links categories
    byline toc ez-toc paywall payant donation donate disclaimer disclosure print
    widget widgets sidebar popular trending more-posts read-more readmore
""".split())
# Class parts that look like noise but name ordinary layout in page builders.
_NOT_NOISE = re.compile(r"elementor|wp-block-(?:group|columns|column)|et_pb|vc_|wpb_", re.I)

_BODY = etree.XPath("//body")
_PARAGRAPHS = etree.XPath(".//p | .//pre | .//td")
_ARTICLES = etree.XPath("//article | //*[@itemprop='articleBody']/..")
_H1 = etree.XPath(".//h1")

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def sniff_encoding(body: bytes) -> str:
    """The page's encoding: a byte-order mark, else its <meta charset> (libxml2 only looks for
    it near the top, and many themes print it after kilobytes of inline styles), else UTF-8
    when the bytes are valid UTF-8, else Windows-1252."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    match = _META_CHARSET.search(body, 0, 100_000)
    if match:
        try:
            return codecs.lookup(match.group(1).decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def parse_html(body: bytes | str, encoding: str | None = None):
    """Parse a page into an lxml document, tolerating empty and broken markup; bytes are decoded
    with `encoding` when given, else with the encoding the page declares or its bytes show."""
    if isinstance(body, bytes):
        if not body.strip():
            body = b"<html><body></body></html>"
        body = body.decode(encoding or sniff_encoding(body), errors="replace")
    # An XML declaration in a str makes lxml refuse it; it carries nothing an HTML parser needs.
    if body.lstrip().startswith("<?xml"):
        body = body.split("?>", 1)[-1]
    return lxml_html.document_fromstring(body or "<html></html>")


def _is_comments(el) -> bool:
    return any(_COMMENTS.match(name) for name in _names(el))


def _names(el) -> list[str]:
    """The element's class tokens and id."""
    return (el.get("class") or "").split() + ([el.get("id")] if el.get("id") else [])


def _is_noise(el) -> bool:
    """Whether a class or id of `el` names a block that is not the post body."""
    for name in _names(el):
        if _NOT_NOISE.search(name):
            continue
        lowered = name.lower()
        if lowered in _NOISE_PARTS or _COMMENTS.match(lowered):
            return True
        parts = re.split(r"[-_]+", lowered)
        # "jp-relatedposts", "share-buttons", "td-post-sharing": any noise part counts, and
        # two-part names ("post-nav", "author-bio") are looked up whole as well.
        if any(part in _NOISE_PARTS for part in parts):
            return True
        if any(f"{a}-{b}" in _NOISE_PARTS for a, b in zip(parts, parts[1:], strict=False)):
            return True
    return False


def remove_noise(root, *, whole_article: bool = False) -> None:
    """Remove plugin and theme blocks from `root` in place, keeping the text that follows them.

    A noise-named block holding most of the content's text is kept: the name was a layout
    wrapper's ("single-post-meta-wrap"), not a box's. With `whole_article`, the article's own
    header and footer (title, byline, tags) go too.
    """
    total = len(root.text_content()) or 1
    doomed = []
    for el in root.iter():
        if el is root:
            continue
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:
            continue
        if tag in _ALWAYS_NOISE_TAGS or _is_comments(el):
            doomed.append(el)
        elif whole_article and tag in ("header", "footer", "h1"):
            doomed.append(el)
        elif (el.get("class") or el.get("id")) and _is_noise(el):
            if len(el.text_content()) < 0.5 * total:
                doomed.append(el)
    for el in doomed:
        if el.getparent() is not None and not _has_doomed_ancestor(el, doomed):
            el.drop_tree()


def _has_doomed_ancestor(el, doomed) -> bool:
    return any(a in doomed for a in el.iterancestors())


def _text_length(el) -> int:
    return len(" ".join(el.text_content().split()))


def _in_comments(el) -> bool:
    return any(_is_comments(a) for a in el.iterancestors())


def _outermost(found: list) -> list:
    """Matches not nested in another match (`.entry` inside `.entry-content`)."""
    chosen = set(found)
    return [el for el in found if not any(a in chosen for a in el.iterancestors())]


def _best_block(doc):
    """The element holding the most paragraph text (a small readability-style scorer): each
    paragraph adds its length, less its linked part, to its parent and half to the grandparent.
    For pages whose theme follows no convention, and to check that a rule's match is the post."""
    scores: dict = {}
    for p in _PARAGRAPHS(doc):
        text = " ".join(p.text_content().split())
        if len(text) < 25 or _in_comments(p):
            continue
        linked = sum(len(a.text_content()) for a in p.iter("a"))
        value = max(0.0, len(text) - 2 * linked) + 10 * text.count(",")
        parent = p.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + value
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + value / 2
    if not scores:
        return None, 0.0
    best = max(scores, key=scores.get)
    return best, scores[best]


def find_main_content(doc):
    """(rule name, element) of the post body in the parsed page `doc`, noise removed.

    The first rule whose outermost match holding the most text outside comments holds a fair
    share of the page's paragraph text wins; else the paragraph scorer's best block
    (`density`), else the body (`fallback`).
    """
    best, _ = _best_block(doc)
    best_len = _text_length(best) if best is not None else 0
    for name, rule in _compiled_rules:
        found = [el for el in _outermost(rule(doc)) if not _in_comments(el)]
        if not found:
            continue
        lengths = [_text_length(el) for el in found]
        root = found[lengths.index(max(lengths))]
        # A match far shorter than the densest block is a teaser or a card, not the post.
        if best is not None and max(lengths) < 0.3 * best_len and not _contains(root, best):
            continue
        remove_noise(root)
        return name, root
    if best is not None:
        root = _widen(best)
        remove_noise(root, whole_article=root.tag == "article")
        return "density", root
    bodies = _BODY(doc)
    root = bodies[0] if bodies else doc
    remove_noise(root, whole_article=True)
    return "fallback", root


def _contains(outer, inner) -> bool:
    return outer is inner or any(a is outer for a in inner.iterancestors())


def _widen(block):
    """The scorer's block, or the `article` right around it (its images and lists are the post's
    too) when that article is a single post's, not a page-wide wrapper."""
    for a in block.iterancestors():
        if a.tag == "article":
            return a if not _H1(a) or len(_H1(a)) == 1 else block
        if a.tag in ("body", "main"):
            break
    return block


_compiled_rules = [(name, etree.XPath(xpath)) for name, xpath in CONTENT_RULES]
