"""Noise removal: take out of the post body, in place, the blocks themes and plugins put in it
(share buttons, related posts, author boxes, ads, forms, the article's own header), keeping the
text that follows each block."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree

from blogcrawler.extraction.edges import remove_edge_lines
from blogcrawler.extraction.index import (
    drop_tree,
    names_of,
    normal_text,
    text_content,
    text_length,
    unwrap,
)
from blogcrawler.extraction.link_lines import link_share, remove_link_lines
from blogcrawler.extraction.rules import DEFAULT_RULES, Rules
from blogcrawler.extraction.vocabulary import (
    NOISE,
    STRONG_NOISE,
    WIDGET_NOISE,
    is_lead_name,
    names_comments,
    names_noise,
)
from blogcrawler.urls import clean_url

# Never the post body, wherever they are: code, and the controls of forms and menus.
ALWAYS_NOISE_TAGS = frozenset({"script", "style", "noscript", "template", "form", "button",
                               "select", "input", "textarea", "nav", "aside"})

# Text placed off-screen is never meant to be read (hidden link spam); display:none is not
# matched, since tabs, accordions and slideshows reveal such content on a click.
_HIDDEN_STYLE = re.compile(r"visibility\s*:\s*hidden|(?:left|top)\s*:\s*-\d{3,}px", re.I)

# The featured image a theme prints above the post (with its credit): not the_content.
_THUMBNAIL = re.compile(r"^(?:post-thumbnail|postthumb|wp-postthumb|featured-image|"
                        r"entry-thumbnail|post-image|td-post-featured-image)$")

# A title inside the content is the post's own title (not main content) or another post's
# (a linked title in a list); any other is the post's subheading and stays.
_TITLE_NAMES = frozenset({"entry-title", "post-title", "article-title"})


def is_hidden(el) -> bool:
    return el.get("hidden") is not None or bool(_HIDDEN_STYLE.search(el.get("style") or ""))


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _permalink_key(url: str) -> str:
    """A URL as far as it names a post: host without "www.", path without its trailing slash,
    query (tracking parameters and the fragment dropped: clean_url)."""
    parts = urlsplit(clean_url(url))
    host = parts.netloc.removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" + (f"?{parts.query}" if parts.query else "")


def _slug(key: str) -> str:
    """What any link to the post holds: the last segment of its path ("a-post" of
    "blog.example/2016/a-post"), or its query for WordPress's plain permalinks ("p=123")."""
    path, _, query = key.partition("?")
    return query or path.rsplit("/", 1)[-1]


def own_title_headings(root, permalink: str) -> set:
    """The headings in `root` holding a link to the post itself (Rules.own_title_links): the
    post's title as classic themes print it, `<h2><a href="<permalink>" rel="bookmark">`. A
    link with a fragment points into the page (a heading's own anchor, "#comments"); one
    without the post's slug cannot be its permalink (no URL parsed for it)."""
    key = _permalink_key(permalink)
    slug = _slug(key)
    found = set()
    for heading in root.iter(*_HEADINGS):
        for a in heading.iter("a"):
            href = a.get("href")
            if (href and slug in href and "#" not in href
                    and _permalink_key(urljoin(permalink, href.strip())) == key):
                found.add(heading)
                break
    return found


def _is_foreign_title(el, titles: frozenset) -> bool:
    """A title-named element (see _Names.title) that links away or repeats the post's title."""
    return any(a.get("href") for a in el.iter("a")) or normal_text(text_content(el)) in titles


_NOISE_AND_WIDGETS = NOISE | WIDGET_NOISE


