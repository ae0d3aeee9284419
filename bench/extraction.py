"""`extract_post` alone, in this process: milliseconds per post over the generated pages."""

from __future__ import annotations

import statistics
import time

from blogcrawler.extract import extract_post
from fixture_site import Blog

ROOT_URL = "http://127.0.0.1:8000/"
MAX_PAGES = 1000


def post_pages(posts: int, limit: int = MAX_PAGES) -> list[tuple[bytes, str]]:
    """(body, url) of up to `limit` post pages of the year, evenly spread over the archive."""
    blog = Blog(ROOT_URL, posts=None if posts == 52 else posts)
    year_posts = blog.year_posts()
    step = max(1, len(year_posts) // limit)
    return [(blog.render(post.path)[2], blog.url(post.path)) for post in year_posts[::step][:limit]]


def time_extraction(pages: list[tuple[bytes, str]]) -> tuple[list[float], list[float]]:
    """(wall ms, CPU ms) of one `extract_post` call per page, as the spider calls it.

    CPU time (this thread's) does not count the time other processes on a busy machine took
    the core away, so it is the steadier of the two on a shared machine."""
    wall, cpu = [], []
    for body, url in pages:
        started, started_cpu = time.perf_counter(), time.thread_time()
        extract_post(body, url, encoding="utf-8")
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def extraction_figures(posts: int, limit: int = MAX_PAGES) -> dict:
    pages = post_pages(posts, limit)
    time_extraction(pages[:20])  # warm caches (selectors, imports) before the clock
    wall, cpu = time_extraction(pages)
    return {"pages": len(pages), "median_ms": statistics.median(wall),
            "p95_ms": percentile(wall, 0.95), "cpu_median_ms": statistics.median(cpu),
            "cpu_p95_ms": percentile(cpu, 0.95)}
