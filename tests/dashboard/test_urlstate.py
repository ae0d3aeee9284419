"""The URL's view state: junk in, defaults out; a view survives a round trip through its link."""

import pytest

from dashboard.metrics import DEFAULT_METRICS
from dashboard.urlstate import (
    ViewState,
    parse_query,
    resolve_site_year,
    state_from_controls,
    to_query,
)

JUNK = [
    None, "", "?", "?&&&", "?=", "?metrics", "?metrics=", "?metrics=,,,", "?metrics=nope",
    "?metrics[$ne]=1", "?metrics=%00%ff", "?scale=log", "?rolling=abc", "?rolling=-4",
    "?rolling=4.5", "?rolling=99999999999999999999", "?year=abc", "?year=20x5", "?year=-1",
    "?year=１２３", "?x=<script>", "?sx=__proto__&sy=$where", "?%ZZ=%ZZ", "?a=1&" * 500,
    "?site=" + "x" * 5000, 12345, b"?metrics=words", "?terms=%00",
]


@pytest.mark.parametrize("search", JUNK)
def test_junk_never_raises_and_keeps_defaults(search):
    state = parse_query(search)
    assert set(state.metrics) <= set(DEFAULT_METRICS) | {"words"}
    assert state.scale in ("raw", "pct", "z")
    assert state.rolling in (0, 2, 4, 8, 13)
    assert state.year is None or isinstance(state.year, int)
    assert state.site is None or (isinstance(state.site, str) and len(state.site) <= 2000)


def test_known_parameters_are_read_and_unknown_ones_ignored():
    state = parse_query("?metrics=images,bogus,words,images&scale=z&rolling=8&x=week&sx=links"
                        "&sy=comments&year=2015&site=https://blog.example/&utm_source=x")
    assert state == ViewState(metrics=("images", "words"), scale="z", rolling=8, x="week",
                              sx="links", sy="comments", site="https://blog.example/", year=2015)


def test_operator_shaped_values_stay_plain_strings():
    state = parse_query("?site[$ne]=x&site=%7B%22%24ne%22%3A1%7D&year[$gt]=0")
    assert state.site == '{"$ne":1}'  # a string: resolve_site_year will reject it
    assert state.year is None


def test_round_trip():
    state = ViewState(metrics=("comments", "words"), scale="pct", rolling=4, x="week", sx="images",
                      sy="links", site="http://127.0.0.1:8015/", year=2015, terms=("apple",))
    assert parse_query(to_query(state)) == state


def test_defaults_are_left_out_of_the_link():
    query = to_query(ViewState(site="http://b/", year=2015))
    assert "scale" not in query and "rolling" not in query
    assert "metrics=words,images,links" in query


def test_resolve_keeps_known_site_and_year_and_replaces_unknown_ones():
    available = {"http://a/": [2016, 2015], "http://b/": [2014]}
    assert resolve_site_year(ViewState(site="http://b/", year=2014), available).site == "http://b/"
    fallback = resolve_site_year(ViewState(site='{"$ne":1}', year=1999), available)
    assert (fallback.site, fallback.year) == ("http://a/", 2016)
    wrong_year = resolve_site_year(ViewState(site="http://b/", year=2016), available)
    assert (wrong_year.site, wrong_year.year) == ("http://b/", 2014)
    assert resolve_site_year(ViewState(site="http://a/"), {}).site is None


def test_controls_are_validated_like_a_url():
    state = state_from_controls(["words", {"$ne": 1}, "nope"], "pct", 4, "week", "links",
                                "$where", {"$gt": ""}, "2015", ["apple"], ["apple", "data"])
    assert state.metrics == ("words",)
    assert (state.scale, state.rolling, state.x, state.sx, state.sy) == ("pct", 4, "week",
                                                                          "links", "html_bytes")
    assert state.site == "{'$gt': ''}" and state.year == 2015
    assert state.terms == ("apple",)
    assert state_from_controls([], "raw", 0, "date", None, None, None, None, None).metrics == ()
    every_term = state_from_controls(["words"], "raw", 0, "date", None, None, None, None,
                                     ["data", "apple"], ["apple", "data"])
    assert every_term.terms is None
