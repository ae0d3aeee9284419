"""Summary cards, the last crawl's outcome, table rows and the CSV of shown rows (pure)."""

import csv
import io
from datetime import UTC, datetime

import pytest
from dashboard_posts import HOSTILE_TITLE, frame

from dashboard.data import posts_frame
from dashboard.summary import describe_crawl, describe_trend, summarize
from dashboard.table import (
    filter_and_sort,
    page_of,
    parse_filter,
    rows_to_csv,
    table_columns,
    table_frame,
    table_rows,
)


def test_summary_figures():
    s = summarize(frame(4))  # words 100, 200, 300, 400
    assert (s.posts, s.total_words, s.mean_words, s.median_words) == (4, 1000, 250, 250)
    assert (s.longest.title, s.longest.words) == ("Week 4", 400)
    assert (s.shortest.title, s.shortest.words, s.shortest.date) == ("Week 1", 100, "2015-01-07")
    assert s.words_trend == pytest.approx(100)


def test_summary_of_no_posts():
    s = summarize(posts_frame([]))
    assert (s.posts, s.total_words, s.longest, s.words_trend) == (0, 0, None, None)


def test_trend_sentence():
    assert describe_trend(None) == "not enough weeks for a trend"
    assert describe_trend(0.1) == "flat over the year"
    assert describe_trend(-12.34).startswith("12.3 fewer words each week")


NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def test_crawl_outcomes():
    assert describe_crawl(None)[2] == "warn"
    done = {"status": "finished", "complete": True, "finished_at": datetime(2026, 1, 2, 10, 0),
            "items": {"stored_new": 52, "updated": 0, "unchanged": 0}}
    headline, detail, tone = describe_crawl(done, NOW)
    assert (headline, tone) == ("Complete", "ok")
    assert detail.startswith("2026-01-02 10:00 UTC (2 hours ago)") and "52 new" in detail
    failed = {"status": "finished", "complete": False, "finish_reason": "finished",
              "failures_total": 3, "started_at": datetime(2026, 1, 2, 11, 59, 30, tzinfo=UTC)}
    headline, detail, tone = describe_crawl(failed, NOW)
    assert (headline, tone) == ("Incomplete (finished)", "bad") and "3 failures" in detail
    assert "just now" in detail
    assert describe_crawl({"status": "running"}, NOW)[0] == "Crawl running"


def test_table_rows_are_plain_values():
    rows = table_rows(frame(2, title=HOSTILE_TITLE))
    assert [c["id"] for c in table_columns()][:3] == ["date", "week", "title"]
    assert rows[0]["title"] == HOSTILE_TITLE  # DataTable shows it as text
    assert rows[0]["words"] == 100 and isinstance(rows[0]["words"], int)
    assert rows[0]["categories"] == "News"


def test_csv_holds_exactly_the_given_rows_in_order_with_table_columns_only():
    rows = table_rows(frame(3))[::-1]
    rows[0]["secret"] = "not a column"
    parsed = list(csv.DictReader(io.StringIO(rows_to_csv(rows))))
    assert [r["Title"] for r in parsed] == ["Week 3", "Week 2", "Week 1"]
    assert "secret" not in parsed[0] and parsed[0]["Words"] == "300"
    assert rows_to_csv([]).count("\n") == 1  # the header alone


def test_csv_cells_that_spreadsheets_would_run_are_neutralised():
    text = rows_to_csv([{"title": "=HYPERLINK(\"http://evil\")", "words": -3},
                        {"title": "@SUM(A1)"}, "junk", None])
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["Title"].startswith("'=") and parsed[1]["Title"] == "'@SUM(A1)"
    assert parsed[0]["Words"] == "-3"  # numbers stay numbers
    assert len(parsed) == 2


@pytest.mark.parametrize("query, clauses", [
    ('{title} contains "Week 1"', [("title", "contains", "Week 1")]),
    ("{title} icontains week", [("title", "icontains", "week")]),
    ("{words} >= 300 && {comments} = 0", [("words", "ge", 300.0), ("comments", "eq", 0.0)]),
    ("{words} gt 3", [("words", "gt", 3.0)]),
    ("{date} datestartswith 2015-02", [("date", "datestartswith", "2015-02")]),
    ("{secret} = 1", []), ("{words} > lots", []), ("{$where} contains x", []),
    ("garbage", []), ("", []), (None, []), ({"$ne": 1}, []), ("{words} > 1" * 500, []),
])
def test_parse_filter(query, clauses):
    assert parse_filter(query) == clauses


def test_filter_sort_and_page():
    rows = table_frame(frame(8))  # words 100..800
    shown = filter_and_sort(rows, "{words} > 250 && {title} contains Week",
                            [{"column_id": "words", "direction": "desc"}])
    assert shown["title"].tolist() == [f"Week {i}" for i in range(8, 2, -1)]
    assert filter_and_sort(rows, "{title} contains Week 1", []).shape[0] == 1
    assert filter_and_sort(rows, None, [{"column_id": "$where"}]).equals(rows)
    records, pages = page_of(shown, 2, 2)
    assert pages == 3 and [r["title"] for r in records] == ["Week 4", "Week 3"]
    assert page_of(shown, 99, 2)[0] == page_of(shown, 0, 2)[0]  # out of range: first page
    assert page_of(shown.iloc[:0], 0, 15) == ([], 1)
    assert page_of(shown, "x", "y")[1] == 1  # bad paging values: defaults
