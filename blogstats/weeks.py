"""The page's one notion of a week, and the sums and means over weeks (pure, numpy/pandas).

A post belongs to the ISO week the crawler stored for it (`iso_year`, `iso_week`, from the
blog's own `date`), drawn at that week's Monday on a date axis; on the "blog's week no." axis it
sits at its stored `week` (the blog's "Week N", else the ISO week). Days of 1-3 January that
belong to the previous ISO year, and of 29-31 December that belong to the next, are placed
before week 1 and after the last week, not at the far end of the year.

Rolling means cover whole calendar days: an N-week mean at a post published on day D averages
the posts of days D-7N+1 .. D (7N days, D included), whatever the hour. A window that reaches
back before 1 January holds only part of its weeks (the year before is not loaded): such points
are flagged `partial`, and the figures mark them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd


def weeks_in_iso_year(year: int) -> int:
    return date(year, 12, 28).isocalendar().week


def week_position(frame: pd.DataFrame, year: int) -> np.ndarray:
    """x on the "blog's week no." axis for each post of `year` (see the module docstring)."""
    week = frame["week"].to_numpy(dtype=float)
    iso_year = frame["iso_year"].to_numpy(dtype=float)
    iso_week = frame["iso_week"].to_numpy(dtype=float)
    position = week.copy()
    iso_like = week == iso_week  # the blog numbers its weeks as ISO does (or has no numbers)
    before = iso_like & (iso_year < year)
    after = iso_like & (iso_year > year)
    if before.any():
        lengths = np.array([weeks_in_iso_year(int(y)) for y in iso_year[before]], dtype=float)
        position[before] = week[before] - lengths
    position[after] = week[after] + weeks_in_iso_year(year)
    return position


def mondays(iso_year: np.ndarray, iso_week: np.ndarray) -> pd.DatetimeIndex:
    """The Monday of each ISO (year, week); NaT where either is missing. Vectorised: week 1 is
    the week holding 4 January."""
    iso_year = np.asarray(iso_year, dtype=float)
    iso_week = np.asarray(iso_week, dtype=float)
    known = ~(np.isnan(iso_year) | np.isnan(iso_week))
    years = np.where(known, iso_year, 1970).astype(np.int64)
    january_4 = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) + 3
    weekday = (january_4 + 3) % 7  # 1 January 1970 was a Thursday; Monday is 0
    weeks = np.where(known, iso_week, 1).astype(np.int64)
    days = january_4 - weekday + 7 * (weeks - 1)
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[~known] = np.datetime64("NaT")
    return pd.DatetimeIndex(out)


def weekly(frame: pd.DataFrame, columns: Sequence[str], x: str, year: int,
           medians: bool = False) -> pd.DataFrame:
    """One row per week that has posts: `start` (the ISO week's Monday, or on the week axis
    the first day with a post), `x` (what the figure draws), `posts`, and for each column its
    mean per post as `<column>`, its `<column>:sum` and `<column>:n` (a post without the value
    is not counted), and with `medians` its `<column>:median`. Sums by numpy's bincount: a
    pandas groupby over 50,000 posts and 14 columns cost more than the rest of a callback."""
    columns = list(columns)
    if frame.empty:
        return pd.DataFrame(columns=["start", "x", "posts"])
    if x == "week":
        key = week_position(frame, year)
    else:
        key = mondays(frame["iso_year"].to_numpy(float), frame["iso_week"].to_numpy(float))
    codes, uniques = pd.factorize(pd.Series(key), sort=True)
    keep = codes >= 0  # a post with no week is in no row
    codes = codes[keep]
    k = len(uniques)
    out: dict = {"posts": np.bincount(codes, minlength=k)}
    for column in columns:
        values = frame[column].to_numpy(dtype=float)[keep]
        present = ~np.isnan(values)
        sums = np.bincount(codes, weights=np.where(present, values, 0.0), minlength=k)
        counts = np.bincount(codes, weights=present.astype(float), minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[column] = np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)
        out[f"{column}:sum"] = np.where(counts > 0, sums, np.nan)
        out[f"{column}:n"] = counts
        if medians:
            out[f"{column}:median"] = (pd.Series(values).groupby(codes).median()
                                       .reindex(range(k)).to_numpy())
    if x == "week":
        out["x"] = np.asarray(uniques, dtype=float)
        first_day = pd.Series(frame["day"].to_numpy()[keep]).groupby(codes).min()
        out["start"] = first_day.reindex(range(k)).to_numpy()
    else:
        out["x"] = pd.DatetimeIndex(uniques)
        out["start"] = pd.DatetimeIndex(uniques)
    return pd.DataFrame(out)


def _window_sums(positions: np.ndarray, starts: np.ndarray, values: np.ndarray,
                 counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sums of `values` and `counts` over the rows whose position lies in [start, position]
    of each row (positions ascending)."""
    left = np.searchsorted(positions, starts, side="left")
    right = np.searchsorted(positions, positions, side="right")
    value_cum = np.concatenate([[0.0], np.cumsum(values)])
    count_cum = np.concatenate([[0.0], np.cumsum(counts)])
    return value_cum[right] - value_cum[left], count_cum[right] - count_cum[left]


