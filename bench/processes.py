"""The real components a benchmark runs against, each in a process of its own on 127.0.0.1.

The fixture blog is served from a separate process (not a thread of the crawler), so the GIL
does not make the server the bottleneck; a fresh SecantusDB (in memory) stands in for MongoDB.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pymongo

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "bench" / "results" / "logs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """A child process that answers on a port of 127.0.0.1; use as a context manager."""

    name = "service"
    start_timeout = 30.0

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self) -> Service:
        return self.launch().wait_ready()

    def launch(self) -> Service:
        """Start the process without waiting for it to answer (see `wait_ready`)."""
        LOGS.mkdir(parents=True, exist_ok=True)
        with open(LOGS / f"{self.name}-{self.port}.log", "ab") as log:
            self.proc = subprocess.Popen(self.command(), cwd=ROOT, stdout=log,
                                         stderr=subprocess.STDOUT)
        return self

    def wait_ready(self) -> Service:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {LOGS}")
            try:
                if self.ready():
                    return self
            except (OSError, pymongo.errors.PyMongoError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer on port {self.port} in {self.start_timeout} s")

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (to tell whether it was the bottleneck)."""
        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self if self.proc else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class FixtureBlog(Service):
    """The fixture blog (bench/blog_server.py, pages rendered before it answers): the 52 weekly
    roundups, or a generated archive of N posts."""

    name = "fixture-blog"
    start_timeout = 300.0  # rendering a 10,000-post archive takes a while on a busy machine

    def __init__(self, posts: int) -> None:
        super().__init__()
        self.posts = posts
        self.runs = 0  # crawls made against it so far, to name their logs

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "bench.blog_server", "--port", str(self.port)]
        if self.posts != 52:  # 52 is the fixture site itself, with its other-year posts
            command += ["--posts", str(self.posts)]
        return command

    def ready(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/robots.txt")
            return connection.getresponse().status == 200
        finally:
            connection.close()


class Secantus(Service):
    """A throwaway SecantusDB (MongoDB wire protocol) holding its data in memory."""

    name = "secantus"

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(self.port),
                "--storage-path", ":memory:", "--log-level", "WARNING"]

    def ready(self) -> bool:
        client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=1000)
        try:
            client.admin.command("ping")
            return True
        finally:
            client.close()


def child_env() -> dict[str, str]:
    """The environment for a crawl: no politeness delays (the site is on loopback)."""
    return {**os.environ, "AUTOTHROTTLE_ENABLED": "false", "DOWNLOAD_DELAY": "0"}
