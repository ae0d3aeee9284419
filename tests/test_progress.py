"""Progress while crawling, as a person sees it: `scrapy crawl blog` against the fixture blog
draws a bar on a terminal (a real pseudo-terminal) and prints a line every few seconds when its
output is a pipe or a file (what a PaaS log gets), whatever LOG_LEVEL says."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pymongo

from tests.conftest import ROOT, run_crawl

LINE = re.compile(r"progress: 127\.0\.0\.1:\d+ 2015: (\d+) of (\d+) posts \((\d+) stored")


def test_a_crawl_without_a_terminal_prints_a_progress_line_every_few_seconds(
        mongo_db, blog_server):
    uri, db = mongo_db
    # A slower crawl than the other tests' (about 3 s), and LOG_LEVEL=WARNING as `make demo`.
    result = run_crawl(blog_server.url, uri, db, "-s", "DOWNLOAD_DELAY=0.03",
                       env={"PROGRESS": "auto", "PROGRESS_INTERVAL_SECONDS": "0.5",
                            "LOG_LEVEL": "WARNING"})
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [tuple(map(int, m.groups())) for m in LINE.finditer(result.stderr)]
    assert len(lines) >= 3, result.stderr[-3000:]
    # Counts only grow, and the last line accounts for all 52 posts of 2015.
    assert all(a[0] <= b[0] and a[2] <= b[2] for a, b in zip(lines, lines[1:], strict=False))
    assert lines[-1] == (52, 52, 52)
    assert result.stderr.rstrip().endswith("finished)")
    # One count: the lines say what the crawl record says.
    client = pymongo.MongoClient(uri)
    try:
        (record,) = client[db].crawls.find()
    finally:
        client.close()
    posts = record["posts"]
    stored = posts["stored_new"] + posts["updated"] + posts["unchanged"]
    assert lines[-1] == (posts["listed"] - posts["not_reached"], posts["listed"], stored)


def test_progress_off_prints_nothing(mongo_db, blog_server):
    result = run_crawl(blog_server.url, *mongo_db, env={"PROGRESS": "off",
                                                        "PROGRESS_INTERVAL_SECONDS": "0.1"})
    assert result.returncode == 0
    assert "progress:" not in result.stderr


def test_a_crawl_on_a_terminal_draws_a_bar(mongo_db, blog_server):
    uri, db = mongo_db
    command = [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"url={blog_server.url}",
               "-s", f"MONGODB_URI={uri}", "-s", f"MONGODB_DATABASE={db}",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.01"]
    env = {**os.environ, "PROGRESS": "auto"}
    leader, follower = pty.openpty()
    # A terminal 120 columns wide and 40 rows high, as a person's window.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdin=follower, stdout=follower,
                            stderr=follower, close_fds=True)
    os.close(follower)
    screen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the crawl has exited
                break
            if not chunk:
                break
            screen += chunk
        elif proc.poll() is not None:
            break
    os.close(leader)
    assert proc.wait(30) == 0, screen.decode(errors="replace")[-3000:]
    text = screen.decode(errors="replace")
    assert "52/52" in text and "100%" in text, text[-3000:]
    assert "\r" in text  # redrawn in place, not one line per update
    assert "progress:" not in text  # the bar instead of the lines


def test_a_crawl_with_failed_posts_ends_on_the_records_counts(mongo_db):
    """The faulty blog: posts that never answer, retries, three URLs of one post. The last
    line says what the record says: all 52 done (4 failed), 48 stored, counted once each."""
    from fixture_site.faults import NEVER_ANSWER, serve_faulty_blog

    server = serve_faulty_blog()
    try:
        uri, db = mongo_db
        result = run_crawl(server.url, uri, db, "-s", "DOWNLOAD_TIMEOUT=2",
                           "-s", "DOWNLOAD_MAXSIZE=1048576", "-s", "RETRY_TIMES=3",
                           env={"PROGRESS": "log", "PROGRESS_INTERVAL_SECONDS": "0.5"})
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 3, result.stderr[-2000:]
    client = pymongo.MongoClient(uri)
    try:
        (record,) = client[db].crawls.find()
    finally:
        client.close()
    posts = record["posts"]
    last = [line for line in result.stderr.splitlines() if " progress: " in line][-1]
    assert f": 52 of 52 posts (48 stored, 0 dropped, {len(NEVER_ANSWER)} failed, " in last, last
    assert (posts["listed"], posts["failed"], posts["stored_new"]) == (52, len(NEVER_ANSWER), 48)
    assert last.endswith("; finished)")
