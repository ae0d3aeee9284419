"""The overview (`/`): every blog-year in the database, from the summaries written at the end of
each crawl: posts, words and images per post, the words-per-week trend, the weeks' posts as a
small bar line, and the last crawl and its state (a crawl running now comes from its record's
heartbeat; a job of the many-blogs mode adds its queue state). Each blog leads to its page;
the blogs shown lead to their comparison. Sorted and filtered by year through the URL.

`rows` (what each row says) and `table` (how it is drawn) are pure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dash import Dash, Input, Output, dcc, html, no_update

from dashboard.data import DatabaseUnavailableError, crawl_state
from dashboard.urlstate import (
    MAX_COMPARED,
    CompareState,
    OverviewState,
    compare_query,
    overview_query,
    parse_overview,
    site_year_key,
)
from dashboard.views import common, progress

BARS = "▁▂▃▄▅▆▇█"
COLUMNS = (("blog", "Blog"), ("year", "Year"), ("posts", "Posts"),
           ("words", "Words per post"), ("images", "Images per post"),
           ("trend", "Words per week"), ("weeks", "Posts per week"), ("crawl", "Last crawl"))
SORTABLE = {"blog", "year", "posts", "words", "images", "trend", "crawl"}


@dataclass(frozen=True)
class Row:
    site: str
    year: int
    name: str
    posts: int | None         # None: no summary yet (its first crawl is running)
    words: float | None       # mean words per post
    images: float | None      # mean images per post
    per_week: float | None    # mean words per week
    trend: float | None       # slope of the words per week, per week
    weekly_posts: tuple[int, ...]
    crawl: str                # the last crawl's state, in words
    tone: str                 # ok, warn or bad
    crawl_detail: str
    crawled_at: datetime | None
    job: str                  # the job's state in the many-blogs mode, or ""


def _aware(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    seconds = max(0.0, (now - when).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def crawl_cell(crawl: dict | None, now: datetime, stale_seconds: float
               ) -> tuple[str, str, str, datetime | None]:
    """(state, tone, detail, when) of a site-year's newest crawl."""
    if not crawl:
        return "No crawl recorded", "warn", "", None
    state = crawl_state(crawl, now, stale_seconds)
    when = _aware(crawl.get("finished_at") or crawl.get("heartbeat_at")
                  or crawl.get("started_at"))
    if state == "running":
        done, found = progress.posts_done(crawl.get("posts"))
        return "Running", "warn", f"{done:,} of {found:,} posts", when
    if state == "interrupted":
        return "Interrupted", "bad", ago(when, now), when
    if crawl.get("complete"):
        return "Complete", "ok", ago(when, now), when
    reason = crawl.get("finish_reason") or "unknown"
    return f"Incomplete ({reason})", "bad", ago(when, now), when


def _newest(*crawls: dict | None) -> dict | None:
    known = [c for c in crawls if c]
    return max(known, key=lambda c: _aware(c.get("started_at")) or datetime.min.replace(
        tzinfo=UTC)) if known else None


def job_state(job: dict | None, now: datetime, lease_seconds: float) -> str:
    if not job:
        return ""
    state = job.get("state")
    if state == "running":
        beat = _aware(job.get("heartbeat_at") or job.get("started_at"))
        if beat is not None and (now - beat).total_seconds() > lease_seconds:
            return "worker lost, retrying"
    if state == "failed":
        return "failed"
    return state if state in ("queued", "running") else ""


def _mean(summary: dict, metric: str) -> float | None:
    value = ((summary.get("metrics") or {}).get(metric) or {}).get("mean")
    return float(value) if isinstance(value, int | float) else None


