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
# Blocks a line is printed in.
_LINE_TAGS = ("p", "div", "span", "li", "h1", "h2", "h3", "h4", "h5", "h6", "footer",
              "section", "small", "em", "figcaption", "td", "th", "dt", "dd", "pre", "blockquote",
              "caption", "header", "strong", "b", "a")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCK_CHILD = frozenset({"p", "div", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "table",
                          "blockquote", "figure", "section", "footer", "pre"})
_WORD = re.compile(r"\w")
# How many lines at each end of the body are looked at, and how long a line may be.
EDGE_LINES = 3
MAX_WORDS = 40
MAX_TITLE_WORDS = 12


def _lines(root) -> list:
    """The body's lines in document order: blocks holding text and no nested block."""
    found = []
    for el in root.iter(*_LINE_TAGS):
        if el is root or any(child.tag in _BLOCK_CHILD for child in el.iterchildren()):
            continue
        if any(a in found for a in el.iterancestors() if a is not root):
            continue  # a span inside a line already found
        if _WORD.search(text_content(el)):
            found.append(el)
    return found


def remove_edge_lines(root, rules: Rules = DEFAULT_RULES) -> None:
    """Remove, in place, the labelled lines among the first and last EDGE_LINES lines, then the
    trailing headings and bare links."""
    if not (rules.labelled_lines or rules.trailing_lines):
        return
    lines = _lines(root)
    if rules.labelled_lines:
        edges = lines[:EDGE_LINES] + lines[max(EDGE_LINES, len(lines) - EDGE_LINES):]
        for el in edges:
            text = " ".join(text_content(el).split())
            if len(text.split()) <= MAX_WORDS and _LABEL.match(text):
                drop_tree(el)
                lines.remove(el)
    if rules.trailing_lines:
        for el in reversed(lines[1:]):
            if not _followed_by_text(root, el) and (_title_like(el) or _bare_links(el)):
                drop_tree(el)
            else:
                break


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
