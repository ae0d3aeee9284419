"""Each view's figure as a pure function of a year of posts: traces, panels, scaling maths,
rolling means and their incomplete windows, hover labels, escaping, correlation."""

import math

import numpy as np
import pandas as pd
import pytest
from dashboard_posts import HOSTILE_TITLE, post_docs, year_of

from dashboard import figures
from dashboard.figures import untyped
from dashboard.views import scatter, terms, weekly
from dashboard.views.lines import scale_params


def test_one_trace_per_metric_and_raw_values_get_a_panel_each():
    fig = weekly.figure(year_of(post_docs()), ["words", "images", "comments"], "raw")
    assert [t["name"] for t in fig["data"]] == ["Words", "Images", "Comments"]
    assert [t["yaxis"] for t in fig["data"]] == ["y", "y2", "y3"]
    domains = [fig["layout"][f"yaxis{s}"]["domain"] for s in ("", "2", "3")]
    assert all(a[0] > b[1] for a, b in zip(domains, domains[1:], strict=False))  # stacked, apart
    assert fig["layout"]["xaxis"]["anchor"] == "y3"  # dates under the bottom panel
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles == ["Words", "Images", "Comments"]  # panel titles, not rotated axis titles
    assert len(weekly.figure(year_of(post_docs()), ["words"], "raw")["data"]) == 1


@pytest.mark.parametrize("n", [2, 5, 14])
def test_panel_height_follows_the_number_of_panels(n):
    metrics = list(figures.METRICS)[:n]
    fig = weekly.figure(year_of(post_docs()), metrics, "raw")
    plot_px = fig["layout"]["height"] - fig["layout"]["margin"]["t"] - fig["layout"]["margin"]["b"]
    for s in ["", *[str(i) for i in range(2, n + 1)]]:
        low, high = fig["layout"][f"yaxis{s}"]["domain"]
        assert (high - low) * plot_px == pytest.approx(weekly.PANEL_PX, abs=1)
    gaps = [fig["layout"][f"yaxis{a}"]["domain"][0] - fig["layout"][f"yaxis{b}"]["domain"][1]
            for a, b in zip(["", *map(str, range(2, n))], map(str, range(2, n + 1)), strict=True)]
    assert all(g * plot_px == pytest.approx(weekly.GAP_PX, abs=1) for g in gaps)


def test_scaled_views_share_one_axis():
    fig = weekly.figure(year_of(post_docs()), ["words", "images"], "pct")
    assert {t["yaxis"] for t in fig["data"]} == {"y"}
    assert fig["layout"]["showlegend"]


def test_unknown_metrics_are_dropped_and_none_left_gives_a_message():
    year = year_of(post_docs())
    assert len(weekly.figure(year, ["words", "$where", "words"], "raw")["data"]) == 1
    empty = weekly.figure(year, [], "raw")
    assert len(empty["data"]) == 0 and "metric" in empty["layout"]["annotations"][0]["text"]


def test_percent_of_the_years_maximum():
    fig = weekly.figure(year_of(post_docs(4)), ["words"], "pct")
    assert untyped(fig["data"][0]["y"]) == [25.0, 50.0, 75.0, 100.0]


def test_z_score_uses_population_standard_deviation():
    values = pd.Series([1.0, 2.0, 3.0, 4.0])
    z = figures.scale_values(values, "z")
    assert z.tolist() == pytest.approx([(v - 2.5) / math.sqrt(1.25) for v in values])
    a, b = scale_params(values.to_numpy(), "z")
    assert (a * values + b).tolist() == pytest.approx(z.tolist())


def test_constant_or_zero_columns_scale_to_zero_not_nan():
    zeros = pd.Series([0.0, 0.0, 0.0])
    assert figures.scale_values(zeros, "pct").tolist() == [0.0, 0.0, 0.0]
    assert figures.scale_values(pd.Series([5.0, 5.0]), "z").tolist() == [0.0, 0.0]
    assert scale_params(np.array([5.0, 5.0]), "z") == (0.0, 0.0)


def test_rolling_is_plotted_and_raw_values_stay_in_the_hover():
    fig = weekly.figure(year_of(post_docs(4)), ["words"], "raw", rolling=2)
    assert untyped(fig["data"][0]["y"]) == [100, 150, 250, 350]
    assert [row[2] for row in fig["data"][0]["customdata"]] == [100, 200, 300, 400]
    assert "2-week mean" in fig["data"][0]["hovertemplate"]


