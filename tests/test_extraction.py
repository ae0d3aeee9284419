"""The extractor's rules on small pages built as themes build them: what a rule must find, and
the sibling case it must leave alone. (The real-page corpora score the rules as a whole:
tests/test_corpus.py; the fixture blog's exact truth: tests/test_extract.py.)"""

from __future__ import annotations

import codecs

import pytest

from blogcrawler.extract import extract_post
from blogcrawler.extraction import DEFAULT_RULES, MarkupTooDeepError, page_encoding
from blogcrawler.measure import count_words

URL = "https://blog.example/2016/06/23/a-post/"
PROSE = ("<p>The post itself says something worth reading about its subject, at some length, "
         "with a clause or two, so that it reads like prose.</p>")
BODY = PROSE * 6


def page(article: str, *, head: str = "", after: str = "") -> bytes:
    """A single-post page in a theme's frame: a site header with a menu, the article, a sidebar
    whose widgets hold paragraphs of their own, and a comment."""
    sidebar = ("<aside id='secondary' class='widget-area'><section class='widget'>"
               "<h2>About</h2><p>A blog about the things its author cares about, written "
               "weekly since 2009, with notes on books and the web.</p></section></aside>")
    comments = ("<div id='comments' class='comments-area'><ol class='comment-list'>"
                "<li class='comment'><p>A reader's reply that is long enough to be scored "
                "like a paragraph of the post, but is a comment.</p></li></ol></div>")
    return (f"<!DOCTYPE html><html lang='de-DE'><head><meta charset='utf-8'>{head}"
            "<title>A post | Blog</title></head><body class='single single-post'>"
            "<header class='site-header'><nav><a href='/'>Home</a></nav></header>"
            f"<main id='main' class='site-main'>{article}{comments}</main>{sidebar}{after}"
            "</body></html>").encode()


def article(content: str, *, classes: str = "entry-content", header: str = "") -> str:
    return (f"<article class='post type-post hentry'><header class='entry-header'>"
            f"<h1 class='entry-title'>A post</h1>{header}</header>"
            f"<div class='{classes}'>{content}</div></article>")


def with_and_without(body: bytes, rule: str, url: str = URL) -> tuple[dict, dict]:
    """extract_post's result with the default rules, and with `rule` switched off: a rule's test
    asserts both, so that it shows the rule is what makes the difference."""
    return (extract_post(body, url),
            extract_post(body, url, rules=DEFAULT_RULES.without(rule)))


def words_of(html: str) -> int:
    from lxml import etree

    from blogcrawler.measure import text_of
    return count_words(text_of(etree.fromstring(f"<div>{html}</div>", etree.HTMLParser())))


@pytest.mark.parametrize("depth", [255, 300, 1000])
def test_markup_nested_hundreds_deep_is_read_whole(depth):
    nested = "<div class='et_pb_row'>" * depth + BODY + "</div>" * depth
    got = extract_post(page(article(nested)), URL)
    assert got["words"] == words_of(BODY)


def test_markup_nested_beyond_the_parsers_limit_is_refused_in_one_sentence():
    nested = "<div>" * 3000 + BODY + "</div>" * 3000
    with pytest.raises(MarkupTooDeepError, match="nested too deep"):
        extract_post(page(article(nested)), URL)


@pytest.mark.parametrize(("classes", "rule"), [
    ("entry__content", "entry-content"),          # BEM
    ("et_pb_post_content", "post-content"),       # Divi
    ("c-entry-content__body entryContent", "entry-content"),  # namespaced, camel case
])
def test_wordpress_names_in_other_spellings_find_the_body(classes, rule):
    got = extract_post(page(article(BODY, classes=classes)), URL)
    assert (got["extractor"], got["words"]) == (rule, words_of(BODY))


