"""The dashboard at 1,000, 10,000 and 50,000 posts in one site-year, served as the Procfile
serves it (gunicorn, 2 workers), against the code of another git ref measured in the same run.

    python -m bench.dashboard_scale                      # 1k, 10k, 50k; baseline: main
    python -m bench.dashboard_scale --sizes 1000,10000 --baseline none --repeats 15

For each size a fresh SecantusDB collection is filled with synthetic posts shaped like the
crawler's (bench/dashboard_bench.py) and summarised as the end of a crawl (or `release`) does
(blogstats.summaries; the time it takes is shown: it is paid once per crawl, not per page),
then for this checkout and for the baseline (its `dashboard/` and `blogstats/` taken with
`git archive`, started with its own Procfile web line):
- first callback: the main graph's callback on a just-started server with an empty cache (the
  database read included); then the first answer of each other callback a page load sends;
- warm: the median of the main callback repeated (what every later page load waits for);
- RSS: the largest worker's resident memory after those requests.
The database's own share is measured beside them: the same projection read with pymongo alone,
and at up to 10,000 posts the `$group` by week a MongoDB-side grouping would run, so the
choice between the two is made on numbers from the same machine and minute.
Speed is never asserted: the machine is shared; compare the columns of one run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import psutil
import pymongo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dashboard_bench import SITE, YEAR, fill  # noqa: E402
from bench.web_process import WebProcess  # noqa: E402
from blogstats import summaries  # noqa: E402
from blogstats.postframe import NUMBER_FIELDS  # noqa: E402
from dashboard.metrics import METRICS  # noqa: E402
from tests.conftest import SecantusServer, free_port  # noqa: E402

VIEW = {"site": SITE, "year": YEAR, "metrics": ["words", "images", "links"], "scale": "raw",
        "rolling": 4, "x": "date", "sx": "words", "sy": "html_bytes", "db-status": {"ok": True},
        "terms": ["android", "google", "apple", "data"], "weekly-zoom": None,
        "status-check": 1, "url": "", "data-version": None,
        "posts-table": {"startRow": 0, "endRow": 15, "sortModel": [{"colId": "words",
                                                                     "sort": "desc"}],
                        "filterModel": {}}}
PROPS = {"getRowsRequest": VIEW["posts-table"], "page_current": 0, "page_size": 15,
         "sort_by": [{"column_id": "words", "direction": "desc"}], "filter_query": ""}


def checkout(ref: str) -> Path:
    """`dashboard/`, `blogstats/` and the Procfile of a git ref in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix=f"blogstats-{ref.replace('/', '-')}-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "dashboard", "blogstats",
                              "Procfile", "fixture_site"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def bodies(port: int) -> dict[str, bytes]:
    """Each server callback of the page, with the view's values, as the browser posts it."""
    deps = json.loads(request(port, "GET", "/_dash-dependencies")[1])
    out = {}
    for dep in deps:
        if dep.get("clientside_function") or "url.search" in dep["output"]:
            continue

        def bind(items):
            return [{"id": i["id"], "property": i["property"],
                     "value": PROPS.get(i["property"], VIEW.get(i["id"]))} for i in items]

        outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]}
                   for o in dep["output"].strip(".").split("...")]
        out[dep["output"]] = json.dumps({
            "output": dep["output"],
            "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": bind(dep["inputs"]), "state": bind(dep.get("state", [])),
            "changedPropIds": []}).encode()
    return out


class CallbackFailedError(RuntimeError):
    """A callback that did not answer (a worker killed by gunicorn's timeout answers 500)."""


def timed(port: int, body: bytes) -> float:
    started = time.perf_counter()
    try:
        status, _data = request(port, "POST", "/_dash-update-component", body)
    except (OSError, http.client.HTTPException) as exc:
        raise CallbackFailedError(type(exc).__name__) from None
    elapsed = time.perf_counter() - started
    if status not in (200, 204):
        raise CallbackFailedError(f"HTTP {status} after {elapsed:.0f} s")
    return elapsed


def worker_rss(web: WebProcess) -> float:
    workers = [p for p in psutil.Process(web.proc.pid).children(recursive=True)
               if "gunicorn" in " ".join(p.cmdline())]
    workers = [p for p in workers if p.ppid() in {w.pid for w in workers}] or workers
    return max(p.memory_info().rss for p in workers) / 2**20


def measure_server(code: Path | None, uri: str, database: str, repeats: int) -> dict:
    cache = tempfile.mkdtemp(prefix="blogstats-cache-")
    env = {"MONGODB_URI": uri, "MONGODB_DATABASE": database, "WEB_CONCURRENCY": "2",
           "DASHBOARD_CACHE_DIR": cache, "DASHBOARD_CACHE_SECONDS": "3600"}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    web = WebProcess(free_port(), env, root=code)
    try:
        web.wait_ready(300)
        calls = bodies(web.port)
        main = next(b for o, b in calls.items() if o == "weekly-graph.figure")
        result: dict = {}
        try:
            result["first_ms"] = timed(web.port, main) * 1000
            # the CSV is asked for by a click, not by opening the page: measured apart
            others = {o: timed(web.port, b) * 1000 for o, b in calls.items()
                      if o not in ("weekly-graph.figure", "download.data")}
            result["others_first_ms"] = sum(others.values())
            result["slowest_other"] = max(others.items(), key=lambda kv: kv[1])
            warm = [timed(web.port, main) for _ in range(repeats)]
            result["warm_ms"] = statistics.median(warm) * 1000
            if "download.data" in calls:
                result["csv_ms"] = timed(web.port, calls["download.data"]) * 1000
        except CallbackFailedError as exc:
            result["failed"] = str(exc)
        result["rss_mb"] = worker_rss(web)
        return result
    finally:
        web.stop()
        shutil.rmtree(cache, ignore_errors=True)


