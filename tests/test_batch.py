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


# -- a worker's job when Redis or the database fails it (blogcrawler.worker, in this process:
# its crawl host is not started, the crawl's end is what the test hands it) -----------------
def in_process_worker(env):
    from blogcrawler.jobqueue import make_app
    from blogcrawler.worker import Worker, crawl_settings
    from blogstats.config import load

    config = load(env)
    return Worker(config, make_app(config), crawl_settings())


def message_tokens(url: str) -> list[str]:
    """The token each waiting queue message carries (what a worker is given)."""
    import base64
    import json

    client = redis.Redis.from_url(url)
    try:
        raw = client.lrange(QUEUE, 0, -1)
    finally:
        client.close()
    return [json.loads(base64.b64decode(json.loads(item)["body"]))[0][2] for item in raw]


def test_a_crawl_that_lost_its_blog_lease_puts_its_job_back_on_the_queue(redis_server, mongo_db):
    """Redis comes back from an outage without its data: the worker's lease on the blog and
    the job's queue message are gone. The worker stops the crawl and the job is queued again,
    with a message of its own: not left `running` (a `worker lost` that no worker would ever
    take again, and that `--recrawl --force` refused)."""
    from blogcrawler.crawlhost import Crawl
    from blogcrawler.lease import BlogLease
    from blogcrawler.worker import Running

    uri, db = mongo_db
    env = app_env(redis_server.url, uri, db)
    assert batch(env, "--year", "2015", "https://blog.example").returncode == 0
    (old_token,) = message_tokens(redis_server.url)
    worker = in_process_worker(env)
    try:
        # What Worker.run_job does before its crawl runs: the lease, then the job's attempt.
        site, year = "https://blog.example/", 2015
        lease = BlogLease(worker.redis, site, worker.config.job_lease_seconds)
        assert lease.acquire()
        crawl = Crawl({"url": site, "year": str(year)})
        attempt, why = worker.store.start(site, year, old_token, worker.name, 3, crawl.crawl_id)
        assert why == "started"
        worker.running[attempt.id] = Running(attempt, lease, crawl)
        redis.Redis.from_url(redis_server.url).flushall()  # the outage took Redis's data
        worker.renew_leases()  # the lease beat finds the lease gone and stops the crawl
        assert crawl.stop_reason == "the worker lost its lease on the blog"
        worker.running.pop(attempt.id)
        assert worker._record(attempt, crawl, None, 5.0) == "lease lost"
    finally:
        worker.store.close()
    status = batch(env, "--status")
    assert "jobs: 1 queued, 0 running, 0 done, 0 failed" in status.stdout, status.stdout
    job = jobs_of(uri, db)["https://blog.example/|2015"]
    assert job["state"] == "queued" and job["token"] != old_token
    assert job["history"][-1]["ended"] == "lease lost"
    assert job["history"][-1]["crawl_id"] == crawl.crawl_id
    # A message that carries the new token waits for a worker; the old one is stale.
    assert message_tokens(redis_server.url) == [job["token"]]
    store = JobStore(uri, db)
    try:
        assert store.start(site, year, old_token, "test:2", 3, "c-old")[1].startswith("stale")
        attempt, why = store.start(site, year, job["token"], "test:2", 3, "c2")
        assert why == "started" and attempt.number == 2
    finally:
        store.close()


def put_record(uri: str, db: str, crawl_id: str, **fields) -> None:
    """A crawl record as the crawl closes it (blogcrawler.extensions.CrawlRecorder)."""
    import pymongo

    client = pymongo.MongoClient(uri)
    try:
        client[db].crawls.insert_one({
            "_id": crawl_id, "site": "https://blog.example/", "year": 2015,
            "posts": {"listed": 7, "stored_new": 7, "updated": 0, "unchanged": 0, "dropped": 0,
                      "failed": 0, "not_reached": 0},
            "pages": 12, "failures": [], "failures_total": 0, "limit": None, **fields})
    finally:
        client.close()


def ended_crawl_whose_job_write_fails(redis_server, mongo_db, **record):
    """A worker's crawl closes its record, then the database stops answering before the
    worker writes the job's end: the worker gives up after MONGODB_RETRY_SECONDS and sends
    the message back (Reject). Returns the job's token and the crawl's id."""
    from celery.exceptions import Reject

    from blogcrawler.crawlhost import Crawl

    uri, db = mongo_db
    env = app_env(redis_server.url, uri, db)
    assert batch(env, "--year", "2015", "https://blog.example").returncode == 0
    token = jobs_of(uri, db)["https://blog.example/|2015"]["token"]
    crawl = Crawl({"url": "https://blog.example/", "year": "2015"})
    store = JobStore(uri, db)
    try:
        attempt, _ = store.start("https://blog.example/", 2015, token, "host:1", 3,
                                 crawl.crawl_id)
    finally:
        store.close()
    put_record(uri, db, crawl.crawl_id, **record)
    # The same worker, its database gone (nothing answers on its port).
    away = in_process_worker(app_env(redis_server.url, f"mongodb://127.0.0.1:{free_port()}", db,
                                     MONGODB_TIMEOUT_SECONDS="0.5", MONGODB_RETRY_SECONDS="1"))
    try:
        with pytest.raises(Reject):
            away._record(attempt, crawl, None, 30.0)
    finally:
        away.store.close()
    return env, token, crawl.crawl_id


