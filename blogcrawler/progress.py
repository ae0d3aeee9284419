"""Progress while crawling: a bar on a terminal, a log line every few seconds otherwise.

`Progress` is a Scrapy extension that shows the crawl record's own account of the posts (the
`CrawlRecorder`'s, blogcrawler/extensions.py): posts done (measured and stored, dropped or
failed) of posts listed, so the bar, the log lines, the jobs' `progress` and the `crawls` record
never disagree. It shows them as `PROGRESS` says (`auto`: a bar when stderr is a terminal, else a
line every `PROGRESS_INTERVAL_SECONDS`; `bar`; `log`; `off`). Without it a polite crawl of a big
blog prints nothing for many minutes between "crawling" and "finished". The worker reads the
same figures (`snapshot()`) into its jobs' `progress`; the batch command draws its jobs with the
same displays (`make_display`).

The bar is tqdm's (well kept, draws correctly on any terminal width, and its logging redirect
keeps log lines from breaking the bar).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Mapping
from typing import TextIO
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from blogcrawler.extensions import CrawlRecorder

MODES = ("auto", "bar", "log", "off")


# How often a bar is redrawn from the account (a log line waits PROGRESS_INTERVAL_SECONDS).
BAR_REFRESH_SECONDS = 0.5


def posts_done(posts: Mapping) -> int:
    """Posts the run is done with (stored, unchanged, dropped or failed) of a record's `posts`
    counts: the listed ones less those not reached (while running: not answered yet)."""
    return max(0, int(posts.get("listed", 0)) - int(posts.get("not_reached", 0)))


def describe_posts(posts: Mapping) -> str:
    """`40 stored, 2 dropped, 1 failed` from a record's `posts` counts."""
    stored = sum(int(posts.get(k, 0)) for k in ("stored_new", "updated", "unchanged"))
    return f"{stored} stored, {posts.get('dropped', 0)} dropped, {posts.get('failed', 0)} failed"


def choose_mode(mode: str, stream: TextIO) -> str:
    if mode == "auto":
        isatty = getattr(stream, "isatty", None)
        return "bar" if isatty and isatty() else "log"
    return mode


class Display:
    """Shows a count of a total; the base shows nothing."""

    def update(self, done: int, total: int, detail: str = "") -> None:
        pass

    def close(self, detail: str = "") -> None:
        pass


def _line_writer(stream: TextIO):
    """Progress lines go to the stream whatever LOG_LEVEL says (PROGRESS=off silences them):
    `make demo` quiets Scrapy's log to WARNING and still shows how far the crawl is."""
    def write(fmt: str, *args) -> None:
        print(f"{time.strftime('%H:%M:%S')} progress: {fmt % args}", file=stream, flush=True)
    return write


class LogDisplay(Display):
    """One line at most every `interval` seconds (and one at the end)."""

    def __init__(self, label: str, unit: str, interval: float, log=None):
        self.label, self.unit, self.interval = label, unit, interval
        self.log = log or _line_writer(sys.stderr)
        self._last = time.monotonic()
        self._state = (0, 0, "")

    def update(self, done: int, total: int, detail: str = "") -> None:
        self._state = (done, total, detail)
        if time.monotonic() - self._last >= self.interval:
            self._emit()

    def close(self, detail: str = "") -> None:
        done, total, old = self._state
        self._state = (done, total, detail or old)
        self._emit()

    def _emit(self) -> None:
        self._last = time.monotonic()
        done, total, detail = self._state
        self.log("%s: %d of %d %s%s", self.label, done, total, self.unit,
                 f" ({detail})" if detail else "")


class _AboveTheBar:
    """A stream for a log handler that writes each line above the bar (tqdm.write), so log
    lines never break it. (tqdm's own logging_redirect_tqdm replaces the handler and loses its
    level: LOG_LEVEL=WARNING would then show DEBUG lines.)"""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> None:
        from tqdm import tqdm

        text = text.rstrip("\n")
        if text:
            tqdm.write(text, file=self.stream)

    def flush(self) -> None:
        self.stream.flush()


