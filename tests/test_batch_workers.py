"""Many blogs, a pool of real workers: started from the Procfile's `worker` line in their own
process groups, killed with a real SIGKILL, against real Redis, a real SecantusDB and fixture
blogs served on 127.0.0.1 (each with its own content and exact ground truth).

Must hold: every post of every blog stored once with its exact figures, whatever worker dies;
a job whose worker died is run again (its record says so) within two minutes at the default
lease; one blog never has two requests in flight when its concurrency is one, whatever the
number of workers (asserted on the blog server's own log).
"""

from __future__ import annotations

import os
import time

import pymongo
import pytest

from blogcrawler.progress import posts_done
from fixture_site import serve_blogs
from tests.batch_support import (
    RedisServer,
    WorkerProcess,
    app_env,
    batch,
    jobs_of,
    needs_redis,
    serve_logged_blogs,
    wait_until,
)

pytestmark = [needs_redis, pytest.mark.slow]

VOLATILE = ("_id", "crawled_at", "crawl_id", "fingerprint")
PATIENCE = 300.0  # bounds a hang only: every wait ends as soon as its event happens


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def blogs():
    """Twenty blogs in sub-directories of one server, with the shapes of real blogs (minified,
    /%postname%/ permalinks, uneven weeks, posts around New Year, four time zones)."""
    farm = serve_blogs(20, seed=100, realistic=True)
    yield farm
    farm.shutdown()


@pytest.fixture
def workers(tmp_path):
    started: list[WorkerProcess] = []

    def start(env, name):
        worker = WorkerProcess(env, tmp_path / f"{name}.log").start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def assert_every_post_stored_once_exactly(uri, db, blogs):
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        stored = list(client[db].posts.find())
    finally:
        client.close()
    urls = [doc["url"] for doc in stored]
    assert len(urls) == len(set(urls))  # no duplicate
    by_url = {doc["url"]: doc for doc in stored}
    expected = [truth for blog in blogs for truth in blog.truth()]
    assert sorted(by_url) == sorted(t["url"] for t in expected)
    for truth in expected:
        got = {k: v for k, v in by_url[truth["url"]].items() if k not in VOLATILE}
        assert got == truth, truth["url"]


def crawl_records(uri, db) -> dict[str, dict]:
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        return {doc["_id"]: doc for doc in client[db].crawls.find()}
    finally:
        client.close()


def summaries_of(uri, db) -> dict[str, dict]:
    """The dashboard's year summaries (blogstats.summaries), by "<site>|<year>"."""
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        return {doc["_id"]: doc for doc in client[db].posts_years.find()}
    finally:
        client.close()


def assert_outcomes_are_their_records(uri, db, jobs, blogs):
    """Each job's outcome is its crawl's record as written (one count, exit 0 = complete), and
    that record accounts exactly for the blog's posts of the year: every one stored (new, or
    unchanged when an earlier, killed attempt had stored it), none failed or left unreached."""
    records = crawl_records(uri, db)
    truth = {blog.root: blog.truth() for blog in blogs}
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        for job in jobs.values():
            record = records[job["crawl_id"]]
            outcome = job["outcome"]
            assert (record["site"], record["year"]) == (job["site"], job["year"])
            assert record["status"] == "finished" and record["complete"] is True, record
            assert outcome["posts"] == record["posts"] and outcome["exit"] == 0
            assert outcome["finish_reason"] == record["finish_reason"] == "finished"
            assert job["progress"]["posts"] == record["posts"]
            posts = record["posts"]
            expected = truth[job["site"]]
            assert posts["stored_new"] + posts["updated"] + posts["unchanged"] == len(expected)
            assert posts["failed"] == posts["not_reached"] == 0
            assert posts["listed"] == len(expected) + posts["dropped"]
            # What the record says this crawl wrote is what carries its crawl id.
            written = client[db].posts.count_documents({"crawl_id": record["_id"]})
            assert written == posts["stored_new"] + posts["updated"], record["_id"]
    finally:
        client.close()


