"""One typed configuration for every process: crawler, clock, release, dashboard and workers.

Every setting is an environment variable, as a PaaS sets them (12-factor). `load()` reads them
all, checks each against its type and range with pydantic, and raises one error type,
`ConfigError`, with one sentence naming the variable, the wrong value and what would be right.
An empty variable means its default. The Scrapy settings module seeds Scrapy's settings from this
configuration, and `from_scrapy_settings` checks a run's `-s NAME=value` overrides by the same
rules, so a wrong value is refused the same way whichever process or command line it came from.

The README's table of variables is generated from the fields below:
`python -m blogstats.config --markdown` (tests/test_config.py checks that the two agree).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Mapping
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

MIN_YEAR, MAX_YEAR = 1995, 2100
DISCOVERY_ROUTES = ("archive", "rest", "sitemap", "feed", "wayback")
DEFAULT_USER_AGENT = "blogstats/1.0 (+https://github.com/blogstats/blogstats; a blog's year in numbers)"


# A host name (letters, digits, hyphens, dots; IDNs as typed) or an IPv4/IPv6 literal.
_HOST = re.compile(r"^(?:[\w-]+(?:\.[\w-]+)*\.?|[0-9a-f:.]+)$", re.IGNORECASE)


# What a URL typed without its scheme looks like: host, host:port, then any path.
_BARE_HOST = re.compile(r"^[^/:?#\s]+(?::\d{1,5})?(?:[/?#].*)?$")


class ConfigError(ValueError):
    """A wrong setting or argument, with one sentence a person can act on."""


def setting(default: Any, used_by: str, doc: str, example: str = "", shown_default: str = "",
            **constraints) -> Any:
    """A field of the configuration: its default (and how the README shows it), which processes
    read it, what it does, and an example for error messages."""
    return Field(default, description=doc, json_schema_extra={
        "used_by": used_by, "example": example, "shown_default": shown_default}, **constraints)


class Config(BaseModel):
    """The settings, named as their environment variables in lower case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # -- the database ----------------------------------------------------------------------
    mongodb_uri: str = setting(
        "mongodb://127.0.0.1:27017", "all",
        "the MongoDB server (`mongodb+srv://` works). Passwords are masked in every log line and "
        "page", "mongodb+srv://user:PASSWORD@cluster0.example.net/")
    dashboard_mongodb_uri: str | None = setting(
        None, "web",
        "the dashboard's own URI, for a read-only user (the Procfile hands it to `web` as its "
        "`MONGODB_URI`)", shown_default="`$MONGODB_URI`")
    mongodb_database: str = setting("blogstats", "all", "the database", min_length=1)
    mongodb_posts_collection: str = setting(
        "posts", "all", "one document per post, unique on its canonical URL", min_length=1)
    mongodb_crawls_collection: str = setting(
        "crawls", "all", "one document per crawl: when, how many, how it ended", min_length=1)
    mongodb_timeout_seconds: float = setting(
        5.0, "all", "how long to wait for the database before saying it is unreachable", "5",
        gt=0)
    mongodb_batch_size: int = setting(100, "crawler", "posts per bulk write", "100", ge=1)
    mongodb_retry_seconds: float = setting(
        60.0, "crawler", "how long a write is retried while the database is away", "60", ge=0)
    mongodb_journal: bool = setting(
        True, "crawler",
        "acknowledged means on disk: posts and crawl records are written with the journaled "
        "write concern (`j: true`); `false` trades that for speed", "true")
    mongodb_flush_seconds: float = setting(
        2.0, "crawler",
        "measured posts reach the database within this many seconds, even when a batch is not "
        "full", "2", gt=0)

    # -- what to crawl ---------------------------------------------------------------------
    blog_url: str = setting("http://malm.teqy.net", "crawler", "the blog to crawl",
                            "https://blog.example")
    blog_year: int = setting(2015, "crawler, batch, clock", "the year of posts to measure",
                             "2015",
                             ge=MIN_YEAR, le=MAX_YEAR)
    tracked_terms: tuple[str, ...] = setting(
        ("android", "google", "apple", "data"), "crawler",
        "words counted in each post (comma-separated, case-insensitive)", "android,google")
    discovery: Literal["auto", "archive", "rest", "sitemap", "feed", "wayback"] = setting(
        "auto", "crawler",
        "how posts are found: `archive`, `rest`, `sitemap`, `feed`, `wayback`, or `auto` "
        "(each in turn)", "auto")
    wayback_url: str = setting(
        "https://web.archive.org", "crawler",
        "the Wayback Machine, for `DISCOVERY=wayback` or as `auto`'s last resort")

    # -- limits: what a hostile or broken blog can cost ------------------------------------
    crawl_max_listings: int = setting(
        5000, "crawler",
        "listing pages (archive pages, sitemaps, feed or REST pages) one discovery route may ask "
        "for; reaching it ends the run as incomplete", "5000", ge=1)
    crawl_max_posts: int = setting(
        20000, "crawler",
        "posts of the year one run lists; reaching it ends the run as incomplete", "20000",
        ge=1)
    crawl_max_hours: float = setting(
        12.0, "crawler",
        "the longest a run may take; then it stops, keeps what it measured and is incomplete",
        "12", gt=0)

    # -- politeness ------------------------------------------------------------------------
    user_agent: str = setting(
        DEFAULT_USER_AGENT, "crawler", "how the crawler names itself",
        shown_default="`blogstats/1.0 (+https://github.com/blogstats/blogstats; ...)`",
        min_length=1)
    autothrottle_enabled: bool = setting(
        True, "crawler",
        "adapt the request rate to the blog's response times (keep it on for other people's "
        "blogs)", "true")
    download_delay: float = setting(
        0.5, "crawler",
        "seconds between requests to the blog (`0` only for a blog on your own machine)", "0.5",
        ge=0)
    blog_concurrency: int = setting(
        8, "crawler, worker",
        "requests in flight to one blog at a time (`1`: one after the other); the worker never "
        "crawls one blog in two jobs at once, whatever the number of workers", "8", ge=1, le=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = setting(
        "INFO", "crawler, clock",
        "the crawl's log level; the clock's own lines (each crawl's start and outcome) always "
        "show", "INFO")

    # -- the schedule ----------------------------------------------------------------------
    crawl_interval_hours: float = setting(
        24.0, "clock",
        "hours from the start of one crawl to the start of the next (fractions allowed: `0.5`)",
        "24", gt=0)
    crawl_on_start: bool = setting(
        True, "clock", "crawl as soon as the clock starts; `false` waits one interval first",
        "true")

    # -- many blogs: the queue and its workers ---------------------------------------------
    redis_url: str | None = setting(
        None, "batch, worker, clock",
        "the Redis server holding the queue of blog-years (the platform's Redis add-on sets it); "
        "set, the clock enqueues the whole `blogs` list each turn; unset, only one blog is "
        "crawled, with no queue", "redis://127.0.0.1:6379/0",
        shown_default="none")
    mongodb_jobs_collection: str = setting(
        "jobs", "all", "one document per blog-year of the many-blogs mode: its state and outcome",
        min_length=1)
    mongodb_blogs_collection: str = setting(
        "blogs", "all", "the list of blogs the scheduled crawl enqueues", min_length=1)
    worker_concurrency: int = setting(
        16, "worker",
        "blog-years one worker crawls at once, each blog at its own polite pace", "16",
        ge=1, le=512)
    job_lease_seconds: float = setting(
        60.0, "worker",
        "a running job whose worker stops renewing it for this long (killed, machine lost) is "
        "run again by another worker", "60", ge=5, le=3600)
    job_max_attempts: int = setting(
        3, "worker",
        "a job whose worker dies this many times is marked failed instead of run again", "3",
        ge=1, le=100)
    progress: Literal["auto", "bar", "log", "off"] = setting(
        "auto", "crawler, batch",
        "progress while crawling: `bar` on a terminal, `log` a line every "
        "`PROGRESS_INTERVAL_SECONDS`, `auto` the bar on a terminal and the log line otherwise, "
        "`off`", "auto")
    progress_interval_seconds: float = setting(
        5.0, "crawler, batch, worker",
        "seconds between progress log lines, and between a worker's updates of its jobs' "
        "progress", "5", gt=0)

    # -- the dashboard ---------------------------------------------------------------------
    port: int | None = setting(
        None, "web", "the port the dashboard listens on (`0.0.0.0:$PORT`)", "5000",
        shown_default="set by the platform", ge=1, le=65535)
    web_concurrency: int = setting(
        2, "web", "gunicorn worker processes (Heroku may set it from the dyno's size)", "2",
        ge=1)
    dashboard_cache_seconds: float = setting(
        30.0, "web",
        "how long the dashboard reuses a year of posts before asking the database again", "30",
        ge=0)
    dashboard_status_interval_ms: int = setting(
        5000, "web",
        "how often the page re-checks the database (and clears its error banner)", "5000",
        ge=100)
    dashboard_cache_dir: str | None = setting(
        None, "web",
        "a folder, private to the dashboard's user, where its workers share cached query results "
        "(created with mode 700; a folder that others can write is refused)", "/tmp/blogstats-cache",
        shown_default="a private folder in the system's temporary folder")
    dashboard_max_request_kb: int = setting(
        64, "web",
        "the largest request body the dashboard reads, in kB (a page's callbacks send a few kB); "
        "a larger one is refused with 413", "64", ge=4, le=10240)

    # -- checks ----------------------------------------------------------------------------
    @field_validator("mongodb_uri", "dashboard_mongodb_uri")
    @classmethod
    def _mongodb_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("blog_url", "wayback_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)

    @field_validator("tracked_terms", mode="before")
    @classmethod
    def _terms(cls, value: Any) -> tuple[str, ...]:
        return parse_terms(value)

    @field_validator("discovery", "log_level", "progress", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() if value.lower() in {"debug", "info", "warning", "error",
                                                      "critical"} else value.lower()
        return value

    @field_validator("mongodb_timeout_seconds", "mongodb_retry_seconds", "download_delay",
                     "crawl_interval_hours", "dashboard_cache_seconds", "mongodb_flush_seconds",
                     "crawl_max_hours", "job_lease_seconds", "progress_interval_seconds")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value


FIELDS = tuple(Config.model_fields)


def env_name(field: str) -> str:
    return field.upper()


def http_url(value: Any) -> str:
    """An http(s) URL with a host; a bare host gets http://."""
    url = str(value or "").strip()
    if url and "://" not in url:
        if not _BARE_HOST.match(url):  # e.g. "htp:/blog.example", "mailto:x": not a host
            raise ValueError("is not an http(s) URL")
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host or not _HOST.match(host):
        raise ValueError("is not an http(s) URL")
    return url


def parse_terms(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    return tuple(dict.fromkeys(str(t).strip().lower() for t in items if str(t).strip()))


# pydantic's error types, said the way a person reads a setting.
_PHRASES = {
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "float_parsing": "is not a number",
    "bool_parsing": "must be true or false",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "string_too_short": "must not be empty",
    "extra_forbidden": "is not a setting",
}


def _sentence(exc: ValidationError, raw: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """One sentence naming each wrong value as the person wrote it (variable or argument)."""
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = labels.get(field, env_name(field))
        kind = error["type"]
        if kind in _PHRASES:
            ctx = {k: f"{v:g}" if isinstance(v, float) else v
                   for k, v in (error.get("ctx") or {}).items()}
            message = _PHRASES[kind].format(**ctx)
        elif kind == "literal_error":
            choices = get_args(Config.model_fields[field].annotation)
            message = "must be one of " + ", ".join(map(str, choices))
        else:
            message = error["msg"].removeprefix("Value error, ")
            message = message[:1].lower() + message[1:]
        if kind == "extra_forbidden":
            parts.append(f"{name} {message}")
            continue
        info = Config.model_fields.get(field)
        example = (info.json_schema_extra or {}).get("example") if info else None
        hint = f", e.g. {name}={example}" if example else ""
        parts.append(f"{name}={raw.get(field, error.get('input'))!r} {message}{hint}")
    return "; ".join(parts)


def load(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None,
         labels: Mapping[str, str] | None = None) -> Config:
    """The configuration from the environment (or a given mapping of variables), with
    `overrides` (by field name, e.g. a spider argument) on top; `labels` names an override as
    the person wrote it (`{"blog_year": "-a year"}`). Raises ConfigError with one sentence."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    for field in FIELDS:
        value = env.get(env_name(field))
        if value is not None and str(value).strip() != "":
            raw[field] = value
    given = {k: v for k, v in (overrides or {}).items() if v is not None and str(v).strip() != ""}
    raw.update(given)
    try:
        return Config(**raw)
    except ValidationError as exc:
        names = {k: v for k, v in (labels or {}).items() if k in given}
        raise ConfigError(_sentence(exc, raw, names)) from None


def from_scrapy_settings(settings, overrides: Mapping[str, Any] | None = None,
                         labels: Mapping[str, str] | None = None) -> Config:
    """The configuration as a Scrapy run sees it (environment, then `-s` overrides), checked by
    the same rules as `load`."""
    values = {}
    for field in FIELDS:
        value = settings.get(env_name(field))
        if value is not None:
            values[env_name(field)] = ",".join(value) if isinstance(value, (list, tuple)) \
                else value
    return load(values, overrides, labels)


def markdown_table() -> str:
    """The README's table of variables."""
    lines = ["| variable | used by | default | what it does |", "|---|---|---|---|"]
    for field, info in Config.model_fields.items():
        extra = info.json_schema_extra or {}
        default = info.default
        if isinstance(default, tuple):
            default = ",".join(default)
        elif isinstance(default, bool):
            default = str(default).lower()
        elif isinstance(default, float) and default.is_integer():
            default = int(default)
        shown = extra.get("shown_default") or ("" if default is None else f"`{default}`")
        lines.append(f"| `{env_name(field)}` | {extra.get('used_by', '')} | {shown} | "
                     f"{info.description} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m blogstats.config",
        description="Check the configuration in the environment, or print the README's table.")
    parser.add_argument("--markdown", action="store_true", help="print the table of variables")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown_table())
        return 0
    try:
        config = load()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from blogstats.mongo import mask_uri

    for field in FIELDS:
        value = getattr(config, field)
        if field.endswith("mongodb_uri") and value:
            value = mask_uri(value)
        elif field == "redis_url" and value:
            from blogstats.broker import mask_redis_url

            value = mask_redis_url(value)
        print(f"{env_name(field)}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
