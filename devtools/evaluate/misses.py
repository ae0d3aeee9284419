"""Where the extractor's misses come from, by kind: for every page that fails a check, which
text is wrong, and what kind of block it sits in.

    python -m devtools.evaluate.misses [--corpus NAME ...] [--pages] [--kind KIND]

The page's visible text is cut into units (the own text of each block element: its text, its
inline children's, their tails), and each unit is compared with the reference (word 3-grams)
and with what `extract_post` kept (the element is still inside the chosen body after noise
removal). Then, per failing page:

- words off by more than 5% (A pages): the units that are ours but not the reference's (extra)
  or the reference's but not ours (missing), each given a kind by the class, id and tag of its
  block and ancestors (share, related, comments, author box, caption, ...) or, unnamed, by
  where it sits (before or after the post's text, inside it); the page's cause is the kind
  holding most of the error's words. Ours and the reference sharing under half the reference's
  words is "body not found".
- snippets (B pages): the block holding each `with` snippet we miss, or each `without` snippet
  we keep, given a kind the same way.
- day: where our date came from, and where the annotated day is in the page.

The table lists kinds by pages, sites and words, per corpus. Kinds name how themes and plugins
build pages, so a fix can answer a kind, not a page.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from lxml import etree

from blogcrawler.dates import find_dates
from blogcrawler.extract import post_url
from blogcrawler.extraction import DEFAULT_RULES, PageIndex, Rules, find_main_content, parse_html
from blogcrawler.extraction.index import name_parts, names_of
from blogcrawler.extraction.vocabulary import NOT_NOISE
from blogcrawler.measure import BLOCK_TAGS, SKIP_TAGS, count_words, text_of
from devtools.evaluate.corpus import (
    Page,
    annotated_day,
    available_corpora,
    load_corpus,
    normalise_space,
    score_page,
)
from devtools.evaluate.options import ours

# Kinds of block, by the words of their class and id names (first match wins, innermost block
# first). Named after what WordPress themes and plugins print.
KIND_WORDS: list[tuple[str, frozenset[str]]] = [
    ("comments", frozenset("comment comments respond disqus reply replies".split())),
    ("share", frozenset("share shares sharing sharedaddy social sociable addtoany a2a shariff "
                        "ssba shareaholic likes like facebook twitter pinterest whatsapp "
                        "linkedin sd".split())),
    ("related", frozenset("related relatedposts yarpp crp rp4wp recommended recent popular "
                          "readnext next prev previous more similar trending".split())),
    ("subscribe", frozenset("subscribe subscription newsletter mc4wp optin signup mailchimp "
                            "convertkit jetpack_subscription email".split())),
    ("cta", frozenset("cta button buttons btn promo banner callout call offer".split())),
    ("author box", frozenset("author bio authorbox about vcard avatar saboxplugin "
                             "starbox".split())),
    ("ads", frozenset("ad ads advert advertisement adsbygoogle sponsor sponsored wordads "
                      "adsense dfp".split())),
    ("caption", frozenset("caption figcaption credit credits".split())),
    ("embed", frozenset("embed tweet instagram youtube video oembed iframe".split())),
    ("toc", frozenset("toc contents lwptoc".split())),
    ("meta/byline", frozenset("meta byline posted date time tags tag categories category "
                              "cat entry-footer footer postmetadata".split())),
    ("header/title", frozenset("header title head headline heading".split())),
    ("navigation", frozenset("nav navigation pagination breadcrumb breadcrumbs".split())),
    ("sidebar/widget", frozenset("sidebar widget widgets aside secondary".split())),
]
KIND_TAGS = {"figcaption": "caption", "nav": "navigation", "aside": "sidebar/widget",
             "footer": "meta/byline", "header": "header/title", "h1": "header/title",
             "form": "subscribe", "button": "cta", "blockquote": "quote",
             "iframe": "embed", "table": "table", "li": "list", "ul": "list", "ol": "list",
             "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading",
             "h6": "heading", "pre": "code", "code": "code"}

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text.replace("\u00ad", "")).casefold())


def shingles(words: list[str], size: int = 3) -> set[tuple[str, ...]]:
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


@dataclass
class Unit:
    """The own text of one block element."""

    element: object
    text: str
    words: int
    position: int
    in_ours: bool = False
    in_ref: bool = False


@dataclass
class Attribution:
    kind: str
    words: int
    example: str


@dataclass
class PageMisses:
    page: Page
    checks: dict[str, bool]
    extractor: str
    causes: dict[str, list[Attribution]] = field(default_factory=dict)  # check -> causes


def _own_text(block) -> str:
    """The block's text, its inline descendants' and their tails, without nested blocks'."""
    parts = []
    walker = etree.iterwalk(block, events=("start", "end"))
    for event, el in walker:
        if el is block:
            if event == "start":
                parts.append(block.text or "")
            continue
        if event == "start":
            if not isinstance(el.tag, str) or el.tag in BLOCK_TAGS or el.tag in SKIP_TAGS:
                walker.skip_subtree()
            else:
                parts.append(el.text or "")
        else:
            parts.append(el.tail or "")
    return " ".join(" ".join(parts).split())


