"""The post's edges: lines at the start or end of the body that are not the post's text though
no class names them.

- Labelled lines: what a theme, a plugin or the author writes above or below the post under a
  label ("Tags: ...", "Filed under: ...", "Photo credit: ...", "Quelle: ...", "Last updated
  on ..."): the post's metadata and credits (Rules.labelled_lines).
- Trailing headings, bare links and highlighted boxes: a post ends with its text. A heading with
  nothing after it titled a block that is not there (a widget's title, "Keine Lust alleine zu
  radeln?" over a booking form), lines that are nothing but links at the very end point away
  from the post ("Bilder des Treffens", a related-posts list without its plugin's markup), and
  a box the block editor highlights at the very end is a call to action (Rules.trailing_lines).
"""

from __future__ import annotations

import re
from itertools import islice

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
_LINE_TAGS = frozenset((*_LINE_BLOCKS, *_INLINE_LINES))
_BLOCKISH = frozenset((*_LINE_BLOCKS, "ul", "ol", "dl", "table", "tbody", "tr", "figure",
                       "article", "main", "aside", "nav", "form"))
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_WORD = re.compile(r"\w")
# How many lines at each end of the body are looked at, and how long a line may be.
EDGE_LINES = 3
MAX_WORDS = 40
MAX_TITLE_WORDS = 12


class _Lines:
    """The body's lines, read from either end on demand: blocks with no block inside, and inline
    elements beside blocks, that hold text. (Only the lines at the ends are read: a body has
    hundreds.)"""

    def __init__(self, root):
        self.root = root
        self._holds_block: dict = {}

    def _has_block(self, el) -> bool:
        if el not in self._holds_block:
            self._holds_block[el] = any(child.tag in _BLOCKISH for child in el)
        return self._holds_block[el]

    def _is_line(self, el) -> bool:
        if el is self.root or el.getparent() is None or self._has_block(el):
            return False
        if el.tag in _INLINE_LINES and not self._has_block(el.getparent()):
            return False  # inside a line
        return _has_text(el)

    def forward(self):
        # A plain iter() tested per element: asking lxml to match some twenty tags costs more
        # than the few elements read before the first lines.
        return (el for el in self.root.iter() if el.tag in _LINE_TAGS and self._is_line(el))

    def backward(self):
        return (el for el in _reverse_document_order(self.root)
                if el.tag in _LINE_TAGS and self._is_line(el))


def _reverse_document_order(root):
    """The elements of `root`, the last first (document order reversed, lazily: only the lines
    at the end are read). What comes before an element is its previous sibling's last
    descendant, else its parent."""
    node = _last_descendant(root)
    while node is not root:
        # The next one is found before `node` is handed out: the reader may remove it.
        previous = node.getprevious()
        following = _last_descendant(previous) if previous is not None else node.getparent()
        yield node
        node = following


def _last_descendant(el):
    while len(el):
        el = el[-1]
    return el


def _has_text(el) -> bool:
    return bool(_WORD.search(text_content(el)))


def remove_edge_lines(root, rules: Rules = DEFAULT_RULES) -> None:
    """Remove, in place, the labelled lines among the first and last EDGE_LINES lines, then the
    trailing headings and bare links."""
    if not (rules.labelled_lines or rules.trailing_lines):
        return
    lines = _Lines(root)
    first = list(islice(lines.forward(), EDGE_LINES))
    if rules.labelled_lines:
        last = [el for el in islice(lines.backward(), EDGE_LINES) if el not in first]
        for el in (*first, *last):
            text = text_content(el)
            if len(text) > 20 * MAX_WORDS:
                continue  # far longer than a labelled line
            text = " ".join(text.split())
            if len(text.split()) <= MAX_WORDS and _LABEL.match(text):
                drop_tree(el)
    if rules.trailing_lines and first:
        opening = next(lines.forward(), None)
        for el in lines.backward():
            if el is opening:
                break
            if not _followed_by_text(root, el) and (_title_like(el) or _bare_links(el)
                                                     or _highlighted(root, el)):
                drop_tree(el)
            else:
                break


def _highlighted(root, el) -> bool:
    """Whether the line is in a box the block editor highlights (`has-background`): ending the
    post, such a box asks the reader for something ("Gefällt dir unser Magazin? Unterstütze
    uns", "Your donations play a part")."""
    for a in (el, *el.iterancestors()):
        if a is root:
            return False
        if "has-background" in (a.get("class") or "").split():
            return True
    return False


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
