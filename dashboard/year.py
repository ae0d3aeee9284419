"""One site-year as the views use it: its numbers, and its labels when a view shows them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property

import pandas as pd

from dashboard.data import Repository, labels_frame, numbers_frame, posts_frame
from dashboard.figures import POINTS_LIMIT


class Year:
    """A site's year of posts. Reads lazily: a view that needs no titles never loads them."""

    def __init__(self, site: str, year: int, numbers: Callable[[], pd.DataFrame],
                 posts: Callable[[], pd.DataFrame],
                 labels_of: Callable[[Iterable], pd.DataFrame]):
        self.site = site
        self.year = year
        self._numbers = numbers
        self._posts = posts
        self._labels_of = labels_of

    @classmethod
    def from_repository(cls, repo: Repository, site: str, year: int) -> Year:
        return cls(site, year, lambda: repo.numbers(site, year), lambda: repo.posts(site, year),
                   repo.labels_of)

    @classmethod
    def from_documents(cls, docs: list[dict], site: str = "", year: int = 2015) -> Year:
        """A year made of post documents in memory (tests, benchmarks)."""
        docs = [dict(doc, _id=doc.get("_id", i)) for i, doc in enumerate(docs)]
        labels = labels_frame(docs)
        return cls(site, year, lambda: numbers_frame(docs),
                   lambda: posts_frame(numbers_frame(docs), labels),
                   lambda ids: labels.loc[[i for i in ids if i in labels.index]])

    @cached_property
    def numbers(self) -> pd.DataFrame:
        return self._numbers()

    @property
    def drawn_per_post(self) -> bool:
        """Small enough to draw post by post (else per week)."""
        return len(self.numbers) <= POINTS_LIMIT

    @cached_property
    def posts(self) -> pd.DataFrame:
        """The numbers with each post's title, URL, date, author and categories."""
        return self._posts()

    def labels_of(self, ids: Iterable) -> pd.DataFrame:
        """The labels of a few posts (the longest, the shortest) without reading them all."""
        return self._labels_of(ids)


def open_year(repo: Repository, site: object, year: object) -> Year | None:
    """The site-year if the collection holds it, else None (raw page values are welcome: they
    never reach a query unless they name a site and year that exist)."""
    if not repo.holds(site, year):
        return None
    return Year.from_repository(repo, site, year)  # type: ignore[arg-type]
