"""A local stand-in for the Wayback Machine, holding captures of a fixture Blog's pages.

It answers the two calls the crawler makes, as web.archive.org does:

- the CDX API, `/cdx/search/cdx?url=<host>/<year>/*&output=json&filter=statuscode:200
  &collapse=urlkey` (prefix match on a trailing `*` or `matchType=prefix`, `filter=[!]field:regex`
  repeated, `collapse=field`, `fl=`, `from`/`to`, `limit`; JSON with a header row, else text);
- replay of the original bytes, `/web/<timestamp>id_/<url>`, redirecting (302) to the nearest
  capture's timestamp when the asked one is not held; without `id_` the page comes with a
  toolbar inserted, as the archive's rewritten view does, so a crawler that forgets `id_`
  measures wrong figures.

The captures are the blog's own rendered bytes: each post twice (so `collapse=urlkey` matters),
plus archive pages, feeds, a reply-link variant and a capture with status 404, so the crawler
has something to filter out. `busy_every=N` answers every Nth replay with 429 Retry-After, to
test back-off; `latency` seconds of think time a request, and `max_active`, the most requests
it served at once, test the crawler's concurrency toward the archive.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from fixture_site.site import Blog

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
TOOLBAR = ('<!-- BEGIN WAYBACK TOOLBAR INSERT --><div id="wm-ipp"><p>The Wayback Machine: '
           'Google Android Apple data captures</p></div><!-- END WAYBACK TOOLBAR INSERT -->')


@dataclass(frozen=True)
class Capture:
    timestamp: str  # yyyyMMddhhmmss, UTC
    original: str  # the URL as captured
    target: str  # the path and query the blog is asked for
    statuscode: int = 200

    @property
    def urlkey(self) -> str:
        return surt(self.original)


def surt(url: str) -> str:
    """The CDX urlkey: host reversed with commas, no scheme or www, path and query lower-cased."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    key = ",".join(reversed(host.split("."))) + port + ")" + (parts.path or "/").lower()
    return key + ("?" + parts.query.lower() if parts.query else "")


def _stamp(when) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


