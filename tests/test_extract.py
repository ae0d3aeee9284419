"""extract_post on the fixture blog's pages: every field equals the generator's ground truth."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from blogcrawler.content import parse_html
from blogcrawler.extract import extract_post
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
