"""The fixture blog's shapes (fixture_site): its truth is consistent, the shapes are there, and
`extract_post` on each shape's pages gives exactly the truth the generator's own model made."""

from __future__ import annotations

import hashlib
import random
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from blogcrawler.extract import extract_post
from fixture_site import Blog, serve_blogs
from fixture_site.content import build_body, served
from fixture_site.site import REALISTIC
from tests.conftest import ROOT

SITE = "http://blog.test/"
SHAPES = {
    "default": {},
    "minified": {"minified": True},
    "postname": {"permalinks": "postname"},
    "irregular": {"schedule": "irregular"},
    "irregular-new-york": {"schedule": "irregular", "timezone": "America/New_York"},
    "irregular-tokyo": {"schedule": "irregular", "timezone": "Asia/Tokyo"},
    "realistic": REALISTIC,
}


def blog_of(shape: str, root: str = SITE) -> Blog:
    return Blog(root, **SHAPES[shape])


def page(blog: Blog, url: str) -> bytes:
    status, _, body = blog.render(url[len(blog.root) - 1:])
    assert status == 200, url
    return body


def mismatches(blog: Blog, truth: list[dict]) -> dict:
    """{url: {field: (extracted, true)}} for every field extract_post gets wrong."""
    wrong = {}
    for expected in truth:
        got = extract_post(page(blog, expected["url"]), expected["url"])
        fields = {k: (got.get(k), v) for k, v in expected.items()
                  if k != "site" and got.get(k) != v}
        if fields:
            wrong[expected["url"]] = fields
    return wrong


# -- the truth is consistent with itself -------------------------------------------------------
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_truth_is_consistent(shape):
    blog = blog_of(shape)
    truth = blog.truth()
    assert truth and len({d["url"] for d in truth}) == len(truth)
    for doc in truth:
        day = date.fromisoformat(doc["date"])
        iso = day.isocalendar()
        assert (doc["year"], doc["iso_year"], doc["iso_week"]) == (day.year, iso.year, iso.week)
        assert doc["year"] == blog.year
        assert doc["published"].tzinfo == UTC and doc["modified"] >= doc["published"]
        assert doc["published"].astimezone(blog.tz).date() == day  # the blog's own calendar day
        week = re.search(r"Week (\d+)", doc["title"])
        assert doc["week"] == (int(week.group(1)) if week else doc["iso_week"])
        assert doc["headings"] == sum(doc["headings_by_level"].values())
        assert doc["links"] == doc["links_internal"] + doc["links_external"]
        assert 0 < doc["words"] and 0 < doc["content_bytes"] < doc["html_bytes"]
        assert doc["html_bytes"] == len(page(blog, doc["url"]))
        assert doc["url"].startswith(blog.root) and doc["site"] == blog.root


def test_content_hash_is_the_hash_of_the_models_tokens():
    body = build_body(random.Random(7), SITE, 1, sep="")
    text = " ".join(body.fig.tokens)
    assert body.truth()["content_hash"] == hashlib.sha256(text.encode()).hexdigest()
    assert body.truth()["words"] == sum(1 for t in body.fig.tokens if re.search(r"\w", t))


def test_the_default_blog_is_the_demos_52_weekly_roundups():
    blog = Blog(SITE)
    truth = blog.truth()
    assert [d["title"] for d in truth] == [f"Week {n}" for n in range(1, 53)]
    assert all(re.search(r"/2015/\d\d/\d\d/week-\d+/$", d["url"]) for d in truth)
    assert not blog.minified and b"</p>\n<p>" in page(blog, truth[0]["url"])


# -- the shapes are there ----------------------------------------------------------------------
def test_minified_pages_have_no_whitespace_between_tags_and_the_same_figures():
    plain, minified = blog_of("default"), blog_of("minified")
    for loose, tight in zip(plain.truth(), minified.truth(), strict=True):
        body = page(minified, tight["url"])
        assert not re.search(rb">\s+<", body), tight["url"]
        assert b"</li><li>" in body and b"</p><p>" in body
        # Only the bytes differ: the same posts measure the same without the whitespace.
        assert tight["content_bytes"] < loose["content_bytes"]
        assert tight["html_bytes"] < loose["html_bytes"]
        for key in ("content_bytes", "html_bytes"):
            tight.pop(key), loose.pop(key)
        assert tight == loose


