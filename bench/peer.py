"""A peer for comparison: advertools' SEO crawler (also on Scrapy) on the same site and links.

advertools parses every page it fetches (titles, headings, links, images, JSON-LD...), so it is
a "same kind of work" comparison for our crawl. It runs `scrapy runspider` in a child process;
it is started from an empty folder, so our project's settings (pipelines, crawl record) do not
apply to it. Run as:

    python -m bench.peer --url http://127.0.0.1:PORT/ --output FILE.jsonl

and it prints one JSON object: pages, posts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

YEAR = 2015
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING",
}


def year_links(root: str, year: int) -> tuple[str, str]:
    """(pattern of every page to follow, pattern of a post) on the blog at `root`."""
    prefix = re.escape(f"{root}{year}/")
    return (prefix + r"(?:\d\d/(?:\d\d/[^/]+/)?)?(?:page/\d+/)?$",
            prefix + r"\d\d/\d\d/[^/]+/$")


def crawl(url: str, output: Path) -> dict:
    import advertools  # an optional peer: imported only when it runs

    follow, post = year_links(url, YEAR)
    host = urlsplit(url).hostname  # advertools would allow "host:port", which Scrapy filters out
    advertools.crawl([f"{url}{YEAR}/"], str(output), allowed_domains=[host], follow_links=True,
                     include_url_regex=follow, exclude_url_params=True, custom_settings=SETTINGS)
    rows = [json.loads(line) for line in output.read_text().splitlines() if line.strip()]
    posts = sum(1 for row in rows if re.match(post, row.get("url", "")) and row.get("status") == 200)
    return {"pages": len(rows), "posts": posts}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__)
    parser.add_argument("--url", required=True)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        result = crawl(args.url, Path(folder) / "crawl.jsonl")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
