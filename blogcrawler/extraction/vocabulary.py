"""The class and id names WordPress themes and plugins give the blocks around a post, and the
tests of a name against them.

Names are compared by their words (`name_parts`): "jp-relatedposts", "td_post_sharing",
"entry__meta" and "relatedPosts" are read as the words a theme author wrote, whatever the
spelling convention.
"""

from __future__ import annotations

import re
from functools import lru_cache

from blogcrawler.extraction.index import name_parts, names_of

# Comments and the reply form: never the post body, wherever they are.
COMMENT_NAMES = frozenset({"comment", "comments", "comments-area", "comment-list", "commentlist",
                           "comment-respond", "respond", "disqus_thread", "comments-section",
                           "nocomments", "akismet_comment_form_privacy_notice"})

# What themes and plugins put in or around the post body, as a word (or two adjacent words) of a
# class or id: share buttons, related posts, author bio, subscription forms, cookie banners...
# Strong names are never a wrapper of the post body: such a block goes whatever its size.
STRONG_NOISE = frozenset("""
    share shares sharing sharedaddy social sociable addtoany a2a shariff ssba shareaholic
    related relatedposts yarpp crp rp4wp wp-rp jp-relatedposts recommended recommendations
    newsletter subscribe subscription subscriptions optin mc4wp signup
    authorbio author-bio author-box author-info about-author authorbox
    cookie cookies gdpr consent borlabscookie modal popup pin pinterest
    paywall payant donation donate comments rpbt cta rec-posts recent-posts similar-posts
    entry-header article-header post-header
    entry-head article-head post-head
""".split())
# Weak names may also name a layout wrapper ("post-meta-wrap"): such a block goes unless it
# holds half the content's text and is not mostly links.
WEAK_NOISE = frozenset("""
    ad ads advert advertisement adsbygoogle adsense sponsored sponsor promo wpcnt wordads
    navigation postnav nav-links post-nav pagination breadcrumb breadcrumbs
    meta postmeta entry-meta post-meta tags tag-links tags-links cat-links categories
    byline author authors taxonomy tax toc ez-toc disclaimer disclosure print controls jp
    steady
    widget widgets sidebar popular trending more-posts read-more readmore footer
""".split())
# Rules.widget_noise: the widgets plugins add at the end of a post, by the names the common
# plugins give them: ratings (WP-PostRatings, kk Star Ratings, YASR, Rate my Post), pop-ups
# (Popup Maker), image credits, author boxes (Simple Author Box, Starbox, Molongui), "read next"
# / popular-post lists (WordPress Popular Posts, Outbrain, Taboola, Zemanta), tables of
# contents (LuckyWP, "table-of-content(s)", Kadence's "tableofcontents" block), what plugins
# hook "after the content", the meta line of WordPress's classic default theme (Kubrick's
# p.postmetadata), and call-to-action buttons (core's wp-block-buttons: "Get started today").
WIDGET_NOISE = frozenset("""
    rating ratings post-ratings star-rating kksr yasr rmp
    pum popmake overlay lightbox
    credit credits photo-credit image-credit
    saboxplugin sabox starbox molongui about-the-author the-author author-card author-bio bio
    mailchimp convertkit mailerlite klaviyo optinmonster
    nav-previous nav-next nav-prev
    read-next readnext up-next more-stories you-may-like also-like wpp outbrain taboola zem
    lwptoc of-contents of-content tableofcontents after-content postmetadata
    button buttons btn
""".split())
NOISE = STRONG_NOISE | WEAK_NOISE

# Class names that look like noise but name the post's own state in WordPress's
# post_class/body_class ("tag-social", "comments-open"), or a block's style or layout
# ("is-style-sidebar", "is-layout-flex").
NOT_NOISE = re.compile(r"^(?:tag|category|format|status|type|postid|post_tag|pings|has|is)-"
                       r"|^comments-(?:open|closed)$", re.IGNORECASE)
# Without Rules.builder_names, page builders' names are never noise.
_BUILDER_NAME = re.compile(r"elementor|wp-block-(?:group|columns|column)|et_pb|vc_|wpb_",
                           re.IGNORECASE)

# Rules.builder_names: page builders and the block editor name every block by a prefix and the
# block's kind: "elementor-widget-share-buttons", "et_pb_social_media_follow",
# "fl-module-post-grid", "vc_btn3", "wp-block-latest-posts", "so-widget-sow-button"; SiteOrigin
# prints each panel of a post as "so-panel widget widget_text". The prefix and the builder's own
# words (widget, module, row, column...) say nothing about the block; its kind words are read
# like any theme's names.
BUILDER_PREFIX = re.compile(
    r"^(?:elementor(?:-widget|-element|-location)?|et_pb|fl(?:-module|-builder)?|vc|wpb"
    r"|so(?:-widget|-panel)?|siteorigin(?:-widget|-panels)?|wp-block|panel|brxe|oxy|uagb|kb|gb"
    r"|stk|ugb|tb)(?=[-_]|$)", re.IGNORECASE)
