"""Query results shared by the workers of one machine, with a small copy in each worker.

gunicorn runs several worker processes; with a cache in each, every worker would read the same
result from the database itself and hold its own copy. Here a result is read once per machine
(the first worker to ask takes a file lock, flock through `filelock`, which the kernel frees if
that worker dies; the others wait, then find its value) and kept in a folder that every worker
reads (flask-caching's FileSystemCache: atomic writes, a bounded number of entries), plus a few
entries in the worker's own memory so a warm callback does not even unpickle.

Freshness: an entry is fresh for `seconds`. After that, for `stale_factor` times as long, it is
still returned at once while one background thread reloads it (stale-while-revalidate): no page
waits for a slow year after the first load. Keys carry the data's version (see
`data.Repository`), so a finished crawl is seen at once, not after the entry expires.

The folder holds pickles, and loading a pickle runs code: it must belong to this user and be
writable by no one else, or it is refused (ConfigError).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout
from flask_caching.backends.filesystemcache import FileSystemCache

from blogstats.config import ConfigError

logger = logging.getLogger(__name__)

# Entries on disk (each year of posts is one or two). FileSystemCache prunes beyond it.
DISK_ENTRIES = 300
# What each worker keeps in its own memory: the years being looked at right now, up to a size
# (a year of 50,000 posts with its titles is ~60 MB), so a worker stays far under 250 MB.
MEMORY_ENTRIES = 32
MEMORY_BYTES = 120 * 2**20
# How long a worker waits for another one's load of the same entry before loading it itself.
LOAD_LOCK_SECONDS = 120


def private_folder(path: str | None, namespace: str) -> Path:
    """`path` (or a per-user folder under the temp folder) / namespace, created mode 700; a
    folder another user owns or can write is refused with ConfigError."""
    base = Path(path) if path else Path(tempfile.gettempdir()) / f"blogstats-dashboard-{os.getuid()}"
    folder = base / namespace
    for part in (base, folder):
        try:
            part.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = part.stat()
        except OSError as exc:
            raise ConfigError(f"DASHBOARD_CACHE_DIR={str(base)!r} cannot be used: "
                              f"{exc.strerror or exc}") from None
        if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise ConfigError(f"DASHBOARD_CACHE_DIR={str(base)!r} belongs to another user or "
                              "others can write to it; choose a folder only the dashboard's "
                              "user can write")
    return folder


def _size(value: Any) -> int:
    """Roughly how many bytes a cached value holds (frames counted with their strings)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=True).sum())
    if isinstance(value, tuple | list):
        return sum(_size(v) for v in value) + 64
    return 4096


def _digest(key: Hashable) -> str:
    return hashlib.sha256(repr(key).encode("utf-8", "backslashreplace")).hexdigest()