def _units(doc) -> list[Unit]:
    units = []
    body = doc.find("body")
    top = body if body is not None else doc
    for number, el in enumerate(top.iter()):
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or any(a.tag in SKIP_TAGS for a in (el, *el.iterancestors())):
            continue
        if tag not in BLOCK_TAGS and el is not top:
            continue
        text = _own_text(el)
        if text:
            units.append(Unit(el, text, count_words(text), number))
    return units


def naming(el, stop=None) -> tuple[str, str] | None:
    """(kind, the tag and name that say so) of `el` or its nearest naming ancestor."""
    for a in (el, *el.iterancestors()):
        if a is stop or a.tag in ("body", "html"):
            break
        for name in names_of(a):
            if NOT_NOISE.search(name):
                continue  # the post's own state ("category-news") or a builder's layout
            words = {*name_parts(name), name.lower()}
            for kind, vocabulary in KIND_WORDS:
                if words & vocabulary:
                    return kind, f"{a.tag}.{name}"
        if a.tag in ("figcaption", "nav", "aside", "footer", "header", "form", "button",
                     "iframe"):
            return KIND_TAGS[a.tag], a.tag
    return None


def _inside(outer, inner) -> bool:
    return outer is inner or any(a is outer for a in inner.iterancestors())


class Extraction:
    """One page parsed and extracted, with each original element's fate."""

    def __init__(self, body: bytes, rules: Rules, url: str):
        self.doc = parse_html(body)
        self.units = _units(self.doc)
        self.parents = {u.element: u.element.getparent() for u in self.units}
        self.ancestors = {u.element: list(u.element.iterancestors()) for u in self.units}
        self.index = PageIndex(self.doc)
        self.extractor, self.root = find_main_content(self.index, rules, post_url(self.index, url))
        self.text = text_of(self.root)
        self.root_was = self.root  # the root is never removed
        ours_shingles = shingles(tokens(self.text))
        for unit in self.units:
            kept = _inside(self.root, unit.element)
            if not kept:  # a copy in the body (the lead) counts as kept
                unit_shingles = shingles(tokens(unit.text))
                kept = bool(unit_shingles) and len(unit_shingles & ours_shingles) >= 0.8 * len(
                    unit_shingles) and unit.words >= 8
            unit.in_ours = kept
        self.first = min((u.position for u in self.units if u.in_ours), default=None)
        self.last = max((u.position for u in self.units if u.in_ours), default=None)

    def removed_by(self, unit: Unit):
        """The element whose removal took `unit` out of the body, or None when it was never in
        the body."""
        if not any(a is self.root for a in self.ancestors[unit.element]) and \
                unit.element is not self.root:
            return None
        chain = [unit.element, *self.ancestors[unit.element]]
        for el in chain:
            if el is self.root:
                return None
            if el.getparent() is None:
                return el
        return None

    def place(self, unit: Unit) -> str:
        """Where a unit left out of our body is, by kind (and the name that says so)."""
        dropped = self.removed_by(unit)
        if dropped is not None:
            return f"removed inside the body: {_described(naming(dropped), dropped.tag)}"
        named = _described(naming(unit.element), "unnamed")
        if self.first is None:
            return f"no body: {named}"
        if unit.position < self.first:
            return f"before the body: {named}"
        if unit.position > self.last:
            return f"after the body: {named}"
        return f"beside the body: {named}"

    def extra_kind(self, unit: Unit, ref_first: int | None, ref_last: int | None) -> str:
        found = naming(unit.element, stop=self.root)
        if found:
            return f"left in: {_described(found, '')}"
        if ref_first is not None and unit.position < ref_first:
            return f"left in: unnamed, before the post's text ({unit.element.tag})"
        if ref_last is not None and unit.position > ref_last:
            return f"left in: unnamed, after the post's text ({unit.element.tag})"
        return f"left in: unnamed, inside the post's text ({unit.element.tag})"


def _described(found: tuple[str, str] | None, otherwise: str) -> str:
    return f"{found[0]} ({found[1]})" if found else otherwise


