"""The summary cards: posts, words, the longest and shortest post, words per week (all from the
site-year's summary, written at the end of its last crawl), and the site-year's last crawl
(refreshed while the page is open, so a running crawl shows its progress and its end)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import figures
from dashboard.data import DatabaseUnavailableError, crawl_state
from dashboard.figures import PALETTE, typed
from dashboard.views import common, overview

CARDS = ("posts", "words", "mean", "longest", "shortest", "weekly")


def describe_trend(slope: float | None) -> str:
    if slope is None:
        return "not enough weeks for a trend"
    if abs(slope) < 0.5:
        return "flat over the year"
    direction = "more" if slope > 0 else "fewer"
    return f"trend: {abs(slope):,.1f} {direction} each week"


def _ago(when: datetime, now: datetime) -> str:
    seconds = (now - when).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def _when(value: object, now: datetime) -> str:
    if not isinstance(value, datetime):
        return ""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return f"{value:%Y-%m-%d %H:%M} UTC ({_ago(value, now)})"


def _counts(crawl: dict) -> dict:
    """The record's post counts: `posts` (contracts.md), or `items` of older records."""
    for name in ("posts", "items"):
        value = crawl.get(name)
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool)}
    return {}


def describe_crawl(crawl: dict | None, now: datetime | None = None,
                   stale_seconds: float = 60.0) -> tuple[str, str, str]:
    """(headline, detail, tone) for the last crawl card; tone is ok, warn or bad."""
    if not crawl:
        return "No crawl recorded", "run `scrapy crawl blog`", "warn"
    now = now or datetime.now(UTC)
    counts = _counts(crawl)
    stored = sum(counts.get(k, 0) for k in ("stored_new", "updated", "unchanged"))
    found = counts.get("listed")
    progress = f"{stored:,} of {found:,} posts measured" if found else f"{stored:,} posts measured"
    state = crawl_state(crawl, now, stale_seconds)
    if state == "running":
        return "Crawl running", f"started {_when(crawl.get('started_at'), now)} · {progress}", "warn"
    if state == "interrupted":
        heard = crawl.get("heartbeat_at") or crawl.get("started_at")
        return ("Interrupted", f"last heard from {_when(heard, now)} · {progress}; the next "
                "crawl completes the set", "bad")
    when = _when(crawl.get("finished_at") or crawl.get("started_at"), now)
    detail = ", ".join(f"{counts.get(k, 0):,} {label}" for k, label in
                       (("stored_new", "new"), ("updated", "updated"), ("unchanged", "unchanged")))
    if crawl.get("complete"):
        return "Complete", f"{when} · {detail}", "ok"
    failures = crawl.get("failures_total") or counts.get("failed") or 0
    reason = crawl.get("finish_reason") or "unknown"
    return (f"Incomplete ({reason})",
            f"{when} · {failures} failure{'s' if failures != 1 else ''} · {detail}", "bad")


def sparkline_figure(weekly: dict | None) -> dict:
    """The words-per-week line of a summary's `weekly` series as a small axis-less figure."""
    weekly = weekly or {}
    values = [float(v) for v in weekly.get("words") or []]
    start = weekly.get("start")
    days = (pd.date_range(start, periods=len(values), freq="7D") if start is not None
            else pd.DatetimeIndex([]))
    return {"data": [{"type": "scatter", "mode": "lines", "x": typed(figures.epoch_ms(days)),
                      "y": typed(np.asarray(values, dtype=float)),
                      "line": {"color": PALETTE[0], "width": 2}, "fill": "tozeroy",
                      "fillcolor": "rgba(0,114,178,0.12)", "hoverinfo": "skip"}],
            "layout": figures.layout(height=60, margin={"l": 0, "r": 0, "t": 4, "b": 0},
                                     showlegend=False, xaxis={"visible": False, "type": "date"},
                                     yaxis={"visible": False, "rangemode": "tozero"})}


def _number(value: object, text: str = "{:,.0f}") -> str:
    return text.format(value) if isinstance(value, int | float) else "–"


def _post(ref: object) -> str:
    if not isinstance(ref, dict):
        return ""
    return f"words · {ref.get('title') or '(untitled)'} ({ref.get('date') or ''})"


