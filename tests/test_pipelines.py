"""The item pipelines and the storage layer, against a real SecantusDB."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pymongo
import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from blogcrawler.items import PostItem
from blogcrawler.pipelines import StorePostPipeline, ValidatePostPipeline
from blogcrawler.spiders.blog import BlogSpider
from blogcrawler.storage import Storage, fingerprint, mask_uri


def make_post(n: int = 1, **changes) -> dict:
    doc = {
        "url": f"http://blog.test/2015/01/0{n}/post-{n}/", "site": "http://blog.test/",
        "title": f"Week {n}", "published": datetime(2015, 1, n, 7, 30, tzinfo=UTC),
        "modified": None, "date": f"2015-01-0{n}", "year": 2015, "iso_week": 1, "week": n,
        "author": "Tom", "categories": ["News"], "tags": [], "words": 100 + n, "paragraphs": 3,
        "headings": 1, "headings_by_level": {f"h{i}": int(i == 2) for i in range(1, 7)},
        "images": 0, "links": 2, "links_internal": 1, "links_external": 1, "list_items": 0,
        "blockquotes": 0, "embeds": 0, "tables": 0, "html_bytes": 5000, "content_bytes": 900,
        "comments": 0, "terms": {"data": 1}, "content_hash": "x" * 64, "extractor": "entry-content",
    }
    doc.update(changes)
    return doc


@pytest.fixture
def crawler(mongo_db):
    uri, db = mongo_db
    crawler = get_crawler(BlogSpider, {"MONGODB_URI": uri, "MONGODB_DATABASE": db,
                                       "BLOG_URL": "http://blog.test", "BLOG_YEAR": "2015",
                                       "MONGODB_BATCH_SIZE": 3})
    crawler.spider = BlogSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    return crawler


def test_validation_drops_posts_without_title_or_date_or_of_another_year(crawler):
    validate = ValidatePostPipeline.from_crawler(crawler)
    cases = {
        "no_title": make_post(title="  \n "),
        "no_date": make_post(published=None, date=None),
        "other_year": make_post(date="2014-12-31"),
    }
    for reason, post in cases.items():
        with pytest.raises(DropItem, match=reason):
            validate.process_item(PostItem(post))
        assert crawler.stats.get_value(f"blog/dropped/{reason}") == 1
    kept = validate.process_item(PostItem(make_post(title="  Week\n 1 ")))
    assert kept["title"] == "Week 1"


def test_store_pipeline_batches_and_counts(crawler, mongo_db):
    uri, db = mongo_db
    store = StorePostPipeline.from_crawler(crawler)

    async def run(posts):
        await store.open_spider()
        for post in posts:
            await store.process_item(PostItem(post))
        await store.close_spider()

    asyncio.run(run([make_post(n) for n in range(1, 6)]))
    stats = crawler.stats
    assert stats.get_value("blog/stored/new") == 5
    client = pymongo.MongoClient(uri)
    docs = list(client[db].posts.find())
    assert len(docs) == 5
    assert {d["crawl_id"] for d in docs} == {crawler.spider.crawl_id}
    index = client[db].posts.index_information()["url_unique"]
    assert index["unique"] is True
    client.close()


def test_unchanged_posts_are_not_rewritten_and_changed_ones_are(mongo_db):
    uri, db = mongo_db
    storage = Storage(uri, db)
    storage.ensure_indexes()
    first = storage.upsert_posts([make_post(1), make_post(2)])
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    again = storage.upsert_posts([make_post(1, crawl_id="b"), make_post(2, crawl_id="b")])
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    changed = storage.upsert_posts([make_post(1, words=999), make_post(2)])
    assert (changed.new, changed.updated, changed.unchanged) == (0, 1, 1)
    stored = {d["url"]: d for d in storage.posts.find()}
    assert stored[make_post(1)["url"]]["words"] == 999
    assert storage.posts.count_documents({}) == 2
    storage.close()


def test_the_same_post_twice_in_a_batch_is_stored_once(mongo_db):
    uri, db = mongo_db
    storage = Storage(uri, db)
    storage.ensure_indexes()
    result = storage.upsert_posts([make_post(1), make_post(1, words=7)])
    assert result.new == 1
    assert storage.posts.count_documents({}) == 1
    assert storage.posts.find_one()["words"] == 7
    storage.close()


def test_fingerprint_ignores_when_and_by_whom():
    a = make_post(1, crawl_id="a", crawled_at=datetime(2020, 1, 1))
    b = make_post(1, crawl_id="b", crawled_at=datetime(2021, 1, 1))
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(make_post(1, comments=1))


@pytest.mark.parametrize(
    ("uri", "masked"),
    [
        ("mongodb://user:s3cret@db.example:27017/x", "mongodb://user:***@db.example:27017/x"),
        ("mongodb+srv://u:p%40ss@cluster.example/db?retryWrites=true",
         "mongodb+srv://u:***@cluster.example/db?retryWrites=true"),
        ("mongodb://127.0.0.1:27017", "mongodb://127.0.0.1:27017"),
    ],
)
def test_passwords_are_masked(uri, masked):
    assert mask_uri(uri) == masked
    assert "s3cret" not in mask_uri(uri) and "p%40ss" not in mask_uri(uri)
