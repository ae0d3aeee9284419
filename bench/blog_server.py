"""The fixture blog for benchmarks: the same pages, rendered once before the clock starts.

Rendering a page of a 10,000-post archive costs the fixture server several milliseconds of CPU
(the generated body, a sidebar built from every post), the same order as crawling it; on two
cores it would compete with the crawler and make the server the bottleneck. This server renders
every page of the year once at start (`Blog.respond`, byte for byte) and then answers from memory,
so the crawls measure the crawler. Any other path is rendered on request as usual.

    python -m bench.blog_server --port P [--posts N]
"""

from __future__ import annotations

import argparse
import time

from fixture_site.server import BlogServer
from fixture_site.site import PER_PAGE, Blog


class PrerenderedBlog(Blog):
    """A Blog whose `respond` (what the server calls; `render` calls it too) answers from a
    table filled by `prerender`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._responses: dict[str, tuple] = {}

    def crawl_paths(self) -> list[str]:
        """robots.txt, every post, and every page of the year and month archives."""
        paths = ["/robots.txt"] + [post.path for post in self.posts]
        year_posts = self.year_posts()
        paths += _archive_paths(f"/{self.year:04d}/", len(year_posts))
        for month in range(1, 13):
            count = sum(1 for post in year_posts if post.published.month == month)
            paths += _archive_paths(f"/{self.year:04d}/{month:02d}/", count)
        return paths

    def prerender(self) -> int:
        for path in self.crawl_paths():
            self._responses[path] = super().respond(path)
        return len(self._responses)

    def respond(self, target: str) -> tuple:
        found = self._responses.get(target)
        return found if found is not None else super().respond(target)


def _archive_paths(base: str, posts: int) -> list[str]:
    pages = -(-posts // PER_PAGE)
    return [base] + [f"{base}page/{n}/" for n in range(2, pages + 1)] if posts else []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.blog_server", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--posts", type=int, default=None)
    args = parser.parse_args(argv)
    blogs: list[PrerenderedBlog] = []

    def factory(root: str) -> PrerenderedBlog:
        blogs.append(PrerenderedBlog(root, posts=args.posts))
        return blogs[-1]

    server = BlogServer(("127.0.0.1", args.port), factory)
    started = time.perf_counter()
    pages = blogs[0].prerender()
    print(f"rendered {pages} pages in {time.perf_counter() - started:.1f} s; serving {server.url}",
          flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