def rows(summaries: list[dict], crawls: list[dict], jobs: list[dict], names: dict[str, str],
         now: datetime, stale_seconds: float = 60.0, lease_seconds: float = 60.0) -> list[Row]:
    """One row per site-year summary, and per site-year crawled or queued now that has none
    yet (its first crawl); a row's crawl is the newest of the one that wrote the summary and
    the recent ones (a crawl running now)."""
    recent: dict[tuple, dict] = {}
    for crawl in crawls:
        key = (crawl.get("site"), crawl.get("year"))
        recent[key] = _newest(recent.get(key), crawl)
    by_job = {(j.get("site"), j.get("year")): j for j in jobs}
    out = []
    for s in summaries:
        site, year = s["site"], s["year"]
        crawl = _newest(s.get("crawl"), recent.get((site, year)))
        state, tone, detail, when = crawl_cell(crawl, now, stale_seconds)
        words = s.get("words") or {}
        weekly = (s.get("weekly") or {}).get("posts") or []
        out.append(Row(
            site=site, year=year, name=common.blog_name(site, names),
            posts=int(s.get("posts") or 0), words=_mean(s, "words"), images=_mean(s, "images"),
            per_week=words.get("per_week"), trend=words.get("trend"),
            weekly_posts=tuple(int(v) for v in weekly if isinstance(v, int | float)),
            crawl=state, tone=tone, crawl_detail=detail, crawled_at=when,
            job=job_state(by_job.get((site, year)), now, lease_seconds)))
    summarised = {(s["site"], s["year"]) for s in summaries}
    pending = {k for k in (*recent, *by_job) if k not in summarised
               and isinstance(k[0], str) and isinstance(k[1], int)}
    for site, year in sorted(pending):
        job = by_job.get((site, year))
        state, tone, detail, when = crawl_cell(recent.get((site, year)), now, stale_seconds)
        if recent.get((site, year)) is None and job is not None:
            state, tone, detail = "Not crawled yet", "warn", ""
        out.append(Row(site=site, year=year, name=common.blog_name(site, names), posts=None,
                       words=None, images=None, per_week=None, trend=None, weekly_posts=(),
                       crawl=state, tone=tone, crawl_detail=detail, crawled_at=when,
                       job=job_state(job, now, lease_seconds)))
    return out


def sort_rows(found: list[Row], state: OverviewState) -> list[Row]:
    shown = [r for r in found if state.year is None or r.year == state.year]
    keys = {
        "blog": lambda r: (r.name.lower(), -r.year),
        "year": lambda r: (r.year, r.name.lower()),
        "posts": lambda r: r.posts if r.posts is not None else -1,
        "words": lambda r: r.words if r.words is not None else -1.0,
        "images": lambda r: r.images if r.images is not None else -1.0,
        "trend": lambda r: r.trend if r.trend is not None else float("-inf"),
        "crawl": lambda r: r.crawled_at or datetime.min.replace(tzinfo=UTC),
    }
    return sorted(shown, key=keys[state.sort], reverse=state.descending)


