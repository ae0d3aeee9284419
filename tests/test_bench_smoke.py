"""The benchmark's own pieces are correct (not how fast anything is: that is `python -m bench`)."""

from __future__ import annotations

import re

from bench.blog_server import PrerenderedBlog
from bench.ceiling import CeilingSpider
from bench.peer import year_links
from bench.table import render_table
from bench.verdicts import verdicts
from fixture_site import Blog
from fixture_site.server import BlogServer

ROOT = "http://127.0.0.1:8000/"


def test_prerendered_blog_serves_the_fixture_pages_byte_for_byte(monkeypatch):
    prerendered, blog = PrerenderedBlog(ROOT), Blog(ROOT)
    assert prerendered.prerender() == len(set(prerendered.crawl_paths()))
    for path in prerendered.crawl_paths():
        assert prerendered.respond(path) == blog.respond(path), path
        assert prerendered.render(path) == blog.render(path), path
    for post in blog.year_posts():
        assert post.path in prerendered.crawl_paths()
    assert prerendered.render("/no-such-page/")[0] == 404  # anything else: rendered as usual

    # What the server calls answers from the table, not by rendering again.
    def no_rendering(*args):
        raise AssertionError("rendered again")

    for method in ("single", "archive", "robots"):
        monkeypatch.setattr(Blog, method, no_rendering)
    server = BlogServer(("127.0.0.1", 0), lambda root: prerendered)
    try:
        for path in prerendered.crawl_paths():
            assert server.blog.respond(path)[0] == 200
    finally:
        server.server_close()


def test_ceiling_and_peer_follow_the_same_links_as_the_blog_spider():
    spider = CeilingSpider(url=ROOT, year=2015)
    follow, post = year_links(ROOT, 2015)
    posts = [f"{ROOT}2015/03/04/week-9/"]
    archives = [f"{ROOT}2015/", f"{ROOT}2015/page/3/", f"{ROOT}2015/07/", f"{ROOT}2015/07/page/2/"]
    others = [f"{ROOT}2014/12/31/week-52-2014/", f"{ROOT}2015/03/04/week-9/feed/",
              f"{ROOT}2015/03/04/week-9/attachment/photo/", f"{ROOT}about/", f"{ROOT}2016/"]
    for url in posts:
        assert spider.post_url.match(url) and re.match(post, url) and re.match(follow, url)
    for url in archives:
        assert spider.archive_url.match(url) and not spider.post_url.match(url)
        assert re.match(follow, url) and not re.match(post, url)
    for url in others:
        assert not spider.post_url.match(url) and not spider.archive_url.match(url)
        assert not re.match(follow, url)


def _results(rss_1k: int, rss_10k: int, written: int = 0) -> dict:
    def size(rss: int, ratio: float) -> dict:
        return {"repeats": 3, "crawl_pages": 1208, "ceiling_pages_per_second": 200.0,
                "server_busy_during_ceiling": 0.2, "database_busy_during_crawl": 0.3,
                "crawl_wall": 10.0,
                "crawl_pages_per_second": 200.0 * ratio, "crawl_posts_per_second": 150.0,
                "crawl_to_ceiling": ratio, "crawl_peak_rss": rss,
                "ceiling_cpu_ms_per_page": 3.0, "crawl_cpu_ms_per_page": 4.5,
                "extract": {"median_ms": 3.0, "p95_ms": 6.0, "cpu_median_ms": 2.9,
                            "cpu_p95_ms": 5.0},
                "recrawl": {"wall": 8.0, "written": written}, "peer": None}

    return {"meta": {"started": "now", "cores": 2, "load_start": "1.0", "commit": "abc",
                     "dirty": False, "duration": 300.0},
            "sizes": {"1000": size(rss_1k, 0.7), "10000": size(rss_10k, 0.65)},
            "storage": {"documents": 500, "repeats": 3, "bulk_docs_per_second": 600.0,
                        "one_at_a_time_docs_per_second": 100.0, "ratio": 6.0,
                        "unchanged_docs_per_second": 5000.0},
            "dashboard": {"missing": "n/a (dashboard bench missing)"}}


def test_verdicts_follow_the_targets_of_issue_7():
    good = verdicts(_results(100 << 20, 140 << 20))
    assert good["crawl_to_ceiling"] and good["storage_bulk"] and good["rss_streams"]
    assert good["recrawl_writes_nothing"] and good["run_time"] and good["dashboard"] is None
    bad = verdicts(_results(100 << 20, 160 << 20, written=3))
    assert bad["rss_streams"] is False and bad["recrawl_writes_nothing"] is False


def test_table_has_a_row_for_every_measure_and_the_missing_dashboard():
    results = _results(100 << 20, 140 << 20)
    results["verdicts"] = verdicts(results)
    table = render_table(results)
    for row in ("ceiling: Scrapy alone", "our crawl / ceiling", "extract_post median",
                "re-crawl: posts written", "peak RSS", "bulk / one-at-a-time",
                "n/a (dashboard bench missing)"):
        assert row in table
    assert "70%" in table and "6.00x" in table