def test_a_comment_or_widget_block_named_like_content_is_not_the_body():
    teaser = ("<aside class='widget'><div class='entry-content'>" + PROSE * 8 + "</div></aside>")
    comment = ("<div class='comment-entry-content'>" + PROSE * 8 + "</div>")
    got = extract_post(page(teaser + comment + article(BODY, classes="post-content")), URL)
    assert (got["extractor"], got["words"]) == ("post-content", words_of(BODY))


def test_a_plugins_form_around_the_body_keeps_the_body_and_drops_the_reply_form():
    content = (f"<form class='wpcf7-form'>{BODY}</form>"
               "<form class='comment-form'><p>Leave a reply, your email is safe</p>"
               "<textarea></textarea></form>")
    assert extract_post(page(article(content)), URL)["words"] == words_of(BODY)


def test_text_laid_out_with_br_and_no_paragraphs_is_the_body():
    lines = "<br>\n".join(["A line of a poem or an old post, long enough to be read as text"] * 8)
    body = f"<div class='storycontent'>{lines}</div>"
    got = extract_post(page(f"<div class='post'><h1>A post</h1>{body}</div>"), URL)
    assert got["words"] == words_of(lines)


def test_bare_text_and_br_in_a_list_are_not_lines_of_a_post():
    # A widget's <ul> holding a plugin's PHP warnings between <br>s, beside a short post.
    warning = ("<br><b>Warning</b>: Use of undefined constant comments - assumed 'comments' in "
               "/htdocs/wp-content/plugins/get-recent-comments/get-recent-comments.php on line 928")
    widget = f"<div id='sidebar'><ul>{warning * 12}</ul></div>"
    post = f"<div class='post'><h1>A post</h1><div class='postentry'>{PROSE * 2}</div></div>"
    got = extract_post(page(post, after=widget), URL)
    assert got["words"] == words_of(PROSE * 2)


def test_a_lead_printed_in_the_entry_header_inside_the_content_is_part_of_the_post():
    lead = "<p class='entry-excerpt'>A lead that sums the whole post up in one long sentence.</p>"
    content = f"<header class='entry-header'><h2>A post</h2>{lead}</header>{BODY}"
    assert extract_post(page(article(content)), URL)["words"] == words_of(lead + BODY)


def test_soft_hyphens_are_not_part_of_words():
    got = extract_post(page(article("<p>Silben\u00adtrennung im Wort\u00adinneren</p>" + BODY)),
                       URL)
    assert "Silbentrennung im Wortinneren" in got["text"]


@pytest.mark.parametrize("widget", [
    "<div class='kk-star-ratings'><p>Rate this post: 4.5 out of 5 from 12 votes, thank you for "
    "voting.</p></div>",
    "<div class='pum pum-overlay'><p>Support us! Every donation keeps this blog independent and "
    "free for everyone.</p></div>",
    "<div class='saboxplugin-wrap'><p>Jane writes about books and the web, and lives in Berlin "
    "with two cats.</p></div>",
    "<p class='photo-credit'>Photo credit: Jane Doe for the blog, all rights reserved, used with "
    "permission.</p>",
    "<div class='mini-bio'><h4>About Jane Doe</h4><p>Jane writes about books and the web, and "
    "lives in Berlin.</p></div>",
    "<div class='mailchimpPOST'><p>Sign up for free email updates and be entered to win our "
    "monthly giveaway.</p></div>",
    "<div class='nav-previous'><a href='/a/'>An older post about something else</a></div>"
    "<div class='nav-next'><a href='/b/'>A newer post</a></div>",
])
def test_plugin_widgets_at_the_end_of_the_post_are_not_the_post(widget):
    assert extract_post(page(article(BODY + widget)), URL)["words"] == words_of(BODY)


def test_a_post_printed_as_several_sections_is_taken_whole():
    sections = "".join(f"<section class='acf-block'><div class='post__content'>{PROSE * 3}"
                       "</div></section><section class='acf-block'><figure><img src='x.jpg'>"
                       "</figure></section>" for _ in range(3))
    content = f"<div class='post__sections'>{sections}</div>"
    got = extract_post(page(f"<article><h1>A post</h1>{content}</article>"), URL)
    assert got["words"] == words_of(PROSE * 9)
    assert got["images"] == 3


