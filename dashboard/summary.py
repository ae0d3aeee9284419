"""The summary cards' figures and the last crawl's outcome, as plain values (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from dashboard.figures import trend_per_week, words_per_week


@dataclass(frozen=True)
class PostRef:
    title: str
    words: int
    url: str
    date: str


@dataclass(frozen=True)
class Summary:
    posts: int
    total_words: int
    mean_words: float | None
    median_words: float | None
    longest: PostRef | None
    shortest: PostRef | None
    words_trend: float | None  # words per week, per week (least-squares slope)
    weekly_words: pd.Series


def _ref(row: pd.Series) -> PostRef:
    return PostRef(title=row["title"] or "(untitled)", words=int(row["words"]), url=row["url"],
                   date=row["date"])


def summarize(frame: pd.DataFrame) -> Summary:
    """Posts, words and the extremes of one year. Posts without a word count are counted as
    posts but left out of the word figures."""
    counted = frame.dropna(subset=["words"]) if not frame.empty else frame
    words = counted["words"].astype(float) if not counted.empty else pd.Series(dtype=float)
    weekly = words_per_week(counted) if not counted.empty else pd.Series(dtype=float)
    return Summary(
        posts=len(frame),
        total_words=int(words.sum()) if len(words) else 0,
        mean_words=float(words.mean()) if len(words) else None,
        median_words=float(words.median()) if len(words) else None,
        # idxmax/idxmin pick the first post on ties: the earliest, as the frame is by date
        longest=_ref(counted.loc[words.idxmax()]) if len(words) else None,
        shortest=_ref(counted.loc[words.idxmin()]) if len(words) else None,
        words_trend=trend_per_week(weekly),
        weekly_words=weekly,
    )


def describe_trend(slope: float | None) -> str:
    if slope is None:
        return "not enough weeks for a trend"
    if abs(slope) < 0.5:
        return "flat over the year"
    direction = "more" if slope > 0 else "fewer"
    return f"{abs(slope):,.1f} {direction} words each week (least-squares trend)"


def _ago(when: datetime, now: datetime) -> str:
    seconds = (now - when).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def describe_crawl(crawl: dict | None, now: datetime | None = None) -> tuple[str, str, str]:
    """(headline, detail, tone) for the last crawl card; tone is ok, warn or bad."""
    if not crawl:
        return "No crawl recorded", "run `scrapy crawl blog`", "warn"
    now = now or datetime.now(UTC)
    started = crawl.get("finished_at") or crawl.get("started_at")
    when = ""
    if isinstance(started, datetime):
        started = started if started.tzinfo else started.replace(tzinfo=UTC)
        when = f"{started:%Y-%m-%d %H:%M} UTC ({_ago(started, now)})"
    if crawl.get("status") == "running":
        return "Crawl running", when, "warn"
    items = crawl.get("items") if isinstance(crawl.get("items"), dict) else {}
    stored = ", ".join(f"{items.get(k, 0)} {label}" for k, label in
                       (("stored_new", "new"), ("updated", "updated"), ("unchanged", "unchanged")))
    if crawl.get("complete"):
        return "Complete", f"{when} · {stored}", "ok"
    failures = crawl.get("failures_total") or 0
    reason = crawl.get("finish_reason") or "unknown"
    return (f"Incomplete ({reason})",
            f"{when} · {failures} failure{'s' if failures != 1 else ''} · {stored}", "bad")
