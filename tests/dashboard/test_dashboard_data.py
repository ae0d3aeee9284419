"""The dashboard's reads against a real SecantusDB: summaries and posts on demand, validation,
the shared cache, fork, a read-only user, and a database that is away or misconfigured (nothing
secret leaks)."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time

import pymongo
import pytest
from dashboard_posts import post_docs

from blogstats import summaries
from blogstats.config import ConfigError
from blogstats.postframe import labels_frame, numbers_frame, safe_url, term_names
from dashboard.cache import SharedCache, private_folder
from dashboard.config import Config
from dashboard.data import DatabaseUnavailableError, Repository, crawl_state
from dashboard.year import Year
from tests.conftest import SecantusServer, free_port

SITE = "http://blog.example/"


def repo_for(uri, name, **config) -> Repository:
    config.setdefault("cache_dir", tempfile.mkdtemp(prefix="dashboard-cache-"))
    return Repository(Config(mongodb_uri=uri, database=name, **config))


def test_reads_one_site_and_year_with_only_the_fields_it_needs(seeded_db):
    uri, name = seeded_db
    client = pymongo.MongoClient(uri)
    client[name].posts.update_many({}, {"$set": {"fingerprint": "x", "content_hash": "y"}})
    client[name].posts.insert_many([
        dict(d, url=f"http://other.example/{i}", site="http://other.example/")
        for i, d in enumerate(post_docs(3))])
    client[name].posts.insert_one(dict(post_docs(1)[0], url="http://blog.example/old", year=2014))
    summaries.backfill(client[name], "posts")
    repo = repo_for(uri, name)
    assert repo.sites_and_years() == {SITE: [2015, 2014], "http://other.example/": [2015]}
    posts = repo.posts(SITE, 2015, "v1")
    assert len(posts) == 8 and posts["words"].tolist() == [100 * i for i in range(1, 9)]
    assert posts["title"].tolist() == [f"Week {i}" for i in range(1, 9)]
    assert "fingerprint" not in posts and "content_hash" not in posts and "tags" not in posts
    assert term_names(posts) == ["android", "apple", "data"]
    assert repo.year_summary(SITE, 2015)["terms"] == ["android", "apple", "data"]


def test_only_plain_values_reach_a_query(seeded_db):
    repo = repo_for(*seeded_db)
    with pytest.raises(TypeError):
        repo.posts({"$ne": None}, 2015, "v")
    with pytest.raises(TypeError):
        repo.year_summary(SITE, {"$gt": 0})
    with pytest.raises(TypeError):
        repo.find_posts({"$ne": None}, 2015, {})
    assert not repo.holds({"$ne": None}, 2015) and not repo.holds(SITE, True)
    assert repo.year_summary(SITE, 1999) is None


def test_posts_are_shared_and_cached_for_the_configured_time(seeded_db):
    uri, name = seeded_db
    folder = tempfile.mkdtemp(prefix="dashboard-cache-")
    cached = repo_for(uri, name, cache_seconds=60, cache_dir=folder)
    fresh = repo_for(uri, name, cache_seconds=0)
    assert len(cached.posts(SITE, 2015, "v1")) == 8
    assert len(fresh.posts(SITE, 2015, "v1")) == 8
    pymongo.MongoClient(uri)[name].posts.delete_one({"title": "Week 1"})
    assert len(cached.posts(SITE, 2015, "v1")) == 8
    assert len(fresh.posts(SITE, 2015, "v1")) == 7
    # another worker on the same machine (same folder) gets the first one's read
    other_worker = repo_for(uri, name, cache_seconds=60, cache_dir=folder)
    assert len(other_worker.posts(SITE, 2015, "v1")) == 8


def test_new_summaries_are_seen_at_once_not_when_the_cache_expires(seeded_db):
    """A crawl's end writes a new generation of summaries: the page draws it at its next
    read (within a second), whatever the cache time."""
    uri, name = seeded_db
    repo = repo_for(uri, name, cache_seconds=3600)
    assert Year.from_repository(repo, SITE, 2015).weeks("date")["posts"].sum() == 8
    db = pymongo.MongoClient(uri)[name]
    db.posts.delete_one({"title": "Week 1"})
    summaries.write(db, "posts", SITE, 2015)  # what the end of a crawl does
    time.sleep(1.1)  # the summary itself is re-read at most once a second
    year = Year.from_repository(repo, SITE, 2015)
    assert year.post_count == 7 and year.weeks("date")["posts"].sum() == 7
    assert len(year.posts) == 7


def test_the_last_crawl_is_the_site_years_own(seeded_db):
    uri, name = seeded_db
    db = pymongo.MongoClient(uri)[name]
    later = db.crawls.find_one()["started_at"].replace(day=5)
    db.crawls.insert_one({"_id": "other-year", "site": SITE, "year": 2014, "status": "running",
                          "started_at": later})
    db.crawls.insert_one({"_id": "other-site", "site": "http://x/", "year": 2015,
                          "status": "running", "started_at": later})
    repo = repo_for(uri, name)
    assert repo.last_crawl(SITE, 2015)["_id"] == "c1"
    assert repo.last_crawl(SITE, 2014)["_id"] == "other-year"


def test_a_forked_worker_makes_its_own_client(seeded_db):
    repo = repo_for(*seeded_db)
    parent_client = repo.client
    assert repo.ping() is True
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child, as a gunicorn worker after fork
        try:
            ok = repo.client is not parent_client and repo.ping() and \
                len(repo.posts(SITE, 2015, "fork")) == 8
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    assert os.read(read, 1) == b"1"
    os.waitpid(pid, 0)
    assert repo.client is parent_client


@pytest.mark.parametrize("password", ["s3cret", "q+Zx/9w==", "pa?ss#word", "p@ss:w/rd"])
def test_a_dead_database_says_nothing_of_the_uri_to_the_page(password, caplog):
    repo = repo_for(f"mongodb://reader:{password}@127.0.0.1:{free_port()}/?authSource=admin", "x")
    started = time.monotonic()
    assert repo.ping() is False and time.monotonic() - started < 10
    with pytest.raises(DatabaseUnavailableError) as info:
        repo.sites_and_years()
    assert "127.0.0.1" not in str(info.value) and "reader" not in str(info.value)
    assert password not in str(info.value)
    assert password not in caplog.text  # the log has the details, masked


def test_an_unusable_uri_is_a_sentence_in_the_log_and_a_banner_not_a_crash(caplog):
    repo = repo_for("mongodb://reader:pa:ss@word@127.0.0.1:1/?authMechanism=NOPE", "x")
    assert repo.ping() is False
    with pytest.raises(DatabaseUnavailableError) as info:
        repo.sites_and_years()
    assert "MONGODB_URI" in str(info.value) and "pa:ss" not in str(info.value)
    assert "cannot be used" in caplog.text and "ss@word" not in caplog.text


def test_works_with_a_read_only_user():
    storage = tempfile.mkdtemp(prefix="secantus-auth-")
    server = SecantusServer(storage_path=storage).start()
    try:
        admin = pymongo.MongoClient(server.uri)
        admin.blogstats.posts.insert_many(post_docs(4))
        summaries.backfill(admin.blogstats, "posts")
        admin.admin.command("createUser", "admin", pwd="adminpw", roles=["root"])
        admin.blogstats.command("createUser", "reader", pwd="readerpw",
                                roles=[{"role": "read", "db": "blogstats"}])
        admin.close()
        server.stop()
        server = SecantusServer(storage_path=storage, port=server.port,
                                extra_args=("--auth",)).start()
        uri = f"mongodb://reader:readerpw@127.0.0.1:{server.port}/?authSource=blogstats"
        repo = repo_for(uri, "blogstats")
        assert repo.ping() is True
        assert len(Year.from_repository(repo, SITE, 2015).posts) == 4
        reader = pymongo.MongoClient(uri)
        with pytest.raises(pymongo.errors.OperationFailure):  # the role really is read-only
            reader.blogstats.posts.insert_one({"url": "x"})
        reader.close()
    finally:
        server.stop()
        shutil.rmtree(storage, ignore_errors=True)


def test_frames_clean_what_they_are_given():
    docs = [dict(d, _id=i) for i, d in enumerate(post_docs(4))]
    docs[0]["url"] = "javascript:alert(1)"
    docs[1]["title"] = None
    docs[1]["words"] = "many"
    docs[2]["terms"] = {"$where": 1, "apple": 2}
    docs[2]["words"] = [1, 2]
    del docs[3]["published"], docs[3]["date"]  # no day: cannot be placed on the year
    numbers = numbers_frame(docs)
    assert numbers["id"].tolist() == [0, 1, 2]
    assert numbers["words"].isna().tolist() == [False, True, True]
    assert "term:$where" not in numbers
    labels = labels_frame(docs)
    assert labels.loc[0, "url"] == "" and labels.loc[1, "title"] == ""
    posts = numbers_frame(docs, labels=True)  # the same rows, with their labels beside them
    assert posts["url"].tolist() == ["", docs[1]["url"], docs[2]["url"]]
    assert posts["title"].tolist() == ["Week 1", "", "Week 3"]
    assert numbers_frame([]).empty and numbers_frame([], labels=True).empty


def test_stored_weeks_are_trusted_and_missing_ones_come_from_the_date():
    doc = post_docs(1)[0]
    # 1 January 2016 is ISO week 53 of 2015; the blog's own week number is kept as stored
    stored = dict(doc, _id=1, date="2016-01-01", published=None, iso_year=2015, iso_week=53,
                  week=1)
    missing = dict(doc, _id=2, date="2016-01-02")
    del missing["iso_year"], missing["iso_week"], missing["week"]
    numbers = numbers_frame([stored, missing])
    assert numbers[["iso_year", "iso_week", "week"]].values.tolist() == [[2015, 53, 1],
                                                                          [2015, 53, 53]]


@pytest.mark.parametrize("url, safe", [
    ("http://a/", True), ("HTTPS://a/", True), ("javascript:alert(1)", False),
    (" javascript:alert(1)", False), ("data:text/html,x", False), ("//a/", False), (None, False),
])
def test_safe_url(url, safe):
    assert (safe_url(url) == url) is safe


def test_a_running_crawl_whose_heartbeat_stopped_is_interrupted():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 1, 2, 12, tzinfo=UTC)
    assert crawl_state(None) == "none"
    assert crawl_state({"status": "running", "heartbeat_at": now - timedelta(seconds=30)},
                       now) == "running"
    assert crawl_state({"status": "running", "heartbeat_at": now - timedelta(seconds=61)},
                       now) == "interrupted"
    naive = (now - timedelta(seconds=90)).replace(tzinfo=None)  # pymongo's default
    assert crawl_state({"status": "running", "heartbeat_at": naive}, now) == "interrupted"
    assert crawl_state({"status": "finished"}, now) == "finished"


class Clock:
    """A clock the test moves by hand (the cache's only notion of time)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def wait_for(cache: SharedCache) -> None:
    deadline = time.monotonic() + 10
    while cache.refreshing and time.monotonic() < deadline:
        time.sleep(0.01)


def test_cache_serves_fresh_then_stale_while_reloading_then_reloads_when_too_old(tmp_path):
    clock, loads = Clock(), []

    def load():
        loads.append(clock.now)
        return len(loads)

    cache = SharedCache(tmp_path, 10, stale_factor=10, clock=clock)
    assert cache.get_or_load("k", load) == 1
    clock.now = 5
    assert cache.get_or_load("k", load) == 1 and len(loads) == 1  # fresh
    clock.now = 50
    assert cache.get_or_load("k", load) == 1  # stale: served at once, reloaded behind
    wait_for(cache)
    assert cache.get_or_load("k", load) == 2 and loads == [0, 50]
    clock.now = 1000  # too old to serve: the caller waits for the reload
    assert cache.get_or_load("k", load) == 3


def test_a_failed_background_reload_keeps_the_stale_value(tmp_path):
    clock = Clock()
    cache = SharedCache(tmp_path, 10, clock=clock)
    cache.get_or_load("k", lambda: "old")
    clock.now = 20

    def broken():
        raise pymongo.errors.ServerSelectionTimeoutError("down")

    assert cache.get_or_load("k", broken) == "old"
    wait_for(cache)
    assert cache.get_or_load("k", broken) == "old"


def test_the_cache_folder_must_be_private(tmp_path):
    folder = private_folder(str(tmp_path / "cache"), "ns")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # anyone could plant a pickle there
    with pytest.raises(ConfigError, match="others can write"):
        private_folder(str(shared), "ns")


def test_a_year_asked_for_by_many_callbacks_at_once_is_read_once_per_machine(tmp_path):
    """The page's callbacks ask for the same year together, on two workers: one database
    read, the others wait for it (threads here stand in for greenlets and workers)."""
    import threading

    loads = []
    started = threading.Event()

    def load():
        loads.append(1)
        started.set()
        time.sleep(1.0)  # a slow read: the others arrive while it runs
        return "year"

    workers = [SharedCache(tmp_path, 60), SharedCache(tmp_path, 60)]  # one folder: one machine
    results = []
    threads = [threading.Thread(target=lambda c=c: results.append(c.get_or_load("k", load)))
               for c in workers * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == ["year"] * 6 and len(loads) == 1


def test_a_worker_whose_load_fails_does_not_block_the_next(tmp_path):
    cache = SharedCache(tmp_path, 60)

    def broken():
        raise pymongo.errors.ServerSelectionTimeoutError("down")

    with pytest.raises(pymongo.errors.ServerSelectionTimeoutError):
        cache.get_or_load("k", broken)
    assert SharedCache(tmp_path, 60).get_or_load("k", lambda: "back") == "back"


def test_a_summary_read_just_before_a_write_still_draws_the_new_weeks(seeded_db):
    from dashboard.year import Year

    uri, name = seeded_db
    repo = repo_for(uri, name)
    year = Year.from_repository(repo, SITE, 2015)  # the summary read: generation G1 ...
    client = pymongo.MongoClient(uri)
    client[name].posts.insert_many(post_docs(10)[8:])
    summaries.write(client[name], "posts", SITE, 2015)  # ... replaced by G2, G1 removed
    client.close()
    weeks = year.weeks("date")
    assert len(weeks) == 10 and weeks["posts"].sum() == 10
    assert year.ranks["order"]["words"]["n"] == 10
