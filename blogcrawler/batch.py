"""`python -m blogcrawler.batch`: put blog-years on the queue for the workers, and say how they
are doing.

    python -m blogcrawler.batch --year 2015 https://blog.one https://blog.two
    python -m blogcrawler.batch --year 2015 --file blogs.txt     # one URL a line, a name after it
    python -m blogcrawler.batch --all                            # every blog of the list, BLOG_YEAR
    python -m blogcrawler.batch --status [--wait]

Each blog goes on the `blogs` list and gets one job per year (the `jobs` collection, see
blogcrawler/jobs.py); a job already queued or running is left alone, and one already done is
crawled again only with `--recrawl` (the scheduled crawl uses `--all --recrawl`), so running the
same command twice crawls nothing twice. Every URL is checked before anything is enqueued: one
wrong line stops the command with its line number and enqueues nothing. `--wait` follows the
jobs until they have all ended (a bar on a terminal, a line every few seconds otherwise).

Exit status: 0 done; 2 a wrong argument or setting, or Redis or MongoDB unreachable (one
sentence); 3 with `--wait`, some job failed or its crawl was incomplete.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pymongo.errors import PyMongoError

from blogcrawler.jobqueue import make_app, send_job
from blogcrawler.jobs import DONE, FAILED, QUEUED, RUNNING, STATES, Enqueued, JobStore
from blogcrawler.progress import describe_posts, make_display, posts_done
from blogcrawler.urls import site_root
from blogstats.broker import BrokerUnavailableError, check, mask_redis_url, needs_redis
from blogstats.config import MAX_YEAR, MIN_YEAR, ConfigError, http_url, load
from blogstats.mongo import mask_uri

EXIT_OK, EXIT_CONFIG, EXIT_INCOMPLETE = 0, 2, 3
WAIT_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Blog:
    site: str
    name: str | None


def parse_blog(text: str, where: str) -> Blog:
    """`URL [name...]` -> Blog (ConfigError naming `where` when the URL is not one)."""
    url, _, name = text.strip().partition(" ")
    try:
        return Blog(site_root(http_url(url)), name.strip() or None)
    except ValueError:
        raise ConfigError(f"{where}: {url!r} is not an http(s) URL, e.g. "
                          "https://blog.example") from None


def read_blog_file(path: Path) -> list[Blog]:
    """One blog a line (`URL [name]`); blank lines and `#` comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--file {path}: cannot be read ({exc.__class__.__name__}: "
                          f"{getattr(exc, 'strerror', None) or exc})") from None
    blogs = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            blogs.append(parse_blog(line, f"{path} line {number}"))
    if not blogs:
        raise ConfigError(f"--file {path}: lists no blog (one URL a line)")
    return blogs


def unique(blogs: list[Blog]) -> list[Blog]:
    """Each blog once (the same root URL written twice is one blog); the last name wins."""
    by_site: dict[str, Blog] = {}
    for blog in blogs:
        keep = by_site.get(blog.site)
        by_site[blog.site] = Blog(blog.site, blog.name or (keep.name if keep else None))
    return list(by_site.values())


@dataclass
class EnqueueReport:
    """What one enqueue did with each blog-year asked for: sent now, kept (already queued,
    running, or done without --recrawl), or refused (its message could not be sent: Redis went
    away; its job says so, and the next enqueue sends it)."""

    results: list[Enqueued] = field(default_factory=list)
    refused: int = 0
    error: str | None = None  # why they were refused, one sentence

    @property
    def sent(self) -> int:
        return sum(1 for r in self.results if r.sent)

    @property
    def kept(self) -> Counter:
        return Counter(r.state_before for r in self.results if not r.sent)

    def summary(self) -> str:
        """`3 enqueued; 1 already queued, 2 already done (--recrawl to crawl them again)`."""
        kept = self.kept
        parts = [f"{self.sent} enqueued"]
        held = [f"{kept[state]} already {state}" for state in (QUEUED, RUNNING, DONE)
                if kept[state]]
        if held:
            hint = " (--recrawl to crawl them again)" if kept[DONE] else ""
            parts.append(", ".join(held) + hint)
        if self.refused:
            parts.append(f"{self.refused} refused: {self.error}")
        return "; ".join(parts)


