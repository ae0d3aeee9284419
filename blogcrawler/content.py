"""Find a post's main content in a WordPress page and strip what themes and plugins put in it.

The main content is the post body only: not the title, byline, sidebar, comments, share buttons,
related-posts blocks or the author bio that some themes put inside `div.entry-content`.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from copy import deepcopy
from functools import lru_cache

from lxml import etree

# Rules tried in order; the first that finds the post body names the `extractor` field.
# Each is (name, class names); "itemprop:" names a microdata property instead. The WordPress
# conventions come first, then common theme names.
CONTENT_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("entry-content", ("entry-content",)),
    ("post-content", ("post-content", "post-entry", "postcontent", "post-body", "post_content",
                      "single-post-content", "td-post-content", "entry-body", "post-text",
                      "blog-content", "entry")),
    ("articleBody", ("itemprop:articleBody",)),
    ("article-content", ("article-content", "article-body", "article__body", "single-content",
                         "content-inner", "story-content")),
]

# Blocks that are never the post body, wherever they are: comments and the reply form.
_ALWAYS_NOISE_TAGS = frozenset({"script", "style", "noscript", "template", "form", "button",
                                "select", "input", "textarea", "nav", "aside"})
_COMMENT_NAMES = frozenset({"comment", "comments", "comments-area", "comment-list", "commentlist",
                            "comment-respond", "respond", "disqus_thread", "comments-section",
                            "nocomments", "akismet_comment_form_privacy_notice"})
# What themes and plugins put in or around the post body, as a part of a class or id split on
# "-" and "_": share buttons, related posts, author bio, ads, subscription forms, post
# navigation, meta lines, tag lists, tables of contents, paywall and donation boxes.
# Strong names are never a wrapper of the post body: such a block goes whatever its size.
_STRONG_NOISE = frozenset("""
    share shares sharing sharedaddy social sociable addtoany a2a shariff ssba shareaholic
    related relatedposts yarpp crp rp4wp wp-rp jp-relatedposts recommended recommendations
    newsletter subscribe subscription subscriptions optin mc4wp signup
    authorbio author-bio author-box author-info about-author authorbox
    cookie cookies gdpr consent borlabscookie modal popup pin pinterest
    paywall payant donation donate comments rpbt cta rec-posts recent-posts similar-posts
    entry-header article-header post-header
    entry-head article-head post-head
""".split())
# Weak names may also name a layout wrapper ("post-meta-wrap"): such a block goes unless it
# holds half the content's text and is not mostly links.
_WEAK_NOISE = frozenset("""
    ad ads advert advertisement adsbygoogle adsense sponsored sponsor promo wpcnt wordads
    navigation postnav nav-links post-nav pagination breadcrumb breadcrumbs
    meta postmeta entry-meta post-meta tags tag-links tags-links cat-links categories
    byline author authors taxonomy tax toc ez-toc disclaimer disclosure print controls jp
    steady
    widget widgets sidebar popular trending more-posts read-more readmore
""".split())
_NOISE_PARTS = _STRONG_NOISE | _WEAK_NOISE
# Class names that look like noise but name ordinary layout in page builders, or the post's
# own state in WordPress's post_class/body_class ("tag-social", "comments-open").
_NOT_NOISE = re.compile(
    r"elementor|wp-block-(?:group|columns|column)|et_pb|vc_|wpb_"
    r"|^(?:tag|category|format|status|type|postid|post_tag|pings|has)-|^comments-(?:open|closed)$",
    re.IGNORECASE)


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
        try:
            name = codecs.lookup(encoding or "").name
        except LookupError:  # none given, or a name Python does not know: the page decides
            name = codecs.lookup(sniff_encoding(body)).name
        if name == "utf-8" and _valid_utf8(body):
            # libxml2 reads valid UTF-8 bytes directly: no decoding and re-encoding.
            root = etree.fromstring(body, _UTF8_PARSER)
            if root is not None:
                return root
        body = body.decode(name, errors="replace")
    # An XML declaration in a str makes lxml refuse it; it carries nothing an HTML parser needs.
    if body.lstrip().startswith("<?xml"):
        body = body.split("?>", 1)[-1]
    # Plain lxml elements, not lxml.html's: its per-element class lookup doubled the cost of
    # every walk over the tree.
    root = etree.fromstring(body, _PARSER) if body.strip() else None
    return root if root is not None else etree.fromstring("<html><body></body></html>", _PARSER)


_PARSER = etree.HTMLParser()
_UTF8_PARSER = etree.HTMLParser(encoding="utf-8")


def _valid_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
text_content = etree.XPath("string()")


def drop_tree(el) -> None:
    """Remove `el` and its content, keeping the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)




