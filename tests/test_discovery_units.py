"""The discovery parsers on the fixture blog's own answers and on hand-written edge cases: pure
functions, no server, no Scrapy engine. Also the fixture's REST API, sitemaps, feed paging and
Wayback stand-in answer as WordPress and the Internet Archive do (WORDPRESS.md sections 7-9)."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

from blogcrawler import discovery
from blogcrawler.discovery import Capture, Listing
from blogcrawler.runner import chain_of
from fixture_site import Blog
from fixture_site.wayback import Wayback

ROOT = "http://blog.test/"
BLOG = Blog(ROOT)
TRUTH = sorted(doc["url"] for doc in BLOG.truth())


def answer(blog: Blog, url: str):
    return blog.respond(url[len(blog.root) - 1:])


def walk(blog: Blog, start: str, parse) -> tuple[int, list[str]]:
    """Follow a route's listings in-process as the spider does: (listing requests, posts)."""
    queue, seen, posts, chains = [(start, 1)], set(), [], {}
    while queue:
        url, page = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        status, headers, body = answer(blog, url)
        if status != 200:
            continue
        listing: Listing = parse(url, page, headers, body)
        chain = chains.setdefault(chain_of(url), set())
        new, _ = set(listing.posts) - chain, chain.update(listing.posts)
        posts += [p for p in listing.posts if p not in posts]
        queue += [(u, 1) for u in listing.next]
        if new:  # a page that lists nothing its earlier pages did not ends them
            queue += [(u, page + n) for n, u in enumerate(listing.pages, start=1)]
    return len(seen), sorted(posts)


def archive_route(blog):
    return walk(blog, f"{blog.root}{blog.year}/", lambda url, page, headers, body:
                discovery.parse_archive_page(body.decode(), url, blog.root, blog.year))


def rest_route(blog):
    return walk(blog, discovery.rest_url(blog.root, blog.year), lambda url, page, headers, body:
                discovery.parse_rest_page(body, page, headers.get("X-WP-TotalPages"),
                                          headers.get("Link"), blog.root, blog.year))


def sitemap_route(blog, start):
    return walk(blog, start, lambda url, page, headers, body:
                discovery.parse_sitemap(body, blog.root, blog.year))


def feed_route(blog):
    return walk(blog, discovery.feed_url(blog.root), lambda url, page, headers, body:
                discovery.parse_feed(body, page, blog.root, blog.year))


# -- every route lists exactly the 52 posts of 2015 ----------------------------------------------
def test_every_route_lists_exactly_the_posts_of_the_year():
    assert archive_route(BLOG) == (18, TRUTH)  # 6 pages of /2015/ and 12 month archives
    assert rest_route(BLOG) == (1, TRUTH)
    assert sitemap_route(BLOG, f"{ROOT}wp-sitemap.xml") == (2, TRUTH)
    assert sitemap_route(BLOG, f"{ROOT}sitemap.xml") == (2, TRUTH)  # page-sitemap.xml skipped
    assert feed_route(BLOG) == (7, TRUTH)  # 6 pages and the 404 that ends the feed


def test_rest_needs_a_tenth_of_the_archive_listing_requests_for_2000_posts():
    big = Blog(ROOT, posts=2000)
    expected = sorted(big.url(p.path) for p in big.year_posts())
    rest_requests, rest_posts = rest_route(big)
    archive_requests, archive_posts = archive_route(big)
    assert rest_posts == archive_posts == expected
    assert rest_requests == 20  # 2,000 / 100 a page
    months = Counter(p.published.month for p in big.year_posts())
    assert archive_requests == 200 + sum(math.ceil(n / 10) for n in months.values()) == 403
    assert archive_requests > 20 * rest_requests


# -- strategies --------------------------------------------------------------------------------
def test_strategy_names():
    assert discovery.parse_strategies(None) == discovery.STRATEGIES
    assert discovery.parse_strategies(" AUTO ") == (
        "archive", "rest", "sitemap", "feed", "wayback")
    assert discovery.parse_strategies("rest") == ("rest",)
    with pytest.raises(ValueError, match="not one of archive, rest"):
        discovery.parse_strategies("google")


# -- REST API ----------------------------------------------------------------------------------
def test_rest_url_asks_for_the_year_a_hundred_at_a_time():
    query = parse_qs(urlsplit(discovery.rest_url(ROOT, 2015, 3)).query)
    assert query["after"] == ["2014-12-31T23:59:59"] and query["before"] == ["2016-01-01T00:00:00"]
    assert query["per_page"] == ["100"] and query["page"] == ["3"]
    assert discovery.rest_url(ROOT, 2015).startswith(f"{ROOT}wp-json/wp/v2/posts?")


