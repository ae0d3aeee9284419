"""A worker's claim on what it is doing, kept alive while it lives and lost when it dies.

Two things expire unless renewed every JOB_LEASE_SECONDS/6 by the worker's heartbeat thread:

- the blog's lock (`blogstats:blog:<site>`, redis-py's `Lock`, expiring after
  JOB_LEASE_SECONDS): one crawl per blog at a time, whatever the number of workers, so each blog
  keeps its own politeness; another year of the same blog waits for it;
- the queue messages the worker holds: Celery's Redis transport records each delivered message
  in the sorted set `unacked_index` with the time it was delivered, and any live worker puts back
  on the queue a message older than the visibility timeout (= JOB_LEASE_SECONDS). Renewing that
  time keeps a long crawl's message from being handed to a second worker while its own is
  alive; when the worker is killed the renewals stop, and the message comes back after one
  lease. `ZADD XX` only touches a message still held: one acknowledged or restored meanwhile
  is never brought back.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from kombu.transport.redis import Channel
from redis.exceptions import LockError

logger = logging.getLogger(__name__)

LOCK_PREFIX = "blogstats:blog:"


class BlogLease:
    """The lock on one blog; `acquire` does not wait (a busy blog is tried again later)."""

    def __init__(self, client: redis.Redis, site: str, seconds: float):
        # thread_local=False: the heartbeat thread renews a lock taken by a task thread.
        self.lock = client.lock(LOCK_PREFIX + site, timeout=seconds, blocking=False,
                                thread_local=False)
        self.site = site

    def acquire(self) -> bool:
        return bool(self.lock.acquire(blocking=False))

    def renew(self) -> bool:
        """Reset the lease to its full length; False when it was lost (it expired and someone
        else may hold it now)."""
        try:
            self.lock.reacquire()
            return True
        except LockError:
            return False

    def release(self) -> None:
        try:
            self.lock.release()
        except LockError:
            pass  # expired meanwhile: nothing to release


class HeldMessages:
    """The delivery tags of the queue messages this worker holds, renewed in `unacked_index`."""

    def __init__(self, client: redis.Redis, transport_options: dict):
        self.client = client
        self.key = (transport_options.get("global_keyprefix", "")
                    + transport_options.get("unacked_index_key", Channel.unacked_index_key))
        self._tags: set[str] = set()
        self._lock = threading.Lock()

    def add(self, tag: str | None) -> None:
        if tag:
            with self._lock:
                self._tags.add(tag)

    def discard(self, tag: str | None) -> None:
        with self._lock:
            self._tags.discard(tag)

    def renew(self) -> None:
        with self._lock:
            tags = list(self._tags)
        if tags:
            self.client.zadd(self.key, dict.fromkeys(tags, time.time()), xx=True)


class Heartbeat:
    """A daemon thread calling `beat()` every `interval` seconds until stopped."""

    def __init__(self, interval: float, beat):
        self.interval, self.beat = interval, beat
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except Exception:  # a missed beat is retried at the next one
                logger.exception("heartbeat failed")
