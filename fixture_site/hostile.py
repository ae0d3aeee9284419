"""Hostile variants of the fixture blog: traps, lies and oddities a crawler meets in the wild.

`HostileBlog(root, *variants)` wraps `Blog.respond`; each variant changes what some requests
answer, and posts are named by their position in the year (0 = the year's first post), so a
test knows which posts must be stored, dropped or failed:

| variant              | what the blog does                                                           |
|----------------------|------------------------------------------------------------------------------|
| endless_pages        | `/<year>/page/N/` answers for every N, repeating page 1, each linking to N+1 |
| calendar             | the archive links every `/<year>/MM/` and `/<year>/MM/DD/` for 00-99, all answer |
| canonical_home       | every post's rel=canonical names the home page                               |
| canonical_other      | post 5's rel=canonical names post 6                                          |
| non_posts            | post 20 is a PDF, 21 JSON, 22 an empty 200, 23 a soft 404 (200, "not found") |
| off_site             | post 30 answers 301 to the same path on another host                         |
| huge_tags            | post 40 has 1,700 tags of 10,000 letters (a 17 MB document)                   |
| big_post             | post 40 carries `big_bytes` of extra real markup in its body                 |
| deep_markup          | post 41's body is wrapped in DEEP_LEVELS nested <div>s                       |
| silent_robots        | robots.txt never answers (sleeps ROBOTS_SLEEP seconds)                       |
| broken_robots        | robots.txt answers 503 every time                                            |
| undated_permalinks   | every post lives at `/<slug>/` (no date in its URL), listed by `sitemap.xml` with `lastmod` |
"""

from __future__ import annotations

import json
import re
import threading
import time
from urllib.parse import urlsplit

from fixture_site.server import BlogServer
from fixture_site.site import HTML, Blog

VARIANTS = frozenset({"endless_pages", "calendar", "canonical_home", "canonical_other",
                      "non_posts", "off_site", "huge_tags", "big_post", "deep_markup",
                      "silent_robots", "broken_robots", "undated_permalinks"})
HUGE_TAGS_BYTES = 17 * 1024 * 1024
DEEP_LEVELS = 300
ROBOTS_SLEEP = 30.0
NON_POSTS = {20: "not an HTML page (application/pdf)", 21: "not an HTML page (application/json)",
             22: "an empty page", 23: "soft 404"}
OFF_SITE_HOST = "moved-away.test"