def test_scaling_a_rolling_mean_scales_by_the_posts_own_values():
    year = year_of(post_docs(8))
    fig = weekly.figure(year, ["words"], "z", rolling=4)
    words = year.posts["words"]
    rolled = [100, 150, 200, 250, 350, 450, 550, 650]
    expected = [(r - words.mean()) / words.std(ddof=0) for r in rolled]
    assert untyped(fig["data"][0]["y"]) == pytest.approx(expected)


def test_incomplete_windows_at_the_start_of_the_year_are_marked():
    # weekly posts from 7 January: a 4-week window (28 days, its own day included) reaches
    # back before 1 January for 7, 14 and 21 January; on 28 January it starts on 1 January
    fig = weekly.figure(year_of(post_docs(8)), ["words"], "raw", rolling=4)
    symbols = fig["data"][0]["marker"]["symbol"]
    assert symbols == ["circle-open"] * 3 + ["circle"] * 5
    assert [bool(row[3]) for row in fig["data"][0]["customdata"]] == [True] * 3 + [False] * 5
    (band,) = fig["layout"]["shapes"]
    assert band["x1"] == untyped(fig["data"][0]["x"])[3]  # up to the first complete point
    assert any("window incomplete" in a["text"] for a in fig["layout"]["annotations"])
    plain = weekly.figure(year_of(post_docs(8)), ["words"], "raw", rolling=0)
    assert plain["layout"]["shapes"] == [] and set(plain["data"][0]["marker"]["symbol"]) == {"circle"}


def test_hover_shows_title_and_date_and_click_data_carries_the_url():
    fig = weekly.figure(year_of(post_docs(2)), ["words"])
    row = fig["data"][0]["customdata"][0]
    assert row[0] == "Week 1" and row[1] == "2015-01-07"
    assert row[-1] == "http://blog.example/2015/01/07/week-1/"
    assert "customdata[0]" in fig["data"][0]["hovertemplate"]


def test_hostile_titles_are_escaped_for_plotly_labels_and_bad_urls_removed():
    year = year_of(post_docs(2, title=HOSTILE_TITLE, url="javascript:alert(3)"))
    fig = weekly.figure(year, ["words"])
    assert fig["data"][0]["customdata"][0][0] == ("&lt;script&gt;alert(1)&lt;/script&gt;"
                                                  "&lt;img src=x onerror=alert(2)&gt;")
    assert fig["data"][0]["customdata"][0][-1] == ""


def test_days_go_out_as_epoch_milliseconds_on_a_date_axis():
    fig = weekly.figure(year_of(post_docs(1)), ["words"])
    assert fig["layout"]["xaxis"]["type"] == "date"
    # the post's own day (the blog's calendar), not its UTC timestamp
    assert untyped(fig["data"][0]["x"])[0] == pd.Timestamp("2015-01-07").value / 1e6
    week = weekly.figure(year_of(post_docs(3)), ["words"], x="week")
    assert untyped(week["data"][0]["x"]) == [1, 2, 3] and week["layout"]["xaxis"]["type"] == "linear"


def test_uirevision_is_set_so_zoom_survives_metric_changes():
    a = weekly.figure(year_of(post_docs()), ["words"], uirevision="s|2015|date")
    b = weekly.figure(year_of(post_docs()), ["words", "links"], "pct", uirevision="s|2015|date")
    assert a["layout"]["uirevision"] == b["layout"]["uirevision"] == "s|2015|date"


def busy_year(posts_per_week: int = 3) -> list[dict]:
    """More posts than POINTS_LIMIT: several a week, words 100, 200, 300 within each week."""
    weeks_needed = figures.POINTS_LIMIT // posts_per_week + 20
    docs = []
    for week, doc in enumerate(post_docs(weeks_needed)):
        for j in range(posts_per_week):
            docs.append(dict(doc, url=f"{doc['url']}{j}", words=100 * (j + 1),
                             published=doc["published"] + pd.Timedelta(hours=j), _id=f"{week}-{j}"))
    return docs


