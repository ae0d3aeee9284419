"""Progress of what is crawling now (on the overview): the batch's jobs done of jobs queued
(the `jobs` collection of the many-blogs mode), and each running crawl's posts done of posts
found, from its crawl record's heartbeat (which also covers a lone `scrapy crawl blog`).

`batch` and `running` are pure; the panel is re-read on every status tick (5 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dash import Dash, Input, Output, html, no_update

from dashboard.data import DatabaseUnavailableError, crawl_state
from dashboard.views import common

FINISHED = ("done", "failed")


@dataclass(frozen=True)
class Batch:
    total: int
    done: int
    failed: int
    running: int
    queued: int
    lost: int  # running, but its worker stopped renewing the lease: retried soon

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def pending(self) -> bool:
        return self.running + self.queued > 0


@dataclass(frozen=True)
class Running:
    site: str
    year: int
    done: int    # posts done (stored, unchanged, dropped or failed)
    found: int   # posts found so far
    heard: datetime | None


def _aware(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def batch(jobs: list[dict], now: datetime, lease_seconds: float) -> Batch | None:
    """The current batch: the jobs enqueued since the earliest one still queued or running
    (or every job when none is); None without jobs."""
    jobs = [j for j in jobs if j.get("state") in ("queued", "running", *FINISHED)]
    if not jobs:
        return None
    pending = [_aware(j.get("enqueued_at")) for j in jobs if j["state"] not in FINISHED]
    pending = [p for p in pending if p is not None]
    if pending:
        since = min(pending)
        jobs = [j for j in jobs if j["state"] not in FINISHED
                or (_aware(j.get("enqueued_at")) or since) >= since]

    def lost(job: dict) -> bool:
        beat = _aware(job.get("heartbeat_at") or job.get("started_at"))
        return beat is not None and (now - beat).total_seconds() > lease_seconds

    states = [j["state"] for j in jobs]
    return Batch(total=len(jobs), done=states.count("done"), failed=states.count("failed"),
                 running=states.count("running"), queued=states.count("queued"),
                 lost=sum(1 for j in jobs if j["state"] == "running" and lost(j)))


def posts_done(counts: object) -> tuple[int, int]:
    """(posts done, posts found) of a crawl record's `posts` counts."""
    if not isinstance(counts, dict):
        return 0, 0

    def n(name: str) -> int:
        value = counts.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    done = sum(n(k) for k in ("stored_new", "updated", "unchanged", "dropped", "failed"))
    return done, n("listed")


def running(crawls: list[dict], now: datetime, stale_seconds: float) -> list[Running]:
    """The crawls running now (heartbeat fresh), newest first."""
    out = []
    for crawl in crawls:
        if crawl_state(crawl, now, stale_seconds) != "running":
            continue
        site, year = crawl.get("site"), crawl.get("year")
        if not isinstance(site, str) or not isinstance(year, int):
            continue
        done, found = posts_done(crawl.get("posts"))
        out.append(Running(site, year, done, found,
                           _aware(crawl.get("heartbeat_at") or crawl.get("started_at"))))
    return sorted(out, key=lambda r: (r.site, r.year))


def _bar(done: int, total: int, label: str) -> html.Progress:
    return html.Progress(value=str(done), max=str(max(total, 1)), className="bar",
                         **{"aria-label": label})


def describe_batch(b: Batch) -> str:
    text = f"{b.finished:,} of {b.total:,} jobs done"
    parts = [f"{b.failed:,} failed" if b.failed else "",
             f"{b.running:,} running" if b.running else "",
             f"{b.queued:,} queued" if b.queued else "",
             f"{b.lost:,} lost their worker (retried within a minute)" if b.lost else ""]
    parts = [p for p in parts if p]
    return text + (" · " + " · ".join(parts) if parts else "")


def describe_running(r: Running, name: str, now: datetime) -> str:
    found = f"{r.done:,} of {r.found:,} posts" if r.found else f"{r.done:,} posts"
    heard = ""
    if r.heard is not None:
        heard = f" · heard {max(0, int((now - r.heard).total_seconds()))} s ago"
    return f"{name} · {r.year}: {found}{heard}"


def panel(b: Batch | None, now_running: list[Running], names: dict[str, str],
          now: datetime) -> list:
    children = [html.H2("Crawling now" if (b and b.pending) or now_running else "Last batch")]
    if b is not None:
        children.append(html.Div(className="progress-row", children=[
            html.Span(describe_batch(b), id="batch-progress"),
            _bar(b.finished, b.total, "jobs done")]))
    rows = []
    for r in now_running:
        name = common.blog_name(r.site, names)
        rows.append(html.Li(className="progress-row", children=[
            html.Span(describe_running(r, name, now), className="running-text"),
            _bar(r.done, r.found, f"posts of {name}")]))
    if rows:
        children.append(html.Ul(rows, id="running-crawls", className="running"))
    return children


def layout() -> html.Section:
    return html.Section(id="progress-panel", className="panel progress", hidden=True)


def register(app: Dash, repo) -> None:
    @app.callback(
        Output("progress-panel", "children"), Output("progress-panel", "hidden"),
        Input("status-check", "n_intervals"), Input("db-status", "data"),
        Input("progress-panel", "id"))
    def update(_tick, status, _mounted):
        if common.database_down(status):
            return no_update, no_update
        now = datetime.now(UTC)
        try:
            b = batch(repo.jobs(), now, repo.config.job_lease_seconds)
            now_running = running(repo.recent_crawls(), now, repo.config.stale_seconds)
            names = repo.blog_names() if (b or now_running) else {}
        except DatabaseUnavailableError:
            return no_update, no_update
        if b is None and not now_running:
            return [], True
        return panel(b, now_running, names, now), False