def reference_text(page: Page) -> str | None:
    folder = page.source.parent
    if (folder / "expected.txt").exists():
        return (folder / "expected.txt").read_text(encoding="utf-8", errors="replace")
    if (folder / "expected.html").exists():
        return text_of(parse_html((folder / "expected.html").read_bytes()))
    return None


def _mark_reference(units: list[Unit], ref_text: str) -> set:
    ref_tokens = tokens(ref_text)
    ref_shingles = shingles(ref_tokens)
    joined = " " + " ".join(ref_tokens) + " "
    for unit in units:
        words = tokens(unit.text)
        if not words:
            continue
        if len(words) < 3:
            unit.in_ref = f" {' '.join(words)} " in joined
        else:
            found = shingles(words)
            unit.in_ref = len(found & ref_shingles) >= 0.5 * len(found)
    return ref_shingles


def word_causes(page: Page, ex: Extraction, ours_words: int) -> list[Attribution]:
    ref_text = reference_text(page)
    ref_words = (page.reference or {}).get("words")
    if ref_text is None or not ref_words:
        return []
    ref_shingles = _mark_reference(ex.units, ref_text)
    causes: dict[str, Attribution] = {}

    def add(kind, words, text):
        cause = causes.setdefault(kind, Attribution(kind, 0, text[:80]))
        cause.words += words

    shared = sum(u.words for u in ex.units if u.in_ours and u.in_ref)
    if shared < 0.5 * ref_words:
        where = Counter(ex.place(u) for u in ex.units if u.in_ref and not u.in_ours)
        top = where.most_common(1)[0][0] if where else "reference not in the page"
        return [Attribution(f"body not found ({ex.extractor}; the post is {top})",
                            abs(ours_words - ref_words), "")]
    in_ref = [u.position for u in ex.units if u.in_ref]
    ref_first, ref_last = (min(in_ref), max(in_ref)) if in_ref else (None, None)
    if ours_words > ref_words:
        for unit in ex.units:
            if unit.in_ours and not unit.in_ref:
                add(ex.extra_kind(unit, ref_first, ref_last), unit.words, unit.text)
    else:
        ours_shingles = shingles(tokens(ex.text))
        for unit in ex.units:
            if unit.in_ref and not unit.in_ours:
                if shingles(tokens(unit.text)) <= ours_shingles:
                    continue  # the same words are in ours elsewhere
                add(f"missing: {ex.place(unit)}", unit.words, unit.text)
        page_shingles = set().union(*(shingles(tokens(u.text)) for u in ex.units)) \
            if ex.units else set()
        absent = len(ref_shingles - page_shingles)
        if absent:
            add("reference text not in the page", absent, "")
    return sorted(causes.values(), key=lambda c: -c.words)


def _smallest_holding(ex: Extraction, snippet: str, within=None):
    """The innermost element whose text holds the snippet (within `within` when given)."""
    wanted = normalise_space(snippet).casefold()
    best = None
    top = within if within is not None else ex.doc
    for el in top.iter():
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
            continue
        if wanted in normalise_space(text_of(el)).casefold():
            best = el  # iter() is depth-first: a later match inside the last is deeper
    return best


def snippet_causes(page: Page, ex: Extraction) -> list[Attribution]:
    text = normalise_space(ex.text)
    causes = []
    for snippet in page.with_snippets:
        if normalise_space(snippet) in text:
            continue
        el = _smallest_holding(ex, snippet)
        if el is None:
            causes.append(Attribution("missing: not in the page's text", 0, snippet))
            continue
        unit = next((u for u in ex.units if u.element is el), None) or Unit(
            el, snippet, 0, ex.index.first_position(el) or 0)
        if unit.element not in ex.ancestors:
            ex.ancestors[el] = list(el.iterancestors())
        causes.append(Attribution(f"missing: {ex.place(unit)}", 0, snippet))
    for snippet in page.without_snippets:
        if not normalise_space(snippet) or normalise_space(snippet) not in text:
            continue
        el = _smallest_holding(ex, snippet, ex.root)
        found = naming(el, stop=ex.root) if el is not None else None
        where = _described(found, f"unnamed, {_share_before(ex, el)} ({el.tag})"
                           if el is not None else "unnamed")
        causes.append(Attribution(f"left in: {where}", 0, snippet))
    return causes