class PageIndex:
    """One pass over a parsed page, so every rule looks elements up instead of walking the
    whole tree again (an XPath or CSS query costs a full traversal each, ~0.3-1 ms on a shared
    2-core machine, and extraction has a 5 ms budget)."""

    TAGS = frozenset({"time", "meta", "script", "link", "title", "h1", "article", "p", "pre",
                      "td", "abbr", "body"})

    def __init__(self, doc):
        self.doc = doc
        self.by_class: dict[str, list] = {}
        self.by_tag: dict[str, list] = {name: [] for name in self.TAGS}
        self.by_itemprop: dict[str, list] = {}
        self.by_rel: dict[str, list] = {}
        self.by_id: dict[str, list] = {}
        self.classed: list = []  # every element with a class, in document order
        self.position: dict = {}
        by_tag, by_class = self.by_tag, self.by_class
        # A plain walk: lxml's iter() is several times cheaper than an XPath selecting the same
        # elements. Attributes are read only from elements that have any.
        for number, el in enumerate(doc.iter()):
            tag = el.tag
            if tag in by_tag:
                by_tag[tag].append(el)
                self.position[el] = number
            elif not isinstance(tag, str):
                continue
            if not el.attrib:
                continue
            get = el.get
            classes = get("class")
            if classes:
                self.classed.append(el)
                self.position[el] = number
                for name in classes.split():
                    if name in by_class:
                        by_class[name].append(el)
                    else:
                        by_class[name] = [el]
            value = get("id")
            if value is not None:
                self.by_id.setdefault(value, []).append(el)
            value = get("itemprop")
            if value is not None:
                self.by_itemprop.setdefault(value, []).append(el)
            value = get("rel")
            if value is not None:
                for name in value.lower().split():
                    self.by_rel.setdefault(name, []).append(el)
        self._comment_blocks = None

    def tag(self, name: str) -> list:
        return self.by_tag[name]

    def classes(self, *names: str) -> list:
        """Elements with any of the class names, in document order."""
        if len(names) == 1:
            return self.by_class.get(names[0], [])
        found = {el for name in names for el in self.by_class.get(name, [])}
        return sorted(found, key=self.position.__getitem__)

    def comment_blocks(self) -> set:
        """The page's comment sections and reply forms."""
        if self._comment_blocks is None:
            self._comment_blocks = {el for name in _COMMENT_NAMES
                                    for el in (*self.by_class.get(name, ()),
                                               *self.by_id.get(name, ()))}
        return self._comment_blocks

    def in_comments(self, el) -> bool:
        blocks = self.comment_blocks()
        return any(a in blocks for a in el.iterancestors())


def has_ancestor(el, *classes: str, tag: str | None = None) -> bool:
    """Whether an ancestor of `el` carries all `classes` (and is a `tag`, when given)."""
    for a in el.iterancestors():
        if tag is not None and a.tag != tag:
            continue
        names = (a.get("class") or "").split()
        if all(c in names for c in classes):
            return True
    return False


def _is_comments(el) -> bool:
    return any(name.lower() in _COMMENT_NAMES for name in _names(el))


def _names(el) -> list[str]:
    """The element's class tokens and id."""
    return (el.get("class") or "").split() + ([el.get("id")] if el.get("id") else [])