class BarDisplay(Display):
    """A tqdm bar on `stream`; the root logger's console lines are written above it."""

    def __init__(self, label: str, unit: str, stream: TextIO):
        from tqdm import tqdm

        self._restore = contextlib.ExitStack()
        for handler in logging.root.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is stream:
                handler.setStream(_AboveTheBar(stream))
                self._restore.callback(handler.setStream, stream)
        self.bar = tqdm(desc=label, unit=unit, total=0, file=stream, dynamic_ncols=True,
                        leave=True, mininterval=0.5)

    def update(self, done: int, total: int, detail: str = "") -> None:
        bar = self.bar
        if total != bar.total:
            bar.total = total
        bar.n = done
        if detail:
            bar.set_postfix_str(detail, refresh=False)
        bar.refresh()

    def close(self, detail: str = "") -> None:
        if detail:
            self.bar.set_postfix_str(detail, refresh=False)
        self.bar.close()
        self._restore.close()


def make_display(mode: str, label: str, unit: str, interval: float,
                 stream: TextIO | None = None, log=None) -> Display:
    stream = stream or sys.stderr
    chosen = choose_mode(mode, stream)
    if chosen == "bar":
        return BarDisplay(label, unit, stream)
    if chosen == "log":
        return LogDisplay(label, unit, interval, log or _line_writer(stream))
    return Display()


class Progress:
    """The extension: the record's account of the posts, shown by a Display."""

    def __init__(self, crawler, mode: str = "auto", interval: float = 5.0):
        self.crawler = crawler
        self.mode, self.interval = mode, interval
        self.started = time.monotonic()
        self.display: Display = Display()
        self.latest: dict | None = None  # the last snapshot (read by the worker's threads)
        self._task = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        mode = str(settings.get("PROGRESS", "auto")).strip().lower()
        if mode not in MODES:
            mode = "auto"
        return cls(crawler, mode, settings.getfloat("PROGRESS_INTERVAL_SECONDS", 5.0))

    # -- what the worker reads -----------------------------------------------------------------
    def snapshot(self) -> dict | None:
        """`{"posts": {listed, stored_new, ...}, "pages": n}`: the record's counts now (its
        final ones once the run ended). Call it on the reactor's thread; other threads read
        `latest`, which the extension refreshes there."""
        recorder = CrawlRecorder.of(self.crawler)
        if recorder is None:
            return None
        record = recorder.record
        posts = dict(record["posts"]) if record else recorder.account.counts()
        pages = self.crawler.stats.get_value("response_received_count", 0) or 0
        return {"posts": posts, "pages": pages}

    def detail(self, snapshot: Mapping) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        pages = snapshot["pages"]
        return f"{describe_posts(snapshot['posts'])}, {pages} pages, {pages / elapsed:.1f} pages/s"

    # -- signals -------------------------------------------------------------------------------
    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        root = getattr(spider, "root", "") or ""
        label = f"{urlsplit(root).netloc or spider.name} {getattr(spider, 'year', '')}".strip()
        self.display = make_display(self.mode, label, "posts", self.interval)
        # A display redraws often and gates its own lines; with no display (a worker's crawls)
        # the counts only need refreshing for the worker's next heartbeat.
        shown = type(self.display) is not Display
        every = min(BAR_REFRESH_SECONDS, self.interval / 2) if shown else self.interval
        self._task = create_looping_call(self._show)
        self._task.start(every, now=False)

    def spider_closed(self, spider, reason) -> None:
        # The recorder (an extension before this one) has closed its account by now: these are
        # the record's final counts.
        if self._task is not None and self._task.running:
            self._task.stop()
        snapshot = self._refresh()
        if snapshot is None:
            return
        self.display.update(posts_done(snapshot["posts"]), snapshot["posts"]["listed"])
        self.display.close(f"{self.detail(snapshot)}; {reason}")

    def _refresh(self) -> dict | None:
        self.latest = self.snapshot()
        return self.latest

    def _show(self) -> None:
        snapshot = self._refresh()
        if snapshot is not None:
            self.display.update(posts_done(snapshot["posts"]), snapshot["posts"]["listed"],
                                self.detail(snapshot))
