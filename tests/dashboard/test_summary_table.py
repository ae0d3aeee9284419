"""Summary cards, the last crawl's outcome, and the posts table's rows, AG Grid filter and sort
models and CSV (pure)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from dashboard_posts import HOSTILE_TITLE, frame, post_docs, year_of

from dashboard.data import numbers_frame
from dashboard.views import posts_table
from dashboard.views.summary import cards, describe_crawl, describe_trend, summarize


def test_summary_figures():
    s = summarize(frame(4))  # words 100, 200, 300, 400, one post a week
    assert (s.posts, s.total_words, s.mean_words, s.median_words) == (4, 1000, 250, 250)
    assert s.weeks_with_posts == 4 and s.words_per_week == 250
    assert s.words_trend == pytest.approx(100)


def test_words_per_week_is_words_a_week_not_a_slope():
    # 2 posts in week 1 (300 words), none in week 2, 1 in week 3 (600 words)
    docs = post_docs(3)
    docs[1] = dict(docs[1], published=docs[0]["published"], date=docs[0]["date"],
                   iso_week=docs[0]["iso_week"])
    docs[2]["words"] = 600
    year = year_of(docs)
    values = cards(year, summarize(year.numbers))
    big, detail = values[10], values[11]
    assert big == "300"  # (300 + 0 + 600) / 3 weeks
    assert "a week on average" in detail and "trend" in detail


def test_longest_and_shortest_name_their_post():
    year = year_of(post_docs(4))
    values = cards(year, summarize(year.numbers))
    assert values[6:10] == ["400", "words · Week 4 (2015-01-28)",
                            "100", "words · Week 1 (2015-01-07)"]


def test_summary_of_no_posts():
    s = summarize(numbers_frame([]))
    assert (s.posts, s.total_words, s.longest_id, s.words_trend) == (0, 0, None, None)


def test_trend_sentence():
    assert describe_trend(None) == "not enough weeks for a trend"
    assert describe_trend(0.1) == "flat over the year"
    assert describe_trend(-12.34) == "trend: 12.3 fewer each week"


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


def test_a_running_crawl_shows_its_progress_and_a_silent_one_is_interrupted():
    running = {"status": "running", "started_at": NOW - timedelta(minutes=3),
               "heartbeat_at": NOW - timedelta(seconds=8),
               "posts": {"listed": 520, "stored_new": 100, "updated": 10, "unchanged": 10}}
    headline, detail, tone = describe_crawl(running, NOW)
    assert (headline, tone) == ("Crawl running", "warn")
    assert "120 of 520 posts measured" in detail and "3 minutes ago" in detail
    silent = dict(running, heartbeat_at=NOW - timedelta(seconds=61))
    headline, detail, tone = describe_crawl(silent, NOW)
    assert (headline, tone) == ("Interrupted", "bad") and "1 minute ago" in detail


def rows(n=8, **overrides):
    return posts_table.table_rows(year_of(post_docs(n, **overrides)).posts)


def test_table_rows_are_plain_values():
    table = rows(2, title=HOSTILE_TITLE)
    assert list(table.columns)[:3] == ["date", "week", "title"]
    records = posts_table.records(table)
    assert records[0]["title"] == HOSTILE_TITLE  # AG Grid shows it as text
    assert records[0]["words"] == 100 and isinstance(records[0]["words"], int)
    assert records[0]["categories"] == "News"


def filtered(model, n=8):
    return posts_table.apply_filter_model(rows(n), model)["title"].tolist()


@pytest.mark.parametrize("model, titles", [
    # what AG Grid sends for "Greater than 300" picked in the Words filter, and the others
    ({"words": {"filterType": "number", "type": "greaterThan", "filter": 300}},
     ["Week 4", "Week 5", "Week 6", "Week 7", "Week 8"]),
    ({"words": {"filterType": "number", "type": "greaterThanOrEqual", "filter": 700}},
     ["Week 7", "Week 8"]),
    ({"words": {"filterType": "number", "type": "lessThan", "filter": 200}}, ["Week 1"]),
    ({"words": {"filterType": "number", "type": "inRange", "filter": 200, "filterTo": 500}},
     ["Week 3", "Week 4"]),  # AG Grid's range leaves both ends out
    ({"week": {"filterType": "number", "type": "equals", "filter": 2}}, ["Week 2"]),
    ({"title": {"filterType": "text", "type": "contains", "filter": "WEEK 1"}}, ["Week 1"]),
    ({"date": {"filterType": "text", "type": "startsWith", "filter": "2015-02"}},
     ["Week 5", "Week 6", "Week 7", "Week 8"]),
    ({"words": {"filterType": "number", "operator": "OR", "conditions": [
        {"filterType": "number", "type": "lessThan", "filter": 200},
        {"filterType": "number", "type": "greaterThan", "filter": 700}]}}, ["Week 1", "Week 8"]),
    ({"words": {"filterType": "number", "operator": "AND", "conditions": [
        {"filterType": "number", "type": "greaterThan", "filter": 200},
        {"filterType": "number", "type": "lessThan", "filter": 500}]}}, ["Week 3", "Week 4"]),
    ({"title": {"filterType": "text", "type": "notContains", "filter": "week"}}, []),
    # what cannot be read is left out (more rows, never an error)
    ({"secret": {"filterType": "text", "type": "contains", "filter": "x"}}, None),
    ({"words": {"filterType": "number", "type": "$where", "filter": 1}}, None),
    ({"words": {"filterType": "number", "type": "greaterThan", "filter": "lots"}}, None),
    ({"words": {"filterType": "number", "type": "greaterThan", "filter": True}}, None),
    ({"words": {"filterType": "number", "type": "greaterThan", "filter": None}}, None),
    ({"title": {"filterType": "text", "type": "contains", "filter": {"$ne": 1}}}, None),
    ({"words": "junk"}, None), ("junk", None), (None, None), ([1, 2], None),
])
def test_ag_grid_filter_models(model, titles):
    every = [f"Week {i}" for i in range(1, 9)]
    assert filtered(model) == (every if titles is None else titles)


def test_sort_models():
    table = rows()
    desc = posts_table.apply_sort_model(table, [{"colId": "words", "sort": "desc"}])
    assert desc["title"].tolist()[:2] == ["Week 8", "Week 7"]
    junk = [{"colId": "$where", "sort": "asc"}, {"colId": "words", "sort": "sideways"}, "x"]
    assert posts_table.apply_sort_model(table, junk).equals(table)
    twice = [{"colId": "words", "sort": "desc"}] * 100_000 + [{"colId": "words", "sort": "asc"}]
    assert posts_table.apply_sort_model(table, twice)["title"].tolist()[0] == "Week 8"


def test_a_window_of_rows_and_the_count_of_all():
    shown = posts_table.shown_rows(rows(), {"sortModel": [{"colId": "words", "sort": "desc"}],
                                            "filterModel": {"words": {
                                                "filterType": "number", "type": "greaterThan",
                                                "filter": 250}}})
    window = posts_table.rows_window(shown, {"startRow": 2, "endRow": 4})
    assert [r["title"] for r in window["rowData"]] == ["Week 6", "Week 5"]
    assert window["rowCount"] == 6
    assert posts_table.rows_window(shown, {"startRow": -5, "endRow": 10**9})["rowData"][0][
        "title"] == "Week 8"
    assert len(posts_table.rows_window(rows(600), {"startRow": 0, "endRow": 10**9})[
        "rowData"]) == posts_table.MAX_ROWS_PER_REQUEST
    assert posts_table.rows_window(shown, "junk")["rowCount"] == 6


def test_csv_holds_exactly_the_given_rows_in_order_with_table_columns_only():
    records = posts_table.records(rows(3))[::-1]
    records[0]["secret"] = "not a column"
    parsed = list(csv.DictReader(io.StringIO(posts_table.rows_to_csv(records))))
    assert [r["Title"] for r in parsed] == ["Week 3", "Week 2", "Week 1"]
    assert "secret" not in parsed[0] and parsed[0]["Words"] == "300"
    assert posts_table.rows_to_csv([]).count("\n") == 1  # the header alone


def test_csv_cells_that_spreadsheets_would_run_are_neutralised():
    text = posts_table.rows_to_csv([{"title": "=HYPERLINK(\"http://evil\")", "words": -3},
                                    {"title": "@SUM(A1)"}, "junk", None])
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["Title"].startswith("'=") and parsed[1]["Title"] == "'@SUM(A1)"
    assert parsed[0]["Words"] == "-3"  # numbers stay numbers
    assert len(parsed) == 2


def test_the_fast_csv_writes_what_the_row_by_row_one_writes():
    table = rows(5, title="=cmd|' /C calc'!A0")
    table.loc[1, "words"] = float("nan")
    table.loc[2, "categories"] = "@SUM(1)"
    table.loc[3, "title"] = "a, \"quoted\"\nline"
    assert posts_table.csv_of(table) == posts_table.rows_to_csv(posts_table.records(table))
