"""Load the dashboard on loopback: gunicorn with 2 workers, 50 concurrent clients for 30 s.

    python -m bench.load_dashboard [--clients 50] [--seconds 30] [--workers 2]

A real SecantusDB holds the 52 posts of the fixture blog (its ground-truth documents, as a crawl
stores them); gunicorn serves `dashboard.app:server`; each client alternates the page (GET /) and
the main graph's callback (POST /_dash-update-component for `weekly-graph.figure`) over one
keep-alive connection. Bounded in time and in clients; only 127.0.0.1 is ever contacted.
Prints requests per second, p50/p95/max latency and errors per endpoint.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pymongo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from blogstats import summaries  # noqa: E402
from fixture_site import Blog  # noqa: E402
from tests.conftest import SecantusServer, free_port  # noqa: E402


def fill(uri: str, db: str) -> str:
    blog = Blog("http://blog.fixture.test/")
    client = pymongo.MongoClient(uri)
    client[db].posts.insert_many([dict(doc, crawl_id="load", crawled_at=doc["published"])
                                  for doc in blog.truth()])
    summaries.backfill(client[db], "posts")  # as `release` does for posts stored before
    client.close()
    return blog.root


def start_gunicorn(uri: str, db: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "MONGODB_URI": uri, "MONGODB_DATABASE": db}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "dashboard.app:server", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def callback_body(port: int, site: str) -> bytes:
    """The request the page sends for the main graph, built from the app's own dependency list."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/_dash-dependencies")
    deps = json.loads(conn.getresponse().read())
    conn.close()
    (dep,) = [d for d in deps if d["output"] == "weekly-graph.figure"]
    values = {"site": site, "year": 2015, "metrics": ["words", "images", "links"],
              "scale": "pct", "rolling": 4, "x": "date", "db-status": None}
    inputs = [{"id": i["id"], "property": i["property"], "value": values.get(i["id"])}
              for i in dep["inputs"]]
    return json.dumps({"output": dep["output"], "outputs": {"id": "weekly-graph",
                       "property": "figure"}, "inputs": inputs, "changedPropIds": ["metrics.value"],
                       "state": []}).encode()


def client_loop(port: int, body: bytes, deadline: float, results: dict, lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    local = {"page": [], "callback": [], "errors": []}
    turn = 0
    while time.monotonic() < deadline:
        kind = "page" if turn % 2 == 0 else "callback"
        turn += 1
        started = time.perf_counter()
        try:
            if kind == "page":
                conn.request("GET", "/", headers={"Accept-Encoding": "gzip"})
            else:
                conn.request("POST", "/_dash-update-component", body=body,
                             headers={"Content-Type": "application/json",
                                      "Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                local["errors"].append(f"{kind}: HTTP {response.status}")
            else:
                local[kind].append(elapsed)
        except (OSError, http.client.HTTPException) as exc:
            local["errors"].append(f"{kind}: {type(exc).__name__}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    with lock:
        for key, values in local.items():
            results[key].extend(values)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_dashboard")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 200 and 1 <= args.seconds <= 120):
        parser.error("at most 200 clients and 120 s")
    db_server = SecantusServer().start()
    gunicorn = None
    try:
        site = fill(db_server.uri, "load")
        port = free_port()
        gunicorn = start_gunicorn(db_server.uri, "load", port, args.workers)
        body = callback_body(port, site)
        results: dict[str, list] = {"page": [], "callback": [], "errors": []}
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client_loop, args=(port, body, deadline, results, lock))
                   for _ in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait(30)
        db_server.stop()
    print(f"{args.clients} clients, {args.seconds:g} s, gunicorn {args.workers} workers, "
          f"52 posts, loopback")
    print(f"{'endpoint':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind in ("page", "callback"):
        values = results[kind]
        if not values:
            print(f"{kind:<10} {0:>9}")
            continue
        print(f"{kind:<10} {len(values):>9} {len(values) / wall:>8.1f} "
              f"{statistics.median(values) * 1000:>8.1f} {percentile(values, 95) * 1000:>8.1f} "
              f"{max(values) * 1000:>8.1f}")
    errors = results["errors"]
    print(f"errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors))[:5])})" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
