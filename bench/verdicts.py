"""Which of issue 7's targets the measured figures meet (True / False, None when not measured)."""

from __future__ import annotations

CRAWL_TO_CEILING = 0.60
EXTRACT_MEDIAN_MS = 5.0
BULK_RATIO = 5.0
RSS_GROWTH = 1.5
DASHBOARD_MS = 100.0
SERVER_BUSY = 0.80
RUN_SECONDS = 600.0
SMALL, LARGE = 1000, 10000
# Below this many posts both crawls last about a second: start-up and latency, not throughput.
THROUGHPUT_FROM = 1000


def _all(values) -> bool | None:
    values = [v for v in values if v is not None]
    return all(values) if values else None


def verdicts(results: dict) -> dict:
    sizes = {int(k): v for k, v in results["sizes"].items() if "error" not in v}
    verdict = {
        "crawl_to_ceiling": _all(f["crawl_to_ceiling"] >= CRAWL_TO_CEILING
                                 for posts, f in sizes.items() if posts >= THROUGHPUT_FROM),
        "server_not_bottleneck": _all(f["server_busy_during_ceiling"] < SERVER_BUSY
                                      for f in sizes.values()),
        # CPU time: on a shared machine wall time also counts other processes' turns.
        "extract_median": _all(f["extract"]["cpu_median_ms"] <= EXTRACT_MEDIAN_MS
                               for f in sizes.values()),
        "recrawl_writes_nothing": _all(f["recrawl"]["written"] == 0
                                       for f in sizes.values() if f.get("recrawl")),
        "rss_streams": None,
        "dashboard": None,
        "storage_bulk": None,
        "run_time": results["meta"]["duration"] < RUN_SECONDS,
    }
    if SMALL in sizes and LARGE in sizes:
        verdict["rss_streams"] = (sizes[LARGE]["crawl_peak_rss"]
                                  <= RSS_GROWTH * sizes[SMALL]["crawl_peak_rss"])
    dashboard = results.get("dashboard") or {}
    if (dashboard.get(LARGE) or {}).get("median_ms") is not None:
        verdict["dashboard"] = dashboard[LARGE]["median_ms"] <= DASHBOARD_MS
    if results.get("storage"):
        verdict["storage_bulk"] = results["storage"]["ratio"] >= BULK_RATIO
    return verdict
