"""The page's notion of a week (pure): which week a post belongs to and where it is drawn, and
rolling means over whole days whatever the hour."""

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from dashboard_posts import post_docs

from blogstats import weeks
from blogstats.postframe import numbers_frame


def posts_on(days_and_words: list[tuple[datetime, int]]) -> list[dict]:
    base = post_docs(1)[0]
    docs = []
    for i, (when, words) in enumerate(days_and_words):
        iso = when.isocalendar()
        docs.append(dict(base, _id=i, url=f"http://blog.example/{i}", published=when,
                         date=f"{when:%Y-%m-%d}", year=when.year, iso_year=iso.year,
                         iso_week=iso.week, week=iso.week, words=words))
    return docs


def expected_rolling(docs: list[dict], weeks_n: int) -> list[float]:
    """The mean of the posts of the 7N days ending on each post's day (its own day included),
    computed from the dates alone, independently of the code under test."""
    out = []
    for doc in docs:
        day = date.fromisoformat(doc["date"])
        window = [d["words"] for d in docs
                  if day - timedelta(days=7 * weeks_n - 1) <= date.fromisoformat(d["date"]) <= day]
        out.append(sum(window) / len(window))
    return out


def test_an_n_week_window_is_7n_whole_days_whatever_the_hour():
    # Not 7 days apart at the same hour: a window one day short, or measured in hours, differs.
    docs = posts_on([
        (datetime(2015, 3, 2, 23, 50), 100),   # 27 days before the last: inside 4 weeks
        (datetime(2015, 3, 1, 0, 10), 1000),   # 28 days before: outside
        (datetime(2015, 3, 15, 12, 0), 300),
        (datetime(2015, 3, 29, 0, 5), 500),
    ])
    docs.sort(key=lambda d: d["published"])
    frame = numbers_frame(docs)
    smoothed, partial = weeks.rolling_posts(frame, ["words"], 4, 2015)
    assert smoothed["words"].tolist() == pytest.approx(expected_rolling(docs, 4))
    assert smoothed["words"].tolist()[-1] == pytest.approx((100 + 300 + 500) / 3)
    assert not partial.any()


def test_posts_of_the_same_day_share_their_window():
    docs = posts_on([(datetime(2015, 6, 1, 8), 100), (datetime(2015, 6, 1, 20), 300)])
    smoothed, _ = weeks.rolling_posts(numbers_frame(docs), ["words"], 1, 2015)
    assert smoothed["words"].tolist() == [200, 200]


def test_a_window_reaching_before_1_january_is_partial():
    docs = posts_on([(datetime(2015, 1, 3), 100), (datetime(2015, 1, 27, 23), 200),
                     (datetime(2015, 1, 28, 1), 300)])
    _, partial = weeks.rolling_posts(numbers_frame(docs), ["words"], 4, 2015)
    # the 28 days ending on 27 January start on 31 December; those ending on the 28th, on
    # 1 January: complete
    assert partial.tolist() == [True, True, False]


def test_weeks_at_the_turn_of_the_year_are_drawn_where_they_belong():
    docs = posts_on([(datetime(2016, 1, 1), 1), (datetime(2016, 1, 3), 1),   # ISO 2015-W53
                     (datetime(2016, 1, 4), 1),                                 # ISO 2016-W1
                     (datetime(2016, 12, 31), 1)])                              # ISO 2016-W52
    frame = numbers_frame(docs)
    assert weeks.week_position(frame, 2016).tolist() == [0, 0, 1, 52]
    docs = posts_on([(datetime(2014, 12, 29), 1), (datetime(2014, 12, 31), 1)])  # ISO 2015-W1
    assert weeks.week_position(numbers_frame(docs), 2014).tolist() == [53, 53]  # 2014 has 52


def test_the_blogs_own_week_numbers_are_kept():
    docs = posts_on([(datetime(2016, 1, 1), 1)])
    docs[0]["week"] = 1  # the blog calls it "Week 1" although ISO says 2015-W53
    assert weeks.week_position(numbers_frame(docs), 2016).tolist() == [1]


def test_weekly_table_sums_means_and_medians():
    docs = posts_on([(datetime(2015, 1, 5), 100), (datetime(2015, 1, 6), 200),
                     (datetime(2015, 1, 11), 600), (datetime(2015, 1, 19), 50)])
    table = weeks.weekly(numbers_frame(docs), ["words"], "date", 2015, medians=True)
    assert table["posts"].tolist() == [3, 1]
    assert table["words"].tolist() == [300, 50]
    assert table["words:sum"].tolist() == [900, 50]
    assert table["words:median"].tolist() == [200, 50]
    assert [d.date() for d in table["start"]] == [date(2015, 1, 5), date(2015, 1, 19)]


def test_words_per_week_counts_empty_weeks():
    docs = posts_on([(datetime(2015, 1, 5), 100), (datetime(2015, 1, 20), 300)])
    weekly = weeks.every_week(numbers_frame(docs), "words")
    assert weekly.tolist() == [100, 0, 300]
    assert weeks.every_week(numbers_frame([]), "words").empty


def test_weeks_in_iso_year():
    assert [weeks.weeks_in_iso_year(y) for y in (2014, 2015, 2020)] == [52, 53, 53]
    assert np.isnan(weeks.mondays(np.array([np.nan]), np.array([3.0]))[0].value) or \
        weeks.mondays(np.array([np.nan]), np.array([3.0])).isna().all()


def test_mondays_of_iso_weeks_agree_with_the_calendar_for_thirty_years():
    days = [date(2000, 1, 1) + timedelta(days=i) for i in range(366 * 30)]
    iso = [d.isocalendar() for d in days]
    got = weeks.mondays(np.array([i.year for i in iso], float), np.array([i.week for i in iso], float))
    assert [g.date() for g in got] == [d - timedelta(days=d.weekday()) for d in days]
