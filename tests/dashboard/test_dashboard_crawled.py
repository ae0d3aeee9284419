"""The dashboard's callbacks over HTTP on data written by a real crawl of the fixture blog,
checked against the blog's own ground truth (fixture_site's `Blog.truth()`), computed here
independently of the dashboard's code: weeks, rolling means, summary, table filters."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from conftest import app_for, call_callback

from dashboard.figures import untyped


@pytest.fixture(scope="module", params=["weekly", "realistic"])
def crawl(request):
    """The demo blog (52 weekly posts) and the realistic one (irregular weeks, posts around
    New Year, undated permalinks), each crawled for real: (app, its blog)."""
    if request.param == "weekly":
        database, server = request.getfixturevalue("crawled_db"), \
            request.getfixturevalue("blog_server")
    else:
        database, server = request.getfixturevalue("crawled_realistic_db"), \
            request.getfixturevalue("realistic_blog_server")
    return app_for(*database), server.blog


@pytest.fixture(scope="module")
def app(crawl):
    return crawl[0]


@pytest.fixture(scope="module")
def blog(crawl):
    return crawl[1]


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def truth(blog) -> list[dict]:
    return sorted(blog.truth(), key=lambda d: (d["date"], d["published"]))


def view(blog, **extra) -> dict:
    base = {"site.value": blog.root, "year.value": 2015, "db-status.data": {"ok": True}}
    base.update(extra)
    return base


def test_the_weekly_graph_draws_each_post_on_its_own_day(client, app, blog, truth):
    out = json.loads(call_callback(client, app, "weekly-graph.figure", view(
        blog, **{"metrics.value": ["words"], "scale.value": "raw", "rolling.value": 0,
                 "x.value": "date"})).data)["response"]
    trace = out["weekly-graph"]["figure"]["data"][0]
    days = [date.fromtimestamp(0) + timedelta(milliseconds=x) for x in untyped(trace["x"])]
    assert [d.isoformat() for d in days] == [t["date"] for t in truth]
    assert untyped(trace["y"]) == [t["words"] for t in truth]
    assert [row[0] for row in trace["customdata"]] == [t["title"] for t in truth]


@pytest.mark.parametrize("weeks", [2, 4, 13])
def test_rolling_means_match_the_blogs_own_dates(client, app, blog, truth, weeks):
    out = json.loads(call_callback(client, app, "weekly-graph.figure", view(
        blog, **{"metrics.value": ["words"], "scale.value": "raw", "rolling.value": weeks,
                 "x.value": "date"})).data)["response"]
    trace = out["weekly-graph"]["figure"]["data"][0]
    expected, partial = [], []
    for post in truth:
        day = date.fromisoformat(post["date"])
        start = day - timedelta(days=7 * weeks - 1)
        window = [t["words"] for t in truth if start <= date.fromisoformat(t["date"]) <= day]
        expected.append(sum(window) / len(window))
        partial.append(start < date(2015, 1, 1))
    assert untyped(trace["y"]) == pytest.approx(expected)
    assert [s == "circle-open" for s in trace["marker"]["symbol"]] == partial
    assert any(partial) and not all(partial)


def test_the_week_axis_places_each_post_at_its_week(client, app, blog, truth):
    out = json.loads(call_callback(client, app, "weekly-graph.figure", view(
        blog, **{"metrics.value": ["words"], "scale.value": "raw", "rolling.value": 0,
                 "x.value": "week"})).data)["response"]
    trace = out["weekly-graph"]["figure"]["data"][0]

    def position(post: dict) -> int:
        """Where the week axis must put a post: its week, with days of the neighbouring ISO
        years before week 1 and after the last week (when the week is the ISO week)."""
        if post["week"] != post["iso_week"] or post["iso_year"] == 2015:
            return post["week"]
        if post["iso_year"] < 2015:
            return post["week"] - date(post["iso_year"], 12, 28).isocalendar().week
        return post["week"] + date(2015, 12, 28).isocalendar().week

    assert untyped(trace["x"]) == [position(t) for t in truth]
    assert untyped(trace["x"]) == sorted(untyped(trace["x"]))  # in the order of the days


def test_the_summary_cards_add_up_to_the_blogs_truth(client, app, blog, truth):
    output = next(o for o in app.callback_map if "card-posts.children" in o)
    out = json.loads(call_callback(client, app, output, view(blog)).data)["response"]
    words = [t["words"] for t in truth]
    assert out["card-posts"]["children"] == str(len(truth))
    assert out["card-words"]["children"] == f"{sum(words):,}"
    longest = max(truth, key=lambda t: (t["words"], -t["published"].timestamp()))
    assert out["card-longest"]["children"] == f"{longest['words']:,}"
    assert longest["title"] in out["card-longest-detail"]["children"]
    weeks = {(t["iso_year"], t["iso_week"]) for t in truth}
    assert out["card-posts-detail"]["children"] == f"in {len(weeks)} weeks of 2015"


def test_the_last_crawl_card_is_the_crawl_that_wrote_the_posts(client, app, blog, truth):
    output = next(o for o in app.callback_map if "card-crawl.children" in o)
    out = json.loads(call_callback(client, app, output, view(
        blog, **{"status-check.n_intervals": 1})).data)["response"]
    assert out["card-crawl"]["children"] == "Complete"
    assert f"{len(truth):,} new" in out["card-crawl-detail"]["children"]


@pytest.mark.parametrize("model, keep", [
    ({"words": {"filterType": "number", "type": "greaterThan", "filter": 300}},
     lambda t: t["words"] > 300),
    ({"images": {"filterType": "number", "type": "inRange", "filter": 0, "filterTo": 3}},
     lambda t: 0 < t["images"] < 3),
    ("title of the third post", None),
    ({"date": {"filterType": "text", "type": "startsWith", "filter": "2015-1"}},
     lambda t: t["date"].startswith("2015-1")),
])
def test_table_filters_keep_the_posts_the_truth_says(client, app, blog, truth, model, keep):
    if model == "title of the third post":  # a word of a real title, typed in another case
        word = max((w for w in truth[2]["title"].split()
                    if not all(w.lower() in t["title"].lower() for t in truth)), key=len)
        model = {"title": {"filterType": "text", "type": "contains", "filter": word.upper()}}

        def keep(t):
            return word.lower() in t["title"].lower()
    output = next(o for o in app.callback_map if "posts-table.getRowsResponse" in o)
    out = json.loads(call_callback(client, app, output, view(blog, **{
        "posts-table.getRowsRequest": {"startRow": 0, "endRow": 100, "filterModel": model,
                                       "sortModel": [{"colId": "date", "sort": "asc"}]}})).data)
    rows = out["response"]["posts-table"]["getRowsResponse"]
    expected = [t["title"] for t in truth if keep(t)]
    assert 0 < len(expected) < len(truth)
    assert [r["title"] for r in rows["rowData"]] == expected and rows["rowCount"] == len(expected)
