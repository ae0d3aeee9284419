"""Link lines: the lists of links to other posts that an author or a plugin puts inside the post
("Read more:", "Related", "See also", previous/next post), a one-link line asking the reader to
subscribe, and an affiliate disclosure. Not the post's own words."""

from __future__ import annotations

import re

from lxml import etree

from blogcrawler.extraction.index import contains, drop_tree, text_content
from blogcrawler.extraction.rules import DEFAULT_RULES, Rules

# What an author or a plugin writes above a list of links to other posts, in the languages of
# the corpus. Matched against the whole text of the label (a heading, a bold line, the start of
# a paragraph), not against prose.
_READ_MORE_LABEL = re.compile(
    r"^\W*(?:read(?: (?:more|also|next)|\s*:)|also read|more reading|further reading|related"
    r"(?: (?:posts?|articles?|stories|reading|content|links))?|see also|more on this(?: topic)?"
    r"|you (?:may|might) also (?:like|enjoy)|recommended reading"
    r"|weiterlesen|mehr lesen|lesen sie auch|lies auch|siehe auch|mehr zum thema"
    r"|(?:verwandte|ähnliche|weitere) (?:artikel|beiträge)|auch interessant"
    r"|(?:das|dies(?:e[rs]?)?(?: (?:artikel|beiträge?))?) könnten? (?:dich|euch|sie) auch"
    r" interessieren"
    r"|(?:à )?lire aussi|voir aussi|leggi anche|vedi anche|lee también|ver también)\W*$",
    re.IGNORECASE)
BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "h2", "h3", "h4", "h5", "h6", "section"})
_LINE_BLOCKS = frozenset({"p", "div", "li", "h2", "h3", "h4", "h5", "h6"})
_WORD = re.compile(r"\w")
# A line that is one link asking the reader to subscribe ("Click here to subscribe to our
# newsletter"): a subscription box without the plugin's markup.
_SUBSCRIBE = re.compile(r"\b(?:subscribe|newsletter|sign up|abonnieren|abonnez|iscriviti)",
                        re.IGNORECASE)
# An affiliate disclosure: a whole paragraph in italics (or small print) saying the site earns
# a commission on what readers buy through its links, as deal and review posts end.
_DISCLOSURE = re.compile(r"\b(?:commissions?|affiliate[- ]links?|affiliate partners?"
                         r"|partnerlinks?|provisionslinks?)\b", re.IGNORECASE)


def link_share(el, length: int) -> float:
    """The share of `el`'s text (of `length` characters) that is link text."""
    return sum(len(text_content(a)) for a in el.iter("a")) / (length or 1)


def outside_links(el, limit: int = 200) -> str:
    """The text of `el` that is not inside a link (script and style left out), or its first
    `limit` characters and more: a walk that stops early, since every block is asked (and an
    iterative one, since markup can nest thousands deep)."""
    if el.tag == "a":
        return ""
    parts: list[str] = []
    size = 0
    walker = etree.iterwalk(el, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if size > limit:
            break
        if event == "start":
            if node is not el and node.tag in ("a", "script", "style"):
                walker.skip_subtree()
            elif node.text:
                parts.append(node.text)
                size += len(node.text.strip())
            continue
        if node is not el and node.tail:
            parts.append(node.tail)
            size += len(node.tail.strip())
    return " ".join(parts)


def _link_only(el) -> bool:
    """Whether every word of `el` is link text, and it has some."""
    return (el.tag in BLOCKS and not _WORD.search(outside_links(el))
            and any(_WORD.search(text_content(a)) for a in el.iter("a")))


def _is_disclosure(el) -> bool:
    if el.tag != "p" or (el.text and _WORD.search(el.text)):
        return False  # (text before its child: not one italic child; asked of every paragraph)
    children = [c for c in el if isinstance(c.tag, str)]
    if (len(children) != 1 or children[0].tag not in ("em", "i", "small")
            or _WORD.search((el.text or "") + (children[0].tail or ""))):
        return False
    return bool(_DISCLOSURE.search(text_content(el)))


def _rel_nav(a) -> bool:
    return bool({"next", "prev"} & set((a.get("rel") or "").split()))


def _navigation_blocks(root) -> set:
    """The blocks holding a "Previous post: <a rel=prev> / Next post: <a rel=next>" line and
    little else (at most three words outside the links per link)."""
    found = set()
    for a in root.iter("a"):
        if not _rel_nav(a):
            continue
        block = a.getparent()
        while block is not None and block.tag not in _LINE_BLOCKS:
            block = block.getparent()
        if block is None or block is root or not contains(root, block):
            continue
        links = sum(1 for x in block.iter("a") if _rel_nav(x))
        if len(outside_links(block).split()) <= 3 * links:
            found.add(block)
    return found


def remove_link_lines(root, rules: Rules = DEFAULT_RULES) -> None:
    """Remove, in place, the link lines the rules name (see the module's docstring)."""
    doomed = []
    navigation = _navigation_blocks(root) if rules.link_lines else set()
    disclosures = rules.disclosures
    for el in root.iter(*_LINE_BLOCKS):
        if el is root or (doomed and any(el is d or contains(d, el) for d in doomed[-3:])):
            continue
        if el in navigation or (disclosures and el.tag == "p" and _is_disclosure(el)):
            doomed.append(el)
            continue
        text = el.text
        if text and len(text) > 100 and len(text.strip()) > 100:
            continue  # opens with prose: no label (and no walk of its text)
        following = el.getnext()
        if next(el.iter("a"), None) is None and (
                following is None or next(following.iter("a"), None) is None):
            continue  # no link in it or after it: neither a link line nor a label of one
        label = " ".join(outside_links(el, 100).split())
        if len(label) > 100:
            continue
        if not _WORD.search(label):
            if (rules.subscribe_lines and _link_only(el)
                    and _SUBSCRIBE.search(text_content(el))):
                doomed.append(el)
            continue
        if not rules.link_lines or not _READ_MORE_LABEL.match(label):
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