def database_floor(uri: str, database: str, size: int, group: bool) -> dict:
    posts = pymongo.MongoClient(uri)[database].posts
    query = {"site": SITE, "year": YEAR}
    started = time.perf_counter()
    list(posts.find(query, {name: 1 for name in NUMBER_FIELDS}, batch_size=10000))
    out = {"projection_ms": (time.perf_counter() - started) * 1000}
    if group:
        stage = {"_id": {"y": "$iso_year", "w": "$iso_week"}, "n": {"$sum": 1},
                 **{m: {"$sum": f"${m}"} for m in METRICS}}
        started = time.perf_counter()
        list(posts.aggregate([{"$match": query}, {"$group": stage}]))
        out["group_ms"] = (time.perf_counter() - started) * 1000
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard_scale")
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--baseline", default="main", help="a git ref, or none")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(not 1 <= s <= 100_000 for s in sizes):
        parser.error("sizes between 1 and 100,000 posts")
    baseline = None if args.baseline == "none" else checkout(args.baseline)
    rows = []
    server = SecantusServer().start()
    try:
        for size in sizes:
            database = f"scale_{size}"
            print(f"[{size:,} posts] filling the database", file=sys.stderr)
            fill(server.uri, database, size, summarise=False)
            row = {"posts": size, **database_floor(server.uri, database, size, size <= 10_000)}
            client = pymongo.MongoClient(server.uri)
            started = time.perf_counter()
            summaries.ensure_indexes(client[database], "posts")  # once, by `release`
            print(f"[{size:,} posts] indexes built in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
            started = time.perf_counter()
            # at each crawl's end, naming that crawl (as blogstats.summaries.after_crawl does)
            summaries.write(client[database], "posts", SITE, YEAR,
                            client[database].crawls.find_one({"_id": f"bench-{size}"}))
            row["summary_ms"] = (time.perf_counter() - started) * 1000
            client.close()
            print(f"[{size:,} posts] this checkout", file=sys.stderr)
            row["ours"] = measure_server(None, server.uri, database, args.repeats)
            if baseline is not None:
                print(f"[{size:,} posts] {args.baseline}", file=sys.stderr)
                row["base"] = measure_server(baseline, server.uri, database, args.repeats)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)  # kept even if a later size fails
            pymongo.MongoClient(server.uri).drop_database(database)
    finally:
        server.stop()
        if baseline is not None:
            shutil.rmtree(baseline, ignore_errors=True)
    print_table(rows, args.baseline if baseline is not None else None, args.repeats)
    return 0


def _cells(result: dict) -> str:
    def ms(name: str) -> str:
        return f"{result[name]:>5,.0f}ms" if name in result else f"{'-':>7}"

    slowest = result.get("slowest_other")
    slowest = f"{slowest[1]:>5,.0f}ms" if slowest else f"{'-':>7}"
    return (f"{ms('first_ms')} {ms('others_first_ms')} {slowest} "
            + (f"{result['warm_ms']:>4,.0f}ms" if "warm_ms" in result else f"{'-':>6}")
            + f" {result['rss_mb']:>5,.0f}MB {ms('csv_ms')}")


def print_table(rows: list[dict], baseline: str | None, repeats: int) -> None:
    print(f"gunicorn as the Procfile starts it (2 workers), SecantusDB on loopback, one "
          f"site-year; warm = median of {repeats}; baseline = {baseline or 'none'}")
    cells = f"{'first':>7} {'others':>7} {'slowest':>7} {'warm':>6} {'RSS':>7} {'CSV':>7}"
    head = f"{'posts':>7} | {'DB read':>8} {'$group':>8} {'summary':>8} | {cells}"
    if baseline is not None:
        head += f" | {cells} | {'warm x':>6}"
    print(f"{'':>7} | {'database alone':^26} | {'this checkout':^47}"
          + (f" | {baseline:^47} |" if baseline is not None else ""))
    print(head)
    failures = []
    for row in rows:
        ours = row["ours"]
        group = f"{row['group_ms']:,.0f}" if "group_ms" in row else "-"
        line = (f"{row['posts']:>7,} | {row['projection_ms']:>6,.0f}ms {group:>6}ms "
                f"{row.get('summary_ms', 0):>6,.0f}ms | {_cells(ours)}")
        if "base" in row:
            base = row["base"]
            ratio = (f"{base['warm_ms'] / ours['warm_ms']:>5.1f}x"
                     if "warm_ms" in base and "warm_ms" in ours else f"{'-':>6}")
            line += f" | {_cells(base)} | {ratio}"
        print(line)
        for name, result in (("this checkout", ours), (baseline, row.get("base", {}))):
            if "failed" in result:
                failures.append(f"{row['posts']:,} posts, {name}: {result['failed']}")
    print("DB read: the year's posts read whole (what a page of the baseline starts with); "
          "summary: the summaries written once at a crawl's end; first: the main graph's "
          "callback on a fresh server (empty cache); others: the first answer of the page's "
          "other callbacks, summed, and the slowest of them; RSS: the largest worker "
          "afterwards; CSV: the download of every row (a click, not a page load)")
    for failure in failures:
        print(f"failed: {failure}")


if __name__ == "__main__":
    sys.exit(main())
