"""The numbers a crawl reports, case by case (pure functions and the real SecantusDB, no crawl):
each test names a figure or a stored record a user reads, in a case no other test reaches.
Written from `make mutate`'s survivors (mutation/report.md)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from concurrent.futures import Future
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import lxml.etree
import lxml.html
import pymongo
import pytest
from pymongo.errors import AutoReconnect, ConnectionFailure
from scrapy import Request, signals
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from blogcrawler import dates, measure
from blogcrawler import signals as blog_signals
from blogcrawler.account import Account
from blogcrawler.extensions import CrawlRecorder, drop_reason, interrupt_record
from blogcrawler.extraction import parse_html
from blogcrawler.items import PostItem
from blogcrawler.pipelines import PostDropped, StorePostPipeline, ValidatePostPipeline
from blogcrawler.spiders.blog import BlogSpider
from blogcrawler.storage import Storage, StorageUnavailableError, UpsertResult, mask_uri
from blogstats import summaries
from tests.conftest import crawl_recorder
from tests.test_pipelines import make_post

A, B, C, D = (f"http://blog.test/2015/01/0{n}/p{n}/" for n in range(1, 5))
ZERO = {"listed": 0, "stored_new": 0, "updated": 0, "unchanged": 0, "dropped": 0, "failed": 0,
        "not_reached": 0}


def counts(**nonzero: int) -> dict:
    return {**ZERO, **nonzero}


# -- the crawl record's per-post account ------------------------------------------------------

def test_a_post_listed_again_by_a_later_route_is_counted_once_whatever_became_of_it():
    account = Account()
    for url in (A, B, C):
        account.listed(url)
    account.measured(A, A)  # measured, the database has not answered yet
    account.measured(B, B)
    account.dropped(B, "other_year")
    account.measured(C, C)
    account.stored(C, "unchanged")
    # a sitemap lists all three again: none is asked for again, none counted twice
    assert [account.listed(url) for url in (A, B, C)] == [False, False, False]
    account.close(ended_normally=False)
    assert account.counts() == counts(listed=3, unchanged=1, dropped=1, not_reached=1)
    assert account.dropped_by_reason() == {"other_year": 1}


def test_an_alias_listed_again_is_not_a_second_post():
    account = Account()
    account.listed(A)
    account.listed(B)
    account.measured(A, A)
    account.measured(B, A)  # B redirected to A
    assert account.listed(B) is False
    account.stored(A, "stored_new")
    assert account.counts() == counts(listed=1, stored_new=1)


def test_a_redirect_to_itself_is_not_an_alias():
    account = Account()
    account.listed(A)
    account.alias(A, A)
    assert account.aliases == {} and account.counts() == counts(listed=1, not_reached=1)


def test_the_first_write_of_a_run_says_what_it_did_to_the_post():
    # new beats updated beats unchanged, whichever write of the page answers first
    for first, second, kept in (("unchanged", "stored_new", "stored_new"),
                                ("updated", "unchanged", "updated"),
                                ("unchanged", "updated", "updated"),
                                ("stored_new", "updated", "stored_new")):
        account = Account()
        account.listed(A)
        account.measured(A, A)
        account.stored(A, first)
        account.stored(A, second)
        assert account.counts() == counts(listed=1, **{kept: 1}), (first, second)


def test_a_post_stored_after_a_failed_write_is_stored_and_its_reason_gone():
    account = Account()
    account.listed(A)
    account.measured(A, A)
    account.not_stored(A, "database gone")
    account.stored(A, "stored_new")
    account.close(ended_normally=True)
    assert account.counts() == counts(listed=1, stored_new=1)
    assert account.failures() == []


def test_a_post_seen_by_an_earlier_run_of_the_job_is_not_reached_until_the_database_says():
    account = Account()
    account.listed(A)
    account.listed(B)
    account.seen_before(A)
    account.measured(B, B)
    account.seen_before(B)  # measured in this run: stays measured
    account.seen_before(C)  # never listed: nothing to say
    assert account.unsettled("seen_before") == [A]
    assert account.unsettled("measured") == [B]
    assert account.counts() == counts(listed=2, not_reached=2)
    account.close(ended_normally=False)
    assert account.not_reached() == [A, B]
    assert account.counts() == counts(listed=2, not_reached=2)


def test_after_a_normal_end_every_unanswered_post_is_a_failure_with_its_reason():
    account = Account()
    for url in (A, B, C):
        account.listed(url)
    account.seen_before(A)
    account.measured(B, B)
    account.close(ended_normally=True)
    assert account.counts() == counts(listed=3, failed=3)
    assert account.not_reached() == []
    assert {f["url"] for f in account.failures()} == {A, B, C}
    assert all(f["reason"].startswith("no outcome recorded") and f["kind"] == "post"
               for f in account.failures())


def test_a_page_measured_without_being_listed_is_a_post_of_the_run():
    # resumed from a JOBDIR queue: discovery's listing was in the earlier run
    account = Account()
    account.dropped(A, "no_date")
    account.stored(B, "updated")
    account.not_stored(C, "write refused")
    assert account.counts() == counts(listed=3, dropped=1, updated=1, failed=1)
    assert account.failures() == [{"url": C, "kind": "store", "reason": "write refused"}]
    account.stored(B, "unchanged")  # the same document again: still one post
    assert account.counts()["listed"] == 3


def test_a_failure_names_its_kind_and_a_retry_after_it_starts_clean():
    account = Account()
    account.failed(A, "HTTP 404")  # a listing's post link that was never listed as a post
    account.failed(B, "too large", kind="listing")
    assert account.failures() == [{"url": A, "kind": "post", "reason": "HTTP 404"},
                                  {"url": B, "kind": "listing", "reason": "too large"}]
    assert account.listed(A) is True
    account.measured(A, A)
    account.stored(A, "stored_new")
    assert account.failures() == [{"url": B, "kind": "listing", "reason": "too large"}]


# -- validation: what is dropped, with which reason, and what is kept -----------------------

@pytest.fixture
def crawler(mongo_db):
    uri, db = mongo_db
    crawler = get_crawler(BlogSpider, {"MONGODB_URI": uri, "MONGODB_DATABASE": db,
                                       "BLOG_URL": "http://blog.test", "BLOG_YEAR": "2015",
                                       "MONGODB_BATCH_SIZE": 2, "MONGODB_FLUSH_SECONDS": 30})
    crawler.spider = BlogSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    return crawler


def test_a_post_of_any_other_year_is_dropped_and_its_message_names_it(crawler):
    validate = ValidatePostPipeline.from_crawler(crawler)
    for day in ("2014-12-31", "2016-01-01", "2150-06-01"):
        post = make_post(1, date=day)
        with pytest.raises(PostDropped) as dropped:
            validate.process_item(PostItem(post))
        assert dropped.value.reason == "other_year"
        assert str(dropped.value) == (f"other_year: {post['url']} was published on {day}, "
                                      "not in 2015")
    assert crawler.stats.get_value("blog/dropped/other_year") == 3


def test_a_post_without_a_date_or_title_is_dropped_with_a_message_naming_its_url(crawler):
    validate = ValidatePostPipeline.from_crawler(crawler)
    url = make_post(1)["url"]
    for changes, message in (({"published": None}, f"no_date: {url} shows no publication date"),
                             ({"published": "2015-01-01"}, "no_date"),  # a string, not a time
                             ({"date": ""}, "no_date"),
                             ({"title": None}, f"no_title: {url} has no title"),
                             ({"title": None, "url": None}, "no_title: ? has no title")):
        with pytest.raises(PostDropped) as dropped:
            validate.process_item(PostItem(make_post(1, **changes)))
        assert str(dropped.value).startswith(message), changes
    assert crawler.stats.get_value("blog/dropped/no_date") == 3
    assert crawler.stats.get_value("blog/dropped/no_title") == 2


def test_a_kept_post_has_a_tidy_title_and_list_fields(crawler):
    validate = ValidatePostPipeline.from_crawler(crawler)
    kept = validate.process_item(PostItem(make_post(
        1, title="x" * 1500, categories=("News", "Data"), tags=None)))
    assert kept["title"] == "x" * 1000
    assert kept["categories"] == ["News", "Data"] and kept["tags"] == []
    kept = validate.process_item(PostItem(make_post(1, categories=None, tags=("a",))))
    assert kept["categories"] == [] and kept["tags"] == ["a"]


# -- storing: what the database holds after the pipeline ------------------------------------

def store_all(store: StorePostPipeline, posts: list[dict]) -> None:
    async def run():
        await store.open_spider()
        for post in posts:
            await store.process_item(PostItem(post))
        await store.close_spider()

    asyncio.run(run())


def test_each_stored_post_says_when_and_by_which_crawl_it_was_written(crawler, mongo_db):
    uri, db = mongo_db
    before = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    store_all(StorePostPipeline.from_crawler(crawler), [make_post(n) for n in (1, 2, 3)])
    client = pymongo.MongoClient(uri)
    docs = list(client[db].posts.find())
    client.close()
    assert len(docs) == 3
    for doc in docs:
        assert doc["crawl_id"] == crawler.spider.crawl_id
        assert before <= doc["crawled_at"].replace(tzinfo=None) <= datetime.now(UTC).replace(
            tzinfo=None)
    assert crawler.stats.get_value("blog/stored/new") == 3


def written_after_each_post(crawler, uri: str, db: str, posts: list[dict]) -> list[int]:
    """How many posts the database holds after each one the pipeline is given."""
    store = StorePostPipeline.from_crawler(crawler)
    client = pymongo.MongoClient(uri)

    async def run():
        await store.open_spider()
        counts = []
        for post in posts:
            await store.process_item(PostItem(post))
            counts.append(client[db].posts.count_documents({}))
        await store.close_spider()
        return counts

    try:
        return asyncio.run(run())
    finally:
        client.close()


def test_a_full_batch_is_written_before_the_crawl_ends(crawler, mongo_db):
    # MONGODB_BATCH_SIZE 2 and a 30 s timer: the second post fills the batch
    assert written_after_each_post(crawler, *mongo_db, [make_post(n) for n in (1, 2, 3)]) \
        == [0, 2, 2]


def test_a_batch_size_of_one_writes_each_post_at_once(mongo_db):
    uri, db = mongo_db
    crawler = get_crawler(BlogSpider, {"MONGODB_URI": uri, "MONGODB_DATABASE": db,
                                       "BLOG_URL": "http://blog.test", "BLOG_YEAR": "2015",
                                       "MONGODB_BATCH_SIZE": 1, "MONGODB_FLUSH_SECONDS": 30})
    crawler.spider = BlogSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    assert written_after_each_post(crawler, uri, db, [make_post(n) for n in (1, 2)]) == [1, 2]


# -- the summaries a crawl's end writes (the dashboard reads nothing else) ------------------

SITE = "http://blog.test/"


def stored_posts(db, *days_and_words: tuple[str, int], site: str = SITE) -> None:
    docs = []
    for n, (day, words) in enumerate(days_and_words, start=1):
        when = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)
        iso = when.isocalendar()
        docs.append(make_post(1, url=f"{site}p{n}/", site=site, title=f"Post {n}",
                              published=when, date=day, year=when.year, iso_year=iso.year,
                              iso_week=iso.week, week=iso.week, words=words,
                              crawled_at=datetime(2026, 1, 1, n)))
    db.posts.insert_many(docs)


def finished(**changes) -> dict:
    crawl = {"_id": "c1", "status": "finished", "complete": True, "finish_reason": "finished",
             "verified": {"checked": True}, "posts": {"listed": 3}}
    crawl.update(changes)
    return crawl


def test_a_crawls_end_writes_the_years_figures(mongo_db):
    uri, name = mongo_db
    client = pymongo.MongoClient(uri)
    db = client[name]
    stored_posts(db, ("2015-01-05", 100), ("2015-01-07", 300), ("2015-01-20", 200))
    storage = Storage(uri, name)
    summaries.after_crawl(storage, SITE, 2015, finished())
    year = db.posts_years.find_one({"_id": f"{SITE}|2015"})
    assert (year["posts"], year["weeks_with_posts"]) == (3, 2)
    assert (year["first_day"], year["last_day"]) == ("2015-01-05", "2015-01-20")
    assert year["words"]["total"] == 600
    assert year["words"]["per_week"] == pytest.approx(600 / 3)  # weeks 2, 3 (none) and 4
    assert year["weekly"]["posts"] == [2, 0, 1] and year["weekly"]["words"] == [400, 0, 200]
    assert year["longest"]["title"] == "Post 2" and year["shortest"]["words"] == 100
    assert year["metrics"]["words"]["median"] == 200
    assert year["crawl"]["_id"] == "c1" and "verified" not in year["crawl"]
    assert year["source"] == {"posts": 3, "crawled_until": datetime(2026, 1, 1, 3)}
    weeks_written = list(db.posts_weeks.find({"generation": year["generation"]}))
    assert sorted((w["axis"], w["posts"]) for w in weeks_written) == [
        ("date", 1), ("date", 2), ("week", 1), ("week", 2)]
    assert db.posts_ranks.count_documents({"generation": year["generation"]}) == 1
    storage.close()
    client.close()


def test_a_crawl_that_was_stopped_or_unverified_leaves_the_summaries_alone(mongo_db):
    uri, name = mongo_db
    client = pymongo.MongoClient(uri)
    db = client[name]
    stored_posts(db, ("2015-01-05", 100))
    storage = Storage(uri, name)
    for site, year, crawl in ((SITE, 2015, finished(finish_reason="forced_stop")),
                              (SITE, 2015, finished(verified={"checked": False})),
                              (SITE, 2015, finished(verified=None)),
                              (SITE, True, finished()), (None, 2015, finished()),
                              (SITE, "2015", finished())):
        summaries.after_crawl(storage, site, year, crawl)
    assert db.posts_years.count_documents({}) == 0
    summaries.after_crawl(storage, SITE, 2015, finished(finish_reason="closespider_timeout"))
    assert db.posts_years.count_documents({}) == 1
    storage.close()
    client.close()


def test_a_new_summary_replaces_the_old_one_and_its_weeks(mongo_db):
    uri, name = mongo_db
    client = pymongo.MongoClient(uri)
    db = client[name]
    stored_posts(db, ("2015-01-05", 100), ("2015-03-02", 300))
    first = summaries.write(db, "posts", SITE, 2015)
    db.posts.update_one({"url": f"{SITE}p2/"}, {"$set": {"words": 900}})
    second = summaries.write(db, "posts", SITE, 2015)
    assert db.posts_years.find_one()["words"]["total"] == 1000
    assert {w["generation"] for w in db.posts_weeks.find()} == {second["generation"]}
    assert {r["generation"] for r in db.posts_ranks.find()} == {second["generation"]}
    assert first["generation"] != second["generation"]
    client.close()


def test_release_summarises_what_changed_and_forgets_what_is_gone(mongo_db, capsys):
    uri, name = mongo_db
    client = pymongo.MongoClient(uri)
    db = client[name]
    stored_posts(db, ("2015-01-05", 100), ("2015-02-02", 300))
    stored_posts(db, ("2016-05-05", 50), site="http://other.test/")
    db.posts.insert_one(make_post(1, url="http://odd.test/x/", site="http://odd.test/",
                                  year="2015"))  # no int year: not a site-year
    db.crawls.insert_many([{"_id": "old", "site": SITE, "year": 2015, "status": "finished",
                            "started_at": datetime(2026, 1, 1)},
                           {"_id": "new", "site": SITE, "year": 2015, "status": "finished",
                            "started_at": datetime(2026, 1, 2)}])
    storage = Storage(uri, name)
    summaries.release_step(storage)
    assert db.posts_years.find_one({"_id": f"{SITE}|2015"})["crawl"]["_id"] == "new"
    assert capsys.readouterr().out.strip() == ("release: dashboard summaries ready: 2 site-years "
                                               "summarised, 0 already current, 0 removed")
    summaries.release_step(storage)  # idempotent
    assert "0 site-years summarised, 2 already current, 0 removed" in capsys.readouterr().out
    db.posts.delete_many({"site": "http://other.test/"})
    db.posts.insert_one(make_post(3, url=f"{SITE}p3/", site=SITE, date="2015-01-03",
                                  crawled_at=datetime(2026, 2, 1)))
    done = summaries.backfill(db, "posts")
    assert (done.written, done.current, done.removed) == (1, 0, 1)
    assert [y["_id"] for y in db.posts_years.find()] == [f"{SITE}|2015"]
    assert db.posts_years.find_one()["posts"] == 3
    assert db.posts_weeks.count_documents({"site": "http://other.test/"}) == 0
    assert db.posts_ranks.count_documents({}) == 1
    assert "site_year_words" in db.posts.index_information()
    storage.close()
    client.close()


def test_a_site_year_whose_crawl_found_no_post_keeps_its_summary(mongo_db):
    uri, name = mongo_db
    client = pymongo.MongoClient(uri)
    db = client[name]
    empty = summaries.write(db, "posts", SITE, 2009, finished())
    assert (empty["posts"], empty["first_day"], empty["longest"]) == (0, None, None)
    assert empty["words"] == {"total": 0.0, "per_week": None, "trend": None}
    done = summaries.backfill(db, "posts")
    assert (done.written, done.current, done.removed) == (0, 0, 0)
    assert db.posts_years.count_documents({"_id": f"{SITE}|2009"}) == 1
    client.close()


# -- the crawl record: what a run's record says, fed by its signals -------------------------

POST = "http://blog.test/2015/01/07/week-1/"
POST2 = "http://blog.test/2015/01/14/week-2/"


@pytest.fixture
def recorder(mongo_db):
    with crawl_recorder(mongo_db, CLOSESPIDER_TIMEOUT=5400) as recorder:
        yield recorder


def send(recorder, signal, **kwargs):
    recorder.crawler.signals.send_catch_log(signal, **kwargs)


def in_database(recorder, *urls: str, crawl_id: str | None = None) -> None:
    storage = Storage(recorder.storage.uri, recorder.storage.database_name)
    storage.posts.insert_many([{"url": u, "crawl_id": crawl_id or recorder.crawl_id}
                               for u in urls])
    storage.close()


def record_in_database(recorder) -> dict:
    storage = Storage(recorder.storage.uri, recorder.storage.database_name)
    try:
        return storage.crawls.find_one({"_id": recorder.crawl_id})
    finally:
        storage.close()


def stored(recorder, *urls: str) -> None:
    for url in urls:
        send(recorder, blog_signals.post_listed, url=url, route="archive")
        send(recorder, blog_signals.post_measured, listed=url, url=url)
    in_database(recorder, *urls)
    send(recorder, blog_signals.posts_stored, result=UpsertResult(new_urls=list(urls)))


def test_the_record_of_a_clean_run_is_written_with_its_counts(recorder):
    stored(recorder, POST, POST2)
    record = recorder.finish("finished")
    kept = record_in_database(recorder)
    assert kept["status"] == "finished" and kept["complete"] is True
    assert kept["finish_reason"] == "finished" and kept["limit"] is None
    assert kept["posts"] == counts(listed=2, stored_new=2)
    assert kept["verified"] == {"checked": True, "missing": 0}
    assert kept["failures"] == [] and kept["failures_total"] == 0
    assert record["spider_errors"] == 0 and recorder.exit_status() == 0
    assert recorder.finish("shutdown") is record  # the first end is the record


def test_a_run_that_reached_a_limit_is_incomplete_and_says_which(recorder):
    stored(recorder, POST)
    send(recorder, blog_signals.limit_reached, code="max_posts", reason="CRAWL_MAX_POSTS=1")
    send(recorder, blog_signals.limit_reached, code="max_pages", reason="a second limit")
    record = recorder.finish("finished")
    assert (record["finish_reason"], record["limit"]) == ("max_posts", "CRAWL_MAX_POSTS=1")
    assert record["complete"] is False and record["status"] == "finished"
    assert recorder.exit_status() == 3


def test_a_run_stopped_by_its_time_limit_says_how_long_it_was_allowed(recorder):
    send(recorder, blog_signals.post_listed, url=POST, route="archive")
    record = recorder.finish("closespider_timeout")
    assert record["limit"] == "the run took longer than 1.5 h (CRAWL_MAX_HOURS)"
    assert record["posts"] == counts(listed=1, not_reached=1)
    assert record["not_reached"] == [POST] and record["status"] == "finished"


@pytest.mark.parametrize("reason", ["shutdown", "forced_stop", "database_unavailable",
                                    "no_heartbeat"])
def test_a_stopped_run_is_interrupted_and_its_unanswered_posts_not_reached(recorder, reason):
    stored(recorder, POST)
    send(recorder, blog_signals.post_listed, url=POST2, route="archive")
    record = recorder.finish(reason)
    assert (record["status"], record["complete"]) == ("interrupted", False)
    assert record["posts"] == counts(listed=2, stored_new=1, not_reached=1)


def test_a_listing_that_failed_counts_unless_its_route_was_given_up(recorder):
    stored(recorder, POST)
    send(recorder, blog_signals.listing_failed, url="http://blog.test/feed/", route="feed",
         reason="HTTP 500")
    send(recorder, blog_signals.route_started, route="feed")
    send(recorder, blog_signals.route_skipped, route="feed", reason="the feed failed")
    send(recorder, blog_signals.route_started, route="archive")
    send(recorder, blog_signals.route_skipped, route="sitemap", reason="no sitemap")
    assert recorder.route == "archive" and recorder.progress()["discovery"] == "archive"
    send(recorder, blog_signals.listing_failed, url="http://blog.test/2015/page/2/",
         route="archive", reason="HTTP 404")
    record = recorder.finish("finished")
    assert record["failures"] == [{"url": "http://blog.test/2015/page/2/", "kind": "listing",
                                   "reason": "HTTP 404"}]
    assert record["discovery_skipped"] == {"feed": "the feed failed", "sitemap": "no sitemap"}
    assert record["complete"] is False


def test_a_discovery_that_found_nothing_is_a_failure_of_the_run(recorder):
    send(recorder, blog_signals.listing_failed, url="http://blog.test/", route="home",
         reason="no route lists the year's posts", kind="discovery")
    record = recorder.finish("finished")
    assert record["failures"] == [{"url": "http://blog.test/", "kind": "discovery",
                                   "reason": "no route lists the year's posts"}]
    assert (record["failures_total"], record["complete"]) == (1, False)


def test_a_post_too_large_to_store_or_refused_is_a_store_failure(recorder):
    for url in (POST, POST2):
        send(recorder, blog_signals.post_listed, url=url, route="archive")
        send(recorder, blog_signals.post_measured, listed=url, url=url)
    send(recorder, blog_signals.posts_stored,
         result=UpsertResult(too_large={POST: 17 * 2**20 + 2**19}))
    send(recorder, blog_signals.posts_not_stored, urls=[POST2], reason="database gone")
    record = recorder.finish("finished")
    assert record["failures"] == [
        {"url": POST, "kind": "store",
         "reason": "too large for one MongoDB document (17.5 MB of at most 16 MB)"},
        {"url": POST2, "kind": "store", "reason": "database gone"}]
    assert record["posts"] == counts(listed=2, failed=2)


def test_updated_and_unchanged_posts_are_checked_whoever_wrote_them(recorder):
    for url in (POST, POST2):
        send(recorder, blog_signals.post_listed, url=url, route="archive")
        send(recorder, blog_signals.post_measured, listed=url, url=url)
    in_database(recorder, POST)  # updated by this run
    in_database(recorder, POST2, crawl_id="an-earlier-crawl")  # unchanged: an older crawl's
    send(recorder, blog_signals.posts_stored,
         result=UpsertResult(updated_urls=[POST], unchanged_urls=[POST2]))
    record = recorder.finish("finished")
    assert record["posts"] == counts(listed=2, updated=1, unchanged=1)
    assert record["complete"] is True


def test_a_post_written_by_another_crawl_is_not_vouched_for_as_new(recorder):
    send(recorder, blog_signals.post_listed, url=POST, route="archive")
    send(recorder, blog_signals.post_measured, listed=POST, url=POST)
    in_database(recorder, POST, crawl_id="someone-else")
    send(recorder, blog_signals.posts_stored, result=UpsertResult(new_urls=[POST]))
    record = recorder.finish("finished")
    assert record["verified"] == {"checked": True, "missing": 1}
    assert record["failures"][0]["reason"] == ("acknowledged by the database but not in it at "
                                               "the end of the run")


def test_a_post_fetched_by_an_earlier_run_of_the_job_is_settled_by_the_database(recorder):
    held, gone, alias = POST, POST2, "http://blog.test/2015/01/21/week-3/"
    for url in (held, gone, alias, alias.rstrip("/")):
        send(recorder, blog_signals.post_listed, url=url, route="archive")
    in_database(recorder, held.rstrip("/"), crawl_id="the-earlier-run")
    for url in (held, gone, alias.rstrip("/")):  # the scheduler refused them: seen before
        recorder.request_dropped(Request(url, cb_kwargs={"listed": url}), None)
    recorder.request_dropped(Request(POST, cb_kwargs={}), None)  # not a post: nothing
    send(recorder, blog_signals.post_measured, listed=alias, url=alias)
    in_database(recorder, alias)
    send(recorder, blog_signals.posts_stored, result=UpsertResult(new_urls=[alias]))
    record = recorder.finish("finished")
    assert record["posts"] == counts(listed=3, stored_new=1, unchanged=1, failed=1)
    assert record["failures"] == [{"url": gone, "kind": "post", "reason": (
        "fetched by an earlier run of this job (JOBDIR) but not in the database; remove the "
        "job directory to fetch it again")}]
    assert record["aliases"] == {alias.rstrip("/"): alias}


def test_a_redirect_to_a_page_already_asked_for_is_the_same_post(recorder):
    other = POST.rstrip("/")
    for url in (POST, other):
        send(recorder, blog_signals.post_listed, url=url, route="archive")
    redirected = Request(POST, cb_kwargs={"listed": other}, meta={"redirect_urls": [other]})
    recorder.request_dropped(redirected, None)
    stored(recorder, POST)
    record = recorder.finish("finished")
    assert record["posts"] == counts(listed=1, stored_new=1)
    assert record["aliases"] == {other: POST} and record["complete"] is True


def test_a_listing_page_whose_callback_raised_fails_its_route(recorder):
    url = "http://blog.test/2015/page/3/"
    request = Request(url, cb_kwargs={"route": "archive"})
    try:
        raise KeyError("x" * 400)
    except KeyError:
        failure = Failure()
    recorder.spider_error(failure, HtmlResponse(url, body=b"", request=request), None)
    record = recorder.finish("finished")
    [listing] = record["failures"]
    assert (listing["url"], listing["kind"]) == (url, "listing")
    assert listing["reason"].startswith("error while reading the page: KeyError: 'xxx")
    assert len(listing["reason"]) == 300
    assert record["spider_errors"] == 1 and record["complete"] is False


def test_a_dropped_item_is_counted_under_the_first_word_of_its_message(recorder):
    send(recorder, blog_signals.post_listed, url=POST, route="archive")
    send(recorder, blog_signals.post_measured, listed=POST, url=POST)
    recorder.item_dropped({"url": POST}, None, DropItem("too_short : 3 words"), None)
    recorder.item_dropped({"url": None}, None, DropItem("no_url"), None)
    recorder.item_dropped({"url": POST2}, None, ValueError("not a drop"), None)
    record = recorder.finish("finished")
    assert record["dropped_by_reason"] == {"too_short": 1}
    assert record["posts"] == counts(listed=1, dropped=1)
    assert drop_reason(DropItem(": nothing before the colon")) == "DropItem"


def test_pages_canonical_links_ignored_are_listed(recorder):
    send(recorder, blog_signals.canonical_ignored, url=POST, canonical="http://elsewhere/",
         why="another host")
    record = recorder.finish("finished")
    assert record["canonical_ignored"] == [{"url": POST, "canonical": "http://elsewhere/",
                                            "why": "another host"}]


def test_when_the_database_is_gone_at_the_end_nothing_stored_is_vouched_for(recorder):
    stored(recorder, POST)
    recorder.storage = Storage("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200",
                               recorder.storage.database_name, timeout=0.2, retry_seconds=0)
    record = recorder.finish("finished")
    assert record["verified"] == {"checked": False, "missing": None}
    assert record["failures"] == [{"url": POST, "kind": "store",
                                   "reason": "not confirmed: the database did not answer"}]
    assert record["complete"] is False and recorder.exit_status() == 3


def test_a_forced_stop_writes_the_record_once_as_interrupted(recorder):
    stored(recorder, POST)
    recorder.abort()
    kept = record_in_database(recorder)
    assert (kept["status"], kept["finish_reason"]) == ("interrupted", "forced_stop")
    assert kept["posts"] == counts(listed=1, stored_new=1)
    recorder.record["posts"] = "changed after the end"
    recorder.abort("again")
    assert record_in_database(recorder)["finish_reason"] == "forced_stop"


# -- measuring: the figures of one post's content -------------------------------------------

def html(markup: str):
    return lxml.html.fragment_fromstring(markup, create_parent="div")


def test_blocks_separate_words_in_minified_markup_and_inline_tags_do_not():
    root = html("<ul><li>one</li><li>two</li></ul><p>th<b>re</b>e</p><h2>four</h2>five<br>six"
                "<table><tr><td>7</td><td>8</td></tr></table><hr>nine")
    assert measure.text_of(root) == "one two three four five six 7 8 nine"
    assert measure.measure_content(root, "http://blog.test/p/")["words"] == 9


def test_what_a_reader_never_sees_is_not_text():
    root = html("a<script>var x = 1;</script>b <style>p{}</style><noscript>no js</noscript>"
                "<template>t</template><!-- a comment -->c soft\u00adhyphen <?php echo 1 ?>d")
    assert measure.text_of(root) == "ab c softhyphen d"


def test_tags_of_an_xml_parser_in_capitals_count_as_their_html_names():
    root = lxml.etree.fromstring(
        "<DIV><P>one</P><P>two <A href='/x'>three</A></P><SCRIPT>x</SCRIPT><IMG/><H3>h</H3>"
        "<LI>i</LI><BLOCKQUOTE>q</BLOCKQUOTE><TABLE/><IFRAME/><VIDEO/></DIV>")
    figures = measure.measure_content(root, "http://blog.test/p/")
    assert figures["text"] == "one two three h i q"
    assert (figures["paragraphs"], figures["links"], figures["links_internal"]) == (2, 1, 1)
    assert (figures["images"], figures["headings"], figures["list_items"]) == (1, 1, 1)
    assert figures["headings_by_level"] == {"h1": 0, "h2": 0, "h3": 1, "h4": 0, "h5": 0,
                                            "h6": 0}
    assert (figures["blockquotes"], figures["tables"], figures["embeds"]) == (1, 1, 2)


def test_a_post_of_many_thousand_text_nodes_keeps_every_word_in_order():
    root = html("".join(f"<p>w{i}<b>x</b>y</p>" for i in range(3000)))
    text = measure.text_of(root)
    assert text.split() == [f"w{i}xy" for i in range(3000)]


def test_whitespace_of_a_long_text_collapses_as_in_a_short_one():
    for filler in (" ", "\n\t ", "\u3000"):
        text = ("word" + filler) * ((1 << 20) // 3) + "  end "
        assert measure.collapse_whitespace(text) == " ".join(text.split())
    edge = "a" * ((1 << 20) - 1) + "  b"  # a run of spaces across the slice boundary
    assert measure.collapse_whitespace(edge) == "a" * ((1 << 20) - 1) + " b"
    assert measure.collapse_whitespace("  a \n b  ") == "a b"


def test_a_word_holds_a_letter_or_digit_and_punctuation_alone_is_none():
    assert measure.count_words("one – two *** 3 | four. «» ") == 4
    assert [measure.count_words(t) for t in ("", "  ", "–", "– a", "a –", "_")] == [0, 0, 0, 1,
                                                                                  1, 1]


def test_a_term_counts_as_a_whole_word_in_any_case():
    text = "Data, data-driven bigdata data_x DATA. metadata Big Data"
    assert measure.count_terms(text, ["data", "big data", "", "x"]) == {
        "data": 4, "big data": 1, "": 0, "x": 0}
    assert measure.count_terms("data", ["data"]) == {"data": 1}
    assert measure.count_terms("ß", ["SS"]) == {"SS": 1}  # case-folded, as a reader matches


def test_the_content_hash_is_of_the_collapsed_text():
    assert measure.content_hash(" a \n b ") == hashlib.sha256(b"a b").hexdigest()
    root = html("<p>a</p>\n\n<p>b</p>")
    assert measure.measure_content(root, "http://x/")["content_hash"] == measure.content_hash(
        "a b")


def test_a_link_is_internal_when_it_resolves_to_the_posts_own_host():
    hrefs = ["#top", "?p=1", "", "  /2015/x/", "relative/path", "HTTPS://WWW.Blog.Test./a",
             " http://blog.test", "http://blog.test:8080/", "//blog.test/x",
             # external
             "//other.test/x", "/\\other.test/x", "http://other.test/", "http://other.test/2",
             "mailto:me@blog.test", "javascript:void(0)", "ftp://blog.test/", "http://[::1",
             "https://blog.test.evil/", "https://www2.blog.test/"]
    assert measure.split_links(hrefs, "http://www.blog.test/2015/01/p/") == (9, 10)
    # a browser reads a backslash as a slash: these go to other.test
    assert measure.split_links(["/\\other.test/x", "http:\\\\other.test\\x", "\\\\other.test"],
                               "http://blog.test/") == (0, 3)
    assert measure.split_links(["a\\b", "/x\\y"], "http://blog.test/") == (2, 0)
    assert measure.split_links([], "http://blog.test/") == (0, 0)


def test_same_site_ignores_case_a_final_dot_and_www_only():
    assert measure.same_site("WWW.Blog.Test.", "blog.test")
    assert measure.same_site("blog.test", "www.blog.test")
    assert not measure.same_site("www2.blog.test", "blog.test")
    assert not measure.same_site("wwwblog.test", "blog.test")
    assert not measure.same_site("blog.test", "log.test")


def test_a_paragraph_counts_when_it_holds_a_word_a_reader_sees():
    root = html("<p><img src=x></p><p>\u00a0</p><p><script>var a</script></p><p><!--c--></p>"
                "<p><span><b>yes</b></span></p><p><br>tail</p><p><!--c-->after</p><p>2</p>"
                "<p>– …</p><p><style>x</style>ok</p>")
    assert measure.measure_content(root, "http://blog.test/")["paragraphs"] == 5


def test_the_content_bytes_are_the_html_inside_without_outer_whitespace():
    assert measure.inner_html_bytes(html("  é  ")) == 2
    assert measure.inner_html_bytes(html("")) == 0
    root = html("\n  <p>é</p> mid <b>b</b> tail \n")
    assert measure.inner_html_bytes(root) == len("<p>é</p> mid <b>b</b> tail".encode())
    assert measure.inner_html_bytes(html("x <i>i</i>  ")) == len(b"x <i>i</i>")


# -- dates: which date a post is counted on ---------------------------------------------------

def dates_of(page: str, url: str = "https://blog.example/post/") -> tuple:
    published, modified, source = dates.find_dates(parse_html(page.encode()), url)
    return (published.isoformat() if published else None,
            modified.isoformat() if modified else None, source)


def test_a_date_string_is_read_as_iso_or_free_text_within_the_years_a_blog_can_have():
    assert dates.parse_datetime(" 2015-03-02T10:00:00+01:00 ") == datetime.fromisoformat(
        "2015-03-02T10:00:00+01:00")
    assert dates.parse_datetime("2015-03-02") == datetime(2015, 3, 2, tzinfo=UTC)
    assert dates.parse_datetime("March 2, 2015 10:00") == datetime(2015, 3, 2, 10, tzinfo=UTC)
    assert dates.parse_datetime("1990-01-01") == datetime(1990, 1, 1, tzinfo=UTC)
    assert dates.parse_datetime("2100-12-31") == datetime(2100, 12, 31, tzinfo=UTC)
    for junk in (None, "", "  ", "1989-12-31", "2101-01-01", "not a date", "99999-01-01"):
        assert dates.parse_datetime(junk) is None, junk


def test_the_permalink_day_is_a_real_calendar_day():
    assert dates.url_date("http://b/2015/02/28/x/") == datetime(2015, 2, 28, tzinfo=UTC)
    assert dates.url_date("http://b/2016/02/29") == datetime(2016, 2, 29, tzinfo=UTC)
    for url in ("http://b/2015/02/29/x/", "http://b/2015/13/01/x/", "http://b/1899/01/01/",
                "http://b/2015/01/012/", "http://b/x/"):
        assert dates.url_date(url) is None, url


def test_the_publication_date_follows_the_order_of_trust():
    time_ = '<time class="entry-date published" datetime="2015-01-01T09:00:00+01:00">x</time>'
    og = '<meta property="article:published_time" content="2015-02-02T09:00:00+01:00">'
    ld = ('<script type="application/ld+json">{"@type": "BlogPosting", '
          '"datePublished": "2015-03-03T09:00:00+01:00"}</script>')
    prop = '<span itemprop="datePublished" content="2015-04-04T09:00:00+01:00"></span>'
    other = '<meta name="pubdate" content="2015-05-05T09:00:00+01:00">'
    url = "https://blog.example/2015/06/06/post/"
    shown = '<div class="entry-meta">July 7, 2015</div>'
    parts = [time_, og, ld, prop, other]
    expected = [("2015-01-01", "time"), ("2015-02-02", "meta"), ("2015-03-03", "json-ld"),
                ("2015-04-04", "itemprop"), ("2015-05-05", "meta")]
    for i, (day, source) in enumerate(expected):
        page = f"<html><head>{''.join(parts[i:])}</head><body><h1>T</h1>{shown}</body></html>"
        published, _, found = dates_of(page, url)
        assert (published[:10], found) == (day, source), i
    published, _, found = dates_of(f"<html><body><h1>T</h1>{shown}</body></html>", url)
    assert (published[:10], found) == ("2015-06-06", "url")
    published, _, found = dates_of(f"<html><body><h1>T</h1>{shown}</body></html>")
    assert (published, found) == ("2015-07-07T00:00:00+00:00", "text")
    assert dates_of("<html><body><p>nothing</p></body></html>") == (None, None, None)


def test_the_modified_date_is_read_from_the_time_then_meta_then_json_ld():
    page = ('<html><head><meta property="og:updated_time" content="2015-02-02T00:00:00Z">'
            '<script type="application/ld+json">{"dateModified": "2015-03-03"}</script></head>'
            '<body><time class="updated" datetime="junk">x</time>'
            '<time class="updated" datetime="2015-01-01T00:00:00Z">y</time></body></html>')
    assert dates_of(page)[1] == "2015-01-01T00:00:00+00:00"
    page = page.replace('datetime="2015-01-01T00:00:00Z"', "")
    assert dates_of(page)[1] == "2015-02-02T00:00:00+00:00"
    page = page.replace("og:updated_time", "something")
    assert dates_of(page)[1] == "2015-03-03T00:00:00+00:00"


def test_a_utc_meta_date_is_written_as_the_blog_wrote_its_day():
    # 23:30 UTC on 31 December is 1 January where the blog is (its time element says +01:00)
    page = ('<html><head><meta property="article:published_time" '
            'content="2014-12-31T23:30:00+00:00"></head><body>'
            '<time datetime="2015-01-01T00:30:00+01:00">1 Jan</time></body></html>')
    assert dates_of(page)[0] == "2015-01-01T00:30:00+01:00"
    # west of UTC: the permalink says 31 December, the UTC instant 1 January
    page = ('<html><head><meta property="article:published_time" '
            'content="2016-01-01T03:00:00+00:00"></head><body></body></html>')
    published = dates_of(page, "https://blog.example/2015/12/31/p/")[0]
    assert published.startswith("2015-12-31")
    far = dates_of(page, "https://blog.example/2015/12/29/p/")[0]  # not a day off: kept
    assert far == "2016-01-01T03:00:00+00:00"


def test_a_time_in_a_sidebar_or_another_posts_article_is_not_the_posts_date():
    page = ('<html><body><aside><time class="published" datetime="2014-01-01">a</time></aside>'
            '<article><h1 class="entry-title">T</h1>'
            '<time class="entry-date published" datetime="2015-05-05">b</time></article>'
            '<article><h2>Other</h2><time class="published" datetime="2013-03-03">c</time>'
            '</article></body></html>')
    assert dates_of(page)[0][:10] == "2015-05-05"


def test_a_time_labelled_as_an_update_is_not_the_publication_date():
    page = ('<html><body><h1>T</h1><p>Last updated on <time class="entry-date" '
            'datetime="2016-02-13">Feb 13</time></p></body></html>')
    assert dates_of(page, "https://blog.example/2015/03/01/p/")[0][:10] == "2015-03-01"


def test_a_dateline_opens_the_post_in_its_own_short_paragraph():
    root = html("<p>A photo from 3 May 2014 and many more words here to read</p>"
                "<p>January 18, 2015</p><p>Body</p>")
    assert dates.dateline(root, measure.text_of(root)) == datetime(2015, 1, 18, tzinfo=UTC)
    root = html("<p>Intro</p>" * 5 + "<p>January 18, 2015</p>")
    assert dates.dateline(root, "Intro text") is None
    root = html("<p>Written on 3 May 2014, with many words after it to read on and on</p>")
    assert dates.dateline(root, measure.text_of(root)) == datetime(2014, 5, 3, tzinfo=UTC)
    assert dates.dateline(html("<p></p>"), "x" * 300 + " 3 May 2014") is None


def test_dates_in_words_in_more_shapes():
    assert dates.parse_text_date("Oct. 15th, 2015") == date(2015, 10, 15)
    assert dates.parse_text_date("1er mars 2016") == date(2016, 3, 1)
    assert dates.parse_text_date("15.10.15") == date(2015, 10, 15)
    assert dates.parse_text_date("13/08/2017", "en-US") == date(2017, 8, 13)  # 13: a day
    assert dates.parse_text_date("08/13/2017", "de") == date(2017, 8, 13)
    assert dates.parse_text_date("08/07/2017", "EN") == date(2017, 8, 7)
    assert dates.parse_text_date("5 Foo 2015, then 6 March 2015") == date(2015, 3, 6)
    assert dates.parse_text_date("3 May 1989") is None
    assert dates.parse_text_date("2015-13-45 or 1 May 2015") == date(2015, 5, 1)
    # the date written first wins whichever pattern finds it
    assert dates.parse_text_date("on 2 March 2015, updated 2015-04-01") == date(2015, 3, 2)


def test_a_stored_instant_is_utc_to_the_millisecond():
    value = datetime(2015, 1, 1, 0, 30, 0, 123987, tzinfo=timezone(timedelta(hours=1)))
    assert dates.to_utc(value) == datetime(2014, 12, 31, 23, 30, 0, 123000, tzinfo=UTC)
    assert dates.to_utc(None) is None
    assert dates.local_date(value) == date(2015, 1, 1)


def test_without_a_year_to_keep_every_dated_post_is_kept(crawler):
    crawler.spider = SimpleNamespace(name="blog")  # a spider not limited to one year
    kept = ValidatePostPipeline.from_crawler(crawler).process_item(
        PostItem(make_post(1, date="2016-03-01")))
    assert kept["date"] == "2016-03-01"


class Heard:
    """What the pipeline told the crawl record about posts it could not store."""

    def __init__(self, crawler):
        self.not_stored: list[tuple[list[str], str]] = []
        crawler.signals.connect(self.receive, signal=blog_signals.posts_not_stored)

    def receive(self, urls, reason):
        self.not_stored.append((urls, reason))


def test_a_forced_stop_writes_the_buffered_posts_at_once(crawler, mongo_db):
    uri, db = mongo_db
    store = StorePostPipeline.from_crawler(crawler)  # batch 2, timer 30 s
    heard = Heard(crawler)

    async def start():
        await store.open_spider()
        for n in (1, 2, 3):  # the first two fill a batch and are written
            await store.process_item(PostItem(make_post(n)))
        store._timer.cancel()

    asyncio.run(start())
    store.flush_now()  # no event loop any more, as after the reactor stopped
    client = pymongo.MongoClient(uri)
    assert sorted(d["url"] for d in client[db].posts.find()) == [
        make_post(n)["url"] for n in (1, 2, 3)]
    client.close()
    assert crawler.stats.get_value("blog/stored/new") == 3 and heard.not_stored == []
    store.flush_now()  # nothing left: nothing written, nothing failed
    assert crawler.stats.get_value("blog/stored/new") == 3
    assert crawler.stats.get_value("blog/stored/failed") is None


def test_after_the_database_is_given_up_each_post_is_reported_not_stored(crawler):
    store = StorePostPipeline.from_crawler(crawler)
    heard = Heard(crawler)
    store.buffer.append(dict(make_post(1)))
    store.unavailable = "the database did not answer for 60 s"
    store.flush_now()
    asyncio.run(store.process_item(PostItem(make_post(2))))
    assert heard.not_stored == [([make_post(1)["url"]], "the database did not answer for 60 s"),
                                ([make_post(2)["url"]], "the database did not answer for 60 s")]
    assert crawler.stats.get_value("blog/stored/failed") == 2


# -- storage: what the database holds ---------------------------------------------------------

def test_checking_a_writable_database_creates_the_indexes_the_reads_need(mongo_db):
    uri, name = mongo_db
    storage = Storage(uri, name)
    storage.check(write=True)
    posts = storage.posts.index_information()
    crawls = storage.crawls.index_information()
    storage.close()
    assert posts["url_unique"]["unique"] is True and posts["url_unique"]["key"] == [("url", 1)]
    assert posts["site_year"]["key"] == [("site", 1), ("year", 1)]
    assert crawls["started_at"]["key"] == [("started_at", -1)]
    assert crawls["site_year_started"]["key"] == [("site", 1), ("year", 1), ("started_at", -1)]


def test_a_database_nobody_answers_on_is_one_sentence_naming_it():
    from tests.conftest import free_port

    port = free_port()
    storage = Storage(f"mongodb://u:s3cret@127.0.0.1:{port}/", "blog", timeout=0.2)
    with pytest.raises(StorageUnavailableError) as gone:
        storage.check()
    storage.close()
    assert str(gone.value) == (f"cannot reach MongoDB at mongodb://u:***@127.0.0.1:{port}/ "
                               "within 0.2 s (ServerSelectionTimeoutError); start the server or "
                               "set MONGODB_URI")


def test_a_write_is_retried_while_the_database_comes_back_and_then_given_up(mongo_db):
    storage = Storage("mongodb://u:pw@db.test/", "blog", retry_seconds=0.6)
    answers = [AutoReconnect("down"), "written"]

    def operation():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert storage._retrying("writing 3 posts", operation) == "written"
    with pytest.raises(StorageUnavailableError) as gone:
        storage._retrying("writing 3 posts", lambda: (_ for _ in ()).throw(
            ConnectionFailure("x")), seconds=0)
    assert str(gone.value) == ("writing 3 posts failed: MongoDB at mongodb://u:***@db.test/ did "
                               "not answer for 0 s (ConnectionFailure)")
    with pytest.raises(ValueError):  # not a connection error: not retried, not hidden
        storage._retrying("x", lambda: (_ for _ in ()).throw(ValueError("bad")))


def test_a_post_too_large_for_one_document_fails_alone_and_a_later_copy_is_written(mongo_db):
    uri, name = mongo_db
    storage = Storage(uri, name)
    huge = make_post(1, title="x" * (17 * 2**20))
    result = storage.upsert_posts([huge, make_post(2)])
    assert list(result.too_large) == [huge["url"]] and result.too_large[huge["url"]] > 17 * 2**20
    assert result.new_urls == [make_post(2)["url"]]
    again = storage.upsert_posts([huge, make_post(1)])  # the same URL, small enough now
    assert again.too_large == {} and again.new_urls == [huge["url"]]
    assert storage.upsert_posts([huge]).new == 0 and storage.posts.count_documents({}) == 2
    storage.close()


def test_results_of_several_writes_add_up():
    total = UpsertResult(new_urls=["a"], updated_urls=["e"], unchanged_urls=["f"],
                         too_large={"x": 1})
    total += UpsertResult(new_urls=["b"], updated_urls=["c"], unchanged_urls=["d"],
                          too_large={"y": 2})
    assert (total.new, total.updated, total.unchanged) == (2, 2, 2)
    assert total.new_urls == ["a", "b"] and total.too_large == {"x": 1, "y": 2}


def test_posts_stored_before_the_calendar_year_get_their_year_and_stay_unchanged(mongo_db):
    uri, name = mongo_db
    storage = Storage(uri, name)
    old = []
    for n, day in enumerate(("not a date", "2016-01-01", "2015-12-31", "2015-06-15T08:00:00"),
                            start=1):
        doc = make_post(n, date=day, year=2015)
        del doc["iso_week"]
        old.append(doc)
    storage.posts.insert_many([dict(d) for d in old])
    storage.posts.insert_one(make_post(5, iso_year=2015))  # migrated already: left alone
    assert storage.migrate_calendar_year(batch_size=1) == 3
    by_date = {d["date"]: d for d in storage.posts.find()}
    assert (by_date["2016-01-01"]["year"], by_date["2016-01-01"]["iso_year"],
            by_date["2016-01-01"]["iso_week"]) == (2016, 2015, 53)
    assert (by_date["2015-12-31"]["year"], by_date["2015-12-31"]["iso_week"]) == (2015, 53)
    assert "iso_year" not in by_date["not a date"]
    assert storage.migrate_calendar_year() == 0
    # the next crawl measures the same posts: nothing to rewrite
    again = []
    assert by_date["2015-06-15T08:00:00"]["iso_week"] == 25
    for doc in old[1:]:
        day = date.fromisoformat(doc["date"][:10])
        iso = day.isocalendar()
        again.append(dict(doc, year=day.year, iso_year=iso.year, iso_week=iso.week))
    result = storage.upsert_posts(again)
    assert (result.new, result.updated, result.unchanged) == (0, 0, 3)
    storage.close()


def test_one_post_at_a_time_stores_what_the_bulk_path_does(mongo_db):
    uri, name = mongo_db
    storage = Storage(uri, name)
    storage.upsert_posts([make_post(1)])
    storage.upsert_post_one_at_a_time(make_post(1, words=4))
    storage.upsert_post_one_at_a_time(make_post(1, words=5))
    assert storage.posts.count_documents({}) == 1
    assert storage.upsert_posts([make_post(1, words=5)]).unchanged == 1
    storage.close()


def test_the_settings_name_where_posts_and_records_go(mongo_db):
    uri, name = mongo_db
    storage = Storage.from_settings(Settings({
        "MONGODB_URI": uri, "MONGODB_DATABASE": name, "MONGODB_POSTS_COLLECTION": "articles",
        "MONGODB_CRAWLS_COLLECTION": "runs", "MONGODB_TIMEOUT_SECONDS": "2.5",
        "MONGODB_RETRY_SECONDS": "7", "MONGODB_JOURNAL": "false"}))
    storage.upsert_posts([make_post(1)])
    storage.start_crawl({"_id": "c1", "status": "running"})
    client = pymongo.MongoClient(uri)
    assert client[name].articles.count_documents({}) == 1
    assert client[name].runs.count_documents({}) == 1
    client.close()
    assert (storage.timeout, storage.retry_seconds) == (2.5, 7.0)
    assert storage.write_concern.document == {}
    default = Storage.from_settings(Settings({"MONGODB_URI": uri, "MONGODB_DATABASE": name}))
    assert (default.posts_name, default.crawls_name) == ("posts", "crawls")
    assert (default.timeout, default.retry_seconds) == (5.0, 60.0)
    assert default.write_concern.document == {"j": True}
    storage.close()
    default.close()


def test_a_heartbeat_writes_the_runs_progress_into_its_record(recorder):
    stored(recorder, POST)
    send(recorder, blog_signals.post_listed, url=POST2, route="archive")
    send(recorder, blog_signals.route_started, route="sitemap")
    recorder.crawler.stats.set_value("response_received_count", 7)
    before = datetime(2015, 1, 1, tzinfo=UTC)
    recorder.storage.crawls.update_one({"_id": recorder.crawl_id},
                                       {"$set": {"heartbeat_at": before}})
    recorder.storage.heartbeat(recorder.crawl_id, recorder.progress())
    kept = record_in_database(recorder)
    assert kept["posts"] == counts(listed=2, stored_new=1, not_reached=1)
    assert (kept["discovery"], kept["pages"], kept["status"]) == ("sitemap", 7, "running")
    assert kept["heartbeat_at"] > before
    send(recorder, blog_signals.route_skipped, route="sitemap", reason="no sitemap")
    assert recorder.progress()["discovery"] is None
    recorder.finish("finished")
    recorder.storage = Storage(recorder.storage.uri, recorder.storage.database_name)
    recorder.storage.heartbeat(recorder.crawl_id, {"status": "late", "pages": 99})
    kept = record_in_database(recorder)  # a finished record is not touched
    assert (kept["status"], kept["pages"]) == ("finished", 7)
    recorder.storage.close()


def test_a_failed_page_of_a_route_given_up_is_not_a_failure_of_the_run(recorder):
    stored(recorder, POST)
    for url, route in (("http://blog.test/feed/", "feed"), ("http://blog.test/page/2/",
                                                             "archive")):
        request = Request(url, cb_kwargs={"route": route})
        try:
            raise ValueError("bad markup")
        except ValueError:
            failure = Failure()
        recorder.spider_error(failure, HtmlResponse(url, body=b"", request=request), None)
    send(recorder, blog_signals.route_skipped, route="feed", reason="its pages failed")
    send(recorder, blog_signals.post_failed, url=POST2, reason="HTTP 410")
    record = recorder.finish("finished")
    assert [(f["url"], f["reason"][:8]) for f in record["failures"]] == [
        (POST2, "HTTP 410"), ("http://blog.test/page/2/", "error wh")]
    assert record["spider_errors"] == 2 and record["posts"]["failed"] == 1


def test_a_redirect_from_a_listed_url_to_a_post_is_that_post_not_a_lost_one(recorder):
    short = "http://blog.test/?p=12"
    send(recorder, blog_signals.post_listed, url=short, route="sitemap")
    redirected = Request(POST, cb_kwargs={"listed": short}, meta={"redirect_urls": [short]})
    recorder.request_dropped(redirected, None)
    stored(recorder, POST)
    record = recorder.finish("finished")
    assert record["posts"] == counts(listed=1, stored_new=1)
    assert record["aliases"] == {short: POST} and record["failures"] == []


def test_the_scrapy_close_signal_writes_the_record_and_the_exit_status_follows(recorder):
    stored(recorder, POST)
    recorder.crawler.signals.send_catch_log(signals.spider_closed, spider=recorder.crawler.spider,
                                            reason="finished")
    assert record_in_database(recorder)["complete"] is True and recorder.exit_status() == 0
    crawler = SimpleNamespace(extensions=SimpleNamespace(middlewares=[object(), recorder]))
    assert CrawlRecorder.of(crawler) is recorder
    assert CrawlRecorder.of(SimpleNamespace(extensions=SimpleNamespace(middlewares=[]))) is None
    assert CrawlRecorder.of(SimpleNamespace()) is None


def test_a_killed_crawls_record_is_marked_interrupted_with_its_last_counts(mongo_db):
    uri, name = mongo_db
    storage = Storage(uri, name)
    storage.crawls.insert_many([
        {"_id": "run", "status": "running", "posts": {"listed": 3, "stored_new": 1}},
        {"_id": "done", "status": "finished", "complete": True}])
    record = interrupt_record(storage, "run", "SIGKILL")
    assert (record["status"], record["complete"], record["finish_reason"]) == (
        "interrupted", False, "killed")
    assert record["note"] == "the crawl process ended without finishing its record: SIGKILL"
    assert record["posts"] == {"listed": 3, "stored_new": 1}
    assert record["finished_at"] is not None
    assert interrupt_record(storage, "done", "x")["status"] == "finished"
    assert interrupt_record(storage, "nothing", "x") is None
    storage.close()


def test_when_the_database_dies_mid_crawl_the_crawl_stops_and_no_post_is_lost_silently(caplog):
    from tests.conftest import free_port

    port = free_port()
    crawler = get_crawler(BlogSpider, {
        "MONGODB_URI": f"mongodb://127.0.0.1:{port}/", "MONGODB_DATABASE": "blog",
        "MONGODB_TIMEOUT_SECONDS": 0.2, "MONGODB_RETRY_SECONDS": 0, "BLOG_URL": "http://blog.test",
        "BLOG_YEAR": "2015", "MONGODB_BATCH_SIZE": 2})
    crawler.spider = BlogSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    stopped: list[str] = []

    async def close_spider_async(reason):
        stopped.append(reason)

    crawler.engine = SimpleNamespace(close_spider_async=close_spider_async)
    heard = Heard(crawler)
    store = StorePostPipeline.from_crawler(crawler)

    async def run():
        for n in (1, 2, 3):
            await store.process_item(PostItem(make_post(n)))
        await store._closing
        await store.close_spider()  # never opened (the database was gone): closes all the same

    asyncio.run(run())
    reason = (f"writing 2 posts failed: MongoDB at mongodb://127.0.0.1:{port}/ did not answer "
              "for 0 s (ServerSelectionTimeoutError)")
    assert heard.not_stored == [([make_post(1)["url"], make_post(2)["url"]], reason),
                                ([make_post(3)["url"]], reason)]
    assert stopped == ["database_unavailable"] and store.unavailable == reason
    assert f"{reason}; 2 posts not stored, stopping the crawl" in caplog.text
    store.buffer = [dict(make_post(4))]  # buffered before the database was given up
    asyncio.run(store.flush())
    assert heard.not_stored[-1] == ([make_post(4)["url"]], reason)
    assert crawler.stats.get_value("blog/stored/failed") == 4


def test_a_discovery_failure_counts_even_when_its_route_was_given_up(recorder):
    stored(recorder, POST)
    send(recorder, blog_signals.listing_failed, url="http://blog.test/sitemap.xml",
         route="sitemap", reason="HTTP 500", kind="discovery")
    send(recorder, blog_signals.listing_failed, url="http://blog.test/sitemap-1.xml",
         route="sitemap", reason="HTTP 404")
    send(recorder, blog_signals.route_skipped, route="sitemap", reason="it failed")
    record = recorder.finish("finished")
    assert record["failures"] == [{"url": "http://blog.test/sitemap.xml", "kind": "discovery",
                                   "reason": "HTTP 500"}]


def test_a_drop_names_its_own_reason_word_whatever_its_message():
    class Dropped(DropItem):
        reason = "no_title"

    assert drop_reason(Dropped("the page: had no h1")) == "no_title"
    assert drop_reason(DropItem("other_year: 2016-01-01")) == "other_year"


def test_a_second_opinion_reads_the_month_of_the_posts_uploads_in_the_pages_charset():
    page = ('<html><head><meta charset="iso-8859-1"><title>Café</title></head><body><h1>Café'
            '</h1><img src="/wp-content/uploads/2017/08/x.jpg"><p>Texte sans date.</p></body>'
            '</html>').encode("latin-1")
    assert dates.second_opinion_date(page, "https://blog.example/cafe/") == datetime(
        2017, 8, 1, tzinfo=UTC)
    assert dates.second_opinion_date(page, "https://blog.example/cafe/", "latin-1") == datetime(
        2017, 8, 1, tzinfo=UTC)
    assert dates.second_opinion_date(b"<html><body>nothing</body></html>",
                                     "https://blog.example/x/") is None


def test_a_broken_json_ld_block_does_not_hide_the_next_one():
    page = ('<html><head><script type="application/ld+json">{broken</script>'
            '<script type="text/javascript">var x = 1;</script>'
            '<script type="application/ld+json"></script>'
            '<script type="Application/LD+JSON ">{"@type": "Article", "datePublished": '
            '"2015-04-04T10:00:00+02:00"}</script></head><body></body></html>')
    assert dates_of(page) == ("2015-04-04T10:00:00+02:00", None, "json-ld")


def test_a_date_in_a_posted_sentence_or_meta_line_is_read_in_the_pages_language():
    sentence = '<html lang="{}"><body><h1>T</h1><p>Posted on 08/07/2017 by Tom</p></body></html>'
    assert dates_of(sentence.format("en-US"))[0][:10] == "2017-08-07"
    assert dates_of(sentence.format("de-DE"))[0][:10] == "2017-07-08"
    meta = ('<html lang="{}"><body><h1>T</h1><div class="entry-meta">08/07/2017</div>'
            '</body></html>')
    assert dates_of(meta.format("en-US"))[0][:10] == "2017-08-07"
    assert dates_of(meta.format("de-DE"))[0][:10] == "2017-07-08"


def test_the_first_date_of_the_posts_meta_line_wins_and_other_posts_lists_are_skipped():
    page = ('<html><body><div class="widget"><span class="date">1 May 2013</span></div>'
            '<div class="comment"><span class="posted">2 May 2013</span></div>'
            '<div class="sidebar mainwrap"><h1>Title</h1>'
            '<span class="byline"><abbr title="3 March 2015">yesterday</abbr></span>'
            '<span class="date">4 April 2015</span></div></body></html>')
    assert dates_of(page)[0][:10] == "2015-03-03"
    head_only = ('<html><head><title class="date">5 May 2015</title></head><body><h1>T</h1>'
                 '</body></html>')
    assert dates_of(head_only) == (None, None, None)


def test_the_itemprop_nearest_the_posts_title_is_its_date():
    page = ('<html><body><div class="related-posts"><article><h3>Other</h3>'
            '<meta itemprop="datePublished" content="2014-01-01"></article></div>'
            '<time itemprop="datePublished" datetime="2013-03-03">March 3</time>'
            '<p>filler</p><p>filler</p><p>filler</p>'
            '<h1 class="entry-title">T</h1><time itemprop="datePublished" datetime="2015-05-05">'
            'May 5</time></body></html>')
    assert dates_of(page)[0][:10] == "2015-05-05"


def test_a_dateline_of_one_word_and_a_late_one_after_five_paragraphs():
    root = html("<p>A caption from 3 May 2014 with many more words in it</p><p>19.11.2021</p>")
    assert dates.dateline(root, measure.text_of(root), "de") == datetime(2021, 11, 19,
                                                                         tzinfo=UTC)
    root = html("<p>Many words in this first paragraph, far more than six</p>" * 5
                + "<p>Jan 18, 2015</p>")
    assert dates.dateline(root, "Written 3 May 2014 " + measure.text_of(root)) == datetime(
        2014, 5, 3, tzinfo=UTC)
    root = html("<div>1 June 2015</div><p>x</p>")
    assert dates.dateline(root, "") is None  # the first date of a paragraph, or of the text


def test_the_ends_of_the_years_a_date_in_words_can_have():
    assert dates.parse_text_date("12/11/2015", "en-US") == date(2015, 12, 11)
    assert dates.parse_text_date("1 May 1990") == date(1990, 5, 1)
    assert dates.parse_text_date("31.12.99") == date(2099, 12, 31)


def test_the_stats_count_new_updated_unchanged_and_too_large_posts(crawler, mongo_db, caplog):
    uri, db = mongo_db
    Storage(uri, db).upsert_posts([make_post(1), make_post(2)])
    huge = make_post(3, title="x" * (17 * 2**20))
    store_all(StorePostPipeline.from_crawler(crawler),
              [make_post(1, words=1), make_post(2), huge, make_post(4)])
    stats = crawler.stats
    assert [stats.get_value(f"blog/stored/{k}") for k in ("new", "updated", "unchanged",
                                                          "failed")] == [1, 1, 1, 1]
    assert (f"post {huge['url']} not stored: its document is 17.0 MB, MongoDB takes at most "
            "16 MB") in caplog.text


def finished_future(result=None, error=None) -> Future:
    future: Future = Future()
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
    return future


def test_a_forced_stop_learns_the_outcome_of_the_write_in_flight(crawler, mongo_db):
    uri, db = mongo_db
    heard = Heard(crawler)
    store = StorePostPipeline.from_crawler(crawler)
    one, two, three = (make_post(n) for n in (1, 2, 3))
    # it was written: counted, not written again
    store._writing = (finished_future(UpsertResult(new_urls=[one["url"]])), [one])
    store.flush_now()
    assert crawler.stats.get_value("blog/stored/new") == 1
    # the database gave up on it: each post reported not stored
    store._writing = (finished_future(error=StorageUnavailableError("gone")), [two])
    store.flush_now()
    assert heard.not_stored == [([two["url"]], "gone")]
    # it failed otherwise: written again now, before the buffered posts
    store._writing = (finished_future(error=RuntimeError("?")), [dict(three)])
    store.buffer = [dict(one)]
    store.flush_now()
    client = pymongo.MongoClient(uri)
    assert sorted(d["url"] for d in client[db].posts.find()) == sorted([one["url"],
                                                                         three["url"]])
    client.close()
    assert crawler.stats.get_value("blog/stored/new") == 3 and store._writing is None


def test_a_database_that_refuses_the_indexes_says_so_in_its_own_words(mongo_db):
    uri, name = mongo_db
    storage = Storage(uri, name)
    storage.posts.create_index([("title", 1)], name="url_unique")  # someone else's index
    with pytest.raises(StorageUnavailableError) as refused:
        storage.check(write=True)
    storage.close()
    message = str(refused.value)
    assert message.startswith(f"MongoDB at {mask_uri(uri)} refused: An existing index has the "
                              "same name as the requested index")


def test_two_listed_urls_measured_as_one_page_are_one_post_and_the_log_says_so(recorder, caplog):
    caplog.set_level(logging.INFO, logger="blogcrawler.extensions")
    short = "http://blog.test/?p=7"
    for url in (POST, short):
        send(recorder, blog_signals.post_listed, url=url, route="sitemap")
    send(recorder, blog_signals.post_measured, listed=POST, url=POST)
    send(recorder, blog_signals.post_measured, listed=short, url=POST)
    in_database(recorder, POST)
    send(recorder, blog_signals.posts_stored, result=UpsertResult(new_urls=[POST]))
    record = recorder.finish("finished")
    assert record["posts"] == counts(listed=1, stored_new=1) and record["aliases"] == {
        short: POST}
    assert f"{short} is the same page as {POST}: counted once" in caplog.text


def test_a_page_measured_in_a_resumed_run_without_its_listing_is_counted():
    account = Account()
    account.measured(A, A)  # the listing was in the earlier run of the job
    account.close(ended_normally=False)
    assert account.counts() == counts(listed=1, not_reached=1)


def test_a_plain_post_counts_none_of_what_it_does_not_hold():
    figures = measure.measure_content(html("<p>Just words here.</p>"), "http://blog.test/p/")
    assert {k: figures[k] for k in ("images", "links", "links_internal", "links_external",
                                    "list_items", "blockquotes", "embeds", "tables",
                                    "headings")} == dict.fromkeys(
        ("images", "links", "links_internal", "links_external", "list_items", "blockquotes",
         "embeds", "tables", "headings"), 0)
    assert (figures["words"], figures["paragraphs"]) == (3, 1)


def test_content_bytes_serialise_a_closing_void_element_as_html():
    assert measure.inner_html_bytes(html("<p>a</p><br>")) == len(b"<p>a</p><br>")
    assert measure.inner_html_bytes(html("<br><p>a<img src=x></p>")) == len(
        b'<br><p>a<img src="x"></p>')


def test_the_crawl_record_counts_what_the_store_pipeline_wrote(crawler, mongo_db):
    record = CrawlRecorder.from_crawler(crawler)
    record.spider_opened(crawler.spider)
    for n in (1, 2):
        url = make_post(n)["url"]
        send(record, blog_signals.post_listed, url=url, route="archive")
        send(record, blog_signals.post_measured, listed=url, url=url)
    store_all(StorePostPipeline.from_crawler(crawler), [make_post(1), make_post(2)])
    assert record.finish("finished")["posts"] == counts(listed=2, stored_new=2)


def test_summaries_a_crawl_could_not_write_are_a_warning_not_a_failure(caplog):
    from tests.conftest import free_port

    storage = Storage(f"mongodb://127.0.0.1:{free_port()}/", "blog", timeout=0.2)
    summaries.after_crawl(storage, SITE, 2015, finished())  # does not raise
    storage.close()
    [warning] = [r for r in caplog.records if r.name == "blogstats.summaries"]
    assert warning.levelname == "WARNING"
    assert warning.getMessage().startswith(
        f"summaries of {SITE} 2015 not written (the dashboard shows the previous ones until the "
        "next crawl or release): 127.0.0.1:")
