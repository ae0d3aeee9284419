"""A fault-injecting variant of the fixture blog, for the crawler's failure tests.

Each fault is tied to one post of the year (by position) so a test knows exactly which posts must
end up stored (every post that eventually answers) and which must be listed as failed:

| position | fault                                             | eventually answers |
|----------|---------------------------------------------------|--------------------|
| 0        | 503 twice, then the page                          | yes                |
| 1        | 500 once, then the page                           | yes                |
| 2        | 429 with Retry-After: 1, then the page            | yes                |
| 3        | slower than the download timeout once             | yes                |
| 4        | body cut short once (Content-Length too large)    | yes                |
| 5        | a 301 -> 302 -> 301 redirect chain                | yes                |
| 6        | a redirect loop                                   | no                 |
| 7, 8     | 404                                               | no                 |
| 9        | windows-1252, no charset in header or markup      | yes                |
| 10       | larger than the size limit                        | no                 |
| 11       | malformed HTML (stray and missing end tags)       | yes                |
| 12       | listed in the archive under three other URLs      | yes (stored once)  |
"""

from __future__ import annotations

import threading
import time

from fixture_site.server import BlogHandler, BlogServer
from fixture_site.site import Blog

NEVER_ANSWER = {6: "redirect loop", 7: "HTTP 404", 8: "HTTP 404", 10: "size limit"}
SLOW_SECONDS = 4.0  # the tests set DOWNLOAD_TIMEOUT below this
OVERSIZE_BYTES = 3 * 1024 * 1024  # the tests set DOWNLOAD_MAXSIZE below this


def cp1252_page(body: bytes) -> bytes:
    """The page re-encoded as windows-1252 with every charset declaration removed."""
    text = body.decode("utf-8").replace('<meta charset="UTF-8">\n', "")
    return text.encode("cp1252", errors="xmlcharrefreplace")


def malformed_page(body: bytes) -> bytes:
    """Stray end tags in the sidebar, an unclosed element in the footer, no </body></html>."""
    text = body.decode("utf-8")
    text = text.replace('<div id="secondary" class="secondary">',
                        '<div id="secondary" class="secondary"></span></div></p>', 1)
    text = text.replace('<div class="site-info">', '<div class="site-info"><p><b>unclosed', 1)
    text = text.replace("</body>\n</html>", "")
    return text.encode("utf-8")


class FaultyBlogServer(BlogServer):
    def __init__(self, address, blog_factory, delay: float = 0.0, faults: bool = True,
                 disallow: tuple[str, ...] = ()):
        """`delay`: seconds each response waits (a slow site, to interrupt a crawl midway);
        `faults=False`: no fault at all, only the delay; `disallow`: more robots.txt rules."""
        super().__init__(address, blog_factory)
        self.RequestHandlerClass = FaultyHandler
        self.delay = delay
        self.disallow = disallow
        self.user_agents: set[str] = set()
        self.attempts: dict[str, int] = {}
        self._attempt_lock = threading.Lock()
        posts = self.blog.year_posts() if faults else []
        self.fault_paths = {posts[i].path: i for i in range(13)} if faults else {}
        self.expected_failures = {self.blog.url(posts[i].path): why
                                  for i, why in NEVER_ANSWER.items()} if faults else {}

    def attempt(self, path: str) -> int:
        with self._attempt_lock:
            self.attempts[path] = self.attempts.get(path, 0) + 1
            return self.attempts[path]


class FaultyHandler(BlogHandler):
    server: FaultyBlogServer

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=UTF-8",
              headers: dict | None = None, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        server = self.server
        server.count(self.path)
        server.user_agents.add(self.headers.get("User-Agent", ""))
        if server.delay:
            time.sleep(server.delay)
        path, _, query = self.path.partition("?")
        if path == "/robots.txt" and server.disallow:
            robots = server.blog.robots() + "".join(f"Disallow: {p}\n" for p in server.disallow)
            return self._send(200, robots.encode(), "text/plain; charset=utf-8")
        if path.startswith("/loop/"):
            nxt = "/loop/b/" if path == "/loop/a/" else "/loop/a/"
            return self._send(302, headers={"Location": server.blog.url(nxt)})
        if path.startswith("/hop/"):
            step, target = path.split("/")[2], "/" + "/".join(path.split("/")[3:])
            if step == "1":
                return self._send(302, headers={"Location": server.blog.url(f"/hop/2{target}")})
            return self._send(301, headers={"Location": server.blog.url(target) + "?moved=1"})
        position = server.fault_paths.get(path)
        if position is None or (position == 5 and query):
            return self._page(path, query)
        attempt = server.attempt(path)
        status, _, body = server.blog.render(self.path)
        if position == 0 and attempt <= 2:
            return self._send(503, b"busy")
        if position == 1 and attempt == 1:
            return self._send(500, b"oops")
        if position == 2 and attempt == 1:
            return self._send(429, b"slow down", headers={"Retry-After": "1"})
        if position == 3 and attempt == 1:
            time.sleep(SLOW_SECONDS)
        if position == 4 and attempt == 1:
            return self._send(200, body[: len(body) // 2], length=len(body))
        if position == 5:
            return self._send(301, headers={"Location": server.blog.url(f"/hop/1{path}")})
        if position == 6:
            return self._send(301, headers={"Location": server.blog.url("/loop/a/")})
        if position in (7, 8):
            return self._send(404, server.blog.not_found().encode())
        if position == 9:
            return self._send(200, cp1252_page(body), content_type="text/html")
        if position == 10:
            padding = b"<!-- " + b"x" * OVERSIZE_BYTES + b" -->"
            return self._send(200, body.replace(b"</head>", padding + b"</head>", 1))
        if position == 11:
            return self._send(200, malformed_page(body))
        return self._send(status, body)

    def _page(self, path: str, query: str) -> None:
        blog = self.server.blog
        if not path.endswith("/") and blog.render(path + "/")[0] == 200:
            # WordPress redirects a permalink without its trailing slash.
            return self._send(301, headers={"Location": blog.url(path + "/")})
        status, content_type, body = blog.render(self.path)
        if status == 200 and path == f"/{self.server.blog.year}/":
            body = self._with_duplicate_links(body)
        self._send(status, body, content_type)

    def _with_duplicate_links(self, body: bytes) -> bytes:
        """Post 12 listed again under a tracking URL, without its trailing slash, and with a
        fragment: the same post under several URLs."""
        blog = self.server.blog
        url = blog.url(blog.year_posts()[12].path)
        links = (f'<p class="also"><a href="{url}?utm_source=newsletter&amp;utm_medium=email">a</a> '
                 f'<a href="{url.rstrip("/")}">b</a> <a href="{url}#comments">c</a></p>')
        return body.replace(b'<header class="page-header">',
                            links.encode() + b'<header class="page-header">', 1)


def serve_faulty_blog(port: int = 0, delay: float = 0.0, faults: bool = True,
                      disallow: tuple[str, ...] = (), **blog_options) -> FaultyBlogServer:
    """Start the fault-injecting blog in a daemon thread."""
    server = FaultyBlogServer(("127.0.0.1", port), lambda root: Blog(root, **blog_options),
                              delay=delay, faults=faults, disallow=disallow)
    threading.Thread(target=server.serve_forever, name="faulty-blog", daemon=True).start()
    return server
