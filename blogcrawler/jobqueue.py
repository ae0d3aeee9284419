"""The queue of blog-years: a Celery app on Redis, configured from blogstats.config.

Why Celery (bench/README.md "Choosing the engine" has the comparison and its measurement): its
Redis transport keeps every delivered message in an `unacked` set until the task ends
(`acks_late`), and any live worker puts back on the queue a message unacknowledged for longer
than the visibility timeout. With the visibility timeout set to JOB_LEASE_SECONDS and the
worker renewing the messages it holds every JOB_LEASE_SECONDS/6 (`lease.py`), a message comes
back only when its worker has stopped renewing it: killed, out of memory, machine lost. Its
thread pool lets one worker process run many crawls at once in one Twisted reactor.

The batch command only publishes (`send_job`); the task itself is defined by the worker
(`blogcrawler.worker`), so enqueuing never imports Scrapy's machinery.
"""

from __future__ import annotations

from celery import Celery
from kombu.exceptions import OperationalError

from blogstats.broker import BrokerUnavailableError, mask_redis_url, needs_redis

TASK = "blogstats.crawl_year"
QUEUE = "blogstats"
# Seconds a worker waits before trying again a blog that another worker is crawling
# (another year of the same blog: one crawl per blog at a time).
BUSY_BLOG_RETRY_SECONDS = 15


def restore_interval(lease_seconds: float) -> float:
    """How often workers look for messages whose worker is gone (and renew their own)."""
    return max(1.0, lease_seconds / 6)


def make_app(config) -> Celery:
    """The Celery app for this configuration (REDIS_URL must be set: ConfigError otherwise)."""
    url = needs_redis(config.redis_url)
    lease = config.job_lease_seconds
    app = Celery("blogstats", broker=url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        # Outcomes live in MongoDB (the `jobs` collection), where the dashboard reads them.
        task_ignore_result=True,
        # A message is acknowledged when its crawl has ended, not when it is received, so a
        # crawl whose worker dies is not lost; each worker thread holds one job at a time.
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "visibility_timeout": lease,
            "unacked_restore_interval": restore_interval(lease),
            "unacked_restore_throttle": 1,
            # A worker killed while it held the restore mutex must not block restores for the
            # default 5 minutes.
            "unacked_mutex_expire": int(max(10, min(300, lease))),
            "socket_timeout": max(5.0, config.mongodb_timeout_seconds),
            "socket_connect_timeout": max(5.0, config.mongodb_timeout_seconds),
        },
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=max(5.0, config.mongodb_timeout_seconds),
        # Publishing gives up quickly: the batch command then says Redis is unreachable.
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2,
                                   "interval_step": 0.5, "interval_max": 1.0},
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        worker_hijack_root_logger=True,
    )
    return app


def send_job(app: Celery, site: str, year: int, token: str) -> None:
    """Put one blog-year on the queue; BrokerUnavailableError (one sentence) if Redis is away."""
    try:
        app.send_task(TASK, args=[site, year, token], queue=QUEUE)
    except OperationalError as exc:
        raise BrokerUnavailableError(
            f"cannot send the job to Redis at {mask_redis_url(app.conf.broker_url)} "
            f"({type(exc).__name__}); start it or set REDIS_URL") from None


def queue_length(app: Celery) -> int:
    """Messages waiting in the queue (not yet delivered to a worker)."""
    with app.connection_for_read() as connection:
        return connection.default_channel.client.llen(QUEUE)