def cards(summary: dict) -> list[str]:
    """Each card's value and detail, in CARDS order, from a site-year's summary (pure)."""
    posts = int(summary.get("posts") or 0)
    weeks_with_posts = int(summary.get("weeks_with_posts") or 0)
    words = summary.get("words") or {}
    stats = (summary.get("metrics") or {}).get("words") or {}
    longest, shortest = summary.get("longest") or {}, summary.get("shortest") or {}
    return [
        f"{posts:,}",
        f"in {weeks_with_posts} week{'s' if weeks_with_posts != 1 else ''} of {summary.get('year')}",
        _number(words.get("total")), f"in {posts:,} post{'s' if posts != 1 else ''}",
        _number(stats.get("mean")),
        f"mean · median {stats['median']:,.0f}" if stats.get("median") is not None else "",
        _number(longest.get("words")), _post(longest),
        _number(shortest.get("words")), _post(shortest),
        _number(words.get("per_week")),
        f"a week on average · {describe_trend(words.get('trend'))}",
    ]


def card(title: str, name: str, extra=None) -> html.Div:
    children = [html.Div(title, className="card-title"),
                html.Div(id=f"card-{name}", className="card-value"),
                html.Div(id=f"card-{name}-detail", className="card-detail")]
    if extra is not None:
        children.append(extra)
    return html.Div(className="card", children=children)


def layout() -> html.Section:
    return html.Section(className="cards", children=[
        card("Posts", "posts"), card("Total words", "words"), card("Words per post", "mean"),
        card("Longest post", "longest"), card("Shortest post", "shortest"),
        card("Words per week", "weekly", dcc.Graph(
            id="sparkline", config={"displayModeBar": False, "staticPlot": True},
            className="sparkline")),
        html.Div(id="card-crawl-box", className="card", children=[
            html.Div("Last crawl", className="card-title"),
            html.Div(id="card-crawl", className="card-value card-value-small"),
            html.Div(id="card-crawl-detail", className="card-detail")]),
    ])


def register(app: Dash, repo) -> None:
    outputs = [Output(f"card-{name}{part}", "children") for name in CARDS
               for part in ("", "-detail")]

    @app.callback(
        *outputs, Output("sparkline", "figure"), Output("subtitle", "children"),
        Output("empty-state", "hidden"), Output("dashboard", "hidden"),
        Output("empty-state", "children"),
        Input("site", "value"), Input("year", "value"), Input("db-status", "data"),
        Input("data-version", "data"))
    def update_summary(site, year, status, _version):
        unchanged = (no_update,) * (len(outputs) + 5)
        if not common.database_ok(status):
            return unchanged
        view = common.view_of(site=site, year=year)
        try:
            available = repo.sites_and_years()
            chosen, _message = common.open_view(repo, view, status)
            if not available:
                # posts without summaries say how to write them, not that there are none
                return (*[""] * len(outputs), figures.message_figure(""),
                        "A blog's year in numbers", False, True,
                        overview.summaries_missing() if repo.summaries_missing() else no_update)
            if chosen is None:
                return unchanged
        except DatabaseUnavailableError:
            return unchanged
        summary = chosen.summary
        subtitle = f"{common.host_of(view.site)} · {view.year} · {chosen.post_count:,} posts"
        return (*cards(summary), sparkline_figure(summary.get("weekly")), subtitle, True, False,
                no_update)

    @app.callback(
        Output("card-crawl", "children"), Output("card-crawl-detail", "children"),
        Output("card-crawl-box", "className"), Output("data-version", "data"),
        Input("site", "value"), Input("year", "value"), Input("status-check", "n_intervals"),
        Input("db-status", "data"), State("data-version", "data"))
    def update_crawl(site, year, _tick, status, shown_version):
        """Re-read on every status tick: a running crawl's progress, and its end (which
        changes `data-version`, so the graphs redraw with the new posts)."""
        view = common.view_of(site=site, year=year)
        if view.site is None or view.year is None or not common.database_ok(status):
            return no_update, no_update, no_update, no_update
        try:
            crawl = repo.last_crawl(view.site, view.year)
            summary = repo.year_summary(view.site, view.year)
        except DatabaseUnavailableError:
            return no_update, no_update, no_update, no_update
        stale = repo.config.stale_seconds
        headline, detail, tone = describe_crawl(crawl, stale_seconds=stale)
        # a crawl's start and end, and the summaries it writes at its end, redraw the views
        version = "|".join((str(crawl.get("_id")) if crawl else "-",
                            crawl_state(crawl, stale_seconds=stale),
                            str((summary or {}).get("generation"))))
        # the same version again would redraw every graph on every tick
        return (headline, detail, f"card card-{tone}",
                no_update if version == shown_version else version)
