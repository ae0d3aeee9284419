"""Choosing the post body: the WordPress naming conventions first, checked against the
paragraph scorer, else the scorer's block, else the page's body."""

from __future__ import annotations

from blogcrawler.extraction.index import collapsed_length, contains, name_parts
from blogcrawler.extraction.lead import add_lead
from blogcrawler.extraction.noise import page_titles, remove_noise
from blogcrawler.extraction.rules import DEFAULT_RULES, Rules
from blogcrawler.extraction.scorer import best_block, comment_blocks, in_comments, widen
from blogcrawler.extraction.vocabulary import names_teaser

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


def _matches(index, names: tuple[str, ...], rules: Rules) -> list:
    """Elements with one of the class names, or a namespaced form of a two-word one
    ("gp-entry-content", "td-post-content"), in document order. With Rules.spelled_names, any
    spelling of the words counts too ("entry__content", "et_pb_post_content")."""
    if names[0].startswith("itemprop:"):
        return index.by_itemprop.get(names[0].split(":", 1)[1], [])
    if rules.spelled_names:
        endings = index.memo("class_endings", lambda: _class_endings(index))
        extra = [key for name in names if len(name_parts(name)) > 1
                 for key in endings.get(name_parts(name), ())]
    else:
        suffixes = tuple(sep + name for name in names if "-" in name for sep in "-_")
        extra = [key for key in index.by_class if key.endswith(suffixes)]
    return index.classes(*names, *extra)


_LAST_WORDS = tuple({name.split("-")[-1].split("_")[-1].lower()
                     for _, names in CONTENT_RULES for name in names})


def _class_endings(index) -> dict[tuple[str, ...], list[str]]:
    """The page's class names by their last two and three words, once per page."""
    endings: dict[tuple[str, ...], list[str]] = {}
    for key in index.by_class:
        if not key.lower().endswith(_LAST_WORDS):
            continue  # most class names end in no rule's last word: skip splitting them
        parts = name_parts(key)
        for size in (2, 3):
            if len(parts) >= size:
                endings.setdefault(parts[-size:], []).append(key)
    return endings


def _common_ancestor(elements: list):
    """The lowest element holding all `elements`."""
    chain = [elements[0], *elements[0].iterancestors()]
    for el in elements[1:]:
        ancestors = {el, *el.iterancestors()}
        chain = [a for a in chain if a in ancestors]
    return chain[0] if chain else None


def _outermost(found: list) -> list:
    """Matches not nested in another match (`.entry` inside `.entry-content`)."""
    chosen = set(found)
    return [el for el in found if not any(a in chosen for a in el.iterancestors())]


def _text_length(el) -> int:
    """Characters of the element's text, whitespace collapsed (without a list of its words)."""
    return collapsed_length(el)


def _shows_other_posts(index, el) -> bool:
    """A content-named block inside a comment, a widget, a teaser or a related-posts block
    (Rules.skip_teaser_matches). A block so named that holds the page's h1 is a layout
    wrapper ("is-style-sidebar" columns around the post), not such a block."""
    if names_teaser(el):
        return True
    for a in el.iterancestors():
        if a.tag in ("body", "html"):
            break
        if ((a.tag == "aside" or names_teaser(a))
                and not any(contains(a, h1) for h1 in index.tag("h1"))):
            return True
    return False


def _widen(block):
    """The scorer's block, or the `article` right around it (its images and lists are the post's
    too) when that article is a single post's, not a page-wide wrapper."""
    for a in block.iterancestors():
        if a.tag == "article":
            return a if len(list(a.iter("h1"))) <= 1 else block
        if a.tag in ("body", "main"):
            break
    return block


def find_main_content(index, rules: Rules = DEFAULT_RULES, post_url: str | None = None):
    """(rule name, element) of the post body in the indexed page, noise removed in place.
    `post_url` is the post's own URL (its title may be printed inside the body as a link to it).

    The first rule whose outermost match holding the most text outside comments holds a fair
    share of the page's paragraph text wins; else the paragraph scorer's best block
    (`density`), else the body (`fallback`). This changes the tree: read anything else from
    the page first.
    """
    best, _ = best_block(index, rules)
    best_len = _text_length(best) if best is not None else 0
    titles = page_titles(index)
    permalink = post_url if rules.own_title_links else None
    comment_blocks(index)  # before the tree changes
    for name, names in CONTENT_RULES:
        found = [el for el in _outermost(_matches(index, names, rules))
                 if not in_comments(index, el)]
        if rules.skip_teaser_matches:
            found = [el for el in found if not _shows_other_posts(index, el)]
        if not found:
            continue
        lengths = [_text_length(el) for el in found]
        root = found[lengths.index(max(lengths))]
        # A match far shorter than the densest block is a teaser or a card, not the post.
        if best is not None and max(lengths) < 0.3 * best_len and not contains(root, best):
            continue
        # A post printed as several sections named alike ("post__content" per section) is
        # taken whole, up to the sections' common ancestor; a single match is the body.
        wide = widen(index, root, rules, limit=_common_ancestor(found)) if len(found) > 1 \
            else root
        remove_noise(wide, whole_article=wide is not root, titles=titles,
                     permalink=permalink, rules=rules)
        if rules.lead:
            add_lead(index, wide, rules)
        return name, wide
    if best is not None:
        root = _widen(widen(index, best, rules))
        remove_noise(root, whole_article=root.tag == "article", titles=titles,
                     permalink=permalink, rules=rules)
        if rules.lead:
            add_lead(index, root, rules)
        return "density", root
    bodies = index.tag("body")
    root = bodies[0] if bodies else index.doc
    remove_noise(root, whole_article=True, titles=titles, permalink=permalink, rules=rules)
    return "fallback", root
