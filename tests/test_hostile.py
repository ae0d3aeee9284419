"""Hostile blogs (fixture_site/hostile.py): every crawl ends, tells the truth, and stores only
posts. Each test runs `scrapy crawl blog` against a real server on 127.0.0.1 into SecantusDB and
checks what a user would check: the exit status, the crawl record and the database."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pymongo
import pytest

from fixture_site import serve_blog
from fixture_site.hostile import NON_POSTS, OFF_SITE_HOST, serve_hostile_blog
from tests.conftest import ROOT, free_port, run_crawl

COUNTS = ("stored_new", "updated", "unchanged", "dropped", "failed", "not_reached")


@pytest.fixture
def serve():
    servers = []

    def start(*variants, **options):
        server = serve_hostile_blog(*variants, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def outcome(uri: str, db: str) -> tuple[dict, dict[str, dict]]:
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        (record,) = list(client[db].crawls.find())
        return record, {d["url"]: d for d in client[db].posts.find()}
    finally:
        client.close()


def assert_accounted(record: dict) -> None:
    """Every listed post is in exactly one state."""
    posts = record["posts"]
    assert sum(posts[k] for k in COUNTS) == posts["listed"], posts


def truth_urls(server) -> set[str]:
    return {d["url"] for d in server.blog.truth()}


# -- traps: the crawl ends, bounded --------------------------------------------------------------
def test_pagination_that_never_ends_stops_where_it_brings_no_new_post(mongo_db, serve):
    uri, db = mongo_db
    server = serve("endless_pages")
    result = run_crawl(server.url, uri, db, "-a", "discover=archive", timeout=120)
    record, posts = outcome(uri, db)
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(posts) == truth_urls(server)
    assert record["complete"] is True and record["posts"]["stored_new"] == 52
    # 6 real pages and 12 months, then one trap page that repeats page 1: the end of it.
    assert record["listing_requests"]["archive"] <= 18 + 2
    assert not [p for p in server.hits if re.fullmatch(r"/2015/page/(9|\d\d+)/", p)]


def test_calendar_like_archive_links_are_followed_only_for_real_days(mongo_db, serve):
    uri, db = mongo_db
    server = serve("calendar")
    result = run_crawl(server.url, uri, db, "-a", "discover=archive", timeout=300)
    record, posts = outcome(uri, db)
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(posts) == truth_urls(server)
    asked = [p for p in server.hits if re.fullmatch(r"/2015/\d\d/(\d\d/)?", p)]
    assert len(asked) <= 12 + 365  # 12,870 before: month 00-99 and day 00-99
    assert all(1 <= int(p.split("/")[2]) <= 12 for p in asked)
    assert "/2015/02/29/" not in server.hits and "/2015/04/31/" not in server.hits


def test_a_listing_limit_ends_the_run_incomplete_keeping_what_it_measured(mongo_db, serve):
    uri, db = mongo_db
    server = serve()
    result = run_crawl(server.url, uri, db, "-a", "discover=archive",
                       "-s", "CRAWL_MAX_LISTINGS=2")
    record, posts = outcome(uri, db)
    assert result.returncode == 3, result.stderr[-3000:]
    assert record["complete"] is False and record["finish_reason"] == "limit_listings"
    assert "CRAWL_MAX_LISTINGS" in record["limit"]
    assert record["listing_requests"]["archive"] == 2
    assert 10 <= len(posts) < 52 and record["posts"]["stored_new"] == len(posts)
    assert_accounted(record)


def test_a_posts_limit_ends_the_run_incomplete(mongo_db, serve):
    uri, db = mongo_db
    server = serve()
    result = run_crawl(server.url, uri, db, "-a", "discover=archive", "-s", "CRAWL_MAX_POSTS=7")
    record, posts = outcome(uri, db)
    assert result.returncode == 3
    assert record["finish_reason"] == "limit_posts" and "CRAWL_MAX_POSTS" in record["limit"]
    assert len(posts) == 7 == record["posts"]["listed"] == record["posts"]["stored_new"]


@pytest.mark.parametrize(("variant", "why"), [
    ("silent_robots", "robots.txt did not answer"),
    ("broken_robots", "robots.txt answered HTTP 503"),
])
def test_robots_txt_that_cannot_be_read_means_the_blog_is_not_crawled(mongo_db, serve, variant,
                                                                      why):
    uri, db = mongo_db
    server = serve(variant)
    result = run_crawl(server.url, uri, db, "-s", "ROBOTSTXT_TIMEOUT=1", "-s", "RETRY_TIMES=1",
                       timeout=120)
    record, posts = outcome(uri, db)
    assert result.returncode == 3, result.stderr[-3000:]
    assert posts == {}  # before: after 120 s it crawled as if everything were allowed
    assert server.hits == {"/robots.txt": 2}  # asked, retried once, and nothing else
    (failure,) = record["failures"]
    assert failure["kind"] == "discovery" and why in failure["reason"]
    assert "Traceback" not in result.stderr


# -- only posts are posts --------------------------------------------------------------------------
def test_canonicals_naming_the_home_page_do_not_collapse_the_posts(mongo_db, serve):
    uri, db = mongo_db
    server = serve("canonical_home")
    result = run_crawl(server.url, uri, db, "-a", "discover=archive")
    record, posts = outcome(uri, db)
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(posts) == truth_urls(server)  # 52 documents, each under its own URL (1 before)
    assert len(record["canonical_ignored"]) == 52
    assert {c["why"] for c in record["canonical_ignored"]} == {"the home page"}


def test_a_canonical_naming_another_post_is_not_trusted(mongo_db, serve):
    uri, db = mongo_db
    server = serve("canonical_other")
    result = run_crawl(server.url, uri, db, "-a", "discover=archive")
    record, posts = outcome(uri, db)
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(posts) == truth_urls(server)  # 51 before
    fifth, sixth = (server.blog.url(server.blog.year_paths[i]) for i in (5, 6))
    assert posts[fifth]["title"] != posts[sixth]["title"]
    assert record["canonical_ignored"] == [{"url": fifth, "canonical": sixth,
                                            "why": "another post"}]


def test_a_pdf_json_an_empty_page_and_a_soft_404_are_failures_not_posts(mongo_db, serve):
    uri, db = mongo_db
    server = serve("non_posts")
    result = run_crawl(server.url, uri, db, "-a", "discover=archive")
    record, posts = outcome(uri, db)
    assert result.returncode == 3, result.stderr[-3000:]
    assert record["complete"] is False
    failed = {f["url"]: f["reason"] for f in record["failures"]}
    for position, why in NON_POSTS.items():
        assert why in failed[server.blog.url(server.blog.year_paths[position])]
    assert len(posts) == 48 and record["posts"]["failed"] == 4
    assert not [d for d in posts.values() if "not found" in d["title"].lower()]
    assert_accounted(record)


def test_a_post_that_moved_to_another_host_is_a_failure_not_a_post_of_that_host(mongo_db,
                                                                                serve):
    uri, db = mongo_db
    server = serve("off_site")
    result = run_crawl(server.url, uri, db, "-a", "discover=archive")
    record, posts = outcome(uri, db)
    assert result.returncode == 3, result.stderr[-3000:]
    moved = server.blog.url(server.blog.year_paths[30])
    assert {f["url"]: f["reason"] for f in record["failures"]} == {
        moved: f"moved off-site to {OFF_SITE_HOST}"}
    assert not [u for u in posts if OFF_SITE_HOST in u] and len(posts) == 51


def test_a_post_too_large_for_one_document_fails_alone(mongo_db, serve):
    uri, db = mongo_db
    server = serve("huge_tags")
    result = run_crawl(server.url, uri, db, "-a", "discover=archive",
                       "-s", "DOWNLOAD_MAXSIZE=41943040", "-s", "MONGODB_BATCH_SIZE=100",
                       timeout=300)
    record, posts = outcome(uri, db)
    assert result.returncode == 3, result.stderr[-3000:]
    big = server.blog.url(server.blog.year_paths[40])
    (failure,) = record["failures"]
    assert failure["url"] == big and failure["kind"] == "store"
    assert "too large for one MongoDB document" in failure["reason"]
    assert len(posts) == 51 == record["posts"]["stored_new"]  # 0 and "complete" before
    assert "Scraper close failure" not in result.stderr


def test_a_later_year_post_listed_by_an_undated_sitemap_is_dropped_not_stored(mongo_db, serve):
    """Planted defect (issue 14): "the other-year guard drops only earlier years"."""
    uri, db = mongo_db
    server = serve("undated_permalinks", surfaces={"sitemap_xml"})
    result = run_crawl(server.url, uri, db, "-a", "discover=sitemap")
    record, posts = outcome(uri, db)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {d["date"][:4] for d in posts.values()} == {"2015"}
    assert len(posts) == 52
    # Listed, fetched and measured, then dropped: 6 January 2016 (later) and 31 December 2014
    # (the day's slack for a UTC lastmod).
    assert "/week-1-2016/" in server.hits and "/week-52-2014/" in server.hits
    assert record["dropped_by_reason"] == {"other_year": 2}
    assert server.blog.url("/week-1-2016/") not in posts
    assert_accounted(record)


def test_a_year_is_the_calendar_year_even_in_iso_week_53(mongo_db):
    """1 and 3 January 2016 are in ISO week 53 of 2015: a crawl of 2016 stores them as 2016."""
    server = serve_blog(year=2016, posts=366)
    try:
        uri, db = mongo_db
        result = run_crawl(server.url, uri, db, "-a", "year=2016", "-a", "discover=archive",
                           timeout=300)
        record, posts = outcome(uri, db)
        assert result.returncode == 0, result.stderr[-3000:]
        early = sorted((d for d in posts.values() if d["date"] <= "2016-01-03"),
                       key=lambda d: d["date"])
        assert [d["date"] for d in early] == ["2016-01-01", "2016-01-02", "2016-01-03"]
        assert all((d["year"], d["iso_year"], d["iso_week"]) == (2016, 2015, 53) for d in early)
        assert {d["year"] for d in posts.values()} == {2016} and len(posts) == 366
    finally:
        server.shutdown()
        server.server_close()


# -- fail fast and say why ---------------------------------------------------------------------------
@pytest.mark.parametrize("blog", ["refused port", "stopped blog"])
def test_a_blog_that_cannot_be_reached_is_reported_within_seconds(mongo_db, blog):
    uri, db = mongo_db
    if blog == "stopped blog":
        server = serve_blog()
        url = server.url
        server.shutdown()
        server.server_close()
    else:
        url = f"http://127.0.0.1:{free_port()}/"
    started = time.monotonic()
    # A public Wayback Machine is never asked about a blog on 127.0.0.1 (no request goes out:
    # the name does not resolve here either way).
    result = run_crawl(url, uri, db, "-s", "WAYBACK_URL=http://web.archive.invalid",
                       timeout=300)
    assert time.monotonic() - started < 150  # about 325 s before (a loose bound: shared machine)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    record, posts = outcome(uri, db)
    assert posts == {}
    assert record["retries"] == 0 and record["wayback_retries"] == 0  # refused: not retried
    assert record["requests"] == 2  # robots.txt and the date archive, once each
    skipped = record["discovery_skipped"]
    assert skipped["archive"].startswith("connection refused at ")
    assert skipped["wayback"].startswith("not tried: 127.0.0.1 is a local address")
    (failure,) = record["failures"]
    assert "no route found a post of 2015" in failure["reason"]


def test_an_unknown_spider_argument_is_an_error_not_ignored(mongo_db, blog_server):
    uri, db = mongo_db
    before = sum(blog_server.hits.values())
    result = run_crawl(blog_server.url, uri, db, "-a", "URL=http://elsewhere.test/")
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: -a URL is not an argument of the blog spider")
    assert sum(blog_server.hits.values()) == before  # nothing fetched


# -- memory and deep markup ------------------------------------------------------------------------
def test_a_crawl_stays_under_300_mb_with_the_largest_page_it_accepts(mongo_db, serve):
    """DOWNLOAD_MAXSIZE is chosen so that this holds (evidence: `python -m bench.memory`); the
    page is dense markup, the heaviest kind to parse. A page over the limit fails alone."""
    from bench.measure import PeakRss
    from blogcrawler.settings import DOWNLOAD_MAXSIZE

    uri, db = mongo_db
    server = serve("big_post")
    blog = server.blog
    blog.big_bytes = DOWNLOAD_MAXSIZE - len(blog.respond(blog.year_paths[40])[2]) - 4096
    page = len(blog.respond(blog.year_paths[40])[2])
    assert DOWNLOAD_MAXSIZE - 8192 < page < DOWNLOAD_MAXSIZE
    command = [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"url={server.url}",
               "-a", "discover=archive", "-s", f"MONGODB_URI={uri}", "-s",
               f"MONGODB_DATABASE={db}", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", "DOWNLOAD_DELAY=0"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid) as rss:
        _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr[-3000:]
    record, posts = outcome(uri, db)
    assert len(posts) == 52 and record["complete"] is True
    assert rss.peak < 300 * 1024 * 1024, f"peak RSS {rss.peak / 2**20:.0f} MB"

    over = serve("big_post", big_bytes=DOWNLOAD_MAXSIZE + 64 * 1024)
    result = run_crawl(over.url, uri, f"{db}_over", "-a", "discover=archive")
    record, posts = outcome(uri, f"{db}_over")
    assert result.returncode == 3
    (failure,) = record["failures"]
    assert failure["url"] == over.blog.url(over.blog.year_paths[40])
    assert failure["reason"].startswith("size limit")
    assert len(posts) == 51


def test_markup_nested_300_deep_is_measured_in_full(mongo_db, serve):
    uri, db = mongo_db
    server = serve("deep_markup")
    result = run_crawl(server.url, uri, db, "-a", "discover=archive")
    record, posts = outcome(uri, db)
    assert result.returncode == 0, result.stderr[-3000:]
    deep = server.blog.url(server.blog.year_paths[41])
    truth = {d["url"]: d for d in server.blog.truth()}[deep]
    assert posts[deep]["words"] == truth["words"]  # 148 -> 17 before
    assert posts[deep]["paragraphs"] == truth["paragraphs"]
