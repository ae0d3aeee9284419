"""The dashboard's reads against a real SecantusDB: projection, validation, cache, fork, auth."""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import pymongo
import pytest
from dashboard_posts import post_docs

from dashboard.config import Config
from dashboard.data import (
    DatabaseUnavailableError,
    Repository,
    TTLCache,
    posts_frame,
    safe_url,
    term_names,
)
from tests.conftest import SecantusServer, free_port


def repo_for(uri, name, **config) -> Repository:
    return Repository(Config(mongodb_uri=uri, database=name, **config))


def test_reads_one_site_and_year_with_only_the_fields_it_needs(seeded_db):
    uri, name = seeded_db
    client = pymongo.MongoClient(uri)
    client[name].posts.update_many({}, {"$set": {"fingerprint": "x", "content_hash": "y"}})
    client[name].posts.insert_many([
        dict(d, url=f"http://other.example/{i}", site="http://other.example/")
        for i, d in enumerate(post_docs(3))])
    client[name].posts.insert_one(dict(post_docs(1)[0], url="http://blog.example/old", year=2014))
    repo = repo_for(uri, name)
    assert repo.sites_and_years() == {"http://blog.example/": [2015, 2014],
                                      "http://other.example/": [2015]}
    frame = repo.posts("http://blog.example/", 2015)
    assert len(frame) == 8 and frame["words"].tolist() == [100 * i for i in range(1, 9)]
    assert "fingerprint" not in frame and "content_hash" not in frame and "_id" not in frame
    assert term_names(frame) == ["android", "apple", "data"]


def test_only_plain_values_reach_a_query(seeded_db):
    repo = repo_for(*seeded_db)
    with pytest.raises(TypeError):
        repo.posts({"$ne": None}, 2015)
    with pytest.raises(TypeError):
        repo.posts("http://blog.example/", {"$gt": 0})
    assert repo.posts("http://blog.example/", 1999).empty


def test_reads_are_cached_for_the_configured_time(seeded_db):
    uri, name = seeded_db
    cached, fresh = repo_for(uri, name, cache_seconds=60), repo_for(uri, name, cache_seconds=0)
    assert len(cached.posts("http://blog.example/", 2015)) == 8
    assert len(fresh.posts("http://blog.example/", 2015)) == 8
    pymongo.MongoClient(uri)[name].posts.delete_one({"title": "Week 1"})
    assert len(cached.posts("http://blog.example/", 2015)) == 8
    assert len(fresh.posts("http://blog.example/", 2015)) == 7


def test_a_forked_worker_makes_its_own_client(seeded_db):
    repo = repo_for(*seeded_db)
    parent_client = repo.client
    assert repo.ping() == (True, "")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child, as a gunicorn worker after fork
        try:
            ok = repo.client is not parent_client and repo.ping()[0] and \
                len(repo.posts("http://blog.example/", 2015)) == 8
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    assert os.read(read, 1) == b"1"
    os.waitpid(pid, 0)
    assert repo.client is parent_client


def test_a_dead_database_is_reported_quickly_with_the_password_masked():
    repo = repo_for(f"mongodb://reader:s3cret@127.0.0.1:{free_port()}/?authSource=admin", "x")
    started = time.monotonic()
    ok, reason = repo.ping()
    assert not ok and time.monotonic() - started < 10
    assert "reader:***@" in reason and "s3cret" not in reason
    with pytest.raises(DatabaseUnavailableError) as info:
        repo.sites_and_years()
    assert "s3cret" not in str(info.value)


def test_works_with_a_read_only_user():
    storage = tempfile.mkdtemp(prefix="secantus-auth-")
    server = SecantusServer(storage_path=storage).start()
    try:
        admin = pymongo.MongoClient(server.uri)
        admin.blogstats.posts.insert_many(post_docs(4))
        admin.admin.command("createUser", "admin", pwd="adminpw", roles=["root"])
        admin.blogstats.command("createUser", "reader", pwd="readerpw",
                                roles=[{"role": "read", "db": "blogstats"}])
        admin.close()
        server.stop()
        server = SecantusServer(storage_path=storage, port=server.port,
                                extra_args=("--auth",)).start()
        uri = f"mongodb://reader:readerpw@127.0.0.1:{server.port}/?authSource=blogstats"
        repo = repo_for(uri, "blogstats")
        assert repo.ping() == (True, "")
        assert len(repo.posts("http://blog.example/", 2015)) == 4
        reader = pymongo.MongoClient(uri)
        with pytest.raises(pymongo.errors.OperationFailure):  # the role really is read-only
            reader.blogstats.posts.insert_one({"url": "x"})
        reader.close()
    finally:
        server.stop()
        shutil.rmtree(storage, ignore_errors=True)


def test_posts_frame_cleans_what_it_is_given():
    docs = post_docs(3)
    docs[0]["url"] = "javascript:alert(1)"
    docs[1]["title"] = None
    docs[1]["words"] = "many"
    docs[2]["terms"] = {"$where": 1, "apple": 2}
    del docs[2]["published"]  # no date: cannot be placed on the year
    frame = posts_frame(docs)
    assert frame["url"].tolist() == ["", "http://blog.example/2015/01/14/week-2/"]
    assert frame["title"].tolist() == ["Week 1", ""]
    assert frame["words"].isna().tolist() == [False, True]
    assert "term:$where" not in frame
    assert posts_frame([]).empty


@pytest.mark.parametrize("url, safe", [
    ("http://a/", True), ("HTTPS://a/", True), ("javascript:alert(1)", False),
    (" javascript:alert(1)", False), ("data:text/html,x", False), ("//a/", False), (None, False),
])
def test_safe_url(url, safe):
    assert (safe_url(url) == url) is safe


class Clock:
    """A clock the test moves by hand (the cache's only notion of time)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_cache_serves_fresh_then_stale_while_reloading_then_reloads_when_too_old():
    clock, loads = Clock(), []

    def load():
        loads.append(clock.now)
        return len(loads)

    cache = TTLCache(10, stale_seconds=100, clock=clock)
    assert cache.get_or_load("k", load) == 1
    clock.now = 5
    assert cache.get_or_load("k", load) == 1 and len(loads) == 1  # fresh
    clock.now = 50
    assert cache.get_or_load("k", load) == 1  # stale: served at once, reloaded behind
    deadline = time.monotonic() + 10
    while cache.refreshing and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get_or_load("k", load) == 2 and loads == [0, 50]
    clock.now = 1000  # too old to serve: the caller waits for the reload
    assert cache.get_or_load("k", load) == 3


def test_a_failed_background_reload_keeps_the_stale_value():
    clock = Clock()
    cache = TTLCache(10, stale_seconds=100, clock=clock)
    cache.get_or_load("k", lambda: "old")
    clock.now = 20

    def broken():
        raise pymongo.errors.ServerSelectionTimeoutError("down")

    assert cache.get_or_load("k", broken) == "old"
    deadline = time.monotonic() + 10
    while cache.refreshing and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get_or_load("k", broken) == "old"
