"""How truly `extract_post` measures real WordPress pages, scored against both corpora.

    python -m devtools.evaluate [--corpus NAME ...] [--options ours,main,trafilatura]
                                [--no-loso] [--repeat N] [--baseline REV] [--verbose] [--json]

For each corpus (`../shared/corpus/wordpress-real`, `wordpress-more`) and each extractor it
prints the share of pages whose words are within 5% and 15% of the reference, whose snippets
are right, whose publication day is right, whose images and links are exact (A-html), and the
median CPU ms per page; plain, and leave-one-site-out for our switchable rules (see loso.py).
`main` is the baseline: main's own extract_post, measured in the same run. A table of each
rule's effect follows. Shares count every reference; the targets below the table (issue 15's)
leave out references judged wrong (disputed.py).

Exit status: 0 when our extractor meets every target, 1 otherwise, 2 when no corpus is here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
from collections import defaultdict
from datetime import UTC
from pathlib import Path

from blogcrawler.extraction import DEFAULT_RULES, Rules
from devtools.evaluate import loso
from devtools.evaluate.corpus import (
    CHECKS,
    Page,
    annotated_day,
    available_corpora,
    load_corpus,
    normalise_space,
    score_page,
    unreachable_snippets,
    words_within,
)
from devtools.evaluate.options import Baseline, ours, timed, trafilatura_result

# Issue 15's targets per corpus (shares of pages; disputed references left out).
TARGETS = {
    "wordpress-real": {"words": 0.90, "snippets": 0.90, "date": 0.98, "images": 1.0,
                       "links": 1.0},
    "wordpress-more": {"words": 0.80, "words15": 0.93, "date": 0.95},
}
MEDIAN_MS_TARGET = 5.0
LABELS = {"words": "words 5%", "words15": "words 15%", "snippets": "snippets", "date": "day",
          "images": "images", "links": "links"}


def _visible_text(body: bytes) -> str:
    from blogcrawler.extraction import parse_html
    from blogcrawler.measure import text_of

    doc = parse_html(body)
    return text_of(doc.find("body") if doc.find("body") is not None else doc)


def caption_words(body: bytes, url: str) -> int:
    """Words of the image captions (figcaption, .wp-caption-text, .gallery-caption) in the
    main content extract_post finds."""
    from blogcrawler.extraction import PageIndex, find_main_content, parse_html
    from blogcrawler.measure import count_words, text_of

    _, root = find_main_content(PageIndex(parse_html(body)))
    captions = [el for el in root.iter() if isinstance(el.tag, str) and (
        el.tag == "figcaption" or "caption" in (el.get("class") or ""))]
    chosen = set(captions)
    return sum(count_words(text_of(el)) for el in captions
               if not any(a in chosen for a in el.iterancestors()))


def disputed_date(page: Page, body: bytes) -> str | None:
    """Why an annotated publication day is not the one DESIGN asks for, from the page's own
    markup, or None: the annotation is the page's modified day while the page declares another
    publication day, or it is the UTC day of the publication instant while the blog wrote the
    instant on another day of its own time zone."""
    from blogcrawler.dates import find_dates
    from blogcrawler.extraction import PageIndex, parse_html

    annotated = annotated_day(page.publication_date)
    if not annotated:
        return None
    published, modified, source = find_dates(PageIndex(parse_html(body)), page.url)
    if published is None or source in ("url", "text"):
        return None
    local, utc = published.date().isoformat(), published.astimezone(UTC).date().isoformat()
    if modified is not None and modified.date().isoformat() == annotated != local:
        return (f"annotated {annotated}, the page's modified date; its markup ({source}) "
                f"declares {local} as the publication date")
    if utc == annotated != local:
        return (f"annotated {annotated}, the UTC day of the publication instant; the blog "
                f"wrote it on {local} in its own time zone ({published.isoformat()})")
    return None


def mark_mechanical_disputes(page: Page, body: bytes, result: dict) -> None:
    """Kinds of wrong reference found mechanically: a `with` snippet nowhere in the page's
    visible text; a publication day that is not the one DESIGN asks for (disputed_date); a
    hand-written body that leaves out the image captions DESIGN counts as post body (the
    captions are most of the difference, and our count less their words is within 5% of the
    reference)."""
    if page.with_snippets and "snippets" not in page.disputed:
        missing = unreachable_snippets(_visible_text(body), page.with_snippets)
        if missing:
            page.disputed["snippets"] = f"`with` snippets not in the page's text: {missing}"
    date_dispute = disputed_date(page, body)
    if date_dispute and "date" not in page.disputed:
        page.disputed["date"] = date_dispute
    ref = page.reference or {}
    if (page.tier == "A-text" and ref.get("words")
            and not words_within(result["words"], ref["words"])):
        captions = caption_words(body, page.url)
        excess = result["words"] - ref["words"]
        if captions and 2 * captions >= excess and words_within(result["words"] - captions,
                                                                 ref["words"]):
            page.disputed["words"] = (
                f"the hand-written body leaves out the image captions ({captions} words); "
                f"without them our count is {result['words'] - captions}, the reference "
                f"{ref['words']}. Captions are post body here.")


def summarise(pages: list[Page], results: list[dict], timings: list[float] | None) -> dict:
    """Per check: pages checked and passed (every reference), and the same without disputed
    references; the median and p95 ms per page."""
    cells: dict[str, dict[str, int]] = {}
    for page, result in zip(pages, results, strict=True):
        for check, passed in score_page(page, result).items():
            cell = cells.setdefault(check, {"pages": 0, "passed": 0, "undisputed_pages": 0,
                                            "undisputed_passed": 0})
            cell["pages"] += 1
            cell["passed"] += passed
            if check not in page.disputed and not (check == "words15"
                                                   and "words" in page.disputed):
                cell["undisputed_pages"] += 1
                cell["undisputed_passed"] += passed
    summary = {check: {**cell, "share": cell["passed"] / cell["pages"],
                       "undisputed_share": (cell["undisputed_passed"] / cell["undisputed_pages"]
                                            if cell["undisputed_pages"] else None)}
               for check, cell in cells.items()}
    if timings:
        ordered = sorted(timings)
        summary["median_ms"] = statistics.median(timings)
        summary["p95_ms"] = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return summary


def _cell(cell: dict | None) -> str:
    if not cell:
        return f"{'-':>15}"
    return f"{cell['passed']:>4}/{cell['pages']:<4}{cell['share']:>6.1%}"


def format_table(corpus: str, pages: int, sites: int, rows: list[tuple[str, dict]]) -> str:
    lines = [f"{corpus}: {pages} pages from {sites} sites (shares of every reference)",
             f"{'extractor':28}" + "".join(f"{LABELS[c]:>15}" for c in CHECKS)
             + f"{'median ms':>11}"]
    for label, summary in rows:
        if summary is None:
            continue
        median = summary.get("median_ms")
        lines.append(f"{label:28}" + "".join(_cell(summary.get(c)) for c in CHECKS)
                     + (f"{median:>11.2f}" if median is not None else f"{'':>11}"))
    return "\n".join(lines)


def format_targets(corpus: str, summary: dict) -> tuple[str, bool]:
    lines = [f"targets (issue 15) for ours on {corpus}, disputed references left out:"]
    met_all = True
    for check, goal in TARGETS.get(corpus, {}).items():
        cell = summary.get(check)
        share = cell["undisputed_share"] if cell else None
        met = share is not None and share >= goal
        met_all &= met
        lines.append(f"  {LABELS[check]:10} {cell['undisputed_passed'] if cell else 0:>4}/"
                     f"{cell['undisputed_pages'] if cell else 0:<4} "
                     f"{'n/a' if share is None else f'{share:.1%}':>7}  target >= {goal:.0%}  "
                     f"{'met' if met else 'NOT MET'}")
    median = summary.get("median_ms")
    met = median is not None and median <= MEDIAN_MS_TARGET
    met_all &= met
    lines.append(f"  {'speed':10} median {median:.2f} ms CPU per page  target <= "
                 f"{MEDIAN_MS_TARGET:g} ms  {'met' if met else 'NOT MET'}")
    return "\n".join(lines), met_all


def format_speed(ours_ms: list[float], main_ms: list[float]) -> str:
    """Our CPU time against the baseline's, measured page by page in the same run."""
    ratios = [o / m for o, m in zip(ours_ms, main_ms, strict=True) if m > 0]
    return (f"  speed against the baseline (same run, page by page): median "
            f"{statistics.median(ours_ms):.2f} ms vs {statistics.median(main_ms):.2f} ms, "
            f"ratio of medians {statistics.median(ours_ms) / statistics.median(main_ms):.2f}, "
            f"median of page ratios {statistics.median(ratios):.2f}")


