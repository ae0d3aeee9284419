"""The dashboard as the platform runs it: the Procfile's `web` line started by honcho (gunicorn,
2 workers, the Procfile's worker class and limits) on a real SecantusDB, attacked as a public
URL is: slow and idle clients, huge requests, and secrets in a database URI.

No timing is asserted: a starved server does not answer at all (the sync workers of old
answered 0 of 6 health checks), so each check asks only whether an answer came.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from urllib.parse import quote_plus

import psutil
import pymongo
import pytest
from dashboard_posts import post_docs

from bench.slow_clients import poll_health, slow_clients
from bench.web_process import WebProcess
from blogstats import summaries
from tests.conftest import SecantusServer, free_port

pytestmark = pytest.mark.slow
SITE = "http://blog.example/"


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None, timeout: float = 60) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def seeded(mongo_server):
    name = f"web_{free_port()}"
    client = pymongo.MongoClient(mongo_server.uri)
    client[name].posts.insert_many(post_docs(8))
    summaries.backfill(client[name], "posts")  # what `release` does on each deploy
    client.close()
    yield mongo_server.uri, name
    pymongo.MongoClient(mongo_server.uri).drop_database(name)


@pytest.fixture(scope="module")
def web(seeded):
    uri, name = seeded
    process = WebProcess(free_port(), {"MONGODB_URI": uri, "MONGODB_DATABASE": name,
                                       "WEB_CONCURRENCY": "2"})
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def terms_body(port: int, terms: list) -> bytes:
    deps = json.loads(request(port, "GET", "/_dash-dependencies")[2])
    (dep,) = [d for d in deps if d["output"] == "terms-graph.figure"]
    values = {"site": SITE, "year": 2015, "terms": terms, "rolling": 0, "x": "date",
              "db-status": {"ok": True}}
    return json.dumps({"output": dep["output"],
                       "outputs": {"id": "terms-graph", "property": "figure"},
                       "inputs": [{"id": i["id"], "property": i["property"],
                                   "value": values.get(i["id"])} for i in dep["inputs"]],
                       "state": [], "changedPropIds": ["terms.value"]}).encode()


JSON = {"Content-Type": "application/json"}


def test_security_headers_on_every_kind_of_response(web):
    for method, path, body in [("GET", "/", None), ("GET", "/healthz", None),
                               ("GET", "/assets/style.css", None), ("GET", "/nope.js", None),
                               ("GET", "/_dash-component-suites/dash/nope.js", None),
                               ("POST", "/_dash-update-component", b"{")]:
        status, headers, _ = request(web.port, method, path, body, JSON)
        assert headers.get("X-Frame-Options") == "DENY", (path, status)
        assert headers.get("X-Content-Type-Options") == "nosniff"
        assert headers.get("Referrer-Policy") == "same-origin"
        assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", "")
        if path == "/_dash-component-suites/dash/nope.js":
            assert status == 404
    _, headers, _ = request(web.port, "GET", "/", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in headers.get("Strict-Transport-Security", "")
    assert "Traceback" not in web.text()


def test_idle_and_slow_clients_do_not_starve_the_others(web):
    with slow_clients(web.port, "idle", 60), slow_clients(web.port, "slowloris", 60), \
            slow_clients(web.port, "slow-body", 20):
        polls = poll_health(web.port, seconds=6, timeout=10)
    assert len(polls) >= 4 and all(t is not None for t in polls), polls


def workers(web) -> list[psutil.Process]:
    return [p for p in psutil.Process(web.proc.pid).children(recursive=True)
            if "gunicorn" in " ".join(p.cmdline()) and p.ppid() != web.proc.pid
            and p.name() not in ("sh", "bash", "dash")]


def test_huge_requests_are_refused_and_cost_the_workers_nothing(web):
    before = max(p.memory_info().rss for p in workers(web))
    status, _, body = request(web.port, "POST", "/_dash-update-component",
                              b"x" * (11 * 1024 * 1024), JSON)
    assert status == 413 and b"larger than" in body
    # a term repeated 50,000 times, twice at once: both refused, and the page still answers
    big = terms_body(web.port, ["apple"] * 50_000)
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        request(web.port, "POST", "/_dash-update-component", big, JSON)[0])) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [413, 413]
    sort_body = json.dumps({"output": "x", "inputs": [{"sortModel": [{"colId": "words"}] * 100_000}]})
    assert request(web.port, "POST", "/_dash-update-component", sort_body.encode(), JSON)[0] == 413
    assert request(web.port, "GET", "/")[0] == 200
    after = max(p.memory_info().rss for p in workers(web))
    assert after - before < 50 * 1024 * 1024, (before, after)
    # and within the limit, the repeated term is drawn once
    status, _, body = request(web.port, "POST", "/_dash-update-component",
                              terms_body(web.port, ["apple"] * 150), JSON)
    assert status == 200
    traces = json.loads(body)["response"]["terms-graph"]["figure"]["data"]
    assert [t["name"] for t in traces] == ["“apple”"]


def test_a_request_line_or_headers_too_long_are_refused(web):
    with socket.create_connection(("127.0.0.1", web.port), timeout=30) as sock:
        sock.sendall(b"GET /?" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 414")
    headers = b"".join(b"X-%d: 1\r\n" % i for i in range(100))
    with socket.create_connection(("127.0.0.1", web.port), timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 431")


# -- secrets in the database URI ----------------------------------------------------------------

PASSWORDS = ["q+Zx/9w==ab", "pa?ss#word1", "p@ss:w/rd#?x"]


@pytest.fixture(scope="module")
def auth_database(tmp_path_factory):
    """SecantusDB with --auth and one read user per password above."""
    storage = str(tmp_path_factory.mktemp("auth-web"))
    setup = SecantusServer(storage_path=storage).start()
    client = pymongo.MongoClient(setup.uri)
    client.blogstats.posts.insert_many(post_docs(4))
    for i, password in enumerate(PASSWORDS):
        client.blogstats.command("createUser", f"reader{i}", pwd=password,
                                 roles=[{"role": "read", "db": "blogstats"}])
    client.close()
    setup.stop()
    server = SecantusServer(storage_path=storage, extra_args=("--auth",)).start()
    yield server
    server.stop()


def pages_of(port: int) -> str:
    """What the public sees: /healthz, the page, and the banner's and a graph's callbacks."""
    seen = [request(port, "GET", "/healthz")[2], request(port, "GET", "/")[2],
            request(port, "GET", "/_dash-layout")[2]]
    deps = json.loads(request(port, "GET", "/_dash-dependencies")[2])
    for output in ("..db-status.data...banner.children...banner.hidden..", "weekly-graph.figure"):
        (dep,) = [d for d in deps if d["output"] == output]
        body = {"output": output, "outputs": [{"id": o.split(".")[0], "property": o.split(".")[1]}
                                              for o in output.strip(".").split("...")],
                "inputs": [{"id": i["id"], "property": i["property"],
                            "value": {"ok": False} if i["id"] == "db-status" else
                            (SITE if i["id"] == "site" else 2015 if i["id"] == "year" else 1)}
                           for i in dep["inputs"]],
                "state": [{"id": s["id"], "property": s["property"], "value": None}
                          for s in dep["state"]], "changedPropIds": []}
        if not output.startswith(".."):
            body["outputs"] = body["outputs"][0]
        seen.append(request(port, "POST", "/_dash-update-component", json.dumps(body).encode(),
                            JSON)[2])
    return b"\n".join(seen).decode("utf-8", "replace")


@pytest.mark.parametrize("index", range(len(PASSWORDS)))
@pytest.mark.parametrize("encoded", [True, False])
def test_a_password_never_leaves_the_process(auth_database, index, encoded):
    password = PASSWORDS[index]
    written = quote_plus(password) if encoded else password
    uri = (f"mongodb://reader{index}:{written}@127.0.0.1:{auth_database.port}/blogstats"
           "?authSource=blogstats")
    web = WebProcess(free_port(), {"MONGODB_URI": uri, "MONGODB_DATABASE": "blogstats"})
    try:
        web.wait_ready()
        status = request(web.port, "GET", "/healthz")[0]
        assert status == (200 if encoded else 503)
        public = pages_of(web.port)
        log = web.text()
    finally:
        web.stop()
    for secret in {password, written, quote_plus(password)}:
        assert secret not in public, secret
        assert secret not in log, secret
    assert f"reader{index}" not in public and "127.0.0.1:" not in public.split("\n")[0]
    assert "Traceback" not in log
    if not encoded:  # the log says what to do, with the password masked
        assert "percent-encode" in log and "***" in log


def test_a_wrong_setting_stops_web_with_one_sentence(seeded):
    uri, name = seeded
    web = WebProcess(free_port(), {"MONGODB_URI": uri, "MONGODB_DATABASE": name,
                                   "DASHBOARD_MAX_REQUEST_KB": "lots"})
    try:
        web.proc.wait(120)  # gunicorn stops instead of restarting workers that cannot start
    finally:
        web.stop()
    assert "web: error: DASHBOARD_MAX_REQUEST_KB='lots' is not a whole number" in web.text()
    assert "Worker failed to boot" in web.text()
