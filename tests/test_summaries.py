"""The summaries the dashboard reads (blogstats/summaries.py): written by a real crawl's end and
by `release` for posts stored before, checked against the fixture blog's own truth computed here
in plain Python; idempotent backfill; the rank separators against a brute-force sort."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime

import pymongo
import pytest

from blogstats import summaries
from blogstats.postframe import METRIC_FIELDS
from tests.conftest import ROOT, run_crawl

YEARS, WEEKS, RANKS = "posts_years", "posts_weeks", "posts_ranks"


@pytest.fixture(scope="module")
def crawled(crawled_db, blog):
    uri, name = crawled_db
    client = pymongo.MongoClient(uri)
    yield client[name], blog
    client.close()


def monday(iso_year: int, iso_week: int) -> datetime:
    return datetime.combine(date.fromisocalendar(iso_year, iso_week, 1), datetime.min.time())


def test_a_crawl_writes_the_summary_of_its_year(crawled):
    db, blog = crawled
    truth = sorted(blog.truth(), key=lambda t: (t["date"], t["published"]))
    doc = db[YEARS].find_one({"_id": f"{blog.root}|2015"})
    record = db.crawls.find_one({"site": blog.root})
    assert doc["crawl"]["_id"] == record["_id"] and doc["crawl"]["complete"] is True
    assert doc["posts"] == len(truth) == 52
    assert doc["source"]["posts"] == 52
    for metric in METRIC_FIELDS:
        values = [t[metric] for t in truth]
        stats = doc["metrics"][metric]
        assert stats["n"] == len(values) and stats["sum"] == sum(values)
        assert stats["median"] == statistics.median(values)
        assert stats["mean"] == pytest.approx(statistics.mean(values))
    longest = max(truth, key=lambda t: t["words"])  # the first of the longest: the earliest
    assert doc["longest"] == {"title": longest["title"], "date": longest["date"],
                              "url": longest["url"], "words": longest["words"]}
    assert doc["terms"] == list(truth[0]["terms"])
    # Pearson's r of any two metrics from the stored moments is the one of the posts
    n, _mean_a, _mean_b, saa, sbb, sab = doc["pairs"]["words|html_bytes"]
    r = sab / (saa * sbb) ** 0.5
    assert r == pytest.approx(statistics.correlation([t["words"] for t in truth],
                                                     [t["html_bytes"] for t in truth]))


def test_the_week_documents_hold_each_iso_week_of_the_truth(crawled):
    db, blog = crawled
    truth = blog.truth()
    doc = db[YEARS].find_one({"_id": f"{blog.root}|2015"})
    by_week = defaultdict(list)
    for post in truth:
        by_week[monday(post["iso_year"], post["iso_week"])].append(post)
    stored = {w["x"]: w for w in db[WEEKS].find({"site": blog.root, "year": 2015,
                                                "generation": doc["generation"],
                                                "axis": "date"})}
    assert set(stored) == set(by_week)
    for start, posts in by_week.items():
        week = stored[start]
        assert week["posts"] == len(posts)
        total, n, median = week["values"]["words"]
        assert (total, n) == (sum(p["words"] for p in posts), len(posts))
        assert median == statistics.median(p["words"] for p in posts)
        apple = week["values"]["term:apple"]
        assert apple[0] == sum(p["terms"]["apple"] for p in posts)
    # one generation only: the crawl wrote it once
    assert db[WEEKS].distinct("generation", {"site": blog.root}) == [doc["generation"]]


def test_rank_separators_give_every_page_of_every_order():
    rng = random.Random(7)
    values = [float(rng.choice([0, 0, 0, 1, 2, 3, 5, 8, 300])) for _ in range(997)]
    values[5] = values[17] = float("nan")  # posts without the value
    urls = [f"https://b/{i:04d}/" for i in range(len(values))]
    order = summaries.order_of(values, urls, step=50)
    expected = sorted((v, u) for v, u in zip(values, urls, strict=True) if v == v)
    assert order["n"] == len(expected) and order["missing"] == 2
    ranks = [*range(0, order["n"], 50), order["n"] - 1]
    assert [expected[r][0] for r in ranks] == order["values"]
    for value, start, end in zip(order["values"], order["starts"], order["ends"], strict=True):
        run = [r for r, (v, _) in enumerate(expected) if v == value]
        assert (start, end) == (run[0], run[-1] + 1)
    titles = summaries.order_of(["b", "", "a", "b"], ["u1", "u2", "u3", "u4"])
    assert titles == {"values": ["a", "b"], "starts": [0, 1], "ends": [1, 3],
                      "n": 3, "missing": 1}


def release(uri: str, database: str) -> subprocess.CompletedProcess:
    import os
    env = {**os.environ, "MONGODB_URI": uri, "MONGODB_DATABASE": database}
    return subprocess.run([sys.executable, "-m", "blogcrawler.release"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_release_summarises_posts_stored_before_and_only_what_changed(crawled, mongo_db):
    source, blog = crawled
    uri, name = mongo_db
    client = pymongo.MongoClient(uri)
    db = client[name]
    try:
        # posts as an older version left them: no summaries at all, and a second year
        posts = list(source.posts.find({}, {"_id": 0}))
        older = [dict(p, url=p["url"] + "2014/", year=2014, date="2014" + p["date"][4:])
                 for p in posts[:10]]
        db.posts.insert_many(posts + older)
        first = release(uri, name)
        assert first.returncode == 0, first.stderr
        assert "2 site-years summarised, 0 already current, 0 removed" in first.stdout
        assert db[YEARS].find_one({"_id": f"{blog.root}|2014"})["posts"] == 10
        assert db[YEARS].find_one({"_id": f"{blog.root}|2015"})["posts"] == 52
        again = release(uri, name)
        assert "0 site-years summarised, 2 already current" in again.stdout  # idempotent
        # a post changed (as a crawl that died before its end leaves it): only its year again
        db.posts.update_one({"url": posts[0]["url"]}, {"$set": {
            "words": 12345, "crawled_at": datetime.now(UTC)}})
        generation_2014 = db[YEARS].find_one({"_id": f"{blog.root}|2014"})["generation"]
        third = release(uri, name)
        assert "1 site-years summarised, 1 already current" in third.stdout
        assert db[YEARS].find_one({"_id": f"{blog.root}|2015"})["metrics"]["words"]["max"] == 12345
        assert db[YEARS].find_one({"_id": f"{blog.root}|2014"})["generation"] == generation_2014
        # the year's posts gone: its summary goes too, with its weeks
        db.posts.delete_many({"year": 2014})
        fourth = release(uri, name)
        assert "0 site-years summarised, 1 already current, 1 removed" in fourth.stdout
        assert db[YEARS].count_documents({"year": 2014}) == 0
        assert db[WEEKS].count_documents({"year": 2014}) == 0
        # one generation of weeks and ranks per year left, and the table's indexes in place
        assert len(db[WEEKS].distinct("generation")) == 1
        assert db[RANKS].count_documents({}) == 1
        assert "site_year_words" in db.posts.index_information()
    finally:
        client.drop_database(name)
        client.close()


def test_a_crawl_that_finds_no_post_says_so_in_its_summary(mongo_db, blog_server):
    uri, name = mongo_db
    # the archive route of a year the blog has no post in
    result = run_crawl(blog_server.url, uri, name, "-a", "year=2009", "-a", "discover=archive")
    assert result.returncode == 3
    client = pymongo.MongoClient(uri)
    try:
        doc = client[name][YEARS].find_one({"year": 2009})
        assert doc["posts"] == 0 and doc["crawl"]["complete"] is False
        assert doc["metrics"]["words"]["mean"] is None
    finally:
        client.close()
