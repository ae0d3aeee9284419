"""Everything measured on one generated archive: ceiling, our crawl, re-crawl, peer, extraction.

The ceiling and our crawl are run in turns (ceiling, crawl, ceiling, crawl...) against the same
server, so each ratio compares runs made a few seconds apart under the same machine load; the
table shows medians of the per-pair figures.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from dataclasses import dataclass

from bench.crawls import CrawlFigures, blog_crawl, ceiling_crawl
from bench.extraction import extraction_figures
from bench.measure import run_measured
from bench.processes import LOGS, ROOT, FixtureBlog, Secantus, child_env

DATABASE = "blogstats_bench"


@dataclass
class SizePlan:
    posts: int
    repeats: int
    recrawl: bool
    peer: bool
    extract_pages: int


def measure_size(plan: SizePlan, log=print) -> dict:
    with FixtureBlog(plan.posts) as blog:
        log(f"[{plan.posts} posts] serving {blog.url}")
        pairs = [_ceiling_and_crawl(blog, plan, repeat, log) for repeat in range(plan.repeats)]
        figures = _summarise(pairs)
        if plan.peer:
            figures["peer"] = _peer_crawl(blog, plan.posts, log)
    log(f"[{plan.posts} posts] extract_post on {plan.extract_pages} pages")
    figures["extract"] = extraction_figures(plan.posts, plan.extract_pages)
    return figures


def _ceiling_and_crawl(blog: FixtureBlog, plan: SizePlan, repeat: int, log) -> dict:
    label = f"{plan.posts}-{repeat}"
    cpu_before = blog.cpu_seconds()
    ceiling = ceiling_crawl(blog.url, label)
    server_busy = (blog.cpu_seconds() - cpu_before) / ceiling.wall
    log(f"[{plan.posts} posts] ceiling {ceiling.pages} pages in {ceiling.elapsed:.1f} s")
    with Secantus() as db:  # a fresh database server for every crawl
        crawl = blog_crawl(blog.url, db.uri, DATABASE, label)
        log(f"[{plan.posts} posts] crawl {crawl.pages} pages in {crawl.elapsed:.1f} s")
        recrawl = None
        if plan.recrawl and repeat == 0:
            recrawl = blog_crawl(blog.url, db.uri, DATABASE, label + "-again")
            log(f"[{plan.posts} posts] re-crawl wrote {recrawl.written} posts")
    return {"ceiling": ceiling, "crawl": crawl, "recrawl": recrawl, "server_busy": server_busy}


def _median(values):
    return statistics.median(values) if values else None


def _summarise(pairs: list[dict]) -> dict:
    ceilings = [p["ceiling"] for p in pairs]
    crawls: list[CrawlFigures] = [p["crawl"] for p in pairs]
    recrawl = pairs[0]["recrawl"]
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
        "crawl_peak_rss": max(c.peak_rss for c in crawls),
        "recrawl": recrawl.as_dict() if recrawl else None,
        "runs": [{"ceiling": p["ceiling"].as_dict(), "crawl": p["crawl"].as_dict()}
                 for p in pairs],
    }


def _peer_crawl(blog: FixtureBlog, posts: int, log) -> dict | None:
    """advertools on the same site, or None when it is not installed or fails."""
    env = {**child_env(), "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        run = run_measured([sys.executable, "-m", "bench.peer", "--url", blog.url], folder, env,
                           LOGS / f"peer-{posts}.log", timeout=600)
    if run.returncode != 0 or not run.stdout.strip():
        log(f"[{posts} posts] advertools crawl failed; see {LOGS}/peer-{posts}.log")
        return None
    result = json.loads(run.stdout.strip().splitlines()[-1])
    log(f"[{posts} posts] advertools {result['pages']} pages in {run.wall:.1f} s")
    return {**result, "wall": run.wall, "pages_per_second_wall": result["pages"] / run.wall,
            "peak_rss": run.peak_rss}
