"""The `clock` process: the scheduled crawl, every CRAWL_INTERVAL_HOURS, forever.

    python -m blogcrawler.clock

One blog (REDIS_URL unset): each turn runs `scrapy crawl blog` in a child process, so a crawl
that crashes, hangs on a dead site or leaks memory can never take the clock down with it; the
clock only logs what the crawl's exit status means and waits for the next turn. The crawl reads
its configuration (BLOG_URL, MONGODB_URI, ...) from the same environment. SIGTERM (what a PaaS
sends before it stops a dyno) or Ctrl-C stops the running crawl gracefully, then the clock; a
second signal kills the crawl at once.

Many blogs (REDIS_URL set): each turn puts the whole `blogs` list on the queue for the workers
instead, for BLOG_YEAR, crawling again what was done (`python -m blogcrawler.batch --all
--recrawl`, the same function), and logs one line: how many blog-years were enqueued, already
queued or running (left alone: never crawled twice at once), refused, and its exit status:
0 every blog-year of the list is on the queue; 2 nothing enqueued (the list is empty, or Redis
or MongoDB did not answer: one sentence); 3 some were refused (Redis stopped answering
half-way: the next turn sends them). A failed turn never stops the clock.

Environment: CRAWL_INTERVAL_HOURS (default 24; fractions allowed, e.g. 0.5), CRAWL_ON_START
(default true: the first turn starts immediately, else after one interval), REDIS_URL.
"""

from __future__ import annotations

import ctypes
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from blogstats.config import ConfigError, load

__all__ = ["Clock", "ClockConfig", "ConfigError", "CrawlTurn", "EnqueueTurn", "describe_exit",
           "next_start", "parse_config"]

logger = logging.getLogger("blogcrawler.clock")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXIT_CONFIG = 2
# A PaaS sends SIGKILL 30 s after SIGTERM; a crawl gets most of that to flush its writes.
STOP_GRACE_SECONDS = 25.0

# What `scrapy crawl blog` exit statuses mean (blogcrawler/commands/crawl.py).
CRAWL_EXIT_MEANINGS = {
    0: "complete: every post of the year was crawled and stored",
    1: "the crawl could not start (see its log above)",
    2: "a wrong argument or setting, or the database is unreachable: nothing was fetched",
    3: "incomplete: some posts failed, were not reached or not stored, or the crawl was "
       "stopped (its crawls record says which and why)",
}


@dataclass(frozen=True)
class ClockConfig:
    interval_seconds: float
    on_start: bool
    many_blogs: bool = False  # REDIS_URL is set: each turn enqueues the `blogs` list


def parse_config(env: Mapping[str, str] | None = None) -> ClockConfig:
    """The clock's schedule from the one configuration (ConfigError: one sentence)."""
    config = load(env)
    return ClockConfig(interval_seconds=config.crawl_interval_hours * 3600,
                       on_start=config.crawl_on_start, many_blogs=bool(config.redis_url))


