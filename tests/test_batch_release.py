"""`python -m blogcrawler.release` prepares every index the processes rely on, the many-blogs
ones included, against a real SecantusDB, as the platform runs it before a deploy."""

from __future__ import annotations

import pymongo

from tests.test_release import release


def index_keys(collection) -> dict[str, list]:
    return {name: list(spec["key"]) for name, spec in collection.index_information().items()}


def test_release_creates_the_indexes_of_posts_crawls_and_jobs_and_is_safe_to_repeat(mongo_db):
    uri, database = mongo_db
    for attempt in (1, 2):  # every deploy runs it: the second run finds them in place
        result = release(uri, database)
        assert result.returncode == 0, (attempt, result.stderr)
        assert "collections posts, crawls, jobs, blogs" in result.stdout
    client = pymongo.MongoClient(uri)
    try:
        db = client[database]
        posts, crawls, jobs = (index_keys(db[name]) for name in ("posts", "crawls", "jobs"))
        assert posts["url_unique"] == [("url", 1)]
        assert db.posts.index_information()["url_unique"]["unique"] is True
        # The dashboard's "newest record of this site-year", every 5 s on every open page.
        assert crawls["site_year_started"] == [("site", 1), ("year", 1), ("started_at", -1)]
        assert jobs["state_enqueued"] == [("state", 1), ("enqueued_at", 1)]
        assert jobs["site_year"] == [("site", 1), ("year", 1)]
        # The newest crawl of a site-year is read through that index, not a scan.
        plan = db.command("explain", {"find": "crawls", "filter": {"site": "s", "year": 2015},
                                      "sort": {"started_at": -1}, "limit": 1})
        winning = str(plan["queryPlanner"]["winningPlan"])
        assert "'indexName': 'site_year_started'" in winning and "COLLSCAN" not in winning
    finally:
        client.close()