def rolling_posts(frame: pd.DataFrame, columns: Sequence[str], weeks: int,
                  year: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The N-week rolling mean at each post (rows by day, as `numbers_frame` orders them) and
    whether its window is partial. weeks <= 0: the values themselves, nothing partial."""
    if weeks <= 0 or frame.empty:
        return (pd.DataFrame({c: frame[c].to_numpy(dtype=float) for c in columns},
                             index=frame.index), np.zeros(len(frame), dtype=bool))
    days = frame["day"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    starts = days - (7 * weeks - 1)
    out = {}
    for column in columns:
        values = frame[column].to_numpy(dtype=float)
        present = ~np.isnan(values)
        sums, counts = _window_sums(days, starts, np.where(present, values, 0.0),
                                    present.astype(float))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[column] = np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)
    january_first = np.datetime64(date(year, 1, 1), "D").astype(np.int64)
    return pd.DataFrame(out, index=frame.index), starts < january_first


AGGREGATES = ("mean", "median", "sum")


def per_week(weeks_table: pd.DataFrame, column: str, agg: str) -> np.ndarray:
    """A `weekly` table's value of `column` for each week: the mean per post, the median, or
    the sum of its posts (NaN where no post of the week has the value)."""
    suffix = {"mean": "", "median": ":median", "sum": ":sum"}[agg]
    return weeks_table[column + suffix].to_numpy(dtype=float)


def rolling_weeks(weeks_table: pd.DataFrame, columns: Sequence[str], weeks: int, x: str,
                  year: int, agg: str = "mean") -> tuple[pd.DataFrame, np.ndarray]:
    """The N-week rolling value of each row of a `weekly` table, and whether its window is
    partial (reaches back before 1 January). weeks <= 0: `per_week` itself.

    - mean: the window's posts' values summed over their number (a busy week weighs what its
      posts weigh);
    - median: the mean of the medians of the window's weeks that have posts;
    - sum: the window's total over its number of weeks, weeks without posts counted as 0 (a
      window that starts before the year's first week counts only the year's weeks)."""
    if weeks <= 0 or weeks_table.empty:
        return (pd.DataFrame({c: per_week(weeks_table, c, agg) for c in columns},
                             index=weeks_table.index), np.zeros(len(weeks_table), dtype=bool))
    if x == "week":
        positions = weeks_table["x"].to_numpy(dtype=float)
        starts = positions - (weeks - 1)
        partial = starts < 1
        first, step = min(1.0, positions.min()), 1.0
    else:
        positions = weeks_table["start"].to_numpy(dtype="datetime64[D]").astype(np.int64)
        starts = positions - 7 * (weeks - 1)
        january_first = np.datetime64(date(year, 1, 1), "D").astype(np.int64)
        # as for posts: partial when the window's first day is before 1 January
        partial = starts < january_first
        first = min(january_first - (january_first + 3) % 7, positions.min())  # its Monday
        step = 7.0
    out = {}
    for column in columns:
        if agg == "sum":
            values = weeks_table[f"{column}:sum"].fillna(0).to_numpy(float)
            sums, _ = _window_sums(positions, starts, values, np.ones(len(values)))
            counts = np.minimum(weeks, (positions - first) / step + 1)
        elif agg == "median":
            medians = weeks_table[f"{column}:median"].to_numpy(float)
            present = ~np.isnan(medians)
            sums, counts = _window_sums(positions, starts, np.where(present, medians, 0.0),
                                        present.astype(float))
        else:
            sums, counts = _window_sums(positions, starts,
                                        weeks_table[f"{column}:sum"].fillna(0).to_numpy(float),
                                        weeks_table[f"{column}:n"].to_numpy(float))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[column] = np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)
    return pd.DataFrame(out, index=weeks_table.index), partial


def every_week(frame: pd.DataFrame, column: str | None = None) -> pd.Series:
    """Per ISO week (by its Monday), from the first week with a post to the last: the sum of
    `column` over the posts that have it, or the number of posts when None; weeks without
    posts as 0."""
    counted = frame.dropna(subset=[column]) if column and not frame.empty else frame
    if counted.empty:
        return pd.Series(dtype=float)
    monday = mondays(counted["iso_year"].to_numpy(float), counted["iso_week"].to_numpy(float))
    values = (counted[column].astype(float) if column
              else pd.Series(1.0, index=counted.index))
    sums = pd.Series(values.to_numpy(), index=monday).groupby(level=0).sum()
    sums = sums[sums.index.notna()]
    if sums.empty:
        return pd.Series(dtype=float)
    every = pd.date_range(sums.index.min(), sums.index.max(), freq="7D")
    return sums.reindex(every, fill_value=0.0)