def _is_noise(el, names: frozenset = _NOISE_PARTS) -> bool:
    """Whether a class or id of `el` names a block that is not the post body."""
    for name in _names(el):
        if _NOT_NOISE.search(name):
            continue
        lowered = name.lower()
        if lowered in names or lowered in _COMMENT_NAMES:
            return True
        parts = re.split(r"[-_]+", lowered)
        # "jp-relatedposts", "share-buttons", "td-post-sharing": any noise part counts, and
        # two-part names ("post-nav", "author-bio") are looked up whole as well.
        if any(part in names for part in parts):
            return True
        if any(f"{a}-{b}" in names for a, b in zip(parts, parts[1:], strict=False)):
            return True
    return False


# A title inside the content is the post's own title (not main content) or another post's
# (a linked title in a list); any other is the post's subheading and stays.
_TITLE_NAMES = frozenset({"entry-title", "post-title", "article-title"})


def _is_foreign_title(el, titles: frozenset) -> bool:
    names = (el.get("class") or "").split()
    if not any(name in _TITLE_NAMES for name in names):
        return False
    return any(a.get("href") for a in el.iter("a")) or _normal(text_content(el)) in titles


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def page_titles(index: PageIndex) -> frozenset:
    """The post's title as the page writes it: its h1s, og:title, and <title> before the
    blog's name."""
    titles = {_normal(text_content(h1)) for h1 in index.tag("h1")}
    titles.update(_normal(m.get("content") or "") for m in index.tag("meta")
                  if m.get("property") == "og:title")
    for title in index.tag("title"):
        titles.add(_normal(re.split(r"\s+[|\u2013\u2014-]\s+", text_content(title))[0]))
    titles.discard("")
    return frozenset(titles)


def remove_noise(root, *, whole_article: bool = False, titles: frozenset = frozenset()) -> None:
    """Remove plugin and theme blocks from `root` in place, keeping the text that follows them.

    A noise-named block holding half the content's text or more is kept unless it is mostly
    links (a long related-posts list): the name was a layout wrapper's ("post-meta-wrap").
    Blocks a reader never sees (off-screen, `hidden`) go too.
    With `whole_article`, the article's own header and footer (title, byline, tags) go too.
    """
    total = len(text_content(root)) or 1
    doomed = []
    for el in root.iter():
        if el is root:
            continue
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:
            continue
        if tag in _ALWAYS_NOISE_TAGS or _is_comments(el) or _is_hidden(el):
            doomed.append(el)
        elif whole_article and (tag in ("header", "footer", "h1") or _is_thumbnail(el)):
            doomed.append(el)
        elif _is_foreign_title(el, titles):
            doomed.append(el)
        elif (el.get("class") or el.get("id")) and _is_noise(el):
            length = len(text_content(el))
            # A strong name on a block holding nearly all the text is a wrapper's after all
            # ("paywall-container" around a post shown in full).
            if (length < 0.5 * total or (_is_noise(el, _STRONG_NOISE) and length < 0.8 * total)
                    or _link_share(el, length) > 0.5):
                doomed.append(el)
    gone = set(doomed)
    for el in doomed:
        if not any(a in gone for a in el.iterancestors()):
            drop_tree(el)
    remove_link_lines(root)


# What an author or a plugin writes above a list of links to other posts: "Read more:",
# "Related:", "See also", in the languages of the corpus. Matched against the whole text of the
# label (a heading, a bold line, the start of a paragraph), not against prose.
_READ_MORE_LABEL = re.compile(
    r"^\W*(?:read (?:more|also|next)|also read|more reading|further reading|related"
    r"(?: (?:posts?|articles?|stories|reading|content|links))?|see also|more on this(?: topic)?"
    r"|you (?:may|might) also (?:like|enjoy)|recommended reading"
    r"|weiterlesen|mehr lesen|lesen sie auch|lies auch|siehe auch|mehr zum thema"
    r"|(?:verwandte|ähnliche|weitere) (?:artikel|beiträge)|das könnte (?:dich|sie) auch interessieren"
    r"|(?:à )?lire aussi|voir aussi|leggi anche|vedi anche|lee también|ver también)\W*$",
    re.IGNORECASE)
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "h2", "h3", "h4", "h5", "h6", "section"})
_LINE_BLOCKS = frozenset({"p", "div", "li", "h2", "h3", "h4", "h5", "h6"})
_WORD = re.compile(r"\w")


