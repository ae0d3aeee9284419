"""The numbers the dashboard shows, case by case (pure functions, no browser): each test names a
figure, a card or a link a user reads, in a case no other test reaches. Written from
`make mutate`'s survivors (mutation/report.md)."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pymongo
import pytest
from dashboard_posts import post_docs, year_of
from test_weeks import posts_on

from blogstats import summaries, weeks
from blogstats.postframe import numbers_frame
from dashboard import figures, table
from dashboard.config import Config
from dashboard.data import Repository
from dashboard.figures import untyped
from dashboard.urlstate import (
    CompareState,
    OverviewState,
    ViewState,
    compare_query,
    overview_query,
    parse_compare,
    parse_overview,
    parse_query,
    resolve_site_year,
    site_year_key,
    split_site_year,
    state_from_controls,
    to_query,
)
from dashboard.views import posts_table
from dashboard.views.summary import cards, describe_crawl, describe_trend, sparkline_figure
from dashboard.year import TooManyPostsError, Year, open_year, weeks_frame

SITE = "http://blog.example/"


def weekly_table(days_and_words, x="date", year=2015):
    return weeks.weekly(numbers_frame(posts_on(days_and_words)), ["words"], x, year,
                        medians=True)


def test_a_rolling_sum_counts_weeks_without_posts_as_zero():
    # weeks of 5 Jan (100 + 300), 12 Jan (none), 19 Jan (50)
    table = weekly_table([(datetime(2015, 1, 5), 100), (datetime(2015, 1, 9), 300),
                          (datetime(2015, 1, 19), 50)])
    sums, partial = weeks.rolling_weeks(table, ["words"], 2, "date", 2015, agg="sum")
    # the first window is ISO weeks 1 (29 Dec - 4 Jan, it holds 1 January: a week of the year,
    # without posts) and 2: 400 over 2 weeks; the second, weeks 3 and 4: 50 over 2
    assert sums["words"].tolist() == pytest.approx([400 / 2, 50 / 2])
    assert partial.tolist() == [True, False]
    means, _ = weeks.rolling_weeks(table, ["words"], 2, "date", 2015, agg="mean")
    assert means["words"].tolist() == pytest.approx([200, 50])
    medians, _ = weeks.rolling_weeks(table, ["words"], 3, "date", 2015, agg="median")
    assert medians["words"].tolist() == pytest.approx([200, (200 + 50) / 2])


def test_a_rolling_value_on_the_week_axis_spans_the_blogs_week_numbers():
    table = weekly_table([(datetime(2015, 1, 5), 100), (datetime(2015, 1, 19), 300),
                          (datetime(2015, 2, 2), 600)], x="week")
    assert table["x"].tolist() == [2, 4, 6]
    means, partial = weeks.rolling_weeks(table, ["words"], 3, "week", 2015)
    assert means["words"].tolist() == pytest.approx([100, 200, 450])
    assert partial.tolist() == [True, False, False]
    sums, _ = weeks.rolling_weeks(table, ["words"], 3, "week", 2015, agg="sum")
    assert sums["words"].tolist() == pytest.approx([100 / 2, 400 / 3, 900 / 3])
    assert [d.date() for d in table["start"]] == [date(2015, 1, 5), date(2015, 1, 19),
                                                   date(2015, 2, 2)]


# -- the URL: a shared link shows the view it names, junk shows the default view -------------

@pytest.mark.parametrize("search", [
    "?rolling=3", "?rolling=-4", "?rolling=1", "?rolling=4.0", "?rolling=%204x", "?rolling=%2B4",
    "?rolling=0004000", "?scale=PCT", "?scale=", "?x=Week", "?agg=total", "?ym=title",
    "?sx=title&sy=url", "?metrics=Words", "?year=1989", "?year=2101", "?year=99999",
    "?year=-2015", "?site=", "?site=%20%20", "?" + "&".join(f"k{i}=v" for i in range(60)),
])
def test_a_link_with_a_value_no_control_offers_shows_the_default_view(search):
    assert parse_query(search) == ViewState()


def test_a_link_sets_every_control_and_the_last_of_a_repeated_parameter_wins():
    state = parse_query("?site=%20http://b/%20&year=1990&metrics=words&metrics=links,images"
                        "&agg=sum&ym=images&rolling=13&rolling=2&scale=pct&terms=apple,,data,apple")
    assert state == ViewState(metrics=("links", "images"), scale="pct", rolling=2, agg="sum",
                              ym="images", site="http://b/", year=1990, terms=("apple", "data"))
    assert parse_query("?year=2100").year == 2100
    assert parse_query("?" + "x" * 20001 + "&scale=z") == ViewState()  # cut: no scale left


def test_a_link_holds_only_what_differs_from_the_default_view():
    assert to_query(ViewState()) == "?metrics=words,images,links"
    assert to_query(ViewState(agg="sum", ym="images", terms=())) == \
        "?metrics=words,images,links&agg=sum&ym=images&terms="
    assert to_query(ViewState(site="http://b/x?y=1", year=2015, metrics=("links",))) == \
        "?site=http://b/x%3Fy%3D1&year=2015&metrics=links"


def test_the_controls_give_the_view_a_link_would():
    state = state_from_controls(("links",), "z", "13", "week", "images", "links", "http://b/",
                                2016, ("data", "data", 7), ["apple", "data"], agg="median",
                                ym="links")
    assert state == ViewState(metrics=("links",), scale="z", rolling=13, x="week", sx="images",
                              sy="links", site="http://b/", year=2016, agg="median", ym="links",
                              terms=("data",))
    assert state_from_controls("words", "", None, "", "", "", "", "", "apple").metrics == \
        ViewState().metrics  # not a list: not given
    terms = tuple(f"t{i}" for i in range(100))
    assert len(state_from_controls(None, None, None, None, None, None, None, None,
                                   list(terms)).terms) == 64


def test_an_unknown_site_or_year_opens_the_first_site_at_its_newest_year():
    available = {"http://a/": [2016, 2015], "http://b/": []}
    assert resolve_site_year(ViewState(site="http://b/", year=2015), available) == \
        ViewState(site="http://b/", year=None)
    assert resolve_site_year(ViewState(site="http://a/", year=2015), available) == \
        ViewState(site="http://a/", year=2015)
    assert resolve_site_year(ViewState(), available) == ViewState(site="http://a/", year=2016)


def test_overview_and_comparison_links_keep_what_they_name():
    assert parse_overview("?year=2015&sort=trend&order=desc") == OverviewState(2015, "trend", True)
    assert parse_overview("?year=1989&sort=nope&order=DESC") == OverviewState()
    assert parse_overview("?year=2100&order=asc") == OverviewState(year=2100)
    assert overview_query(OverviewState()) == ""
    assert overview_query(OverviewState(2015, "words", True)) == "?year=2015&sort=words&order=desc"
    assert overview_query(OverviewState(descending=True)) == "?order=desc"
    blogs = ",".join(f"http://b{i}/|2015" for i in range(14))
    state = parse_compare(f"?blogs={blogs},http://x/|y,nobar,http://b0/|2015"
                          "&metric=images&agg=sum&layout=multiples")
    assert state.blogs == tuple(f"http://b{i}/|2015" for i in range(12))
    assert (state.metric, state.agg, state.layout) == ("images", "sum", "multiples")
    assert parse_compare("?metric=title&agg=post&layout=grid") == CompareState()
    assert compare_query(CompareState(("http://a/|2015",))) == \
        "?blogs=http://a/|2015&metric=words&agg=mean&layout=overlay"
    assert split_site_year("http://a/|b|2015") == ("http://a/|b", 2015)
    for junk in ("|2015", "http://a/|", "http://a/", 2015, "a|" + "9" * 7, "x" * 2001 + "|1"):
        assert split_site_year(junk) is None, junk
    assert site_year_key("http://a/", 2015) == "http://a/|2015"


# -- the summary cards and the last crawl's card ---------------------------------------------

NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def test_the_cards_of_a_single_post_say_one_post_in_one_week():
    values = cards(year_of(post_docs(1)).summary)
    assert values[:4] == ["1", "in 1 week of 2015", "100", "in 1 post"]
    assert values[4:6] == ["100", "mean · median 100"]
    assert values[6:10] == ["100", "words · Week 1 (2015-01-07)"] * 2
    assert values[10:] == ["100", "a week on average · not enough weeks for a trend"]


def test_cards_of_a_summary_with_holes_show_dashes_not_errors():
    summary = {"posts": 2, "weeks_with_posts": 2, "year": 2015, "words": {"total": 1234.4},
               "metrics": {"words": {"mean": None, "median": None}},
               "longest": {"words": 900, "title": "", "date": None}, "shortest": {"words": 12.6, "title": "Hi", "date": "2015-01-02"}}
    assert cards(summary) == [
        "2", "in 2 weeks of 2015", "1,234", "in 2 posts", "–", "", "900",
        "words · (untitled) ()", "13", "words · Hi (2015-01-02)", "–", "a week on average · not enough weeks for a trend"]


def test_a_trend_of_half_a_word_a_week_is_a_trend():
    assert describe_trend(0.5) == "trend: 0.5 more each week"
    assert describe_trend(-0.49) == "flat over the year"
    assert describe_trend(1234.56) == "trend: 1,234.6 more each week"


def test_the_last_crawl_card_says_when_in_words_a_person_reads():
    def detail(ago: timedelta, **crawl) -> str:
        record = {"status": "finished", "complete": True, "finished_at": NOW - ago,
                  "posts": {"stored_new": 1200, "updated": 3, "unchanged": 1}, **crawl}
        return describe_crawl(record, NOW)[1]

    assert detail(timedelta(days=1)) == \
        "2026-01-01 12:00 UTC (1 day ago) · 1,200 new, 3 updated, 1 unchanged"
    assert "(3 days ago)" in detail(timedelta(days=3, hours=23))
    assert "(1 hour ago)" in detail(timedelta(minutes=60))
    assert "(59 minutes ago)" in detail(timedelta(seconds=3599))
    assert "(1 minute ago)" in detail(timedelta(seconds=60))
    assert "(just now)" in detail(timedelta(seconds=59))
    assert detail(timedelta(0), finished_at="yesterday").startswith(" · ")


def test_an_incomplete_crawl_names_its_reason_and_its_failures():
    record = {"status": "finished", "complete": False, "finished_at": NOW,
              "posts": {"listed": 5, "failed": 1, "stored_new": 4, "updated": True}}
    assert describe_crawl(record, NOW) == (
        "Incomplete (unknown)", "2026-01-02 12:00 UTC (just now) · 1 failure · 4 new, "
        "0 updated, 0 unchanged", "bad")
    record = dict(record, finish_reason="shutdown", failures_total=2, posts=None,
                  items={"failed": 9})
    assert describe_crawl(record, NOW)[:2] == (
        "Incomplete (shutdown)", "2026-01-02 12:00 UTC (just now) · 2 failures · 0 new, "
        "0 updated, 0 unchanged")
    assert describe_crawl({}, NOW) == ("No crawl recorded", "run `scrapy crawl blog`", "warn")


def test_a_crawl_heard_from_lately_is_running_and_one_silent_too_long_interrupted():
    running = {"status": "running", "started_at": NOW - timedelta(hours=2),
               "heartbeat_at": (NOW - timedelta(seconds=100)).replace(tzinfo=None),
               "posts": {"stored_new": 7}}
    assert describe_crawl(running, NOW, stale_seconds=120) == (
        "Crawl running", "started 2026-01-02 10:00 UTC (2 hours ago) · 7 posts measured", "warn")
    headline, detail, tone = describe_crawl(running, NOW, stale_seconds=90)
    assert (headline, tone) == ("Interrupted", "bad")
    assert detail == ("last heard from 2026-01-02 11:58 UTC (1 minute ago) · 7 posts measured; "
                      "the next crawl completes the set")


def test_the_sparkline_draws_each_week_from_the_first_monday():
    figure = sparkline_figure({"start": datetime(2015, 1, 5), "words": [100, 0, 300]})
    trace = figure["data"][0]
    assert untyped(trace["y"]) == [100, 0, 300]
    days = [datetime.fromtimestamp(ms / 1000, UTC).date() for ms in untyped(trace["x"])]
    assert days == [date(2015, 1, 5), date(2015, 1, 12), date(2015, 1, 19)]
    assert untyped(sparkline_figure(None)["data"][0]["y"]) == []
    assert untyped(sparkline_figure({"words": [1.0]})["data"][0]["x"]) == []


# -- the posts table: every page of every order, as the database sorts them ------------------

@pytest.fixture(scope="module")
def big_year(mongo_server):
    """430 posts of one year in a real database (more than two of the summaries' rank steps),
    words in runs of equal values across the steps and 21 posts without a word count."""
    client = pymongo.MongoClient(mongo_server.uri)
    name = "table_pages"
    client.drop_database(name)
    docs = []
    for i in range(430):
        published = datetime(2015, 1, 1, 8) + timedelta(hours=20 * i)
        iso = published.isocalendar()
        doc = post_docs(1, start=published)[0]
        doc.update(url=f"http://blog.example/p{i:03d}/", title=f"Post {(i * 7) % 430:03d}",
                   date=f"{published:%Y-%m-%d}", iso_year=iso.year, iso_week=iso.week,
                   week=iso.week, words=(i * 13) % 37 * 10, comments=i % 3)
        if i % 21 == 5:
            del doc["words"]
        docs.append(doc)
    # stored in no particular order: the table's order is its own, not the insertion order
    client[name].posts.insert_many(random.Random(14).sample(docs, len(docs)))
    summaries.write(client[name], "posts", SITE, 2015)
    repo = Repository(Config(mongodb_uri=mongo_server.uri, database=name,
                             cache_dir=tempfile.mkdtemp(prefix="dashboard-cache-")))
    yield client[name].posts, repo, open_year(repo, SITE, 2015)
    client.drop_database(name)
    client.close()


@pytest.mark.parametrize("column", ["words", "title"])
def test_every_page_of_the_unfiltered_table_is_the_databases_order(big_year, column):
    posts, repo, year = big_year
    assert year.ranks["order"]["words"]["missing"] == 21
    for direction, sort in ((1, "asc"), (-1, "desc")):
        every = [table.row_of(d) for d in posts.find(
            {}, sort=[(column, direction), ("url", direction)])]
        for start, end in ((0, 15), (15, 30), (190, 215), (400, 460), (430, 445)):
            rows, count = posts_table.page(repo, year, {
                "startRow": start, "endRow": end, "sortModel": [{"colId": column,
                                                                  "sort": sort}]})
            assert count == 430
            assert rows == every[start:end], (column, sort, start, end)


def test_a_filter_for_blank_or_not_blank_cells_finds_exactly_those_posts(big_year):
    posts, repo, year = big_year
    blank, count = posts_table.page(repo, year, {"startRow": 0, "endRow": 100, "filterModel": {
        "words": {"filterType": "number", "type": "blank"}}})
    assert count == 21 and all(r["words"] is None for r in blank)
    _, count = posts_table.page(repo, year, {"startRow": 0, "endRow": 10, "filterModel": {
        "words": {"filterType": "number", "type": "notBlank"}}})
    assert count == 409
    _, count = posts_table.page(repo, year, {"startRow": 0, "endRow": 10, "filterModel": {
        "categories": {"filterType": "text", "type": "blank"}}})
    assert count == 0
    posts.update_one({"url": "http://blog.example/p000/"}, {"$set": {"categories": []}})
    posts.update_one({"url": "http://blog.example/p001/"}, {"$set": {"categories": ""}})
    posts.update_one({"url": "http://blog.example/p002/"}, {"$unset": {"categories": 1}})
    try:
        rows, count = posts_table.page(repo, year, {"startRow": 0, "endRow": 10, "filterModel": {
            "categories": {"filterType": "text", "type": "blank"}}})
        assert count == 3 and {r["categories"] for r in rows} == {""}
    finally:
        posts.update_many({"url": {"$in": [f"http://blog.example/p00{i}/" for i in range(3)]}},
                          {"$set": {"categories": ["News"]}})


def test_a_row_request_names_the_rows_it_gets():
    assert table.window({"startRow": 0, "endRow": 15}) == (0, 15)
    assert table.window({"startRow": 5, "endRow": 5}) == (5, 20)  # an empty window: a page
    assert table.window({"startRow": 30, "endRow": 10}) == (30, 45)
    assert table.window({"startRow": 10**12, "endRow": 10**12 + 10}) == (10**12, 10**9)
    assert table.window({"startRow": True, "endRow": 3.0}) == (0, 15)
    assert table.sort_of([{"colId": "words", "sort": "asc"}]) == ("words", 1)
    assert table.sort_of([{"colId": "words", "sort": "ASC"}]) == table.DEFAULT_ORDER
    assert table.sort_of([{"colId": "title"}, {"colId": "comments", "sort": "asc"}]) == \
        ("comments", 1)


# -- the year a page shows: read from the summaries, the same as computed from the posts -------

def naive(values) -> list:
    """Days as naive UTC (the database gives them aware) or numbers (the week axis)."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        return list(values)
    index = pd.DatetimeIndex(values)
    return list(index.tz_convert(None) if index.tz is not None else index)


def test_the_weeks_read_from_the_database_are_the_weeks_of_the_posts(big_year):
    posts, repo, year = big_year
    docs = list(posts.find())
    frame = numbers_frame(docs)
    for axis in ("date", "week"):
        shown = year.weeks(axis)
        truth = weeks.weekly(frame, ["words", "comments"], axis, 2015, medians=True)
        assert len(shown) == len(truth) > 50
        assert shown["posts"].tolist() == truth["posts"].tolist()
        for column in ("words", "words:sum", "words:n", "words:median", "comments"):
            assert shown[column].tolist() == pytest.approx(truth[column].tolist(), nan_ok=True)
        assert naive(shown["start"]) == naive(truth["start"])
        assert naive(shown["x"]) == naive(truth["x"])
    assert year.post_count == 430 and year.drawn_per_post and len(year.posts) == 430
    assert year.generation == year.summary["generation"] and year.terms == ["android", "apple",
                                                                            "data"]


def test_a_week_without_any_value_of_a_column_shows_a_gap_not_a_zero():
    rows = [{"start": datetime(2015, 1, 5), "x": datetime(2015, 1, 5), "posts": 2,
             "values": {"words": [300.0, 2, 150.0], "comments": [0.0, 0, None]}},
            {"start": datetime(2015, 1, 12), "x": datetime(2015, 1, 12), "posts": 1,
             "values": {"words": [50.0, 1, 50.0]}}]
    frame = weeks_frame(rows, "date")
    assert frame["words"].tolist() == [150, 50] and frame["posts"].tolist() == [2, 1]
    assert frame["comments"].isna().all() and frame["comments:sum"].isna().all()
    assert frame["comments:n"].tolist() == [0, 0]
    assert frame["comments:median"].isna().all() and frame["words:median"].tolist() == [150, 50]
    week_axis = weeks_frame([dict(rows[0], x=2.0)], "week")
    assert week_axis["x"].tolist() == [2.0]


def test_a_year_too_big_to_draw_post_by_post_is_drawn_per_week():
    def year_with(posts):
        return Year("http://b/", 2015, {"posts": posts, "terms": ["a", 3, None]},
                    lambda axis: [], lambda: None, lambda: "the posts")

    assert year_with(1000).drawn_per_post and year_with(1000).posts == "the posts"
    big = year_with(1001)
    assert not big.drawn_per_post
    with pytest.raises(TooManyPostsError, match="1001 posts: drawn per week"):
        _ = big.posts
    assert big.terms == ["a"] and year_with(None).post_count == 0


def test_a_site_year_without_posts_or_unknown_opens_nothing(big_year, mongo_server):
    posts, repo, year = big_year
    assert open_year(repo, "http://unknown/", 2015) is None
    assert open_year(repo, SITE, 2014) is None
    assert open_year(repo, {"$ne": 1}, 2015) is None
    summaries.write(posts.database, "posts", "http://empty/", 2015)
    assert Year.from_repository(repo, "http://empty/", 2015) is None


# -- the summaries' figures, from a frame of posts (pure) ------------------------------------

def labelled(docs):
    return numbers_frame([dict(d, _id=i) for i, d in enumerate(docs)], labels=True)


def test_a_pairs_moments_are_over_the_posts_that_have_both_metrics():
    docs = post_docs(5)
    docs[1]["images"] = None
    docs[3]["words"] = None
    pairs = summaries.year_document(labelled(docs), SITE, 2015)["pairs"]
    n, mean_a, mean_b, saa, sbb, sab = pairs["words|images"]
    words, images = np.array([100.0, 300.0, 500.0]), np.array([1.0, 1.0, 1.0])
    assert n == 3 and (mean_a, mean_b) == (words.mean(), images.mean())
    assert (saa, sbb, sab) == pytest.approx((((words - words.mean()) ** 2).sum(), 0.0, 0.0))
    assert pairs["words|words"][0] == 4  # a metric with itself: the posts that have it
    docs = [dict(d, comments=None) for d in post_docs(3)]
    assert summaries.year_document(labelled(docs), SITE, 2015)["pairs"]["words|comments"] == \
        [0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_a_metric_no_post_has_is_counted_as_none_not_as_zeros():
    docs = [dict(d, comments=None) for d in post_docs(3)]
    stats = summaries.year_document(labelled(docs), SITE, 2015)["metrics"]
    assert stats["comments"] == {"n": 0, "sum": 0.0, "mean": None, "median": None, "min": None,
                                 "max": None}
    assert stats["words"] == {"n": 3, "sum": 600.0, "mean": 200.0, "median": 200.0,
                              "min": 100.0, "max": 300.0}


def test_the_trend_is_the_least_squares_slope_from_three_weeks():
    assert summaries.trend_per_week(pd.Series([100.0, 200.0])) is None
    assert summaries.trend_per_week(pd.Series([100.0, 0.0, 300.0])) == pytest.approx(100.0)
    assert summaries.trend_per_week(pd.Series([5.0, 3.0, 1.0, -1.0])) == pytest.approx(-2.0)


def test_the_scatter_sample_spreads_over_the_year_from_its_first_to_its_last_post():
    frame = labelled(post_docs(10))
    assert summaries.sample_rows(frame, size=10) is None
    sample = summaries.sample_rows(frame, size=4)
    assert sample["title"] == ["Week 1", "Week 4", "Week 7", "Week 10"]
    assert sample["metrics"]["words"] == [100.0, 400.0, 700.0, 1000.0]
    assert sample["url"][0] == post_docs(1)[0]["url"] and sample["date"][-1] == "2015-03-11"


def test_a_week_document_holds_each_columns_sum_count_and_median():
    docs = post_docs(3)
    docs[1] = dict(docs[1], published=docs[0]["published"], date=docs[0]["date"],
                   iso_week=docs[0]["iso_week"], week=1, words=None)
    week_docs = summaries.week_documents(labelled(docs), SITE, 2015, "g1")
    by_axis = {axis: [w for w in week_docs if w["axis"] == axis] for axis in ("date", "week")}
    first = by_axis["date"][0]
    assert first["posts"] == 2 and first["values"]["words"] == [100.0, 1, 100.0]
    assert first["values"]["images"] == [1.0, 2, 0.5]
    assert first["x"] == datetime(2015, 1, 5) and first["start"] == datetime(2015, 1, 5)
    assert first["_id"] == f"{SITE}|2015|g1|date|0" and first["generation"] == "g1"
    assert [w["x"] for w in by_axis["week"]] == [1.0, 3.0]
    assert by_axis["week"][0]["start"] == datetime(2015, 1, 7)  # the first day with a post
    assert first["values"]["term:android"] == [1.0, 2, 0.5]


def test_the_summary_of_a_year_counts_weeks_with_posts_and_names_its_days():
    docs = post_docs(3)
    docs.append(dict(docs[2], url="http://blog.example/extra/", words=50))  # same week as #3
    year = summaries.year_document(labelled(docs), SITE, 2015)
    assert (year["posts"], year["weeks_with_posts"]) == (4, 3)
    assert (year["first_day"], year["last_day"]) == ("2015-01-07", "2015-01-21")
    assert year["weekly"]["posts"] == [1, 1, 2] and year["weekly"]["words"] == [100, 200, 350]
    assert year["weekly"]["start"] == datetime(2015, 1, 5)
    assert year["shortest"] == {"title": "Week 3", "date": "2015-01-21",
                                "url": "http://blog.example/extra/", "words": 50}
    assert year["_id"] == f"{SITE}|2015" and year["terms"] == ["android", "apple", "data"]
    assert year["term_stats"]["android"]["sum"] == 0 + 1 + 2 + 2


# -- what every figure shares ----------------------------------------------------------------

def test_a_figures_labels_say_what_its_numbers_are():
    assert figures.value_format("pct") == ":.0f}%" and figures.value_format("z") == ":.2f} σ"
    assert figures.value_format("raw") == figures.value_format("junk") == ":,.0f}"
    assert figures.scale_title("pct") == "% of the year's maximum"
    assert figures.scale_title("z") == "z-score (σ from the year's mean)"
    assert figures.scale_title("raw") == "Value"
    assert figures.metric_label("term:big data") == "“big data”"
    assert figures.metric_label("words") == "Words" and figures.metric_label("nope") == "nope"
    assert figures.escape("") == "(untitled)" and figures.escape(None, "–") == "–"
    assert figures.escape("<b>A & B</b> \"q\"") == "&lt;b&gt;A &amp; B&lt;/b&gt; \"q\""


def test_each_line_gets_its_own_colour_until_the_palette_repeats():
    colours = [figures.color(i) for i in range(10)]
    assert len(set(colours[:8])) == 8 and colours[8:] == colours[:2]


def test_a_figures_layout_is_its_own_copy():
    one = figures.layout(height=300)
    one["font"]["size"] = 99
    two = figures.layout()
    assert two["font"]["size"] == 13 and "height" not in two and one["height"] == 300


def test_scaled_values_of_a_column_with_gaps():
    values = pd.Series([10.0, np.nan, 30.0])
    assert figures.scale_values(values, "pct").tolist()[::2] == [pytest.approx(100 / 3), 100.0]
    z = figures.scale_values(values, "z").tolist()
    assert z[0] == pytest.approx(-1.0) and z[2] == pytest.approx(1.0) and np.isnan(z[1])
    assert figures.scale_values(pd.Series([np.nan, np.nan]), "pct").isna().all()
    assert figures.scale_values(pd.Series([-5.0, -1.0]), "pct").tolist() == [500.0, 100.0]
    assert figures.scale_values(values, "raw").tolist()[::2] == [10.0, 30.0]


def test_days_are_sent_as_epoch_milliseconds():
    assert figures.epoch_ms(pd.DatetimeIndex(["1970-01-02", "2015-01-05"])).tolist() == [
        86_400_000.0, 1_420_416_000_000.0]
    assert figures.untyped([1, 2]) == [1, 2]


def test_a_zoom_is_kept_only_on_a_figure_with_an_x_axis():
    zoom = {"rev": "r", "range": [1, 2]}
    bare = {"data": [], "layout": {"uirevision": "r"}}
    assert figures.keep_x_zoom(bare, zoom) is bare
    kept = figures.keep_x_zoom({"data": [], "layout": {"uirevision": "r", "xaxis": {"a": 1}}},
                               zoom)
    assert kept["layout"]["xaxis"] == {"a": 1, "range": [1, 2], "autorange": False}
    assert figures.zoomed_x_range({"rev": "r", "range": [True, 2]}, "r") is None
    assert figures.zoomed_x_range({"rev": "r", "range": ["x" * 40, 2.5]}, "r") == ["x" * 40, 2.5]
    assert figures.zoomed_x_range({"rev": "r", "range": (1, 2)}, "r") is None


def test_an_empty_figure_says_why_in_the_middle_and_draws_no_axes():
    figure = figures.message_figure("No posts")
    assert figure["data"] == []
    note = figure["layout"]["annotations"][0]
    assert (note["text"], note["x"], note["y"], note["showarrow"]) == ("No posts", 0.5, 0.5,
                                                                         False)
    assert figure["layout"]["xaxis"] == {"visible": False} == figure["layout"]["yaxis"]


def test_the_ends_of_what_a_link_may_hold():
    assert to_query(ViewState(terms=("apple", "big data"))).endswith("&terms=apple,big+data")
    fifty = "&".join(f"k{i}=v" for i in range(49))
    assert parse_overview(f"?{fifty}&year=2015") == OverviewState(year=2015)  # 50 fields
    assert parse_overview(f"?{fifty}&k=v&year=2015") == OverviewState()  # 51: junk
    assert parse_query(f"?{fifty}&scale=z").scale == "z"
    assert parse_query(f"?{fifty}&k=v&scale=z") == ViewState()
    assert parse_query("?scale=z&scale=&rolling=4&rolling=").scale == "z"  # blanks: not given
    assert parse_query("?scale=z&scale=&rolling=4&rolling=").rolling == 4
    # a query is read up to its 20,000th character: "year=201" there, not "year=2015"
    long = "?k=" + "v" * 19989 + "&year=2015"
    assert parse_overview(long) == OverviewState() and parse_query(long).year is None
    assert parse_compare("?blogs=http://a/|b|2015").blogs == ("http://a/|b|2015",)
    key = "x" * 1995 + "|2015"
    assert split_site_year(key) == ("x" * 1995, 2015)
    assert split_site_year("x" + key) is None


@pytest.mark.parametrize("typed", ["inf", "-Infinity", "nan", "1e999"])
def test_a_number_filter_that_is_no_finite_number_is_ignored(big_year, typed):
    posts, repo, year = big_year
    _, count = posts_table.page(repo, year, {"startRow": 0, "endRow": 5, "filterModel": {
        "words": {"filterType": "number", "type": "lessThan", "filter": typed}}})
    assert count == 430


def test_a_rolling_mean_leaves_out_posts_without_the_value_and_a_window_of_none_is_a_gap():
    docs = posts_on([(datetime(2015, 3, 2), 100), (datetime(2015, 3, 3), 0),
                     (datetime(2015, 3, 20), 0), (datetime(2015, 3, 21), 300)])
    docs[1]["words"] = None
    docs[2]["words"] = None
    smoothed, partial = weeks.rolling_posts(numbers_frame(docs), ["words"], 1, 2015)
    values = smoothed["words"].tolist()
    assert values[:2] == [100.0, 100.0] and np.isnan(values[2]) and values[3] == 300.0
    assert partial.tolist() == [False] * 4
    table = weeks.weekly(numbers_frame(docs), ["words"], "date", 2015, medians=True)
    means, _ = weeks.rolling_weeks(table, ["words"], 1, "date", 2015)
    assert means["words"].tolist() == [100.0, 300.0]
    raw, none_partial = weeks.rolling_weeks(table, ["words"], 0, "date", 2015, agg="sum")
    assert raw["words"].tolist() == [100.0, 300.0] and not none_partial.any()
    assert none_partial.dtype == bool
    _, raw_partial = weeks.rolling_posts(numbers_frame(docs), ["words"], 0, 2015)
    assert raw_partial.dtype == bool and not raw_partial.any()


def test_on_the_week_axis_a_window_counts_the_blogs_weeks_not_the_calendars():
    # "Week 1", "Week 2", "Week 3" posted two weeks apart: three of the blog's weeks
    docs = posts_on([(datetime(2015, 1, 5), 100), (datetime(2015, 1, 19), 300),
                     (datetime(2015, 2, 2), 600)])
    for number, doc in enumerate(docs, start=1):
        doc["week"] = number
    frame = numbers_frame(docs)
    by_week = weeks.weekly(frame, ["words"], "week", 2015)
    means, partial = weeks.rolling_weeks(by_week, ["words"], 3, "week", 2015)
    assert means["words"].tolist() == pytest.approx([100, 200, 1000 / 3])
    assert partial.tolist() == [True, True, False]
    by_date = weeks.weekly(frame, ["words"], "date", 2015)
    means, partial = weeks.rolling_weeks(by_date, ["words"], 3, "date", 2015)
    assert means["words"].tolist() == pytest.approx([100, 200, 450])
    assert partial.tolist() == [True, False, False]


def test_a_window_starting_on_1_january_is_whole():
    # 2018 begins on a Monday: the 2-week window of 8 January starts on 1 January
    docs = posts_on([(datetime(2018, 1, 2), 100), (datetime(2018, 1, 9), 300)])
    table = weeks.weekly(numbers_frame(docs), ["words"], "date", 2018)
    _, partial = weeks.rolling_weeks(table, ["words"], 2, "date", 2018)
    assert partial.tolist() == [True, False]


def test_a_rolling_sum_before_the_years_first_monday_counts_only_the_years_weeks():
    # 2015 begins on a Thursday: its first week is the one of Monday 29 December
    table = weekly_table([(datetime(2015, 1, 5), 100), (datetime(2015, 1, 9), 300),
                          (datetime(2015, 1, 19), 50)])
    sums, _ = weeks.rolling_weeks(table, ["words"], 4, "date", 2015, agg="sum")
    # 5 January: weeks of 29 Dec and 5 Jan; 19 January: those and 12 Jan, 19 Jan
    assert sums["words"].tolist() == pytest.approx([400 / 2, 450 / 4])


def test_a_week_whose_posts_lack_the_value_adds_nothing_to_a_rolling_mean():
    docs = posts_on([(datetime(2015, 3, 2), 100), (datetime(2015, 3, 9), 0),
                     (datetime(2015, 3, 16), 300)])
    docs[1]["words"] = None
    table = weeks.weekly(numbers_frame(docs), ["words"], "date", 2015, medians=True)
    means, _ = weeks.rolling_weeks(table, ["words"], 3, "date", 2015)
    assert means["words"].tolist()[-1] == pytest.approx(200.0)
    medians, _ = weeks.rolling_weeks(table, ["words"], 3, "date", 2015, agg="median")
    assert medians["words"].tolist()[-1] == pytest.approx(200.0)
