"""The view's state in the page URL, so a view can be shared by copying the address.

`?metrics=words,images&scale=pct&rolling=4&year=2015&site=...&x=date&sx=words&sy=html_bytes`

Parsing is forgiving: an unknown parameter, a malformed value or an unknown metric is ignored
(the default is kept), never an error. Whether `site` and `year` exist is checked later against
the database (see `resolve_site_year`); here they are only shaped (a string, an int).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlencode

from dashboard.metrics import (
    DEFAULT_METRICS,
    DEFAULT_SCATTER,
    METRICS,
    ROLLING_WEEKS,
    SCALES,
    X_AXES,
)

MAX_PARAM_CHARS = 2000  # a site URL is long-ish; anything longer is junk
MAX_TERMS = 64  # more than any crawl tracks


@dataclass(frozen=True)
class ViewState:
    metrics: tuple[str, ...] = DEFAULT_METRICS
    scale: str = "raw"
    rolling: int = 0
    x: str = "date"
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
    for name in ("scale", "rolling", "x", "sx", "sy"):
        value = getattr(state, name)
        if value != getattr(default, name):
            params.append((name, str(value)))
    if state.terms is not None:
        params.append(("terms", ",".join(state.terms)))
    return "?" + urlencode(params, safe=",:/")


def state_from_controls(metrics: Iterable[str] | None, scale, rolling, x, sx, sy, site, year,
                        terms: Iterable[str] | None, all_terms: Iterable[str] = ()) -> ViewState:
    """The view the controls show, validated like a URL (controls can be tampered with too:
    a value of the wrong type counts as not given)."""
    metrics = list(metrics) if isinstance(metrics, list | tuple) else None
    terms = list(terms) if isinstance(terms, list | tuple) else None
    query = {"metrics": ",".join(m for m in (metrics or ()) if isinstance(m, str)),
             "scale": scale, "rolling": rolling, "x": x, "sx": sx, "sy": sy, "site": site,
             "year": year}
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