class _Names:
    """What an element's class list and id say, for noise removal: a comment section, the
    featured image (with `whole_article`), a title, a noise-named block, and whether that name
    is a strong one or a plugin's widget's (Rules.widget_noise)."""

    __slots__ = ("comments", "thumbnail", "title", "noise", "strong", "plugin")

    def __init__(self, classes: str | None, id_: str | None, widget_noise: bool, builders: bool,
                 whole_article: bool):
        names = (classes or "").split()
        self.comments = names_comments(classes, id_)
        self.thumbnail = whole_article and any(_THUMBNAIL.match(name) for name in names)
        self.title = any(name in _TITLE_NAMES for name in names)
        vocabulary = _NOISE_AND_WIDGETS if widget_noise else NOISE
        self.noise = bool(names or id_) and names_noise(classes, id_, vocabulary, builders)
        self.strong = self.noise and names_noise(classes, id_, STRONG_NOISE, builders)
        self.plugin = (self.noise and widget_noise
                       and names_noise(classes, id_, WIDGET_NOISE, builders))


@lru_cache(maxsize=16384)
def _names(classes: str | None, id_: str | None, widget_noise: bool, builders: bool,
           whole_article: bool) -> _Names:
    """The verdict on one class list and id, once per process: a blog's pages repeat their
    theme's names page after page."""
    return _Names(classes, id_, widget_noise, builders, whole_article)


def page_titles(index) -> frozenset:
    """The post's title as the page writes it: its h1s, og:title, and <title> before the
    blog's name."""
    titles = {normal_text(text_content(h1)) for h1 in index.tag("h1")}
    titles.update(normal_text(m.get("content") or "") for m in index.tag("meta")
                  if m.get("property") == "og:title")
    for title in index.tag("title"):
        titles.add(normal_text(re.split(r"\s+[|\u2013\u2014-]\s+", text_content(title))[0]))
    titles.discard("")
    return frozenset(titles)


def _leads_inside(header) -> list:
    """Lead-named blocks of some length in an entry header (Rules.header_lead)."""
    found = []
    for el in header.iter():
        if el is header or not isinstance(el.tag, str):
            continue
        if (any(is_lead_name(n) for n in (el.get("class") or "").split())
                and not any(True for _ in el.iter("h1", "h2", "time", "form"))
                and len(text_content(el).split()) >= 8):
            found.append(el)
    return [el for el in found if not any(a in found for a in el.iterancestors())]


def remove_noise(root, *, whole_article: bool = False, titles: frozenset = frozenset(),
                 permalink: str | None = None, rules: Rules = DEFAULT_RULES) -> None:
    """Remove plugin and theme blocks from `root` in place, keeping the text that follows them.

    A noise-named block holding half the content's text or more is kept unless it is mostly
    links (a long related-posts list): the name was a layout wrapper's ("post-meta-wrap").
    Blocks a reader never sees (off-screen, `hidden`) go too. With `whole_article`, the
    article's own header and footer (title, byline, tags) go too. A heading linking to
    `permalink`, the post's own URL, is the post's title.
    """
    total = text_length(root) or 1
    widget_noise, builders = rules.widget_noise, rules.builder_names
    doomed, unwrapped = [], []
    named = []  # (element, text length, strong name) of the noise-named blocks
    header_tags = ("header", "footer", "h1") if whole_article else ()
    own_titles = own_title_headings(root, permalink) if permalink else None
    # A walk that skips what is removed whatever its name (nothing inside it needs judging);
    # blocks removed for their name are judged whole at the end, so their insides are walked.
    walker = etree.iterwalk(root, events=("start",))
    for _, el in walker:
        tag = el.tag
        if el is root or tag.__class__ is not str:
            continue
        # Which attributes it has, in one call (a get() per attribute costs as much each).
        if own_titles and el in own_titles:
            doomed.append(el)  # the post's title, printed as a link to the post
            walker.skip_subtree()
            continue
        keys = el.keys()
        if not keys and tag not in ALWAYS_NOISE_TAGS and tag not in header_tags:
            continue  # no name, no style: nothing here can match
        classes = el.get("class") if "class" in keys else None
        id_ = el.get("id") if "id" in keys else None
        style = el.get("style") if "style" in keys else None
        hidden = "" if "hidden" in keys else None
        if not (classes or id_ or style or hidden is not None or tag in ALWAYS_NOISE_TAGS
                or tag in header_tags):
            continue
        names = _names(classes, id_, widget_noise, builders, whole_article)
        if tag == "form" and rules.form_wrapper and text_length(el) >= 0.5 * total:
            unwrapped.append(el)  # a plugin's form around the post, not a reply form
        elif (tag in ALWAYS_NOISE_TAGS or names.comments or tag in header_tags
              or names.thumbnail or ((style or hidden is not None) and is_hidden(el))
              or (names.title and _is_foreign_title(el, titles))):
            doomed.append(el)
            walker.skip_subtree()
        elif names.noise:
            length = text_length(el)
            strong, plugin = names.strong, names.plugin
            # A strong name on a block holding nearly all the text is a wrapper's after all
            # ("paywall-container" around a post shown in full), a weak one on half of it. A
            # plugin's widget name is as strong: a short post can be shorter than its
            # "This entry was posted on ... and is filed under ..." line.
            if (length >= (0.8 if strong or plugin else 0.5) * total
                    and link_share(el, length) <= 0.5 and _wraps_blocks(el)):
                continue
            if not (strong or plugin) and rules.prose_blocks and _holds_prose(el):
                continue
            named.append((el, length, strong))
    if rules.post_sections:
        named = _without_post_sections(named, total)
    doomed.extend(el for el, _, _ in named)
    gone = set(doomed)
    for el in doomed:
        if any(a in gone for a in el.iterancestors()):
            continue
        if rules.header_lead and _is_header(el):
            for lead in _leads_inside(el):
                lead.tail = None
                el.addprevious(lead)
        drop_tree(el)
    for el in unwrapped:
        if el.getparent() is not None and not any(a in gone for a in el.iterancestors()):
            unwrap(el)
    remove_link_lines(root, rules)
    remove_edge_lines(root, rules)


