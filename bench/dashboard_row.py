"""The dashboard's main callback, measured by bench/dashboard_bench.py (written with the
dashboard); this module only calls it and tolerates its absence."""

from __future__ import annotations

import importlib

MISSING = "n/a (dashboard bench missing)"


def dashboard_figures(sizes: list[int], log=print) -> dict:
    """{posts: figures} for each size (`median_ms`: the main callback through Dash's HTTP
    endpoint, warm cache), or {"missing": reason}."""
    try:
        module = importlib.import_module("bench.dashboard_bench")
        measure = module.measure_main_callback
    except (ImportError, AttributeError) as exc:
        log(f"dashboard: {MISSING} ({exc})")
        return {"missing": MISSING}
    figures = {}
    for posts in sizes:
        log(f"[{posts} posts] dashboard main callback")
        try:
            figures[posts] = _figures(measure(posts))
        except Exception as exc:  # another team's code: report, don't stop the benchmark
            log(f"[{posts} posts] dashboard bench failed: {type(exc).__name__}: {exc}")
            figures[posts] = None
    return figures


def _figures(result) -> dict:
    """The bench's figures with `median_ms` added: the full HTTP round of the callback (what a
    browser waits for, server side), else the callback function alone, else a bare number."""
    if not isinstance(result, dict):
        return {"median_ms": float(result)}
    for key in ("http_ms", "median_ms", "function_ms"):
        if key in result:
            return {**result, "median_ms": float(result[key])}
    raise ValueError(f"no median in {sorted(result)}")
