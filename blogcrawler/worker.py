"""The `worker` process: crawls the queued blog-years, many at once, each blog at its own pace.

    python -m blogcrawler.worker      # the Procfile's `worker`; scale it: heroku ps:scale worker=8

A Celery worker (Redis broker, `blogcrawler.jobqueue`) with a pool of WORKER_CONCURRENCY threads;
each thread takes one job (one blog-year) at a time and runs it as one crawler in the process's
shared reactor (`blogcrawler.crawlhost`), then records its outcome in the `jobs` collection
(`blogcrawler.jobs`). What holds whatever happens to a worker:

- One crawl per blog at a time: a job first takes its blog's lease (`blogcrawler.lease`); when
  another worker holds it (another year of the same blog), the job is tried again in a few
  seconds, so each blog keeps its own politeness (robots.txt, delay, AutoThrottle).
- A worker killed mid-job (kill -9, out of memory, every worker at a platform restart) stops
  renewing its lease and its messages; after JOB_LEASE_SECONDS (60) another worker, or the same
  one restarted, gets the message again and crawls the blog again: posts are upserted on their
  URL, so nothing is stored twice. The job's `attempts`, `lost` and `history` say it was retried;
  a blog whose crawl kills its worker JOB_MAX_ATTEMPTS times is marked failed, not retried
  forever.
- Each attempt is a crawl of its own, named by the worker (its CRAWL_ID setting), so the job
  points at its `crawls` record from the start. The job's outcome is that record as the crawl
  wrote it (`complete`, `finish_reason`, its `posts` counts; exit 0 complete, 3 incomplete or
  interrupted); its progress is the record's own account, read through the crawler. The crawl
  of an attempt whose worker was lost is marked interrupted (`no_heartbeat`) when the job is
  taken over.
- SIGTERM (a platform stopping the dyno) stops the running crawls gracefully (Scrapy closes them
  as `shutdown`, storing what they measured), puts their jobs back on the queue, then exits.
  Those crawls write no summary (the jobs' next crawls do), so the shutdown stays short.
- A worker that loses its lease on a blog (Redis away longer than JOB_LEASE_SECONDS) stops that
  crawl and puts its job back on the queue under a new token, with a new message.
- A database that does not answer when a crawl has ended (longer than MONGODB_RETRY_SECONDS)
  sends the message back; the next worker finds the crawl's closed record and closes the job as
  done from it, without crawling the blog again or counting a lost worker.
- The worker's crawls and its jobs share one MongoDB client (blogstats.mongo.SharedClient):
  at most SHARED_POOL_SIZE + 2 connections, however many crawls run at once.

Exit status: 0 after a shutdown; 2 with one sentence when a setting is wrong, or Redis or MongoDB
cannot be reached at start.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass

from celery import signals as celery_signals
from celery.exceptions import Reject
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from blogcrawler.crawlhost import Crawl, CrawlHost
from blogcrawler.jobqueue import (
    BUSY_BLOG_RETRY_SECONDS,
    QUEUE,
    TASK,
    make_app,
    restore_interval,
    send_job,
)
from blogcrawler.jobs import DONE, FAILED, RUNNING, Attempt, Enqueued, JobStore, outcome_of
from blogcrawler.lease import BlogLease, Heartbeat, HeldMessages
from blogcrawler.progress import posts_done
from blogcrawler.storage import Storage, StorageUnavailableError
from blogstats.broker import BrokerUnavailableError, check, make_redis, needs_redis
from blogstats.config import ConfigError, load
from blogstats.summaries import ensure_written

logger = logging.getLogger(__name__)

EXIT_CONFIG = 2
SHUTDOWN = "the worker is shutting down"
LEASE_LOST = "the worker lost its lease on the blog"
SUMMARY_SECONDS = 30.0
# Loggers of the crawls themselves: many crawls at once would drown the worker's own lines.
QUIET_LOGGERS = ("scrapy", "blog", "blogcrawler.extensions", "blogcrawler.pipelines",
                 "blogcrawler.storage", "blogcrawler.progress", "blogcrawler.middlewares",
                 "py.warnings")


def crawl_settings() -> Settings:
    """The crawler's own settings (environment included), as `scrapy crawl blog` has them; no
    terminal progress and no stats dump per crawl in a worker."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "blogcrawler.settings")
    settings = get_project_settings()
    settings.set("PROGRESS", "off", priority="cmdline")
    settings.set("STATS_DUMP", False, priority="cmdline")
    # A crawl stopped by the worker (shutdown, lost lease) writes no summary: its job goes back
    # on the queue and the next attempt's crawl writes it, and the platform's grace period
    # after SIGTERM is no time for summarising years on the shared reactor.
    settings.set("SUMMARY_AT_SHUTDOWN", False, priority="cmdline")
    return settings