# What a wrapper of the post holds: a line of text (a <p>, a <span>) wraps nothing.
_WRAPPED = frozenset({"p", "div", "section", "article", "ul", "ol", "table", "figure", "h2",
                      "h3", "h4", "blockquote", "main"})


def _wraps_blocks(el) -> bool:
    return any(child.tag in _WRAPPED for child in el)


# Rules.prose_blocks: paragraphs of prose, as a post has and a widget has not.
PROSE_PARAGRAPHS = 3
PROSE_CHARACTERS = 100
# Rules.post_sections: the share of the content's text that blocks named alike must hold.
POST_SECTIONS_SHARE = 0.3


def _holds_prose(el) -> bool:
    """Whether a block holds PROSE_PARAGRAPHS paragraphs of prose, little of it linked: the post
    continued under a weak name ("readmore-wrapper" around the rest of the post, a "widget" of
    a page builder), not an ad or a byline. (A plugin's widget named as such, an author box
    with a bio of three paragraphs, is never asked.)"""
    found = 0
    for p in el.iter("p"):
        text = text_content(p)
        if len(text) >= PROSE_CHARACTERS and link_share(p, len(text)) < 0.2:
            found += 1
            if found >= PROSE_PARAGRAPHS:
                return True
    return False


def _without_post_sections(named: list, total: int) -> list:
    """Rules.post_sections: weak-named blocks named alike (the same class list) that together
    hold POST_SECTIONS_SHARE of the text are the post's own sections, as a list post prints each item in a card
    ("rating-card", "product-box"), not widgets; they stay."""
    by_name: dict = {}
    for el, length, strong in named:
        if not strong:
            count, size = by_name.get(el.get("class"), (0, 0))
            by_name[el.get("class")] = (count + 1, size + length)
    sections = {name for name, (count, size) in by_name.items()
                if name and count >= 2 and size >= POST_SECTIONS_SHARE * total}
    return [item for item in named if item[2] or item[0].get("class") not in sections]


def _is_header(el) -> bool:
    return el.tag == "header" or any(n.lower().endswith(("-header", "-head"))
                                     for n in names_of(el))