BUILDER_WORDS = frozenset("""
    widget widgets module modules element elements wrap wrapper container inner section row
    column col columns panel panels grid layout block blocks builder wp sow first last child
""".split())
_HAS_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=16384)
def _builder_kind(name: str, in_builder_block: bool) -> tuple[str, ...] | None:
    """The kind words of a page builder's name ("elementor-widget-share-buttons" -> share,
    buttons), or None when `name` is no builder's. In a block a builder names, its plain
    "widget" and "widget_text" are the builder's too."""
    match = BUILDER_PREFIX.match(name)
    if match:
        rest = name[match.end():]
    elif in_builder_block and name_parts(name)[:1] in (("widget",), ("widgets",)):
        rest = name
    else:
        return None
    return tuple(part for part in name_parts(rest)
                 if part not in BUILDER_WORDS and not _HAS_DIGIT.search(part))


# The lead (standfirst, excerpt, summary) a theme prints between the post's title and its body.
LEAD_PARTS = frozenset({"lead", "excerpt", "teaser", "standfirst", "subtitle", "subheadline",
                        "sommario", "chapo", "chapeau", "dek"})
LEAD_NAMES = frozenset({"entry-summary", "post-summary", "article-summary", "sub-title",
                        "post-intro", "article-intro", "entry-intro"})


def _words(parts: tuple[str, ...]) -> tuple[str, ...]:
    # "jp-relatedposts", "share-buttons", "td-post-sharing": any word counts, and two-word
    # names ("post-nav", "author-bio") are looked up whole as well.
    return (*parts, *(f"{a}-{b}" for a, b in zip(parts, parts[1:], strict=False)))


@lru_cache(maxsize=16384)
def _name_words(name: str, builders: bool, in_builder_block: bool) -> frozenset | None:
    """The words of one class or id that a vocabulary is looked up with (once per name, for
    every vocabulary), or None for a comment section's name, which every vocabulary counts."""
    if NOT_NOISE.search(name):
        return frozenset()
    if builders:
        kind = _builder_kind(name, in_builder_block)
        if kind is not None:
            return frozenset(_words(kind))
    elif _BUILDER_NAME.search(name):
        return frozenset()
    lowered = name.lower()
    if lowered in COMMENT_NAMES:
        return None
    return frozenset((lowered, *_words(name_parts(name))))


def is_noise(el, vocabulary: frozenset = NOISE, builders: bool = True) -> bool:
    """Whether a class or id of `el` names a block that is not the post body (`builders`:
    Rules.builder_names)."""
    return names_noise(el.get("class"), el.get("id"), vocabulary, builders)


def names_noise(classes: str | None, id_: str | None, vocabulary: frozenset = NOISE,
                builders: bool = True) -> bool:
    """is_noise for an element's `class` and `id` values."""
    if not (classes or id_):
        return False
    for words in _names_words(classes, id_, builders):
        if words is None or not words.isdisjoint(vocabulary):
            return True
    return False


@lru_cache(maxsize=16384)
def _names_words(classes: str | None, id_: str | None, builders: bool) -> tuple:
    """The looked-up words of each class and the id of an element."""
    names = (classes or "").split() + ([id_] if id_ else [])
    in_builder_block = builders and any(BUILDER_PREFIX.match(name) for name in names)
    return tuple(_name_words(name, builders, in_builder_block) for name in names)


def is_comments(el) -> bool:
    return names_comments(el.get("class"), el.get("id"))


def names_comments(classes: str | None, id_: str | None) -> bool:
    """is_comments for an element's `class` and `id` values."""
    return bool(classes or id_) and _names_comments(classes, id_)


@lru_cache(maxsize=16384)
def _names_comments(classes: str | None, id_: str | None) -> bool:
    names = (classes or "").split() + ([id_] if id_ else [])
    return any(name.lower() in COMMENT_NAMES for name in names)


@lru_cache(maxsize=8192)
def is_lead_name(name: str) -> bool:
    if name.lower() in LEAD_NAMES:
        return True
    parts = name_parts(name)
    return (any(part in LEAD_PARTS for part in parts)
            or any(f"{a}-{b}" in LEAD_NAMES for a, b in zip(parts, parts[1:], strict=False)))

# Rules.skip_teaser_matches: words naming a block that shows other posts or comments, where a
# theme reuses the post's own class names ("related-post .entry-content", "comment-content").
TEASER_WORDS = frozenset({"comment", "comments", "teaser", "teasers", "widget", "widgets",
                          "related", "relatedposts", "sidebar", "recent", "popular", "yarpp",
                          "crp"})


def names_teaser(el) -> bool:
    """Whether a class or id of `el` has a word of TEASER_WORDS."""
    return any(part in TEASER_WORDS for name in names_of(el)
               if not NOT_NOISE.search(name) and not _BUILDER_NAME.search(name)
               for part in name_parts(name))