def _outside_links(el, limit: int = 200) -> str:
    """The text of `el` that is not inside a link (script and style left out), or its first
    `limit` characters and more: a walk that stops early, since every block is asked."""
    parts: list[str] = []
    size = 0

    def walk(node) -> bool:
        nonlocal size
        for text in (node.text,) if node.tag != "a" else ():
            if text:
                parts.append(text)
                size += len(text.strip())
        if node.tag != "a":
            for child in node:
                if size > limit:
                    return False
                if isinstance(child.tag, str) and child.tag not in ("a", "script", "style"):
                    if not walk(child):
                        return False
                if child.tail:
                    parts.append(child.tail)
                    size += len(child.tail.strip())
        return size <= limit

    walk(el)
    return " ".join(parts)


def _link_only(el) -> bool:
    """Whether every word of `el` is link text, and it has some."""
    return (el.tag in _BLOCKS and not _WORD.search(_outside_links(el))
            and any(_WORD.search(text_content(a)) for a in el.iter("a")))


# A line that is one link asking the reader to subscribe ("Click here to subscribe to our
# newsletter"): a subscription box without the plugin's markup.
_SUBSCRIBE = re.compile(r"\b(?:subscribe|newsletter|sign up|abonnieren|abonnez|iscriviti)",
                        re.IGNORECASE)
# An affiliate disclosure: a whole paragraph in italics (or small print) saying the site earns
# a commission on what readers buy through its links, as deal and review posts end.
_DISCLOSURE = re.compile(r"\b(?:commissions?|affiliate[- ]links?|affiliate partners?"
                         r"|partnerlinks?|provisionslinks?)\b", re.IGNORECASE)


def _is_disclosure(el) -> bool:
    if el.tag != "p":
        return False
    children = [c for c in el if isinstance(c.tag, str)]
    if (len(children) != 1 or children[0].tag not in ("em", "i", "small")
            or _WORD.search((el.text or "") + (children[0].tail or ""))):
        return False
    return bool(_DISCLOSURE.search(text_content(el)))


def _navigation_blocks(root) -> set:
    """The blocks holding a "Previous post: <a rel=prev> / Next post: <a rel=next>" line and
    little else (at most three words outside the links per link)."""
    found = set()
    for a in root.iter("a"):
        if not {"next", "prev"} & set((a.get("rel") or "").split()):
            continue
        block = a.getparent()
        while block is not None and block.tag not in _LINE_BLOCKS:
            block = block.getparent()
        if block is None or block is root or not _contains(root, block):
            continue
        links = sum(1 for x in block.iter("a")
                    if {"next", "prev"} & set((x.get("rel") or "").split()))
        if len(_outside_links(block).split()) <= 3 * links:
            found.add(block)
    return found


def remove_link_lines(root) -> None:
    """Remove the lists of links to other posts an author or a plugin puts in the post: a
    "Read more:"/"Related"/"See also" label with links after it in the same line, or with only
    link lines after it (up to the next non-link block); previous/next post navigation; a
    one-link line asking to subscribe; an affiliate disclosure."""
    doomed = []
    navigation = _navigation_blocks(root)
    for el in root.iter(*_LINE_BLOCKS):
        if el is root or any(el is d or _contains(d, el) for d in doomed[-3:]):
            continue
        if el in navigation or _is_disclosure(el):
            doomed.append(el)
            continue
        label = " ".join(_outside_links(el, 100).split())
        if len(label) > 100:
            continue
        if not _WORD.search(label):
            if _link_only(el) and _SUBSCRIBE.search(text_content(el)):
                doomed.append(el)
            continue
        if not _READ_MORE_LABEL.match(label):
            continue
        if any(_WORD.search(text_content(a)) for a in el.iter("a")):
            doomed.append(el)  # "Read more: <a>Another post</a>"
            continue
        following = []
        sibling = el.getnext()
        while sibling is not None and isinstance(sibling.tag, str) and _link_only(sibling):
            following.append(sibling)
            sibling = sibling.getnext()
        if following:
            doomed.extend([el, *following])
    for el in doomed:
        drop_tree(el)


