"""The clock process (`python -m blogcrawler.clock`): real crawls in child processes, a real
SecantusDB and the fixture blog over HTTP. A crawl that fails never stops the clock; SIGTERM stops
the running crawl cleanly, then the clock.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pymongo
import pytest

from blogcrawler.clock import ConfigError, describe_exit, next_start, parse_config
from fixture_site import serve_blog, serve_blogs
from tests.batch_support import RedisServer, WorkerProcess, app_env, batch, needs_redis
from tests.conftest import ROOT, free_port

# Long enough for several crawls on a loaded 2-core machine; the tests wait for events, never
# for a fixed time, so this only bounds a hang.
PATIENCE = 240.0
# 0.001 h = 3.6 s between crawl starts: short enough to see several crawls in one test.
SHORT_INTERVAL_HOURS = "0.001"


# -- pure parts -------------------------------------------------------------------------------

def test_config_defaults_to_a_daily_crawl_starting_now():
    config = parse_config({})
    assert config.interval_seconds == 24 * 3600
    assert config.on_start is True


def test_redis_url_makes_each_turn_an_enqueue_of_the_blogs_list():
    assert parse_config({}).many_blogs is False
    assert parse_config({"REDIS_URL": "redis://127.0.0.1:6379/0"}).many_blogs is True
    assert parse_config({"REDIS_URL": " "}).many_blogs is False  # empty is unset


def test_config_accepts_fractions_of_an_hour_and_a_delayed_start():
    config = parse_config({"CRAWL_INTERVAL_HOURS": "0.5", "CRAWL_ON_START": "false"})
    assert config.interval_seconds == 1800
    assert config.on_start is False


@pytest.mark.parametrize("env, words", [
    ({"CRAWL_INTERVAL_HOURS": "daily"}, "is not a number"),
    ({"CRAWL_INTERVAL_HOURS": "0"}, "must be more than 0"),
    ({"CRAWL_INTERVAL_HOURS": "-1"}, "must be more than 0"),
    ({"CRAWL_INTERVAL_HOURS": "nan"}, "must be more than 0"),
    ({"CRAWL_ON_START": "maybe"}, "true or false"),
])
def test_config_errors_say_what_is_wrong(env, words):
    with pytest.raises(ConfigError, match=words):
        parse_config(env)


def test_each_crawl_exit_status_has_a_meaning():
    assert describe_exit(0).startswith("complete")
    assert "could not start" in describe_exit(1)
    assert "database is unreachable" in describe_exit(2)
    assert describe_exit(3).startswith("incomplete")
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert "unexpected" in describe_exit(70)


def test_next_crawl_is_one_interval_after_the_last_start_and_never_in_the_past():
    assert next_start(last_start=100.0, interval=60.0, now=130.0) == 160.0
    # A crawl that outlasted the interval: the next starts at once, runs never pile up.
    assert next_start(last_start=100.0, interval=60.0, now=500.0) == 500.0


def test_a_bad_interval_stops_the_clock_with_one_sentence():
    result = subprocess.run([sys.executable, "-m", "blogcrawler.clock"], cwd=ROOT, text=True,
                            capture_output=True, timeout=60,
                            env={**os.environ, "CRAWL_INTERVAL_HOURS": "weekly"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: CRAWL_INTERVAL_HOURS='weekly' is not a number, e.g. CRAWL_INTERVAL_HOURS=24"]


# -- the real process -------------------------------------------------------------------------

class ClockProcess:
    """`python -m blogcrawler.clock` in its own process group, its log in a file."""

    def __init__(self, log_path: Path, env: dict[str, str]):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "blogcrawler.clock"], cwd=ROOT, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env})

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, pattern: str, count: int = 1) -> list[re.Match]:
        """Wait until the clock's log holds `count` matches of `pattern` (a regex)."""
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            matches = list(re.finditer(pattern, self.text()))
            if len(matches) >= count:
                return matches
            assert self.proc.poll() is None, f"the clock exited:\n{self.text()[-4000:]}"
            time.sleep(0.2)
        raise AssertionError(f"no {count} x {pattern!r} in the clock's log:\n{self.text()[-4000:]}")

    def stop(self, sig=signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=PATIENCE)

    def cleanup(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()


@pytest.fixture
def start_clock(tmp_path):
    clocks: list[ClockProcess] = []

    def start(**env: str) -> ClockProcess:
        clock = ClockProcess(tmp_path / f"clock-{len(clocks)}.log", env)
        clocks.append(clock)
        return clock

    yield start
    for clock in clocks:
        clock.cleanup()


def crawl_env(blog_url: str, mongo_uri: str, database: str, **extra: str) -> dict[str, str]:
    # REDIS_URL unset (even if the shell has one): one blog, crawled by the clock itself.
    return {"BLOG_URL": blog_url, "MONGODB_URI": mongo_uri, "MONGODB_DATABASE": database,
            "REDIS_URL": "",
            "AUTOTHROTTLE_ENABLED": "false", "DOWNLOAD_DELAY": "0", "LOG_LEVEL": "WARNING",
            "CRAWL_INTERVAL_HOURS": SHORT_INTERVAL_HOURS,
            # The fixture blog's archive only: with the blog down, discovery "auto" would fall
            # back to the Wayback Machine, and no test may leave 127.0.0.1.
            "DISCOVERY": "archive", "WAYBACK_URL": f"http://127.0.0.1:{free_port()}", **extra}


def count_posts(uri: str, database: str) -> int:
    client = pymongo.MongoClient(uri)
    try:
        return client[database]["posts"].count_documents({})
    finally:
        client.close()


def test_clock_survives_a_failing_crawl_and_the_next_one_fills_the_collection(
        start_clock, mongo_db):
    uri, database = mongo_db
    port = free_port()  # the fixture blog is down: nothing listens here yet
    clock = start_clock(**crawl_env(f"http://127.0.0.1:{port}/", uri, database))

    clock.wait_for_log(r"crawl 1 finished in [\d.]+ s: exit 3, incomplete")
    assert count_posts(uri, database) == 0
    server = serve_blog(port=port)  # the blog comes back
    try:
        matches = clock.wait_for_log(r"crawl (\d+) finished in [\d.]+ s: exit 0, complete")
        assert int(matches[0].group(1)) >= 2
        assert count_posts(uri, database) == 52
        assert clock.stop() == 0
    finally:
        server.shutdown()
        server.server_close()
    assert re.search(r"clock stopped after \d+ crawl\(s\)", clock.text())


def test_clock_logs_an_unreachable_database_and_keeps_going(start_clock, blog_server):
    dead = f"mongodb://blogstats:s3cret@127.0.0.1:{free_port()}"
    clock = start_clock(**crawl_env(blog_server.url, dead, "blogstats",
                                    MONGODB_TIMEOUT_SECONDS="1"))
    clock.wait_for_log(r"exit 2, a wrong argument or setting, or the database is unreachable",
                       count=2)
    assert clock.stop() == 0
    assert "s3cret" not in clock.text()  # the crawl masks the URI's password


def test_sigterm_stops_the_running_crawl_cleanly_then_the_clock(start_clock, mongo_db,
                                                                 blog_server):
    uri, database = mongo_db
    # A slow crawl (half a second between requests) so that SIGTERM arrives in the middle of it.
    clock = start_clock(**crawl_env(blog_server.url, uri, database, DOWNLOAD_DELAY="0.5",
                                    CRAWL_INTERVAL_HOURS="24"))
    client = pymongo.MongoClient(uri)
    try:
        deadline = time.monotonic() + PATIENCE
        while client[database]["crawls"].count_documents({"status": "running"}) == 0:
            assert time.monotonic() < deadline, clock.text()[-4000:]
            assert clock.proc.poll() is None, clock.text()[-4000:]
            time.sleep(0.2)
        crawl_pids = [p.pid for p in psutil.Process(clock.proc.pid).children(recursive=True)]
        assert crawl_pids, "the crawl runs in a child process"

        assert clock.stop() == 0
        for pid in crawl_pids:
            assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
        record = client[database]["crawls"].find_one({})
        stored = client[database]["posts"].count_documents({})
        # Stopped gracefully: Scrapy closed the spider and the crawl record says why; a stopped
        # crawl is never complete, and it accounts for every post it listed.
        assert record["status"] == "interrupted"
        assert record["finish_reason"] == "shutdown" and record["complete"] is False
        posts = record["posts"]
        assert posts["stored_new"] == stored and posts["not_reached"] > 0
        assert sum(v for k, v in posts.items() if k != "listed") == posts["listed"]
    finally:
        client.close()
    assert re.search(r"crawl 1 finished in [\d.]+ s: exit 3, incomplete.*interrupted \(shutdown\)"
                     rf": {posts['listed']} posts listed: {stored} new", clock.text())
    assert "SIGTERM received: stopping the running crawl" in clock.text()
    assert "clock stopped after 1 crawl(s)" in clock.text()


def test_crawl_on_start_false_waits_one_interval(start_clock, mongo_db, blog_server):
    uri, database = mongo_db
    clock = start_clock(**crawl_env(blog_server.url, uri, database, CRAWL_ON_START="false",
                                    CRAWL_INTERVAL_HOURS="24"))
    clock.wait_for_log(r"clock started: a crawl every 24 h, the first at \d{4}-")
    assert clock.stop(signal.SIGINT) == 0
    assert "clock stopped after 0 crawl(s)" in clock.text()
    assert count_posts(uri, database) == 0


# -- many blogs: REDIS_URL set, each turn enqueues the `blogs` list ---------------------------

ENQUEUED = (r"enqueue (\d+) finished in [\d.]+ s: exit 0, every blog-year of the list is on "
            r"the queue: 3 blog-years: {sent} enqueued, {busy} already queued or running, "
            r"0 refused for 2015")


@needs_redis
@pytest.mark.slow
def test_with_redis_each_turn_enqueues_the_whole_list_and_the_workers_crawl_it(
        start_clock, mongo_db, tmp_path):
    uri, database = mongo_db
    farm = serve_blogs(3, seed=600)
    redis_server = RedisServer().start()
    worker = None
    try:
        env = app_env(redis_server.url, uri, database, DOWNLOAD_DELAY="0",
                      CRAWL_INTERVAL_HOURS=SHORT_INTERVAL_HOURS, BLOG_YEAR="2015",
                      BLOG_URL="http://127.0.0.1:9/not-this-one/")
        added = batch(env, "--year", "2015", *(blog.root for blog in farm))
        assert added.returncode == 0 and "3 enqueued" in added.stdout, added.stderr
        clock = start_clock(**env)
        # No worker yet: the list's jobs are queued, the turn leaves them alone.
        clock.wait_for_log(ENQUEUED.format(sent=0, busy=3))
        assert not re.search(r"crawl \d+ starting", clock.text())  # it crawls nothing itself
        assert psutil.Process(clock.proc.pid).children() == []

        worker = WorkerProcess(env, tmp_path / "worker.log").start()
        # Once they are done, the next turn enqueues them all again (the nightly recrawl).
        first = clock.wait_for_log(ENQUEUED.format(sent=3, busy=0))[0]
        assert int(first.group(1)) >= 2
        client = pymongo.MongoClient(uri, tz_aware=True)
        try:
            deadline = time.monotonic() + PATIENCE
            while not _crawled_twice(client[database]):
                assert time.monotonic() < deadline, worker.log()[-3000:]
                time.sleep(0.5)
            assert client[database].posts.count_documents({}) == 3 * 52
        finally:
            client.close()
        worker.kill()

        # Redis gone: the turn says so in one sentence, enqueues nothing, and the clock goes on.
        redis_server.stop()
        clock.wait_for_log(r"enqueue \d+ finished in [\d.]+ s: exit 2, nothing enqueued: "
                           r"cannot reach Redis at redis://127\.0\.0\.1:\d+/0", count=2)
        assert clock.stop() == 0
        assert re.search(r"clock stopped after \d+ enqueue\(s\)", clock.text())
        assert "clock started: the blogs list enqueued every 3.6 s, the first now" in clock.text()
        turns = re.findall(r"enqueue \d+ finished", clock.text())
        assert len(turns) == len(set(turns))  # one line a turn
    finally:
        if worker is not None:
            worker.kill()
        redis_server.stop()
        farm.shutdown()


def _crawled_twice(db) -> bool:
    """Each blog's job done again after the clock enqueued it a second time: two complete
    crawl records per blog, the second finding every post unchanged."""
    records = list(db.crawls.find({"status": "finished"}).sort("started_at", 1))
    by_site: dict[str, list] = {}
    for record in records:
        by_site.setdefault(record["site"], []).append(record)
    return len(by_site) == 3 and all(
        len(rs) >= 2 and rs[-1]["complete"] and rs[-1]["posts"]["unchanged"] == 52
        for rs in by_site.values())


def test_a_killed_first_crawl_still_gets_a_summary_the_dashboard_opens(start_clock, mongo_db,
                                                                       blog_server):
    from dashboard.config import Config
    from dashboard.data import Repository

    uri, database = mongo_db
    clock = start_clock(**crawl_env(blog_server.url, uri, database, DOWNLOAD_DELAY="0.3",
                                    CRAWL_INTERVAL_HOURS="24"))
    client = pymongo.MongoClient(uri)
    try:
        deadline = time.monotonic() + PATIENCE
        while client[database]["posts"].count_documents({}) < 3:  # a few posts stored
            assert time.monotonic() < deadline, clock.text()[-4000:]
            assert clock.proc.poll() is None, clock.text()[-4000:]
            time.sleep(0.2)
        (crawl,) = psutil.Process(clock.proc.pid).children()
        crawl.kill()  # kill -9: the crawl writes neither its record's end nor its summary
        clock.wait_for_log(r"crawl 1 finished in [\d.]+ s: exit -9")
        record = client[database]["crawls"].find_one({})
        stored = client[database]["posts"].count_documents({"year": record["year"]})
        summary = client[database]["posts_years"].find_one({})
        assert record["status"] == "interrupted"
        assert summary["crawl"]["_id"] == record["_id"] and summary["posts"] == stored > 0
        repo = Repository(Config(mongodb_uri=uri, database=database))
        assert repo.holds(record["site"], record["year"])  # the blog-year opens
    finally:
        client.close()
    assert clock.stop() == 0
