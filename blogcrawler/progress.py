"""Progress while crawling: a bar on a terminal, a log line every few seconds otherwise.

`Progress` is a Scrapy extension fed by signals: it counts the posts a crawl has found, the posts
it is done with (measured or failed) and the pages it fetched, and shows them as `PROGRESS`
says (`auto`: a bar when stderr is a terminal, else a line every `PROGRESS_INTERVAL_SECONDS`;
`bar`; `log`; `off`). Without it a polite crawl of a big blog prints nothing for many minutes
between "crawling" and "finished". The worker reads the same counters (`snapshot()`) into its
jobs' `progress`; the batch command draws its jobs with the same displays (`make_display`).

The bar is tqdm's (well kept, draws correctly on any terminal width, and its logging redirect
keeps log lines from breaking the bar).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from typing import TextIO
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

MODES = ("auto", "bar", "log", "off")


def is_post_request(request) -> bool:
    """A request for a post page (not a listing, robots.txt or an asset): the spider marks its
    post requests with `cb_kwargs["kind"] == "post"`."""
    return request.cb_kwargs.get("kind") == "post"


def asked(request) -> str:
    """The URL the spider asked for (a redirected request carries the URLs it went through)."""
    return request.meta.get("redirect_urls", [request.url])[0]


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
    """The extension: counters fed by signals, shown by a Display."""

    def __init__(self, crawler, mode: str = "auto", interval: float = 5.0):
        self.crawler = crawler
        self.mode, self.interval = mode, interval
        self.found: set[str] = set()
        self.done: set[str] = set()
        self.measured_urls: set[str] = set()
        self.pages = 0
        self.started = time.monotonic()
        self.display: Display = Display()
        self._task = None
        for handler, signal in ((self.spider_opened, signals.spider_opened),
                                (self.spider_closed, signals.spider_closed),
                                (self.request_scheduled, signals.request_scheduled),
                                (self.request_left_downloader, signals.request_left_downloader),
                                (self.response_received, signals.response_received)):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        mode = str(settings.get("PROGRESS", "auto")).strip().lower()
        if mode not in MODES:
            mode = "auto"
        return cls(crawler, mode, settings.getfloat("PROGRESS_INTERVAL_SECONDS", 5.0))

    # -- what the worker reads -----------------------------------------------------------------
    @property
    def measured(self) -> int:
        return len(self.measured_urls)

    def snapshot(self) -> dict:
        return {"posts_found": len(self.found), "posts_done": len(self.done),
                "posts_measured": self.measured, "pages": self.pages}

    def detail(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (f"{self.measured} measured, {self.pages} pages, "
                f"{self.pages / elapsed:.1f} pages/s")

    # -- signals -------------------------------------------------------------------------------
    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        root = getattr(spider, "root", "") or ""
        label = f"{urlsplit(root).netloc or spider.name} {getattr(spider, 'year', '')}".strip()
        self.display = make_display(self.mode, label, "posts", self.interval)
        if isinstance(self.display, LogDisplay):
            self._task = create_looping_call(self._show)
            self._task.start(self.interval, now=False)

    def spider_closed(self, spider, reason) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        self.display.update(len(self.done), len(self.found))
        self.display.close(f"{self.detail()}; {reason}")

    def request_scheduled(self, request, spider) -> None:
        if is_post_request(request) and asked(request) not in self.found:
            self.found.add(asked(request))
            self._show()

    def request_left_downloader(self, request, spider) -> None:
        if is_post_request(request) and asked(request) not in self.done:
            self.done.add(asked(request))
            self._show()

    def response_received(self, response, request, spider) -> None:
        self.pages += 1
        # A post page is measured by its callback as soon as it arrives (items reach the
        # item_scraped signal only once the storage pipeline has written their batch).
        if is_post_request(request) and response.status < 300:
            self.measured_urls.add(asked(request))

    def _show(self) -> None:
        self.display.update(len(self.done), len(self.found), self.detail())
