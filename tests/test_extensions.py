"""The crawl record component, fed by its signals, against a real SecantusDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pymongo
import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from blogcrawler import signals as blog_signals
from blogcrawler.extensions import CrawlRecorder, drop_reason
from blogcrawler.pipelines import PostDropped
from blogcrawler.spiders.blog import BlogSpider
from blogcrawler.storage import Storage, UpsertResult
from tests.conftest import crawl_recorder

URL = "http://blog.test/2015/01/07/week-1/"


@pytest.fixture
def recorder(mongo_db):
    with crawl_recorder(mongo_db) as recorder:
        yield recorder


def send(recorder, signal, **kwargs):
    recorder.crawler.signals.send_catch_log(signal, **kwargs)


def stored_record(recorder) -> dict:
    client = pymongo.MongoClient(recorder.storage.uri, tz_aware=True)
    try:
        return client[recorder.storage.database_name].crawls.find_one({"_id": recorder.crawl_id})
    finally:
        client.close()


def test_a_run_starts_as_running_with_a_heartbeat_and_empty_counts(recorder):
    record = stored_record(recorder)
    assert record["status"] == "running" and record["complete"] is False
    assert record["heartbeat_at"] >= record["started_at"]
    assert record["posts"]["listed"] == 0


def test_a_page_whose_callback_raised_is_listed_and_the_run_incomplete(recorder):
    send(recorder, blog_signals.post_listed, url=URL, route="archive")
    request = Request(URL, cb_kwargs={"listed": URL})
    response = HtmlResponse(URL, body=b"<html></html>", request=request)
    try:
        raise ValueError("boom")
    except ValueError:
        failure = Failure()
    recorder.spider_error(failure, response, recorder.crawler.spider)
    record = recorder.finish("finished")
    assert record["failures"] == [{"url": URL, "kind": "post",
                                   "reason": "error while reading the page: ValueError: boom"}]
    assert record["complete"] is False and record["status"] == "finished"


def test_stored_posts_are_checked_against_the_database(recorder):
    """A record never claims a post the database does not hold."""
    other = URL.replace("week-1", "week-2")
    for url in (URL, other):
        send(recorder, blog_signals.post_listed, url=url, route="archive")
        send(recorder, blog_signals.post_measured, listed=url, url=url)
    storage = Storage(recorder.storage.uri, recorder.storage.database_name)
    storage.posts.insert_one({"url": URL, "crawl_id": recorder.crawl_id})  # only one is there
    storage.close()
    send(recorder, blog_signals.posts_stored, result=UpsertResult(new_urls=[URL, other]))
    record = recorder.finish("finished")
    assert record["posts"]["stored_new"] == 1 and record["posts"]["failed"] == 1
    assert record["verified"] == {"checked": True, "missing": 1}
    assert record["failures"][0]["url"] == other
    assert "not in it" in record["failures"][0]["reason"]
    assert record["complete"] is False
    assert stored_record(recorder)["posts"] == record["posts"]


@pytest.mark.parametrize("reason", ["shutdown", "forced_stop", "database_unavailable",
                                    "closespider_timeout", "cancelled"])
def test_only_a_normal_end_with_nothing_missing_is_complete(recorder, reason):
    """Planted defect (issue 14): "a crawl is complete unless stopped by Ctrl-C"."""
    record = recorder.finish(reason)
    assert record["complete"] is False
    assert recorder.exit_status() == 3


def test_a_clean_run_is_complete_and_exits_0(recorder):
    send(recorder, blog_signals.post_listed, url=URL, route="archive")
    send(recorder, blog_signals.post_measured, listed=URL, url=URL)
    storage = Storage(recorder.storage.uri, recorder.storage.database_name)
    storage.posts.insert_one({"url": URL, "crawl_id": recorder.crawl_id})
    storage.close()
    send(recorder, blog_signals.posts_stored, result=UpsertResult(new_urls=[URL]))
    record = recorder.finish("finished")
    assert record["complete"] is True and recorder.exit_status() == 0


def test_drops_are_counted_by_reason(recorder):
    send(recorder, blog_signals.post_listed, url=URL, route="sitemap")
    send(recorder, blog_signals.post_measured, listed=URL, url=URL)
    recorder.item_dropped({"url": URL}, None, PostDropped("other_year", "2016"), None)
    record = recorder.finish("finished")
    assert record["dropped_by_reason"] == {"other_year": 1}
    assert record["complete"] is True  # a post of another year is not a failure
    assert drop_reason(Exception("no_date: x")) == "no_date"


def test_a_stale_running_record_of_the_same_blog_is_marked_interrupted(mongo_db):
    uri, db = mongo_db
    storage = Storage(uri, db)
    old = datetime.now(UTC) - timedelta(minutes=5)
    storage.crawls.insert_many([
        {"_id": "dead", "site": "http://blog.test/", "status": "running", "started_at": old,
         "heartbeat_at": old, "posts": {"listed": 5, "stored_new": 2, "not_reached": 3}},
        {"_id": "alive", "site": "http://blog.test/", "status": "running",
         "started_at": old, "heartbeat_at": datetime.now(UTC)},
        {"_id": "other-blog", "site": "http://other.test/", "status": "running",
         "started_at": old, "heartbeat_at": old}])
    crawler = get_crawler(BlogSpider, {"MONGODB_URI": uri, "MONGODB_DATABASE": db,
                                       "BLOG_URL": "http://blog.test", "BLOG_YEAR": "2015"})
    spider = BlogSpider.from_crawler(crawler)
    crawler.spider = spider
    recorder = CrawlRecorder.from_crawler(crawler)
    recorder.spider_opened(spider)
    recorder._stop_heartbeat()
    states = {d["_id"]: d for d in storage.crawls.find()}
    storage.close()
    assert states["dead"]["status"] == "interrupted"
    assert states["dead"]["finish_reason"] == "no_heartbeat"
    assert states["dead"]["posts"]["stored_new"] == 2  # its last counts kept
    assert states["alive"]["status"] == "running"
    assert states["other-blog"]["status"] == "running"