def enqueue(store: JobStore, app, blogs: list[Blog], years: list[int], recrawl: bool,
            force: bool, lease_seconds: float | None = None) -> EnqueueReport:
    """Each blog on the list, each blog-year on the queue. When Redis stops answering, the
    blog-year being sent and those after it are refused (nothing half-done: the one whose
    message failed is marked so, and is sent again by the next enqueue). With `force`, a job
    whose worker is lost (heartbeat older than `lease_seconds`) is taken over and sent again."""
    report = EnqueueReport()
    wanted = [(blog, year) for blog in blogs for year in years]
    for done, (blog, year) in enumerate(wanted):
        store.add_blog(blog.site, blog.name, year)
        result = store.enqueue(blog.site, year, recrawl=recrawl, force=force,
                               lease_seconds=lease_seconds)
        if result.sent:
            try:
                send_job(app, blog.site, year, result.token)
            except BrokerUnavailableError as exc:
                store.undo_enqueue(result)
                report.refused, report.error = len(wanted) - done, str(exc)
                return report
        report.results.append(result)
    return report


def enqueue_list(config, years: list[int] | None = None, recrawl: bool = True,
                 force: bool = False) -> EnqueueReport:
    """Every blog of the `blogs` list, for `years` (BLOG_YEAR): what `--all --recrawl` and the
    scheduled crawl do. ConfigError (an empty list, REDIS_URL unset), BrokerUnavailableError
    or PyMongoError when it cannot start: then nothing was enqueued."""
    store = JobStore.from_config(config)
    try:
        blogs = [Blog(doc["_id"], None) for doc in store.list_blogs()]
        if not blogs:
            raise ConfigError("the `blogs` list is empty: add blogs with "
                              "python -m blogcrawler.batch --year YEAR URL... first")
        return send_blogs(config, store, blogs, years or [config.blog_year], recrawl, force)
    finally:
        store.close()


def send_blogs(config, store: JobStore, blogs: list[Blog], years: list[int], recrawl: bool,
               force: bool) -> EnqueueReport:
    """Check Redis, then enqueue (the Celery app is closed after: no connection is left)."""
    check(needs_redis(config.redis_url), config.mongodb_timeout_seconds)
    app = make_app(config)
    try:
        return enqueue(store, app, unique(blogs), years, recrawl, force,
                       config.job_lease_seconds)
    finally:
        app.close()


