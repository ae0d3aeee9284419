"""extract_post on the fixture blog's pages: every field equals the generator's ground truth."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from blogcrawler.extract import extract_post
from blogcrawler.extraction import parse_html
from blogcrawler.measure import count_words, text_of
from fixture_site import Blog

BLOG = Blog("http://blog.test/")
TRUTH = {doc["url"]: doc for doc in BLOG.truth()}


def page(url: str) -> bytes:
    status, _, body = BLOG.render(url[len(BLOG.root) - 1:])
    assert status == 200
    return body


def test_fixture_blog_has_the_weekly_roundups_of_2015():
    assert len(TRUTH) == 52
    titles = [doc["title"] for doc in TRUTH.values()]
    assert titles == [f"Week {n}" for n in range(1, 53)]
    # The blog's week numbers differ from ISO weeks, as on the real blog.
    assert all(doc["iso_week"] == doc["week"] + 1 for doc in TRUTH.values())


@pytest.mark.parametrize("url", sorted(TRUTH))
def test_every_field_equals_the_ground_truth(url):
    expected = dict(TRUTH[url])
    expected.pop("site")  # the spider's, not the page's
    got = extract_post(page(url), url)
    assert got.pop("text")
    assert got == expected


def test_reply_and_tracking_urls_measure_as_the_canonical_post():
    url = sorted(TRUTH)[10]
    got = extract_post(page(url), url + "?replytocom=123#respond")
    assert got["url"] == url


def test_word_definition():
    doc = parse_html("<div><p>don’t stop</p><p>2015-10-15 – |</p><p>a<br>b <b>c</b>d</p>"
                     "<script>var x = 1;</script><!-- hidden words --></div>")
    text = text_of(doc.find(".//div"))
    assert text == "don’t stop 2015-10-15 – | a b cd"
    assert count_words(text) == 6


def test_links_are_internal_on_the_posts_own_host():
    from blogcrawler.measure import split_links

    hrefs = ["#top", "?p=3", "/2015/10/", "other-post/", "https://blog.example/a/",
             "HTTPS://WWW.Blog.Example:443/b/", "http://user@blog.example/c", " https://blog.example",
             "//blog.example/d/", "https://elsewhere.example/", "https://blog.example.evil/",
             "mailto:me@blog.example", "javascript:void(0)", "http://[::1/", "ftp://blog.example/"]
    assert split_links(hrefs, "https://blog.example/2015/10/15/a-post/") == (9, 6)


def test_tracked_terms_are_whole_words_in_any_case():
    from blogcrawler.measure import count_terms

    text = "Data, DATA and data; a database; Big Data; GOOGLE's Apple-pie"
    assert count_terms(text, ("data", "google", "apple", "android")) == {
        "data": 4, "google": 1, "apple": 1, "android": 0}
    # A tracked term inside another tracked term counts for both.
    assert count_terms(text, ("big data", "data")) == {"big data": 1, "data": 4}


def test_command_line_prints_one_json_object_per_file(tmp_path):
    urls = sorted(TRUTH)[:2]
    files = []
    for i, url in enumerate(urls):
        path = tmp_path / f"post{i}.html"
        path.write_bytes(page(url))
        files.append(str(path))
    result = subprocess.run([sys.executable, "-m", "blogcrawler.extract", *files],
                            capture_output=True, text=True, check=True)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["url"] for line in lines] == urls  # from rel=canonical
    assert [line["words"] for line in lines] == [TRUTH[u]["words"] for u in urls]


def test_command_line_reports_an_unreadable_file(tmp_path):
    result = subprocess.run([sys.executable, "-m", "blogcrawler.extract", str(tmp_path / "nope.html")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "cannot read" in result.stderr


def _post(body: str, before: str = "") -> str:
    """The text extract_post finds in a minimal single-post page."""
    html = ("<html><body><article class='post hentry'><h1 class='entry-title'>A post</h1>"
            f"{before}<div class='entry-content'>{body}</div></article></body></html>")
    return extract_post(html.encode(), "https://blog.example/2015/10/a-post/")["text"]


PROSE = "<p>The post itself says something worth reading about its subject, at some length.</p>"


@pytest.mark.parametrize("links", [
    "<p><strong>Read more:</strong> <a href='/other/'>Another post</a></p>",
    "<p>Siehe auch<br><a href='/a/'>First post</a><br><a href='/b/'>Second post</a></p>",
    "<h2>Related articles</h2><p><a href='/a/'>First post</a></p><ul><li><a href='/b/'>"
    "Second post</a></li></ul>",
    "<p>Previous post: <a rel='prev' href='/a/'>First post</a><br>Next post: "
    "<a rel='next' href='/b/'>Second post</a></p>",
    "<h2 class='title'><a href='https://list.example/'>Click here to subscribe to our "
    "newsletter</a></h2>",
    "<p><em>Prices may change. We may receive a commission on orders placed through this "
    "article.</em></p>",
    "<h5>READ: <a href='/a/'>13 Beginner Camping Meal Ideas</a></h5>",
    "<p><strong>Diese Artikel könnten euch auch interessieren:</strong><br><a href='/a/'>Ein "
    "Beitrag</a></p>",
])
def test_link_lines_and_disclosures_inside_the_post_are_not_main_content(links):
    assert _post(PROSE + links + PROSE) == _post(PROSE + PROSE)


def test_a_label_before_prose_or_in_prose_stays():
    body = PROSE + "<h2>Related work</h2><p>Earlier studies found the same, see <a href='/x/'>" \
        "this one</a>.</p><p>We read more: <a href='/b/'>books</a> and papers.</p>" \
        "<p>Read <a href='https://iab.example/'>more about ad blocking here</a>.</p>" + PROSE
    assert "Earlier studies" in _post(body) and "We read more: books" in _post(body)
    assert "Read more about ad blocking here." in _post(body)


@pytest.mark.parametrize("lead", [
    "<div class='entry-summary'><p>A lead that sums the post up in one long sentence.</p></div>",
    "<p>A standfirst right under the title, a sentence of prose of twelve words or more.</p>",
])
def test_the_lead_printed_between_title_and_body_is_part_of_the_post(lead):
    text = _post(PROSE, before=lead)
    assert text.startswith("A ") and text.endswith(_post(PROSE))


def test_a_byline_under_the_title_is_not_a_lead():
    byline = "<p>Posted on October 21, 2015 by <a href='/author/'>Jane Doe</a> in News</p>"
    assert _post(PROSE, before=byline) == _post(PROSE)
