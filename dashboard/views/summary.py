"""The summary cards: posts, words, the longest and shortest post, words per week, and the
site-year's last crawl (refreshed while the page is open, so a running crawl shows its
progress and its end)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import figures, weeks
from dashboard.data import DatabaseUnavailableError, crawl_state
from dashboard.figures import PALETTE, typed
from dashboard.views import common

CARDS = ("posts", "words", "mean", "longest", "shortest", "weekly")


@dataclass(frozen=True)
class PostRef:
    title: str
    words: int
    url: str
    date: str


@dataclass(frozen=True)
class Summary:
    posts: int
    weeks_with_posts: int
    total_words: int
    mean_words: float | None
    median_words: float | None
    longest_id: object
    shortest_id: object
    words_per_week: float | None  # mean words per week, weeks without posts counted as 0
    words_trend: float | None     # least-squares slope of the weekly words, per week
    weekly_words: pd.Series


def trend_per_week(weekly: pd.Series) -> float | None:
    """Least-squares slope of a weekly series, in units per week; None below 3 weeks."""
    if len(weekly) < 3:
        return None
    slope, _ = np.polyfit(np.arange(len(weekly), dtype=float), weekly.to_numpy(dtype=float), 1)
    return float(slope)


def summarize(numbers: pd.DataFrame) -> Summary:
    """Posts, words and the extremes of one year (pure). Posts without a word count are
    counted as posts but left out of the word figures; ties go to the earliest post."""
    counted = numbers.dropna(subset=["words"]) if not numbers.empty else numbers
    words = counted["words"].astype(float) if not counted.empty else pd.Series(dtype=float)
    weekly = weeks.words_per_week(numbers)
    with_posts = (numbers.groupby(["iso_year", "iso_week"]).ngroups
                  if not numbers.empty else 0)
    return Summary(
        posts=len(numbers), weeks_with_posts=with_posts,
        total_words=int(words.sum()) if len(words) else 0,
        mean_words=float(words.mean()) if len(words) else None,
        median_words=float(words.median()) if len(words) else None,
        longest_id=counted.loc[words.idxmax(), "id"] if len(words) else None,
        shortest_id=counted.loc[words.idxmin(), "id"] if len(words) else None,
        words_per_week=float(weekly.mean()) if len(weekly) else None,
        words_trend=trend_per_week(weekly), weekly_words=weekly)


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


def describe_crawl(crawl: dict | None, now: datetime | None = None) -> tuple[str, str, str]:
    """(headline, detail, tone) for the last crawl card; tone is ok, warn or bad."""
    if not crawl:
        return "No crawl recorded", "run `scrapy crawl blog`", "warn"
    now = now or datetime.now(UTC)
    counts = _counts(crawl)
    stored = sum(counts.get(k, 0) for k in ("stored_new", "updated", "unchanged"))
    found = counts.get("listed")
    progress = f"{stored:,} of {found:,} posts measured" if found else f"{stored:,} posts measured"
    state = crawl_state(crawl, now)
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


def sparkline_figure(weekly: pd.Series) -> dict:
    """The words-per-week line as a small axis-less figure for a card."""
    return {"data": [{"type": "scatter", "mode": "lines", "x": typed(figures.epoch_ms(weekly.index)),
                      "y": typed(weekly.to_numpy(dtype=float)),
                      "line": {"color": PALETTE[0], "width": 2}, "fill": "tozeroy",
                      "fillcolor": "rgba(0,114,178,0.12)", "hoverinfo": "skip"}],
            "layout": figures.layout(height=60, margin={"l": 0, "r": 0, "t": 4, "b": 0},
                                     showlegend=False, xaxis={"visible": False, "type": "date"},
                                     yaxis={"visible": False, "rangemode": "tozero"})}


def cards(year, s: Summary) -> list[str]:
    """Each card's value and detail, in CARDS order."""
    posts = year.posts.set_index("id")

    def post(ref_id) -> str:
        if ref_id is None or ref_id not in posts.index:
            return ""
        row = posts.loc[ref_id]
        return f"words · {row['title'] or '(untitled)'} ({row['date']})"

    def words_of(ref_id) -> str:
        return f"{int(posts.loc[ref_id, 'words']):,}" if ref_id is not None else "–"

    weeks_text = f"in {s.weeks_with_posts} week{'s' if s.weeks_with_posts != 1 else ''} of {year.year}"
    return [
        f"{s.posts:,}", weeks_text,
        f"{s.total_words:,}", f"in {s.posts:,} post{'s' if s.posts != 1 else ''}",
        f"{s.mean_words:,.0f}" if s.mean_words is not None else "–",
        f"mean · median {s.median_words:,.0f}" if s.median_words is not None else "",
        words_of(s.longest_id), post(s.longest_id),
        words_of(s.shortest_id), post(s.shortest_id),
        f"{s.words_per_week:,.0f}" if s.words_per_week is not None else "–",
        f"a week on average · {describe_trend(s.words_trend)}",
    ]


def summary_of(year) -> tuple[list[str], dict, int]:
    """The cards' texts, the sparkline and the number of posts of a year."""
    s = summarize(year.numbers)
    return cards(year, s), sparkline_figure(s.weekly_words), s.posts


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
        Input("site", "value"), Input("year", "value"), Input("db-status", "data"),
        Input("data-version", "data"))
    def update_summary(site, year, status, _version):
        unchanged = (no_update,) * (len(outputs) + 4)
        if not common.database_ok(status):
            return unchanged
        view = common.view_of(site=site, year=year)
        try:
            available = repo.sites_and_years()
            chosen, _message = common.open_view(repo, view, status)
            if not available:
                return (*[""] * len(outputs), figures.message_figure(""),
                        "A blog's year in numbers", False, True)
            if chosen is None:
                return unchanged
            values, sparkline, posts = repo.derived(
                "summary", chosen.site, chosen.year, lambda: summary_of(chosen))
        except DatabaseUnavailableError:
            return unchanged
        subtitle = f"{common.host_of(view.site)} · {view.year} · {posts:,} posts"
        return (*values, sparkline, subtitle, True, False)

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
        except DatabaseUnavailableError:
            return no_update, no_update, no_update, no_update
        headline, detail, tone = describe_crawl(crawl)
        version = f"{crawl.get('_id')}|{crawl_state(crawl)}" if crawl else "-"
        # the same version again would redraw every graph on every tick
        return (headline, detail, f"card card-{tone}",
                no_update if version == shown_version else version)
