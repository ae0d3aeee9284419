"""`scrapy crawl blog` finds the posts however the blog offers them: each route stores the same
52 posts with the same figures as the date archive, and nothing else.

Real parts: the fixture blog served on 127.0.0.1 with only some of its listings, a local stand-in
for the Wayback Machine replaying the same pages, and SecantusDB. WAYBACK_URL always points at
127.0.0.1, so no test ever reaches the live archive or the live default blog.
"""

from __future__ import annotations

import re

import pymongo
import pytest

from fixture_site import Blog, serve_blog
from fixture_site.wayback import serve_wayback
from tests.conftest import free_port, run_crawl

VOLATILE = ("_id", "crawled_at", "crawl_id", "fingerprint", "archived_at")
FAST_WAYBACK = ("-s", "WAYBACK_DELAY=0", "-s", "WAYBACK_BACKOFF_SECONDS=0.2")


def stored_posts(uri: str, db: str) -> dict[str, dict]:
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        return {d["url"]: {k: v for k, v in d.items() if k not in VOLATILE}
                for d in client[db].posts.find()}
    finally:
        client.close()


def crawl_record(uri: str, db: str) -> dict:
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        (record,) = list(client[db].crawls.find())
        return record
    finally:
        client.close()


def assert_stores_the_truth(uri: str, db: str, blog: Blog) -> None:
    stored = stored_posts(uri, db)
    truth = {doc["url"]: doc for doc in blog.truth()}
    assert sorted(stored) == sorted(truth)  # the 52 posts of 2015, nothing else
    for url, expected in truth.items():
        assert stored[url] == expected, url


