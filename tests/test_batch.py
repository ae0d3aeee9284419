"""`python -m blogcrawler.batch`: enqueuing is idempotent, bad input enqueues nothing, and every
error is one sentence; the worker refuses to start without its Redis or database. Real Redis
(`redis-server` on a free port) and a real SecantusDB; the commands run as a person runs them.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import redis

from blogcrawler.jobqueue import QUEUE
from blogcrawler.jobs import DONE, JobStore
from tests.batch_support import RedisServer, app_env, batch, jobs_of, needs_redis
from tests.conftest import ROOT, free_port

pytestmark = needs_redis


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


def queued_messages(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return client.llen(QUEUE)
    finally:
        client.close()


def test_the_same_blog_twice_is_one_job_and_one_message(redis_server, mongo_db):
    uri, db = mongo_db
    env = app_env(redis_server.url, uri, db)
    # Two spellings of one blog in one command, then the same command again.
    first = batch(env, "--year", "2015", "http://Blog.Example", "http://blog.example/")
    assert first.returncode == 0, first.stderr
    assert "1 enqueued" in first.stdout
    again = batch(env, "--year", "2015", "http://blog.example/")
    assert again.returncode == 0, again.stderr
    assert "0 enqueued; 1 already queued" in again.stdout
    assert queued_messages(redis_server.url) == 1
    jobs = jobs_of(uri, db)
    assert list(jobs) == ["http://blog.example/|2015"]
    assert jobs["http://blog.example/|2015"]["state"] == "queued"
    status = batch(env, "--status")
    assert status.returncode == 0
    assert "jobs: 1 queued, 0 running, 0 done, 0 failed" in status.stdout
    assert "http://blog.example/ 2015" in status.stdout


def test_a_file_of_blogs_with_names_comments_and_several_years(redis_server, mongo_db, tmp_path):
    uri, db = mongo_db
    listing = tmp_path / "blogs.txt"
    listing.write_text("# our clients\nhttps://one.example  Client One\n\n"
                       "  https://two.example/blog/\nhttps://one.example/\n")
    env = app_env(redis_server.url, uri, db)
    result = batch(env, "--year", "2014", "--year", "2015", "--file", str(listing))
    assert result.returncode == 0, result.stderr
    assert "4 enqueued" in result.stdout
    assert sorted(jobs_of(uri, db)) == [
        "https://one.example/|2014", "https://one.example/|2015",
        "https://two.example/blog/|2014", "https://two.example/blog/|2015"]
    store = JobStore(uri, db)
    try:
        blogs = {b["_id"]: b for b in store.list_blogs()}
    finally:
        store.close()
    assert blogs["https://one.example/"]["name"] == "Client One"
    assert blogs["https://two.example/blog/"]["name"] == "two.example"
    assert blogs["https://one.example/"]["years"] == [2014, 2015]
    # --all enqueues the list again: every job is already queued, so nothing is sent twice.
    again = batch(env, "--all", "--year", "2015")
    assert "0 enqueued; 2 already queued" in again.stdout
    assert queued_messages(redis_server.url) == 4


def test_one_wrong_line_enqueues_nothing_and_names_the_line(redis_server, mongo_db, tmp_path):
    uri, db = mongo_db
    listing = tmp_path / "blogs.txt"
    listing.write_text("https://one.example\nhtp:/two.example\n")
    result = batch(app_env(redis_server.url, uri, db), "--file", str(listing))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"batch: error: {listing} line 2: 'htp:/two.example' is not "
                                     "an http(s) URL, e.g. https://blog.example")
    assert jobs_of(uri, db) == {}
    assert queued_messages(redis_server.url) == 0


@pytest.mark.parametrize("args, sentence", [
    (["--year", "twenty", "https://blog.example"], "--year 'twenty' is not a whole number"),
    (["--year", "1066", "https://blog.example"], "--year 1066 must be between 1995 and 2100"),
    ([], "say which blogs: URLs, --file FILE or --all"),
    (["--status", "https://blog.example"], "--status takes no blogs"),
    (["--file", "/nonexistent/blogs.txt"], "--file /nonexistent/blogs.txt: cannot be read"),
])
def test_wrong_arguments_are_one_sentence(redis_server, mongo_db, args, sentence):
    result = batch(app_env(redis_server.url, *mongo_db), *args)
    assert result.returncode == 2
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_without_redis_the_batch_says_so_and_enqueues_nothing(mongo_db):
    uri, db = mongo_db
    closed = f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0"
    result = batch(app_env(closed, uri, db), "https://blog.example")
    assert result.returncode == 2
    assert "cannot reach Redis at redis://:***@127.0.0.1:" in result.stderr
    assert "s3cret-pass" not in result.stderr and "Traceback" not in result.stderr
    assert jobs_of(uri, db) == {}  # no job left "queued" with no message behind it
    env = app_env("", uri, db)
    unset = batch(env, "https://blog.example")
    assert unset.returncode == 2
    assert "REDIS_URL is not set" in unset.stderr


def test_a_done_job_is_crawled_again_only_with_recrawl(redis_server, mongo_db):
    uri, db = mongo_db
    env = app_env(redis_server.url, uri, db)
    assert batch(env, "https://blog.example").returncode == 0
    # What a worker does with the job (blogcrawler.worker drives the same store).
    store = JobStore(uri, db)
    try:
        job = store.status()[0]
        attempt, why = store.start(job["site"], job["year"], job["token"], "test:1", max_lost=3,
                                   crawl_id="c1")
        assert why == "started"
        store.finish(attempt, DONE, progress=None,
                     outcome={"complete": True, "finish_reason": "finished", "pages": 3})
        old_token = job["token"]
        assert "already done (--recrawl to crawl them again)" in batch(
            env, "https://blog.example").stdout
        again = batch(env, "--recrawl", "https://blog.example")
        assert "1 enqueued" in again.stdout
        job = store.status()[0]
        assert job["state"] == "queued" and job["token"] != old_token
        # The first message is stale now: a worker given it does not crawl.
        assert store.start(job["site"], job["year"], old_token, "test:1", 3, "c2")[0] is None
    finally:
        store.close()
    assert queued_messages(redis_server.url) == 2


def test_the_worker_refuses_to_start_without_redis_or_database(mongo_db):
    uri, db = mongo_db
    command = [sys.executable, "-m", "blogcrawler.worker"]
    no_redis = subprocess.run(command, cwd=ROOT, env=app_env("", uri, db), capture_output=True,
                              text=True, timeout=60)
    assert no_redis.returncode == 2
    assert no_redis.stderr.startswith("worker: error: REDIS_URL is not set")
    closed = f"redis://127.0.0.1:{free_port()}/0"
    down = subprocess.run(command, cwd=ROOT, env=app_env(closed, uri, db), capture_output=True,
                          text=True, timeout=60)
    assert down.returncode == 2
    assert f"cannot reach Redis at {closed}" in down.stderr and "Traceback" not in down.stderr


def test_a_send_refused_half_way_is_counted_and_sent_by_the_next_enqueue(redis_server, mongo_db):
    """Redis stops answering in the middle of an enqueue: the blog-year being sent and those
    after it are refused (counted, the first one's job says why), none is lost: the next
    enqueue, Redis back, sends exactly those."""
    from blogcrawler.batch import Blog, enqueue
    from blogcrawler.clock import describe_enqueue
    from blogcrawler.jobqueue import make_app
    from blogstats.config import load

    uri, db = mongo_db
    live = load(app_env(redis_server.url, uri, db))
    dead = load(app_env(f"redis://127.0.0.1:{free_port()}/0", uri, db,
                        MONGODB_TIMEOUT_SECONDS="1"))
    blogs = [Blog(f"https://blog-{n}.example/", None) for n in range(3)]
    store = JobStore(uri, db)
    try:
        assert enqueue(store, make_app(live), blogs[:1], [2015], True, False).sent == 1
        report = enqueue(store, make_app(dead), blogs, [2015], True, False)
        assert (report.sent, report.kept["queued"], report.refused) == (0, 1, 2)
        assert "cannot send the job to Redis" in report.error
        assert describe_enqueue(report) == ("3 blog-years: 0 enqueued, 1 already queued or "
                                            "running, 2 refused")
        jobs = jobs_of(uri, db)
        assert jobs["https://blog-1.example/|2015"]["state"] == "failed"
        assert "could not be sent" in jobs["https://blog-1.example/|2015"]["error"]
        assert queued_messages(redis_server.url) == 1

        again = enqueue(store, make_app(live), blogs, [2015], True, False)
        assert (again.sent, again.kept["queued"], again.refused) == (2, 1, 0)
        assert queued_messages(redis_server.url) == 3
        assert {j["state"] for j in jobs_of(uri, db).values()} == {"queued"}
    finally:
        store.close()
