"""CrawlRecorder: the one component that owns a run's `crawls` document, from start to end.

It is fed by signals (Scrapy's, and `blogcrawler.signals` from the discovery runner, the spider
and the store pipeline), keeps the account of every listed post (`blogcrawler.account`), writes
the document when the run starts, refreshes it every HEARTBEAT_SECONDS while it runs, checks
its figures against what the database holds when it ends, and gives the exit status.

The record (collection `crawls`, one document per run)
------------------------------------------------------
| field | meaning |
|---|---|
| `_id` | the crawl id (`-s CRAWL_ID=...` when the caller names it, else `YYYYmmddTHHMMSSZ-xxxxxx`); every post it wrote carries it as `crawl_id` |
| `site`, `year`, `spider` | what was crawled |
| `status` | `running` (heartbeat fresh), `finished` (the run reached its end), `interrupted` (stopped before its end: Ctrl-C or SIGTERM, a second signal, the database gone, or found dead: see below) |
| `started_at`, `heartbeat_at`, `finished_at` | UTC; `heartbeat_at` is rewritten every HEARTBEAT_SECONDS (10) while running, and last at the end |
| `complete` | true only when the run ended normally (`finish_reason` `finished`), no post failed, none was left unreached, no callback raised and the database holds every post the record says it stored |
| `finish_reason` | `finished`; `shutdown` (one SIGTERM/Ctrl-C: in-flight pages finished and stored); `forced_stop` (a second signal: what was measured was stored, the rest not reached); `database_unavailable`; `limit_listings`, `limit_posts`, `closespider_timeout` (a limit of the run, see `limit`); `no_heartbeat` (the process died without a word, marked by a later run); `killed` (its process was killed, marked by the clock that ran it) |
| `posts` | `{listed, stored_new, updated, unchanged, dropped, failed, not_reached}`: every post URL discovery listed is in exactly one of the six, so they add up to `listed`. Written with each heartbeat too (progress while running: `not_reached` then counts the posts not answered yet) |
| `dropped_by_reason` | `{reason: n}`: `other_year`, `no_date`, `no_title` |
| `failures` | `[{url, kind, reason}]`, the first 1000: `kind` `post` (the page never gave a post), `store` (measured, not stored), `listing` (a listing of the route used), `discovery` (no route found a post); `failures_total` is the full count |
| `not_reached` | the first 1000 post URLs the run did not reach |
| `limit` | which limit ended the run, in a sentence, or null |
| `canonical_ignored` | `[{url, canonical, why}]`: a post whose rel=canonical named another page (the home page, an archive, another post); the post keeps its own URL |
| `aliases` | `{url: post}`: listed URLs that turned out to be another listed post (a redirect) |
| `discovery`, `discovery_skipped`, `listing_requests` | the route that found the posts (null: none did), why each other route tried gave none, listing requests per route |
| `verified` | `{checked, missing}`: at the end the run counted the posts it claims in the database (written by this run when new or updated); `missing` ones were moved to `failed` ("acknowledged but not in the database") |
| `pages`, `requests`, `bytes`, `retries`, `wayback_retries`, `spider_errors` | from Scrapy's stats (`retries`: requests asked again; `wayback_retries`: of them, those that backed off) |

A record left `running` whose `heartbeat_at` is more than STALE_SECONDS (60; the setting
HEARTBEAT_STALE_SECONDS) old belongs to a
process that died without a word (kill -9, out of memory): the next run of the same site marks
it `interrupted` with `finish_reason: no_heartbeat`, keeping its last counts (readers should
treat such a record as interrupted meanwhile).

Exit status of `scrapy crawl blog` (`exit_status()`): 0 the record is complete; 3 anything else
(incomplete or interrupted); the command itself gives 1 (could not start) and 2 (a wrong
argument or setting, or the database unreachable at the start).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from scrapy import signals
from scrapy.exceptions import DropItem
from twisted.internet import task, threads

from blogcrawler import signals as blog_signals
from blogcrawler.account import STORED, Account
from blogcrawler.dates import to_utc
from blogcrawler.storage import Storage, StorageUnavailableError
from blogstats import summaries

logger = logging.getLogger(__name__)

MAX_LISTED = 1000
HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 60.0
FORCED_RETRY_SECONDS = 5.0
EXIT_COMPLETE, EXIT_INCOMPLETE = 0, 3
# Scrapy's close reasons that mean the run was stopped before its end.
INTERRUPTED_REASONS = ("shutdown", "forced_stop", "database_unavailable", "no_heartbeat")


def _now() -> datetime:
    return to_utc(datetime.now(UTC))


def drop_reason(exception) -> str:
    """The reason word of a dropped post (`DropItem("other_year: ...")` -> "other_year")."""
    reason = getattr(exception, "reason", None)
    if reason:
        return reason
    return str(exception).split(":", 1)[0].strip() or type(exception).__name__


def interrupt_record(storage: Storage, crawl_id: str, why: str) -> dict | None:
    """Mark a record whose process ended without finishing it (killed) as interrupted, keeping
    its last counts; returns the record as it now is."""
    now = _now()
    storage.crawls.update_one({"_id": crawl_id, "status": "running"}, {"$set": {
        "status": "interrupted", "complete": False, "finish_reason": "killed",
        "finished_at": now, "note": f"the crawl process ended without finishing its record: {why}"}})
    return storage.crawls.find_one({"_id": crawl_id})


class CrawlRecorder:
    def __init__(self, crawler, storage: Storage, heartbeat_seconds: float = HEARTBEAT_SECONDS,
                 stale_seconds: float = STALE_SECONDS):
        self.crawler = crawler
        self.storage = storage
        self.heartbeat_seconds = heartbeat_seconds
        self.stale_seconds = stale_seconds
        self.account = Account()
        self.crawl_id: str | None = None
        self.site: str | None = None
        self.record: dict | None = None  # the final document, once written
        self.listing_failures: dict[str, list[dict]] = {}  # route -> its failed listings
        self.discovery_failure: dict | None = None
        self.skipped: dict[str, str] = {}
        self.route: str | None = None
        self.limit: str | None = None  # which limit ended the run, in a sentence
        self.limit_code: str | None = None
        self.canonical_ignored: list[dict] = []
        self.callback_errors = 0
        self._heartbeat: task.LoopingCall | None = None
        self._beating = False
        self._started_at: datetime | None = None
        connect = crawler.signals.connect
        connect(self.spider_opened, signal=signals.spider_opened)
        connect(self.spider_closed, signal=signals.spider_closed)
        connect(self.spider_error, signal=signals.spider_error)
        connect(self.item_dropped, signal=signals.item_dropped)
        connect(self.request_dropped, signal=signals.request_dropped)
        connect(self.route_started, signal=blog_signals.route_started)
        connect(self.route_skipped, signal=blog_signals.route_skipped)
        connect(self.post_listed, signal=blog_signals.post_listed)
        connect(self.listing_failed, signal=blog_signals.listing_failed)
        connect(self.limit_reached, signal=blog_signals.limit_reached)
        connect(self.post_measured, signal=blog_signals.post_measured)
        connect(self.post_failed, signal=blog_signals.post_failed)
        connect(self.canonical_ignored_, signal=blog_signals.canonical_ignored)
        connect(self.posts_stored, signal=blog_signals.posts_stored)
        connect(self.posts_not_stored, signal=blog_signals.posts_not_stored)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler, Storage.from_settings(settings),
                   settings.getfloat("HEARTBEAT_SECONDS", HEARTBEAT_SECONDS),
                   settings.getfloat("HEARTBEAT_STALE_SECONDS", STALE_SECONDS))

    @classmethod
    def of(cls, crawler) -> CrawlRecorder | None:
        """The crawler's recorder (the crawl command reads the exit status from it)."""
        extensions = getattr(crawler, "extensions", None)
        for component in getattr(extensions, "middlewares", ()):
            if isinstance(component, cls):
                return component
        return None

    # -- start and heartbeat -----------------------------------------------------------------
    def spider_opened(self, spider):
        self.crawl_id = spider.crawl_id
        self._started_at = now = _now()
        self.site = getattr(spider, "root", None)
        try:
            stale = self.storage.interrupt_stale_crawls(
                self.site, now - timedelta(seconds=self.stale_seconds), {
                    "status": "interrupted", "complete": False, "finish_reason": "no_heartbeat",
                    "finished_at": now,
                    "note": f"marked by crawl {self.crawl_id}: no heartbeat for over "
                            f"{self.stale_seconds:g} s, its process died without a word"})
            if stale:
                logger.warning("%d earlier crawl(s) of %s had stopped without a word (no "
                               "heartbeat): marked interrupted", stale, self.site)
            self.storage.start_crawl({
                "_id": self.crawl_id, "spider": spider.name, "site": self.site,
                "year": getattr(spider, "year", None), "status": "running",
                "started_at": now, "heartbeat_at": now, "complete": False,
                "finish_reason": None, "posts": self.account.counts()})
        except StorageUnavailableError as exc:
            logger.error("crawl record not written: %s", exc)
        self._heartbeat = task.LoopingCall(self.beat)
        self._heartbeat.start(self.heartbeat_seconds, now=False)

    def progress(self) -> dict:
        return {"heartbeat_at": _now(), "posts": self.account.counts(),
                "discovery": self.route, "pages": self._stat("response_received_count")}

    def beat(self):
        """Say the run is alive, with its counts; one try in a thread, never two at once."""
        if self._beating or self.crawl_id is None:
            return None
        self._beating = True
        fields = self.progress()

        def done(result):
            self._beating = False
            return None

        def failed(failure):
            logger.warning("crawl heartbeat not written: %s", failure.getErrorMessage()[:200])

        d = threads.deferToThread(self.storage.heartbeat, self.crawl_id, fields)
        d.addErrback(failed)
        d.addBoth(done)
        return None  # the LoopingCall does not wait for a slow database

    def _stop_heartbeat(self):
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()

    # -- discovery ---------------------------------------------------------------------------
    def route_started(self, route):
        self.route = route

    def route_skipped(self, route, reason):
        self.skipped[route] = reason
        if self.route == route:
            self.route = None

    def post_listed(self, url, route):
        self.account.listed(url)

    def listing_failed(self, url, route, reason, kind="listing"):
        failure = {"url": url, "kind": kind, "reason": reason}
        if kind == "discovery":
            self.discovery_failure = failure
        else:
            self.listing_failures.setdefault(route, []).append(failure)

    def limit_reached(self, code, reason):
        if self.limit is None:
            self.limit, self.limit_code = reason, code

    # -- pages -------------------------------------------------------------------------------
    def post_measured(self, listed, url):
        owner = self.account.measured(listed, url)
        if owner is not None:
            logger.info("%s is the same page as %s: counted once", listed, owner)

    def post_failed(self, url, reason):
        self.account.failed(url, reason)

    def canonical_ignored_(self, url, canonical, why):
        self.canonical_ignored.append({"url": url, "canonical": canonical, "why": why})

    def spider_error(self, failure, response, spider):
        """A page whose callback raised: its post is lost to this run."""
        self.callback_errors += 1
        request = response.request
        kwargs = request.cb_kwargs if request is not None else {}
        reason = (f"error while reading the page: {failure.type.__name__}: "
                  f"{failure.getErrorMessage()}")[:300]
        listed = kwargs.get("listed")
        if listed:
            self.account.failed(listed, reason)
        else:
            self.listing_failed(response.url, kwargs.get("route", "?"), reason)

    def request_dropped(self, request, spider):
        """The scheduler refused a post request as already seen: a redirect to a page already
        asked for (an alias), or a post fetched by an earlier run of this job (JOBDIR)."""
        listed = request.cb_kwargs.get("listed")
        if not listed:
            return
        if request.meta.get("redirect_urls"):
            self.account.alias(listed, request.url)
        else:
            self.account.seen_before(listed)

    # -- pipelines ---------------------------------------------------------------------------
    def item_dropped(self, item, response, exception, spider):
        if isinstance(exception, DropItem) and item.get("url"):
            self.account.dropped(item["url"], drop_reason(exception))

    def posts_stored(self, result):
        for state, urls in zip(STORED, (result.new_urls, result.updated_urls,
                                        result.unchanged_urls), strict=True):
            for url in urls:
                self.account.stored(url, state)
        for url, size in result.too_large.items():
            self.account.not_stored(url, f"too large for one MongoDB document "
                                         f"({size / 2**20:.1f} MB of at most 16 MB)")

    def posts_not_stored(self, urls, reason):
        for url in urls:
            self.account.not_stored(url, reason)

    # -- the end -----------------------------------------------------------------------------
    def spider_closed(self, spider, reason):
        self.finish(reason)

    def abort(self, reason: str = "forced_stop") -> None:
        """After a forced stop (the reactor stopped before the spider closed): store what was
        measured, then write the record as interrupted. Synchronous: no reactor is running."""
        if self.record is not None:
            return
        self.crawler.signals.send_catch_log(blog_signals.flush_now)
        # A PaaS kills the process 30 s after its first SIGTERM: no long retries now.
        self.finish(reason, retry_seconds=FORCED_RETRY_SECONDS)

    def verify(self) -> int:
        """Count in the database the posts the account says were stored: a post not there
        (acknowledged, then lost) becomes a failure. Returns how many were missing."""
        account = self.account
        written = account.unsettled("stored_new", "updated")
        unchanged = account.unsettled("unchanged")
        year = getattr(self.crawler.spider, "year", None)
        present = self.storage.stored_by([account.posts[u].doc or u for u in written],
                                         self.crawl_id, site=self.site, year=year)
        present |= self.storage.stored_by([account.posts[u].doc or u for u in unchanged],
                                          site=self.site, year=year)
        missing = 0
        for url in written + unchanged:
            entry = account.posts[url]
            if (entry.doc or url) not in present:
                missing += 1
                entry.state, entry.kind = "failed", "store"
                entry.reason = "acknowledged by the database but not in it at the end of the run"
        self._settle_seen_before()
        return missing

    def _settle_seen_before(self) -> None:
        """Posts a resumed job (JOBDIR) did not fetch again because an earlier run of it did:
        unchanged when the database holds them (under their URL, with or without its trailing
        slash), the same post as another listed one, else a failure that says what to do."""
        account = self.account
        seen = account.unsettled("seen_before")
        variants = {url: {url, url.rstrip("/"), url.rstrip("/") + "/"} for url in seen}
        held = self.storage.stored_by({v for vs in variants.values() for v in vs})
        for url in seen:
            other = next((v for v in sorted(variants[url]) if v != url and v in account.posts),
                         None)
            if other is not None:
                account.alias(url, other)
            elif variants[url] & held:
                account.posts[url].state = "unchanged"
            else:
                account.failed(url, "fetched by an earlier run of this job (JOBDIR) but not in "
                                    "the database; remove the job directory to fetch it again")

    def finish(self, reason: str, retry_seconds: float | None = None) -> dict:
        self._stop_heartbeat()
        if self.record is not None:
            return self.record
        ended_normally = reason == "finished" and self.limit is None
        checked = missing = None
        try:
            missing = self.verify()
            checked = True
        except Exception as exc:  # the database is gone: nothing stored can be vouched for
            logger.error("could not check the stored posts against the database: %s",
                         str(exc)[:300])
            checked = False
            for url in self.account.unsettled(*STORED):
                self.account.posts[url].state = "failed"
                self.account.posts[url].kind = "store"
                self.account.posts[url].reason = "not confirmed: the database did not answer"
        self.account.close(ended_normally)
        if self.limit is not None and reason == "finished":
            reason = self.limit_code
        if reason == "closespider_timeout" and self.limit is None:
            hours = self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT") / 3600
            self.limit = f"the run took longer than {hours:g} h (CRAWL_MAX_HOURS)"
        record = self.outcome(reason, checked, missing)
        self.record = record
        self.crawler.stats.set_value("blog/complete", record["complete"])
        counts = record["posts"]
        logger.info(
            "crawl %s %s: %d posts listed: %d new, %d updated, %d unchanged, %d dropped, "
            "%d failed, %d not reached", self.crawl_id,
            "complete" if record["complete"] else f"INCOMPLETE ({reason})", counts["listed"],
            counts["stored_new"], counts["updated"], counts["unchanged"], counts["dropped"],
            counts["failed"], counts["not_reached"])
        try:
            self.storage.finish_crawl(self.crawl_id, record, retry_seconds)
            # In a worker, a crawl it stopped is run again from its queue: that crawl writes it.
            if reason != "shutdown" or self.crawler.settings.getbool("SUMMARY_AT_SHUTDOWN", True):
                summaries.after_crawl(
                    self.storage, self.site, getattr(self.crawler.spider, "year", None),
                    {"_id": self.crawl_id, "started_at": self._started_at, **record})
        except Exception as exc:
            logger.error("crawl record not written: %s", str(exc)[:300])
        finally:
            self.storage.close()
        return record

    def outcome(self, reason: str, checked: bool | None, missing: int | None) -> dict:
        counts = self.account.counts()
        failures = self.account.failures()
        # Listings of the route used count; those of a route that gave nothing are its reason.
        for route, listed in self.listing_failures.items():
            if route not in self.skipped:
                failures += listed
        if self.discovery_failure:
            failures.append(self.discovery_failure)
        spider_errors = self._stat("spider_exceptions/count")
        complete = (reason == "finished" and not failures and counts["not_reached"] == 0
                    and not spider_errors and not self.callback_errors and checked is True)
        status = "interrupted" if reason in INTERRUPTED_REASONS else "finished"
        stats = self.crawler.stats.get_stats()
        now = _now()
        return {
            "status": status,
            "finished_at": now,
            "heartbeat_at": now,
            "complete": complete,
            "finish_reason": reason,
            "posts": counts,
            "dropped_by_reason": self.account.dropped_by_reason(),
            "failures": failures[:MAX_LISTED],
            "failures_total": len(failures),
            "not_reached": self.account.not_reached()[:MAX_LISTED],
            "limit": self.limit,
            "canonical_ignored": self.canonical_ignored[:MAX_LISTED],
            "aliases": dict(list(self.account.aliases.items())[:MAX_LISTED]),
            "discovery": stats.get("blog/discovery"),
            "discovery_skipped": dict(self.skipped),
            "listing_requests": {k.rsplit("/", 1)[1]: v for k, v in stats.items()
                                 if k.startswith("blog/listing_requests/")},
            "verified": {"checked": checked, "missing": missing},
            "pages": stats.get("response_received_count", 0),
            "requests": stats.get("downloader/request_count", 0),
            "bytes": stats.get("downloader/response_bytes", 0),
            "retries": stats.get("retry/count", 0),
            "wayback_retries": stats.get("blog/backoff_retries", 0),
            "spider_errors": max(spider_errors, self.callback_errors),
        }

    def _stat(self, key: str) -> int:
        return self.crawler.stats.get_value(key, 0) or 0

    def exit_status(self) -> int:
        return EXIT_COMPLETE if self.record and self.record["complete"] else EXIT_INCOMPLETE