def test_the_posts_own_date_comes_before_a_teasers_date():
    teaser = ("<div class='related-posts'><article class='post'><h2><a href='/other/'>Other</a>"
              "</h2><time class='entry-date published' datetime='2016-05-01T10:00:00+02:00'>"
              "1. Mai 2016</time></article></div>")
    own = ("<time class='entry-date published' datetime='2016-06-23T09:00:00+02:00'>"
           "23. Juni 2016</time>")
    got = extract_post(page(teaser + article(BODY, header=own)), "https://blog.example/a-post/")
    assert got["date"] == "2016-06-23"


def test_a_datetime_attribute_written_in_words_is_read():
    # The theme's own time (its text says only the weekday) before the UTC instant of the SEO
    # plugin, which falls on the day before.
    head = "<meta property='article:published_time' content='2016-06-22T23:30:00+00:00'>"
    own = "<time class='entry-date published' datetime='23. Juni 2016'>Donnerstag</time>"
    got = extract_post(page(article(BODY, header=own), head=head), "https://blog.example/a/")
    assert got["date"] == "2016-06-23"


def test_a_time_labelled_last_updated_is_not_the_publication_date():
    head = "<meta property='article:published_time' content='2020-12-05T00:19:17+00:00'>"
    own = ("<span>Last Updated on <time class='entry-date published' datetime='2026-02-13'>"
           "February 13th, 2026</time></span>")
    got = extract_post(page(article(BODY, header=own), head=head), "https://blog.example/a/")
    assert got["date"] == "2020-12-05"


def test_a_page_with_no_date_in_markup_gets_the_upload_paths_date_from_htmldate():
    figure = "<figure><img src='/wp-content/uploads/2017/08/photo.jpg'></figure>"
    got = extract_post(page(article(figure + BODY)), "https://blog.example/a-post/")
    assert got["date"] is not None and got["date"].startswith("2017-08")


# -- the one charset rule (the crawler's middleware uses the same function) ---------------------

@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (codecs.BOM_UTF8 + "<p>ä</p>".encode(), "text/html; charset=iso-8859-1", "utf-8"),
    ("<p>ä</p>".encode("cp1252"), "text/html; charset=ISO-8859-1", "cp1252"),  # as browsers do
    (b"<style>" + b"x" * 6000 + b"</style><meta charset='windows-1251'><p>\xe0</p>", None,
     "cp1251"),  # declared after kilobytes of inline styles
    ("<p>naïve</p>".encode(), None, "utf-8"),
    ("<p>naïve</p>".encode("cp1252"), None, "cp1252"),  # undeclared and not UTF-8
    (b"<meta charset='no-such-charset'><p>x</p>", None, "utf-8"),
])
def test_the_charset_rule(body, content_type, expected):
    assert page_encoding(body, content_type) == expected


def test_the_extractor_and_the_middleware_decode_a_page_the_same_way():
    from scrapy.http import HtmlResponse, Request

    from blogcrawler.middlewares import BrowserEncodingMiddleware

    body = ("<html><head><style>" + "p{}" * 3000 + "</style><meta charset='windows-1252'>"
            "</head><body>" + article("<p>Café crème, naïve</p>" + BODY)
            + "</body></html>").encode("cp1252")
    response = HtmlResponse(URL, body=body, request=Request(URL))
    decoded = BrowserEncodingMiddleware().process_response(response.request, response)
    assert decoded.encoding == "cp1252"
    assert "Café crème, naïve" in extract_post(body, URL, encoding=decoded.encoding)["text"]
    assert "Café crème, naïve" in extract_post(body, URL)["text"]


# -- page builders and the block editor ---------------------------------------------------------

def test_a_short_posts_meta_line_goes_though_it_is_longer_than_the_post():
    short = "<p>Also note the tiny, tiny helicopter.</p>"
    meta = ("<p class='postmetadata alt'><small>This entry was posted on Saturday, August 25th, "
            "2012 at 12:23 am and is filed under Neat Stuff. You can follow any responses to "
            "this entry through the RSS 2.0 feed.</small></p>")
    assert extract_post(page(article(short + meta)), URL)["words"] == words_of(short)


