"""Serve a fixture Blog over HTTP on 127.0.0.1 from a thread.

A threaded server with a large listen backlog, so that it is never the bottleneck of a crawl
(the standard library's backlog of 5 stalls Scrapy's parallel connections).
"""

from __future__ import annotations

import argparse
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fixture_site.site import Blog


class BlogServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address, blog_factory):
        super().__init__(address, BlogHandler)
        host, port = self.server_address[:2]
        self.blog: Blog = blog_factory(f"http://{host}:{port}/")
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.blog.root

    def count(self, path: str) -> None:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1


class BlogHandler(BaseHTTPRequestHandler):
    server: BlogServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.server.count(self.path)
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        status, headers, body = self.server.blog.respond(self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002 (the stdlib's signature)
        pass


def serve_blog(port: int = 0, host: str = "127.0.0.1", **blog_options) -> BlogServer:
    """Start serving a Blog in a daemon thread; returns the server (`.url`, `.shutdown()`)."""
    server = BlogServer((host, port), lambda root: Blog(root, **blog_options))
    thread = threading.Thread(target=server.serve_forever, name="fixture-blog", daemon=True)
    thread.start()
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m fixture_site",
        description="Serve the bundled 2015 fixture blog (Twenty Fifteen markup) on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8015)
    parser.add_argument("--posts", type=int, default=None,
                        help="a generated archive of N posts instead of the 52 weekly roundups")
    parser.add_argument("--year", type=int, default=2015)
    args = parser.parse_args(argv)
    server = BlogServer(("127.0.0.1", args.port),
                        lambda root: Blog(root, year=args.year, posts=args.posts))
    print(f"Serving the fixture blog at {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