@pytest.fixture
def serve():
    """Serve fixture blogs (and Wayback stand-ins) for one test; shut them all down after."""
    servers = []

    def start(server):
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def nowhere() -> str:
    """A URL on 127.0.0.1 that nothing listens on: a blog or an archive that is gone."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.mark.parametrize(("surfaces", "route", "listing_requests"), [
    ({"rest"}, "rest", 1),
    ({"sitemap"}, "sitemap", 2),
    ({"sitemap_xml"}, "sitemap", 3),  # wp-sitemap.xml 404, sitemap.xml, post-sitemap.xml
    ({"feed"}, "feed", 7),  # 6 pages, then the 404 that ends the feed
])
def test_auto_finds_the_posts_by_the_one_route_the_blog_offers(
        mongo_db, serve, surfaces, route, listing_requests):
    uri, db = mongo_db
    server = serve(serve_blog(surfaces=surfaces))
    result = run_crawl(server.url, uri, db, "-s", f"WAYBACK_URL={nowhere()}", *FAST_WAYBACK)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_stores_the_truth(uri, db, server.blog)
    record = crawl_record(uri, db)
    assert record["discovery"] == route
    skipped = record["discovery_skipped"]
    order = ["archive", "rest", "sitemap", "feed"]
    assert list(skipped) == order[:order.index(route)]  # tried in this order
    assert skipped["archive"] == f"HTTP 404 at {server.url}2015/"
    assert record["listing_requests"][route] == listing_requests
    assert record["complete"] is True and record["failures"] == []  # a skipped route is no failure
    assert not [p for p in server.hits if p.startswith(("/2014/", "/2016/"))]


@pytest.mark.parametrize(("route", "listing_requests"), [
    ("archive", 18),  # /2015/ in 6 pages and the 12 month archives
    ("rest", 1),
    ("sitemap", 2),  # wp-sitemap.xml and its one post sitemap
    ("feed", 7),
])
def test_a_chosen_route_on_a_full_blog_gives_the_same_posts_and_figures(
        mongo_db, serve, route, listing_requests):
    uri, db = mongo_db
    server = serve(serve_blog())
    result = run_crawl(server.url, uri, db, "-a", f"discover={route}",
                       "-s", f"WAYBACK_URL={nowhere()}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_stores_the_truth(uri, db, server.blog)
    record = crawl_record(uri, db)
    assert record["discovery"] == route and record["discovery_skipped"] == {}
    assert record["listing_requests"] == {route: listing_requests}
    assert record["requests"] == 1 + listing_requests + 52  # robots.txt first
    archives = [p for p in server.hits if re.match(r"/2015/(\d\d/)?(page/\d+/)?$", p)]
    assert len(archives) == (listing_requests if route == "archive" else 0)


def test_a_blog_that_is_gone_is_crawled_from_the_wayback_machine(mongo_db, serve):
    uri, db = mongo_db
    gone = Blog(nowhere())  # the pages as they were; nothing answers there any more
    archive = serve(serve_wayback(gone))
    result = run_crawl(gone.root, uri, db, "-s", f"WAYBACK_URL={archive.url}", *FAST_WAYBACK)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_stores_the_truth(uri, db, gone)  # stored under the posts' own URLs, same figures
    record = crawl_record(uri, db)
    assert record["discovery"] == "wayback"
    skipped = record["discovery_skipped"]
    assert set(skipped) == {"archive", "rest", "sitemap", "feed"}
    assert skipped["archive"] == f"connection refused at {gone.root}2015/"
    assert all(why.startswith("not tried: the site did not answer") for why in
               [skipped["rest"], skipped["sitemap"], skipped["feed"]])
    client = pymongo.MongoClient(uri, tz_aware=True)
    captures = {d["url"]: f"{d['archived_at']:%Y%m%d%H%M%S}" for d in client[db].posts.find()}
    client.close()
    assert sorted(captures) == sorted(d["url"] for d in gone.truth())
    held: dict[str, set] = {}
    for capture in archive.wayback.captures:
        held.setdefault(capture.original, set()).add(capture.timestamp)
    assert all(ts in held[url] for url, ts in captures.items())
    cdx = [p for p in archive.hits if p.startswith("/cdx/")]
    replays = [p for p in archive.hits if p.startswith("/web/")]
    assert len(cdx) == 1 and len(replays) == 52
    assert all(re.match(r"/web/\d{14}id_/http://127\.0\.0\.1:\d+/2015/", p) for p in replays)
    assert record["complete"] is True


def test_the_wayback_machine_is_asked_gently_and_again_after_429(mongo_db, serve):
    uri, db = mongo_db
    gone = Blog(nowhere())
    archive = serve(serve_wayback(gone, busy_every=4, latency=0.2))
    result = run_crawl(gone.root, uri, db, "-a", "discover=wayback",
                       "-s", f"WAYBACK_URL={archive.url}", "-s", "WAYBACK_CONCURRENCY=2",
                       *FAST_WAYBACK)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_stores_the_truth(uri, db, gone)
    record = crawl_record(uri, db)
    assert record["wayback_retries"] >= 52 // 4
    assert archive.wayback.max_active <= 2
    assert record["failures"] == []


def test_an_archive_that_refuses_is_one_listed_failure_within_seconds(mongo_db, serve):
    """A refused connection is not a busy archive: no back-off of minutes, one sentence."""
    uri, db = mongo_db
    gone, archive = Blog(nowhere()), nowhere()
    result = run_crawl(gone.root, uri, db, "-s", f"WAYBACK_URL={archive}",
                       "-s", "WAYBACK_RETRIES=5", "-s", "WAYBACK_BACKOFF_SECONDS=10",
                       timeout=150)  # 10+20+40+80+160 s of back-off before
    assert result.returncode == 3, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    record = crawl_record(uri, db)
    assert record["retries"] == 0 and record["wayback_retries"] == 0
    assert record["complete"] is False
    assert record["discovery_skipped"]["wayback"].startswith("connection refused at " + archive)
    (failure,) = record["failures"]
    assert failure["kind"] == "discovery"
    assert "no route found a post of 2015" in failure["reason"]
    assert "wayback: connection refused" in failure["reason"]
    assert stored_posts(uri, db) == {}


def test_a_year_no_route_has_ends_incomplete_and_says_why(mongo_db, serve):
    uri, db = mongo_db
    server = serve(serve_blog())
    archive = serve(serve_wayback(server.blog))
    result = run_crawl(server.url, uri, db, "-a", "year=2013",
                       "-s", f"WAYBACK_URL={archive.url}", *FAST_WAYBACK)
    assert result.returncode == 3, result.stderr[-3000:]
    record = crawl_record(uri, db)
    assert record["discovery"] is None
    assert list(record["discovery_skipped"]) == ["archive", "rest", "sitemap", "feed", "wayback"]
    (failure,) = record["failures"]
    assert failure["kind"] == "discovery" and "no route found a post of 2013" in failure["reason"]
    assert stored_posts(uri, db) == {}
