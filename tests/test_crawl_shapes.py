"""`scrapy crawl blog` on each shape of the fixture blog (minified pages, /%postname%/ permalinks,
posts around the turn of the year, uneven weeks, a blog in a sub-directory, a post edited between
two crawls), into SecantusDB: the stored documents equal the generator's truth field by field.

The crawls are real subprocesses (`run_crawl`); they run a few at a time in one module fixture,
so the shapes cost the suite the time of the slowest few, not of all of them in a row.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pymongo
import pytest

from fixture_site import Blog, serve_blog, serve_blogs
from fixture_site.site import REALISTIC
from tests.conftest import run_crawl

VOLATILE = ("_id", "crawled_at", "crawl_id", "fingerprint")
# The realistic blog holds every shape at once (minified, /%postname%/, posts around the turn of
# the year, uneven weeks): one crawl per discovery route and year instead of one per shape keeps
# the suite's time; test_fixture_site.py checks each shape's pages on their own.
BLOGS = {  # the blogs served, by name: Blog options
    "minified": {"minified": True},  # dated permalinks, weekly: minified markup alone
    "realistic": REALISTIC,  # Stockholm: 1 January 00:20 is 31 December in UTC
    "realistic-new-york": {**REALISTIC, "timezone": "America/New_York"},  # 31 December 23:40
}                                                                         # is 1 January in UTC
CASES = {  # case: (blog, crawl arguments, year)
    "minified": ("minified", (), 2015),
    "realistic": ("realistic", (), 2015),
    "realistic-new-york": ("realistic-new-york", (), 2015),
    "realistic-2016": ("realistic", ("-a", "year=2016"), 2016),
    "realistic-rest": ("realistic", ("-a", "discover=rest"), 2015),
    "realistic-feed": ("realistic", ("-a", "discover=feed"), 2015),
    "realistic-sitemap": ("realistic", ("-a", "discover=sitemap"), 2015),
    "sub-directory": ("farm", (), 2015),
}
SITEMAP_MISSES_NEW_YEAR = pytest.mark.xfail(strict=True, reason=(
    "crawler defect (discovery.parse_sitemap): an undated permalink is kept only when its "
    "<lastmod>, a UTC time, is in the year; a post of 1 January 00:20 in a zone east of UTC has "
    "a lastmod of 31 December, so the sitemap route never lists it and the crawl still says "
    "complete"))
PARAMS = [pytest.param(case, marks=SITEMAP_MISSES_NEW_YEAR) if case.endswith("sitemap") else case
          for case in CASES]


def counts(record: dict) -> dict:
    """The post counts of a crawl record (contracts.md names them `posts`; older main `items`)."""
    return record["posts"] if isinstance(record.get("posts"), dict) else record["items"]


def read(uri: str, db: str) -> tuple[dict[str, dict], list[dict]]:
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        posts = {d["url"]: d for d in client[db].posts.find()}
        return posts, list(client[db].crawls.find().sort("started_at", 1))
    finally:
        client.close()


def measured(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in VOLATILE}


@pytest.fixture(scope="module")
def blogs():
    servers = {name: serve_blog(**options) for name, options in BLOGS.items()}
    farm = serve_blogs(3, realistic=True)
    served = {name: server.blog for name, server in servers.items()}
    served["farm"] = farm.blogs[1]
    yield served, farm
    for server in servers.values():
        server.shutdown()
        server.server_close()
    farm.shutdown()


@pytest.fixture(scope="module")
def revised_blog():
    server = serve_blog(**REALISTIC, seed=77)
    yield server.blog
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def crawls(mongo_server, blogs, revised_blog):
    """Every case crawled once (and the revised blog twice), three crawls at a time."""
    served, farm = blogs

    def crawl(case: str):
        blog_name, args, year = CASES[case]
        blog = served[blog_name]
        db = f"shape_{case.replace('-', '_')}"
        result = run_crawl(blog.root, mongo_server.uri, db, *args)
        return result, *read(mongo_server.uri, db), blog.truth(year)

    def crawl_twice(blog: Blog):
        db = "shape_revised"
        first = run_crawl(blog.root, mongo_server.uri, db)
        before = read(mongo_server.uri, db)
        blog.revise(blog.truth()[len(blog.truth()) // 2]["url"])
        second = run_crawl(blog.root, mongo_server.uri, db)
        return first, before, second, read(mongo_server.uri, db)

    with ThreadPoolExecutor(3) as pool:
        twice = pool.submit(crawl_twice, revised_blog)
        results = dict(zip(CASES, pool.map(crawl, CASES), strict=True))
        results["revised"] = twice.result()
    return results


@pytest.mark.parametrize("case", PARAMS)
def test_crawl_stores_each_post_of_the_year_with_its_true_figures(crawls, case):
    result, stored, records, truth = crawls[case]
    assert result.returncode == 0, result.stderr[-3000:]
    by_url = {doc["url"]: doc for doc in truth}
    assert sorted(stored) == sorted(by_url)  # no post missing, none of another year
    for url, expected in by_url.items():
        assert measured(stored[url]) == expected, url
    (record,) = records
    assert record["complete"] is True


def test_a_crawl_of_2015_keeps_31_december_and_not_1_january(crawls):
    for case in ("realistic", "realistic-new-york", "realistic-rest", "realistic-feed"):
        _, stored, _, _ = crawls[case]
        days = {doc["date"] for doc in stored.values()}
        assert {"2015-01-01", "2015-12-31"} <= days, case
        assert not {"2014-12-31", "2016-01-01"} & days, case
    _, stored, _, _ = crawls["realistic-2016"]
    assert sorted(doc["date"] for doc in stored.values()) == ["2016-01-01", "2016-01-02",
                                                              "2016-01-03"]
    new_year = next(doc for doc in stored.values() if doc["date"] == "2016-01-01")
    assert (new_year["year"], new_year["iso_year"], new_year["iso_week"]) == (2016, 2015, 53)


def test_a_blog_in_a_sub_directory_is_crawled_alone(crawls, blogs):
    _, farm = blogs
    result, stored, _, _ = crawls["sub-directory"]
    assert result.returncode == 0, result.stderr[-3000:]
    own = farm.blogs[1].root.split("/")[3]
    others = [path for path in farm.hits if path.split("/")[1] not in (own, "robots.txt")]
    assert others == []  # not one request to the neighbouring blogs on the same host
    assert all(doc["site"] == farm.blogs[1].root for doc in stored.values())


def test_a_post_edited_between_two_crawls_is_the_one_updated(crawls, revised_blog):
    first, (posts_before, _), second, (posts_after, records) = crawls["revised"]
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    truth = {doc["url"]: doc for doc in revised_blog.truth()}
    changed = [url for url in truth if measured(posts_before[url]) != truth[url]]
    assert len(changed) == 1  # the revised post, as the first crawl stored it
    (url,) = changed
    assert counts(records[0])["stored_new"] == len(truth)
    second_counts = counts(records[1])
    assert (second_counts["stored_new"], second_counts["updated"],
            second_counts["unchanged"]) == (0, 1, len(truth) - 1)
    assert measured(posts_after[url]) == truth[url]
    assert posts_after[url]["modified"] > posts_before[url]["modified"]
    assert posts_after[url]["crawl_id"] == records[1]["_id"]
    untouched = {u: d for u, d in posts_after.items() if u != url}
    assert untouched == {u: d for u, d in posts_before.items() if u != url}
