"""What is measured on one generated archive: ceiling and our crawl in pairs, a re-crawl, the
advertools peer, and `extract_post` alone.

The ceiling and our crawl are run in turns (ceiling, crawl, ceiling, crawl...) against the same
server, so each ratio compares runs made seconds apart under the same machine load; the table
shows medians of the per-pair figures.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile

from bench.crawls import CrawlFigures, blog_crawl, ceiling_crawl
from bench.measure import run_measured
from bench.processes import LOGS, ROOT, FixtureBlog, Secantus, child_env

DATABASE = "blogstats_bench"


def ceiling_and_crawl(blog: FixtureBlog, recrawl: bool, log) -> dict:
    """One pair: the ceiling, then our crawl into a fresh SecantusDB (and a second crawl of the
    unchanged site into the same database when `recrawl`)."""
    label = f"{blog.posts}-{blog.runs}"
    blog.runs += 1
    cpu_before = blog.cpu_seconds()
    ceiling = ceiling_crawl(blog.url, label)
    server_busy = (blog.cpu_seconds() - cpu_before) / ceiling.wall
    log(f"[{blog.posts} posts] ceiling {ceiling.pages} pages in {ceiling.elapsed:.1f} s")
    with Secantus() as db:
        db_cpu_before = db.cpu_seconds()
        crawl = blog_crawl(blog.url, db.uri, DATABASE, label)
        db_busy = (db.cpu_seconds() - db_cpu_before) / crawl.wall
        log(f"[{blog.posts} posts] crawl {crawl.pages} pages in {crawl.elapsed:.1f} s")
        again = None
        if recrawl:
            again = blog_crawl(blog.url, db.uri, DATABASE, label + "-again")
            log(f"[{blog.posts} posts] re-crawl wrote {again.written} posts")
    return {"ceiling": ceiling, "crawl": crawl, "recrawl": again, "server_busy": server_busy,
            "db_busy": db_busy}


def _median(values):
    return statistics.median(values) if values else None


def summarise(pairs: list[dict]) -> dict:
    ceilings: list[CrawlFigures] = [p["ceiling"] for p in pairs]
    crawls: list[CrawlFigures] = [p["crawl"] for p in pairs]
    recrawl = next((p["recrawl"] for p in pairs if p["recrawl"]), None)
    return {
        "repeats": len(pairs),
        "ceiling_pages_per_second": _median([c.pages_per_second for c in ceilings]),
        "ceiling_pages": ceilings[0].pages,
        "server_busy_during_ceiling": _median([p["server_busy"] for p in pairs]),
        "crawl_pages": crawls[0].pages,
        "crawl_posts": crawls[0].posts,
        "crawl_elapsed": _median([c.elapsed for c in crawls]),
        "crawl_wall": _median([c.wall for c in crawls]),
        "crawl_pages_per_second": _median([c.pages_per_second for c in crawls]),
        "crawl_posts_per_second": _median([c.posts_per_second for c in crawls]),
        "crawl_to_ceiling": _median([p["crawl"].pages_per_second / p["ceiling"].pages_per_second
                                     for p in pairs]),
        "database_busy_during_crawl": _median([p["db_busy"] for p in pairs]),
        "crawl_peak_rss": max(c.peak_rss for c in crawls),
        "ceiling_cpu_ms_per_page": _median([c.cpu_ms_per_page for c in ceilings]),
        "crawl_cpu_ms_per_page": _median([c.cpu_ms_per_page for c in crawls]),
        "recrawl": recrawl.as_dict() if recrawl else None,
        "runs": [{"ceiling": p["ceiling"].as_dict(), "crawl": p["crawl"].as_dict(),
                  "server_busy": p["server_busy"], "db_busy": p["db_busy"]} for p in pairs],
    }


def peer_crawl(blog: FixtureBlog, log) -> dict | None:
    """advertools on the same site, or None when it is not installed or fails."""
    env = {**child_env(), "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        run = run_measured([sys.executable, "-m", "bench.peer", "--url", blog.url], folder, env,
                           LOGS / f"peer-{blog.posts}.log", timeout=600)
    if run.returncode != 0 or not run.stdout.strip():
        log(f"[{blog.posts} posts] advertools crawl failed; see {LOGS}/peer-{blog.posts}.log")
        return None
    result = json.loads(run.stdout.strip().splitlines()[-1])
    log(f"[{blog.posts} posts] advertools {result['pages']} pages in {run.wall:.1f} s")
    return {**result, "wall": run.wall, "pages_per_second_wall": result["pages"] / run.wall,
            "peak_rss": run.peak_rss, "cpu": run.cpu}
