"""Figure builders as pure functions: traces, scaling maths, rolling mean, correlation, escaping."""

import math

import numpy as np
import pandas as pd
import pytest
from dashboard_posts import HOSTILE_TITLE, frame, post_docs

from dashboard import figures
from dashboard.data import posts_frame
from dashboard.figures import untyped


def test_one_trace_per_metric_and_raw_values_get_a_panel_each():
    df = frame()
    fig = figures.weekly_figure(df, ["words", "images", "comments"], "raw")
    assert [t["name"] for t in fig["data"]] == ["Words", "Images", "Comments"]
    assert [t["yaxis"] for t in fig["data"]] == ["y", "y2", "y3"]
    domains = [fig["layout"][f"yaxis{s}"]["domain"] for s in ("", "2", "3")]
    assert all(a[0] >= b[1] for a, b in zip(domains, domains[1:], strict=False))  # stacked
    assert fig["layout"]["xaxis"]["anchor"] == "y3"  # dates under the bottom panel
    assert len(figures.weekly_figure(df, ["words"], "raw")["data"]) == 1


def test_scaled_views_share_one_axis():
    fig = figures.weekly_figure(frame(), ["words", "images"], "pct")
    assert {t["yaxis"] for t in fig["data"]} == {"y"}
    assert fig["layout"]["showlegend"]


def test_unknown_metrics_are_dropped_and_none_left_gives_a_message():
    df = frame()
    assert len(figures.weekly_figure(df, ["words", "$where"], "raw")["data"]) == 1
    empty = figures.weekly_figure(df, [], "raw")
    assert len(empty["data"]) == 0 and "metric" in empty["layout"]["annotations"][0]["text"]


def test_percent_of_the_years_maximum():
    fig = figures.weekly_figure(frame(4), ["words"], "pct")
    assert untyped(fig["data"][0]["y"]) == [25.0, 50.0, 75.0, 100.0]


def test_z_score_uses_population_standard_deviation():
    values = pd.Series([1.0, 2.0, 3.0, 4.0])
    z = figures.scale_values(values, "z")
    assert z.tolist() == pytest.approx([(v - 2.5) / math.sqrt(1.25) for v in values])
    assert z.mean() == pytest.approx(0) and z.std(ddof=0) == pytest.approx(1)


def test_constant_or_zero_columns_scale_to_zero_not_nan():
    zeros = pd.Series([0.0, 0.0, 0.0])
    assert figures.scale_values(zeros, "pct").tolist() == [0.0, 0.0, 0.0]
    assert figures.scale_values(pd.Series([5.0, 5.0]), "z").tolist() == [0.0, 0.0]


def test_rolling_mean_is_a_trailing_window_of_weeks():
    df = frame(6)  # words 100..600, one post a week
    smoothed = figures.rolling_mean(df, ["words"], 2)["words"].tolist()
    assert smoothed == [100, 150, 250, 350, 450, 550]
    assert figures.rolling_mean(df, ["words"], 0)["words"].tolist() == df["words"].tolist()


def test_rolling_window_counts_weeks_not_posts():
    docs = post_docs(3)
    # a second post in the third week: a 1-week window averages both posts of that week
    extra = dict(docs[2], url="http://blog.example/extra/", words=900,
                 published=docs[2]["published"] + pd.Timedelta(days=2))
    df = posts_frame([*docs, extra])
    assert figures.rolling_mean(df, ["words"], 1)["words"].tolist() == [100, 200, 300, 600]


def test_rolling_is_plotted_and_raw_values_stay_in_the_hover():
    fig = figures.weekly_figure(frame(4), ["words"], "raw", rolling=2)
    assert untyped(fig["data"][0]["y"]) == [100, 150, 250, 350]
    assert [row[2] for row in fig["data"][0]["customdata"]] == [100, 200, 300, 400]
    assert "2-week mean" in fig["data"][0]["hovertemplate"]


def test_scale_then_roll_equals_roll_then_scale():
    df = frame(8)
    both = figures.series(df, ["words"], "z", 4)["words"]
    rolled = figures.rolling_mean(df, ["words"], 4)["words"]
    z = figures.scale_values(df["words"], "z")
    expected = (rolled - df["words"].mean()) / df["words"].std(ddof=0)
    assert both.tolist() == pytest.approx(expected.tolist())
    assert not both.equals(z)


def test_hover_shows_title_and_date_and_click_data_carries_the_url():
    fig = figures.weekly_figure(frame(2), ["words"])
    row = fig["data"][0]["customdata"][0]
    assert row[0] == "Week 1" and row[1] == "2015-01-07"
    assert row[-1] == "http://blog.example/2015/01/07/week-1/"
    assert "customdata[0]" in fig["data"][0]["hovertemplate"]


def test_hostile_titles_are_escaped_for_plotly_labels_and_bad_urls_removed():
    df = frame(2, title=HOSTILE_TITLE, url="javascript:alert(3)")
    fig = figures.weekly_figure(df, ["words"])
    assert fig["data"][0]["customdata"][0][0] == ("&lt;script&gt;alert(1)&lt;/script&gt;"
                                            "&lt;img src=x onerror=alert(2)&gt;")
    assert fig["data"][0]["customdata"][0][-1] == ""


def test_dates_go_out_as_epoch_milliseconds_on_a_date_axis():
    fig = figures.weekly_figure(frame(1), ["words"])
    assert fig["layout"]["xaxis"]["type"] == "date"
    assert untyped(fig["data"][0]["x"])[0] == pd.Timestamp("2015-01-07 06:30").value / 1e6
    week = figures.weekly_figure(frame(3), ["words"], x="week")
    assert untyped(week["data"][0]["x"]) == [1, 2, 3] and week["layout"]["xaxis"]["type"] == "linear"