class Wayback:
    """The archive's holdings for one fixture blog, and its answers to CDX and replay calls."""

    def __init__(self, blog: Blog, busy_every: int = 0, latency: float = 0.0):
        self.blog = blog
        self.busy_every = busy_every
        self.latency = latency
        self.captures: list[Capture] = []
        for post in blog.posts:
            for delay in (timedelta(days=9), timedelta(days=400)):
                self._add(post.published + delay, post.path)
        first = blog.posts[0].published
        for target in (f"/{blog.year}/", f"/{blog.year}/03/", "/feed/",
                       blog.posts[1].path + "feed/",
                       blog.posts[2].path + "?replytocom=301"):
            self._add(first + timedelta(days=200), target)
        self._add(first + timedelta(days=201), f"/{blog.year}/02/30/gone/", statuscode=404)
        self.captures.sort(key=lambda c: (c.urlkey, c.timestamp))
        self._lock = threading.Lock()
        self.replays = 0
        self.active = 0
        self.max_active = 0

    def _add(self, when, target: str, statuscode: int = 200) -> None:
        self.captures.append(Capture(_stamp(when), self.blog.url(target), target, statuscode))

    # -- CDX -----------------------------------------------------------------------------------
    def cdx(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        url = query.get("url", [""])[-1]
        prefix = url.endswith("*") or query.get("matchType", [""])[-1] == "prefix"
        wanted = surt("http://" + url.split("://")[-1].rstrip("*"))
        rows = [c for c in self.captures
                if (c.urlkey.startswith(wanted) if prefix else c.urlkey == wanted)]
        start, end = query.get("from", [""])[-1], query.get("to", [""])[-1]
        rows = [c for c in rows if (not start or c.timestamp[:len(start)] >= start)
                and (not end or c.timestamp[:len(end)] <= end)]
        fields = [self._fields(c) for c in rows]
        for spec in query.get("filter", []):
            negate, (name, pattern) = spec.startswith("!"), spec.lstrip("!").split(":", 1)
            fields = [f for f in fields if bool(re.fullmatch(pattern, f[name])) != negate]
        for name in query.get("collapse", []):
            collapsed, last = [], None
            for f in fields:
                if f[name] != last:
                    collapsed.append(f)
                last = f[name]
            fields = collapsed
        if query.get("limit"):
            fields = fields[:int(query["limit"][-1])]
        columns = [c for c in query.get("fl", [",".join(CDX_FIELDS)])[-1].split(",") if c]
        table = [[f[c] for c in columns] for f in fields]
        if query.get("output", [""])[-1] == "json":
            body = json.dumps([columns] + table if table else [])
            return 200, {"Content-Type": "application/json"}, body.encode()
        text = "".join(" ".join(row) + "\n" for row in table)
        return 200, {"Content-Type": "text/plain"}, text.encode()

    def _fields(self, capture: Capture) -> dict[str, str]:
        status, headers, body = self.blog.respond(capture.target)
        if capture.statuscode != status:  # a capture of a page since gone
            status = capture.statuscode
        return {"urlkey": capture.urlkey, "timestamp": capture.timestamp,
                "original": capture.original, "mimetype": headers["Content-Type"].split(";")[0],
                "statuscode": str(status), "digest": hashlib.sha1(body).hexdigest().upper(),
                "length": str(len(body))}

    # -- replay --------------------------------------------------------------------------------
    def replay(self, timestamp: str, raw: bool, url: str) -> tuple[int, dict[str, str], bytes]:
        url = re.sub(r"^(https?):/(?=[^/])", r"\1://", url)  # some clients squeeze the "//"
        held = [c for c in self.captures if c.urlkey == surt(url)]
        if not held:
            return 404, {"Content-Type": "text/html"}, b"<p>Not archived.</p>"
        nearest = min(held, key=lambda c: abs(int(c.timestamp) - int(timestamp.ljust(14, "0"))))
        if nearest.timestamp != timestamp:
            where = f"/web/{nearest.timestamp}{'id_' if raw else ''}/{nearest.original}"
            return 302, {"Content-Type": "text/plain", "Location": where}, b""
        status, headers, body = self.blog.respond(nearest.target)
        headers = {"Content-Type": headers["Content-Type"],
                   "Memento-Datetime": nearest.timestamp,
                   "X-Archive-Orig-Content-Length": str(len(body))}
        if not raw and headers["Content-Type"].startswith("text/html"):
            body = body.replace(b"<body", TOOLBAR.encode() + b"<body", 1)
        return nearest.statuscode, headers, body

    def respond(self, target: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        if parts.path in ("/cdx/search/cdx", "/cdx/search/cdx/"):
            return self.cdx(parse_qs(parts.query))
        match = re.fullmatch(r"/web/(\d{1,14})(id_)?/(.+)", target, flags=re.DOTALL)
        if match:
            with self._lock:
                self.replays += 1
                busy = self.busy_every and self.replays % self.busy_every == 0
            if busy:
                return 429, {"Content-Type": "text/plain", "Retry-After": "1"}, b"Too Many Requests"
            return self.replay(match.group(1), bool(match.group(2)), match.group(3))
        return 404, {"Content-Type": "text/plain"}, b"Not found"


class WaybackServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address, wayback: Wayback):
        super().__init__(address, WaybackHandler)
        self.wayback = wayback
        self.hits: list[str] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class WaybackHandler(BaseHTTPRequestHandler):
    server: WaybackServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        wayback = self.server.wayback
        with wayback._lock:
            self.server.hits.append(self.path)
            wayback.active += 1
            wayback.max_active = max(wayback.max_active, wayback.active)
        try:
            time.sleep(wayback.latency)
            status, headers, body = wayback.respond(self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with wayback._lock:
                wayback.active -= 1

    def log_message(self, format, *args) -> None:  # noqa: A002 (the stdlib's signature)
        pass


def serve_wayback(blog: Blog, port: int = 0, host: str = "127.0.0.1", **options) -> WaybackServer:
    """Serve the captures of `blog` in a daemon thread; returns the server (`.url`, `.hits`)."""
    server = WaybackServer((host, port), Wayback(blog, **options))
    threading.Thread(target=server.serve_forever, name="fixture-wayback", daemon=True).start()
    return server
