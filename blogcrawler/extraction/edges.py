"""The post's edges: lines at the start or end of the body that are not the post's text though
no class names them.

- Labelled lines: what a theme, a plugin or the author writes above or below the post under a
  label ("Tags: ...", "Filed under: ...", "Photo credit: ...", "Quelle: ...", "Last updated
  on ..."): the post's metadata and credits (Rules.labelled_lines).
- Trailing headings and bare links: a post ends with its text. A heading with nothing after it
  titled a block that is not there (a widget's title, "Keine Lust alleine zu radeln?" over a
  booking form), and lines that are nothing but links at the very end point away from the post
  ("Bilder des Treffens", a related-posts list without its plugin's markup)
  (Rules.trailing_lines).
"""

from __future__ import annotations

import re

from blogcrawler.extraction.index import drop_tree, text_content
from blogcrawler.extraction.rules import DEFAULT_RULES, Rules

# The labels, in the languages of the corpora, matched at the start of a line's text.
_LABEL = re.compile(
    r"^\W*(?:tags?|tagged(?: with)?|filed (?:under|in)|posted (?:in|under)|categor(?:y|ies)"
    r"|(?:last )?updated(?: on)?|published(?: on)?|(?:photo|image|picture|featured image|"
    r"header image|cover image)s?(?: credits?| by| source)?|credits?|sources?"
    r"|schlagw(?:ö|oe)rter|kategorien?|quellen?|bild(?:er|quellen?|nachweis)?|fotos?"
    r"|titelbild|beitragsbild|aktualisiert(?: am)?|veröffentlicht(?: am)?"
    r"|étiquettes|catégories?|crédits?(?: photo)?|mots-clés)\s*:", re.IGNORECASE)
# Blocks a line is printed in, and inline elements that are a line of their own where they sit
# beside blocks ("<div><p>...</p><small>Tags: ...</small></div>").
_LINE_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "footer", "section",
                "figcaption", "td", "th", "dt", "dd", "pre", "blockquote", "caption", "header")
_INLINE_LINES = ("span", "small", "em", "strong", "b", "i", "a")
_BLOCKISH = frozenset((*_LINE_BLOCKS, "ul", "ol", "dl", "table", "tbody", "tr", "figure",
                       "article", "main", "aside", "nav", "form"))
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_WORD = re.compile(r"\w")
# How many lines at each end of the body are looked at, and how long a line may be.
EDGE_LINES = 3
MAX_WORDS = 40
MAX_TITLE_WORDS = 12


def _candidates(root) -> list:
    """The elements that are lines if they hold text, in document order: blocks with no block
    inside, and inline elements beside blocks."""
    holds_block: dict = {}

    def has_block(el) -> bool:
        if el not in holds_block:
            holds_block[el] = any(child.tag in _BLOCKISH for child in el)
        return holds_block[el]

    found = []
    for el in root.iter(*_LINE_BLOCKS, *_INLINE_LINES):
        if el is root or has_block(el):
            continue
        if el.tag in _INLINE_LINES and not has_block(el.getparent()):
            continue  # inside a line
        found.append(el)
    return found


def _has_text(el) -> bool:
    return bool(_WORD.search(text_content(el)))


def remove_edge_lines(root, rules: Rules = DEFAULT_RULES) -> None:
    """Remove, in place, the labelled lines among the first and last EDGE_LINES lines, then the
    trailing headings and bare links. (Only the lines at the ends are read: a body has
    hundreds.)"""
    if not (rules.labelled_lines or rules.trailing_lines):
        return
    candidates = _candidates(root)
    first = [el for el in _take(candidates, EDGE_LINES)]
    last = [el for el in _take(reversed(candidates), EDGE_LINES) if el not in first]
    if rules.labelled_lines:
        for el in (*first, *last):
            text = " ".join(text_content(el).split())
            if len(text.split()) <= MAX_WORDS and _LABEL.match(text):
                drop_tree(el)
    if rules.trailing_lines and first:
        opening = first[0]
        for el in reversed(candidates):
            if el is opening:
                break
            if el.getparent() is None or not _has_text(el):
                continue  # dropped above, or empty
            if not _followed_by_text(root, el) and (_title_like(el) or _bare_links(el)):
                drop_tree(el)
            else:
                break


def _take(elements, count: int) -> list:
    """The first `count` of `elements` that hold text."""
    found = []
    for el in elements:
        if _has_text(el):
            found.append(el)
            if len(found) == count:
                break
    return found


def _title_like(el) -> bool:
    """A heading of a title's length (a post may be written in headings of sentences)."""
    return el.tag in _HEADINGS and len(text_content(el).split()) <= MAX_TITLE_WORDS


def _bare_links(el) -> bool:
    """Whether every word of the line is link text."""
    if el.tag == "a":
        return True
    links = "".join(text_content(a) for a in el.iter("a"))
    return bool(links) and len(_WORD.findall(text_content(el))) == len(_WORD.findall(links))


def _followed_by_text(root, el) -> bool:
    """Whether any text follows `el` inside `root`."""
    for node in (el, *el.iterancestors()):
        if node is root:
            return False
        if node.tail and _WORD.search(node.tail):
            return True
        for sibling in node.itersiblings():
            if (sibling.tail and _WORD.search(sibling.tail)) or _WORD.search(
                    text_content(sibling)):
                return True
    return False
