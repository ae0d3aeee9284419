"""Dashboard configuration from environment variables, as a PaaS sets them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    mongodb_uri: str = "mongodb://127.0.0.1:27017"
    database: str = "blogstats"
    posts_collection: str = "posts"
    crawls_collection: str = "crawls"
    # How long a loaded year of posts is reused before the database is asked again.
    cache_seconds: float = 30.0
    # Short on purpose: a dead database should show a banner quickly, not hang the page.
    server_selection_ms: int = 2000
    # How often the page re-checks the database (and clears the banner when it is back).
    status_interval_ms: int = 5000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        defaults = cls()

        def number(name: str, default: float) -> float:
            try:
                return max(0.0, float(env.get(name, default)))
            except ValueError:
                return default

        return cls(
            mongodb_uri=env.get("MONGODB_URI") or defaults.mongodb_uri,
            database=env.get("MONGODB_DATABASE") or defaults.database,
            posts_collection=env.get("MONGODB_POSTS_COLLECTION") or defaults.posts_collection,
            crawls_collection=env.get("MONGODB_CRAWLS_COLLECTION") or defaults.crawls_collection,
            cache_seconds=number("DASHBOARD_CACHE_SECONDS", defaults.cache_seconds),
            status_interval_ms=int(number("DASHBOARD_STATUS_INTERVAL_MS",
                                          defaults.status_interval_ms)) or 5000,
        )