def describe_exit(code: int) -> str:
    """A sentence for a crawl's exit status (negative: killed by that signal, as Popen says)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    return CRAWL_EXIT_MEANINGS.get(code, "an unexpected exit status (see the crawl's log above)")


def next_start(last_start: float, interval: float, now: float) -> float:
    """When the next crawl starts: one interval after the last one started, or now if a crawl
    took longer than the interval (runs never pile up and never overlap)."""
    return max(last_start + interval, now)


def crawl_command() -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "blog"]


def new_crawl_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def describe_outcome(code: int, record: Mapping | None) -> str:
    """The clock's line for a finished crawl: what its exit status means and, from its crawl
    record, how it ended and what became of the posts it listed."""
    meaning = describe_exit(code)
    if not record or not isinstance(record.get("posts"), Mapping):
        return meaning
    posts = record["posts"]
    counts = (f"{posts.get('listed', 0)} posts listed: {posts.get('stored_new', 0)} new, "
              f"{posts.get('updated', 0)} updated, {posts.get('unchanged', 0)} unchanged, "
              f"{posts.get('dropped', 0)} dropped, {posts.get('failed', 0)} failed, "
              f"{posts.get('not_reached', 0)} not reached")
    if record.get("complete"):
        return f"{meaning} ({counts})"
    reason = record.get("finish_reason") or "no outcome written"
    limit = f"; {record['limit']}" if record.get("limit") else ""
    return f"{meaning}; {record.get('status', '?')} ({reason}{limit}): {counts}"


def read_record(crawl_id: str, code: int, summarise: bool = True) -> dict | None:
    """The crawl's record, once its process has exited; a record its process could not finish
    (killed) is marked interrupted here rather than left `running`. With `summarise`, the
    site-year's summary is written if the crawl ended without writing it (killed, stopped by
    the platform, the database away at its end). None when unreadable."""
    try:
        from blogcrawler.extensions import interrupt_record
        from blogcrawler.storage import Storage
        config = load()
        storage = Storage(config.mongodb_uri, config.mongodb_database,
                          posts=config.mongodb_posts_collection,
                          crawls=config.mongodb_crawls_collection,
                          timeout=min(config.mongodb_timeout_seconds, 5.0), retry_seconds=0)
        try:
            record = storage.crawls.find_one({"_id": crawl_id})
            if record is not None and record.get("status") == "running" and code != 0:
                record = interrupt_record(storage, crawl_id, describe_exit(code))
            if record is not None and summarise:
                _ensure_summary(storage, record)
            return record
        finally:
            storage.close()
    except Exception as exc:  # the database is away: the exit status alone must do
        logger.debug("crawl record %s not read: %s", crawl_id, exc)
        return None


def _ensure_summary(storage, record: Mapping) -> None:
    """The crawl's summary, if it ended without writing it; a failure is logged, the crawl's
    outcome stands (the next crawl or `release` writes it)."""
    from blogstats.summaries import ensure_written
    try:
        ensure_written(storage.client[storage.database_name], storage.posts_name,
                       record.get("site"), record.get("year"), record.get("_id"),
                       storage.crawls_name)
    except Exception as exc:
        logger.warning("the summary of crawl %s's year was not written (the dashboard shows "
                       "the previous one until the next crawl or release): %s: %s",
                       record.get("_id"), type(exc).__name__, str(exc)[:300])


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the clock dies without stopping its crawl
    (e.g. SIGKILL), so no crawl outlives the clock. Linux only; harmless elsewhere."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class CrawlTurn:
    """One blog: `scrapy crawl blog` in a child process, named by a CRAWL_ID of ours so that
    its record can be read (and marked, if it was killed) once it has exited."""

    what = "a crawl"
    name = "crawl"

    def __init__(self, command: list[str] | None = None):
        self.command = command or crawl_command()
        self.crawl_id: str | None = None
        self.child: subprocess.Popen | None = None

    def signal(self, signum: int, count: int) -> None:
        """A signal reached the clock: the first stops the crawl gracefully, a second kills it."""
        child = self.child
        if child is None or child.poll() is not None:
            logger.info("%s received: stopping the clock", signal.Signals(signum).name)
            return
        if count == 1:
            logger.info("%s received: stopping the running crawl (pid %d), then the clock",
                        signal.Signals(signum).name, child.pid)
            child.send_signal(signal.SIGTERM)
        else:
            logger.warning("second signal: killing the crawl (pid %d)", child.pid)
            child.kill()

    def run(self, number: int, stopping: threading.Event) -> int:
        """One crawl in a child process; returns its exit status."""
        self.crawl_id = new_crawl_id()
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": os.environ.get(
            "SCRAPY_SETTINGS_MODULE", "blogcrawler.settings")}
        started = time.monotonic()
        logger.info("crawl %d starting", number)
        # Its own session: a Ctrl-C or a process-group SIGTERM reaches the clock only, which
        # forwards one SIGTERM (a second one would make Scrapy stop without flushing).
        command = [*self.command, "-s", f"CRAWL_ID={self.crawl_id}"]
        self.child = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env,
                                      start_new_session=True, preexec_fn=_die_with_parent)
        if stopping.is_set():  # a signal arrived while the crawl was being spawned
            self.child.send_signal(signal.SIGTERM)
        try:
            code = self._wait_for_child(self.child, stopping)
        finally:
            self.child = None
        elapsed = time.monotonic() - started
        log = logger.info if code == 0 else logger.warning
        log("crawl %d finished in %.1f s: exit %d, %s", number, elapsed, code,
            # on a stop, the platform's grace is short: the next crawl or release writes it
            describe_outcome(code, read_record(self.crawl_id, code,
                                               summarise=not stopping.is_set())))
        return code

    def _wait_for_child(self, child: subprocess.Popen, stopping: threading.Event) -> int:
        stop_deadline = None
        while True:
            try:
                return child.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
            if stopping.is_set():
                stop_deadline = stop_deadline or time.monotonic() + STOP_GRACE_SECONDS
                if time.monotonic() > stop_deadline:
                    logger.warning("the crawl did not stop within %.0f s: killing it",
                                   STOP_GRACE_SECONDS)
                    child.kill()


# What an enqueue turn's exit status means (many blogs, REDIS_URL set).
ENQUEUE_OK, ENQUEUE_NOTHING, ENQUEUE_PARTIAL = 0, 2, 3
ENQUEUE_EXIT_MEANINGS = {
    ENQUEUE_OK: "every blog-year of the list is on the queue",
    ENQUEUE_NOTHING: "nothing enqueued",
    ENQUEUE_PARTIAL: "some blog-years were refused (the next run sends them)",
}


def describe_enqueue(report) -> str:
    """`12 blog-years: 10 enqueued, 2 already queued or running, 0 refused` (batch's report)."""
    kept = report.kept
    total = len(report.results) + report.refused
    busy = sum(kept[state] for state in ("queued", "running"))
    return (f"{total} blog-years: {report.sent} enqueued, {busy} already queued or running, "
            f"{report.refused} refused")


class EnqueueTurn:
    """Many blogs: the whole `blogs` list on the queue, in this process (a few database and
    Redis round trips a blog; the workers crawl). One line a turn."""

    what = "the blogs list enqueued"
    name = "enqueue"

    def signal(self, signum: int, count: int) -> None:
        logger.info("%s received: stopping the clock", signal.Signals(signum).name)

    def run(self, number: int, stopping: threading.Event) -> int:
        from pymongo.errors import PyMongoError

        from blogcrawler.batch import enqueue_list
        from blogstats.broker import BrokerUnavailableError

        started = time.monotonic()
        try:
            config = load()
            report = enqueue_list(config, recrawl=True)
        except (ConfigError, BrokerUnavailableError) as exc:
            return self._log(number, started, ENQUEUE_NOTHING, str(exc))
        except PyMongoError as exc:
            from blogstats.mongo import mask_uri

            return self._log(number, started, ENQUEUE_NOTHING,
                             f"cannot use MongoDB at {mask_uri(config.mongodb_uri)} "
                             f"({type(exc).__name__}); start it or set MONGODB_URI")
        code = ENQUEUE_PARTIAL if report.refused else ENQUEUE_OK
        detail = f"{describe_enqueue(report)} for {config.blog_year}"
        if report.refused:
            detail += f" ({report.error})"
        return self._log(number, started, code, detail)

    @staticmethod
    def _log(number: int, started: float, code: int, detail: str) -> int:
        log = logger.info if code == ENQUEUE_OK else logger.warning
        log("enqueue %d finished in %.1f s: exit %d, %s: %s", number,
            time.monotonic() - started, code, ENQUEUE_EXIT_MEANINGS[code], detail)
        return code


class Clock:
    """The schedule; each turn is a crawl (one blog) or an enqueue of the list (many blogs)."""

    def __init__(self, config: ClockConfig, turn: CrawlTurn | EnqueueTurn | None = None):
        self.config = config
        self.turn = turn or (EnqueueTurn() if config.many_blogs else CrawlTurn())
        self.stopping = threading.Event()
        self.signals_received = 0
        self.turns = 0

    def handle_signal(self, signum, _frame) -> None:
        self.signals_received += 1
        self.stopping.set()
        self.turn.signal(signum, self.signals_received)

    def run(self) -> None:
        interval, turn = self.config.interval_seconds, self.turn
        start_at = time.monotonic() + (0 if self.config.on_start else interval)
        logger.info("clock started: %s every %s, the first %s", turn.what, _duration(interval),
                    "now" if self.config.on_start else f"at {_wall_clock(interval)}")
        while not self.stopping.is_set():
            if self.stopping.wait(max(0.0, start_at - time.monotonic())):
                break
            started = time.monotonic()
            self.turns += 1
            try:
                turn.run(self.turns, self.stopping)
            except OSError as exc:
                # The crawl could not even be spawned (e.g. out of processes): try again later.
                logger.error("%s %d could not be started: %s", turn.name, self.turns, exc)
            if self.stopping.is_set():
                break
            now = time.monotonic()
            start_at = next_start(started, interval, now)
            if start_at == now:
                logger.warning("the %s took longer than the interval: the next one starts now",
                               turn.name)
            else:
                logger.info("next %s at %s", turn.name, _wall_clock(start_at - now))
        logger.info("clock stopped after %d %s(s)", self.turns, turn.name)


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds:g} s"


def _wall_clock(seconds_from_now: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds_from_now)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def main() -> int:
    # LOG_LEVEL quiets the crawls; the clock's own lines (two per crawl) always show.
    level = logging.DEBUG if os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG" else logging.INFO
    logging.basicConfig(level=level,
                        format="%(asctime)s [clock] %(levelname)s: %(message)s", stream=sys.stderr)
    try:
        config = parse_config()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    clock = Clock(config)
    signal.signal(signal.SIGTERM, clock.handle_signal)
    signal.signal(signal.SIGINT, clock.handle_signal)
    clock.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
