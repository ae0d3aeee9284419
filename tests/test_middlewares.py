"""The one retry path (RetryAfterMiddleware) with the project's settings: what is retried, how
long it waits. No network: the middleware is given the failures a download would raise."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from blogcrawler import settings as project
from blogcrawler.middlewares import MAX_BACKOFF_SECONDS, RetryAfterMiddleware, backoff_seconds
from blogcrawler.spiders.blog import BlogSpider


@pytest.fixture
def retry():
    # The project's own retry settings (no reactor: the middleware is called directly).
    settings = {name: getattr(project, name) for name in (
        "RETRY_EXCEPTIONS", "RETRY_HTTP_CODES", "RETRY_AFTER_MAX_SECONDS")}
    crawler = get_crawler(BlogSpider, {**settings, "BLOG_URL": "http://blog.test",
                                       "RETRY_TIMES": 3})
    crawler.spider = BlogSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    return RetryAfterMiddleware.from_crawler(crawler)


@pytest.mark.parametrize("error", [CannotResolveHostError("notaurl"),
                                   DownloadConnectionRefusedError("refused")])
def test_a_host_that_is_not_there_is_not_asked_again(retry, error):
    """A failed DNS lookup or a refused connection: the verdict at once, not a back-off."""
    request = Request("http://notaurl/2015/")
    assert asyncio.run(retry.process_exception(request, error)) is None


def test_a_time_out_is_retried(retry):
    request = Request("http://blog.test/2015/")
    again = asyncio.run(retry.process_exception(request, DownloadTimeoutError("slow")))
    assert again is not None and again.meta["retry_times"] == 1


def test_a_busy_archive_backs_off_doubling_and_gives_up_after_its_retries(retry):
    request = Request("http://archive.test/cdx", meta={"backoff_seconds": 0.01,
                                                       "max_retry_times": 2})
    busy = Response(request.url, status=429, request=request)
    first = asyncio.run(retry.process_response(request, busy))
    assert isinstance(first, Request) and first.meta["retry_times"] == 1
    second = asyncio.run(retry.process_response(first, busy.replace(request=first)))
    assert isinstance(second, Request) and second.meta["retry_times"] == 2
    spent = asyncio.run(retry.process_response(second, busy.replace(request=second)))
    assert spent.status == 429  # given up: the answer goes to the errback
    assert retry.crawler.stats.get_value("blog/backoff_retries") == 2


def test_backoff_doubles_honours_retry_after_and_is_capped():
    assert [backoff_seconds(n, None, 5) for n in (0, 1, 2)] == [5, 10, 20]
    assert backoff_seconds(0, "42", 5) == 42
    assert backoff_seconds(30, None, 5) == MAX_BACKOFF_SECONDS
    now = datetime(2015, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert backoff_seconds(0, "Thu, 01 Jan 2015 12:00:30 GMT", None, now) == 30
    assert backoff_seconds(0, None, None) is None
