"""The crawls being compared, each run in a child process of its own and measured from outside.

- `ceiling_crawl`: Scrapy alone following the same links (bench/ceiling.py);
- `blog_crawl`: our `scrapy crawl blog` end to end, delays off, into a SecantusDB; its figures
  come from the run's own `crawls` record.
Both report Scrapy's start-to-finish seconds (`elapsed`, without interpreter start-up) as well
as the wall time of the whole command.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass

import pymongo

from bench.measure import run_measured
from bench.processes import LOGS, ROOT, child_env

CRAWL_TIMEOUT = 600.0
YEAR = 2015


@dataclass
class CrawlFigures:
    pages: int
    posts: int
    elapsed: float  # seconds from spider open to spider close
    wall: float  # seconds for the whole command, start-up included
    peak_rss: int  # bytes, crawl process and children
    cpu: float  # CPU seconds of the crawl process, start-up included
    written: int | None = None  # posts written to the database (new + updated)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        """CPU per page fetched: unlike pages/s, hardly changed by other work on the machine."""
        return 1000 * self.cpu / self.pages if self.pages else 0.0

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.elapsed if self.elapsed else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "pages_per_second": self.pages_per_second,
                "posts_per_second": self.posts_per_second, "cpu_ms_per_page": self.cpu_ms_per_page}


class CrawlError(RuntimeError):
    """A crawl that did not run to its end; the message says where its log is."""


def ceiling_crawl(url: str, label: str) -> CrawlFigures:
    command = [sys.executable, "-m", "bench.ceiling", "--url", url, "--year", str(YEAR)]
    run = run_measured(command, ROOT, child_env(), LOGS / f"ceiling-{label}.log", CRAWL_TIMEOUT)
    if run.returncode != 0 or not run.stdout.strip():
        raise CrawlError(f"ceiling crawl failed ({run.returncode}); see {LOGS}")
    stats = json.loads(run.stdout.strip().splitlines()[-1])
    return CrawlFigures(stats["pages"], stats["posts"], stats["elapsed"], run.wall, run.peak_rss,
                        run.cpu)


def blog_crawl(url: str, mongo_uri: str, database: str, label: str) -> CrawlFigures:
    command = [
        sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"url={url}", "-a", f"year={YEAR}",
        "-s", f"MONGODB_URI={mongo_uri}", "-s", f"MONGODB_DATABASE={database}",
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO",
    ]
    run = run_measured(command, ROOT, child_env(), LOGS / f"crawl-{label}.log", CRAWL_TIMEOUT)
    if run.returncode != 0:
        raise CrawlError(f"scrapy crawl blog exited {run.returncode}; see {LOGS}/crawl-{label}.log")
    record = latest_crawl_record(mongo_uri, database)
    posts = record["posts"]
    elapsed = (record["finished_at"] - record["started_at"]).total_seconds()
    measured = posts["stored_new"] + posts["updated"] + posts["unchanged"] + posts["dropped"]
    return CrawlFigures(record["pages"], measured, elapsed, run.wall, run.peak_rss,
                        run.cpu, written=posts["stored_new"] + posts["updated"])


def latest_crawl_record(mongo_uri: str, database: str) -> dict:
    client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        record = client[database]["crawls"].find_one(sort=[("started_at", pymongo.DESCENDING)])
    finally:
        client.close()
    if record is None:
        raise CrawlError(f"no crawls record in {database}")
    return record