def test_rest_first_page_queues_all_other_pages_at_once():
    body = json.dumps([{"id": 1, "date": "2015-01-01T00:20:00", "link": f"{ROOT}2015/01/01/a/"},
                       {"id": 2, "date": "2014-12-31T23:00:00", "link": f"{ROOT}2014/12/31/b/"},
                       {"id": 3, "date": "2015-06-01T10:00:00", "link": f"{ROOT}?p=3"}])
    listing = discovery.parse_rest_page(body, 1, "3", None, ROOT, 2015)
    assert listing.posts == [f"{ROOT}2015/01/01/a/", f"{ROOT}?p=3"]
    assert [parse_qs(urlsplit(u).query)["page"] for u in listing.pages] == [["2"], ["3"]]
    assert discovery.parse_rest_page(body, 2, "3", None, ROOT, 2015).pages == []


def test_rest_without_total_pages_follows_the_link_header():
    link = f'<{ROOT}wp-json/wp/v2/posts?page=1>; rel="prev", <{ROOT}wp-json/wp/v2/posts?page=3>; rel="next"'
    listing = discovery.parse_rest_page("[]", 2, None, link, ROOT, 2015)
    assert listing.pages == [f"{ROOT}wp-json/wp/v2/posts?page=3"]
    assert discovery.link_rel(link, "prev") == f"{ROOT}wp-json/wp/v2/posts?page=1"
    assert discovery.link_rel(None, "next") is None


@pytest.mark.parametrize("body", [b"<html>404</html>", b'{"code": "rest_no_route"}', b"42"])
def test_rest_answers_that_are_not_posts_raise(body):
    with pytest.raises(ValueError):
        discovery.parse_rest_page(body, 1, None, None, ROOT, 2015)


def test_fixture_rest_api_answers_as_wordpress():
    status, headers, body = answer(BLOG, discovery.rest_url(ROOT, 2015).replace(
        "per_page=100", "per_page=20").replace("page=1", "page=2"))
    assert status == 200
    assert (headers["X-WP-Total"], headers["X-WP-TotalPages"]) == ("52", "3")
    assert 'rel="prev"' in headers["Link"] and 'rel="next"' in headers["Link"]
    posts = json.loads(body)
    assert [p["date"][:10] for p in posts] == sorted(p["date"][:10] for p in posts)
    assert set(posts[0]) == {"id", "date", "link"}  # _fields honoured
    assert answer(BLOG, f"{ROOT}wp-json/wp/v2/posts?per_page=101")[0] == 400
    past = json.loads(answer(BLOG, f"{ROOT}wp-json/wp/v2/posts?per_page=100&page=2")[2])
    assert past["code"] == "rest_post_invalid_page_number"
    none = answer(BLOG, f"{ROOT}wp-json/wp/v2/posts?after=2030-01-01T00:00:00")
    assert (none[0], none[1]["X-WP-Total"], none[2]) == (200, "0", b"[]")
    full = json.loads(answer(BLOG, f"{ROOT}wp-json/wp/v2/posts?per_page=1")[2])[0]
    assert full["link"] == BLOG.url(BLOG.posts[-1].path)
    assert full["date_gmt"] < full["date"] and "rendered" in full["content"]


# -- sitemaps ----------------------------------------------------------------------------------
def test_sitemap_index_leads_only_to_post_sitemaps():
    listing = discovery.parse_sitemap(answer(BLOG, f"{ROOT}wp-sitemap.xml")[2], ROOT, 2015)
    assert listing.posts == [] and listing.next == [f"{ROOT}wp-sitemap-posts-post-1.xml"]
    plain = discovery.parse_sitemap(answer(BLOG, f"{ROOT}sitemap.xml")[2], ROOT, 2015)
    assert plain.next == [f"{ROOT}post-sitemap.xml"]


def test_sitemap_of_posts_is_filtered_to_the_year_by_permalink_date():
    body = answer(BLOG, f"{ROOT}wp-sitemap-posts-post-1.xml")[2]
    assert sorted(discovery.parse_sitemap(body, ROOT, 2015).posts) == TRUTH
    assert len(discovery.parse_sitemap(body, ROOT, 2016).posts) == 1


