"""Dashboard benchmark: callback time, page weight and time to the first graph, at 52 and
10,000 posts.

    python bench/dashboard_bench.py                # both sizes, prints a table
    python bench/dashboard_bench.py --posts 10000  # one size
    python bench/dashboard_bench.py --no-browser   # server-side figures only

It starts its own SecantusDB on a free 127.0.0.1 port (stopped at the end), fills it with
synthetic but realistic post documents (the crawler's document shape, log-normal word counts,
page size tied to word count, posts spread over one year), and measures:

- the main graph callback, server side: the callback's own function (warm cache) and a full
  POST to /_dash-update-component through the Flask app (median of repeats), and the response
  size raw and gzip-compressed; plus the first, uncached call (it reads the database);
- page weight: every request the page makes, replayed with `Accept-Encoding: gzip`, summed
  (what the browser downloads with compression on; Chromium itself negotiates brotli, shown too);
- time until the first graph is drawn in headless Chromium, from navigation start (median).

`measure_main_callback(n_posts)` can be imported by another benchmark script.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pymongo  # noqa: E402

from blogstats import summaries  # noqa: E402
from dashboard.app import create_app  # noqa: E402
from dashboard.config import Config  # noqa: E402
from dashboard.views import weekly  # noqa: E402
from dashboard.year import open_year  # noqa: E402

SITE = "https://blog.example/"
YEAR = 2015
MAIN_OUTPUT = "weekly-graph.figure"
MAIN_VIEW = {"site": SITE, "year": YEAR, "metrics": ["words", "images", "links"],
             "scale": "raw", "rolling": 4, "x": "date"}
MAIN_INPUTS = {**MAIN_VIEW, "db-status": {"ok": True}, "weekly-zoom": None, "data-version": None}
TOPICS = ("Android", "Google", "Apple", "data", "privacy", "the cloud", "startups", "phones")


def synthetic_posts(n: int, seed: int = 2015) -> list[dict]:
    """n post documents shaped like the crawler's, spread over YEAR (deterministic)."""
    rng = random.Random(seed)
    start = datetime(YEAR, 1, 5, 6, 0)
    span = (datetime(YEAR, 12, 27) - start).total_seconds()
    docs = []
    for i in range(n):
        published = start + timedelta(seconds=span * (i + rng.random()) / n)
        words = max(20, int(rng.lognormvariate(5.6, 0.45)))
        paragraphs = max(1, words // rng.randint(35, 70))
        images = rng.choices(range(8), weights=(20, 30, 20, 12, 8, 5, 3, 2))[0]
        links = max(0, int(words / rng.uniform(12, 30)))
        internal = rng.randint(0, min(links, 4))
        html_bytes = 11000 + 9 * words + 180 * images + 90 * links + rng.randint(-600, 600)
        week = published.isocalendar().week
        docs.append({
            "url": f"{SITE}{published:%Y/%m/%d}/post-{i + 1}/", "site": SITE,
            "title": f"Week {week}: {rng.choice(TOPICS)} and {rng.choice(TOPICS)} (#{i + 1})",
            "published": published, "modified": published, "date": f"{published:%Y-%m-%d}",
            "year": YEAR, "iso_week": week, "week": week, "author": "Tom Malm",
            "categories": ["Weekly roundup"] + rng.sample(["News", "Mobile", "Security"], 1),
            "tags": ["roundup"], "words": words, "paragraphs": paragraphs,
            "headings": rng.randint(0, 6), "headings_by_level": {"h2": 2},
            "images": images, "links": links, "links_internal": internal,
            "links_external": links - internal, "list_items": rng.randint(0, 20),
            "blockquotes": rng.randint(0, 2), "embeds": rng.randint(0, 1), "tables": 0,
            "html_bytes": html_bytes, "content_bytes": 7 * words, "comments": rng.randint(0, 9),
            "terms": {t: rng.randint(0, words // 60) for t in ("android", "google", "apple", "data")},
            "content_hash": f"{rng.getrandbits(128):032x}", "extractor": "entry-content",
            "crawled_at": datetime(2026, 1, 1), "crawl_id": "bench", "fingerprint": "x" * 64,
        })
    return docs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def secantus():
    """A throwaway SecantusDB on a free port; yields its URI and stops it (by PID) after."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="secantus-bench-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port",
                             str(port), "--storage-path", ":memory:", "--log-level", "WARNING"],
                            stdout=log, stderr=subprocess.STDOUT)
    uri = f"mongodb://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                pymongo.MongoClient(uri, serverSelectionTimeoutMS=500).admin.command("ping")
                break
            except pymongo.errors.PyMongoError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"SecantusDB did not start; see {log.name}") from None
                time.sleep(0.2)
        yield uri
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def fill(uri: str, database: str, n_posts: int, summarise: bool = True) -> None:
    """n synthetic posts of one site-year, a crawl record, and (`summarise`) the summaries the
    end of that crawl would have written (blogstats.summaries), which the dashboard reads."""
    client = pymongo.MongoClient(uri)
    client[database].posts.drop()
    client[database].posts.create_index("url", unique=True)
    client[database].posts.create_index([("site", 1), ("year", 1)])
    docs = synthetic_posts(n_posts)
    for i in range(0, len(docs), 2000):
        client[database].posts.insert_many(docs[i:i + 2000])
    client[database].crawls.insert_one({
        "_id": f"bench-{n_posts}", "site": SITE, "year": YEAR, "status": "finished",
        "complete": True, "started_at": datetime(2026, 1, 1), "finished_at": datetime(2026, 1, 1),
        "finish_reason": "finished", "posts": {"listed": n_posts, "stored_new": n_posts}})
    if summarise:
        summaries.write(client[database], "posts", SITE, YEAR,
                        client[database].crawls.find_one({"_id": f"bench-{n_posts}"}))
    client.close()


def _callback_body(app, output: str, values: dict) -> bytes:
    spec = app.callback_map[output]
    outputs = [dict(zip(("id", "property"), o.split("."), strict=True))
               for o in output.strip(".").split("...")]

    def bind(items):
        return [{"id": d["id"], "property": d["property"],
                 "value": values.get(d["id"])} for d in items]

    return json.dumps({"output": output,
                       "outputs": outputs if output.startswith("..") else outputs[0],
                       "inputs": bind(spec["inputs"]), "state": bind(spec["state"]),
                       "changedPropIds": ["metrics.value"]}).encode()


def _median_ms(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure_main_callback(n_posts: int, repeats: int = 25, uri: str | None = None) -> dict:
    """Server-side time of the main graph callback at n_posts posts (ms, medians) and the size
    of its response. Starts its own SecantusDB unless `uri` is given."""
    if uri is None:
        with secantus() as own_uri:
            return measure_main_callback(n_posts, repeats, own_uri)
    database = f"bench_{n_posts}"
    fill(uri, database, n_posts)
    app = create_app(Config(mongodb_uri=uri, database=database, cache_seconds=3600))
    client = app.server.test_client()
    body = _callback_body(app, MAIN_OUTPUT, MAIN_INPUTS)

    def post(encoding: str = "identity"):
        resp = client.post("/_dash-update-component", data=body,
                           content_type="application/json",
                           headers={"Accept-Encoding": encoding})
        assert resp.status_code == 200, resp.data[:300]
        return resp

    started = time.perf_counter()
    first = post()  # cache miss: reads the year's posts from the database
    cold_ms = (time.perf_counter() - started) * 1000
    figure = json.loads(first.data)["response"]["weekly-graph"]["figure"]
    assert len(figure["data"]) == len(MAIN_VIEW["metrics"])
    v = MAIN_VIEW
    repo = app.repository

    def figure_function():
        year = open_year(repo, v["site"], v["year"])
        return weekly.figure(year, v["metrics"], v["scale"], v["rolling"], v["x"])

    return {
        "posts": n_posts,
        "traces": len(figure["data"]),
        "cold_ms": cold_ms,
        "function_ms": _median_ms(figure_function, repeats),
        "http_ms": _median_ms(post, repeats),
        "http_gzip_ms": _median_ms(lambda: post("gzip"), repeats),
        "response_bytes": len(first.data),
        "response_gzip_bytes": len(post("gzip").data),
    }


def measure_page(n_posts: int, uri: str, runs: int = 3) -> dict:
    """Page weight (every request replayed with Accept-Encoding: gzip) and time until the first
    graph is drawn, in headless Chromium against the app on a free port."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait
    from werkzeug.serving import make_server

    database = f"bench_{n_posts}"
    app = create_app(Config(mongodb_uri=uri, database=database, cache_seconds=3600))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-bench-')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    first_graph = ("(() => { const e = performance.getEntriesByName('first-graph');"
                   " return e.length ? e[0].startTime : null; })()")
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        new MutationObserver((_, observer) => {
          const trace = document.querySelector('#weekly-graph .js-plotly-plot g.trace');
          if (trace) { performance.mark('first-graph'); observer.disconnect(); }
        }).observe(document, {childList: true, subtree: true});"""})
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        times, plotly_times, callback_times, requests, browser_bytes = [], [], [], {}, 0
        for run in range(runs):
            driver.get("about:blank")
            driver.get_log("performance")
            driver.get(base + "/?metrics=words,images,links&rolling=4")
            WebDriverWait(driver, 120).until(
                lambda d: d.execute_script(f"return {first_graph}") is not None)
            drawn = driver.execute_script(f"return {first_graph}")
            times.append(drawn)
            # where the time went: plotly.js arriving, and the callbacks answered before the draw
            resources = driver.execute_script(
                "return performance.getEntriesByType('resource').map(e => [e.name, e.responseEnd])")
            plotly_times.append(max((t for name, t in resources if "plotly" in name), default=0))
            callback_times.append(max((t for name, t in resources
                                       if "_dash-update-component" in name and t <= drawn),
                                      default=0))
            # let the rest of the page settle before counting its requests
            WebDriverWait(driver, 120).until(lambda d: d.execute_script(
                "return document.querySelectorAll('#posts-table .ag-cell').length > 0 &&"
                " !!document.querySelector('#scatter-graph g.trace')"))
            time.sleep(1.0)
            events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
            if run == 0:
                for event in events:
                    if event["method"] == "Network.requestWillBeSent":
                        request = event["params"]["request"]
                        if request["url"].startswith(base):
                            requests[event["params"]["requestId"]] = request
                    elif event["method"] == "Network.loadingFinished":
                        browser_bytes += event["params"].get("encodedDataLength", 0)
        gzip_bytes, raw_bytes = 0, 0
        for request in requests.values():
            body = request.get("postData", "").encode() if request["method"] == "POST" else None
            headers = {k: v for k, v in request.get("headers", {}).items()
                       if k.lower() in ("content-type", "x-csrftoken")}
            for encoding in ("gzip", "identity"):
                call = urllib.request.Request(request["url"], data=body, method=request["method"],
                                              headers={**headers, "Accept-Encoding": encoding})
                with urllib.request.urlopen(call, timeout=60) as resp:
                    size = len(resp.read())
                if encoding == "gzip":
                    gzip_bytes += size
                else:
                    raw_bytes += size
        return {"posts": n_posts, "requests": len(requests), "page_gzip_bytes": gzip_bytes,
                "page_raw_bytes": raw_bytes, "page_browser_bytes": browser_bytes,
                "first_graph_ms": statistics.median(times),
                "plotly_loaded_ms": statistics.median(plotly_times),
                "figures_answered_ms": statistics.median(callback_times)}
    finally:
        driver.quit()
        httpd.shutdown()
        httpd.server_close()


def _kb(n: float) -> str:
    return f"{n / 1024:,.0f} kB"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, nargs="*", default=[52, 10_000])
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--runs", type=int, default=3, help="page loads per size")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with secantus() as uri:
        for n in args.posts:
            row = measure_main_callback(n, args.repeats, uri)
            if not args.no_browser:
                row |= measure_page(n, uri, args.runs)
            rows.append(row)
    columns = [("posts", "posts", lambda r: f"{r['posts']:,}"),
               ("callback fn (median)", "function_ms", lambda r: f"{r['function_ms']:.1f} ms"),
               ("callback HTTP (median)", "http_ms", lambda r: f"{r['http_ms']:.1f} ms"),
               ("… with gzip", "http_gzip_ms", lambda r: f"{r['http_gzip_ms']:.1f} ms"),
               ("first call (DB read)", "cold_ms", lambda r: f"{r['cold_ms']:.0f} ms"),
               ("response raw/gzip", "response_bytes",
                lambda r: f"{_kb(r['response_bytes'])} / {_kb(r['response_gzip_bytes'])}"),
               ("page gzip (raw)", "page_gzip_bytes",
                lambda r: f"{_kb(r['page_gzip_bytes'])} ({_kb(r['page_raw_bytes'])})"),
               ("page br (browser)", "page_browser_bytes",
                lambda r: _kb(r["page_browser_bytes"])),
               ("first graph (median)", "first_graph_ms",
                lambda r: f"{r['first_graph_ms']:,.0f} ms"),
               ("plotly.js in / figures in", "plotly_loaded_ms",
                lambda r: f"{r['plotly_loaded_ms']:,.0f} / {r['figures_answered_ms']:,.0f} ms")]
    shown = [c for c in columns if all(c[1] in r for r in rows)]
    cells = [[c[0] for c in shown]] + [[c[2](r) for c in shown] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(shown))]
    for i, row in enumerate(cells):
        print(" | ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    target = next((r for r in rows if r["posts"] >= 10_000), None)
    if target:
        verdict = "met" if target["http_ms"] < 100 else "MISSED"
        print(f"\ntarget: main callback under 100 ms at {target['posts']:,} posts: {verdict}"
              f" ({target['http_ms']:.1f} ms)")


if __name__ == "__main__":
    main()
