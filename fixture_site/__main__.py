"""`python -m fixture_site`: serve the bundled 2015 blog, a realistic variant, or many blogs."""

from __future__ import annotations

import argparse
import threading

from fixture_site.many import serve_blogs
from fixture_site.server import BlogServer
from fixture_site.site import REALISTIC, Blog


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m fixture_site",
        description="Serve the bundled 2015 fixture blog (Twenty Fifteen markup) on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8015)
    parser.add_argument("--posts", type=int, default=None,
                        help="a generated archive of N posts instead of the 52 weekly roundups")
    parser.add_argument("--year", type=int, default=2015)
    parser.add_argument("--realistic", action="store_true",
                        help="minified pages, /%%postname%%/ permalinks, posts around the turn "
                             "of the year and uneven weeks")
    parser.add_argument("--blogs", type=int, default=None, metavar="N",
                        help="N distinct blogs under /blog-00/ ... on the one port")
    args = parser.parse_args(argv)
    shape = REALISTIC if args.realistic else {}
    if args.blogs is not None:
        if args.posts is not None:
            parser.error("--posts and --blogs do not go together")
        farm = serve_blogs(args.blogs, year=args.year, realistic=args.realistic, port=args.port)
        print(f"Serving {len(farm)} fixture blogs:", *farm.roots, sep="\n", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            farm.shutdown()
        return
    server = BlogServer(("127.0.0.1", args.port),
                        lambda root: Blog(root, year=args.year, posts=args.posts, **shape))
    print(f"Serving the fixture blog at {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


main()
