"""Real components for the tests: a SecantusDB server, the fixture blog over HTTP, real crawls.

Nothing here is mocked. SecantusDB (a MongoDB-wire server) is started on a free port for the
session; each test gets a database of its own. The fixture blog is served on 127.0.0.1, and
crawls run `scrapy crawl blog` in a subprocess, exactly as a user runs it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pymongo
import pytest

from fixture_site import Blog, serve_blog

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "wordpress-real"

# Tests never reach outside 127.0.0.1: a crawl that falls back to the Wayback Machine meets a
# closed local port unless a test points WAYBACK_URL at its own stand-in.
os.environ["WAYBACK_URL"] = "http://127.0.0.1:9"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SecantusServer:
    """A SecantusDB process on 127.0.0.1; start/stop/kill to test a database that goes away."""

    def __init__(self, storage_path: str = ":memory:", port: int | None = None,
                 extra_args: tuple[str, ...] = ()):
        self.port = port or free_port()
        self.storage_path = storage_path
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"secantus-{self.port}.log"

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> SecantusServer:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", self.storage_path, "--log-level", "WARNING", *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"SecantusDB exited at start; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=1000)
                client.admin.command("ping")
                client.close()
                return self
            except (OSError, pymongo.errors.PyMongoError):
                time.sleep(0.2)
        raise RuntimeError(f"SecantusDB did not answer on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@pytest.fixture(scope="session")
def mongo_server():
    # `make mutate` runs the fast tests once per mutant, each time in a new pytest session: it
    # starts one server for all of them and names its port here (see scripts/mutate.py).
    shared_port = os.environ.get("BLOGSTATS_TEST_MONGODB_PORT")
    if shared_port:
        yield SecantusServer(port=int(shared_port))
        return
    server = SecantusServer().start()
    yield server
    server.stop()


@pytest.fixture
def mongo_db(mongo_server):
    """A fresh database on the session's server: (uri, database name)."""
    name = f"test_{uuid.uuid4().hex[:10]}"
    yield mongo_server.uri, name
    client = pymongo.MongoClient(mongo_server.uri)
    client.drop_database(name)
    client.close()


@pytest.fixture(scope="session")
def blog_server():
    """The 52-post fixture blog served over HTTP on 127.0.0.1."""
    server = serve_blog()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def blog(blog_server) -> Blog:
    return blog_server.blog


def run_crawl(url: str, mongo_uri: str, database: str, *extra: str, timeout: float = 300,
              env: dict | None = None) -> subprocess.CompletedProcess:
    """`scrapy crawl blog` against a site, delays off (a loopback site), as a user runs it."""
    command = [
        sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"url={url}",
        "-s", f"MONGODB_URI={mongo_uri}", "-s", f"MONGODB_DATABASE={database}",
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *extra,
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def crawled_db(mongo_server, blog_server):
    """A database filled by one real crawl of the fixture blog: (uri, database name)."""
    name = f"crawled_{uuid.uuid4().hex[:8]}"
    result = run_crawl(blog_server.url, mongo_server.uri, name)
    assert result.returncode == 0, result.stderr[-3000:]
    return mongo_server.uri, name


@contextlib.contextmanager
def crawl_recorder(mongo_db, **settings):
    """The crawl record's component of a crawl of http://blog.test's 2015, opened as a crawl
    opens it, against the test database; its heartbeat stopped and its client let go after."""
    from scrapy.utils.test import get_crawler

    from blogcrawler.extensions import CrawlRecorder
    from blogcrawler.spiders.blog import BlogSpider

    uri, db = mongo_db
    crawler = get_crawler(BlogSpider, {"MONGODB_URI": uri, "MONGODB_DATABASE": db,
                                       "BLOG_URL": "http://blog.test", "BLOG_YEAR": "2015",
                                       **settings})
    spider = BlogSpider.from_crawler(crawler)
    crawler.spider = spider
    crawler.stats.open_spider()
    recorder = CrawlRecorder.from_crawler(crawler)
    recorder.spider_opened(spider)
    try:
        yield recorder
    finally:
        recorder._stop_heartbeat()
        recorder.storage.close()  # its holder of the process's shared client