def test_the_minified_frame_leaves_the_body_as_the_model_wrote_it():
    blog = blog_of("minified")
    for post in blog.year_posts():
        assert served(blog.body(post.id).canonical_html()).encode() in page(blog, blog.url(post.path))


def test_postname_permalinks_carry_no_date():
    blog = blog_of("postname")
    paths = [p.path for p in blog.posts]
    assert all(re.fullmatch(r"/[a-z0-9-]+/", p) for p in paths)
    assert all(blog.respond(p)[0] == 200 for p in paths)
    assert blog.respond(paths[3] + "feed/")[0] == 200  # the post's comment feed
    archive = page(blog, blog.url("2015/")).decode()
    assert blog.url(blog.year_posts()[-1].path) in archive


@pytest.mark.parametrize("shape", ["irregular", "realistic"])
def test_posts_on_the_first_and_last_days_of_each_year(shape):
    blog = blog_of(shape)
    days = {p.published.date() for p in blog.posts}
    edges = [date(y, 12, d) for y in (2014, 2015) for d in (29, 30, 31)] + \
        [date(y, 1, d) for y in (2015, 2016) for d in (1, 2, 3)]
    assert set(edges) <= days
    stored = {d["date"] for d in blog.truth()}
    assert {"2015-01-01", "2015-12-31"} <= stored
    assert not {"2014-12-31", "2016-01-01"} & stored


def test_a_year_is_its_calendar_days_and_iso_weeks_are_beside_it():
    blog = blog_of("irregular")
    new_year = next(d for d in blog.truth(2016) if d["date"] == "2016-01-01")
    assert (new_year["year"], new_year["iso_year"], new_year["iso_week"]) == (2016, 2015, 53)
    first = next(d for d in blog.truth() if d["date"] == "2015-01-01")
    # 00:20 in Stockholm: the UTC instant is still in 2014.
    assert first["published"] == datetime(2014, 12, 31, 23, 20, tzinfo=UTC)
    assert [d["date"] for d in blog.truth(2014)] == ["2014-12-29", "2014-12-30", "2014-12-31"]
    assert [d["date"] for d in blog.truth(2016)] == ["2016-01-01", "2016-01-02", "2016-01-03"]


def test_west_of_utc_the_last_evening_of_the_year_is_next_year_in_utc():
    blog = blog_of("irregular-new-york")
    last = next(d for d in blog.truth() if d["date"] == "2015-12-31")
    assert last["published"] == datetime(2016, 1, 1, 4, 40, tzinfo=UTC)
    assert last["year"] == 2015


def test_some_weeks_have_several_posts_and_some_none():
    blog = blog_of("irregular")
    per_week = Counter(p.published.date().isocalendar().week for p in blog.year_posts()
                       if p.published.date().isocalendar().year == 2015)
    assert per_week[10] == 0 and per_week[11] == 3
    empty = [w for w in range(1, 54) if per_week[w] == 0]
    assert len(empty) >= 5 and sum(1 for n in per_week.values() if n >= 2) >= 5


def test_shapes_are_checked():
    for bad in ({"permalinks": "plain"}, {"schedule": "daily"}, {"posts": 10, "schedule": "irregular"}):
        with pytest.raises(ValueError):
            Blog(SITE, **bad)


# -- round trip through the extractor ----------------------------------------------------------
@pytest.mark.parametrize("shape", sorted(set(SHAPES) - {"default"}))  # default: test_extract.py
def test_extract_post_gives_the_truth_on_every_page(shape):
    blog = blog_of(shape)
    assert mismatches(blog, blog.truth()) == {}


def test_extract_post_gives_the_truth_for_the_neighbouring_years():
    blog = blog_of("realistic")
    assert mismatches(blog, blog.truth(2014) + blog.truth(2016)) == {}


