"""The app over HTTP (Flask's test client, a real SecantusDB): health, compression, callbacks
fed junk, the URL-to-controls sync and the CSV download."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime

import pymongo
import pytest
from conftest import app_for, call_callback, response_of
from dashboard_posts import post_docs

from blogstats import summaries
from tests.conftest import free_port

WEEKLY = "weekly-graph.figure"
SITE = "http://blog.example/"


@pytest.fixture
def app(seeded_db):
    return app_for(*seeded_db)


@pytest.fixture
def client(app):
    return app.server.test_client()


def test_healthz_ok(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_healthz_says_only_unavailable_and_the_log_has_the_details(caplog):
    app = app_for(f"mongodb://u:hunter2@127.0.0.1:{free_port()}", "x")
    resp = app.server.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "unavailable"}  # no host, user or reason for the public
    assert "u:***@127.0.0.1" in caplog.text and "hunter2" not in caplog.text


def test_responses_are_compressed(client, app):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers.get("Content-Encoding") == "gzip"
    assert b"blogstats" in gzip.decompress(page.data)
    resp = call_callback(client, app, WEEKLY, {"site.value": SITE, "year.value": 2015,
                                              "metrics.value": ["words"], "scale.value": "raw",
                                              "rolling.value": 0, "x.value": "date"})
    assert resp.status_code == 200


def weekly(client, app, **values):
    base = {"site.value": SITE, "year.value": 2015, "metrics.value": ["words", "images"],
            "scale.value": "raw", "rolling.value": 0, "x.value": "date"}
    base.update({f"{k}.value": v for k, v in values.items()})
    return call_callback(client, app, WEEKLY, base)


def test_weekly_graph_callback(client, app):
    resp = weekly(client, app, metrics=["words", "images", "comments"], scale="pct")
    assert resp.status_code == 200
    figure = response_of(resp, "weekly-graph", "figure")
    assert [t["name"] for t in figure["data"]] == ["Words", "Images", "Comments"]
    assert figure["layout"]["uirevision"] == f"{SITE}|2015|date"


def test_main_callback_answers_a_client_that_sends_no_state(client, app):
    """bench/load_dashboard.py posts the main callback with inputs only."""
    spec = app.callback_map[WEEKLY]
    values = {"site": SITE, "year": 2015, "metrics": ["words"], "scale": "pct", "rolling": 4,
              "x": "date", "db-status": None}
    body = {"output": WEEKLY, "outputs": {"id": "weekly-graph", "property": "figure"},
            "inputs": [{"id": d["id"], "property": d["property"], "value": values.get(d["id"])}
                       for d in spec["inputs"]], "state": [], "changedPropIds": ["metrics.value"]}
    resp = client.post("/_dash-update-component", data=json.dumps(body),
                       content_type="application/json")
    assert resp.status_code == 200
    assert len(response_of(resp, "weekly-graph", "figure")["data"]) == 1


@pytest.mark.parametrize("junk", [
    {"site": {"$ne": None}}, {"site": ["a"]}, {"year": "2015; drop"}, {"year": {"$gt": 0}},
    {"metrics": [{"$where": "sleep(1000)"}]}, {"metrics": "words"}, {"metrics": None},
    {"scale": ["pct"]}, {"rolling": "4; x"}, {"rolling": 10**12}, {"x": {"a": 1}},
    {"site": "http://unknown.example/"}, {"year": 1999},
])
def test_junk_callback_values_never_give_a_500(client, app, junk):
    resp = weekly(client, app, **junk)
    assert resp.status_code in (200, 204), resp.data[:500]


@pytest.mark.parametrize("junk", [{"$ne": 1}, 1, -1.5, "x", True, None, [{"a": [1]}], [None],
                                  "2015", ["words"] * 3])
def test_junk_for_every_callback(client, app, junk):
    for output, spec in app.callback_map.items():
        if "callback" not in spec:  # clientside: runs in the browser only
            continue
        values = {f"{d['id']}.{d['property']}": junk for d in spec["inputs"] + spec["state"]}
        resp = call_callback(client, app, output, values)
        assert resp.status_code in (200, 204), (output, resp.data[:300])


def sync(client, app, search: str, triggered: str = "blog-url.search", **controls):
    output = next(o for o in app.callback_map if "blog-url.search" in o)
    values = {"blog-url.search": search, "db-status.data": {"ok": True, "reason": ""}}
    values.update({f"{k}.value": v for k, v in controls.items()})
    return json.loads(call_callback(client, app, output, values, [triggered]).data)["response"]


def test_a_shared_link_sets_the_controls(client, app):
    out = sync(client, app, "?metrics=comments,words&scale=z&rolling=4&x=week&sx=links&year=2015",
               metrics=["words"], scale="raw", rolling=0, x="date", sx="words", sy="html_bytes")
    assert out["metrics"]["value"] == ["comments", "words"]
    assert out["scale"]["value"] == "z" and out["rolling"]["value"] == 4
    assert out["x"]["value"] == "week" and out["sx"]["value"] == "links"
    assert out["site"]["value"] == SITE and out["year"]["value"] == 2015
    assert out["site"]["options"] == [{"label": "blog.example", "value": SITE}]
    assert out["site-control"]["hidden"] is True  # one site: no selector
    assert sorted(out["terms"]["value"]) == ["android", "apple", "data"]
    assert "sy" not in out  # unchanged controls are not rewritten


def test_site_and_year_selectors_appear_when_there_is_a_choice(seeded_db):
    uri, name = seeded_db
    client = pymongo.MongoClient(uri)
    client[name].posts.insert_many([
        dict(post_docs(1)[0], url="http://blog.example/2014/x", year=2014),
        dict(post_docs(1)[0], url="https://other.example/1", site="https://other.example/")])
    summaries.backfill(client[name], "posts")
    client.close()
    app = app_for(uri, name)
    out = sync(app.server.test_client(), app, "?site=http://blog.example/&year=2014")
    assert out["site"]["value"] == SITE and out["year"]["value"] == 2014
    assert [o["label"] for o in out["site"]["options"]] == ["blog.example", "other.example"]
    assert [o["value"] for o in out["year"]["options"]] == [2015, 2014]
    assert out["site-control"]["hidden"] is False and out["year-control"]["hidden"] is False
    other = sync(app.server.test_client(), app, "?site=https://other.example/&year=2014")
    assert other["year"]["value"] == 2015  # that site has no 2014: its newest year instead


def test_a_changed_control_rewrites_the_link(client, app):
    out = sync(client, app, "?metrics=words", triggered="scale.value", metrics=["words", "links"],
               scale="pct", rolling=2, x="date", sx="words", sy="html_bytes", site=SITE,
               year=2015, terms=["apple"])
    search = out["blog-url"]["search"]
    assert "metrics=words,links" in search and "scale=pct" in search and "rolling=2" in search
    assert "terms=apple" in search and "year=2015" in search


def rows_request(client, app, request, **extra):
    output = next(o for o in app.callback_map if "posts-table.getRowsResponse" in o)
    values = {"site.value": SITE, "year.value": 2015, "posts-table.getRowsRequest": request,
              "db-status.data": {"ok": True}}
    values.update(extra)
    return json.loads(call_callback(client, app, output, values).data)["response"]


def test_table_pages_filters_and_sorts_on_the_server(client, app):
    out = rows_request(client, app, {
        "startRow": 2, "endRow": 4, "sortModel": [{"colId": "words", "sort": "desc"}],
        "filterModel": {"words": {"filterType": "number", "type": "greaterThanOrEqual",
                                  "filter": 300}}})
    response = out["posts-table"]["getRowsResponse"]
    assert [r["title"] for r in response["rowData"]] == ["Week 6", "Week 5"]
    assert response["rowCount"] == 6  # Weeks 3-8
    assert out["download-button"]["children"] == "Download CSV (6 rows)"


def test_the_table_of_a_site_the_database_does_not_hold_is_empty(client, app):
    out = rows_request(client, app, {"startRow": 0, "endRow": 15},
                       **{"site.value": {"$ne": None}})
    assert out["posts-table"]["getRowsResponse"] == {"rowData": [], "rowCount": 0}


def test_download_holds_the_filtered_sorted_rows_of_every_page(client, app):
    resp = call_callback(client, app, "download.data", {
        "download-button.n_clicks": 1, "site.value": SITE, "year.value": 2015,
        "db-status.data": {"ok": True},
        "posts-table.getRowsRequest": {
            "startRow": 0, "endRow": 2, "sortModel": [{"colId": "words", "sort": "desc"}],
            "filterModel": {"title": {"filterType": "text", "type": "contains", "filter": "week"},
                            "words": {"filterType": "number", "type": "lessThan",
                                      "filter": 500}}}})
    data = response_of(resp, "download", "data")
    assert data["filename"] == "blogstats-blog.example-2015.csv"
    rows = list(csv.DictReader(io.StringIO(data["content"])))
    assert [r["Title"] for r in rows] == ["Week 4", "Week 3", "Week 2", "Week 1"]
    assert rows[0]["Words"] == "400" and rows[0]["URL"].startswith("http://blog.example/")


def test_empty_database_shows_the_crawl_instructions(mongo_db):
    app = app_for(*mongo_db)
    client = app.server.test_client()
    output = next(o for o in app.callback_map if "empty-state.hidden" in o)
    resp = call_callback(client, app, output, {"db-status.data": {"ok": True}})
    out = json.loads(resp.data)["response"]
    assert out["empty-state"]["hidden"] is False and out["dashboard"]["hidden"] is True
    route = next(o for o in app.callback_map if "page.children" in o)
    for path in ("/", "/blog"):
        page = call_callback(client, app, route, {"url.pathname": path}).get_data(as_text=True)
        assert "scrapy crawl blog" in page
    overview = next(o for o in app.callback_map if "overview-empty.hidden" in o)
    out = json.loads(call_callback(client, app, overview, {"db-status.data": {"ok": True}}).data)
    assert out["response"]["overview-empty"]["hidden"] is False
    assert "no measured posts" in json.dumps(out["response"]["overview-empty"]["children"])


def test_posts_without_summaries_tell_how_to_write_them_not_that_there_are_none(seeded_db):
    # a deploy whose release did not run: the posts are there, their summaries are not
    uri, name = seeded_db
    client = pymongo.MongoClient(uri)
    for collection in ("posts_years", "posts_weeks", "posts_ranks"):
        client[name][collection].drop()
    client.close()
    app = app_for(uri, name)
    overview = next(o for o in app.callback_map if "overview-empty.hidden" in o)
    out = json.loads(call_callback(app.server.test_client(), app, overview,
                                   {"db-status.data": {"ok": True}}).data)["response"]
    shown = json.dumps(out["overview-empty"]["children"])
    assert out["overview-empty"]["hidden"] is False
    assert "python -m blogcrawler.release" in shown and "no measured posts" not in shown
    # the blog page says the same
    blog = next(o for o in app.callback_map if "empty-state.hidden" in o)
    out = json.loads(call_callback(app.server.test_client(), app, blog,
                                   {"db-status.data": {"ok": True}}).data)["response"]
    assert out["empty-state"]["hidden"] is False
    assert "python -m blogcrawler.release" in json.dumps(out["empty-state"]["children"])


def test_the_tables_row_count_is_the_posts_not_a_summary_not_yet_rewritten(seeded_db):
    # a later crawl has stored 3 more posts and ended without writing its summary (killed,
    # or the database away at its end): its record is the newest, the summary is c1's
    uri, name = seeded_db
    client = pymongo.MongoClient(uri)
    client[name].posts.insert_many(post_docs(11)[8:])
    client[name].crawls.insert_one({
        "_id": "c2", "site": "http://blog.example/", "year": 2015, "status": "interrupted",
        "complete": False, "started_at": datetime(2026, 1, 2, 10), "finish_reason": "forced_stop",
        "finished_at": datetime(2026, 1, 2, 10, 1), "posts": {"listed": 11, "stored_new": 3}})
    client.close()
    app = app_for(uri, name)
    http = app.server.test_client()
    order = {"sortModel": [{"colId": "words", "sort": "desc"}]}
    first = rows_request(http, app, {"startRow": 0, "endRow": 5, **order})
    response = first["posts-table"]["getRowsResponse"]
    assert response["rowCount"] == 11
    assert [r["title"] for r in response["rowData"]] == [f"Week {i}" for i in (11, 10, 9, 8, 7)]
    rest = rows_request(http, app, {"startRow": 5, "endRow": 15, **order})
    response = rest["posts-table"]["getRowsResponse"]
    assert response["rowCount"] == 11
    assert [r["title"] for r in response["rowData"]] == [f"Week {i}" for i in range(6, 0, -1)]