# Text placed off-screen is never meant to be read (hidden link spam); display:none is not
# matched, since tabs, accordions and slideshows reveal such content on a click.
_HIDDEN_STYLE = re.compile(r"visibility\s*:\s*hidden|(?:left|top)\s*:\s*-\d{3,}px", re.I)
def _is_hidden(el) -> bool:
    return el.get("hidden") is not None or bool(_HIDDEN_STYLE.search(el.get("style") or ""))


# The featured image a theme prints above the post (with its credit): not the_content.
_THUMBNAIL = re.compile(r"^(?:post-thumbnail|postthumb|wp-postthumb|featured-image|"
                        r"entry-thumbnail|post-image|td-post-featured-image)$")


def _is_thumbnail(el) -> bool:
    return any(_THUMBNAIL.match(name) for name in (el.get("class") or "").split())


def _link_share(el, length: int) -> float:
    """The share of `el`'s text that is link text."""
    return sum(len(text_content(a)) for a in el.iter("a")) / (length or 1)


def _text_length(el) -> int:
    return len(" ".join(text_content(el).split()))


def _outermost(found: list) -> list:
    """Matches not nested in another match (`.entry` inside `.entry-content`)."""
    chosen = set(found)
    return [el for el in found if not any(a in chosen for a in el.iterancestors())]


def _best_block(index: PageIndex):
    """The element holding the most paragraph text (a small readability-style scorer): each
    paragraph adds its length, less its linked part, to its parent and half to the grandparent.
    For pages whose theme follows no convention, and to check that a rule's match is the post."""
    scores: dict = {}
    for p in (*index.tag("p"), *index.tag("pre"), *index.tag("td")):
        text = " ".join(text_content(p).split())
        if len(text) < 25 or index.in_comments(p):
            continue
        linked = sum(len(text_content(a)) for a in p.iter("a"))
        value = max(0.0, len(text) - 2 * linked) + 10 * text.count(",")
        parent = p.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + value
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + value / 2
    # The best block that is not inside a cookie banner, a modal or a widget.
    for block in sorted(scores, key=scores.get, reverse=True)[:5]:
        if not any(_is_noise(a, _STRONG_NOISE) for a in (block, *block.iterancestors())
                   if a.tag not in ("body", "html")):
            return block, scores[block]
    return None, 0.0


def _matches(index: PageIndex, names: tuple[str, ...]) -> list:
    """Elements with one of the class names, or a prefixed form of a two-part one
    ("gp-entry-content", "td-post-content": themes namespace the WordPress names)."""
    if names[0].startswith("itemprop:"):
        return index.by_itemprop.get(names[0].split(":", 1)[1], [])
    suffixes = tuple(sep + name for name in names if "-" in name for sep in "-_")
    prefixed = [key for key in index.by_class if key.endswith(suffixes)]
    return index.classes(*names, *prefixed)


def find_main_content(doc, index: PageIndex | None = None):
    """(rule name, element) of the post body in the parsed page `doc`, noise removed.

    The first rule whose outermost match holding the most text outside comments holds a fair
    share of the page's paragraph text wins; else the paragraph scorer's best block
    (`density`), else the body (`fallback`).
    """
    index = index or PageIndex(doc)
    best, _ = _best_block(index)
    best_len = _text_length(best) if best is not None else 0
    for name, names in CONTENT_RULES:
        found = [el for el in _outermost(_matches(index, names)) if not index.in_comments(el)]
        if not found:
            continue
        lengths = [_text_length(el) for el in found]
        root = found[lengths.index(max(lengths))]
        # A match far shorter than the densest block is a teaser or a card, not the post.
        if best is not None and max(lengths) < 0.3 * best_len and not _contains(root, best):
            continue
        remove_noise(root, titles=page_titles(index))
        _add_lead(index, root)
        return name, root
    if best is not None:
        root = _widen(best)
        remove_noise(root, whole_article=root.tag == "article", titles=page_titles(index))
        _add_lead(index, root)
        return "density", root
    bodies = index.tag("body")
    root = bodies[0] if bodies else doc
    remove_noise(root, whole_article=True, titles=page_titles(index))
    return "fallback", root


