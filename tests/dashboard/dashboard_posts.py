"""Hand-made post documents for the dashboard's unit tests (no database, no crawl)."""

from datetime import datetime, timedelta

import pandas as pd

from blogstats.postframe import numbers_frame
from dashboard.year import Year

HOSTILE_TITLE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def post_docs(n: int = 8, start: datetime = datetime(2015, 1, 7, 6, 30), **overrides) -> list[dict]:
    """n weekly posts whose words are 100, 200, ... and images 1, 0, 1, 0, ..."""
    docs = []
    for i in range(n):
        published = start + timedelta(weeks=i)
        iso = published.isocalendar()
        docs.append({
            "url": f"http://blog.example/2015/{published:%m/%d}/week-{i + 1}/",
            "site": "http://blog.example/", "title": f"Week {i + 1}", "published": published,
            "date": f"{published:%Y-%m-%d}", "year": published.year, "week": i + 1,
            "iso_year": iso.year, "iso_week": iso.week, "author": "Tom", "categories": ["News"],
            "words": 100 * (i + 1), "images": (i + 1) % 2, "links": 10, "paragraphs": i,
            "headings": 2, "html_bytes": 10000 + 50 * (i + 1), "content_bytes": 2000,
            "comments": 0, "list_items": 1, "blockquotes": 0, "embeds": 0, "tables": 0,
            "links_internal": 3, "links_external": 7,
            "terms": {"android": i, "apple": 1, "data": 0},
        })
        docs[-1].update(overrides)
    return docs


def frame(n: int = 8, **overrides) -> pd.DataFrame:
    return numbers_frame(post_docs(n, **overrides))


def year_of(docs: list[dict], year: int = 2015) -> Year:
    return Year.from_documents(docs, "http://blog.example/", year)
