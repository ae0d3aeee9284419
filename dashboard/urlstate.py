"""The view's state in the page URL, so a view can be shared by copying the address.

A blog (`/blog`): `?site=...&year=2015&metrics=words,images&agg=mean&scale=pct&rolling=4&x=date
&sx=words&sy=html_bytes&ym=words`; the overview (`/`): `?year=2015&sort=words&order=desc`;
the comparisons (`/compare`): `?blogs=<site>|2015,<site>|2014&metric=words&agg=mean
&layout=overlay`.

Parsing is forgiving: an unknown parameter, a malformed value or an unknown metric is ignored
(the default is kept), never an error. Whether `site` and `year` exist is checked later against
the database (see `resolve_site_year`); here they are only shaped (a string, an int).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlencode

from dashboard.metrics import (
    AGGREGATES,
    COMPARE_LAYOUTS,
    DEFAULT_METRICS,
    DEFAULT_SCATTER,
    METRICS,
    PER_WEEK_METRICS,
    ROLLING_WEEKS,
    SCALES,
    X_AXES,
)

MAX_PARAM_CHARS = 2000  # a site URL is long-ish; anything longer is junk
MAX_TERMS = 64  # more than any crawl tracks
MAX_COMPARED = 12  # blogs on one comparison: more lines than that are unreadable


@dataclass(frozen=True)
class ViewState:
    metrics: tuple[str, ...] = DEFAULT_METRICS
    scale: str = "raw"
    rolling: int = 0
    x: str = "date"
    agg: str = "post"
    ym: str = "words"  # the metric of the years compared
    sx: str = DEFAULT_SCATTER[0]
    sy: str = DEFAULT_SCATTER[1]
    site: str | None = None
    year: int | None = None
    terms: tuple[str, ...] | None = None  # None: all tracked terms


def _first(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    value = values[-1].strip()
    return value if 0 < len(value) <= MAX_PARAM_CHARS else None


def _metric_list(raw: str | None) -> tuple[str, ...] | None:
    if raw is None:
        return None
    chosen = [m for m in dict.fromkeys(raw.split(",")) if m in METRICS]
    return tuple(chosen) or None


def parse_query(search: str | None) -> ViewState:
    """The view a URL's query string asks for; junk falls back to the defaults."""
    state = ViewState()
    if not isinstance(search, str):
        return state
    try:
        params = parse_qs(search.lstrip("?")[:20000], keep_blank_values=False,
                          max_num_fields=50)
    except ValueError:  # too many fields
        return state
    updates: dict = {}
    if metrics := _metric_list(_first(params, "metrics")):
        updates["metrics"] = metrics
    if (scale := _first(params, "scale")) in SCALES:
        updates["scale"] = scale
    if (x := _first(params, "x")) in X_AXES:
        updates["x"] = x
    if (agg := _first(params, "agg")) in AGGREGATES:
        updates["agg"] = agg
    if (ym := _first(params, "ym")) in PER_WEEK_METRICS:
        updates["ym"] = ym
    for name in ("sx", "sy"):
        if (metric := _first(params, name)) in METRICS:
            updates[name] = metric
    rolling = _int(_first(params, "rolling"))
    if rolling in ROLLING_WEEKS:
        updates["rolling"] = rolling
    year = _int(_first(params, "year"))
    if year is not None and 1990 <= year <= 2100:
        updates["year"] = year
    if site := _first(params, "site"):
        updates["site"] = site
    terms = _first(params, "terms")
    if terms is not None:
        updates["terms"] = tuple(t for t in dict.fromkeys(terms.split(",")) if t)[:MAX_TERMS]
    return replace(state, **updates)


def _int(raw: str | None) -> int | None:
    if raw is None or not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 6:
        return None
    return int(raw)


def to_query(state: ViewState) -> str:
    """The query string for a view (`?...`); defaults are left out to keep links short."""
    default = ViewState()
    params: list[tuple[str, str]] = []
    if state.site:
        params.append(("site", state.site))
    if state.year is not None:
        params.append(("year", str(state.year)))
    params.append(("metrics", ",".join(state.metrics)))
    for name in ("agg", "scale", "rolling", "x", "sx", "sy", "ym"):
        value = getattr(state, name)
        if value != getattr(default, name):
            params.append((name, str(value)))
    if state.terms is not None:
        params.append(("terms", ",".join(state.terms)))
    return "?" + urlencode(params, safe=",:/")