# -- a post edited between two crawls ----------------------------------------------------------
def test_revise_changes_exactly_that_posts_content_and_modified_date():
    blog = blog_of("realistic")
    before = {d["url"]: d for d in blog.truth()}
    url = sorted(before)[5]
    old_page = page(blog, url)
    blog.revise(url)
    after = {d["url"]: d for d in blog.truth()}
    assert {u for u in after if after[u] != before[u]} == {url}
    assert after[url]["modified"] > before[url]["modified"]
    assert after[url]["content_hash"] != before[url]["content_hash"]
    assert (after[url]["published"], after[url]["date"]) == (before[url]["published"],
                                                               before[url]["date"])
    assert page(blog, url) != old_page
    assert mismatches(blog, [after[url]]) == {}
    blog.revise(url, modified=after[url]["modified"] + timedelta(days=3))
    again = {d["url"]: d for d in blog.truth()}[url]
    assert again["modified"] == after[url]["modified"] + timedelta(days=3)
    assert again["content_hash"] not in (before[url]["content_hash"], after[url]["content_hash"])


def test_revise_refuses_what_no_author_can_do():
    blog = blog_of("default")
    post = blog.year_posts()[0]
    with pytest.raises(KeyError):
        blog.revise(SITE + "no-such-post/")
    with pytest.raises(ValueError):
        blog.revise(blog.url(post.path), modified=post.published - timedelta(days=1))
    with pytest.raises(ValueError):
        blog.revise(blog.url(post.path), modified=datetime(2015, 6, 1))  # naive


# -- many blogs at once ------------------------------------------------------------------------
def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize("per_port", [False, True])
def test_serve_blogs_serves_distinct_blogs_with_exact_truths(per_port):
    with serve_blogs(3, realistic=True, per_port=per_port) as farm:
        assert len(set(farm.roots)) == 3
        truths = farm.truths()
        hashes = [{d["content_hash"] for d in truth} for truth in truths.values()]
        assert not (hashes[0] & hashes[1]) and not (hashes[1] & hashes[2])
        assert len({len(truth) for truth in truths.values()}) > 1  # different schedules
        for blog in farm:
            truth = truths[blog.root]
            assert all(d["url"].startswith(blog.root) and d["site"] == blog.root for d in truth)
            expected = truth[len(truth) // 2]
            status, body = fetch(expected["url"])
            assert status == 200 and len(body) == expected["html_bytes"]
            got = extract_post(body, expected["url"])
            assert {k: got[k] for k in expected if k != "site"} == {
                k: v for k, v in expected.items() if k != "site"}
            status, archive = fetch(blog.root + "2015/")
            assert status == 200 and blog.root.encode() in archive
        robots = fetch(farm.roots[0].split("/blog-")[0] + "/robots.txt")[1].decode() \
            if not per_port else fetch(farm.roots[0] + "robots.txt")[1].decode()
        assert "Disallow:" in robots
        assert sum(farm.hits.values()) == 3 * 2 + 1  # a post and the archive each, robots.txt


def test_sub_directory_blogs_share_one_host_and_name_each_other_nowhere():
    with serve_blogs(2) as farm:
        first, second = farm.blogs
        host = first.root.split("/blog-")[0]
        assert second.root.startswith(host)
        assert fetch(host + "/blog-99/2015/")[0] == 404
        robots = fetch(host + "/robots.txt")[1].decode()
        assert "Disallow: /blog-00/private/" in robots and "Disallow: /blog-01/private/" in robots
        assert f"Sitemap: {second.root}wp-sitemap.xml" in robots
        status, body = fetch(first.root + "wp-sitemap-posts-post-1.xml")
        assert status == 200 and second.root.encode() not in body


def test_command_line_serves_many_blogs():
    proc = subprocess.Popen([sys.executable, "-m", "fixture_site", "--blogs", "2", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("Serving 2 fixture blogs")
        roots = [proc.stdout.readline().strip() for _ in range(2)]
        assert [fetch(root + "2015/")[0] for root in roots] == [200, 200]
    finally:
        proc.terminate()
        proc.wait(10)
