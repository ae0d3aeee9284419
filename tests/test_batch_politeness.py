"""A blog's concurrency holds whatever the delay, for `scrapy crawl blog` alone as for the
workers: asserted on the blog server's own log (when each request started and ended there), for
a blog whose answers take 20 ms, crawled at DOWNLOAD_DELAY=0 as a person may set it for a blog on
their own machine. Scrapy 2.19 alone had 7 requests in flight at BLOG_CONCURRENCY=1 here; the
floor under the delay (blogcrawler/politeness.py) keeps it to 1.
"""

from __future__ import annotations

import pytest

from blogcrawler.politeness import MIN_DOWNLOAD_DELAY, DelayFloor
from tests.batch_support import serve_logged_blogs
from tests.conftest import run_crawl


@pytest.fixture(scope="module")
def slow_blog():
    server = serve_logged_blogs(1, seed=900, pause=0.02)
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("concurrency", "autothrottle"), [
    ("1", "False"),
    ("1", "True"),   # AutoThrottle's own delay never goes under the floor either
    ("2", "False"),
])
def test_scrapy_crawl_blog_keeps_the_blogs_concurrency_at_delay_zero(
        slow_blog, mongo_db, concurrency, autothrottle):
    uri, db = mongo_db
    (blog,) = slow_blog.blog.blogs
    slow_blog.spans.clear()
    result = run_crawl(blog.root, uri, db, "-s", "DOWNLOAD_DELAY=0",
                       "-s", f"AUTOTHROTTLE_ENABLED={autothrottle}", "-a", "discover=archive",
                       env={"BLOG_CONCURRENCY": concurrency})
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(slow_blog.spans) > 50  # the whole year was asked for
    most = slow_blog.most_in_flight(blog.root)
    assert most == int(concurrency), most  # never more; and the log does see requests at once


def test_the_floor_applies_to_every_delay_however_it_was_set():
    from scrapy.settings import SETTINGS_PRIORITIES, Settings

    settings = Settings()
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    settings.set("DOWNLOAD_SLOTS", {"wayback": {"concurrency": 2, "delay": 0},
                                    "other": {"concurrency": 1, "delay": 2.0},
                                    "nodelay": {"concurrency": 1}}, priority="spider")
    DelayFloor().update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == MIN_DOWNLOAD_DELAY
    assert settings.getpriority("DOWNLOAD_DELAY") == SETTINGS_PRIORITIES["cmdline"]
    slots = settings.getdict("DOWNLOAD_SLOTS")
    assert slots["wayback"] == {"concurrency": 2, "delay": MIN_DOWNLOAD_DELAY}
    assert slots["other"] == {"concurrency": 1, "delay": 2.0}  # a real delay is left alone
    assert slots["nodelay"] == {"concurrency": 1}  # takes DOWNLOAD_DELAY, floored above
    # A delay above the floor is left exactly as set.
    settings = Settings({"DOWNLOAD_DELAY": 0.5})
    DelayFloor().update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 0.5
