"""Lead detection: the lead (standfirst, excerpt, summary) a theme prints between the post's
title and its body, from the post's excerpt field, is part of the article as the reader sees it.
Recognised by its class ("entry-summary", "td-post-sub-title", "uk-text-lead", "sommario", ...)
or as an unnamed paragraph of prose right after the title."""

from __future__ import annotations

from bisect import bisect_right
from copy import deepcopy

from blogcrawler.extraction.index import contains, normal_text, text_content, text_start
from blogcrawler.extraction.link_lines import link_share
from blogcrawler.extraction.rules import DEFAULT_RULES, Rules
from blogcrawler.extraction.scorer import in_comments
from blogcrawler.extraction.vocabulary import STRONG_NOISE, is_lead_name, is_noise


def find_lead(index, root, rules: Rules = DEFAULT_RULES):
    """The lead printed between the post's title (the last h1 before the content) and the
    content, or None."""
    start = index.first_position(root)
    if start is None:
        return None
    h1s = [h for h in index.tag("h1") if index.position[h] < start and not contains(h, root)]
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
        if any(is_lead_name(n) and len(index.by_class.get(n, ())) == 1 for n in names):
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
        if contains(el, root) or any(True for _ in el.iter("h1", "h2", "form", "time")):
            continue
        text = " ".join(text_content(el).split())
        if len(text.split()) < 8 or link_share(el, len(text)) > 0.3 or in_comments(index, el):
            continue
        if any(is_noise(a, STRONG_NOISE, rules.builder_names) or a.tag in ("nav", "aside", "footer")
               for a in (el, *el.iterancestors()) if a.tag not in ("body", "html")):
            continue
        if text[:60].casefold() in normal_text(text_start(root, 5000)):
            continue  # the content opens with it already
        return el
    return None


def add_lead(index, root, rules: Rules = DEFAULT_RULES) -> None:
    """Put a copy of the lead at the start of the content `root`, if the page has one."""
    lead = find_lead(index, root, rules)
    if lead is not None:
        copy = deepcopy(lead)
        copy.tail = None
        root.insert(0, copy)
        copy.tail = root.text
        root.text = None
