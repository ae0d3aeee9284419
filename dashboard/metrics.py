"""What the dashboard can show: the whitelist of post fields, with labels a blogger reads.

Only names from this module ever reach a MongoDB query or a DataFrame lookup; anything a URL
asks for is checked against it first. The fields themselves are the post document's
(blogstats.postframe.METRIC_FIELDS): one list for the summaries and the page.
"""

from __future__ import annotations

from blogstats.postframe import METRIC_FIELDS, TERM_NAME, TERM_PREFIX
from blogstats.summaries import ORDER_COLUMNS

__all__ = ["AGGREGATES", "COMPARE_LAYOUTS", "DEFAULT_METRICS", "DEFAULT_SCATTER", "METRICS",
           "ORDER_COLUMNS", "PER_WEEK_METRICS", "ROLLING_WEEKS", "SCALES", "TABLE_COLUMNS",
           "TERM_NAME", "TERM_PREFIX", "X_AXES"]

LABELS: dict[str, str] = {
    "words": "Words",
    "images": "Images",
    "links": "Links",
    "links_internal": "Internal links",
    "links_external": "External links",
    "paragraphs": "Paragraphs",
    "headings": "Headings",
    "list_items": "List items",
    "blockquotes": "Blockquotes",
    "embeds": "Embeds",
    "tables": "Tables",
    "html_bytes": "HTML size (bytes)",
    "content_bytes": "Content size (bytes)",
    "comments": "Comments",
}
# Metric name (a numeric field of the post document) -> label. Order is the order in the UI.
METRICS: dict[str, str] = {name: LABELS[name] for name in METRIC_FIELDS}
DEFAULT_METRICS: tuple[str, ...] = ("words", "images", "links")
DEFAULT_SCATTER: tuple[str, str] = ("words", "html_bytes")
# What the comparisons draw week by week: the number of posts, or a metric.
PER_WEEK_METRICS: dict[str, str] = {"posts": "Posts", **METRICS}

SCALES: dict[str, str] = {
    "raw": "Raw (own axes)",
    "pct": "% of year's max",
    "z": "z-score",
}
ROLLING_WEEKS: tuple[int, ...] = (0, 2, 4, 8, 13)
X_AXES: dict[str, str] = {"date": "Date", "week": "Blog's week no."}
# How the year is drawn: each post, or one point per week.
AGGREGATES: dict[str, str] = {
    "post": "Each post",
    "mean": "Weekly mean",
    "median": "Weekly median",
    "sum": "Weekly sum",
}
COMPARE_LAYOUTS: dict[str, str] = {"overlay": "One chart", "multiples": "One chart per blog"}

# The posts table: column id -> header. The CSV download uses the same columns.
TABLE_COLUMNS: dict[str, str] = {
    "date": "Date",
    "week": "Week",
    "title": "Title",
    "words": "Words",
    "paragraphs": "Paragraphs",
    "headings": "Headings",
    "images": "Images",
    "links": "Links",
    "html_bytes": "HTML bytes",
    "comments": "Comments",
    "categories": "Categories",
    "url": "URL",
}