def _share_before(ex: Extraction, el) -> str:
    """Where `el` is in our body: at its start, its end, or inside."""
    if el is None:
        return "inside"
    before = after = 0
    seen = False
    for unit in ex.units:
        if not unit.in_ours:
            continue
        if unit.element is el or _inside(el, unit.element):
            seen = True
        elif seen:
            after += unit.words
        else:
            before += unit.words
    total = before + after or 1
    if after <= 0.1 * total:
        return "at the end of the body"
    if before <= 0.1 * total:
        return "at the start of the body"
    return "inside the body"


def date_causes(page: Page, body: bytes, result: dict, rules: Rules) -> list[Attribution]:
    wanted = annotated_day(page.publication_date)
    published, _, source = find_dates(PageIndex(parse_html(body)), page.url, rules)
    source = source or ("dateline or htmldate" if result["date"] else "none")
    html = body.decode("utf-8", "replace")
    where = []
    if wanted and wanted in html:
        for label, pattern in (("time[datetime]", rf"<time[^>]*datetime=[\"']{wanted}"),
                               ("meta", rf"<meta[^>]*content=[\"']{wanted}"),
                               ("json-ld", rf"\"date\w*\"\s*:\s*\"{wanted}")):
            if re.search(pattern, html):
                where.append(label)
        where = where or ["the page's text or code"]
    if wanted and "/{}/{}/{}/".format(*wanted.split("-")) in page.url:
        where.append("url")
    return [Attribution(f"day from {source}; the annotated day is in "
                        f"{', '.join(where) or 'nowhere in the page'}", 0,
                        f"{result['date']} vs {wanted}")]


def classify(page: Page, rules: Rules = DEFAULT_RULES) -> PageMisses | None:
    body = page.source.read_bytes()
    result = ours(body, page.url, rules)
    checks = score_page(page, result)
    if all(checks.values()):
        return None
    ex = Extraction(body, rules, page.url)
    misses = PageMisses(page, checks, result["extractor"])
    if not checks.get("words", True):
        misses.causes["words"] = word_causes(page, ex, result["words"])
    if not checks.get("snippets", True):
        misses.causes["snippets"] = snippet_causes(page, ex)
    if not checks.get("date", True):
        misses.causes["date"] = date_causes(page, body, result, rules)
    return misses


def _coarse(kind: str) -> str:
    return re.sub(r"\s*\(.*\)$", "", kind)


def table(corpus: str, found: list[PageMisses]) -> str:
    lines = [f"{corpus}: kinds of miss (a page counts once per kind; words: the error's words "
             f"in that kind)"]
    for check in ("words", "snippets", "date"):
        pages: dict[str, set] = defaultdict(set)
        sites: dict[str, set] = defaultdict(set)
        words: Counter = Counter()
        primary: Counter = Counter()
        for miss in found:
            causes = miss.causes.get(check)
            if not causes:
                continue
            primary[_coarse(causes[0].kind)] += 1
            for cause in causes:
                kind = _coarse(cause.kind)
                pages[kind].add(miss.page.name)
                sites[kind].add(miss.page.site)
                words[kind] += cause.words
        if not pages:
            continue
        failing = sum(1 for m in found if check in m.causes)
        lines.append(f"  {check} ({failing} failing pages): kind, pages where it is the main "
                     f"cause, pages where it appears, sites, words")
        for kind in sorted(pages, key=lambda k: (-primary[k], -len(pages[k]))):
            lines.append(f"    {kind:58} {primary[kind]:>4} {len(pages[kind]):>5} "
                         f"{len(sites[kind]):>5} {words[kind]:>7}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.evaluate.misses",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", metavar="NAME")
    parser.add_argument("--pages", action="store_true", help="list each failing page's causes")
    parser.add_argument("--kind", help="list only the pages with a cause containing this text")
    parser.add_argument("--without", action="append", default=[], metavar="RULE",
                        help="switch a rule off (see blogcrawler/extraction/rules.py)")
    args = parser.parse_args(argv)
    rules = DEFAULT_RULES.without(*args.without)
    corpora = available_corpora(args.corpus or ("wordpress-real", "wordpress-more"))
    if not corpora:
        print("error: no corpus found beside the project (../shared/corpus/)", file=sys.stderr)
        return 2
    for name, path in corpora.items():
        found = [m for m in (classify(p, rules) for p in load_corpus(path)) if m is not None]
        print(table(name, found))
        if args.pages or args.kind:
            for miss in found:
                for check, causes in miss.causes.items():
                    if args.kind and not any(args.kind in c.kind for c in causes):
                        continue
                    described = "; ".join(f"{c.kind} {c.words}w {c.example!r}"
                                          for c in causes[:4])
                    print(f"  {miss.page.name} [{miss.extractor}] {check}: {described}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
