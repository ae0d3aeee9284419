"""Real parts for the many-blogs tests: a Redis server, fixture blogs whose servers log every
request's start and end, and workers started from the Procfile's `worker` line.

Nothing is mocked: Redis is Debian's `redis-server` on a free port (no persistence), each worker
is a real process group started as a platform starts it (`bash -c` of the Procfile's command),
and it is killed with a real SIGKILL to the whole group.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pymongo
import pytest

from fixture_site.many import Blogs
from fixture_site.server import BlogHandler, BlogServer
from tests.conftest import ROOT, free_port

PROCFILE = ROOT / "Procfile"
REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS_SERVER is None,
                                 reason="redis-server is not installed (scripts/ensure-redis.sh)")


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"redis-{self.port}.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> RedisServer:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited at start; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


# -- fixture blogs that log their requests ---------------------------------------------------
class Span(NamedTuple):
    """One GET as the server saw it: when it arrived, when its answer began to be written (after
    the server's pause), and when the answer was written."""

    path: str
    start: float
    answering: float
    end: float


class LoggingHandler(BlogHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        start = time.monotonic()
        answering = start
        try:
            if self.server.pause:  # a blog that takes its time: requests at once overlap
                time.sleep(self.server.pause)
            answering = time.monotonic()
            super().do_GET()
        finally:
            self.server.log_request_span(Span(self.path, start, answering, time.monotonic()))


class LoggingBlogServer(BlogServer):
    """The fixture's server (several blogs in sub-directories, fixture_site.many.Blogs) keeping
    its own log: a `Span` for every GET it answered."""

    def __init__(self, address, blog_factory, pause: float = 0.0):
        super().__init__(address, blog_factory)
        self.RequestHandlerClass = LoggingHandler
        self.pause = pause
        self.spans: list[Span] = []
        self._span_lock = threading.Lock()

    def log_request_span(self, span: Span) -> None:
        with self._span_lock:
            self.spans.append(span)

    def _held(self, blog_root: str | None) -> list[Span]:
        prefix = "/" + blog_root[len(self.url):] if blog_root else "/"
        return sorted((s for s in self.spans if s.path.startswith(prefix)),
                      key=lambda s: s.start)

    def most_in_flight(self, blog_root: str | None = None) -> int:
        """The most requests this server held at one moment (for one blog's paths when
        `blog_root` is given), each from its arrival to the moment its answer began.

        Not to the moment the answer was written: the handler's thread notes that time only
        when the OS next runs it, and on a loaded machine the client may have read the answer
        and sent its next request before then (a sequential client measured "2 in flight" that
        way). An answer cannot reach the client before it began, so requests one after another
        never overlap on this measure, while requests sent at once both wait out the server's
        pause together and always do."""
        events = sorted([(s.start, 1) for s in self._held(blog_root)]
                        + [(s.answering, -1) for s in self._held(blog_root)])
        now = most = 0
        for _, step in events:  # an end and a start at the same instant: the end first
            now += step
            most = max(most, now)
        return most

    def overlaps(self, blog_root: str) -> list[tuple[Span, Span]]:
        """Pairs of one blog's requests held at once (for an assertion's message)."""
        held = self._held(blog_root)
        return [(a, b) for i, a in enumerate(held) for b in held[i + 1:]
                if b.start < a.answering]


def serve_logged_blogs(count: int, seed: int, pause: float = 0.0) -> LoggingBlogServer:
    """`count` distinct fixture blogs in sub-directories of one logging server (each answer
    `pause` seconds late)."""
    server = LoggingBlogServer(("127.0.0.1", 0),
                               lambda root: Blogs(root, count, year=2015, seed=seed,
                                                  realistic=False), pause)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- workers as the platform starts them -----------------------------------------------------
def procfile_command(name: str) -> str:
    for line in PROCFILE.read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            return command.strip()
    raise KeyError(f"the Procfile has no {name!r} process")


class WorkerProcess:
    """The Procfile's `worker`, in a process group of its own (as honcho or a dyno runs it)."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        self.proc = subprocess.Popen(
            ["bash", "-c", procfile_command("worker")], cwd=ROOT, env=self.env,
            stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL to the whole group: no handler runs, nothing is flushed or acknowledged."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self, timeout: float = 40.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def batch(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m blogcrawler.batch ARGS`, as a person runs it."""
    return subprocess.run([sys.executable, "-m", "blogcrawler.batch", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def app_env(redis_url: str, mongo_uri: str, database: str, **extra: str) -> dict[str, str]:
    """The environment of the batch command and the workers: this interpreter first on PATH
    (the Procfile says `python`), crawls fast enough for a test on 127.0.0.1."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MONGODB_", "BLOG_", "CRAWL_", "REDIS_", "JOB_", "WORKER_"))}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               PYTHONUNBUFFERED="1", REDIS_URL=redis_url, MONGODB_URI=mongo_uri,
               MONGODB_DATABASE=database, AUTOTHROTTLE_ENABLED="false", DOWNLOAD_DELAY="0.02",
               PROGRESS="log", PROGRESS_INTERVAL_SECONDS="1")
    env.update(extra)
    return env


def jobs_of(uri: str, database: str) -> dict[str, dict]:
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        return {doc["_id"]: doc for doc in client[database].jobs.find()}
    finally:
        client.close()


def wait_until(condition: Callable[[], object], timeout: float, what: str,
               workers: list[WorkerProcess] = ()) -> object:
    """Poll `condition` until it is true; the timeout only bounds a hang (with the workers'
    logs in the message)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    logs = "\n".join(f"--- worker {w.pid}\n{w.log()[-3000:]}" for w in workers)
    raise AssertionError(f"{what}: not within {timeout:.0f} s\n{logs}")