def assert_lost_crawls_interrupted(uri, db, job):
    """The crawl of each attempt whose worker died is marked interrupted (no heartbeat)."""
    records = crawl_records(uri, db)
    lost = [h["crawl_id"] for h in job["history"] if h["ended"] == "worker lost"]
    assert lost and all(lost), job
    for crawl_id in lost:
        if crawl_id not in records:  # killed before its spider opened: no record to mark
            continue
        record = records[crawl_id]
        assert record["status"] == "interrupted", record
        assert record["finish_reason"] == "no_heartbeat" and record["complete"] is False
        posts = record["posts"]
        assert sum(v for k, v in posts.items() if k != "listed") == posts["listed"]


def all_ended(uri, db, count):
    def check():
        jobs = jobs_of(uri, db)
        return len(jobs) == count and all(j["state"] in ("done", "failed") for j in jobs.values())
    return check


def running_with_progress(uri, db, least=1, posts=3):
    """The running jobs that are done with a few posts (so a kill lands mid-crawl)."""
    def check():
        jobs = [j for j in jobs_of(uri, db).values() if j["state"] == "running"
                and posts_done((j.get("progress") or {}).get("posts") or {}) >= posts]
        return jobs if len(jobs) >= least else None
    return check


def owner(job, candidates):
    """The worker process group that runs `job` (its `worker` field is host:pid)."""
    pid = int(job["worker"].rsplit(":", 1)[1])
    for worker in candidates:
        if worker.proc.poll() is None and os.getpgid(pid) == worker.pid:
            return worker
    raise AssertionError(f"no live worker runs {job['_id']} ({job['worker']})")


def enqueue(env, blogs, *extra):
    result = batch(env, "--year", "2015", *extra, *(blog.root for blog in blogs))
    assert result.returncode == 0, result.stderr
    return result


def test_twenty_blogs_two_workers_one_killed_mid_job_and_restarted(
        redis_server, mongo_db, blogs, workers):
    uri, db = mongo_db
    env = app_env(redis_server.url, uri, db, WORKER_CONCURRENCY="4", JOB_LEASE_SECONDS="10",
                  DOWNLOAD_DELAY="0.05")
    enqueue(env, blogs)
    first, second = workers(env, "worker-1"), workers(env, "worker-2")
    victims = wait_until(running_with_progress(uri, db), PATIENCE, "a job running",
                         [first, second])
    killed = owner(victims[0], [first, second])
    lost = {j["_id"] for j in jobs_of(uri, db).values()
            if j["state"] == "running" and j["worker"].endswith(f":{killed.pid}")}
    killed.kill()
    restarted = workers(env, "worker-1-restarted")
    wait_until(all_ended(uri, db, 20), PATIENCE, "every job ended", [second, restarted])

    jobs = jobs_of(uri, db)
    assert {j["state"] for j in jobs.values()} == {"done"}
    assert all(j["outcome"]["complete"] for j in jobs.values())
    assert_every_post_stored_once_exactly(uri, db, blogs)
    assert lost, "the killed worker was running no job"
    assert_outcomes_are_their_records(uri, db, jobs, blogs)
    for job_id in lost:
        job = jobs[job_id]
        assert job["attempts"] >= 2 and job["lost"] >= 1, job
        assert "worker lost" in [h["ended"] for h in job["history"]]
        assert_lost_crawls_interrupted(uri, db, job)
    # Each attempt ran its own crawl.
    for job in jobs.values():
        ids = [h["crawl_id"] for h in job["history"]]
        assert len(ids) == len(set(ids)) == job["attempts"], job
    # Blogs the killed worker never touched were crawled once.
    assert any(j["attempts"] == 1 for j in jobs.values())
    status = batch(env, "--status")
    assert "jobs: 0 queued, 0 running, 20 done, 0 failed" in status.stdout
    assert "attempt 2" in status.stdout


