"""The database goes away, a crawl is interrupted, users have only the rights they need."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pymongo
import pytest

from fixture_site.faults import serve_faulty_blog
from tests.conftest import ROOT, SecantusServer, run_crawl

VOLATILE = ("_id", "crawled_at", "crawl_id", "fingerprint")


@pytest.fixture
def slow_blog():
    """The fixture blog answering every request after 0.15 s: a crawl of it lasts a while."""
    server = serve_faulty_blog(delay=0.15, faults=False)
    yield server
    server.shutdown()
    server.server_close()


def start_crawl(url: str, uri: str, db: str, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"url={url}",
               "-s", f"MONGODB_URI={uri}", "-s", f"MONGODB_DATABASE={db}",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
               "-s", "CONCURRENT_REQUESTS=2", "-s", "MONGODB_BATCH_SIZE=4", *extra]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def wait_for_posts(uri: str, db: str, at_least: int, proc: subprocess.Popen, timeout=60) -> int:
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=2000)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            count = client[db].posts.count_documents({})
            if count >= at_least:
                return count
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            time.sleep(0.1)
    finally:
        client.close()
    raise AssertionError(f"fewer than {at_least} posts stored after {timeout} s")


def assert_exactly_the_truth(uri: str, db: str, blog) -> None:
    client = pymongo.MongoClient(uri, tz_aware=True)
    docs = list(client[db].posts.find())
    client.close()
    truth = {d["url"]: d for d in blog.truth()}
    assert len(docs) == len({d["url"] for d in docs})  # no duplicates
    assert sorted(d["url"] for d in docs) == sorted(truth)  # nothing lost
    for doc in docs:
        assert {k: v for k, v in doc.items() if k not in VOLATILE} == truth[doc["url"]]


def test_database_killed_mid_crawl_and_restarted_loses_nothing(tmp_path, slow_blog):
    # --sync-on-commit: like a journaled MongoDB, an acknowledged write survives a kill -9.
    db_server = SecantusServer(storage_path=str(tmp_path / "db"),
                               extra_args=("--sync-on-commit",)).start()
    try:
        crawl = start_crawl(slow_blog.url, db_server.uri, "killed", "-s", "MONGODB_RETRY_SECONDS=90",
                            "-s", "MONGODB_TIMEOUT_SECONDS=1")
        wait_for_posts(db_server.uri, "killed", 8, crawl)
        db_server.kill()
        time.sleep(5)  # longer than the driver's own wait: our retries must carry the writes
        db_server.start()
        output, _ = crawl.communicate(timeout=180)
        assert crawl.returncode == 0, output[-3000:]
        assert "MongoDB unavailable" in output  # it said what was happening
        assert_exactly_the_truth(db_server.uri, "killed", slow_blog.blog)
    finally:
        db_server.stop()


def test_interrupted_crawl_resumes_from_its_job_directory(mongo_db, slow_blog, tmp_path):
    uri, db = mongo_db
    jobdir = tmp_path / "job"
    first = start_crawl(slow_blog.url, uri, db, "-s", f"JOBDIR={jobdir}")
    stored_before = wait_for_posts(uri, db, 12, first)
    first.send_signal(signal.SIGINT)  # Ctrl-C: Scrapy stops gracefully and keeps its queue
    first.communicate(timeout=60)
    client = pymongo.MongoClient(uri)
    stored_after_stop = client[db].posts.count_documents({})
    client.close()
    assert stored_before <= stored_after_stop < 52
    hits_after_first = dict(slow_blog.hits)

    second = run_crawl(slow_blog.url, uri, db, "-s", f"JOBDIR={jobdir}",
                       "-s", "CONCURRENT_REQUESTS=2")
    assert second.returncode == 0, second.stderr[-3000:]
    assert_exactly_the_truth(uri, db, slow_blog.blog)
    post_paths = [p.path for p in slow_blog.blog.year_posts()]
    refetched = [p for p in post_paths if hits_after_first.get(p) and slow_blog.hits[p] > 1]
    assert refetched == []  # what the first run fetched, the second did not fetch again
    assert all(slow_blog.hits.get(p) == 1 for p in post_paths)


@pytest.fixture
def auth_server(tmp_path):
    """SecantusDB with --auth and two users on database `blog`: `crawler` (readWrite) and
    `reader` (read). Users are provisioned without auth, then the server restarts with it."""
    path = str(tmp_path / "authdb")
    server = SecantusServer(storage_path=path).start()
    client = pymongo.MongoClient(server.uri)
    client.blog.command("createUser", "crawler", pwd="crawler-secret",
                        roles=[{"role": "readWrite", "db": "blog"}])
    client.blog.command("createUser", "reader", pwd="reader-secret",
                        roles=[{"role": "read", "db": "blog"}])
    client.close()
    server.stop()
    server = SecantusServer(storage_path=path, port=server.port, extra_args=("--auth",)).start()
    host = server.uri.split("//")[1]
    server.writer_uri = f"mongodb://crawler:crawler-secret@{host}/?authSource=blog"
    server.reader_uri = f"mongodb://reader:reader-secret@{host}/?authSource=blog"
    yield server
    server.stop()


def test_crawler_needs_a_read_write_user_and_says_so_without_passwords(auth_server, blog_server):
    ok = run_crawl(blog_server.url, auth_server.writer_uri, "blog")
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert "crawler-secret" not in ok.stderr + ok.stdout
    client = pymongo.MongoClient(auth_server.reader_uri)
    assert client.blog.posts.count_documents({}) == 52
    client.close()

    denied = run_crawl(blog_server.url, auth_server.reader_uri, "blog")
    assert denied.returncode == 2
    assert "reader-secret" not in denied.stderr + denied.stdout
    last = denied.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and "not allowed to write" in last


def test_wrong_password_is_a_clear_sentence_without_the_password(auth_server, blog_server):
    uri = auth_server.writer_uri.replace("crawler-secret", "wrong-pw")
    result = run_crawl(blog_server.url, uri, "blog")
    assert result.returncode == 2
    assert "wrong-pw" not in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and "authentication failed" in last


def test_database_gone_for_good_fails_loudly_and_a_rerun_completes_the_set(tmp_path, slow_blog):
    db_server = SecantusServer(storage_path=str(tmp_path / "db"),
                               extra_args=("--sync-on-commit",)).start()
    try:
        crawl = start_crawl(slow_blog.url, db_server.uri, "gone", "-s", "MONGODB_RETRY_SECONDS=3",
                            "-s", "MONGODB_TIMEOUT_SECONDS=1")
        stored = wait_for_posts(db_server.uri, "gone", 8, crawl)
        db_server.kill()
        output, _ = crawl.communicate(timeout=120)
        assert crawl.returncode == 3, output[-3000:]
        assert "posts not stored, stopping the crawl" in output
        assert "INCOMPLETE (database_unavailable)" in output

        db_server.start()
        client = pymongo.MongoClient(db_server.uri)
        assert client.gone.posts.count_documents({}) >= stored
        client.close()
        rerun = run_crawl(slow_blog.url, db_server.uri, "gone")
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert_exactly_the_truth(db_server.uri, "gone", slow_blog.blog)
    finally:
        db_server.stop()


# -- stops of every kind: nothing measured is lost, the record says what happened ---------------
def record_of(uri: str, db: str, crawl_id: str | None = None) -> dict:
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        query = {"_id": crawl_id} if crawl_id else {}
        return client[db].crawls.find_one(query, sort=[("started_at", -1)])
    finally:
        client.close()


def stored_count(uri: str, db: str) -> int:
    client = pymongo.MongoClient(uri)
    try:
        return client[db].posts.count_documents({})
    finally:
        client.close()


def wait_for_fetched(blog, posts: int, proc: subprocess.Popen, timeout=60) -> None:
    paths = {p.path for p in blog.blog.year_posts()}
    deadline = time.monotonic() + timeout
    while sum(1 for p in blog.hits if p in paths) < posts:
        assert time.monotonic() < deadline and proc.poll() is None, proc.stdout.read()[-3000:]
        time.sleep(0.05)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_forced_stop_stores_what_was_measured_and_says_interrupted(mongo_db, slow_blog, stop):
    """Two SIGTERMs (what Heroku sends at a dyno restart) or Ctrl-C twice: Scrapy stops at once,
    the measured posts still in memory are stored, the record is `interrupted`, exit 3."""
    uri, db = mongo_db
    # Nothing reaches the database by itself before the stop: a batch of 100 that never fills
    # and a minute's flush interval. Whatever is stored was stored by the stop.
    crawl = start_crawl(slow_blog.url, uri, db, "-s", "MONGODB_BATCH_SIZE=100",
                        "-s", "MONGODB_FLUSH_SECONDS=60")
    wait_for_fetched(slow_blog, 10, crawl)
    assert stored_count(uri, db) == 0
    crawl.send_signal(stop)
    time.sleep(0.2)
    crawl.send_signal(stop)
    output, _ = crawl.communicate(timeout=60)
    assert crawl.returncode == 3, output[-3000:]
    record = record_of(uri, db)
    posts = record["posts"]
    assert record["status"] == "interrupted" and record["complete"] is False
    assert record["finish_reason"] in ("forced_stop", "shutdown")
    stored = stored_count(uri, db)
    assert stored >= 8 and posts["stored_new"] == stored  # 0 stored before
    assert posts["failed"] == 0 and posts["not_reached"] == posts["listed"] - stored
    assert record["verified"] == {"checked": True, "missing": 0}


def test_a_crawl_killed_without_a_word_is_marked_interrupted_by_the_next_run(mongo_db,
                                                                          slow_blog):
    uri, db = mongo_db
    crawl = start_crawl(slow_blog.url, uri, db, "-s", "MONGODB_BATCH_SIZE=100",
                        "-s", "MONGODB_FLUSH_SECONDS=1", "-s", "HEARTBEAT_SECONDS=0.5")
    # Posts reach the database by time, though the batch of 100 never fills.
    wait_for_posts(uri, db, 5, crawl)
    deadline = time.monotonic() + 30
    while (record_of(uri, db)["posts"]["stored_new"] or 0) < 5:  # progress, with the heartbeat
        assert time.monotonic() < deadline
        time.sleep(0.2)
    crawl.kill()  # kill -9: no handler runs
    crawl.communicate(timeout=30)
    killed = record_of(uri, db)
    assert killed["status"] == "running"  # nobody could say otherwise yet
    assert killed["posts"]["listed"] > 0 and killed["heartbeat_at"] > killed["started_at"]
    stored = stored_count(uri, db)

    time.sleep(3)
    rerun = run_crawl(slow_blog.url, uri, db, "-s", "HEARTBEAT_STALE_SECONDS=2",
                      "-s", "CONCURRENT_REQUESTS=4")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    marked = record_of(uri, db, killed["_id"])
    assert marked["status"] == "interrupted" and marked["finish_reason"] == "no_heartbeat"
    assert marked["complete"] is False and marked["posts"] == killed["posts"]
    latest = record_of(uri, db)
    assert latest["complete"] is True
    assert latest["posts"]["unchanged"] >= stored and latest["posts"]["listed"] == 52
    assert_exactly_the_truth(uri, db, slow_blog.blog)


def test_database_killed_at_default_durability_loses_nothing_it_acknowledged(tmp_path,
                                                                              slow_blog):
    """SecantusDB's default (no --sync-on-commit) does not fsync a commit; with the journaled
    write concern (`j: true`, MONGODB_JOURNAL) each acknowledged write is on disk first. The
    record is checked against the database at the end: it never claims more than is there."""
    db_server = SecantusServer(storage_path=str(tmp_path / "db")).start()
    try:
        crawl = start_crawl(slow_blog.url, db_server.uri, "killed", "-s",
                            "MONGODB_RETRY_SECONDS=90", "-s", "MONGODB_TIMEOUT_SECONDS=1")
        wait_for_posts(db_server.uri, "killed", 12, crawl)
        db_server.kill()
        time.sleep(3)
        db_server.start()
        output, _ = crawl.communicate(timeout=180)
        record = record_of(db_server.uri, "killed")
        stored = stored_count(db_server.uri, "killed")
        posts = record["posts"]
        assert posts["stored_new"] + posts["updated"] + posts["unchanged"] == stored
        assert record["verified"]["checked"] is True
        assert crawl.returncode == 0, output[-3000:]
        assert record["complete"] is True and stored == 52
        assert_exactly_the_truth(db_server.uri, "killed", slow_blog.blog)
    finally:
        db_server.stop()
