"""What anyone on the internet can send the app (Flask's test client, a real SecantusDB): the
headers on every response, the request body limit, callback requests too big or malformed,
unknown assets, and a database that is away."""

from __future__ import annotations

import json

import pytest
from conftest import app_for, call_callback

from tests.conftest import free_port

SITE = "http://blog.example/"
HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin"}


@pytest.fixture
def app(seeded_db):
    return app_for(*seeded_db)


@pytest.fixture
def client(app):
    return app.server.test_client()


def terms_body(app, terms) -> bytes:
    spec = app.callback_map["terms-graph.figure"]
    values = {"site": SITE, "year": 2015, "terms": terms, "rolling": 0, "x": "date",
              "db-status": {"ok": True}}
    return json.dumps({"output": "terms-graph.figure",
                       "outputs": {"id": "terms-graph", "property": "figure"},
                       "inputs": [{"id": d["id"], "property": d["property"],
                                   "value": values.get(d["id"])} for d in spec["inputs"]],
                       "state": [], "changedPropIds": ["terms.value"]}).encode()


def post(client, body: bytes, content_type: str = "application/json"):
    return client.post("/_dash-update-component", data=body, content_type=content_type)


def assert_protected(resp) -> None:
    for name, value in HEADERS.items():
        assert resp.headers.get(name) == value, (name, resp.status_code)
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


def test_every_response_carries_the_security_headers(client, app):
    responses = [client.get("/"), client.get("/healthz"), client.get("/_dash-layout"),
                 client.get("/assets/style.css"), client.get("/assets/nope.css"),
                 post(client, terms_body(app, ["apple"])), post(client, b"{", ),
                 post(client, b"x" * 200_000)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 200, 400, 413]
    for resp in responses:
        assert_protected(resp)
    assert "Strict-Transport-Security" not in responses[0].headers  # plain http: no HSTS


def test_hsts_when_served_over_https(client):
    direct = client.get("/", base_url="https://dash.example")
    assert direct.headers["Strict-Transport-Security"].startswith("max-age=")
    proxied = client.get("/", headers={"X-Forwarded-Proto": "https"})  # the platform's router
    assert "Strict-Transport-Security" in proxied.headers


def test_a_callback_naming_a_term_50000_times_is_refused_at_once(client, app):
    body = terms_body(app, ["apple"] * 50_000)
    assert len(body) > 300_000
    resp = post(client, body)
    assert resp.status_code == 413  # past the body limit: never read
    smaller = terms_body(app, ["apple"] * 5_000)  # within the limit, but no page sends it
    assert len(smaller) < 64 * 1024
    resp = post(client, smaller)
    assert resp.status_code == 400 and "list longer than" in resp.get_json()["error"]


def test_a_repeated_term_within_the_limits_is_drawn_once(client, app):
    resp = post(client, terms_body(app, ["apple"] * 150 + ["nope", {"$ne": 1}]))
    assert resp.status_code == 200
    traces = json.loads(resp.data)["response"]["terms-graph"]["figure"]["data"]
    assert [t["name"] for t in traces] == ["“apple”"]


@pytest.mark.parametrize("body, reason", [
    (b"not json", "not valid JSON"),
    (b"[1, 2]", "not a JSON object"),
    (json.dumps({"output": "nope.figure", "inputs": []}).encode(), "no callback"),
    (json.dumps({"output": "terms-graph.figure", "inputs": [{"id": "x", "property": "y",
                                                              "value": 1}]}).encode(),
     "not the callback's"),
    (json.dumps({"output": "terms-graph.figure", "inputs": "x"}).encode(), "not a list"),
    (("{\"a\": " * 40 + "1" + "}" * 40).encode(), "nested deeper"),
])
def test_malformed_callback_requests_get_a_400_with_a_reason(client, body, reason):
    resp = post(client, body)
    assert resp.status_code == 400 and reason in resp.get_json()["error"]


def test_a_callback_request_that_is_not_json_is_refused(client, app):
    assert post(client, terms_body(app, ["apple"]), "text/plain").status_code == 400


def test_a_sort_model_repeated_100000_times_is_refused(client, app):
    output = next(o for o in app.callback_map if "posts-table.getRowsResponse" in o)
    request = {"startRow": 0, "endRow": 15,
               "sortModel": [{"colId": "words", "sort": "desc"}] * 100_000}
    resp = call_callback(client, app, output, {"posts-table.getRowsRequest": request,
                                                "site.value": SITE, "year.value": 2015})
    assert resp.status_code == 413


def test_an_11_mb_body_is_refused_without_being_read(client):
    resp = client.post("/", data=b"x" * (11 * 1024 * 1024), content_type="application/json")
    assert resp.status_code in (405, 413)
    resp = post(client, b"x" * (11 * 1024 * 1024))
    assert resp.status_code == 413 and "larger than 64 kB" in resp.get_json()["error"]


@pytest.mark.parametrize("path", [
    "/_dash-component-suites/dash/nope.js", "/_dash-component-suites/nope/x.js",
    "/_dash-component-suites/dash/../../../etc/passwd", "/assets/../app.py",
    "/assets/%2e%2e/data.py",
])
def test_a_bad_asset_path_is_a_404_not_a_traceback(client, path, caplog):
    resp = client.get(path)
    assert resp.status_code == 404 and b"Traceback" not in resp.data
    assert "Traceback" not in caplog.text


def test_with_the_database_down_the_graphs_say_so(mongo_db):
    app = app_for(f"mongodb://127.0.0.1:{free_port()}", "x")
    client = app.server.test_client()
    resp = call_callback(client, app, "weekly-graph.figure", {"db-status.data": {"ok": False}})
    text = json.loads(resp.data)["response"]["weekly-graph"]["figure"]["layout"]["annotations"][0]
    assert "not answering" in text["text"] and "Choose" not in text["text"]