def test_every_worker_killed_at_once_reruns_the_jobs_within_two_minutes(
        redis_server, mongo_db, blogs, workers):
    """As at a platform restart: both workers killed -9 mid-job, then both started again. The
    lease is the default one (JOB_LEASE_SECONDS unset)."""
    uri, db = mongo_db
    env = app_env(redis_server.url, uri, db, WORKER_CONCURRENCY="4", DOWNLOAD_DELAY="0.05")
    env.pop("JOB_LEASE_SECONDS", None)
    enqueue(env, blogs)
    pool = [workers(env, "worker-1"), workers(env, "worker-2")]
    wait_until(running_with_progress(uri, db, least=4), PATIENCE, "jobs running", pool)
    for worker in pool:
        worker.kill()
    lost = {j["_id"] for j in jobs_of(uri, db).values() if j["state"] == "running"}
    pool = [workers(env, "worker-1-restarted"), workers(env, "worker-2-restarted")]
    wait_until(all_ended(uri, db, 20), PATIENCE, "every job ended", pool)

    jobs = jobs_of(uri, db)
    assert {j["state"] for j in jobs.values()} == {"done"}
    assert_every_post_stored_once_exactly(uri, db, blogs)
    assert_outcomes_are_their_records(uri, db, jobs, blogs)
    assert len(lost) >= 4
    for job_id in lost:
        job = jobs[job_id]
        assert job["attempts"] == 2 and job["lost"] == 1, job
        assert_lost_crawls_interrupted(uri, db, job)
        dead = next(h for h in job["history"] if h["ended"] == "worker lost")
        rerun = job["history"][-1]
        assert rerun["ended"] == "finished" and rerun["attempt"] == 2
        # Its last sign of life to the start of the next attempt: within two minutes.
        assert (rerun["started_at"] - dead["ended_at"]).total_seconds() < 120, job


def test_one_blog_never_has_two_requests_in_flight_at_concurrency_one(
        redis_server, mongo_db, workers):
    """Four years of each of three blogs (one also spelled another way) on two workers of four
    threads: without the blog's lease they would crawl each blog four years at a time."""
    # Each answer 50 ms late: requests of different blogs then overlap whatever the machine's
    # load (the last assertion), and two of one blog at once could not hide in a fast answer.
    server = serve_logged_blogs(3, seed=300, pause=0.05)
    try:
        uri, db = mongo_db
        roots = [blog.root for blog in server.blog.blogs]
        env = app_env(redis_server.url, uri, db, WORKER_CONCURRENCY="4", BLOG_CONCURRENCY="1",
                      DISCOVERY="archive", DOWNLOAD_DELAY="0")
        result = batch(env, "--year", "2013", "--year", "2014", "--year", "2015", "--year",
                       "2016", *roots, roots[0].rstrip("/"))
        assert result.returncode == 0, result.stderr
        assert "12 enqueued" in result.stdout
        pool = [workers(env, "worker-1"), workers(env, "worker-2")]
        wait_until(all_ended(uri, db, 12), PATIENCE, "every job ended", pool)
        jobs = jobs_of(uri, db)
        assert {j["state"] for j in jobs.values()} == {"done"}
        for root in roots:
            assert len([s for s in server.spans if s[0].startswith(root[len(server.url) - 1:])]) \
                > 4 * 2  # every year asked for its archives at least
            assert server.most_in_flight(root) == 1, (root, server.overlaps(root))
        # The same log does see requests at once: those of different blogs on this host.
        assert server.most_in_flight() >= 2
        # Both workers worked (the lease, not a lone worker, kept each blog to one request).
        assert len({j["worker"] for j in jobs.values()}) == 2
    finally:
        server.shutdown()
        server.server_close()


