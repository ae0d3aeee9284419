"""Summaries kept true to the posts when writes cross, die half-way or miss a year (the
reviewer's findings on blogstats/summaries.py), against a real SecantusDB: the number a user
reads on the dashboard is compared with the posts stored."""

from __future__ import annotations

import importlib
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pymongo
import pytest

from blogstats import summaries
from blogstats.postframe import frame_in_batches

SITE = "https://b.example/"
YEARS, WEEKS, RANKS = "posts_years", "posts_weeks", "posts_ranks"


def post(i: int, year: int = 2015, words: int = 100) -> dict:
    day = datetime(year, 3, 1) + timedelta(days=i)
    iso = day.isocalendar()
    return {"url": f"{SITE}p{i}", "site": SITE, "year": year, "date": day.strftime("%Y-%m-%d"),
            "iso_year": iso[0], "iso_week": iso[1], "week": iso[1], "title": f"t{i}",
            "words": words, "crawled_at": datetime.now(UTC)}


@pytest.fixture
def db(mongo_db):
    uri, name = mongo_db
    client = pymongo.MongoClient(uri, tz_aware=True)
    yield client[name]
    client.close()


def summary(db, year: int = 2015) -> dict | None:
    return db[YEARS].find_one({"_id": f"{SITE}|{year}"})


def test_an_older_write_that_lands_last_leaves_the_newer_summary(db, monkeypatch):
    db.posts.insert_many([post(i) for i in range(10)])
    summaries.write(db, "posts", SITE, 2015)
    # write A reads the 10 posts, then stalls (a slow release backfill) ...
    read, resume = threading.Event(), threading.Event()
    real = summaries.frame_in_batches

    def stalling(source, *args, **kwargs):
        frame = real(source, *args, **kwargs)
        if threading.current_thread().name == "older":
            read.set()
            resume.wait(10)
        return frame

    monkeypatch.setattr(summaries, "frame_in_batches", stalling)
    older = threading.Thread(target=summaries.write, args=(db, "posts", SITE, 2015),
                             name="older")
    older.start()
    assert read.wait(10)
    # ... while a crawl stores 5 more posts and writes its summary
    db.posts.insert_many([post(i) for i in range(10, 15)])
    summaries.write(db, "posts", SITE, 2015)
    resume.set()
    older.join(10)
    stored = db.posts.count_documents({"site": SITE, "year": 2015})
    assert stored == 15
    assert summary(db)["posts"] == stored
    # the loser removed its own week and rank documents: one generation left, the pointed one
    assert db[WEEKS].distinct("generation") == [summary(db)["generation"]]
    assert db[RANKS].count_documents({}) == 1


def test_backfill_keeps_the_generation_a_running_write_is_about_to_publish(db):
    db.posts.insert_many([post(i, words=100 + i) for i in range(10)])
    summaries.write(db, "posts", SITE, 2015)
    # a crawl that found every post unchanged: its write has stored generation G2's weeks
    # and ranks and is about to point the year document to them ...
    frame = frame_in_batches(db.posts.find({"site": SITE, "year": 2015}), labels=True)
    g2 = uuid.uuid4().hex
    year_doc, week_docs, rank_doc = summaries.build(frame, SITE, 2015, g2)
    names = summaries.Names("posts")
    summaries._stage(db, names, week_docs, rank_doc)
    # ... when release runs
    summaries.backfill(db, "posts")
    db[YEARS].replace_one({"_id": f"{SITE}|2015"},
                          dict(year_doc, source=summary(db)["source"]))
    assert db[WEEKS].count_documents({"generation": g2}) == len(week_docs) > 0
    assert db[RANKS].count_documents({"generation": g2}) == 1


def test_backfill_rewrites_a_summary_whose_generation_is_gone_and_drops_old_orphans(db):
    db.posts.insert_many([post(i) for i in range(10)])
    summaries.write(db, "posts", SITE, 2015)
    first = summary(db)["generation"]
    # the year document points at nothing (its weeks and ranks deleted by an older release)
    db[WEEKS].delete_many({})
    db[RANKS].delete_many({})
    # and a write that died half-way an hour ago left its documents behind
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    db[WEEKS].insert_one({"_id": "dead", "site": SITE, "year": 2015, "generation": "dead",
                          "axis": "date", "created_at": long_ago})
    done = summaries.backfill(db, "posts")
    assert (done.written, done.current) == (1, 0)
    doc = summary(db)
    assert doc["generation"] != first and doc["posts"] == 10
    assert db[RANKS].count_documents({"generation": doc["generation"]}) == 1
    assert summaries.backfill(db, "posts").current == 1  # now current: nothing written again
    assert db[WEEKS].count_documents({"generation": "dead"}) == 0


