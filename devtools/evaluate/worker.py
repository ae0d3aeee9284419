"""Run some checkout's `extract_post` over pages in a separate process: the baseline (main, or
any git revision) is measured in the same run as the working tree, with its own code.

    PYTHONPATH=<checkout> python devtools/evaluate/worker.py --repeat N < pages.jsonl

Reads one {"source": path, "url": url} per line and prints one result per line: the figures the
checks read, and the best CPU milliseconds of N calls. Imports nothing of devtools, so that the
checkout's `blogcrawler` is the one measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from blogcrawler.extract import extract_post

    for line in sys.stdin:
        page = json.loads(line)
        body = Path(page["source"]).read_bytes()
        best = float("inf")
        for _ in range(max(1, args.repeat)):
            start = time.process_time()
            result = extract_post(body, page["url"])
            best = min(best, (time.process_time() - start) * 1000)
        print(json.dumps({key: result.get(key) for key in
                          ("words", "images", "links", "text", "date", "extractor")}
                         | {"ms": best}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