def test_a_finished_crawl_whose_job_end_the_database_missed_is_done_not_crawled_again(
        redis_server, mongo_db):
    uri, db = mongo_db
    env, token, crawl_id = ended_crawl_whose_job_write_fails(
        redis_server, mongo_db, status="finished", complete=True, finish_reason="finished")
    # The message comes back to a worker (the database answers again).
    store = JobStore(uri, db)
    try:
        attempt, why = store.start("https://blog.example/", 2015, token, "host:2", 3, "c2")
    finally:
        store.close()
    assert attempt is None and why.startswith("done"), why  # the blog is not crawled again
    status = batch(env, "--status")
    assert "jobs: 0 queued, 0 running, 1 done, 0 failed" in status.stdout, status.stdout
    assert "complete: 7 posts listed" in status.stdout
    job = jobs_of(uri, db)["https://blog.example/|2015"]
    assert (job["attempts"], job["lost"], job["crawl_id"]) == (1, 0, crawl_id)
    assert job["outcome"]["complete"] is True and job["outcome"]["exit"] == 0
    assert job["outcome"]["posts"]["stored_new"] == 7
    assert [h["ended"] for h in job["history"]] == ["finished"]
    # The crawl's record keeps its own verdict (not marked as a lost worker's).
    import pymongo

    client = pymongo.MongoClient(uri)
    try:
        record = client[db].crawls.find_one({"_id": crawl_id})
    finally:
        client.close()
    assert record["status"] == "finished" and record["complete"] is True


def test_a_stopped_crawl_whose_job_the_database_kept_running_is_run_again_not_lost(
        redis_server, mongo_db):
    """The sibling: a shutdown stopped the crawl, and the job could not be put back to queued;
    the next worker runs it again without counting a lost worker (three such deploys would
    otherwise mark a healthy blog failed)."""
    uri, db = mongo_db
    _env, token, crawl_id = ended_crawl_whose_job_write_fails(
        redis_server, mongo_db, status="interrupted", complete=False, finish_reason="shutdown")
    store = JobStore(uri, db)
    try:
        attempt, why = store.start("https://blog.example/", 2015, token, "host:2", 3, "c2")
    finally:
        store.close()
    assert why == "started" and attempt.number == 2
    job = jobs_of(uri, db)["https://blog.example/|2015"]
    assert (job["state"], job["lost"]) == ("running", 0)
    assert job["history"][-1]["ended"] == "shutdown"
    assert job["history"][-1]["crawl_id"] == crawl_id


def test_force_takes_over_a_job_whose_worker_is_lost_and_whose_message_is_gone(
        redis_server, mongo_db):
    """A worker died mid-crawl and Redis then lost its data: the job says `running` (worker
    lost) with no message left to run it. `--force` sends it again (and marks the lost crawl
    interrupted); a job whose worker is alive is left alone."""
    from datetime import UTC, datetime, timedelta

    import pymongo

    uri, db = mongo_db
    env = app_env(redis_server.url, uri, db)
    sites = ["https://dead.example/", "https://alive.example/"]
    assert batch(env, "--year", "2015", *sites).returncode == 0
    store = JobStore(uri, db)
    try:
        for site in sites:
            job = jobs_of(uri, db)[f"{site}|2015"]
            assert store.start(site, 2015, job["token"], "host:1", 3, f"c-{site}")[1] == "started"
    finally:
        store.close()
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        # The dead worker's last heartbeat, two minutes ago; its crawl record left running.
        client[db].jobs.update_one({"_id": f"{sites[0]}|2015"}, {"$set": {
            "heartbeat_at": datetime.now(UTC) - timedelta(seconds=120)}})
        client[db].crawls.insert_one({"_id": f"c-{sites[0]}", "site": sites[0], "year": 2015,
                                      "status": "running"})
        redis.Redis.from_url(redis_server.url).flushall()
        status = batch(env, "--status")
        assert "worker lost 2 min ago: will be run again (if it stays so, --force sends it " \
               "again)" in status.stdout, status.stdout
        plain = batch(env, "--year", "2015", "--recrawl", *sites)
        assert "0 enqueued; 2 already running" in plain.stdout, plain.stdout
        forced = batch(env, "--year", "2015", "--recrawl", "--force", *sites)
        assert forced.returncode == 0, forced.stderr
        assert "1 enqueued; 1 already running" in forced.stdout, forced.stdout
        jobs = jobs_of(uri, db)
        assert jobs[f"{sites[0]}|2015"]["state"] == "queued"
        assert jobs[f"{sites[1]}|2015"]["state"] == "running"
        assert message_tokens(redis_server.url) == [jobs[f"{sites[0]}|2015"]["token"]]
        lost = client[db].crawls.find_one({"_id": f"c-{sites[0]}"})
        assert (lost["status"], lost["finish_reason"]) == ("interrupted", "no_heartbeat")
    finally:
        client.close()