@dataclass
class Running:
    attempt: Attempt
    lease: BlogLease
    crawl: Crawl


class Worker:
    """One worker process: its crawl host, its leases and heartbeats, its jobs."""

    def __init__(self, config, app, settings: Settings | None = None):
        from blogcrawler.spiders.blog import BlogSpider

        self.config = config
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.store = JobStore.from_config(config, appname="blogstats-worker")
        self.redis = make_redis(config.redis_url)
        self.app = app
        self.held = HeldMessages(self.redis, app.conf.broker_transport_options)
        self.host = CrawlHost(settings or crawl_settings(), BlogSpider)
        self.running: dict[str, Running] = {}
        self.stopping = threading.Event()
        self.finished = {DONE: 0, FAILED: 0}
        self._last_summary = time.monotonic()
        beat = restore_interval(config.job_lease_seconds)
        # Two threads: a slow database must never delay the leases in Redis. The jobs'
        # progress is renewed as often as a crawl's progress lines (PROGRESS_INTERVAL_SECONDS),
        # and at least as often as the leases, since it is also the job's heartbeat.
        self.lease_beat = Heartbeat(beat, self.renew_leases)
        self.progress_beat = Heartbeat(min(beat, config.progress_interval_seconds),
                                       self.report_progress)

    def start(self) -> None:
        self.host.start()
        self.lease_beat.start()
        self.progress_beat.start()

    def shutdown(self) -> None:
        if not self.stopping.is_set():
            self.stopping.set()
            if self.running:
                logger.info("stopping %d running crawl(s); their jobs go back to the queue",
                            len(self.running))
            self.host.stop_all(SHUTDOWN)

    # -- a job ---------------------------------------------------------------------------------
    def run_job(self, task, site: str, year: int, token: str) -> str:
        if self.stopping.is_set():
            raise Reject(SHUTDOWN, requeue=True)
        lease = BlogLease(self.redis, site, self.config.job_lease_seconds)
        try:
            acquired = lease.acquire()
        except RedisError as exc:
            logger.warning("Redis did not answer (%s): %s %d tried again later",
                           type(exc).__name__, site, year)
            raise task.retry(countdown=BUSY_BLOG_RETRY_SECONDS) from None
        if not acquired:
            logger.info("%s is being crawled by another job: %d tried again in %d s", site, year,
                        BUSY_BLOG_RETRY_SECONDS)
            raise task.retry(countdown=BUSY_BLOG_RETRY_SECONDS)
        try:
            return self._run_leased(task, site, year, token, lease)
        finally:
            lease.release()

    def _run_leased(self, task, site: str, year: int, token: str, lease: BlogLease) -> str:
        crawl = Crawl({"url": site, "year": str(year)})
        try:
            attempt, why = self.store.start(site, year, token, self.name,
                                            self.config.job_max_attempts, crawl.crawl_id)
        except PyMongoError as exc:
            logger.warning("MongoDB did not answer (%s): %s %d tried again later",
                           type(exc).__name__, site, year)
            raise task.retry(countdown=BUSY_BLOG_RETRY_SECONDS) from None
        if attempt is None:
            logger.info("%s %d not crawled: %s", site, year, why)
            return why
        self.running[attempt.id] = Running(attempt, lease, crawl)
        logger.info("crawling %s %d (attempt %d, crawl %s)", site, year, attempt.number,
                    crawl.crawl_id)
        started = time.monotonic()
        error = None
        try:
            if self.stopping.is_set():
                crawl.stop_reason = SHUTDOWN
            else:
                self.host.run(crawl)
        except Exception as exc:  # the crawl could not start: a sentence for the job
            error = f"the crawl could not start: {type(exc).__name__}: {exc}"[:500]
        finally:
            self.running.pop(attempt.id, None)
        return self._record(attempt, crawl, error, time.monotonic() - started)

    def _record(self, attempt: Attempt, crawl: Crawl, error: str | None, elapsed: float) -> str:
        label = f"{attempt.site} {attempt.year}"
        progress = crawl.progress
        if crawl.stop_reason == LEASE_LOST:
            return self._requeue(attempt, progress, label)
        if crawl.stop_reason == SHUTDOWN:
            self._write(lambda: self.store.interrupted(attempt, progress=progress,
                                                       reason=SHUTDOWN))
            logger.info("%s: stopped by the shutdown after %.0f s; back on the queue", label,
                        elapsed)
            raise Reject(SHUTDOWN, requeue=True)
        if error:
            self._write(lambda: self.store.finish(attempt, FAILED, progress=progress,
                                                  error=error))
            self._ensure_summary(attempt, crawl.crawl_id)
            self.finished[FAILED] += 1
            logger.error("%s failed: %s", label, error)
            return "failed"
        # The record as the crawl wrote it at its end (kept by its recorder, so a database
        # that failed the last write does not lose the verdict); else as the database has it.
        recorder = crawl.recorder
        record = recorder.record if recorder is not None else None
        if record is None:
            record = self._write(lambda: self.store.crawl_record(crawl.crawl_id))
        outcome = outcome_of(record)
        self._write(lambda: self.store.finish(attempt, DONE, progress=progress,
                                              outcome=outcome))
        self._ensure_summary(attempt, crawl.crawl_id)
        self.finished[DONE] += 1
        log = logger.info if outcome["complete"] else logger.warning
        posts = outcome["posts"]
        log("%s done in %.0f s: exit %d, %s (%d of %d posts done, %d pages)", label, elapsed,
            outcome["exit"], "complete" if outcome["complete"] else
            f"INCOMPLETE ({outcome['status']}, {outcome['finish_reason']})", posts_done(posts),
            posts.get("listed", 0), outcome["pages"])
        return "done"

    def _ensure_summary(self, attempt: Attempt, crawl_id: str | None) -> None:
        """The blog-year's summary, if the crawl ended without writing it (a forced stop, the
        database gone at its end, a failed write): as the clock does (clock._ensure_summary).
        A failure is logged; the job's outcome stands and the next crawl or `release` writes it."""
        try:
            ensure_written(self.store.client[self.store.database_name],
                           self.config.mongodb_posts_collection, attempt.site, attempt.year,
                           crawl_id, self.store.crawls_name)
        except Exception as exc:
            logger.warning("the summary of %s %s was not written (the dashboard shows the "
                           "previous one until the next crawl or release): %s: %s", attempt.site,
                           attempt.year, type(exc).__name__, str(exc)[:300])

    def _requeue(self, attempt: Attempt, progress, label: str) -> str:
        """The crawl was stopped because the blog's lease was lost: the job goes back on the
        queue under a new token with a new message (its own message may be gone with Redis's
        data, or given to another worker meanwhile: the new token makes that one stale)."""
        token = self._write(lambda: self.store.requeue(attempt, progress=progress,
                                                       reason=LEASE_LOST))
        if token is None:
            logger.error("%s: %s; its job was taken over by another worker", label, LEASE_LOST)
            return "lease lost"
        try:
            send_job(self.app, attempt.site, attempt.year, token)
        except BrokerUnavailableError as exc:
            # As the batch command does: the job says its message is missing, and the next
            # enqueue sends it (a failed job is never skipped).
            self._write(lambda: self.store.undo_enqueue(
                Enqueued(attempt.site, attempt.year, token, RUNNING)))
            logger.error("%s: %s, and its job could not be put back on the queue: %s", label,
                         LEASE_LOST, exc)
            return "lease lost"
        logger.warning("%s: %s; its crawl was stopped and its job is back on the queue", label,
                       LEASE_LOST)
        return "lease lost"

    def _write(self, operation):
        """A job write, retried while the database is away; if it never answers, the message
        goes back to the queue (the crawl is then run again: upserts make that safe)."""
        deadline = time.monotonic() + self.config.mongodb_retry_seconds
        delay = 0.5
        while True:
            try:
                return operation()
            except PyMongoError as exc:
                if time.monotonic() + delay > deadline:
                    logger.error("MongoDB did not answer for %g s (%s): the job goes back to "
                                 "the queue", self.config.mongodb_retry_seconds,
                                 type(exc).__name__)
                    raise Reject("MongoDB unreachable", requeue=True) from None
                time.sleep(delay)
                delay = min(delay * 2, 8.0)

    # -- heartbeats ----------------------------------------------------------------------------
    def renew_leases(self) -> None:
        try:
            self.held.renew()
        except RedisError as exc:
            logger.warning("could not renew the queue messages in Redis: %s", type(exc).__name__)
        for run in list(self.running.values()):
            try:
                kept = run.lease.renew()
            except RedisError as exc:
                logger.warning("could not renew the lease on %s: %s", run.attempt.site,
                               type(exc).__name__)
                continue
            if not kept:
                logger.error("%s: %s (Redis was away longer than JOB_LEASE_SECONDS): stopping "
                             "its crawl so that two workers never crawl one blog",
                             run.attempt.site, LEASE_LOST)
                self.host.stop(run.crawl, LEASE_LOST)

    def report_progress(self) -> None:
        runs = list(self.running.values())
        for run in runs:
            try:
                self.store.heartbeat(run.attempt, run.crawl.progress)
            except PyMongoError as exc:
                logger.warning("could not record the progress of %s: %s", run.attempt.site,
                               type(exc).__name__)
        if runs and time.monotonic() - self._last_summary >= SUMMARY_SECONDS:
            self._last_summary = time.monotonic()
            counts = [(run.crawl.progress or {}).get("posts") or {} for run in runs]
            logger.info("%d crawl(s) running: %d of %d posts done; %d jobs done, %d failed "
                        "since start", len(runs), sum(posts_done(c) for c in counts),
                        sum(c.get("listed", 0) for c in counts), self.finished[DONE],
                        self.finished[FAILED])


