"""The paragraph scorer: the element holding the most paragraph text, for pages whose theme
follows no naming convention, and to check that a named rule's match is the post (a small
readability-style scorer)."""

from __future__ import annotations

from blogcrawler.extraction.index import text_content
from blogcrawler.extraction.rules import DEFAULT_RULES, Rules
from blogcrawler.extraction.vocabulary import COMMENT_NAMES, STRONG_NOISE, is_noise

FOOTER = frozenset({"footer"})

# Inline elements whose text is part of a line of a <br>-separated text block.
_INLINE = frozenset({"a", "b", "strong", "em", "i", "u", "span", "font", "small", "sup", "sub",
                     "mark", "abbr", "code", "q", "cite"})


def comment_blocks(index) -> set:
    """The page's comment sections and reply forms."""
    return index.memo("comment_blocks", lambda: {
        el for name in COMMENT_NAMES
        for el in (*index.by_class.get(name, ()), *index.by_id.get(name, ()))})


def in_comments(index, el) -> bool:
    blocks = comment_blocks(index)
    return bool(blocks) and any(a in blocks for a in el.iterancestors())


def _br_text(block) -> tuple[str, int]:
    """(text, linked characters) of a block's own lines: its text, its inline children's and
    the text after each child, without nested blocks'."""
    parts = [block.text or ""]
    linked = 0
    for child in block:
        if isinstance(child.tag, str) and child.tag in _INLINE:
            value = text_content(child)
            parts.append(value)
            if child.tag == "a":
                linked += len(value)
            else:
                linked += sum(len(text_content(a)) for a in child.iter("a"))
        parts.append(child.tail or "")
    return " ".join(" ".join(parts).split()), linked


def _text_blocks(index, rules: Rules):
    """(element, text, linked characters, whether it holds its own lines) of each
    paragraph-like block outside comments: paragraphs (<p>, <pre>, <td>), then <br> blocks."""
    # The paragraphs of the comment sections, gathered once (a walk up from every paragraph
    # of the page costs more).
    in_comment_blocks = {p for block in comment_blocks(index) for p in block.iter("p", "pre", "td")}
    for p in (*index.tag("p"), *index.tag("pre"), *index.tag("td")):
        raw = text_content(p)
        if len(raw) < 25 or p in in_comment_blocks:
            continue  # (collapsing whitespace never lengthens a text)
        text = " ".join(raw.split())
        if len(text) >= 25:
            linked = 0
            for a in p.iter("a"):
                linked += len(text_content(a))
            yield p, text, linked, False
    if rules.br_text:
        # Text split into lines by <br> with no <p> (old editors, some page builders).
        seen = set()
        for br in index.tag("br"):
            block = br.getparent()
            if block is None or block in seen or block.tag in _NOT_LINES_BLOCKS:
                continue
            seen.add(block)
            if sum(1 for child in block if child.tag == "br") < 2:
                continue  # one line break in a caption or a credit is not a text laid out in lines
            text, linked = _br_text(block)
            if len(text) >= 25 and not in_comments(index, block):
                yield block, text, linked, True


# Blocks whose <br>s do not lay text out in lines of a post: paragraph-like blocks are scored
# as such, and a list or table holding bare text and <br>s is broken markup (a plugin's PHP
# warnings printed into a widget's <ul>).
_NOT_LINES_BLOCKS = frozenset({"p", "pre", "td", "li", "ul", "ol", "dl", "table", "tbody", "tr",
                               "select", "form", "a"})


class Scores:
    """The paragraph scores of a page: per block (its paragraphs' values, half its
    grandchildren's), and per subtree (computed when widening asks: every paragraph below an
    element that is not inside a noise-named block, and every paragraph below it)."""

    def __init__(self, index, rules: Rules):
        self.block: dict = {}
        self.paragraphs: list = []  # (element, value)
        block, paragraphs = self.block, self.paragraphs
        for p, text, linked, own in _text_blocks(index, rules):
            value = max(0.0, len(text) - 2 * linked) + 10 * text.count(",")
            parent = p if own else p.getparent()  # a <br> block holds its own lines
            if parent is None:
                continue
            paragraphs.append((p, value))
            block[parent] = block.get(parent, 0) + value
            grand = parent.getparent()
            if grand is not None:
                block[grand] = block.get(grand, 0) + value / 2
        self._subtree = self._everything = None
        self.rules = rules

    def _sum_subtrees(self) -> None:
        self._subtree, self._everything = {}, {}
        noisy: dict = {}
        for p, value in self.paragraphs:
            clean = True
            for a in (p, *p.iterancestors()):
                if clean:
                    if a not in noisy:
                        noisy[a] = (a is not p and a.tag not in ("body", "html")
                                    and is_noise(a, builders=self.rules.builder_names))
                    clean = not noisy[a]
                if clean:
                    self._subtree[a] = self._subtree.get(a, 0) + value
                self._everything[a] = self._everything.get(a, 0) + value

    @property
    def subtree(self) -> dict:
        if self._subtree is None:
            self._sum_subtrees()
        return self._subtree

    @property
    def everything(self) -> dict:
        if self._everything is None:
            self._sum_subtrees()
        return self._everything


def best_block(index, rules: Rules = DEFAULT_RULES):
    """(element, score) of the block holding the most paragraph text: each paragraph adds its
    length, less twice its linked part, and ten per comma, to its parent and half to the
    grandparent. (None, 0.0) when the page has no paragraph."""
    scores = index.memo(("scores", rules.br_text), lambda: Scores(index, rules))
    # The best block that is not inside a cookie banner, a modal, a widget or a footer.
    builders = rules.builder_names
    for block in sorted(scores.block, key=scores.block.get, reverse=True)[:5]:
        if not any(is_noise(a, STRONG_NOISE, builders) or a.tag == "footer"
                   or is_noise(a, FOOTER, builders)
                   for a in (block, *block.iterancestors()) if a.tag not in ("body", "html")):
            return block, scores.block[block]
    return None, 0.0


# How much more paragraph text a block's parent must hold for the post to be taken as spread
# over the parent's children (Rules.widen).
WIDEN_RATIO = 1.5


def widen(index, block, rules: Rules = DEFAULT_RULES, limit=None):
    """The block, or the ancestor its post continues in: page builders and block themes print
    one post as several sibling sections (ACF flexible content, Beaver Builder modules, one
    `post__content` per section), and the best single section is then a part of the post. An
    ancestor is taken while it holds WIDEN_RATIO times the paragraph text of the block, counting
    no paragraph inside a noise-named block (sidebars, related posts, comments), and never
    above `limit` when given."""
    if not rules.widen:
        return block
    scores = index.memo(("scores", rules.br_text), lambda: Scores(index, rules))
    node = block
    for ancestor in block.iterancestors():
        if ancestor.tag in ("body", "html"):
            break
        if limit is not None and not any(a is limit for a in (ancestor, *ancestor.iterancestors())):
            break
        # Wrappers holding nothing more are passed over: the lowest ancestor that gathers the
        # other sections is the post.
        if scores.subtree.get(ancestor, 0) >= WIDEN_RATIO * max(scores.everything.get(node, 0),
                                                                 1):
            node = ancestor
    return node
