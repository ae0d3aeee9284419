"""Peak memory and time of `extract_post` on large and deeply nested post pages.

    python bench/extraction_memory.py [--sizes 1,4,8,14,16] [--depth 300]

Each page is generated (a Twenty Fifteen single post whose body is N paragraphs, or the same
body nested `--depth` divs deep, as page builders nest), written to a temporary file and
measured in a fresh child process: its peak RSS (`ru_maxrss`) after the interpreter, the
imports and the page's bytes are loaded, and again after `extract_post`, so the table shows
what extraction itself adds. Also the words found against the words written (the check that
nothing was lost). Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from blogcrawler.extract import extract_post
body = Path(sys.argv[1]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
result = extract_post(body, "https://blog.example/2015/10/15/a-large-post/")
ms = (time.process_time() - start) * 1000
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_mb": before / 1024, "peak_mb": after / 1024, "ms": ms,
                  "words": result["words"], "extractor": result["extractor"]}))
"""

_PARAGRAPH = ("<p>Week after week the blog measured what it wrote, and this sentence is one of "
              "many that make the post long enough to test the extractor's memory use, with "
              "<a href='/2015/10/01/other/'>a link</a> and <em>some emphasis</em> in it.</p>\n")
_PARAGRAPH_WORDS = len(re.sub(r"<[^>]+>", " ", _PARAGRAPH).split())


def page(size_bytes: int, depth: int = 0) -> tuple[bytes, int]:
    """(a single-post page of about `size_bytes`, the words of its body)."""
    count = max(1, size_bytes // len(_PARAGRAPH))
    body = _PARAGRAPH * count
    if depth:
        body = "<div class='et_pb_row'>" * depth + body + "</div>" * depth
    html = (
        "<!DOCTYPE html><html lang='en-US'><head><meta charset='UTF-8'>"
        "<title>A large post | Blog</title></head><body class='single single-post'>"
        "<div id='page' class='hfeed site'><div id='content' class='site-content'>"
        "<main id='main' class='site-main'><article class='post hentry'>"
        "<header class='entry-header'><h1 class='entry-title'>A large post</h1></header>"
        f"<div class='entry-content'>{body}</div>"
        "<footer class='entry-footer'><span class='posted-on'><time class='entry-date "
        "published' datetime='2015-10-15T08:00:00+00:00'>October 15, 2015</time></span>"
        "</footer></article></main></div></div></body></html>")
    return html.encode("utf-8"), count * _PARAGRAPH_WORDS


def measure(body: bytes) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".html") as handle:
        handle.write(body)
        handle.flush()
        done = subprocess.run([sys.executable, "-c", _CHILD, handle.name], cwd=ROOT,
                              capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,4,8,14,16", help="page sizes in MB")
    parser.add_argument("--depth", type=int, default=300, help="nesting of the deep pages")
    args = parser.parse_args(argv)
    print(f"{'page':>24} {'MB':>6} {'RSS before':>11} {'peak RSS':>9} {'added':>7} "
          f"{'x page':>7} {'ms':>8} {'words':>9} {'written':>9}")
    for size in [float(s) for s in args.sizes.split(",")]:
        for depth in (0, args.depth):
            body, written = page(int(size * 1024 * 1024), depth)
            got = measure(body)
            added = got["peak_mb"] - got["before_mb"]
            label = f"{'nested ' + str(depth) + ' deep' if depth else 'paragraphs'}"
            print(f"{label:>24} {len(body) / 2**20:>6.1f} {got['before_mb']:>10.0f}M "
                  f"{got['peak_mb']:>8.0f}M {added:>6.0f}M {added / (len(body) / 2**20):>7.1f} "
                  f"{got['ms']:>8.0f} {got['words']:>9} {written:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