def spark(values: tuple[int, ...], width: int = 26) -> str:
    """Weekly values as a line of block characters (the weeks grouped to fit `width`)."""
    if not values:
        return ""
    size = max(1, -(-len(values) // width))
    groups = [sum(values[i:i + size]) for i in range(0, len(values), size)]
    top = max(groups) or 1
    return "".join(BARS[min(len(BARS) - 1, round(g / top * (len(BARS) - 1)))] for g in groups)


def trend_text(row: Row) -> str:
    if row.per_week is None:
        return "–"
    text = f"{row.per_week:,.0f}"
    if row.trend is None:
        return text
    if abs(row.trend) < 0.5:
        return f"{text} · flat"
    return f"{text} · {'↗' if row.trend > 0 else '↘'} {row.trend:+,.1f}/wk"


def _header(key: str, label: str, state: OverviewState) -> html.Th:
    if key not in SORTABLE:
        return html.Th(label, scope="col")
    current = state.sort == key
    next_state = replace(state, sort=key, descending=not state.descending if current else
                         key in ("posts", "words", "images", "trend", "crawl", "year"))
    arrow = (" ↓" if state.descending else " ↑") if current else ""
    return html.Th(dcc.Link(label + arrow, href="/" + overview_query(next_state) or "/",
                            className="sort-link"), scope="col",
                   **{"aria-sort": ("descending" if state.descending else "ascending")
                      if current else "none"})


def table(shown: list[Row], state: OverviewState) -> html.Table:
    def number(value: float | None, fmt: str) -> str:
        return fmt.format(value) if value is not None else "–"

    labels = dict(COLUMNS)

    def cell(key: str, children, class_name: str, **extra) -> html.Td:
        # data-label: the column's name beside the value when a phone shows rows as cards
        return html.Td(children, className=f"cell-{key} {class_name}".strip(),
                       **{"data-label": labels[key]}, **extra)

    body = []
    for r in shown:
        body.append(html.Tr(className="overview-row", children=[
            cell("blog", dcc.Link(r.name, href=common.blog_href(r.site, r.year),
                                  className="blog-link"), "", **{"data-site": r.site}),
            cell("year", str(r.year), ""),
            cell("posts", number(r.posts, "{:,}"), "num"),
            cell("words", number(r.words, "{:,.0f}"), "num"),
            cell("images", number(r.images, "{:,.1f}"), "num"),
            cell("trend", trend_text(r), "num"),
            cell("weeks", spark(r.weekly_posts), "spark",
                 title=f"posts per week: {', '.join(map(str, r.weekly_posts))}"),
            cell("crawl", html.Span([
                html.Span(r.crawl, className="crawl-state"),
                html.Span(" · " + r.crawl_detail if r.crawl_detail else "",
                          className="crawl-detail"),
                html.Span(f" · {r.job}" if r.job else "", className="job-state")]),
                 f"tone-{r.tone}"),
        ]))
    return html.Table(className="overview-table", children=[
        html.Thead(html.Tr([_header(key, label, state) for key, label in COLUMNS])),
        html.Tbody(body, id="overview-body")])


def year_links(years: list[int], state: OverviewState) -> list:
    links = [dcc.Link("Every year", href="/" + overview_query(replace(state, year=None)),
                      className="chip-link" + (" chip-current" if state.year is None else ""))]
    for y in years:
        links.append(dcc.Link(str(y), href="/" + overview_query(replace(state, year=y)),
                              className="chip-link" + (" chip-current" if state.year == y
                                                       else "")))
    return links


def no_blogs() -> list:
    return [
        html.H2("No blogs yet"),
        html.P("The database has no measured posts. Crawl a blog's year first:"),
        html.Pre(html.Code("scrapy crawl blog -a url=https://blog.example -a year=2015")),
        html.P("or put many blogs on the queue: python -m blogcrawler.batch --year 2015 "
               "URL... (see the README). This page follows the crawls as they run."),
    ]


def summaries_missing() -> list:
    return [
        html.H2("Summaries missing"),
        html.P("Posts are stored, but the summaries this page reads are missing (the deploy's "
               "release step did not run, or failed). Write them with:"),
        html.Pre(html.Code("python -m blogcrawler.release")),
        html.P("then reload this page; a crawl's end also writes its year's summary."),
    ]


def layout() -> html.Div:
    return html.Div(className="overview-page", children=[
        html.Div(className="page-head", children=[
            html.Div([html.H2("Every blog", className="page-title"),
                      html.P(id="overview-note", className="panel-note")]),
            html.Div(id="overview-years", className="chips-row"),
        ]),
        progress.layout(),
        html.Section(id="overview-empty", className="panel empty", hidden=True,
                     children=no_blogs()),
        html.Section(className="panel", children=[
            html.Div(className="panel-head panel-head-row", children=[
                html.H2("Blogs"),
                dcc.Link("Compare these blogs →", id="compare-link", href="/compare",
                         className="button button-quiet")]),
            html.Div(id="overview-table", className="table-scroll"),
        ]),
    ])


def register(app: Dash, repo) -> None:
    @app.callback(
        Output("overview-table", "children"), Output("overview-years", "children"),
        Output("overview-note", "children"), Output("compare-link", "href"),
        Output("overview-empty", "hidden"), Output("overview-empty", "children"),
        Input("url", "search"), Input("status-check", "n_intervals"),
        Input("db-status", "data"), Input("overview-table", "id"))
    def update(search, _tick, status, _mounted):
        if common.database_down(status):
            return (no_update,) * 6
        state = parse_overview(search)
        now = datetime.now(UTC)
        config = repo.config
        try:
            summaries = repo.summaries()
            found = rows(summaries, repo.recent_crawls(), repo.jobs(), repo.blog_names(), now,
                         config.stale_seconds, config.job_lease_seconds)
            # posts without summaries: said even while crawls or jobs fill the table
            missing = repo.summaries_missing()
        except DatabaseUnavailableError:
            return (no_update,) * 6
        years = sorted({r.year for r in found}, reverse=True)
        shown = sort_rows(found, state)
        blogs = len({r.site for r in shown})
        note = (f"{blogs:,} blog{'s' if blogs != 1 else ''}, {len(shown):,} blog-year"
                f"{'s' if len(shown) != 1 else ''}"
                + (f" in {state.year}" if state.year is not None else ""))
        keys = tuple(site_year_key(r.site, r.year) for r in shown if r.posts)[:MAX_COMPARED]
        compare = "/compare" + compare_query(CompareState(blogs=keys))
        return (table(shown, state), year_links(years, state), note, compare,
                bool(found) and not missing, summaries_missing() if missing else no_blogs())
