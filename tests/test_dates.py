"""Publication dates from a post's own markup (blogcrawler.dates), on small pages."""

from __future__ import annotations

from datetime import date

import pytest

from blogcrawler.dates import find_dates, parse_text_date
from blogcrawler.extraction import parse_html


def day_of(page: str, url: str = "https://blog.example/post/") -> str | None:
    published, _, _ = find_dates(parse_html(page.encode()), url)
    return published.date().isoformat() if published else None


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Posted on March 11, 2020 by admin", "en-US", date(2020, 3, 11)),
    ("6. August 2009", "de-DE", date(2009, 8, 6)),
    ("Samstag, 3. Dezember 2011 um 14:00 Uhr", "de", date(2011, 12, 3)),
    ("le mardi 27 septembre 2016", "fr-FR", date(2016, 9, 27)),
    ("15 de octubre de 2015", "es", date(2015, 10, 15)),
    ("19.11.2021", "de-DE", date(2021, 11, 19)),
    ("10.12.19", "fr-FR", date(2019, 12, 10)),
    ("26/10/2018", "de-DE", date(2018, 10, 26)),
    ("08/07/2017", "en-US", date(2017, 8, 7)),  # month first only in US English
    ("08/07/2017", "de-DE", date(2017, 7, 8)),
    ("08/08/2017durch Stephan", "de-DE", date(2017, 8, 8)),
    ("2013-04-04T18:52:11+00:00", "", date(2013, 4, 4)),
    ("No date here, 42 comments", "en", None),
    ("February 30, 2015", "en", None),
])
def test_dates_written_in_words(text, lang, expected):
    assert parse_text_date(text, lang) == expected


def test_the_original_publication_date_wins_over_the_modified_date():
    page = """<html><head>
      <meta property="article:modified_time" content="2022-01-12T14:27:30+00:00">
      <meta property="article:published_time" content="2021-11-29T14:13:37+00:00">
      </head><body><p>Text</p></body></html>"""
    assert day_of(page) == "2021-11-29"


def test_the_theme_time_element_comes_first_and_keeps_its_own_day():
    page = """<html><head>
      <meta property="article:published_time" content="2015-10-16T01:30:00+00:00"></head>
      <body><article><time class="entry-date published" datetime="2015-10-15T18:30:00-07:00">
      October 15, 2015</time></article></body></html>"""
    assert day_of(page) == "2015-10-15"


def test_json_ld_in_a_graph_and_in_cdata():
    page = """<html><head><script type="application/ld+json">
      <![CDATA[{"@graph": [{"@type": "WebPage", "datePublished": "2020-01-01T00:00:00+00:00"},
      {"@type": "BlogPosting", "datePublished": "2020-07-10T14:15:42+02:00"}]}]]>
      </script></head><body></body></html>"""
    assert day_of(page) == "2020-07-10"


def test_a_utc_instant_is_written_in_the_offset_the_page_uses_for_it():
    page = """<html><head>
      <meta property="article:published_time" content="2020-12-24T23:59:50+00:00">
      <script type="application/ld+json">{"@type": "NewsArticle",
        "datePublished": "2020-12-25T01:59:50+02:00"}</script></head><body></body></html>"""
    assert day_of(page) == "2020-12-25"


def test_a_utc_instant_a_day_off_the_permalink_takes_the_permalink_day():
    page = """<html><head>
      <meta property="article:published_time" content="2020-02-25T02:25:54+00:00">
      </head><body></body></html>"""
    assert day_of(page, "https://blog.example/2020/02/24/post/") == "2020-02-24"
    # A day the permalink does not contradict stays as written.
    assert day_of(page, "https://blog.example/post/") == "2020-02-25"


def test_a_date_shown_in_the_post_meta_line_when_the_markup_has_none():
    page = """<html lang="de-DE"><body><article><div class="entry-meta">
      <span class="entry-date">13. Januar 2014</span></div><p>Text</p></article>
      <div class="widget"><span class="date">1. Mai 2020</span></div>
      <ol class="comment-list"><li><span class="date">2. Mai 2020</span></li></ol>
      </body></html>"""
    assert day_of(page) == "2014-01-13"


def test_other_posts_dates_are_not_the_posts_date():
    page = """<html><body><article><h1>Post</h1><p>Text</p></article>
      <aside class="widget"><span class="post-date">March 1, 2020</span></aside></body></html>"""
    assert day_of(page, "https://blog.example/2015/10/15/post/") == "2015-10-15"