def test_a_big_year_is_drawn_as_weekly_means():
    docs = busy_year()
    year = year_of(docs)
    assert not year.drawn_per_post
    fig = weekly.figure(year, ["words", "images"], "raw")
    weeks_drawn = len({(d["iso_year"], d["iso_week"]) for d in docs})
    assert len(fig["data"]) == 2
    assert len(untyped(fig["data"][0]["y"])) == weeks_drawn  # one point per week
    assert set(untyped(fig["data"][0]["y"])) == {200.0}  # the mean of 100, 200, 300
    first = fig["data"][0]["customdata"][0]
    assert first[:2] == ["Week of 2015-01-05", 3] and first[-1] == ""  # nothing to open
    assert "weekly mean per post" in fig["layout"]["title"]["text"]
    assert "each post is drawn up to 1,000 posts" in fig["layout"]["title"]["text"]
    assert len(untyped(terms.figure(year, ["android"])["data"][0]["y"])) == weeks_drawn
    by_number = weekly.figure(year, ["words"], x="week")
    assert untyped(by_number["data"][0]["x"])[:3] == [1.0, 2.0, 3.0]
    fig, r, note = scatter.figure(year, "words", "images")
    assert len(untyped(fig["data"][0]["x"])) == figures.POINTS_LIMIT  # a sample of the posts
    assert note.startswith(f"1,000 of {len(docs):,} posts")
    # r over every post, from the summaries' moments
    assert r == pytest.approx(np.corrcoef([d["words"] for d in docs],
                                          [d["images"] for d in docs])[0, 1])


def test_rolling_over_weeks_weighs_each_week_by_its_posts():
    docs = busy_year()
    year = year_of(docs)
    fig = weekly.figure(year, ["words"], "raw", rolling=2)
    assert set(untyped(fig["data"][0]["y"])) == {200.0}
    assert fig["data"][0]["marker"]["symbol"][:2] == ["circle-open", "circle"]


def test_terms_figure_has_one_line_per_chosen_term():
    year = year_of(post_docs())
    fig = terms.figure(year, ["android", "apple", "nope"])
    assert [t["name"] for t in fig["data"]] == ["“android”", "“apple”"]
    assert untyped(fig["data"][0]["y"]) == list(range(8))
    assert len(terms.figure(year, [])["data"]) == 0


def test_chosen_terms_are_each_once_and_only_existing_ones():
    assert terms.chosen_terms(["apple"] * 50_000 + ["nope", "data"], ["apple", "data"]) == \
        ["apple", "data"]
    assert terms.chosen_terms({"$ne": 1}, ["apple"]) == []


def moments_of(a: list[float], b: list[float]) -> tuple[float, ...]:
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x == x and y == y]
    n = len(pairs)
    mx, my = sum(p[0] for p in pairs) / n, sum(p[1] for p in pairs) / n
    return (n, mx, my, sum((x - mx) ** 2 for x, _ in pairs), sum((y - my) ** 2 for _, y in pairs),
            sum((x - mx) * (y - my) for x, y in pairs))


def test_pearson_r():
    a = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert scatter.pearson(moments_of(a, [2 * x + 1 for x in a])) == pytest.approx(1.0)
    assert scatter.pearson(moments_of(a, [-x for x in a])) == pytest.approx(-1.0)
    b = [2.0, 1.0, 4.0, 3.0, 5.0]
    assert scatter.pearson(moments_of(a, b)) == pytest.approx(np.corrcoef(a, b)[0, 1]) \
        == pytest.approx(0.8)
    assert scatter.pearson(moments_of(a, [3.0] * 5)) is None
    assert scatter.pearson(moments_of(a[:2], b[:2])) is None
    with_gap = [1.0, np.nan, 3.0, 4.0, 5.0]
    assert scatter.pearson(moments_of(with_gap, b)) == pytest.approx(
        np.corrcoef([1, 3, 4, 5], [2, 4, 3, 5])[0, 1])
    # large values: no cancellation
    big = [1e6 + x for x in a]
    assert scatter.pearson(moments_of(big, b)) == pytest.approx(0.8)


def test_the_moments_of_a_pair_serve_both_orders():
    year = year_of(post_docs())
    xy = scatter.moments(year.summary, "words", "html_bytes")
    yx = scatter.moments(year.summary, "html_bytes", "words")
    assert xy[1:3] == yx[2:0:-1] and xy[3:5] == yx[4:2:-1] and xy[5] == yx[5]
    slope, intercept = scatter.least_squares(xy)
    assert (slope, intercept) == pytest.approx((0.5, 10000))  # html_bytes = 10000 + words / 2


