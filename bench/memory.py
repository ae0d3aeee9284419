"""`python -m bench.memory`: a crawl's peak memory against the size of its largest page.

Crawls the 52-post fixture blog with one post carrying N MB of extra dense markup (paragraphs,
links, emphasis: the heaviest kind for a parser, unlike one long comment) and prints, for each N,
the crawl process's peak RSS (sampled every 50 ms with psutil) and how the post ended. This is
the evidence for DOWNLOAD_MAXSIZE: a crawl must stay under 300 MB (a basic dyno has 512 MB)
with the largest page it accepts. DOWNLOAD_MAXSIZE is raised for the run so every size is read.

    python -m bench.memory                 # 0, 2, 4, 6, 8, 12, 16 MB
    python -m bench.memory --sizes 0,4,8
"""

from __future__ import annotations

import argparse
import sys
import uuid

import pymongo

from bench.measure import run_measured
from bench.processes import LOGS, ROOT, Secantus, child_env
from fixture_site.hostile import serve_hostile_blog

MB = 1024 * 1024
TARGET_RSS = 300 * MB


def measure(sizes: list[float]) -> list[dict]:
    LOGS.mkdir(parents=True, exist_ok=True)
    rows = []
    with Secantus() as db:
        for size in sizes:
            server = serve_hostile_blog("big_post", big_bytes=int(size * MB))
            name = f"memory_{uuid.uuid4().hex[:8]}"
            try:
                command = [sys.executable, "-m", "scrapy", "crawl", "blog",
                           "-a", f"url={server.url}", "-a", "discover=archive",
                           "-s", f"MONGODB_URI={db.uri}", "-s", f"MONGODB_DATABASE={name}",
                           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
                           "-s", f"DOWNLOAD_MAXSIZE={64 * MB}", "-s", f"DOWNLOAD_WARNSIZE={64 * MB}"]
                run = run_measured(command, ROOT, child_env(), LOGS / f"memory-{size:g}.log", 600)
                client = pymongo.MongoClient(db.uri)
                record = client[name].crawls.find_one() or {}
                client.drop_database(name)
                client.close()
            finally:
                server.shutdown()
                server.server_close()
            page = len(server.blog.respond(server.blog.year_paths[40])[2])
            rows.append({"extra_mb": size, "page_mb": page / MB, "peak_rss_mb": run.peak_rss / MB,
                         "exit": run.returncode, "stored": (record.get("posts") or {}).get(
                             "stored_new"), "wall_s": run.wall})
            print(f"  {size:g} MB done: {run.peak_rss / MB:.0f} MB peak", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--sizes", default="0,2,4,6,8,12,16",
                        help="MB of extra markup in the one big post (comma-separated)")
    args = parser.parse_args(argv)
    rows = measure([float(s) for s in args.sizes.split(",")])
    print("| largest page (MB) | peak RSS of the crawl (MB) | under 300 MB | exit | posts stored | wall s |")
    print("|---:|---:|:---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['page_mb']:.1f} | {row['peak_rss_mb']:.0f} | "
              f"{'yes' if row['peak_rss_mb'] * MB < TARGET_RSS else 'NO'} | {row['exit']} | "
              f"{row['stored']} | {row['wall_s']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