def test_a_worker_stopped_by_sigterm_puts_its_jobs_back_on_the_queue(
        redis_server, mongo_db, workers):
    servers = serve_blogs(3, seed=400)
    try:
        uri, db = mongo_db
        env = app_env(redis_server.url, uri, db, WORKER_CONCURRENCY="4", DOWNLOAD_DELAY="0.2")
        enqueue(env, servers)
        worker = workers(env, "worker-1")
        wait_until(running_with_progress(uri, db, least=3), PATIENCE, "jobs running", [worker])
        stopped_at = time.monotonic()
        assert worker.terminate() == 0, worker.log()[-3000:]
        assert time.monotonic() - stopped_at < 30  # a platform kills after 30 s
        jobs = jobs_of(uri, db)
        assert {j["state"] for j in jobs.values()} == {"queued"}
        assert all(j["history"][-1]["ended"] == "shutdown" for j in jobs.values())
        # The stopped crawls wrote no summary (their database answered: they could have); the
        # jobs' next crawls write them.
        records = crawl_records(uri, db)
        assert all(records[j["crawl_id"]]["verified"]["checked"] is True for j in jobs.values())
        assert summaries_of(uri, db) == {}
        second = workers(env, "worker-2")
        # A person follows them with the batch command: a line every few seconds in a pipe.
        follow = batch({**env, "PROGRESS_INTERVAL_SECONDS": "1"}, "--status", "--wait",
                       timeout=PATIENCE)
        assert follow.returncode == 0, (follow.stderr, second.log()[-3000:])
        lines = [line for line in follow.stdout.splitlines() if " progress: batch: " in line]
        assert len(lines) >= 2 and lines[-1].endswith("3 of 3 jobs (0 failed)"), follow.stdout
        assert "jobs: 0 queued, 0 running, 3 done, 0 failed" in follow.stdout
        jobs = jobs_of(uri, db)
        assert {j["state"] for j in jobs.values()} == {"done"}
        assert all(j["attempts"] == 2 and j["lost"] == 0 for j in jobs.values())
        assert_every_post_stored_once_exactly(uri, db, servers)
        assert_outcomes_are_their_records(uri, db, jobs, servers)
        # Each blog-year's summary is its finished crawl's.
        summaries = summaries_of(uri, db)
        assert {key: doc["crawl"]["_id"] for key, doc in summaries.items()} == {
            key: job["crawl_id"] for key, job in jobs.items()}
        # The stopped attempts' crawls closed their records themselves: stopped by a shutdown.
        records = crawl_records(uri, db)
        for job in jobs.values():
            stopped = records[job["history"][0]["crawl_id"]]
            assert stopped["status"] == "interrupted", stopped
            assert stopped["finish_reason"] == "shutdown" and stopped["complete"] is False
    finally:
        servers.shutdown()


def test_a_blog_that_kills_its_worker_each_time_ends_failed_not_retried_forever(
        redis_server, mongo_db, workers):
    servers = serve_blogs(1, seed=500)
    try:
        uri, db = mongo_db
        env = app_env(redis_server.url, uri, db, WORKER_CONCURRENCY="2", DOWNLOAD_DELAY="0.3",
                      JOB_LEASE_SECONDS="6", JOB_MAX_ATTEMPTS="2")
        enqueue(env, servers)
        for attempt in (1, 2):
            worker = workers(env, f"worker-{attempt}")
            wait_until(lambda n=attempt: [j for j in jobs_of(uri, db).values()
                                          if j["state"] == "running" and j["attempts"] == n],
                       PATIENCE, f"attempt {attempt} running", [worker])
            worker.kill()
        last = workers(env, "worker-3")
        wait_until(all_ended(uri, db, 1), PATIENCE, "the job ended", [last])
        (job,) = jobs_of(uri, db).values()
        assert job["state"] == "failed" and job["lost"] == 2
        assert job["error"].startswith("its worker died while crawling it (2 times")
        status = batch(env, "--status")
        assert "its worker died while crawling it" in status.stdout
    finally:
        servers.shutdown()