class HostileBlog(Blog):
    def __init__(self, root: str, *variants: str, big_bytes: int = 0, **options):
        unknown = set(variants) - VARIANTS
        if unknown:
            raise ValueError(f"unknown variants {sorted(unknown)}; known: {sorted(VARIANTS)}")
        super().__init__(root, **options)
        self.variants = frozenset(variants)
        self.big_bytes = big_bytes
        self.year_paths = [p.path for p in self.year_posts()]
        self.position = {path: i for i, path in enumerate(self.year_paths)}
        # /<slug>/ -> the dated path, for undated permalinks
        self.undated = {f"/{p.slug}/": p.path for p in self.posts}

    def _is(self, variant: str) -> bool:
        return variant in self.variants

    def undated_url(self, position: int) -> str:
        path = self.year_paths[position]
        return self.url("/" + path.rstrip("/").rsplit("/", 1)[-1] + "/")

    def respond(self, target: str) -> tuple[int, dict[str, str], bytes]:
        path = urlsplit(target).path
        if path == "/robots.txt" and self._is("silent_robots"):
            time.sleep(ROBOTS_SLEEP)
        if path == "/robots.txt" and self._is("broken_robots"):
            return 503, {"Content-Type": "text/plain"}, b"Service Unavailable"
        if self._is("undated_permalinks"):
            if path in self.undated:
                return self._undate(*super().respond(self.undated[path]))
            if path == "/sitemap.xml":
                return self._undated_sitemap()
            if re.match(r"/\d{4}/\d\d/\d\d/", path):
                return super().respond("/no-such-page/")
        year = self.year
        match = re.fullmatch(rf"/{year}/page/(\d+)/", path)
        if match and self._is("endless_pages") and super().respond(target)[0] == 404:
            n = int(match.group(1))
            status, headers, body = super().respond(f"/{year}/")
            return status, headers, self._link(body, f"/{year}/page/{n + 1}/")
        if self._is("calendar") and re.fullmatch(rf"/{year}/\d\d/(\d\d/)?", path) and \
                super().respond(target)[0] == 404:
            status, headers, body = super().respond(f"/{year}/")
            return status, headers, body.replace(b"Year: ", b"Archives: ")
        position = self.position.get(path)
        status, headers, body = super().respond(target)
        if path == f"/{year}/" or match:
            if self._is("endless_pages"):
                last = -(-len(self.year_paths) // 10)
                body = self._link(body, f"/{year}/page/{last + 1}/")
            if self._is("calendar"):
                links = "".join(f'<a href="{self.url(f"/{year}/{m:02d}/{d:02d}/")}">{d}</a>'
                                for m in range(100) for d in range(100))
                links += "".join(f'<a href="{self.url(f"/{year}/{m:02d}/")}">{m}</a>'
                                 for m in range(100))
                body = body.replace(b"</main>", f"<nav>{links}</nav></main>".encode(), 1)
        if position is None or status != 200:
            return status, headers, body
        return self._post(position, status, headers, body)

    def _post(self, position: int, status, headers, body):
        if self._is("canonical_home"):
            body = self._canonical(body, self.root)
        if self._is("canonical_other") and position == 5:
            body = self._canonical(body, self.url(self.year_paths[6]))
        if self._is("non_posts") and position in NON_POSTS:
            if position == 20:
                return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj"
            if position == 21:
                return 200, {"Content-Type": "application/json"}, json.dumps(
                    {"title": "Week", "date": "2015-05-20"}).encode()
            if position == 22:
                return 200, {"Content-Type": HTML}, b""
            return 200, {"Content-Type": HTML}, self.not_found().encode()
        if self._is("off_site") and position == 30:
            host = urlsplit(self.root)
            return 301, {"Content-Type": HTML, "Location":
                         f"{host.scheme}://{OFF_SITE_HOST}{self.year_paths[30]}"}, b""
        if self._is("huge_tags") and position == 40:
            # 1,700 tags of 10,000 letters each: a 17 MB document from 17 MB of markup.
            tags = ", ".join(f'<a href="{self.root}tag/t{n}/" rel="tag">{n}{"x" * 9995}</a>'
                             for n in range(HUGE_TAGS_BYTES // 10000))
            body = body.replace(b'<span class="screen-reader-text">Tags </span>',
                                b'<span class="screen-reader-text">Tags </span>' + tags.encode()
                                + b", ", 1)
        if self._is("big_post") and position == 40 and self.big_bytes:
            unit = b"<p>Plenty of words in a <a href='/x/'>long</a> <em>post</em>.</p>\n"
            filler = unit * (self.big_bytes // len(unit))
            body = body.replace(b'<div class="entry-content">',
                                b'<div class="entry-content">' + filler, 1)
        if self._is("deep_markup") and position == 41:
            body = re.sub(rb'(<div class="entry-content">)(.*?)(</div>\s*<footer)',
                          lambda m: m.group(1) + b"<div>" * DEEP_LEVELS + m.group(2)
                          + b"</div>" * DEEP_LEVELS + m.group(3), body, count=1, flags=re.DOTALL)
        return status, headers, body

    @staticmethod
    def _canonical(body: bytes, url: str) -> bytes:
        return re.sub(rb"<link rel=['\"]canonical['\"] href=['\"][^'\"]*['\"]",
                      f"<link rel='canonical' href='{url}'".encode(), body, count=1)

    def _link(self, body: bytes, path: str) -> bytes:
        return body.replace(b"</main>", f'<a href="{self.url(path)}">Older posts</a></main>'
                            .encode(), 1)

    def _undate(self, status, headers, body):
        for slug_path, dated in self.undated.items():
            body = body.replace(self.url(dated).encode(), self.url(slug_path).encode())
        return status, headers, body

    def _undated_sitemap(self):
        entries = "".join(
            f"<url><loc>{self.url(slug)}</loc><lastmod>"
            f"{self.posts[i].modified.isoformat()}</lastmod></url>"
            for i, slug in enumerate(self.undated))
        xml = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
               f'schemas/sitemap/0.9">{entries}</urlset>')
        return 200, {"Content-Type": "application/xml; charset=UTF-8"}, xml.encode()


def serve_hostile_blog(*variants: str, **options) -> BlogServer:
    """Start a hostile blog on a free port of 127.0.0.1 in a daemon thread."""
    server = BlogServer(("127.0.0.1", 0), lambda root: HostileBlog(root, *variants, **options))
    threading.Thread(target=server.serve_forever, name="hostile-blog", daemon=True).start()
    return server
