"""Many fixture blogs from one process, each on a port of its own, pages rendered before it
answers (bench/blog_server.py's PrerenderedBlog): distinct content per blog (its seed).

    python -m bench.many_blogs_server --blogs 200 --urls-file FILE [--posts N]

Writes the blogs' URLs to FILE (one a line) once every page is rendered, then serves until
stopped. A separate process, so that its CPU is not the crawler's.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from bench.blog_server import PrerenderedBlog
from fixture_site.server import BlogServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.many_blogs_server",
                                     description=__doc__)
    parser.add_argument("--blogs", type=int, required=True)
    parser.add_argument("--urls-file", type=Path, required=True)
    parser.add_argument("--posts", type=int, default=None,
                        help="a generated archive of N posts instead of the 52 weekly roundups")
    parser.add_argument("--first-seed", type=int, default=5000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    servers, pages = [], 0
    for i in range(args.blogs):
        server = BlogServer(("127.0.0.1", 0), lambda root, seed=args.first_seed + i:
                            PrerenderedBlog(root, posts=args.posts, seed=seed))
        pages += server.blog.prerender()
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    partial = args.urls_file.with_suffix(".partial")
    partial.write_text("".join(f"{s.url}\n" for s in servers))
    partial.replace(args.urls_file)  # whole or absent: the bench waits for this file
    print(f"rendered {pages} pages of {args.blogs} blogs in {time.perf_counter() - started:.1f} s",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
