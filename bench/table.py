"""The benchmark's one table, from the results dict: rows of figures, a target, and whether met."""

from __future__ import annotations

from bench.storage_bench import BATCH_SIZE

MB = 1024 * 1024
LABEL_WIDTH = 44
CELL_WIDTH = 11


def _num(value, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}{suffix}"


def _pct(value) -> str:
    return "-" if value is None else f"{value:.0%}"


def _yes_no(ok) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def _line(label: str, cells: list[str], target: str = "", met: str = "") -> str:
    return (f"{label:<{LABEL_WIDTH}}" + "".join(f"{c:>{CELL_WIDTH}}" for c in cells)
            + f"   {target:<24}{met}")


def _size_rows(results: dict) -> list[tuple[str, list[str], str, str]]:
    sizes = results["sizes"]
    keys = list(sizes)
    verdicts = results["verdicts"]

    def cells(pick, fmt):
        out = []
        for key in keys:
            figures = sizes[key]
            value = None if "error" in figures else pick(figures)
            out.append(figures.get("error", "error")[:CELL_WIDTH - 1] if "error" in figures
                       else fmt(value))
        return out

    def peer(f):
        return f.get("peer") or {}

    def recrawl(f):
        return f.get("recrawl") or {}

    dashboard = results.get("dashboard", {})

    def dash(field: str) -> list[str]:
        return [_num((dashboard.get(int(k)) or {}).get(field)) for k in keys]
    return [
        ("ceiling/crawl pairs measured", cells(lambda f: f["repeats"], lambda v: _num(v, 0)), "", ""),
        ("pages fetched (archive pages + posts)", cells(lambda f: f["crawl_pages"], lambda v: _num(v, 0)), "", ""),
        ("ceiling: Scrapy alone, pages/s", cells(lambda f: f["ceiling_pages_per_second"], _num), "", ""),
        ("  fixture server CPU during ceiling", cells(lambda f: f["server_busy_during_ceiling"], _pct), "< 80% (not the limit)", _yes_no(verdicts.get("server_not_bottleneck"))),
        ("our crawl: wall s (start-up included)", cells(lambda f: f["crawl_wall"], _num), "", ""),
        ("our crawl: pages/s", cells(lambda f: f["crawl_pages_per_second"], _num), "", ""),
        ("our crawl: posts/s", cells(lambda f: f["crawl_posts_per_second"], _num), "", ""),
        ("  SecantusDB CPU during our crawl", cells(lambda f: f["database_busy_during_crawl"], _pct), "", ""),
        ("our crawl / ceiling (median of pairs)", cells(lambda f: f["crawl_to_ceiling"], _pct), ">= 60% (from 1k posts)", _yes_no(verdicts.get("crawl_to_ceiling"))),
        ("CPU ms per page: ceiling / our crawl", cells(lambda f: (f["ceiling_cpu_ms_per_page"], f["crawl_cpu_ms_per_page"]), lambda v: f"{v[0]:.1f}/{v[1]:.1f}"), "", ""),
        ("advertools (peer): wall s", cells(lambda f: peer(f).get("wall"), _num), "", ""),
        ("advertools (peer): pages/s, wall", cells(lambda f: peer(f).get("pages_per_second_wall"), _num), "", ""),
        ("our crawl: pages/s, wall (same basis)", cells(lambda f: f["crawl_pages"] / f["crawl_wall"], _num), "", ""),
        ("extract_post median ms (CPU)", cells(lambda f: f["extract"]["cpu_median_ms"], lambda v: _num(v, 2)), "<= 5 ms", _yes_no(verdicts.get("extract_median"))),
        ("extract_post p95 ms (CPU)", cells(lambda f: f["extract"]["cpu_p95_ms"], lambda v: _num(v, 2)), "", ""),
        ("extract_post median / p95 ms (wall)", cells(lambda f: f["extract"], lambda e: f"{e['median_ms']:.1f}/{e['p95_ms']:.1f}"), "", ""),
        ("re-crawl of unchanged site: wall s", cells(lambda f: recrawl(f).get("wall"), _num), "", ""),
        ("re-crawl: posts written (new + updated)", cells(lambda f: recrawl(f).get("written"), lambda v: _num(v, 0)), "= 0", _yes_no(verdicts.get("recrawl_writes_nothing"))),
        ("peak RSS of the crawl (with children), MB", cells(lambda f: f["crawl_peak_rss"] / MB, lambda v: _num(v, 0)), "10k <= 1.5 x 1k", _yes_no(verdicts.get("rss_streams"))),
        ("dashboard main callback median ms (HTTP)", dash("median_ms"), "<= 100 ms at 10k", _yes_no(verdicts.get("dashboard"))),
        ("  callback function alone ms", dash("function_ms"), "", ""),
        ("  first call, uncached (reads the db), ms", dash("cold_ms"), "", ""),
    ]


def render_table(results: dict) -> str:
    meta = results["meta"]
    header = (f"blogstats benchmark, {meta['started']}, {meta['cores']} cores, load "
              f"{meta['load_start']} at start; commit {meta['commit']}"
              + (" + uncommitted changes" if meta.get("dirty") else ""))
    lines = [header, ""]
    lines.append(_line("measure \\ posts in the archive",
                       [f"{int(k):,}" for k in results["sizes"]], "target", "met"))
    lines += [_line(*row) for row in _size_rows(results)]
    if "missing" in results.get("dashboard", {}):
        del lines[-3:]
        lines.append(f"{'dashboard main callback median ms':<{LABEL_WIDTH}}"
                     f"{results['dashboard']['missing']}")
    storage = results.get("storage")
    if storage:
        lines += ["", f"storage: {storage['documents']} realistic post documents, "
                      f"{storage['repeats']} interleaved repeats, medians",
                  _line(f"  bulk writes (batches of {BATCH_SIZE}), docs/s",
                        [_num(storage["bulk_docs_per_second"])]),
                  _line("  one-at-a-time upserts, docs/s", [_num(storage["one_at_a_time_docs_per_second"])]),
                  _line("  bulk / one-at-a-time", [_num(storage["ratio"], 2, "x")], ">= 5x",
                        _yes_no(results["verdicts"].get("storage_bulk"))),
                  _line("  bulk re-upsert of unchanged posts, docs/s", [_num(storage["unchanged_docs_per_second"])])]
    lines += ["", f"whole run: {results['meta']['duration']:.0f} s", ""]
    lines[-2] += "   (target < 600 s: " + _yes_no(results["verdicts"].get("run_time")) + ")"
    return "\n".join(lines)
