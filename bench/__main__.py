"""`python -m bench`: one table of the crawler's and the dashboard's speed and memory.

    python -m bench                      # 52, 1,000 and 10,000 posts, within a 9-minute budget
    python -m bench --sizes 52,1000      # some sizes only
    python -m bench --quick              # one pair per size, no extras: a quick look

Prints the table and writes it, with every figure, to bench/results/latest.json.

Order: first what every target needs (one ceiling/crawl pair per size, re-crawls, extract_post,
storage, dashboard); then, while the time budget lasts, more pairs for the small archives
(medians of up to --repeats), the advertools peer, and a second pair for the large archives.
The table says how many pairs each size got.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime

from bench.crawls import CrawlError
from bench.dashboard_row import dashboard_figures
from bench.extraction import extraction_figures
from bench.processes import ROOT, FixtureBlog, Secantus
from bench.sizes import ceiling_and_crawl, peer_crawl, summarise
from bench.storage_bench import storage_figures
from bench.table import render_table
from bench.verdicts import verdicts

RESULTS = ROOT / "bench" / "results"
DEFAULT_SIZES = "52,1000,10000"
REPEATED_UP_TO = 2000  # archives up to this size get a re-crawl and up to --repeats pairs
PEER_SIZES = (100, 1000)  # the advertools row: start-up dominates below, its time above
PEER_COST = 2.5  # advertools takes about this many times one ceiling/crawl pair


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="posts in each generated archive, comma-separated "
                             "(52 is the fixture site itself; default %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="one pair per size, no extras, fewer pages for extract and storage")
    parser.add_argument("--repeats", type=int, default=3,
                        help="ceiling/crawl pairs wanted per archive of up to 2,000 posts "
                             "(default %(default)s; larger archives get at most two)")
    parser.add_argument("--budget", type=float, default=540,
                        help="seconds after which no extra pair or peer is started "
                             "(default %(default)s)")
    parser.add_argument("--no-peer", action="store_true", help="skip the advertools row")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes {args.sizes!r} is not a list of numbers, e.g. 52,1000")
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes needs at least one positive number")
    if args.quick:
        args.repeats, args.no_peer = 1, True
    return args


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def git_state() -> dict:
    def git(*command: str) -> str:
        return subprocess.run(["git", *command], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    return {"commit": git("rev-parse", "--short", "HEAD") or "?",
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.started = time.perf_counter()
        self.blogs: dict[int, FixtureBlog] = {}
        self.pairs: dict[int, list[dict]] = {posts: [] for posts in args.sizes}
        self.errors: dict[int, str] = {}
        self.extract: dict[int, dict] = {}
        self.peer: dict[int, dict | None] = {}

    def seconds_left(self) -> float:
        return self.args.budget - (time.perf_counter() - self.started)

    def add_pair(self, posts: int) -> None:
        if posts in self.errors:
            return
        try:
            recrawl = posts <= REPEATED_UP_TO and not self.pairs[posts]
            self.pairs[posts].append(ceiling_and_crawl(self.blogs[posts], recrawl, log))
        except (CrawlError, RuntimeError) as exc:
            log(f"[{posts} posts] failed: {exc}")
            self.errors[posts] = str(exc)

    def pair_cost(self, posts: int) -> float:
        first = self.pairs[posts][0]
        return first["ceiling"].wall + first["crawl"].wall + 3.0  # + a database start

    def required(self) -> None:
        """One pair per size (with a re-crawl for the small ones) and extract_post."""
        for posts in self.args.sizes:
            self.add_pair(posts)
            log(f"[{posts} posts] extract_post")
            self.extract[posts] = extraction_figures(posts, min(posts, 200 if self.args.quick
                                                                else 1000))

    def extras(self) -> None:
        """While the budget lasts: more pairs for the small archives, then the peer, then a
        second pair for the large ones (each started only if it should end within the budget)."""
        measured = [p for p in self.args.sizes if p not in self.errors]
        small = [p for p in measured if p <= REPEATED_UP_TO]
        for _ in range(1, self.args.repeats):
            for posts in small:
                self._extra_pair(posts)
        for posts in small:
            if not self.args.no_peer and PEER_SIZES[0] <= posts <= PEER_SIZES[1]:
                if self.seconds_left() > PEER_COST * self.pair_cost(posts):
                    self.peer[posts] = peer_crawl(self.blogs[posts], log)
                else:
                    log(f"[{posts} posts] no time left for the advertools row")
        for posts in measured:
            if posts > REPEATED_UP_TO and self.args.repeats > 1:
                self._extra_pair(posts)

    def _extra_pair(self, posts: int) -> None:
        if posts not in self.errors and self.seconds_left() > self.pair_cost(posts):
            self.add_pair(posts)

    def size_results(self) -> dict:
        results = {}
        for posts in self.args.sizes:
            if posts in self.errors or not self.pairs[posts]:
                results[str(posts)] = {"error": self.errors.get(posts, "not measured")}
                continue
            results[str(posts)] = {**summarise(self.pairs[posts]),
                                   "extract": self.extract.get(posts),
                                   "peer": self.peer.get(posts)}
        return results

    def run(self) -> dict:
        meta = {"started": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "cores": os.cpu_count(),
                "argv": sys.argv[1:], "load_start": f"{os.getloadavg()[0]:.1f}", **git_state()}
        with ExitStack() as stack:
            # All archives render their pages at once, before anything is measured.
            for posts in self.args.sizes:
                self.blogs[posts] = stack.enter_context(FixtureBlog(posts).launch())
            for blog in self.blogs.values():
                blog.wait_ready()
            log("blogs ready: " + ", ".join(f"{p} posts at {b.url}" for p, b in self.blogs.items()))
            self.required()
            log("storage: bulk against one-at-a-time upserts")
            with Secantus() as db:
                storage = storage_figures(db.uri, 200 if self.args.quick else 500,
                                          1 if self.args.quick else 3)
            dashboard = dashboard_figures(self.args.sizes, log)
            self.extras()
        meta.update(duration=time.perf_counter() - self.started,
                    load_end=f"{os.getloadavg()[0]:.1f}")
        results = {"meta": meta, "sizes": self.size_results(), "storage": storage,
                   "dashboard": dashboard}
        results["verdicts"] = verdicts(results)
        return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = Bench(args).run()
    table = render_table(results)
    results["table"] = table
    output = os.path.abspath(args.output)
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w") as file:
        json.dump(results, file, indent=2, default=str)
    print(table)
    print(f"written to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
