"""The worker writes a blog-year's summary that its crawl's end left out (the database failed
that write, or the crawl could not start after an earlier one stored posts): the dashboard then
opens the blog-year with the posts the database holds. Real Redis and a real SecantusDB; the
worker's own code path for a job's end (`Worker._record`), as tests/test_batch.py drives it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pymongo
import pytest

from blogcrawler.crawlhost import Crawl
from tests.batch_support import RedisServer, app_env, batch, jobs_of, needs_redis
from tests.test_batch import in_process_worker, put_record

pytestmark = needs_redis

SITE = "https://blog.example/"


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


def store_posts(uri: str, db: str, count: int, crawl_id: str) -> None:
    client = pymongo.MongoClient(uri)
    try:
        client[db].posts.insert_many([{
            "url": f"{SITE}2015/03/{i + 1:02d}/p{i}/", "site": SITE, "year": 2015,
            "date": f"2015-03-{i + 1:02d}", "iso_year": 2015, "iso_week": 9 + i // 7,
            "week": 9 + i // 7, "title": f"Post {i}", "words": 100 + i, "crawl_id": crawl_id,
            "crawled_at": datetime.now(UTC)} for i in range(count)])
    finally:
        client.close()


def summary_of(uri: str, db: str) -> dict | None:
    client = pymongo.MongoClient(uri)
    try:
        return client[db].posts_years.find_one({"_id": f"{SITE}|2015"})
    finally:
        client.close()


def started_job(env, uri, db):
    assert batch(env, "--year", "2015", SITE).returncode == 0
    token = jobs_of(uri, db)[f"{SITE}|2015"]["token"]
    crawl = Crawl({"url": SITE, "year": "2015"})
    worker = in_process_worker(env)
    attempt, why = worker.store.start(SITE, 2015, token, worker.name, 3, crawl.crawl_id)
    assert why == "started"
    return worker, attempt, crawl


def test_a_crawl_whose_summary_write_failed_gets_it_from_its_worker(redis_server, mongo_db):
    uri, db = mongo_db
    env = app_env(redis_server.url, uri, db)
    worker, attempt, crawl = started_job(env, uri, db)
    try:
        # The crawl stored 7 posts and closed its record; the summary's write then failed.
        store_posts(uri, db, 7, crawl.crawl_id)
        put_record(uri, db, crawl.crawl_id, status="finished", complete=True,
                   finish_reason="finished", started_at=datetime.now(UTC),
                   verified={"checked": True, "missing": 0})
        assert summary_of(uri, db) is None
        assert worker._record(attempt, crawl, None, 30.0) == "done"
    finally:
        worker.store.close()
    summary = summary_of(uri, db)
    assert summary is not None and summary["posts"] == 7
    assert summary["crawl"]["_id"] == crawl.crawl_id
    assert jobs_of(uri, db)[f"{SITE}|2015"]["state"] == "done"


def test_a_crawl_that_could_not_start_leaves_an_earlier_crawls_posts_summarised(
        redis_server, mongo_db):
    """An earlier crawl (killed, no summary) stored 5 posts; this job's crawl fails to start:
    the job is failed and the blog-year still opens with the 5 posts."""
    uri, db = mongo_db
    env = app_env(redis_server.url, uri, db)
    put_record(uri, db, "killed-earlier", status="interrupted", complete=False,
               finish_reason="no_heartbeat", started_at=datetime.now(UTC) - timedelta(hours=1))
    store_posts(uri, db, 5, "killed-earlier")
    worker, attempt, crawl = started_job(env, uri, db)
    try:
        assert worker._record(attempt, crawl, "the crawl could not start: OSError: boom",
                              1.0) == "failed"
    finally:
        worker.store.close()
    summary = summary_of(uri, db)
    assert summary is not None and summary["posts"] == 5
    assert jobs_of(uri, db)[f"{SITE}|2015"]["state"] == "failed"
