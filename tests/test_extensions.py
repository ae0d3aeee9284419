"""The crawl record: what it says about a run."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from blogcrawler.extensions import CrawlRecorder, crawl_outcome
from blogcrawler.spiders.blog import BlogSpider


def test_a_clean_run_is_complete():
    outcome = crawl_outcome({"item_scraped_count": 3, "blog/stored/new": 3}, [], "finished")
    assert outcome["complete"] is True
    assert outcome["items"]["stored_new"] == 3


def test_drops_are_counted_by_reason():
    stats = {"blog/dropped/no_date": 2, "blog/dropped/other_year": 1}
    outcome = crawl_outcome(stats, [], "finished")
    assert outcome["items"]["dropped"] == 3
    assert outcome["items"]["dropped_by_reason"] == {"no_date": 2, "other_year": 1}


def test_failures_unstored_posts_errors_or_a_cut_run_are_incomplete():
    failure = [{"url": "http://b/1", "kind": "post", "reason": "HTTP 404"}]
    assert crawl_outcome({}, failure, "finished")["complete"] is False
    assert crawl_outcome({"blog/stored/failed": 1}, [], "finished")["complete"] is False
    assert crawl_outcome({"spider_exceptions/count": 1}, [], "finished")["complete"] is False
    assert crawl_outcome({}, [], "shutdown")["complete"] is False


def test_a_page_whose_callback_raised_is_listed(mongo_db):
    uri, db = mongo_db
    crawler = get_crawler(BlogSpider, {"MONGODB_URI": uri, "MONGODB_DATABASE": db,
                                       "BLOG_URL": "http://blog.test", "BLOG_YEAR": "2015"})
    spider = BlogSpider.from_crawler(crawler)
    recorder = CrawlRecorder.from_crawler(crawler)
    request = Request("http://blog.test/2015/01/07/week-1/", cb_kwargs={"kind": "post"})
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    try:
        raise ValueError("boom")
    except ValueError:
        failure = Failure()
    recorder.spider_error(failure, response, spider)
    assert spider.failures == [{"url": request.url, "kind": "post",
                                "reason": "error while reading the page: ValueError: boom"}]
