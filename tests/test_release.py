"""`python -m blogcrawler.release` migrates posts stored when `year` was the ISO year."""

from __future__ import annotations

import os
import subprocess
import sys

import pymongo

from tests.conftest import ROOT, run_crawl


def release(uri: str, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MONGODB_URI": uri, "MONGODB_DATABASE": database}
    return subprocess.run([sys.executable, "-m", "blogcrawler.release"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_release_moves_old_posts_to_the_calendar_year_and_a_recrawl_finds_them_unchanged(
        mongo_db, blog_server):
    uri, database = mongo_db
    assert run_crawl(blog_server.url, uri, database).returncode == 0
    client = pymongo.MongoClient(uri, tz_aware=True)
    posts = client[database]["posts"]
    try:
        # As an older version stored them: `year` the ISO year of `date`, no `iso_year`, and one
        # post of 1 January 2016, which is in ISO week 53 of 2015.
        posts.update_many({}, {"$unset": {"iso_year": ""}})
        first = posts.find_one({}, sort=[("date", 1)])
        old_new_year = {**first, "_id": None, "url": first["url"] + "new-year/",
                        "date": "2016-01-01", "year": 2015, "iso_week": 53}
        del old_new_year["_id"]
        posts.insert_one(old_new_year)

        result = release(uri, database)
        assert result.returncode == 0, result.stderr
        assert "53 posts now have `year` as the calendar year" in result.stdout

        moved = posts.find_one({"url": old_new_year["url"]})
        assert (moved["year"], moved["iso_year"], moved["iso_week"]) == (2016, 2015, 53)
        assert posts.count_documents({"year": 2015, "iso_year": 2015}) == 52

        again = release(uri, database)
        assert again.returncode == 0 and "now have" not in again.stdout  # nothing left to do

        posts.delete_one({"url": old_new_year["url"]})
        recrawl = run_crawl(blog_server.url, uri, database)
        assert recrawl.returncode == 0, recrawl.stderr[-2000:]
        record = client[database]["crawls"].find_one(sort=[("started_at", -1)])
        assert (record["posts"]["stored_new"], record["posts"]["updated"],
                record["posts"]["unchanged"]) == (0, 0, 52)
    finally:
        client.close()