# -- status --------------------------------------------------------------------------------
def _age(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def describe(job: dict, now: datetime, lease_seconds: float) -> str:
    """What a person wants to know of one job, in a few words."""
    state = job.get("state")
    progress = job.get("progress") or {}
    retried = f", attempt {job.get('attempts')}" if (job.get("attempts") or 0) > 1 else ""
    if state == RUNNING:
        beat = job.get("heartbeat_at")
        if beat and (now - beat).total_seconds() > lease_seconds:
            return (f"worker lost {_age(beat, now)}: will be run again (if it stays so, "
                    f"--force sends it again){retried}")
        posts = progress.get("posts") or {}
        return (f"{posts_done(posts)} of {posts.get('listed', 0)} posts done, started "
                f"{_age(job.get('started_at'), now)}{retried}")
    if state == DONE:
        outcome = job.get("outcome") or {}
        verdict = "complete" if outcome.get("complete") else \
            f"INCOMPLETE ({outcome.get('finish_reason')}, {outcome.get('failures', 0)} failures)"
        posts = outcome.get("posts") or {}
        return (f"{verdict}: {posts.get('listed', 0)} posts listed ({describe_posts(posts)}), "
                f"{outcome.get('pages', '?')} pages, {_age(job.get('finished_at'), now)}"
                f"{retried}")
    if state == FAILED:
        return f"{job.get('error')}{retried}"
    return f"enqueued {_age(job.get('enqueued_at'), now)}{retried}"


def print_status(jobs: list[dict], lease_seconds: float, out=sys.stdout) -> None:
    now = datetime.now(UTC)
    counts = Counter(job.get("state") for job in jobs)
    print("jobs: " + ", ".join(f"{counts[state]} {state}" for state in STATES), file=out)
    if not jobs:
        return
    width = max(len(f"{job['site']} {job['year']}") for job in jobs)
    for job in jobs:
        label = f"{job['site']} {job['year']}"
        print(f"  {label:<{width}}  {job.get('state', '?'):<7}  "
              f"{describe(job, now, lease_seconds)}", file=out)


def wait_for(store: JobStore, ids: list[str] | None, mode: str, interval: float) -> list[dict]:
    """Follow the jobs (`ids`, or all) until none is queued or running; returns them."""
    display = make_display(mode, "batch", "jobs", interval, stream=sys.stdout)
    try:
        while True:
            jobs = [j for j in store.status() if ids is None or j["_id"] in ids]
            ended = sum(1 for j in jobs if j.get("state") in (DONE, FAILED))
            running = [j for j in jobs if j.get("state") == RUNNING]
            posts = sum(posts_done((j.get("progress") or {}).get("posts") or {})
                        for j in running)
            display.update(ended, len(jobs), f"{len(running)} running, {posts} posts done "
                           "in the running crawls")
            if ended == len(jobs):
                display.close(f"{sum(1 for j in jobs if j.get('state') == FAILED)} failed")
                return jobs
            time.sleep(WAIT_POLL_SECONDS)
    except KeyboardInterrupt:
        display.close("stopped waiting: the jobs go on")
        raise


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(
        prog="python -m blogcrawler.batch",
        description="Enqueue blog-years for the workers, or show how the jobs are doing.")
    parser.add_argument("urls", nargs="*", metavar="URL", help="blogs to crawl")
    parser.add_argument("--file", type=Path, help="a file of blogs: one URL a line, a name after")
    parser.add_argument("--all", action="store_true",
                        help="every blog of the `blogs` list (what the scheduled crawl does)")
    parser.add_argument("--year", action="append", dest="years", metavar="YEAR",
                        help="the year to crawl (repeat for several; default BLOG_YEAR)")
    parser.add_argument("--recrawl", action="store_true",
                        help="crawl again blog-years whose job is done")
    parser.add_argument("--force", action="store_true",
                        help="send again jobs that are queued, or running with their worker "
                             "lost (after Redis lost its data)")
    parser.add_argument("--status", action="store_true", help="print the jobs and their outcome")
    parser.add_argument("--wait", action="store_true",
                        help="follow the jobs until they have all ended")
    return parser.parse_args(argv)


def years_of(args, default: int) -> list[int]:
    years = []
    for text in args.years or [str(default)]:
        try:
            year = int(text)
        except ValueError:
            raise ConfigError(f"--year {text!r} is not a whole number, e.g. --year 2015") from None
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ConfigError(f"--year {year} must be between {MIN_YEAR} and {MAX_YEAR}")
        years.append(year)
    return sorted(set(years))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    store = None
    try:
        config = load()
        sources = sum(bool(x) for x in (args.urls, args.file, args.all))
        if args.status and sources:
            raise ConfigError("--status takes no blogs: use it alone (or with --wait)")
        if not args.status and sources != 1:
            raise ConfigError("say which blogs: URLs, --file FILE or --all (one of them), or "
                              "--status")
        store = JobStore.from_config(config)
        if args.status:
            jobs = wait_for(store, None, config.progress, config.progress_interval_seconds) \
                if args.wait else store.status()
            print_status(jobs, config.job_lease_seconds)
            return _verdict(jobs) if args.wait else EXIT_OK
        years = years_of(args, config.blog_year)
        if args.all:
            report = enqueue_list(config, years, args.recrawl, args.force)
        else:
            blogs = read_blog_file(args.file) if args.file else \
                [parse_blog(url, "URL") for url in args.urls]
            report = send_blogs(config, store, blogs, years, args.recrawl, args.force)
        print(f"batch: {report.summary()} (queue: Redis at "
              f"{mask_redis_url(config.redis_url)}, jobs in {config.mongodb_database})",
              flush=True)
        if report.refused:
            print(f"batch: error: {report.error}; {report.refused} blog-year(s) not enqueued: "
                  "run the command again", file=sys.stderr)
            return EXIT_CONFIG
        if args.wait:
            ids = [f"{r.site}|{r.year}" for r in report.results]
            jobs = wait_for(store, ids, config.progress, config.progress_interval_seconds)
            print_status(jobs, config.job_lease_seconds)
            return _verdict(jobs)
        return EXIT_OK
    except (ConfigError, BrokerUnavailableError) as exc:
        print(f"batch: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except PyMongoError as exc:
        where = mask_uri(store.uri) if store else "MONGODB_URI"
        print(f"batch: error: cannot use MongoDB at {where} ({type(exc).__name__}); start it "
              "or set MONGODB_URI", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    finally:
        if store is not None:
            store.close()


def _verdict(jobs: list[dict]) -> int:
    incomplete = [j for j in jobs if j.get("state") == FAILED or
                  (j.get("state") == DONE and not (j.get("outcome") or {}).get("complete"))]
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
