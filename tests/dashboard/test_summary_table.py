"""Summary cards, the last crawl's outcome, and the posts table's queries (AG Grid's filter and
sort models run on a real SecantusDB), pages and CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pymongo
import pytest
from dashboard_posts import HOSTILE_TITLE, post_docs, year_of

from dashboard import table
from dashboard.views import posts_table
from dashboard.views.summary import cards, describe_crawl, describe_trend


def test_summary_figures():
    values = cards(year_of(post_docs(4)).summary)  # words 100, 200, 300, 400, one a week
    assert values[:6] == ["4", "in 4 weeks of 2015", "1,000", "in 4 posts", "250",
                          "mean · median 250"]
    assert values[10] == "250" and "trend: 100.0 more each week" in values[11]


def test_words_per_week_is_words_a_week_not_a_slope():
    # 2 posts in week 1 (300 words), none in week 2, 1 in week 3 (600 words)
    docs = post_docs(3)
    docs[1] = dict(docs[1], published=docs[0]["published"], date=docs[0]["date"],
                   iso_week=docs[0]["iso_week"])
    docs[2]["words"] = 600
    values = cards(year_of(docs).summary)
    big, detail = values[10], values[11]
    assert big == "300"  # (300 + 0 + 600) / 3 weeks
    assert "a week on average" in detail and "trend" in detail


def test_longest_and_shortest_name_their_post():
    values = cards(year_of(post_docs(4)).summary)
    assert values[6:10] == ["400", "words · Week 4 (2015-01-28)",
                            "100", "words · Week 1 (2015-01-07)"]


def test_summary_of_no_posts():
    values = cards(year_of([]).summary)
    assert values[:6] == ["0", "in 0 weeks of 2015", "0", "in 0 posts", "–", ""]
    assert values[6] == "–" and "not enough weeks" in values[11]


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


@pytest.fixture(scope="module")
def posts(mongo_server):
    """Eight weekly posts in a real database (words 100..800, images 1, 0, 1, ...)."""
    client = pymongo.MongoClient(mongo_server.uri)
    collection = client["table_queries"].posts
    collection.delete_many({})
    collection.insert_many(post_docs(8))
    yield collection
    client.drop_database("table_queries")
    client.close()


def titles(posts, model) -> list[str]:
    query = table.filter_query(model)
    return [d["title"] for d in posts.find(query, sort=table.mongo_sort(*table.DEFAULT_ORDER))]


@pytest.mark.parametrize("model, expected", [
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
    ({"title": {"filterType": "text", "type": "equals", "filter": "week 2"}}, ["Week 2"]),
    ({"title": {"filterType": "text", "type": "endsWith", "filter": "K 3"}}, ["Week 3"]),
    ({"title": {"filterType": "text", "type": "contains", "filter": "(.*)"}}, []),  # literal
    ({"date": {"filterType": "text", "type": "startsWith", "filter": "2015-02"}},
     ["Week 5", "Week 6", "Week 7", "Week 8"]),
    ({"categories": {"filterType": "text", "type": "contains", "filter": "new"}},
     [f"Week {i}" for i in range(1, 9)]),
    ({"words": {"filterType": "number", "operator": "OR", "conditions": [
        {"filterType": "number", "type": "lessThan", "filter": 200},
        {"filterType": "number", "type": "greaterThan", "filter": 700}]}}, ["Week 1", "Week 8"]),
    ({"words": {"filterType": "number", "operator": "AND", "conditions": [
        {"filterType": "number", "type": "greaterThan", "filter": 200},
        {"filterType": "number", "type": "lessThan", "filter": 500}]}}, ["Week 3", "Week 4"]),
    ({"words": {"filterType": "number", "type": "greaterThan", "filter": 300},
      "images": {"filterType": "number", "type": "equals", "filter": 0}},
     ["Week 4", "Week 6", "Week 8"]),
    ({"title": {"filterType": "text", "type": "notContains", "filter": "week"}}, []),
    ({"title": {"filterType": "text", "type": "notBlank"}}, [f"Week {i}" for i in range(1, 9)]),
    ({"comments": {"filterType": "number", "type": "blank"}}, []),
    # what cannot be read is left out (more rows, never an error)
    ({"secret": {"filterType": "text", "type": "contains", "filter": "x"}}, None),
    ({"words": {"filterType": "number", "type": "$where", "filter": 1}}, None),
    ({"words": {"filterType": "number", "type": "greaterThan", "filter": "lots"}}, None),
    ({"words": {"filterType": "number", "type": "greaterThan", "filter": True}}, None),
    ({"words": {"filterType": "number", "type": "greaterThan", "filter": None}}, None),
    ({"title": {"filterType": "text", "type": "contains", "filter": {"$ne": 1}}}, None),
    ({"words": "junk"}, None), ("junk", None), (None, None), ([1, 2], None),
])
def test_ag_grid_filter_models(posts, model, expected):
    every = [f"Week {i}" for i in range(1, 9)]
    assert titles(posts, model) == (every if expected is None else expected)


def test_sort_models():
    assert table.sort_of([{"colId": "words", "sort": "desc"}]) == ("words", -1)
    junk = [{"colId": "$where", "sort": "asc"}, {"colId": "words", "sort": "sideways"}, "x"]
    assert table.sort_of(junk) == table.DEFAULT_ORDER
    assert table.sort_of([{"colId": "url", "sort": "asc"}]) == table.DEFAULT_ORDER  # no index
    twice = [{"colId": "words", "sort": "desc"}] * 100_000 + [{"colId": "words", "sort": "asc"}]
    assert table.sort_of(twice) == ("words", -1)
    assert table.window({"startRow": -5, "endRow": 10**9}) == (0, table.MAX_ROWS_PER_REQUEST)
    assert table.window("junk") == (0, table.PAGE_SIZE)


def test_table_rows_are_plain_values():
    doc = dict(post_docs(1, title=HOSTILE_TITLE)[0], url="javascript:alert(1)", words=100.0,
               comments="many")
    row = table.row_of(doc)
    assert list(row)[:3] == ["date", "week", "title"]
    assert row["title"] == HOSTILE_TITLE  # AG Grid shows it as text
    assert row["words"] == 100 and isinstance(row["words"], int)
    assert row["comments"] is None and row["url"] == "" and row["categories"] == "News"


def test_rank_plans_cover_every_page_of_both_orders():
    """Every window of every order, planned from the separators, gives exactly the rows a
    full sort gives (the database side is the browser and crawled tests' business)."""
    from blogstats.summaries import order_of

    values = [5.0, 1.0, 1.0, float("nan"), 3.0, 1.0, 9.0, 3.0, float("nan"), 7.0, 1.0, 2.0]
    urls = [f"u{i:02d}" for i in range(len(values))]
    docs = [{"v": v, "url": u} for v, u in zip(values, urls, strict=True)]
    present = sorted((d for d in docs if d["v"] == d["v"]), key=lambda d: (d["v"], d["url"]))
    blanks = sorted((d for d in docs if d["v"] != d["v"]), key=lambda d: d["url"])
    full = {1: blanks + present, -1: present[::-1] + blanks[::-1]}
    for step in (1, 2, 3, 5, 50):
        order = order_of(values, urls, step)
        for direction in (1, -1):
            for start in range(len(docs) + 1):
                for end in range(start, len(docs) + 2):
                    rows = []
                    for seg in table.plan(order, step, start, end, direction):
                        if seg.kind == "range":
                            got = sorted((d for d in present if seg.lo <= d["v"] <= seg.hi),
                                         key=lambda d: (d["v"], d["url"]))
                            assert len(got) == seg.expected
                            if direction == -1:
                                got = got[::-1]
                                first = seg.expected - seg.skip - seg.take
                            else:
                                first = seg.skip
                            rows += got[first:first + seg.take]
                        else:
                            rows += sorted(blanks, key=lambda d: d["url"],
                                           reverse=direction == -1)[seg.skip:seg.skip + seg.take]
                    assert rows == full[direction][start:end], (step, direction, start, end)


def test_csv_holds_exactly_the_given_rows_in_order_with_table_columns_only():
    rows = [table.row_of(d) for d in post_docs(3)][::-1]
    rows[0]["secret"] = "not a column"
    parsed = list(csv.DictReader(io.StringIO(posts_table.rows_to_csv(rows))))
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
