"""The numbers the dashboard shows, case by case (pure functions, no browser): each test names a
figure, a card or a link a user reads, in a case no other test reaches. Written from
`make mutate`'s survivors (mutation/report.md)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from test_weeks import posts_on

from blogstats import weeks
from blogstats.postframe import numbers_frame


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