def test_sitemap_without_dates_in_permalinks_uses_lastmod():
    body = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>http://blog.test/old-post/</loc><lastmod>2014-02-01T00:00:00+00:00</lastmod></url>"
            b"<url><loc>http://blog.test/new-post/</loc><lastmod>2016-02-01T00:00:00+00:00</lastmod></url>"
            b"<url><loc>http://blog.test/no-date/</loc></url>"
            b"<url><loc>http://blog.test/</loc></url>"
            b"<url><loc>http://elsewhere.test/x/</loc></url></urlset>")
    assert discovery.parse_sitemap(body, ROOT, 2015).posts == [
        "http://blog.test/new-post/", "http://blog.test/no-date/"]


@pytest.mark.parametrize("body", [b"<html><body>Not found</body></html>", b"", b"{}"])
def test_sitemap_answers_that_are_not_sitemaps_raise(body):
    with pytest.raises(ValueError):
        discovery.parse_sitemap(body, ROOT, 2015)


def test_fixture_sitemaps_follow_wordpress():
    big = Blog(ROOT, posts=2500)
    index = answer(big, f"{ROOT}wp-sitemap.xml")[2].decode()
    assert re.findall(r"wp-sitemap-posts-post-\d\.xml", index) == [
        "wp-sitemap-posts-post-1.xml", "wp-sitemap-posts-post-2.xml"]
    first = answer(big, f"{ROOT}wp-sitemap-posts-post-1.xml")[2].decode()
    assert first.count("<url>") == 2000  # wp_sitemaps_max_urls
    assert "Sitemap: http://blog.test/wp-sitemap.xml" in BLOG.robots()
    only = Blog(ROOT, surfaces={"sitemap"})
    assert answer(only, f"{ROOT}sitemap.xml")[0] == 404
    assert answer(only, f"{ROOT}2015/")[0] == 404 and answer(only, f"{ROOT}feed/")[0] == 404


# -- feeds -------------------------------------------------------------------------------------
def test_feed_pages_run_newest_first_until_past_the_year():
    first = discovery.parse_feed(answer(BLOG, discovery.feed_url(ROOT))[2], 1, ROOT, 2015)
    assert len(first.posts) == 9  # ten items, one of 2016
    assert first.pages == [f"{ROOT}feed/?paged=2"]
    status, _, body = answer(BLOG, f"{ROOT}feed/?paged=6")
    last = discovery.parse_feed(body, 6, ROOT, 2015)
    assert status == 200 and len(last.posts) == 3
    assert answer(BLOG, f"{ROOT}feed/?paged=7")[0] == 404  # WordPress, past the last page
    assert discovery.parse_feed(body, 6, ROOT, 2014).pages == [f"{ROOT}feed/?paged=7"]
    assert discovery.parse_feed(body, 6, ROOT, 2016).pages == []  # reaches back before 2016