def test_uirevision_is_set_so_zoom_survives_metric_changes():
    a = figures.weekly_figure(frame(), ["words"], uirevision="s|2015|date")
    b = figures.weekly_figure(frame(), ["words", "links"], "pct", uirevision="s|2015|date")
    assert a["layout"]["uirevision"] == b["layout"]["uirevision"] == "s|2015|date"


def test_a_big_year_is_drawn_as_weekly_means():
    # 3 posts a week for 400 weeks' worth of posts: more than POINTS_LIMIT
    n = figures.POINTS_LIMIT + 200
    docs = []
    for doc in post_docs(n // 3 + 1):
        for j in range(3):
            docs.append(dict(doc, url=f"{doc['url']}{j}", words=100 * (j + 1),
                             published=doc["published"] + pd.Timedelta(hours=j)))
    df = posts_frame(docs)
    fig = figures.weekly_figure(df, ["words", "images"], "raw")
    assert len(fig["data"]) == 2
    assert len(untyped(fig["data"][0]["y"])) == n // 3 + 1  # one point per week
    assert set(untyped(fig["data"][0]["y"])) == {200.0}  # the mean of 100, 200, 300
    first = fig["data"][0]["customdata"][0]
    assert first[:2] == ["Week of 2015-01-05", 3] and first[3] == ""  # nothing to open
    assert "weekly means" in fig["layout"]["title"]["text"]
    terms = figures.terms_figure(df, ["android"])
    assert len(untyped(terms["data"][0]["y"])) == n // 3 + 1
    by_number = figures.weekly_figure(df, ["words"], x="week")
    assert untyped(by_number["data"][0]["x"])[:3] == [1.0, 2.0, 3.0]
    scatter, r = figures.scatter_figure(df, "words", "images")
    assert scatter["data"][0]["type"] == "scatter" and "customdata" not in scatter["data"][0]
    assert len(untyped(scatter["data"][0]["x"])) == len(df)


def test_weekly_means_counts_posts_per_week():
    docs = post_docs(2)
    extra = dict(docs[1], url="http://blog.example/x", words=600,
                 published=docs[1]["published"] + pd.Timedelta(days=1))
    weeks = figures.weekly_means(posts_frame([*docs, extra]), ["words"], "date")
    assert weeks["posts"].tolist() == [1, 2] and weeks["words"].tolist() == [100, 400]
    assert weeks["published"].dt.dayofweek.tolist() == [0, 0]  # Mondays


def test_typed_arrays_round_trip():
    values = [1.5, float("nan"), 1.4e12]
    back = untyped(figures.typed(values))
    assert back[0] == 1.5 and math.isnan(back[1]) and back[2] == 1.4e12


def test_terms_figure_has_one_line_per_chosen_term():
    df = frame()
    fig = figures.terms_figure(df, ["android", "apple", "nope"])
    assert [t["name"] for t in fig["data"]] == ["“android”", "“apple”"]
    assert untyped(fig["data"][0]["y"]) == list(range(8))
    assert len(figures.terms_figure(df, [])["data"]) == 0


def test_pearson_r():
    a = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    assert figures.pearson(a, 2 * a + 1) == pytest.approx(1.0)
    assert figures.pearson(a, -a) == pytest.approx(-1.0)
    b = pd.Series([2.0, 1.0, 4.0, 3.0, 5.0])
    assert figures.pearson(a, b) == pytest.approx(np.corrcoef(a, b)[0, 1]) == pytest.approx(0.8)
    assert figures.pearson(a, pd.Series([3.0] * 5)) is None
    assert figures.pearson(a[:2], b[:2]) is None
    with_gap = pd.Series([1.0, np.nan, 3.0, 4.0, 5.0])
    assert figures.pearson(with_gap, b) == pytest.approx(np.corrcoef([1, 3, 4, 5], [2, 4, 3, 5])[0, 1])


def test_scatter_figure_shows_r_and_a_fit_line():
    df = frame()  # html_bytes = 10000 + words / 2: a perfect correlation
    fig, r = figures.scatter_figure(df, "words", "html_bytes")
    assert r == pytest.approx(1.0)
    assert len(fig["data"]) == 2 and fig["data"][1]["name"] == "least-squares line"
    assert fig["layout"]["xaxis"]["title"]["text"] == "Words"
    assert "very strong positive" in figures.describe_r(r)
    assert "not defined" in figures.describe_r(None)


def test_words_per_week_counts_empty_weeks_and_the_trend_is_the_slope():
    df = posts_frame(post_docs(3, start=pd.Timestamp("2015-01-05 10:00").to_pydatetime()))
    weekly = figures.words_per_week(df)
    assert weekly.tolist() == [100, 200, 300]
    assert figures.trend_per_week(weekly) == pytest.approx(100)
    gap = posts_frame([post_docs(1)[0], dict(post_docs(3)[2], words=300)])
    assert figures.words_per_week(gap).tolist() == [100, 0, 300]


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
    figure = figures.weekly_figure(frame(), ["words"], uirevision="s|2015|date")
    fig = figures.keep_x_zoom(figure, zoom)
    assert fig["layout"]["xaxis"].get("range") == kept
    if kept:
        assert fig["layout"]["xaxis"]["autorange"] is False