def register(app, worker: Worker) -> None:
    """The task, and the worker's hooks into Celery's signals."""

    @app.task(name=TASK, bind=True, acks_late=True, max_retries=None)
    def crawl_year(self, site: str, year: int, token: str) -> str:
        return worker.run_job(self, site, int(year), token)

    # The message's delivery tag names it in the transport's `unacked_index` (Celery's own
    # `delivery_info` leaves it out; the message and its properties have it).
    def received(request=None, **_kwargs) -> None:
        worker.held.add(getattr(request.message, "delivery_tag", None))

    def ended(task=None, **_kwargs) -> None:
        worker.held.discard((task.request.properties or {}).get("delivery_tag"))

    def shutting_down(**_kwargs) -> None:
        worker.shutdown()

    def quiet(**_kwargs) -> None:
        if worker.config.log_level != "DEBUG":
            for name in QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)

    # weak=False: the handlers are closures that would otherwise be collected at once.
    celery_signals.task_received.connect(received, weak=False)
    celery_signals.task_postrun.connect(ended, weak=False)
    celery_signals.worker_shutting_down.connect(shutting_down, weak=False)
    celery_signals.after_setup_logger.connect(quiet, weak=False)


def main(argv: list[str] | None = None) -> int:
    try:
        config = load()
        needs_redis(config.redis_url)
        check(config.redis_url, config.mongodb_timeout_seconds)
        settings = crawl_settings()
        storage = Storage.from_settings(settings)
        store = JobStore.from_config(config)
        try:
            storage.check(write=True)  # reachable, and we may write (one sentence if not)
            store.ensure_indexes()
        finally:
            storage.close()
            store.close()
    except (ConfigError, BrokerUnavailableError, StorageUnavailableError) as exc:
        print(f"worker: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    app = make_app(config)
    worker = Worker(config, app, settings)
    register(app, worker)
    worker.start()
    app.worker_main([
        "worker", "--pool=threads", f"--concurrency={config.worker_concurrency}",
        f"--loglevel={config.log_level}", f"--queues={QUEUE}",
        f"--hostname=blogstats-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        *(argv or [])])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