def test_atom_feed_and_undated_permalinks():
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
      <entry><link rel="alternate" href="http://blog.test/a-post/"/><published>2015-03-01T10:00:00Z</published></entry>
      <entry><link rel="replies" href="http://blog.test/a-post/#comments"/><link href="http://blog.test/older/"/>
        <published>2014-12-30T10:00:00Z</published></entry></feed>"""
    listing = discovery.parse_feed(atom, 1, ROOT, 2015)
    assert listing.posts == ["http://blog.test/a-post/"]
    assert listing.pages == []  # the second entry is before 2015: the year is passed


@pytest.mark.parametrize("body", [b"<html><p>Not found</p></html>", b"not xml at all"])
def test_feed_answers_that_are_not_feeds_raise(body):
    with pytest.raises(ValueError):
        discovery.parse_feed(body, 1, ROOT, 2015)


# -- the Wayback Machine -----------------------------------------------------------------------
def test_cdx_query_asks_for_good_html_captures_of_the_year_one_per_url():
    url = discovery.cdx_url("https://web.archive.org/", "http://malm.teqy.net/", 2015)
    assert url.startswith("https://web.archive.org/cdx/search/cdx?url=malm.teqy.net/2015/*&")
    for part in ("output=json", "filter=statuscode:200", "collapse=urlkey"):
        assert part in url
    sub = discovery.cdx_url("http://127.0.0.1:9", "https://blog.example/sub/", 2015)
    assert "url=blog.example/sub/2015/*" in sub


def test_cdx_answer_gives_one_capture_per_post_of_the_year():
    wayback = Wayback(BLOG)
    target = discovery.cdx_url("http://wb", ROOT, 2015)[len("http://wb"):]
    status, _, body = wayback.respond(target)
    captures = discovery.parse_cdx(body, ROOT, 2015)
    assert status == 200
    assert [c.post for c in captures] == TRUTH  # no feed, archive, reply link or 404
    assert all(c.original == c.post for c in captures)  # the post's own URL, not a variant
    assert all(len(c.timestamp) == 14 for c in captures)


def test_cdx_prefers_the_posts_own_url_then_the_latest_capture_and_skips_bad_rows():
    rows = [["timestamp", "original", "statuscode"],
            ["20150101000000", f"{ROOT}2015/01/07/week-1/", "200"],
            ["20150601000000", f"{ROOT}2015/01/07/week-1/", "200"],
            ["20160101000000", f"{ROOT}2015/01/07/week-1/?replytocom=5", "200"],
            ["20170101000000", f"{ROOT}2015/01/07/week-1/", "404"],
            ["20150101000000", f"{ROOT}2015/01/07/week-1/feed/", "200"],
            ["20160101000000", f"{ROOT}2015/01/14/week-2/?replytocom=7", "200"]]
    assert discovery.parse_cdx(json.dumps(rows), ROOT, 2015) == [
        Capture("20150601000000", f"{ROOT}2015/01/07/week-1/", f"{ROOT}2015/01/07/week-1/"),
        Capture("20160101000000", f"{ROOT}2015/01/14/week-2/?replytocom=7",
                f"{ROOT}2015/01/14/week-2/")]
    assert discovery.parse_cdx("[]", ROOT, 2015) == []
    assert discovery.parse_cdx("", ROOT, 2015) == []
    with pytest.raises(ValueError):
        discovery.parse_cdx("<html>", ROOT, 2015)


def test_replay_urls_are_original_bytes_and_keep_their_timestamp():
    capture = Capture("20160214120000", f"{ROOT}2015/01/07/week-1/", f"{ROOT}2015/01/07/week-1/")
    url = discovery.replay_url("https://web.archive.org/", capture)
    assert url == "https://web.archive.org/web/20160214120000id_/http://blog.test/2015/01/07/week-1/"
    assert discovery.replay_timestamp(url) == "20160214120000"
    assert discovery.replay_timestamp("http://blog.test/2015/01/07/week-1/") is None


def test_wayback_stand_in_replays_original_bytes_and_redirects_to_the_nearest_capture():
    wayback = Wayback(BLOG)
    post = BLOG.year_posts()[0]
    (capture, *_) = [c for c in wayback.captures if c.target == post.path]
    status, headers, body = wayback.respond(f"/web/{capture.timestamp}id_/{BLOG.url(post.path)}")
    assert (status, body) == (200, BLOG.render(post.path)[2])
    status, headers, _ = wayback.respond(f"/web/2015id_/{BLOG.url(post.path)}")
    assert status == 302 and "id_/" in headers["Location"]
    rewritten = wayback.respond(f"/web/{capture.timestamp}/{BLOG.url(post.path)}")[2]
    assert rewritten != body and b"wm-ipp" in rewritten


# -- archive links: real months and days only, pagination apart --------------------------------
def test_archive_links_are_followed_only_for_real_months_and_days():
    page = "".join(f'<a href="{ROOT}2015/{m:02d}/{d:02d}/">x</a>' for m in range(100)
                   for d in range(0, 100, 7))
    page += "".join(f'<a href="{ROOT}2015/{m:02d}/">x</a>' for m in range(100))
    page += f'<a href="{ROOT}2015/page/2/">2</a><a href="{ROOT}2015/02/page/3/">3</a>'
    listing = discovery.parse_archive_page(page, f"{ROOT}2015/", ROOT, 2015)
    months = [u for u in listing.next if re.fullmatch(r".*/2015/\d\d/", u)]
    days = [u for u in listing.next if re.fullmatch(r".*/2015/\d\d/\d\d/", u)]
    assert len(months) == 12  # 01-12, not 00 or 13-99
    assert f"{ROOT}2015/02/28/" in days and f"{ROOT}2015/02/29/" not in days  # 2015: no leap day
    assert all(u.split("/")[-2] != "00" for u in days)
    assert listing.pages == [f"{ROOT}2015/page/2/", f"{ROOT}2015/02/page/3/"]
