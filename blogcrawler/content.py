"""Find a post's main content in a WordPress page and strip what themes and plugins put in it.

The main content is the post body only: not the title, byline, sidebar, comments, share buttons,
related-posts blocks or the author bio that some themes put inside `div.entry-content`.
"""

from __future__ import annotations

from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

# Rules tried in order; the first that matches names the `extractor` field.
# Each is (name, CSS selector); the WordPress conventions come first.
CONTENT_RULES: list[tuple[str, str]] = [
    ("entry-content", "article .entry-content, .hentry .entry-content, .type-post .entry-content"),
    ("entry-content", ".entry-content"),
    ("post-content", ".post-content, .post-entry, .postcontent, .post-body"),
    ("articleBody", "[itemprop=articleBody]"),
    ("article-content", ".article-content, .article-body, .single-content, .content-inner"),
    ("article", "article"),
    ("main", "main, [role=main], #content"),
]

# Noise that themes and plugins put inside the content.
NOISE_SELECTOR = ", ".join(
    [
        "script", "style", "noscript", "template", "form",
        ".sharedaddy", ".sd-sharing-enabled", ".sd-block", ".jp-relatedposts", "#jp-relatedposts",
        ".author-info", ".author-bio", ".about-author", ".page-links",
        ".addtoany_share_save_container", ".addtoany_content", ".a2a_kit",
        ".yarpp-related", ".related-posts", ".related_posts", ".rp4wp-related-posts",
        ".crp_related", ".wp-block-jetpack-related-posts",
        ".share-buttons", ".social-share", ".sharing", ".ssba", ".shareaholic-canvas",
        ".wpcnt", ".wordads-ad-wrapper", ".adsbygoogle", ".code-block",
        ".mc4wp-form", ".jetpack_subscription_widget", ".wp-block-jetpack-subscriptions",
        ".post-navigation", ".comments-area", "#comments",
    ]
)

_compiled_rules = [(name, CSSSelector(sel)) for name, sel in CONTENT_RULES]
_noise = CSSSelector(NOISE_SELECTOR)
_body = CSSSelector("body")


def parse_html(body: bytes | str):
    """Parse a page into an lxml document, tolerating empty and broken markup."""
    if isinstance(body, bytes) and not body.strip():
        body = b"<html><body></body></html>"
    return lxml_html.document_fromstring(body)


def remove_noise(root) -> None:
    """Remove plugin and theme blocks from `root` in place, keeping the text that follows them."""
    for el in _noise(root):
        if el is root:
            continue
        el.drop_tree()


def find_main_content(doc):
    """(rule name, element) of the post body in the parsed page `doc`; `fallback` is the body."""
    for name, selector in _compiled_rules:
        found = selector(doc)
        if found:
            root = _largest(found) if name in ("article", "main") else found[0]
            remove_noise(root)
            return name, root
    bodies = _body(doc)
    root = bodies[0] if bodies else doc
    remove_noise(root)
    return "fallback", root


def _largest(elements):
    """The candidate holding the most text (an archive-like page has several `article`s)."""
    return max(elements, key=lambda el: len(el.text_content()))
