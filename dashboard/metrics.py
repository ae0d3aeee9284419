"""What the dashboard can show: the whitelist of post fields, with labels a blogger reads.

Only names from this module ever reach a MongoDB query or a DataFrame lookup; anything a URL
asks for is checked against it first.
"""

from __future__ import annotations

import re

# Metric name (a numeric field of the post document) -> label. Order is the order in the UI.
METRICS: dict[str, str] = {
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
DEFAULT_METRICS: tuple[str, ...] = ("words", "images", "links")
DEFAULT_SCATTER: tuple[str, str] = ("words", "html_bytes")

SCALES: dict[str, str] = {
    "raw": "Raw (own axes)",
    "pct": "% of year's max",
    "z": "z-score",
}
ROLLING_WEEKS: tuple[int, ...] = (0, 2, 4, 8, 13)
X_AXES: dict[str, str] = {"date": "Date", "week": "Blog's week no."}

# Fields read from `posts`: nothing else is fetched (a projection), so big fields stay on the server.
POST_FIELDS: tuple[str, ...] = (
    "url", "site", "title", "published", "date", "year", "week", "iso_week", "author",
    "categories", "terms", *METRICS,
)

# A tracked term becomes a column `term:<name>`; term names come from the data, so they are
# checked against this pattern before use.
TERM_NAME = re.compile(r"^[a-z0-9][a-z0-9_\- ]{0,39}$")
TERM_PREFIX = "term:"

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
