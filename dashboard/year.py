"""One site-year as the views use it: its numbers, and its labels when a view shows them."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import pandas as pd

from dashboard.data import Repository, numbers_frame
from dashboard.figures import POINTS_LIMIT


class Year:
    """A site's year of posts, read on first use."""

    def __init__(self, site: str, year: int, posts: Callable[[], pd.DataFrame]):
        self.site = site
        self.year = year
        self._posts = posts

    @classmethod
    def from_repository(cls, repo: Repository, site: str, year: int) -> Year:
        return cls(site, year, lambda: repo.posts(site, year))

    @classmethod
    def from_documents(cls, docs: list[dict], site: str = "", year: int = 2015) -> Year:
        """A year made of post documents in memory (tests, benchmarks)."""
        docs = [dict(doc, _id=doc.get("_id", i)) for i, doc in enumerate(docs)]
        return cls(site, year, lambda: numbers_frame(docs, labels=True))

    @cached_property
    def posts(self) -> pd.DataFrame:
        """Every post with its numbers, title, URL, date, author and categories, by day."""
        return self._posts()

    @property
    def numbers(self) -> pd.DataFrame:
        return self.posts

    @property
    def drawn_per_post(self) -> bool:
        """Small enough to draw post by post (else per week)."""
        return len(self.posts) <= POINTS_LIMIT


def open_year(repo: Repository, site: object, year: object) -> Year | None:
    """The site-year if the collection holds it, else None (raw page values are welcome: they
    never reach a query unless they name a site and year that exist)."""
    if not repo.holds(site, year):
        return None
    return Year.from_repository(repo, site, year)  # type: ignore[arg-type]