def _contains(outer, inner) -> bool:
    return outer is inner or any(a is outer for a in inner.iterancestors())


def _widen(block):
    """The scorer's block, or the `article` right around it (its images and lists are the post's
    too) when that article is a single post's, not a page-wide wrapper."""
    for a in block.iterancestors():
        if a.tag == "article":
            return a if len(list(a.iter("h1"))) <= 1 else block
        if a.tag in ("body", "main"):
            break
    return block



# The lead (standfirst, excerpt, summary) a theme prints between the post's title and its body,
# from the post's excerpt field: part of the article as the reader sees it. Recognised by its
# class ("entry-summary", "td-post-sub-title", "uk-text-lead", "sommario", ...) or as the
# paragraph right after the title in the title's own block.
_LEAD_PARTS = frozenset({"lead", "excerpt", "teaser", "standfirst", "subtitle", "subheadline",
                         "sommario", "chapo", "chapeau", "dek"})
_LEAD_NAMES = frozenset({"entry-summary", "post-summary", "article-summary", "sub-title",
                         "post-intro", "article-intro", "entry-intro"})


@lru_cache(maxsize=4096)
def _is_lead_name(name: str) -> bool:
    lowered = name.lower()
    if lowered in _LEAD_NAMES:
        return True
    parts = re.split(r"[-_]+", lowered)
    return (any(part in _LEAD_PARTS for part in parts)
            or any(f"{a}-{b}" in _LEAD_NAMES for a, b in zip(parts, parts[1:], strict=False)))


def _position(index: PageIndex, el) -> int | None:
    """Document position of `el`, or of its first indexed descendant."""
    for node in el.iter():
        if node in index.position:
            return index.position[node]
    return None


def _find_lead(index: PageIndex, root):
    """The lead printed between the post's title (the last h1 before the content) and the
    content, or None."""
    start = _position(index, root)
    if start is None:
        return None
    h1s = [h for h in index.tag("h1") if index.position[h] < start and not _contains(h, root)]
    if not h1s:
        return None
    title = h1s[-1]
    after = index.position[title]
    candidates = []
    classed = index.classed  # in document order
    first = bisect_right(classed, after, key=index.position.__getitem__)
    for el in classed[first:]:
        if index.position[el] >= start:
            break
        names = (el.get("class") or "").split()
        if any(_is_lead_name(n) and len(index.by_class.get(n, ())) == 1 for n in names):
            candidates.append(el)
    following = title.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    if following is not None and following.tag == "p" and not following.get("class"):
        # Unnamed, it must read as a sentence or two of prose, not a byline ("Posted on
        # October 21, 2015 by ..."): no links, twelve words or more, a full stop at the end.
        text = text_content(following).strip()
        if (len(text.split()) >= 12 and text[-1:] in ".!?…"
                and following.find(".//a") is None):
            candidates.append(following)
    for el in candidates:
        if _contains(el, root) or any(True for _ in el.iter("h1", "h2", "form", "time")):
            continue
        text = " ".join(text_content(el).split())
        if len(text.split()) < 8 or _link_share(el, len(text)) > 0.3 or index.in_comments(el):
            continue
        if any(_is_noise(a, _STRONG_NOISE) or a.tag in ("nav", "aside", "footer")
               for a in (el, *el.iterancestors()) if a.tag not in ("body", "html")):
            continue
        if text[:60].casefold() in " ".join(text_content(root).split()).casefold():
            continue  # the content opens with it already
        return el
    return None


def _add_lead(index: PageIndex, root) -> None:
    lead = _find_lead(index, root)
    if lead is not None:
        copy = deepcopy(lead)
        copy.tail = None
        root.insert(0, copy)
        copy.tail = root.text
        root.text = None