def test_a_post_built_of_page_builder_panels_named_widget_is_taken_whole():
    # SiteOrigin prints each panel of a post as "so-panel widget widget_...": the builder's
    # word, not a sidebar's.
    panels = "".join(f"<div class='so-panel widget widget_sow-editor panel-610-0-0-{n}'>"
                     "<div class='so-widget-sow-editor'><div class='siteorigin-widget-tinymce "
                     f"textwidget'>{PROSE * 2}</div></div></div>" for n in range(3))
    grid = f"<div class='panel-layout'><div class='panel-grid'>{panels}</div></div>"
    on, off = with_and_without(page(article(grid)), "builder_names")
    assert on["words"] == words_of(PROSE * 6)
    assert off["words"] < on["words"]


@pytest.mark.parametrize("widget", [
    "<div class='elementor-element elementor-widget elementor-widget-share-buttons'><div "
    "class='elementor-widget-container'>Share this post on <a class='elementor-share-btn' "
    "href='#'>Facebook</a> <a class='elementor-share-btn' href='#'>Twitter</a></div></div>",
    "<div class='et_pb_module et_pb_social_media_follow'>Follow us on <a href='#'>Instagram</a> "
    "and <a href='#'>Facebook</a></div>",
])
def test_a_page_builders_share_widget_is_read_by_its_kind(widget):
    content = f"<div class='elementor-widget-text-editor'>{BODY}</div>{widget}"
    on, off = with_and_without(page(article(content)), "builder_names")
    assert on["words"] == words_of(BODY)
    assert off["words"] > on["words"]


def test_a_weak_named_block_holding_paragraphs_of_prose_is_the_post():
    # A "read more" expander around the rest of the post; an author box with a bio of three
    # paragraphs is a plugin's widget all the same.
    rest = f"<div class='readmore-wrapper'><div class='hidden-text'>{PROSE * 4}</div></div>"
    bio = f"<div class='saboxplugin-wrap'><div class='saboxplugin-desc'>{PROSE * 3}</div></div>"
    on, off = with_and_without(page(article(BODY + rest + bio)), "prose_blocks")
    assert on["words"] == words_of(BODY + rest)
    assert off["words"] == words_of(BODY)


def test_cards_named_alike_holding_much_of_the_text_are_the_posts_sections():
    # A list post prints each item in a card of a plugin's block ("rating-card"); one rating
    # widget at the end is still a widget.
    card = ("<div class='wp-block-reviews-rating-card'><h2>An app</h2><h3>Best for teams that "
            "write a lot to each other</h3><ul><li>Free plan: yes, with unlimited messages"
            "</li><li>Pricing: from three dollars per seat per month</li></ul></div>")
    widget = "<div class='post-ratings'>Rate this: 4.5 out of 5 from 12 votes</div>"
    on, off = with_and_without(page(article(PROSE + card * 4 + widget)), "post_sections")
    assert on["words"] == words_of(PROSE + card * 4)
    assert off["words"] == words_of(PROSE)


@pytest.mark.parametrize("line", [
    "<p>Tags: books, the web, Berlin</p>",
    "<p><em>Quelle: Deutscher Jagdverband (DJV), 2. Februar 2022, Berlin</em></p>",
    "<p>Photo credit: Jane Doe via Flickr</p>",
])
def test_a_labelled_line_at_the_end_of_the_post_is_not_the_post(line):
    on, off = with_and_without(page(article(BODY + line)), "labelled_lines")
    assert on["words"] == words_of(BODY)
    assert off["words"] == words_of(BODY + line)


def test_a_labelled_line_inside_the_post_is_the_post():
    # A label in the middle of the post is the author's own ("Source: ..." under a quote).
    middle = "<p>Source: a study of three hundred blogs, published last spring.</p>"
    content = PROSE * 4 + middle + PROSE * 4
    assert extract_post(page(article(content)), URL)["words"] == words_of(content)


