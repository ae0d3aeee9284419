"""The dashboard's view of the one configuration (blogstats.config), as a small value object
that the tests and the benchmark can also build by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from blogstats.config import load


@dataclass(frozen=True)
class Config:
    mongodb_uri: str = "mongodb://127.0.0.1:27017"
    database: str = "blogstats"
    posts_collection: str = "posts"
    crawls_collection: str = "crawls"
    jobs_collection: str = "jobs"
    blogs_collection: str = "blogs"
    # How long a loaded year of posts is reused before the database is asked again.
    cache_seconds: float = 30.0
    # Where the workers of one machine share cached query results (None: a private temp folder).
    cache_dir: str | None = None
    # Short on purpose: a dead database should show a banner quickly, not hang the page.
    server_selection_ms: int = 2000
    # How often the page re-checks the database (and clears the banner when it is back), and
    # how often the "Last crawl" card is refreshed while a crawl runs.
    status_interval_ms: int = 5000
    # The largest request body read; Dash's callbacks send a few kB.
    max_request_bytes: int = 64 * 1024
    # A running crawl ends within CRAWL_MAX_HOURS: the overview looks that far back for crawls
    # still running (by the crawls' started_at index), never further.
    crawl_max_hours: float = 12.0
    # A running crawl silent for longer is shown as interrupted (the crawler's
    # HEARTBEAT_STALE_SECONDS; the batch's JOB_LEASE_SECONDS for a job's worker).
    stale_seconds: float = 60.0
    job_lease_seconds: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """From the environment; a wrong value raises blogstats.config.ConfigError."""
        config = load(environ)
        return cls(
            mongodb_uri=config.dashboard_mongodb_uri or config.mongodb_uri,
            database=config.mongodb_database,
            posts_collection=config.mongodb_posts_collection,
            crawls_collection=config.mongodb_crawls_collection,
            jobs_collection=config.mongodb_jobs_collection,
            blogs_collection=config.mongodb_blogs_collection,
            crawl_max_hours=config.crawl_max_hours,
            job_lease_seconds=config.job_lease_seconds,
            cache_seconds=config.dashboard_cache_seconds,
            cache_dir=config.dashboard_cache_dir,
            status_interval_ms=config.dashboard_status_interval_ms,
            max_request_bytes=config.dashboard_max_request_kb * 1024,
        )