def _details(page: Page, result: dict) -> str:
    checks = score_page(page, result)
    ref = page.reference or {}
    bits = []
    if not checks.get("words", True):
        bits.append(f"words {result['words']} vs {ref['words']}")
    if not checks.get("images", True):
        bits.append(f"images {result['images']} vs {ref['img']}")
    if not checks.get("links", True):
        bits.append(f"links {result['links']} vs {ref['a_href']}")
    if not checks.get("snippets", True):
        text = normalise_space(result["text"])
        missing = [s for s in page.with_snippets if normalise_space(s) not in text]
        present = [s for s in page.without_snippets
                   if normalise_space(s) and normalise_space(s) in text]
        bits.append(f"snippets missing {missing} present {present}")
    if not checks.get("date", True):
        bits.append(f"date {result['date']} vs {annotated_day(page.publication_date)}")
    disputed = f" (disputed: {', '.join(sorted(page.disputed))})" if page.disputed else ""
    return f"  {page.tier:6} {page.name}: [{result['extractor']}] " + "; ".join(bits) + disputed


def run_rules(pages: list[Page], bodies: list[bytes], rules: Rules) -> list[dict]:
    return [ours(body, page.url, rules) for page, body in zip(pages, bodies, strict=True)]


def evaluate(pages: list[Page], options: list[str], repeat: int, with_loso: bool,
             baseline: str, progress=lambda message: None) -> dict:
    """Every option's results per page, our rules' leave-one-site-out results and effects."""
    bodies = [page.source.read_bytes() for page in pages]
    out: dict = {"results": {}, "timings": {}}
    progress("ours" + (f" and the baseline {baseline}, page by page" if "main" in options
                       else ""))
    timed_ours, base = [], []
    with contextlib.ExitStack() as stack:
        # Both timed in worker processes alike (see Baseline), each page ours then the
        # baseline's; our figures are read from this process's own run.
        timer = stack.enter_context(Baseline(None, repeat))
        worker = (stack.enter_context(Baseline(baseline, repeat)) if "main" in options
                  else None)
        for page, body in zip(pages, bodies, strict=True):
            timed_ours.append((ours(body, page.url), timer.measure(page)[1]))
            if worker is not None:
                base.append(worker.measure(page))
    out["results"]["ours"] = [r for r, _ in timed_ours]
    out["timings"]["ours"] = [ms for _, ms in timed_ours]
    for page, body, result in zip(pages, bodies, out["results"]["ours"], strict=True):
        mark_mechanical_disputes(page, body, result)
    if base:
        out["results"]["main"] = [r for r, _ in base]
        out["timings"]["main"] = [ms for _, ms in base]
    if "trafilatura" in options:
        progress("trafilatura")
        traf = [timed(trafilatura_result, body, page.url, 1)
                for page, body in zip(pages, bodies, strict=True)]
        out["results"]["trafilatura"] = [r for r, _ in traf]
        out["timings"]["trafilatura"] = [ms for _, ms in traf]
    if "trafilatura" in out["results"]:
        # The combination: trafilatura's body where ours found no WordPress-named one (the
        # paragraph scorer's block, or the whole body), ours elsewhere; our date throughout
        # (htmldate already answers inside ours where the page gives no date).
        combined, combined_ms = [], []
        for mine, theirs, mine_ms, theirs_ms in zip(
                out["results"]["ours"], out["results"]["trafilatura"], out["timings"]["ours"],
                out["timings"]["trafilatura"], strict=True):
            low_confidence = mine["extractor"] in ("density", "fallback")
            combined.append({**theirs, "date": mine["date"]} if low_confidence else mine)
            combined_ms.append(mine_ms + theirs_ms if low_confidence else mine_ms)
        out["results"]["combined"] = combined
        out["timings"]["combined"] = combined_ms
    if with_loso:
        sites = [page.site for page in pages]
        default_points = [loso.page_points(score_page(p, r))
                          for p, r in zip(pages, out["results"]["ours"], strict=True)]
        switched_results: dict[Rules, list[dict]] = {}
        points = {}
        for rule in Rules.names():
            progress(f"rule {rule} switched")
            rules = DEFAULT_RULES.switched(rule)
            switched_results[rules] = run_rules(pages, bodies, rules)
            points[rule] = [loso.page_points(score_page(p, r))
                            for p, r in zip(pages, switched_results[rules], strict=True)]
        effects = loso.rule_effects(sites, points, default_points)
        chosen = loso.site_rules(DEFAULT_RULES, effects, sites)
        switched_results[DEFAULT_RULES] = out["results"]["ours"]
        held_out = []
        for page, body in zip(pages, bodies, strict=True):
            rules = chosen[page.site]
            if rules not in switched_results:
                switched_results[rules] = {}
            cache = switched_results[rules]
            if isinstance(cache, dict):
                cache.setdefault(page.name, ours(body, page.url, rules))
                held_out.append(cache[page.name])
            else:
                held_out.append(cache[pages.index(page)])
        out["results"]["ours LOSO"] = held_out
        out["effects"] = effects
        out["kept_for_sites"] = {rule: sum(getattr(r, rule) == getattr(DEFAULT_RULES, rule)
                                           for r in chosen.values()) for rule in Rules.names()}
        out["sites"] = len(chosen)
    return out