@pytest.mark.parametrize("ending", [
    "<h3>Keine Lust alleine zu radeln?</h3><p></p>",  # over a booking widget not kept
    "<p><a href='https://photos.example/album'>Bilder des Treffens</a></p>",
    "<h4>Read these next</h4><p><a href='/a/'>One post</a></p><p><a href='/b/'>Another</a></p>",
    "<p class='has-background' style='background-color:#efc139'><strong>Gefällt dir unser "
    "Magazin? Unterstütze uns mit einem Abo, damit es frei bleibt.</strong></p>",
])
def test_a_heading_or_bare_links_ending_the_body_are_not_the_post(ending):
    on, off = with_and_without(page(article(BODY + ending)), "trailing_lines")
    assert on["words"] == words_of(BODY)
    assert off["words"] == words_of(BODY + ending)


@pytest.mark.parametrize("ending", [
    "<h3>A last section</h3><p>Its text, which the heading introduces, ends the post.</p>",
    "<p>More in <a href='/b/'>the second part</a>, next week.</p>",
    "<p class='has-background'>A highlighted summary inside the post.</p>" + PROSE,
    "<h2>A post may end in a heading written as a whole sentence of some length, as this one "
    "is</h2>",
])
def test_the_posts_own_last_lines_stay(ending):
    assert extract_post(page(article(BODY + ending)), URL)["words"] == words_of(BODY + ending)


@pytest.mark.parametrize("href", [
    URL,
    "http://www.blog.example/2016/06/23/a-post",  # another scheme, "www.", no trailing slash
    "/2016/06/23/a-post/?utm_source=feed",  # relative, with a tracking parameter
])
def test_a_heading_linking_to_the_post_itself_is_its_title_not_its_text(href):
    # A classic theme names nothing: the scorer finds the body, and the post's title is printed
    # inside it as a permalink heading (with the date beside the link).
    title = (f"<h2><a href='{href}' rel='bookmark' title='Permalink'>A post printed by a "
             "classic theme</a> <em>June 23, 2016</em></h2>")
    on, off = with_and_without(page(f"<div id='content'>{title}{BODY}</div>"), "own_title_links")
    assert on["words"] == words_of(BODY)
    assert off["words"] == words_of(title + BODY)


def test_a_heading_linking_to_a_plain_permalink_is_the_posts_title():
    # WordPress's default "plain" permalinks name the post by its id in the query.
    title = "<h2><a href='/?p=123' rel='bookmark'>A post on a blog with plain permalinks</a></h2>"
    body = page(f"<div id='content'>{title}{BODY}</div>")
    on, off = with_and_without(body, "own_title_links", url="https://blog.example/?p=123")
    assert on["words"] == words_of(BODY)
    assert off["words"] == words_of(title + BODY)


@pytest.mark.parametrize("heading", [
    "<h3><a href='/2015/01/02/another-post/'>Another post, on the same subject</a></h3>",
    f"<h3><a href='{URL}#part-two'>Part two: the heading's own anchor</a></h3>",
])
def test_a_heading_linking_elsewhere_or_into_the_page_stays(heading):
    body = BODY + heading + PROSE
    assert extract_post(page(article(body)), URL)["words"] == words_of(body)


@pytest.mark.parametrize("names", ["lwptoc", "table-of-contents", "table-of-content bg-gray",
                                   "wp-block-kadence-tableofcontents"])
def test_a_table_of_contents_plugin_block_is_not_the_post(names):
    toc = (f"<div class='{names}'><p>In this article</p><ul><li><a href='#one'>What the first "
           "part says</a></li><li><a href='#two'>What the second part says</a></li></ul></div>")
    on, off = with_and_without(page(article(toc + BODY)), "widget_noise")
    assert on["words"] == words_of(BODY)
    assert off["words"] == words_of(toc + BODY)
