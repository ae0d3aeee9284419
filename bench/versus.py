"""`python -m bench.versus --other DIR`: this checkout's crawl against another checkout's (e.g. the
main branch before a change), on the same server and database, in interleaved pairs.

    git worktree add --detach /tmp/blogstats-before main
    python -m bench.versus --other /tmp/blogstats-before [--sizes 52,1000] [--pairs 3]

Each pair runs the other checkout's `scrapy crawl blog`, then this one's, each into a fresh
database; pages/s is taken from each run's own `crawls` record (started_at to finished_at, the
same basis as `python -m bench`), so interpreter start-up is left out, and CPU ms per page from
the process. Prints the medians and the median of the per-pair ratios (this / other): pages/s
above 1.0, CPU ms/page below 1.0, and this checkout is faster.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import uuid
from pathlib import Path

import pymongo

from bench.measure import run_measured
from bench.processes import LOGS, ROOT, FixtureBlog, Secantus, child_env

YEAR = 2015


def crawl(checkout: Path, url: str, uri: str, label: str) -> tuple[float, float]:
    """One crawl from `checkout`: its pages per second from its crawls record, and the CPU ms
    its process spent per page (start-up included; hardly moved by other load on the machine,
    unlike pages/s)."""
    database = f"versus_{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "scrapy", "crawl", "blog", "-a", f"url={url}",
               "-a", f"year={YEAR}", "-s", f"MONGODB_URI={uri}",
               "-s", f"MONGODB_DATABASE={database}", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", "DOWNLOAD_DELAY=0"]
    env = {**child_env(), "PYTHONPATH": str(checkout)}
    run = run_measured(command, checkout, env, LOGS / f"versus-{label}.log", 900)
    client = pymongo.MongoClient(uri)
    try:
        record = client[database].crawls.find_one()
        client.drop_database(database)
    finally:
        client.close()
    if run.returncode != 0 or record is None:
        raise RuntimeError(f"crawl from {checkout} exited {run.returncode}; see "
                           f"{LOGS}/versus-{label}.log")
    elapsed = (record["finished_at"] - record["started_at"]).total_seconds()
    return record["pages"] / elapsed, 1000 * run.cpu / record["pages"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.versus",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--other", required=True, type=Path, help="the other checkout")
    parser.add_argument("--sizes", default="52,1000", help="archive sizes (posts)")
    parser.add_argument("--pairs", type=int, default=3, help="interleaved pairs per size")
    args = parser.parse_args(argv)
    LOGS.mkdir(parents=True, exist_ok=True)
    rows = []
    with Secantus() as db:
        for posts in (int(s) for s in args.sizes.split(",")):
            with FixtureBlog(posts) as blog:
                other, ours = [], []
                for n in range(args.pairs):
                    other.append(crawl(args.other.resolve(), blog.url, db.uri,
                                       f"other-{posts}-{n}"))
                    ours.append(crawl(ROOT, blog.url, db.uri, f"this-{posts}-{n}"))
                    print(f"  {posts} posts, pair {n + 1}: {other[-1][0]:.0f} vs "
                          f"{ours[-1][0]:.0f} pages/s", file=sys.stderr)
                speed = [b[0] / a[0] for a, b in zip(other, ours, strict=True)]
                cpu = [b[1] / a[1] for a, b in zip(other, ours, strict=True)]
                rows.append((posts, statistics.median(a[0] for a in other),
                             statistics.median(b[0] for b in ours), statistics.median(speed),
                             statistics.median(a[1] for a in other),
                             statistics.median(b[1] for b in ours), statistics.median(cpu)))
    print(f"| posts | other pages/s | this pages/s | this / other | other CPU ms/page | "
          f"this CPU ms/page | this / other |   (other: {args.other})")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for posts, before, after, ratio, cpu_before, cpu_after, cpu_ratio in rows:
        print(f"| {posts:,} | {before:.0f} | {after:.0f} | {ratio:.2f} | {cpu_before:.1f} | "
              f"{cpu_after:.1f} | {cpu_ratio:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