def state_from_controls(metrics: Iterable[str] | None, scale, rolling, x, sx, sy, site, year,
                        terms: Iterable[str] | None, all_terms: Iterable[str] = (),
                        agg=None, ym=None) -> ViewState:
    """The view the controls show, validated like a URL (controls can be tampered with too:
    a value of the wrong type counts as not given)."""
    metrics = list(metrics) if isinstance(metrics, list | tuple) else None
    terms = list(terms) if isinstance(terms, list | tuple) else None
    query = {"metrics": ",".join(m for m in (metrics or ()) if isinstance(m, str)),
             "scale": scale, "rolling": rolling, "x": x, "sx": sx, "sy": sy, "site": site,
             "year": year, "agg": agg, "ym": ym}
    state = parse_query(urlencode({k: str(v) for k, v in query.items() if v not in (None, "")}))
    if metrics is not None and not metrics:  # the user cleared every metric: show none
        state = replace(state, metrics=())
    if terms is not None:
        # each once, and no more than a crawl can track (a tampered list is cut, not served)
        chosen = tuple(dict.fromkeys(t for t in terms if isinstance(t, str)))[:MAX_TERMS]
        # every term ticked is the default: keep the URL short
        state = replace(state, terms=None if set(chosen) == set(all_terms) else chosen)
    return state


def resolve_site_year(state: ViewState, available: Mapping[str, list[int]]) -> ViewState:
    """Keep `site` and `year` only if the collection holds them; else pick a default.

    `available` maps each site to its years (newest first, as `data.sites_and_years` gives).
    The default site is the first one; the default year is that site's newest.
    """
    if not available:
        return replace(state, site=None, year=None)
    site = state.site if state.site in available else next(iter(available))
    years = available[site]
    year = state.year if state.year in years else (years[0] if years else None)
    return replace(state, site=site, year=year)


def _params(search: str | None) -> dict[str, list[str]]:
    if not isinstance(search, str):
        return {}
    try:
        return parse_qs(search.lstrip("?")[:20000], keep_blank_values=False, max_num_fields=50)
    except ValueError:  # too many fields
        return {}


@dataclass(frozen=True)
class OverviewState:
    """The overview: which year's blogs (None: every year), sorted by which column."""

    year: int | None = None
    sort: str = "blog"
    descending: bool = False


OVERVIEW_SORTS = ("blog", "year", "posts", "words", "images", "trend", "crawl")


def parse_overview(search: str | None) -> OverviewState:
    params = _params(search)
    year = _int(_first(params, "year"))
    sort = _first(params, "sort")
    return OverviewState(year=year if year is not None and 1990 <= year <= 2100 else None,
                         sort=sort if sort in OVERVIEW_SORTS else "blog",
                         descending=_first(params, "order") == "desc")


def overview_query(state: OverviewState) -> str:
    params = [("year", str(state.year))] if state.year is not None else []
    if state.sort != "blog":
        params.append(("sort", state.sort))
    if state.descending:
        params.append(("order", "desc"))
    return "?" + urlencode(params) if params else ""


@dataclass(frozen=True)
class CompareState:
    """The comparisons: site-years ("<site>|<year>") drawn on one metric, week by week."""

    blogs: tuple[str, ...] = ()
    metric: str = "words"
    agg: str = "mean"
    layout: str = "overlay"


def parse_compare(search: str | None) -> CompareState:
    params = _params(search)
    raw = _first(params, "blogs")
    blogs = tuple(b for b in dict.fromkeys((raw or "").split(","))
                  if b.count("|") >= 1 and _int(b.rsplit("|", 1)[1]) is not None)[:MAX_COMPARED]
    metric, agg, layout = (_first(params, n) for n in ("metric", "agg", "layout"))
    default = CompareState()
    return CompareState(
        blogs=blogs, metric=metric if metric in PER_WEEK_METRICS else default.metric,
        agg=agg if agg in AGGREGATES and agg != "post" else default.agg,
        layout=layout if layout in COMPARE_LAYOUTS else default.layout)


def compare_query(state: CompareState) -> str:
    params = [("blogs", ",".join(state.blogs)), ("metric", state.metric), ("agg", state.agg),
              ("layout", state.layout)]
    return "?" + urlencode(params, safe=",:/|")


def site_year_key(site: str, year: int) -> str:
    return f"{site}|{year}"


def split_site_year(key: object) -> tuple[str, int] | None:
    """("<site>", year) of a "<site>|<year>" key, or None when it is not one."""
    if not isinstance(key, str) or "|" not in key or len(key) > MAX_PARAM_CHARS:
        return None
    site, _, year = key.rpartition("|")
    number = _int(year)
    return (site, number) if site and number is not None else None
