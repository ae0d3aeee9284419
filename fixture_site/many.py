"""Many fixture blogs served at once, each with its own content and exact truth.

The many-blogs mode (issue 13) needs 20-200 blogs on one machine. `serve_blogs(n)` serves them
from one HTTP server on 127.0.0.1, each blog installed in a sub-directory of its own (WordPress
"in a subdirectory": every link, feed, sitemap and REST URL carries the prefix), or with
`per_port=True` each blog on a port of its own at the root:

    farm = serve_blogs(20)                    # roots http://127.0.0.1:PORT/blog-00/ ... /blog-19/
    for blog in farm.blogs:
        blog.root                             # the URL to crawl ("site" of its post documents)
        blog.truth()                          # the post documents its year must give, exactly
    farm.truths()                             # {root: truth} for every blog
    farm.shutdown()                           # stop serving and close the sockets

The API, and all that other helpers may rely on:
- `serve_blogs(n, *, year=2015, seed=1000, realistic=False, per_port=False, **blog_options)`
  returns a `BlogFarm` already serving in daemon threads;
- `BlogFarm.blogs`: the `Blog`s in order (blog i: `seed + i`, named "blog i", its time zone
  taken in turn from `TIMEZONES`, so no two blogs have the same posts, bodies or figures);
- `BlogFarm.roots`, `BlogFarm.truths()`, `BlogFarm.hits` (request paths served, with counts),
  `BlogFarm.shutdown()`;
- `realistic=True` makes each blog `Blog.realistic` (minified, /%postname%/ permalinks, posts
  around the turn of the year, uneven weeks: the number of posts differs from blog to blog);
  any other keyword is passed to every `Blog` (e.g. `surfaces=`, `minified=`);
- `robots.txt` is the host's: with sub-directories one file names every blog's rules (as a
  host serving several installs does); with `per_port` each blog has its own.

From a shell: `python -m fixture_site --blogs 20 [--realistic] [--port P]` prints each root.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

from fixture_site.server import BlogServer
from fixture_site.site import REALISTIC, Blog

TIMEZONES = ("Europe/Stockholm", "America/New_York", "UTC", "Asia/Tokyo")
PLAIN = "text/plain; charset=utf-8"


def blog_options(i: int, *, year: int, seed: int, realistic: bool, **options) -> dict:
    """The options of blog number `i` of a farm: its own seed, name and time zone."""
    return {"year": year, "seed": seed + i, "name": f"blog {i}",
            "timezone": TIMEZONES[i % len(TIMEZONES)],
            **(REALISTIC if realistic else {}),
            **options}


class Blogs:
    """Several blogs behind one host, each under `/<prefix>-NN/`: what `BlogServer` serves in
    place of a single Blog (it asks only `respond(target)` and `root`)."""

    def __init__(self, root: str, n: int, prefix: str = "blog", **options):
        self.root = root
        width = max(2, len(str(n - 1)))
        self.blogs = [Blog(f"{root}{prefix}-{i:0{width}d}/", **blog_options(i, **options))
                      for i in range(n)]
        self._by_prefix = {"/" + blog.root[len(root):].rstrip("/"): blog for blog in self.blogs}

    def robots(self) -> str:
        rules = "".join(f"Disallow: /{blog.root[len(self.root):]}{path}\n"
                        for blog in self.blogs for path in ("wp-admin/", "private/"))
        sitemaps = "".join(f"Sitemap: {blog.root}wp-sitemap.xml\n" for blog in self.blogs
                           if "sitemap" in blog.surfaces)
        return "User-agent: *\n" + rules + ("\n" + sitemaps if sitemaps else "")

    def respond(self, target: str) -> tuple[int, dict[str, str], bytes]:
        if target.split("?")[0] == "/robots.txt":
            return 200, {"Content-Type": PLAIN}, self.robots().encode()
        prefix, _, rest = target[1:].partition("/")
        blog = self._by_prefix.get("/" + prefix)
        if blog is None:
            return 404, {"Content-Type": PLAIN}, b"no blog here\n"
        # The blog answers for its own paths, as WordPress in a subdirectory does.
        return blog.respond("/" + rest)


class BlogFarm:
    """Blogs being served; see the module docstring."""

    def __init__(self, servers: list[BlogServer], blogs: list[Blog]):
        self.servers = servers
        self.blogs = blogs

    @property
    def roots(self) -> list[str]:
        return [blog.root for blog in self.blogs]

    @property
    def hits(self) -> Counter:
        total: Counter = Counter()
        for server in self.servers:
            total.update(server.hits)
        return total

    def truths(self) -> dict[str, list[dict]]:
        return {blog.root: blog.truth() for blog in self.blogs}

    def __iter__(self) -> Iterator[Blog]:
        return iter(self.blogs)

    def __len__(self) -> int:
        return len(self.blogs)

    def shutdown(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> BlogFarm:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def _start(server: BlogServer) -> BlogServer:
    threading.Thread(target=server.serve_forever, name="fixture-blogs", daemon=True).start()
    return server


def serve_blogs(n: int, *, year: int = 2015, seed: int = 1000, realistic: bool = False,
                per_port: bool = False, host: str = "127.0.0.1", port: int = 0,
                **options) -> BlogFarm:
    """Serve `n` distinct fixture blogs on `host` (free ports unless `port` is given, for the
    shared server only); see the module docstring."""
    if n < 1:
        raise ValueError(f"n={n}: serve at least one blog")
    common = {"year": year, "seed": seed, "realistic": realistic, **options}
    if per_port:
        servers = [_start(BlogServer((host, 0), lambda root, i=i: Blog(
            root, **blog_options(i, **common)))) for i in range(n)]
        return BlogFarm(servers, [server.blog for server in servers])
    server = _start(BlogServer((host, port), lambda root: Blogs(root, n, **common)))
    return BlogFarm([server], server.blog.blogs)