def report(corpora: dict[str, list[Page]], pages: list[Page], out: dict) -> tuple[str, bool]:
    lines, met_all = [], True
    for corpus, corpus_pages in corpora.items():
        positions = [i for i, p in enumerate(pages) if p.corpus == corpus]
        rows = []
        names = {"main": "main (baseline), plain", "ours": "ours, plain",
                 "ours LOSO": "ours, leave-one-site-out", "trafilatura": "trafilatura, plain",
                 "combined": "ours+trafilatura if no WP body"}
        for option, label in names.items():
            if option not in out["results"]:
                continue
            results = [out["results"][option][i] for i in positions]
            timings = out["timings"].get(option)
            rows.append((label, summarise(corpus_pages, results,
                                          [timings[i] for i in positions] if timings else None)))
        lines.append(format_table(corpus, len(corpus_pages),
                                  len({p.site for p in corpus_pages}), rows))
        text, met = format_targets(corpus, rows[[r[0] for r in rows].index("ours, plain")][1])
        lines += ["", text]
        if "main" in out["timings"]:
            lines.append(format_speed(*(
                [out["timings"][option][i] for i in positions] for option in ("ours", "main"))))
        lines.append("")
        met_all &= met
    if "effects" in out:
        lines.append("rules (checks gained by each rule as set by default, over both corpora; "
                     f"kept for how many of the {out['sites']} held-out sites):")
        by_corpus = defaultdict(dict)
        for rule, per_site in out["effects"].items():
            for corpus in corpora:
                sites = {p.site for p in pages if p.corpus == corpus}
                by_corpus[rule][corpus] = sum(v for s, v in per_site.items() if s in sites)
        for rule in Rules.names():
            gains = ", ".join(f"{c} {by_corpus[rule][c]:+d}" for c in corpora)
            helped = sum(1 for v in out["effects"][rule].values() if v > 0)
            hurt = sum(1 for v in out["effects"][rule].values() if v < 0)
            lines.append(f"  {rule:22} {gains}   sites helped {helped:>3}, hurt {hurt:>3}, "
                         f"kept for {out['kept_for_sites'][rule]}")
    return "\n".join(lines), met_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.evaluate",
        description="Score extract_post against the real-page corpora (issue 15's table).")
    parser.add_argument("--corpus", action="append", metavar="NAME",
                        help="wordpress-real and/or wordpress-more (default: both)")
    parser.add_argument("--options", default="ours,main,trafilatura",
                        help="comma-separated: ours, main, trafilatura (default: %(default)s)")
    parser.add_argument("--no-loso", action="store_true", help="skip leave-one-site-out")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="time each page N times and keep the best (default: %(default)s)")
    parser.add_argument("--baseline", default="main", metavar="REV",
                        help="git revision measured as the baseline (default: %(default)s)")
    parser.add_argument("--verbose", action="store_true", help="list our failing pages")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    args = parser.parse_args(argv)
    corpora_paths = available_corpora(args.corpus or ("wordpress-real", "wordpress-more"))
    if not corpora_paths:
        print("error: no corpus found beside the project (../shared/corpus/wordpress-real, "
              "wordpress-more); it is not part of a clone", file=sys.stderr)
        return 2
    corpora = {name: load_corpus(path) for name, path in corpora_paths.items()}
    pages = [page for corpus_pages in corpora.values() for page in corpus_pages]
    options = [o.strip() for o in args.options.split(",") if o.strip()]
    out = evaluate(pages, options, args.repeat, not args.no_loso, args.baseline,
                   progress=lambda m: print(f"... {m}", file=sys.stderr, flush=True))
    text, met = report(corpora, pages, out)
    print(text)
    if args.verbose:
        print("\nour failing pages:")
        for page, result in zip(pages, out["results"]["ours"], strict=True):
            if not all(score_page(page, result).values()):
                print(_details(page, result))
    if args.json:
        figures = {corpus: {option: summarise(
            corpus_pages, [out["results"][option][i] for i, p in enumerate(pages)
                           if p.corpus == corpus],
            [out["timings"][option][i] for i, p in enumerate(pages) if p.corpus == corpus]
            if option in out["timings"] else None) for option in out["results"]}
            for corpus, corpus_pages in corpora.items()}
        args.json.write_text(json.dumps({"figures": figures, "effects": out.get("effects")},
                                        indent=1))
    return 0 if met else 1

