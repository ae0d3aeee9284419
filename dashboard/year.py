"""One site-year as the views use it: its summary, its weeks, its rank document, and its posts
when it has few enough to draw each one.

The summary and the weeks come from the summaries written at the end of each crawl
(blogstats.summaries); the posts are read only when asked for and only for a year of at most
`POINTS_LIMIT` posts. `Year.from_documents` builds the same object from post documents in
memory, through the same summary code (tests, benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np
import pandas as pd

from blogstats import summaries
from blogstats.postframe import numbers_frame
from blogstats.summaries import POINTS_LIMIT
from dashboard.data import Repository, crawl_state


class TooManyPostsError(ValueError):
    """A view asked for every post of a year too large to draw post by post."""


def weeks_frame(rows: list[dict], axis: str) -> pd.DataFrame:
    """Week documents -> one row per week: `start`, `x`, `posts`, and for each column its
    mean per post as `<column>`, `<column>:sum`, `<column>:n` and `<column>:median` (the
    shape of blogstats.weeks.weekly) (pure)."""
    columns = list(dict.fromkeys(c for row in rows for c in row.get("values", {})))
    data: dict = {"start": pd.DatetimeIndex([row["start"] for row in rows]),
                  "x": (pd.DatetimeIndex([row["x"] for row in rows]) if axis == "date"
                        else np.array([row["x"] for row in rows], dtype=float)),
                  "posts": np.array([row["posts"] for row in rows], dtype=float)}
    for column in columns:
        cells = [row["values"].get(column) or [0.0, 0, None] for row in rows]
        sums = np.array([c[0] for c in cells], dtype=float)
        counts = np.array([c[1] for c in cells], dtype=float)
        medians = np.array([np.nan if c[2] is None else c[2] for c in cells], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            data[column] = np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)
        data[f"{column}:sum"] = np.where(counts > 0, sums, np.nan)
        data[f"{column}:n"] = counts
        data[f"{column}:median"] = medians
    return pd.DataFrame(data)


class Year:
    """A site's year: `summary` at once, the rest read on first use."""

    def __init__(self, site: str, year: int, summary: dict,
                 week_rows: Callable[[str], list[dict]], ranks: Callable[[], dict | None],
                 posts: Callable[[], pd.DataFrame], settled: bool = False):
        self.site = site
        self.year = year
        self.summary = summary
        # True when the summary was written by the site-year's newest crawl and that crawl is
        # no longer running: only a crawl writes posts, so the summary's counts are the posts'.
        self.settled = settled
        self._week_rows = week_rows
        self._ranks = ranks
        self._posts = posts
        self._weeks: dict[str, pd.DataFrame] = {}

    @classmethod
    def from_repository(cls, repo: Repository, site: str, year: int) -> Year | None:
        summary = repo.year_summary(site, year)
        if not summary or not summary.get("posts"):
            return None
        generation = summary["generation"]
        crawl = repo.last_crawl(site, year)
        # the posts change when a crawl writes them: keyed by its state as well
        version = f"{generation}|{crawl.get('_id') if crawl else '-'}|{crawl_state(crawl)}"

        def current(read: Callable[[str], object], missing) -> object:
            """`read(generation)`; if the generation is gone (a write replaced it between the
            summary's read and this one), the one the summary points to now."""
            found = read(generation)
            if not missing(found):
                return found
            now = repo.generation_now(site, year)
            return read(now) if now and now != generation else found

        return cls(site, year, summary,
                   lambda axis: current(lambda g: repo.week_rows(site, year, g, axis),
                                        lambda rows: not rows),
                   lambda: current(lambda g: repo.ranks(site, year, g), lambda doc: not doc),
                   lambda: repo.posts(site, year, version),
                   settled=bool(crawl) and crawl_state(crawl) != "running"
                   and (summary.get("crawl") or {}).get("_id") == crawl.get("_id"))

    @classmethod
    def from_documents(cls, docs: list[dict], site: str = "", year: int = 2015) -> Year:
        """A year made of post documents in memory (tests, benchmarks)."""
        docs = [dict(doc, _id=doc.get("_id", i)) for i, doc in enumerate(docs)]
        frame = numbers_frame(docs, labels=True)
        summary, week_docs, rank_doc = summaries.build(frame, site, year, "memory")
        return cls(site, year, summary,
                   lambda axis: [w for w in week_docs if w["axis"] == axis],
                   lambda: rank_doc, lambda: frame)

    @property
    def generation(self) -> str:
        return self.summary.get("generation", "")

    @property
    def post_count(self) -> int:
        return int(self.summary.get("posts") or 0)

    @property
    def terms(self) -> list[str]:
        return [t for t in self.summary.get("terms") or [] if isinstance(t, str)]

    @property
    def drawn_per_post(self) -> bool:
        """Small enough to draw post by post (else per week)."""
        return self.post_count <= POINTS_LIMIT

    def weeks(self, axis: str) -> pd.DataFrame:
        """One row per week with posts on the date axis ("date") or the blog's week numbers
        ("week"): see `weeks_frame`."""
        if axis not in self._weeks:
            self._weeks[axis] = weeks_frame(self._week_rows(axis), axis)
        return self._weeks[axis]

    @cached_property
    def ranks(self) -> dict | None:
        return self._ranks()

    @cached_property
    def posts(self) -> pd.DataFrame:
        """Every post with its numbers, title, URL, date, author and categories, by day."""
        if not self.drawn_per_post:
            raise TooManyPostsError(f"{self.post_count} posts: drawn per week")
        return self._posts()


def open_year(repo: Repository, site: object, year: object) -> Year | None:
    """The site-year if the collection holds it, else None (raw page values are welcome: they
    never reach a query unless they name a site and year that exist)."""
    if not repo.holds(site, year):
        return None
    return Year.from_repository(repo, site, year)  # type: ignore[arg-type]
