"""Lines over the year, shared by the weekly-metrics and tracked-terms views (pure).

A year is drawn post by post (each post's title in its hover label and its URL as the last
`customdata` field: the page opens it on click) or one point per week: the week's mean per post,
median or sum, read from the summaries (blogstats.summaries), so a blog with six posts a week
draws a readable line. A year with more posts than `POINTS_LIMIT` is drawn per week even when
each post is asked for, and the figure says so. Values are scaled, then smoothed by the rolling
mean of `blogstats.weeks`; the points whose window reaches back before 1 January are drawn
hollow, under a shaded band that says the window is incomplete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from blogstats import weeks
from blogstats.summaries import POINTS_LIMIT
from dashboard import figures
from dashboard.figures import escape, typed

PER_WEEK_WORDS = {"mean": "weekly mean per post", "median": "weekly median",
                  "sum": "weekly sum"}


@dataclass(frozen=True)
class Lines:
    x: np.ndarray
    raw: dict[str, np.ndarray]      # what the hover label calls the value
    plotted: dict[str, np.ndarray]  # scaled, then smoothed
    partial: np.ndarray             # the point's rolling window is incomplete
    labels: list[list]              # per point: [title or week, date or posts, url or ""]
    agg: str                        # "post", or how each week is summed up
    posts: int
    capped: bool = False            # each post was asked for, but the year has too many

    @property
    def per_week(self) -> bool:
        return self.agg != "post"


def scale_params(values: np.ndarray, scale: str) -> tuple[float, float]:
    """(a, b) such that the scaled value is a * value + b (see figures.scale_values)."""
    if scale not in ("pct", "z") or values.size == 0 or np.all(np.isnan(values)):
        return 1.0, 0.0
    if scale == "pct":
        peak = np.nanmax(values)
        return (0.0, 0.0) if not peak else (100.0 / peak, 0.0)
    spread = np.nanstd(values)
    if not spread:
        return 0.0, 0.0
    return 1.0 / spread, -np.nanmean(values) / spread


def effective_agg(year, agg: str) -> tuple[str, bool]:
    """(what is drawn, whether each post was asked for but the year has too many)."""
    if agg == "post" and not year.drawn_per_post:
        return "mean", True
    return (agg if agg in ("post", *weeks.AGGREGATES) else "post"), False


def build(year, columns: Sequence[str], scale: str, rolling: int, x: str,
          agg: str = "post") -> Lines:
    """The lines of `columns` for a `year.Year`."""
    agg, capped = effective_agg(year, agg)
    if agg == "post":
        posts = year.posts
        smoothed, partial = weeks.rolling_posts(posts, columns, rolling, year.year)
        raw = {c: posts[c].to_numpy(dtype=float) for c in columns}
        xs = (figures.epoch_ms(posts["day"]) if x == "date"
              else weeks.week_position(posts, year.year))
        labels = [[escape(t), d, u] for t, d, u in zip(posts["title"].tolist(),
                                                        posts["date"].tolist(),
                                                        posts["url"].tolist(), strict=True)]
    else:
        table = year.weeks(x)
        smoothed, partial = weeks.rolling_weeks(table, columns, rolling, x, year.year, agg)
        raw = {c: weeks.per_week(table, c, agg) for c in columns}
        xs = (figures.epoch_ms(table["x"]) if x == "date"
              else table["x"].to_numpy(dtype=float))
        names = (table["start"].dt.strftime("Week of %Y-%m-%d").tolist() if x == "date"
                 else [f"Week {int(w)}" for w in table["x"].tolist()])
        labels = [[n, int(p), ""] for n, p in zip(names, table["posts"].tolist(), strict=True)]
    plotted = {}
    for column in columns:
        a, b = scale_params(raw[column], scale)
        plotted[column] = a * smoothed[column].to_numpy(dtype=float) + b
    return Lines(x=np.asarray(xs, dtype=float), raw=raw, plotted=plotted,
                 partial=np.asarray(partial, dtype=bool), labels=labels, agg=agg,
                 posts=year.post_count, capped=capped)


def title(lines: Lines) -> str:
    """What a per-week figure says above its plot ("" when each post is drawn)."""
    if not lines.per_week:
        return ""
    text = f"{lines.posts:,} posts: {PER_WEEK_WORDS[lines.agg]}"
    if lines.capped:
        text += f" (each post is drawn up to {POINTS_LIMIT:,} posts)"
    return text


def trace(lines: Lines, column: str, i: int, label: str, scale: str, rolling: int,
          **extra) -> dict:
    """One line: hover shows the post (or week), the raw value and the plotted one; hollow
    markers where the rolling window is incomplete."""
    raw = lines.raw[column]
    raw_list = np.where(np.isnan(raw), None, raw).tolist()
    notes = ["<br><i>window incomplete: starts before 1 January</i>" if p else ""
             for p in lines.partial]
    customdata = [[first, second, value, note, url] for (first, second, url), value, note
                  in zip(lines.labels, raw_list, notes, strict=True)]
    name = escape(label, "")
    shown = ""
    if scale != "raw" or rolling:
        what = f"{rolling}-week mean" if rolling else "plotted"
        shown = f"<br>{what}: %{{y{figures.value_format(scale)}%{{customdata[3]}}"
    if lines.per_week:
        template = (f"<b>%{{customdata[0]}}</b><br>%{{customdata[1]}} posts<br>{name}, "
                    f"{PER_WEEK_WORDS[lines.agg]}: %{{customdata[2]:,.1f}}{shown}"
                    "<extra></extra>")
    else:
        template = (f"<b>%{{customdata[0]}}</b><br>%{{customdata[1]}}<br>{name}: "
                    f"%{{customdata[2]:,.0f}}{shown}<extra></extra>")
    symbols = np.where(lines.partial, "circle-open", "circle").tolist()
    return {"type": "scatter", "mode": "lines+markers", "x": typed(lines.x),
            "y": typed(lines.plotted[column]), "name": label,
            "line": {"color": figures.color(i), "width": 2},
            "marker": {"color": figures.color(i), "size": 6, "symbol": symbols},
            "customdata": customdata, "hovertemplate": template, **extra}


def incomplete_band(lines: Lines, rolling: int) -> tuple[list, list]:
    """A shaded band over the points whose window is incomplete, and its label."""
    if not rolling or not lines.partial.any() or lines.x.size == 0:
        return [], []
    complete = lines.x[~lines.partial]
    end = complete.min() if complete.size else lines.x.max()
    start = lines.x[lines.partial].min()
    shape = {"type": "rect", "xref": "x", "yref": "paper", "x0": start, "x1": end, "y0": 0,
             "y1": 1, "fillcolor": "rgba(82,96,109,0.10)", "line": {"width": 0},
             "layer": "below"}
    note = {"text": f"{rolling}-week window incomplete", "xref": "x", "yref": "paper",
            "x": start, "y": 1.0, "xanchor": "left", "yanchor": "bottom", "showarrow": False,
            "font": {"size": 11, "color": "#52606D"}}
    return [shape], [note]


def x_axis(x: str) -> dict:
    # level labels, few enough for a phone: rotated ones ran into the legend below the plot,
    # and "Jan 2015" five times over ran into each other on a phone: month over year
    axis = dict(figures.AXIS, type="date" if x == "date" else "linear", tickangle=0, nticks=6,
                title={"text": "Blog's week no." if x == "week" else None})
    if x == "date":
        axis["tickformat"] = "%b\n%Y"
    return axis


def frame_of(lines: Lines) -> pd.DataFrame:
    """The plotted values as a frame (for tests and readers)."""
    return pd.DataFrame({"x": lines.x, **lines.plotted, "partial": lines.partial})