def test_scatter_figure_shows_r_and_a_fit_line():
    fig, r, note = scatter.figure(year_of(post_docs()), "words", "html_bytes")
    assert r == pytest.approx(1.0)  # html_bytes = 10000 + words / 2
    assert note == scatter.EVERY_POST and len(untyped(fig["data"][0]["x"])) == 8
    assert len(fig["data"]) == 2 and fig["data"][1]["name"] == "least-squares line"
    assert fig["layout"]["xaxis"]["title"]["text"] == "Words"
    assert "very strong positive" in scatter.describe_r(r)
    assert "not defined" in scatter.describe_r(None)


def test_typed_arrays_round_trip():
    values = [1.5, float("nan"), 1.4e12]
    back = untyped(figures.typed(values))
    assert back[0] == 1.5 and math.isnan(back[1]) and back[2] == 1.4e12


def test_message_figure_escapes_its_text():
    fig = figures.message_figure("<b>x</b>")
    assert fig["layout"]["annotations"][0]["text"] == "&lt;b&gt;x&lt;/b&gt;"


@pytest.mark.parametrize("zoom, kept", [
    ({"rev": "s|2015|date", "range": ["2015-03-01", "2015-06-30"]}, ["2015-03-01", "2015-06-30"]),
    ({"rev": "s|2015|date", "range": [3, 9]}, [3, 9]),
    ({"rev": "s|2014|date", "range": [3, 9]}, None),  # zoomed on another year
    ({"rev": "s|2015|date", "range": None}, None),  # autoscaled
    (None, None), ("junk", None), ({"rev": "s|2015|date", "range": ["x" * 500, 1]}, None),
    ({"rev": "s|2015|date", "range": [{"$ne": 1}, 2]}, None),
    ({"rev": "s|2015|date", "range": [1, 2, 3]}, None),
])
def test_the_users_x_zoom_is_kept_on_the_same_axis_only(zoom, kept):
    figure = weekly.figure(year_of(post_docs()), ["words"], uirevision="s|2015|date")
    fig = figures.keep_x_zoom(figure, zoom)
    assert fig["layout"]["xaxis"].get("range") == kept
    if kept:
        assert fig["layout"]["xaxis"]["autorange"] is False


@pytest.mark.parametrize("agg, expected", [
    ("mean", [200.0]), ("median", [200.0]), ("sum", [600.0])])
def test_weekly_aggregates_of_a_blog_with_several_posts_a_week(agg, expected):
    """Three posts a week (words 100, 200, 300): one point per week, whatever was asked."""
    docs = busy_year()[:30]  # ten weeks of three posts
    fig = weekly.figure(year_of(docs), ["words"], "raw", agg=agg)
    ys = untyped(fig["data"][0]["y"])
    assert len(ys) == 10 and set(ys) == set(expected)
    assert "Week of" in fig["data"][0]["customdata"][0][0]


def test_a_weekly_median_is_the_median_not_the_mean():
    docs = post_docs(3)
    for doc, words in zip(docs, (100, 200, 900), strict=True):  # one week, three posts
        doc.update(words=words, date=docs[0]["date"], iso_week=docs[0]["iso_week"])
    year = year_of(docs)
    assert untyped(weekly.figure(year, ["words"], agg="median")["data"][0]["y"]) == [200.0]
    assert untyped(weekly.figure(year, ["words"], agg="mean")["data"][0]["y"]) == [400.0]


def test_a_rolling_weekly_sum_counts_weeks_without_posts_as_zero():
    # posts in weeks 2, 3 and 5 of 2015 (100, 200, 300 words); a 4-week window on week 5
    # holds weeks 2-5: (100 + 200 + 0 + 300) / 4
    docs = post_docs(4, start=pd.Timestamp("2015-01-07").to_pydatetime())
    docs = [docs[0], docs[1], dict(docs[3], words=300)]
    fig = weekly.figure(year_of(docs), ["words"], "raw", rolling=4, agg="sum")
    assert untyped(fig["data"][0]["y"])[-1] == pytest.approx(150.0)