def test_a_summary_that_cannot_be_computed_is_said_so_and_the_other_years_are_written(
        mongo_db, monkeypatch, capsys, caplog):
    from blogcrawler import release

    uri, name = mongo_db
    client = pymongo.MongoClient(uri, tz_aware=True)
    db = client[name]
    db.posts.insert_many([post(i) for i in range(5)] + [post(i, year=2014) for i in range(5, 8)])
    real = summaries.build

    def broken_for_2014(frame, site, year, generation):  # a bug met by one year's posts
        if year == 2014:
            raise ValueError("cannot convert float NaN to integer")
        return real(frame, site, year, generation)

    monkeypatch.setattr(summaries, "build", broken_for_2014)
    # the end of a crawl of 2014: one sentence of its own, the crawl's outcome untouched
    storage = type("S", (), {"client": client, "database_name": name, "posts_name": "posts"})
    summaries.after_crawl(storage, SITE, 2014, {"_id": "c", "finish_reason": "finished",
                                                "verified": {"checked": True}})
    assert "summaries of https://b.example/ 2014 could not be computed" in caplog.text
    assert "not written" not in caplog.text
    # release: 2015 written, 2014 named in one sentence, exit 3
    monkeypatch.setenv("MONGODB_URI", uri)
    monkeypatch.setenv("MONGODB_DATABASE", name)
    monkeypatch.delenv("REDIS_URL", raising=False)
    # The crawler's settings module reads the environment when it is imported, as `release`
    # does in its own process; here another test of this process may have imported it first.
    import blogcrawler.settings
    importlib.reload(blogcrawler.settings)
    try:
        assert release.main() == release.EXIT_SUMMARIES
    finally:
        monkeypatch.undo()
        importlib.reload(blogcrawler.settings)
    err = capsys.readouterr().err.strip()
    assert err.startswith("release: error: the dashboard's summaries of 1 site-year(s) could "
                          "not be computed") and "https://b.example/ 2014: ValueError" in err
    assert len(err.splitlines()) == 1
    assert summary(db, 2015)["posts"] == 5 and summary(db, 2014) is None
    client.close()


def test_ensure_written_writes_what_a_crawl_left_out_once_and_never_over_a_later_crawl(db):
    db.posts.insert_many([post(i) for i in range(4)])
    start = datetime.now(UTC)
    db.crawls.insert_many([
        {"_id": "old", "site": SITE, "year": 2015, "started_at": start - timedelta(days=1)},
        {"_id": "stopped", "site": SITE, "year": 2015, "started_at": start,
         "finish_reason": "forced_stop"},
        {"_id": "next", "site": SITE, "year": 2015, "started_at": start + timedelta(hours=1)}])
    summaries.write(db, "posts", SITE, 2015, db.crawls.find_one({"_id": "old"}))
    # the forced_stop crawl stored 3 more posts and wrote no summary
    db.posts.insert_many([post(i) for i in range(4, 7)])
    assert summaries.ensure_written(db, "posts", SITE, 2015, "stopped")["posts"] == 7
    assert summary(db)["crawl"]["_id"] == "stopped" and summary(db)["posts"] == 7
    assert summaries.ensure_written(db, "posts", SITE, 2015, "stopped") is None  # done once
    summaries.write(db, "posts", SITE, 2015, db.crawls.find_one({"_id": "next"}))
    assert summaries.ensure_written(db, "posts", SITE, 2015, "old") is None
    assert summary(db)["crawl"]["_id"] == "next"


def test_a_post_moved_to_the_crawled_year_leaves_the_old_years_summary_true(db, mongo_db):
    from blogcrawler.storage import Storage

    db.posts.insert_many([post(i) for i in range(6)] + [post(i, year=2016) for i in (6, 7)])
    old_crawl = {"_id": "c2015", "status": "finished", "complete": True}
    summaries.write(db, "posts", SITE, 2015, old_crawl)
    summaries.write(db, "posts", SITE, 2016)
    # the 2016 crawl finds that p0's date is now in 2016: its upsert by URL moves the post
    storage = Storage(*mongo_db)
    try:
        storage.posts.update_one({"url": f"{SITE}p0"}, {"$set": {
            "year": 2016, "date": "2016-01-04", "crawled_at": datetime.now(UTC)}})
        summaries.after_crawl(storage, SITE, 2016, {"_id": "c2016", "finish_reason": "finished",
                                                    "verified": {"checked": True}})
    finally:
        storage.close()
    for year in (2015, 2016):
        assert summary(db, year)["posts"] == db.posts.count_documents({"site": SITE,
                                                                       "year": year})
    assert summary(db, 2015)["posts"] == 5 and summary(db, 2016)["posts"] == 3
    assert summary(db, 2015)["crawl"]["_id"] == "c2015"  # the year's own crawl, still