class SharedCache:
    """get_or_load(key, load): a fresh value from this worker's memory or the shared folder,
    a stale one while a background reload runs, else `load()` now (and stored)."""

    def __init__(self, folder: Path | None, seconds: float, stale_factor: float = 10.0,
                 clock: Callable[[], float] = time.time):
        self.seconds = seconds
        self.stale_seconds = seconds * stale_factor
        self.clock = clock
        self._disk = (FileSystemCache(str(folder), threshold=DISK_ENTRIES, mode=0o600,
                                      default_timeout=int(self.stale_seconds) + 60)
                      if folder is not None and seconds > 0 else None)
        # One load of an entry per machine: a lock file per entry, held with flock (filelock),
        # which the kernel releases if its holder dies. Beside the entries, not among them:
        # FileSystemCache prunes the files of its folder.
        self._locks = None
        if self._disk is not None:
            self._locks = folder.with_name(folder.name + ".locks")
            self._locks.mkdir(mode=0o700, exist_ok=True)
        self._memory: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._sizes: dict[str, int] = {}
        self._refreshing: set[str] = set()
        self._key_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get_or_load(self, key: Hashable, load: Callable[[], Any]) -> Any:
        if self.seconds <= 0:
            return load()
        name = _digest(key)
        value, usable = self._lookup(name, load)
        if usable:
            return value
        # A miss: one load per machine. The page's callbacks all ask for the same year at
        # once; without this each would read it from the database (four times over, on two
        # workers). The first takes the lock and loads; the others wait for it, then find
        # its value.
        with self._loading(name), self._machine_lock(name, LOAD_LOCK_SECONDS):
            value, usable = self._lookup(name, load)  # loaded while this one waited
            if usable:
                return value
            value = load()
            self._put(name, value)
            return value

    def _machine_lock(self, name: str, wait: float) -> contextlib.AbstractContextManager:
        """Held by one thread of one worker of the machine at a time (for up to `wait`
        seconds of waiting; then the caller goes ahead without it)."""
        if self._locks is None:
            return contextlib.nullcontext(True)
        # 256 lock files at most (entry names are hex digests): two entries that share one
        # only take turns to load
        return _TryLock(FileLock(str(self._locks / f"{name[:2]}.lock"), timeout=wait,
                                 thread_local=False))

    def _lookup(self, name: str, load: Callable[[], Any]) -> tuple[Any, bool]:
        """(value, True) when fresh, or stale and reloading behind; else (None, False)."""
        hit = self._get(name)
        if hit is None:
            return None, False
        stored_at, value = hit
        age = self.clock() - stored_at
        if age < self.seconds:
            return value, True
        if age < self.seconds + self.stale_seconds:
            self._refresh_later(name, load)
            return value, True
        return None, False

    def _loading(self, name: str) -> threading.Lock:
        with self._lock:
            lock = self._key_locks.get(name)
            if lock is None:
                if len(self._key_locks) > 1024:
                    self._key_locks = {k: v for k, v in self._key_locks.items() if v.locked()}
                lock = self._key_locks[name] = threading.Lock()
        return lock

    def _get(self, name: str) -> tuple[float, Any] | None:
        with self._lock:
            hit = self._memory.get(name)
            if hit is not None:
                self._memory.move_to_end(name)
        if self._disk is None:
            return hit
        if hit is not None and self.clock() - hit[0] < self.seconds:
            return hit
        try:
            shared = self._disk.get(name)  # another worker may have a newer one
        except Exception as exc:  # an unreadable entry is a miss, never an error page
            logger.warning("shared cache entry unreadable: %s", type(exc).__name__)
            shared = None
        if isinstance(shared, tuple) and len(shared) == 2 and (hit is None or shared[0] > hit[0]):
            self._remember(name, shared)
            return shared
        return hit

    def _put(self, name: str, value: Any) -> None:
        entry = (self.clock(), value)
        self._remember(name, entry)
        if self._disk is not None:
            try:
                self._disk.set(name, entry)
            except Exception as exc:  # a full disk costs speed, not the page
                logger.warning("shared cache write failed: %s", type(exc).__name__)

    def _remember(self, name: str, entry: tuple[float, Any]) -> None:
        size = _size(entry[1])
        with self._lock:
            self._memory[name] = entry
            self._sizes[name] = size
            self._memory.move_to_end(name)
            while len(self._memory) > 1 and (len(self._memory) > MEMORY_ENTRIES
                                             or sum(self._sizes.values()) > MEMORY_BYTES):
                oldest, _ = self._memory.popitem(last=False)
                self._sizes.pop(oldest, None)

    def _refresh_later(self, name: str, load: Callable[[], Any]) -> None:
        with self._lock:
            if name in self._refreshing:
                return
            self._refreshing.add(name)
        threading.Thread(target=self._refresh, args=(name, load), daemon=True,
                         name="dashboard-cache-refresh").start()

    def _refresh(self, name: str, load: Callable[[], Any]) -> None:
        try:
            # One reload per machine: a worker that finds another one reloading leaves it
            # (the next lookup finds the new value in the shared folder).
            with self._machine_lock(name, 0) as locked:
                if locked:
                    self._put(name, load())
        except Exception as exc:  # the stale value stays until it is too old; logged, not raised
            logger.warning("background reload failed: %s", type(exc).__name__)
        finally:
            with self._lock:
                self._refreshing.discard(name)

    @property
    def refreshing(self) -> bool:
        with self._lock:
            return bool(self._refreshing)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
            self._sizes.clear()
        if self._disk is not None:
            self._disk.clear()


class _TryLock:
    """A FileLock taken on entry if it can be within its timeout: `as` gives whether it was."""

    def __init__(self, lock: FileLock):
        self.lock = lock
        self.held = False

    def __enter__(self) -> bool:
        try:
            self.lock.acquire()
            self.held = True
        except Timeout:
            if self.lock.timeout > 0:
                logger.warning("cache lock still held after %s s: going ahead",
                               self.lock.timeout)
        return self.held

    def __exit__(self, *exc) -> None:
        if self.held:
            self.lock.release()
