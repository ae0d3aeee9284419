"""`scrapy crawl blog` over HTTP against the fixture blog, into a real SecantusDB."""

from __future__ import annotations

import json
import time

import pymongo
import pytest

from tests.conftest import run_crawl

VOLATILE = ("_id", "crawled_at", "crawl_id", "fingerprint")


def posts_of(uri: str, db: str) -> dict[str, dict]:
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        return {d["url"]: d for d in client[db].posts.find()}
    finally:
        client.close()


def crawls_of(uri: str, db: str) -> list[dict]:
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        return list(client[db].crawls.find().sort("started_at", 1))
    finally:
        client.close()


def test_crawl_stores_exactly_the_posts_of_2015_with_their_true_figures(crawled_db, blog):
    stored = posts_of(*crawled_db)
    truth = {doc["url"]: doc for doc in blog.truth()}
    assert sorted(stored) == sorted(truth)  # 52 posts, nothing of 2014 or 2016, no duplicates
    for url, expected in truth.items():
        got = {k: v for k, v in stored[url].items() if k not in VOLATILE}
        assert got == expected, url


def test_crawl_record_says_what_happened(crawled_db):
    (record,) = crawls_of(*crawled_db)
    assert record["status"] == "finished"
    assert record["finish_reason"] == "finished"
    assert record["complete"] is True
    assert record["year"] == 2015
    assert record["posts"] == {"listed": 52, "stored_new": 52, "updated": 0, "unchanged": 0,
                               "dropped": 0, "failed": 0, "not_reached": 0}
    assert record["verified"] == {"checked": True, "missing": 0}
    assert record["failures"] == []
    assert record["pages"] >= 52 + 6  # the posts and at least the year archive's pages
    assert record["finished_at"] >= record["started_at"]
    stored = posts_of(*crawled_db)
    assert {d["crawl_id"] for d in stored.values()} == {record["_id"]}


def test_second_crawl_of_an_unchanged_site_writes_nothing(mongo_db, blog_server):
    uri, db = mongo_db
    assert run_crawl(blog_server.url, uri, db).returncode == 0
    first = posts_of(uri, db)
    second_run = run_crawl(blog_server.url, uri, db)
    assert second_run.returncode == 0, second_run.stderr[-2000:]
    second = posts_of(uri, db)
    assert second == first  # not one field rewritten, crawl_id and crawled_at included
    records = crawls_of(uri, db)
    assert len(records) == 2
    items = records[1]["posts"]
    assert (items["stored_new"], items["updated"], items["unchanged"]) == (0, 0, 52)


def test_feed_export_writes_the_same_posts(mongo_db, blog_server, tmp_path, blog):
    uri, db = mongo_db
    out = tmp_path / "posts.jsonl"
    result = run_crawl(blog_server.url, uri, db, "-O", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(p["url"] for p in exported) == sorted(d["url"] for d in blog.truth())
    by_url = {d["url"]: d for d in blog.truth()}
    assert all(p["words"] == by_url[p["url"]]["words"] for p in exported)


def test_crawl_never_requests_other_years_or_duplicate_views(mongo_db, blog_server, blog):
    uri, db = mongo_db
    before = dict(blog_server.hits)
    assert run_crawl(blog_server.url, uri, db).returncode == 0
    requested = [path for path, n in blog_server.hits.items() if n > before.get(path, 0)]
    assert not [p for p in requested if "replytocom" in p or "#" in p or "/feed" in p]
    assert not [p for p in requested if p.startswith(("/2014/", "/2016/"))]
    post_paths = {d["url"][len(blog.root) - 1:] for d in blog.truth()}
    assert all(blog_server.hits[p] - before.get(p, 0) == 1 for p in post_paths)  # each once


def test_a_different_year_argument_crawls_that_year(mongo_db, blog_server):
    uri, db = mongo_db
    result = run_crawl(blog_server.url, uri, db, "-a", "year=2016")
    assert result.returncode == 0, result.stderr[-2000:]
    stored = posts_of(uri, db)
    assert [d["title"] for d in stored.values()] == ["Week 1"]
    assert all(d["date"].startswith("2016-") for d in stored.values())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-a", "year=twenty"), "-a year='twenty' is not a whole number"),
        (("-a", "year=1066"), "-a year='1066' must be at least 1995"),
        (("-a", "url=ftp://blog.example"), "not an http(s) URL"),
        (("-a", "discover=bogus"), "must be one of auto, archive, rest, sitemap, feed, wayback"),
    ],
)
def test_wrong_arguments_end_in_one_clear_sentence(mongo_db, blog_server, args, message):
    uri, db = mongo_db
    result = run_crawl(blog_server.url, uri, db, *args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error:")  # the last word
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_stops_before_fetching_anything(blog_server):
    from tests.conftest import free_port

    before = sum(blog_server.hits.values())
    started = time.monotonic()
    result = run_crawl(blog_server.url, f"mongodb://127.0.0.1:{free_port()}", "nowhere", timeout=60)
    assert time.monotonic() - started < 15  # the bound, with the default 5 s wait
    assert result.returncode == 2
    assert "cannot reach MongoDB" in result.stderr
    assert "Traceback" not in result.stderr
    assert sum(blog_server.hits.values()) == before
