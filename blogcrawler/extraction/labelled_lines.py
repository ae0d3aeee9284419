"""Labelled lines at the post's edges: what a theme, a plugin or the author writes above or below
the post under a label ("Tags: ...", "Filed under: ...", "Photo credit: ...", "Quelle: ...",
"Last updated on ..."), as plain text where a theme would have named the block. The post's
metadata and credits, not its words (Rules.labelled_lines)."""

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
_LINE_TAGS = ("p", "div", "span", "li", "h2", "h3", "h4", "h5", "h6", "footer", "section",
              "small", "em")
_BLOCK_CHILD = frozenset({"p", "div", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "table",
                          "blockquote", "figure", "section", "footer", "pre"})
_WORD = re.compile(r"\w")
# How many lines at each end of the body are looked at, and how long a line may be.
EDGE_LINES = 3
MAX_WORDS = 40


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


def remove_labelled_lines(root, rules: Rules = DEFAULT_RULES) -> None:
    """Remove, in place, the labelled lines among the first and last EDGE_LINES lines."""
    if not rules.labelled_lines:
        return
    lines = _lines(root)
    edges = lines[:EDGE_LINES] + lines[max(EDGE_LINES, len(lines) - EDGE_LINES):]
    for el in edges:
        text = " ".join(text_content(el).split())
        if len(text.split()) <= MAX_WORDS and _LABEL.match(text):
            drop_tree(el)
