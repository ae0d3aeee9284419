"""The element index: one walk over a parsed page, so that every rule looks elements up instead
of walking the whole tree again (an XPath or CSS query costs a full traversal each, ~0.3-1 ms on
a shared 2-core machine, and extraction has a 5 ms budget). Plus the small tree helpers every
rule shares.

The index describes the page as parsed: build it, read what must be read from the untouched
page (title, dates, comments), and only then let noise removal change the tree in place.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree


def text_content(el) -> str:
    """All the text inside `el` (XPath's string(), but serialised by libxml2 without an XPath
    evaluation: a third of its cost, and asked for thousands of times per page)."""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


class PageIndex:
    """Elements of a page by tag (the few tags rules ask for), class, id, itemprop and rel,
    and each indexed element's position in document order."""

    TAGS = frozenset({"time", "meta", "script", "link", "title", "h1", "h2", "article", "p",
                      "pre", "td", "abbr", "body", "br", "main"})

    def __init__(self, doc):
        self.doc = doc
        self.by_class: dict[str, list] = {}
        self.by_tag: dict[str, list] = {name: [] for name in self.TAGS}
        self.by_itemprop: dict[str, list] = {}
        self.by_rel: dict[str, list] = {}
        self.by_id: dict[str, list] = {}
        self.classed: list = []  # every element with a class, in document order
        self.position: dict = {}
        by_tag, by_class, position = self.by_tag, self.by_class, self.position
        classed, by_id, by_itemprop, by_rel = self.classed, self.by_id, self.by_itemprop, self.by_rel
        tag_list, class_list = by_tag.get, by_class.get
        # A plain walk: lxml's iter() is several times cheaper than an XPath selecting the same
        # elements. One keys() call says which attributes an element has (most have none or
        # only a class): cheaper than a get() per attribute, and than items().
        for number, el in enumerate(doc.iter()):
            found = tag_list(el.tag)
            if found is not None:
                found.append(el)
                position[el] = number
            keys = el.keys()  # (a comment or processing instruction has none)
            if not keys:
                continue
            get = el.get
            if "class" in keys:
                value = get("class")
                if value:
                    classed.append(el)
                    position[el] = number
                    for word in value.split():
                        found = class_list(word)
                        if found is None:
                            by_class[word] = [el]
                        else:
                            found.append(el)
                if len(keys) == 1:
                    continue
            if "id" in keys:
                by_id.setdefault(get("id"), []).append(el)
            if "itemprop" in keys:
                by_itemprop.setdefault(get("itemprop"), []).append(el)
            if "rel" in keys:
                for word in get("rel").lower().split():
                    by_rel.setdefault(word, []).append(el)
        self._cache: dict = {}

    def tag(self, name: str) -> list:
        return self.by_tag[name]

    def classes(self, *names: str) -> list:
        """Elements with any of the class names, in document order."""
        if len(names) == 1:
            return self.by_class.get(names[0], [])
        found = {el for name in names for el in self.by_class.get(name, [])}
        return sorted(found, key=self.position.__getitem__)

    def first_position(self, el) -> int | None:
        """Document position of `el`, or of its first indexed descendant."""
        for node in el.iter():
            if node in self.position:
                return self.position[node]
        return None

    def memo(self, key, compute):
        """A value computed once per page (what several rules ask for)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]


def has_ancestor(el, *classes: str, tag: str | None = None) -> bool:
    """Whether an ancestor of `el` carries all `classes` (and is a `tag`, when given)."""
    for a in el.iterancestors():
        if tag is not None and a.tag != tag:
            continue
        names = (a.get("class") or "").split()
        if all(c in names for c in classes):
            return True
    return False


def contains(outer, inner) -> bool:
    """Whether `inner` is `outer` or inside it."""
    return outer is inner or any(a is outer for a in inner.iterancestors())


def names_of(el) -> list[str]:
    """The element's class tokens and id."""
    names = (el.get("class") or "").split()
    value = el.get("id")
    return [*names, value] if value else names


_CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=8192)
def name_parts(name: str) -> tuple[str, ...]:
    """A class or id split into its lower-case words: "entry__content", "et_pb_post_content",
    "entryContent" and "entry-content" all end in ("entry", "content"), since themes write
    WordPress's names in BEM, page-builder and camel-case spellings."""
    spaced = _CAMEL_HUMP.sub("-", name) if not name.islower() else name
    return tuple(part for part in _NOT_ALNUM.split(spaced.lower()) if part)


_SPACES = re.compile(r"\s+")


def collapse_space(text: str) -> str:
    """Whitespace runs as one space, stripped."""
    return _SPACES.sub(" ", text).strip()


def text_length(el) -> int:
    """Characters of the element's text (libxml2 serialises it into one buffer: far cheaper than
    a Python walk of its text nodes, and at most the text's size again in memory)."""
    return len(text_content(el))


_COLLAPSED_LENGTH = etree.XPath("string-length(normalize-space(.))")


def collapsed_length(el) -> int:
    """Characters of the element's text, whitespace runs counted as one (computed by libxml2:
    no Python copy of the text)."""
    return int(_COLLAPSED_LENGTH(el))


def text_start(el, limit: int) -> str:
    """The first `limit` or so characters of the element's text."""
    parts, size = [], 0
    for text in el.itertext():
        parts.append(text)
        size += len(text)
        if size >= limit:
            break
    return "".join(parts)[:limit]


def normal_text(text: str) -> str:
    """Whitespace collapsed and case folded, to compare a text with a title."""
    return collapse_space(text).casefold()


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


def unwrap(el) -> None:
    """Replace `el` by its children and text (a wrapper whose tag is noise, but not its content)."""
    parent = el.getparent()
    if parent is None:
        return
    index = parent.index(el)
    children = list(el)
    text, tail = el.text or "", el.tail or ""
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + text
    parent.remove(el)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    if tail:
        if children:
            children[-1].tail = (children[-1].tail or "") + tail
        elif index == 0:
            parent.text = (parent.text or "") + tail
        else:
            previous = parent[index - 1]
            previous.tail = (previous.tail or "") + tail
