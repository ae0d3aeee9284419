"""The jobs of the many-blogs mode and the list of blogs, in MongoDB: what the batch command
enqueues, what the workers update, what `--status` and the dashboard read (the dashboard has a
read-only user and no Redis, so every state a person sees lives here, not in the queue).

Collection `jobs` (MONGODB_JOBS_COLLECTION), one document per blog-year:

    _id           "<site>|<year>", e.g. "https://blog.example/|2015"
    site          the blog's root URL as the crawler stores it in `posts.site` (with its "/")
    year          the calendar year crawled (int)
    state         "queued" | "running" | "done" | "failed"
    token         the id of the current enqueue: a queue message that carries another token is
                  stale (the job was enqueued again since) and is dropped by the worker
    enqueued_at   when it was (last) enqueued; started_at, finished_at, heartbeat_at likewise
                  (UTC; heartbeat_at is renewed every JOB_LEASE_SECONDS/6 while running)
    attempts      how many times a worker started this enqueue's crawl: 1 normally, 2 or more
                  when it was retried (its worker was killed, or stopped by a shutdown)
    lost          how many of those attempts ended with their worker gone (kill -9, out of
                  memory, machine lost); JOB_MAX_ATTEMPTS lost attempts make the job failed
    worker        "<host>:<pid>" of the worker running it (or that ran it last)
    crawl_id      the latest attempt's crawl (`crawls._id`), set when the attempt starts: the
                  worker names each crawl (its CRAWL_ID setting), so its record is found
                  before, during and after it runs
    progress      {"posts": {listed, stored_new, updated, unchanged, dropped, failed,
                  not_reached}, "pages": n}: the crawl record's own counts (the same account,
                  read through the crawler), renewed with the heartbeat; the final figures
                  once it ended. Posts done = listed - not_reached
    outcome       when the crawl ended: {"complete", "finish_reason", "status", "exit",
                  "posts", "pages", "failures", "limit"} from the crawl record as it was
                  written; `exit` is what `scrapy crawl blog` would have exited with
                  (0 complete, 3 incomplete or interrupted)
    error         when failed: one sentence saying why (the crawl could not start, its worker
                  died JOB_MAX_ATTEMPTS times, ...)
    history       one entry per attempt: {"attempt", "worker", "crawl_id", "started_at",
                  "ended_at", "ended": "finished" | "failed" | "worker lost" | "shutdown" |
                  "lease lost", "reason"}

A job moves queued -> running -> done | failed; a running job whose worker is lost goes back to
running under the next worker (attempts + 1, lost + 1, history says "worker lost"; the lost
attempt's crawl record, left `running` by the dead process, is marked `interrupted` with
`finish_reason: no_heartbeat` at once, as the crawl record's rules say); a worker
stopped by a shutdown puts its jobs back to queued (history says "shutdown"); a worker that
lost its lease on the blog (Redis away longer than JOB_LEASE_SECONDS) puts the job back to queued
under a new token and sends it again (history says "lease lost"). A job still `running` whose
last crawl has closed its record was not lost: its worker could not write the job's end (the
database was away): the next worker given the message closes it as `done` from that record
(the crawl ran to its end), or runs it again without counting a lost worker (the crawl was
stopped by a shutdown). `done` means the crawl ran to its end: `outcome.complete` says whether
every post of the year was stored.

Collection `blogs` (MONGODB_BLOGS_COLLECTION), one document per blog:

    _id, url      the blog's root URL (as `site` above)
    name          a name given with the URL (or its host)
    added_at      when it was first added
    years         the years enqueued for it so far

Every change below is one atomic conditional update on one document, so two batch commands or
two workers racing for the same job can never both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from blogcrawler.extensions import EXIT_COMPLETE, EXIT_INCOMPLETE
from blogstats.mongo import SharedClient

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)
MAX_HISTORY = 50  # attempts kept per job (a poison blog stops at JOB_MAX_ATTEMPTS anyway)
# Finish reasons of a crawl stopped from outside (its worker's shutdown or lost lease, a second
# signal): the crawl did not run to its end, but its worker did not die either.
STOPPED_FROM_OUTSIDE = ("shutdown", "forced_stop")


def now() -> datetime:
    # MongoDB keeps milliseconds: round here so what we compare is what is stored.
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def job_id(site: str, year: int) -> str:
    return f"{site}|{year}"


def outcome_of(record: Mapping | None) -> dict:
    """The job's `outcome` from the crawl's record as it was written: its verdict, its posts
    counts, and the exit status `scrapy crawl blog` gives for it (0 complete; 3 incomplete or
    interrupted, and when there is no record to vouch for the crawl)."""
    if not record:
        return {"complete": False, "finish_reason": None, "status": None, "exit": EXIT_INCOMPLETE,
                "posts": {}, "pages": 0, "failures": 0, "limit": None,
                "note": "the crawl left no record: nothing vouches for what it stored"}
    complete = record.get("complete") is True
    return {"complete": complete,
            "finish_reason": record.get("finish_reason"),
            "status": record.get("status"),
            "exit": EXIT_COMPLETE if complete else EXIT_INCOMPLETE,
            "posts": dict(record.get("posts") or {}),
            "pages": record.get("pages", 0),
            "failures": record.get("failures_total", len(record.get("failures") or [])),
            "limit": record.get("limit")}


def how_it_ended(record: Mapping | None) -> str | None:
    """How the crawl of a job left `running` ended, as its record says: "finished" (it ran to
    its end and closed its record: its worker only failed to write the job's end), "stopped"
    (its worker stopped it: shutdown or lost lease), None (no closed record: its worker died,
    or the record was marked `no_heartbeat` for it)."""
    if not record or record.get("status") in (None, "running"):
        return None
    reason = record.get("finish_reason")
    if reason == "no_heartbeat":
        return None
    return "stopped" if reason in STOPPED_FROM_OUTSIDE else "finished"


@dataclass(frozen=True)
class Enqueued:
    """What `enqueue` did with one blog-year: `token` is set when a message must be sent."""

    site: str
    year: int
    token: str | None
    state_before: str | None  # None: a new job

    @property
    def sent(self) -> bool:
        return self.token is not None


@dataclass(frozen=True)
class Attempt:
    """A worker's claim on a job for one attempt (what `start` returns)."""

    id: str
    site: str
    year: int
    token: str
    number: int
    worker: str
    crawl_id: str


class JobStore:
    """The `jobs` and `blogs` collections, through the process's shared client for the URI
    (blogstats.mongo: a worker's jobs store and its crawls use one client)."""

    def __init__(self, uri: str, database: str, jobs: str = "jobs", blogs: str = "blogs",
                 crawls: str = "crawls", timeout: float = 5.0, appname: str = "blogstats-batch"):
        self.uri, self.database_name = uri, database
        self.jobs_name, self.blogs_name, self.crawls_name = jobs, blogs, crawls
        self.timeout, self.appname = timeout, appname
        self._shared = SharedClient(uri, timeout_seconds=timeout, appname=appname)

    @classmethod
    def from_config(cls, config, appname: str = "blogstats-batch") -> JobStore:
        return cls(config.mongodb_uri, config.mongodb_database, config.mongodb_jobs_collection,
                   config.mongodb_blogs_collection, config.mongodb_crawls_collection,
                   config.mongodb_timeout_seconds, appname)

    @property
    def client(self):
        return self._shared.client

    @property
    def jobs(self):
        return self.client[self.database_name][self.jobs_name]

    @property
    def blogs(self):
        return self.client[self.database_name][self.blogs_name]

    @property
    def crawls(self):
        return self.client[self.database_name][self.crawls_name]

    def close(self) -> None:
        self._shared.close()

    def ensure_indexes(self) -> None:
        self.jobs.create_index([("state", ASCENDING), ("enqueued_at", ASCENDING)],
                               name="state_enqueued")
        self.jobs.create_index([("site", ASCENDING), ("year", ASCENDING)], name="site_year")

    # -- the list of blogs ---------------------------------------------------------------------
    def add_blog(self, site: str, name: str | None, year: int) -> None:
        """Add the blog to the list (once), with the year asked for; a name given replaces the
        one stored."""
        update: dict[str, Any] = {"$setOnInsert": {"url": site, "added_at": now()},
                                  "$addToSet": {"years": year}}
        if name:
            update["$set"] = {"name": name}
        else:
            update["$setOnInsert"]["name"] = urlsplit(site).netloc or site
        self.blogs.update_one({"_id": site}, update, upsert=True)

    def list_blogs(self) -> list[dict]:
        return list(self.blogs.find().sort("_id", ASCENDING))

    # -- the batch command's side --------------------------------------------------------------
    def enqueue(self, site: str, year: int, recrawl: bool = False, force: bool = False,
                lease_seconds: float | None = None) -> Enqueued:
        """Mark the blog-year queued under a new token, unless it is already queued or running
        (or done, without `recrawl`); `force` replaces a queued job's token too (its message,
        if any, then goes stale), for a queue that lost its messages, and takes over a running
        job whose heartbeat is older than `lease_seconds` (its worker is gone, and its message
        may be gone with the queue's data: nothing else would ever run it)."""
        busy = [RUNNING] + ([] if force else [QUEUED]) + ([] if recrawl else [DONE])
        moment = now()
        token = uuid.uuid4().hex
        fields = {"site": site, "year": year, "state": QUEUED, "token": token,
                  "enqueued_at": moment, "attempts": 0, "lost": 0, "history": [],
                  "started_at": None, "finished_at": None, "heartbeat_at": None,
                  "progress": None, "outcome": None, "error": None}
        filter_: dict[str, Any] = {"_id": job_id(site, year), "state": {"$nin": busy}}
        if force and lease_seconds is not None:
            filter_ = {"_id": filter_["_id"], "$or": [
                {"state": {"$nin": busy}},
                {"state": RUNNING,
                 "heartbeat_at": {"$lt": moment - timedelta(seconds=lease_seconds)}}]}
        before = None
        try:
            before = self.jobs.find_one_and_update(
                filter_, {"$set": fields},
                upsert=True, return_document=ReturnDocument.BEFORE,
                projection={"state": 1, "crawl_id": 1, "worker": 1})
        except DuplicateKeyError:
            # The job exists in a state that keeps it: nothing to send.
            existing = self.jobs.find_one({"_id": job_id(site, year)}, {"state": 1}) or {}
            return Enqueued(site, year, None, existing.get("state"))
        if before and before.get("state") == RUNNING:  # taken over from its lost worker
            self.interrupt_lost_crawl(before.get("crawl_id"), before.get("worker"))
        return Enqueued(site, year, token, before.get("state") if before else None)

    def undo_enqueue(self, enqueued: Enqueued) -> None:
        """The message could not be sent: say so on the job, so it is enqueued again next time
        (a failed job is never skipped)."""
        self.jobs.update_one(
            {"_id": job_id(enqueued.site, enqueued.year), "token": enqueued.token,
             "state": QUEUED},
            {"$set": {"state": FAILED, "error": "its queue message could not be sent; "
                                                 "enqueue it again"}})

    def status(self) -> list[dict]:
        return list(self.jobs.find().sort([("site", ASCENDING), ("year", ASCENDING)]))

    # -- the worker's side ---------------------------------------------------------------------
    def start(self, site: str, year: int, token: str, worker: str, max_lost: int,
              crawl_id: str) -> tuple[Attempt | None, str]:
        """Claim the job for a new attempt, whose crawl will be `crawl_id`. The caller holds
        the blog's lease, so a job still `running` was left by a worker that is gone or that
        could not write the job's end; its last crawl's record tells which (`how_it_ended`):
        a crawl that ran to its end closes the job as done, one stopped by its worker is run
        again, else the worker was lost (counted; its crawl record is marked interrupted).
        Returns (attempt, why): attempt None when there is nothing to run (why says: stale,
        finished, or failed now)."""
        key = job_id(site, year)
        doc = self.jobs.find_one({"_id": key})
        if doc is None or doc.get("token") != token:
            return None, "stale: the job was enqueued again or removed since this message"
        if doc["state"] in (DONE, FAILED):
            return None, f"already {doc['state']}"
        moment = now()
        attempts, lost = doc.get("attempts", 0), doc.get("lost", 0)
        update: dict[str, Any] = {}
        filter_ = {"_id": key, "token": token, "state": doc["state"], "attempts": attempts}
        if doc["state"] == RUNNING:  # its previous attempt's worker is gone or failed to write
            record = self.crawl_record(doc.get("crawl_id"))
            ended = how_it_ended(record)
            entry = {"attempt": attempts, "worker": doc.get("worker"),
                     "crawl_id": doc.get("crawl_id"), "started_at": doc.get("started_at")}
            if ended == "finished":
                return self._close_as_recorded(filter_, entry, record, moment)
            if ended == "stopped":
                entry.update(ended_at=record.get("finished_at") or doc.get("heartbeat_at"),
                             ended="shutdown", reason=f"its crawl was stopped "
                             f"({record.get('finish_reason')}) and its worker could not put "
                             "the job back (the database did not answer)")
            else:
                lost += 1
                self.interrupt_lost_crawl(doc.get("crawl_id"), doc.get("worker"))
                entry.update(ended_at=doc.get("heartbeat_at"), ended="worker lost",
                             reason="its worker stopped answering (killed, out of memory or "
                                    "restarted)")
            update["$push"] = {"history": {"$each": [entry], "$slice": -MAX_HISTORY}}
        if lost >= max_lost:
            update["$set"] = {
                "state": FAILED, "lost": lost, "finished_at": moment,
                "error": f"its worker died while crawling it ({_times(lost)}: killed or out "
                         "of memory); not tried again: enqueue it again to retry"}
            self.jobs.update_one(filter_, update)
            return None, "failed: " + update["$set"]["error"]
        update["$set"] = {"state": RUNNING, "attempts": attempts + 1, "lost": lost,
                          "worker": worker, "started_at": moment, "heartbeat_at": moment,
                          "crawl_id": crawl_id, "progress": None, "outcome": None}
        if self.jobs.update_one(filter_, update).modified_count != 1:
            return None, "taken: another worker claimed it at the same moment"
        return Attempt(key, site, year, token, attempts + 1, worker, crawl_id), "started"

    def _close_as_recorded(self, filter_: dict, entry: dict, record: Mapping,
                           moment: datetime) -> tuple[None, str]:
        """The previous attempt's crawl ran to its end and closed its record, but its worker
        could not write the job's end (the database was away longer than MONGODB_RETRY_SECONDS,
        so the message came back): the job ends as that record says; the blog is not crawled
        again and no worker is counted lost."""
        outcome = outcome_of(record)
        ended_at = record.get("finished_at") or moment
        entry.update(ended_at=ended_at, ended="finished", reason=outcome["finish_reason"])
        result = self.jobs.update_one(filter_, {
            "$set": {"state": DONE, "finished_at": ended_at, "heartbeat_at": moment,
                     "outcome": outcome, "error": None,
                     "progress": {"posts": dict(record.get("posts") or {}),
                                  "pages": record.get("pages", 0)}},
            "$push": {"history": {"$each": [entry], "$slice": -MAX_HISTORY}}})
        if result.modified_count != 1:
            return None, "taken: another worker claimed it at the same moment"
        return None, ("done: its crawl had ended and recorded its outcome; its worker could "
                      "not write the job's end")

    def interrupt_lost_crawl(self, crawl_id: str | None, worker: str | None) -> bool:
        """The crawl of an attempt whose worker is gone: its record, left `running` by a
        process that died without a word, says so now (as a later crawl of the blog would
        once its heartbeat is 60 s old), keeping its last counts."""
        if not crawl_id:
            return False
        result = self.crawls.update_one({"_id": crawl_id, "status": "running"}, {"$set": {
            "status": "interrupted", "complete": False, "finish_reason": "no_heartbeat",
            "finished_at": now(),
            "note": f"marked by the batch worker that took over its job: its worker "
                    f"({worker or 'unknown'}) stopped renewing its lease, killed or lost"}})
        return result.modified_count == 1

    def _mine(self, attempt: Attempt) -> dict:
        return {"_id": attempt.id, "token": attempt.token, "attempts": attempt.number,
                "state": RUNNING}

    def heartbeat(self, attempt: Attempt, progress: Mapping | None) -> bool:
        """Renew the job's heartbeat and progress; False when the job is no longer ours."""
        fields: dict[str, Any] = {"heartbeat_at": now()}
        if progress is not None:
            fields["progress"] = dict(progress)
        return self.jobs.update_one(self._mine(attempt), {"$set": fields}).matched_count == 1

    def finish(self, attempt: Attempt, state: str, *, progress: Mapping | None,
               outcome: Mapping | None = None, error: str | None = None) -> bool:
        """The attempt ended: done (the crawl ran to its end) or failed (with one sentence)."""
        moment = now()
        entry = {"attempt": attempt.number, "worker": attempt.worker,
                 "crawl_id": attempt.crawl_id,
                 "ended_at": moment, "ended": "finished" if state == DONE else "failed",
                 "reason": error or (outcome or {}).get("finish_reason")}
        fields = {"state": state, "finished_at": moment, "heartbeat_at": moment,
                  "outcome": dict(outcome) if outcome else None,
                  "error": error}
        if progress is not None:
            fields["progress"] = dict(progress)
        return self._end(attempt, fields, entry)

    def interrupted(self, attempt: Attempt, *, progress: Mapping | None, reason: str) -> bool:
        """The worker is shutting down: the job goes back to queued, to be run again."""
        entry = {"attempt": attempt.number, "worker": attempt.worker,
                 "crawl_id": attempt.crawl_id, "ended_at": now(), "ended": "shutdown",
                 "reason": reason}
        fields: dict[str, Any] = {"state": QUEUED}
        if progress is not None:
            fields["progress"] = dict(progress)
        return self._end(attempt, fields, entry)

    def requeue(self, attempt: Attempt, *, progress: Mapping | None,
                reason: str) -> str | None:
        """The worker lost its lease on the blog (Redis away longer than JOB_LEASE_SECONDS) and
        stopped the crawl: the job goes back to queued under a new token, since the message that
        carried it may be gone with Redis's data or already given to another worker (the new
        token makes that one stale). Returns the token to send, or None when the job is no
        longer this attempt's (another worker took it over: it is left to that one)."""
        token = uuid.uuid4().hex
        entry = {"attempt": attempt.number, "worker": attempt.worker,
                 "crawl_id": attempt.crawl_id, "ended_at": now(), "ended": "lease lost",
                 "reason": reason}
        fields: dict[str, Any] = {"state": QUEUED, "token": token, "enqueued_at": now()}
        if progress is not None:
            fields["progress"] = dict(progress)
        return token if self._end(attempt, fields, entry) else None

    def _end(self, attempt: Attempt, fields: dict, entry: dict) -> bool:
        # The entry's start is the attempt's own, read back in the same update.
        doc = self.jobs.find_one(self._mine(attempt), {"started_at": 1})
        if doc is None:
            return False
        entry["started_at"] = doc.get("started_at")
        result = self.jobs.update_one(
            self._mine(attempt),
            {"$set": fields, "$push": {"history": {"$each": [entry], "$slice": -MAX_HISTORY}}})
        return result.matched_count == 1

    def crawl_record(self, crawl_id: str | None) -> dict | None:
        return self.crawls.find_one({"_id": crawl_id}) if crawl_id else None



def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"
