"""A WordPress blog in Twenty Fifteen markup (WP 4.3 era), generated with its exact ground truth.

`Blog(root)` holds the posts' metadata; pages are rendered on request, so an archive of 10,000
posts costs little memory. `Blog.respond(target)` returns (status, headers, body bytes) for a
request target, as the server sends it; `Blog.render(target)` the same with only the content
type. `surfaces` chooses which listings the site offers besides its post pages: the date
archives ("archive", WP 4.3), the REST API ("rest", WP >= 4.7), `wp-sitemap.xml` ("sitemap",
WP >= 5.5), a plain `sitemap.xml` index ("sitemap_xml", as SEO plugins write) and the paged RSS
feed ("feed"), so a test can serve a blog that offers only one of them. `Blog.truth()` is the
post document each post of the year must produce, field by field, computed from the
generator's own model, never by the extractor.

The shapes real blogs have, each an option (the default is the bundled demo blog: 52 "Week N"
roundups on the Wednesdays of 2015, day-and-name permalinks, `wpautop` newlines):

- `minified=True`: no whitespace between tags anywhere (the body is written without separators
  by the builder, the page frame is collapsed), as caching and minifying plugins serve pages;
- `permalinks="postname"`: undated permalinks `/%postname%/`, so nothing in a URL says its year;
- `schedule="irregular"`: posts on 29-31 December and 1-3 January around the year (in the years
  before and after too, at 23:40 and 00:20 local time, so that the UTC instant falls in the
  neighbouring year), several posts in some weeks and none in others (the 10th week of the year
  has none, the 11th three);
- `timezone=`: the blog's own zone (default Europe/Stockholm); `America/New_York` puts the
  evening of 31 December into the next year in UTC;
- `Blog.realistic(root)`: all of these at once (minified, postname, irregular);
- `blog.revise(url)`: the post is edited (new content and a later modified date), as between
  two crawls; its truth changes with it.
"""

from __future__ import annotations

import html
import json
import math
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from fixture_site.content import build_body, served

BLOG_NAME = "import digest"
TAGLINE = "A weekly roundup of what caught my eye"
TIMEZONE = "Europe/Stockholm"  # the import digest's
PER_PAGE = 10
AUTHORS = ("Tom Malm", "Jane Reader")
CATEGORIES = (("weekly-roundup", "Weekly roundup"), ("84", "Mobile"), ("news", "News"))
TAG_POOL = ("android", "google", "apple", "data", "privacy", "open source", "linux", "browsers",
            "security", "hardware")
SURFACES = frozenset({"archive", "rest", "sitemap", "sitemap_xml", "feed"})
REST_MAX_PER_PAGE = 100
SITEMAP_MAX_URLS = 2000  # wp_sitemaps_max_urls
SEO_SITEMAP_MAX_URLS = 1000
HTML = "text/html; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
JSON = "application/json; charset=UTF-8"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
PERMALINKS = ("day-and-name", "postname")  # /%year%/%monthnum%/%day%/%postname%/, /%postname%/
SCHEDULES = ("weekly", "irregular")
# Every shape of a real blog at once (`Blog.realistic`, `serve_blogs(realistic=True)`).
REALISTIC = {"minified": True, "permalinks": "postname", "schedule": "irregular"}
# Topics of the irregular schedule's titles: no "week" in them, so `week` is the ISO week.
TOPICS = ("browsers", "privacy", "phones", "servers", "batteries", "cameras", "maps", "music",
          "startups", "search", "linux", "tablets", "video", "chat", "security", "cloud")
IRREGULAR_POSTS_PER_WEEK = (0, 0, 1, 1, 1, 1, 2, 3)
# The whitespace between two tags: what a minifier removes from the page frame.
_BETWEEN_TAGS = re.compile(r">\s+<")


@dataclass
class Comment:
    id: int
    author: str
    when: datetime
    kind: str = "comment"  # or "pingback"
    children: list[Comment] = field(default_factory=list)


@dataclass
class Post:
    id: int
    slug: str
    title: str
    published: datetime  # aware, in the blog's time zone
    modified: datetime
    author: str
    categories: list[tuple[str, str]]
    tags: list[str]
    seed: int
    comments: list[Comment]
    comments_open: bool
    author_bio: bool  # Twenty Sixteen-style bio inside entry-content
    thumbnail: bool
    undated: bool = False  # a /%postname%/ permalink
    revision: int = 0  # how many times the post was edited (`Blog.revise`)

    @property
    def path(self) -> str:
        if self.undated:
            return f"/{self.slug}/"
        d = self.published
        return f"/{d.year:04d}/{d.month:02d}/{d.day:02d}/{self.slug}/"

    @property
    def comment_count(self) -> int:
        def count(items):
            return sum(1 + count(c.children) for c in items)
        return count(self.comments)


def _wednesdays(year: int) -> list[date]:
    day = date(year, 1, 1)
    day += timedelta(days=(2 - day.weekday()) % 7)
    days = []
    while day.year == year:
        days.append(day)
        day += timedelta(days=7)
    return days


def _irregular_schedule(rng: random.Random, year: int) -> list[tuple[date, time]]:
    """Days and times of an irregular blog: the edges of the year and of the years around it,
    then each ISO week of the year with 0 to 3 posts on distinct days."""
    edges = [date(y, 12, d) for y in (year - 1, year) for d in (29, 30, 31)] + \
        [date(y, 1, d) for y in (year, year + 1) for d in (1, 2, 3)]
    # Just before and just after midnight: the UTC instant is in the neighbouring day (and on
    # 31 December / 1 January, year) for blogs west or east of UTC.
    schedule = [(day, time(23, 40) if day.day == 31 else time(0, 20) if day.day == 1
                 else time(rng.randint(6, 21), rng.randrange(60))) for day in edges]
    monday = date.fromisocalendar(year, 1, 1)
    for n in range(53):
        week = [monday + timedelta(days=7 * n + d) for d in range(7)]
        days = [d for d in week if d.year == year and d not in edges]
        if not days:
            continue
        count = 0 if n == 9 else 3 if n == 10 else rng.choice(IRREGULAR_POSTS_PER_WEEK)
        for day in sorted(rng.sample(days, min(count, len(days)))):
            schedule.append((day, time(rng.randint(6, 21), rng.randrange(60), rng.randrange(60))))
    return sorted(schedule)


def _slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


class Blog:
    """The fixture blog: by default 52 "Week N" roundups on the Wednesdays of 2015, plus a post of
    December 2014 and of January 2016 that a 2015 crawl must not store."""

    def __init__(self, root: str = "http://127.0.0.1:8000/", year: int = 2015,
                 posts: int | None = None, seed: int = 2015,
                 titles: dict[int, str] | None = None, surfaces=SURFACES, *,
                 minified: bool = False, permalinks: str = "day-and-name",
                 schedule: str = "weekly", timezone: str = TIMEZONE,
                 name: str = BLOG_NAME):
        """`posts`: a generated archive of that many posts instead of the weekly roundups;
        `titles`: replacement titles by position in the year (0 = the year's first post);
        `surfaces`: the listings served (see SURFACES), all by default; `minified`,
        `permalinks`, `schedule`, `timezone`: the shapes of the module docstring; `name`: the
        blog's name in its pages."""
        self.root = root if root.endswith("/") else root + "/"
        unknown = set(surfaces) - SURFACES
        if unknown:
            raise ValueError(f"unknown surfaces {sorted(unknown)}; known: {sorted(SURFACES)}")
        if permalinks not in PERMALINKS:
            raise ValueError(f"permalinks={permalinks!r}: one of {', '.join(PERMALINKS)}")
        if schedule not in SCHEDULES:
            raise ValueError(f"schedule={schedule!r}: one of {', '.join(SCHEDULES)}")
        if posts is not None and schedule != "weekly":
            raise ValueError("posts=N is a schedule of its own (evenly spread); "
                             f"leave schedule={schedule!r} out")
        self.surfaces = frozenset(surfaces)
        self.year = year
        self.seed = seed
        self.minified = minified
        self.permalinks = permalinks
        self.schedule = schedule
        self.tz = ZoneInfo(timezone)
        self.name = name
        rng = random.Random(seed)
        self.posts: list[Post] = []
        if schedule == "irregular":
            for i, (day, at) in enumerate(_irregular_schedule(rng, year)):
                a, b = rng.sample(TOPICS, 2)
                title = f"{a.capitalize()} and {b}, notes {i + 1}"
                self.posts.append(self._make_post(rng, i, day, title, weekly=False, at=at,
                                                  slug=_slugify(title)))
        elif posts is None:
            days = [date(year - 1, 12, 31)] + _wednesdays(year) + [date(year + 1, 1, 6)]
            for i, day in enumerate(days):
                week = 52 if day.year < year else (i if day.year == year else 1)
                self.posts.append(self._make_post(rng, i, day, f"Week {week}", weekly=True))
        else:
            # A generated archive: `posts` posts spread evenly over the year.
            start = datetime(year, 1, 1, tzinfo=self.tz)
            span = (datetime(year + 1, 1, 1, tzinfo=self.tz) - start).total_seconds()
            for i in range(posts):
                when = start + timedelta(seconds=span * (i + 0.5) / posts)
                self.posts.append(self._make_post(rng, i, when.date(), f"Roundup {i + 1}",
                                                  weekly=False, at=when.time()))
        self.posts.sort(key=lambda p: p.published)
        for position, title in (titles or {}).items():
            self.year_posts()[position].title = title
        self._by_path = {p.path: p for p in self.posts}
        if len(self._by_path) != len(self.posts):
            raise ValueError("two posts share a permalink")
        self._index = {p.id: i for i, p in enumerate(self.posts)}

    @classmethod
    def realistic(cls, root: str = "http://127.0.0.1:8000/", **options) -> Blog:
        """The shapes of real blogs at once: minified pages, /%postname%/ permalinks, posts
        around the turn of each year and uneven weeks."""
        return cls(root, **{**REALISTIC, **options})

    # -- the model -----------------------------------------------------------------------------
    def _make_post(self, rng: random.Random, i: int, day: date, title: str, weekly: bool,
                   at: time | None = None, slug: str | None = None) -> Post:
        if at is None:
            # Mostly 07:30; some just after midnight, which is the day before in UTC.
            at = time(0, 20) if i % 9 == 4 else time(7, 30, i % 60)
        published = datetime.combine(day, at, tzinfo=self.tz)
        modified = published + (timedelta(days=2, hours=3) if i % 5 == 2 else timedelta(0))
        if slug is None and weekly:
            slug = f"week-{title.split()[-1]}-{day.year}" if day.year != self.year else \
                f"week-{title.split()[-1]}"
        elif slug is None:
            slug = f"roundup-{i + 1}"
        categories = [CATEGORIES[0]] + ([CATEGORIES[1 + i % 2]] if i % 3 == 0 else [])
        tags = rng.sample(TAG_POOL, rng.randint(0, 3))
        comments = self._make_comments(rng, i, published) if i % 4 != 3 else []
        return Post(
            id=1000 + i, slug=slug, title=title, published=published, modified=modified,
            author=AUTHORS[1] if i % 7 == 6 else AUTHORS[0], categories=categories, tags=tags,
            seed=rng.randrange(2**32), comments=comments, comments_open=i % 6 != 5,
            author_bio=i % 4 == 1, thumbnail=i % 3 == 2,
            undated=self.permalinks == "postname")

    @staticmethod
    def _make_comments(rng: random.Random, i: int, published: datetime) -> list[Comment]:
        comments = []
        next_id = (i + 1) * 100
        for _ in range(rng.randint(0, 4)):
            next_id += 1
            when = published + timedelta(hours=rng.randint(1, 200))
            kind = "pingback" if rng.random() < 0.15 else "comment"
            top = Comment(next_id, rng.choice(["Bob", "Alice", "Kim", "Sam"]), when, kind)
            if kind == "comment" and rng.random() < 0.4:
                next_id += 1
                top.children.append(Comment(next_id, "Tom Malm", when + timedelta(hours=3)))
            comments.append(top)
        return comments

    def body(self, post_id: int):
        post = self.posts[self._index[post_id]]
        return self._body(post_id, post.seed + post.revision)

    @lru_cache(maxsize=256)  # noqa: B019 (a Blog lives as long as its server)
    def _body(self, post_id: int, seed: int):
        return build_body(random.Random(seed), self.root, post_id,
                          sep="" if self.minified else "\n")

    def post_at(self, url: str) -> Post:
        """The post of a permalink (KeyError when the blog has none there)."""
        if not url.startswith(self.root):
            raise KeyError(url)
        return self._by_path["/" + url[len(self.root):]]

    def revise(self, url: str, modified: datetime | None = None) -> Post:
        """Edit the post at `url` as its author would between two crawls: new content (the
        next revision of its body) and a later modified date (`modified`, default a day after
        the last one). The truth follows; the URL and publication date stay."""
        post = self.post_at(url)
        when = modified or max(post.modified, post.published) + timedelta(days=1)
        if when.tzinfo is None or when <= post.published:
            raise ValueError(f"modified={when} must be an aware time after {post.published}")
        post.revision += 1
        post.modified = when.astimezone(self.tz)
        return post

    def url(self, path: str) -> str:
        return self.root + path.lstrip("/")

    def year_posts(self, year: int | None = None) -> list[Post]:
        year = self.year if year is None else year
        return [p for p in self.posts if p.published.year == year]

    # -- ground truth ----------------------------------------------------------------------
    def truth(self, year: int | None = None) -> list[dict]:
        """The post document every post of the year (default: the blog's) must give, less
        crawled_at and crawl_id."""
        docs = []
        for post in self.year_posts(year):
            figures = self.body(post.id).truth()
            iso = post.published.date().isocalendar()
            week_match = re.search(r"Week (\d+)", post.title)
            published = post.published.astimezone(UTC)
            modified = post.modified.astimezone(UTC)
            docs.append({
                "url": self.url(post.path),
                "site": self.root,
                "title": post.title,
                "published": published,
                "modified": modified,
                "date": post.published.date().isoformat(),
                "year": post.published.year,
                "iso_year": iso.year,
                "iso_week": iso.week,
                "week": int(week_match.group(1)) if week_match else iso.week,
                "author": post.author,
                "categories": [name for _, name in post.categories],
                "tags": list(post.tags),
                **figures,
                "html_bytes": len(self.render(post.path)[2]),
                "comments": post.comment_count,
                "extractor": "entry-content",
            })
        return docs

    # -- rendering -----------------------------------------------------------------------------
    def render(self, target: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request target (path and query)."""
        status, headers, body = self.respond(target)
        return status, headers["Content-Type"], body

    def respond(self, target: str) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for a request target (path and query)."""
        status, headers, body = self._respond(target)
        if self.minified and headers["Content-Type"] == HTML:
            # The body inside is minified by construction (its builder writes no separators
            # and none of its tags are apart), so this changes only the page's frame.
            body = _BETWEEN_TAGS.sub("><", body.decode("utf-8")).encode("utf-8")
        return status, headers, body

    def _respond(self, target: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, self.robots().encode()
        if path in ("/wp-json/wp/v2/posts", "/wp-json/wp/v2/posts/") or (
                path == "/" and query.get("rest_route") == "/wp/v2/posts"):
            return self.rest_posts(query) if "rest" in self.surfaces else self._not_found()
        if path.endswith(".xml") and path.count("/") == 1:
            return self.sitemap(path[1:])
        if path in ("/feed/", "/feed"):
            if "feed" not in self.surfaces:
                return self._not_found()
            feed = self.feed(page=int(query.get("paged") or 1))
            return (200, {"Content-Type": RSS}, feed.encode()) if feed else self._not_found()
        if path in self._by_path:  # ?replytocom=N shows the same post, as WordPress does
            return 200, {"Content-Type": HTML}, self.single(self._by_path[path]).encode()
        match = re.fullmatch(r"(/(?:\d{4}/\d\d/\d\d/)?[^/]+/)(feed|amp|attachment/[^/]+)/", path)
        if match and match.group(1) in self._by_path:
            post = self._by_path[match.group(1)]
            if match.group(2) == "feed":
                return 200, {"Content-Type": RSS}, self.feed([post]).encode()
            return 200, {"Content-Type": HTML}, self.side_page(post, match.group(2)).encode()
        match = re.fullmatch(r"/(\d{4})/(?:(\d\d)/)?(?:page/(\d+)/)?", path)
        if match and "archive" in self.surfaces:
            page = self.archive(int(match.group(1)), int(match.group(2) or 0),
                                int(match.group(3) or 1))
            if page is not None:
                return 200, {"Content-Type": HTML}, page.encode()
        if (path == "/" or re.fullmatch(r"/page/\d+/", path)) and "archive" in self.surfaces:
            page_no = int(path.strip("/").split("/")[-1]) if path != "/" else 1
            page = self._listing(self.posts[::-1], page_no, "/", "home blog", self.name)
            if page is not None:
                return 200, {"Content-Type": HTML}, page.encode()
        if path in ("/about/", "/category/weekly-roundup/", "/tag/android/", "/private/"):
            return 200, {"Content-Type": HTML}, self.plain_page(path).encode()
        return self._not_found()

    def _not_found(self) -> tuple[int, dict[str, str], bytes]:
        return 404, {"Content-Type": HTML}, self.not_found().encode()

    def robots(self) -> str:
        sitemaps = "".join(f"Sitemap: {self.root}{name}\n" for surface, name in (
            ("sitemap", "wp-sitemap.xml"), ("sitemap_xml", "sitemap.xml"))
            if surface in self.surfaces)
        return ("User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
                "Disallow: /private/\n" + ("\n" + sitemaps if sitemaps else ""))

    def _head(self, title: str, extra: str = "") -> str:
        return f"""<!DOCTYPE html>
<html lang="en-US" class="no-js">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width">
<link rel="profile" href="http://gmpg.org/xfn/11">
<link rel="pingback" href="{self.root}xmlrpc.php">
<title>{title}</title>
<link rel="alternate" type="application/rss+xml" title="{self.name} &raquo; Feed" href="{self.root}feed/" />
<link rel="alternate" type="application/rss+xml" title="{self.name} &raquo; Comments Feed" href="{self.root}comments/feed/" />
<link rel='stylesheet' id='twentyfifteen-style-css'  href='{self.root}wp-content/themes/twentyfifteen/style.css?ver=4.3.1' type='text/css' media='all' />
<script type='text/javascript' src='{self.root}wp-includes/js/jquery/jquery.js?ver=1.11.3'></script>
<link rel="EditURI" type="application/rsd+xml" title="RSD" href="{self.root}xmlrpc.php?rsd" />
{extra}<meta name="generator" content="WordPress 4.3.1" />
</head>
"""

    def _sidebar(self) -> str:
        months = sorted({(p.published.year, p.published.month) for p in self.posts}, reverse=True)
        archive_items = "\n".join(
            f"<li><a href='{self.root}{y:04d}/{m:02d}/'>{MONTHS[m - 1]} {y}</a></li>"
            for y, m in months)
        recent = "\n".join(
            f'<li><a href="{self.url(p.path)}">{html.escape(p.title)}</a></li>'
            for p in self.posts[::-1][:5])
        return f"""<div id="sidebar" class="sidebar">
<header id="masthead" class="site-header" role="banner">
<div class="site-branding">
<p class="site-title"><a href="{self.root}" rel="home">{self.name}</a></p>
<p class="site-description">{TAGLINE}</p>
<button class="secondary-toggle">Menu and widgets</button>
</div>
</header>
<div id="secondary" class="secondary">
<nav id="site-navigation" class="main-navigation" role="navigation"><div class="menu-main-container"><ul id="menu-main" class="nav-menu"><li><a href="{self.root}">Home</a></li><li><a href="{self.root}about/">About</a></li><li><a href="{self.root}private/">Drafts</a></li></ul></div></nav>
<div id="widget-area" class="widget-area" role="complementary">
<aside id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="{self.root}"><label><span class="screen-reader-text">Search for:</span><input type="search" class="search-field" placeholder="Search &hellip;" value="" name="s" title="Search for:" /></label><input type="submit" class="search-submit screen-reader-text" value="Search" /></form></aside>
<aside id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>
{recent}
</ul></aside>
<aside id="archives-2" class="widget widget_archive"><h2 class="widget-title">Archives</h2><ul>
{archive_items}
</ul></aside>
<aside id="text-3" class="widget widget_text"><h2 class="widget-title">Elsewhere</h2><div class="textwidget"><p><a href="https://github.com/"><img src="{self.root}wp-content/uploads/badge-gh.png" alt="GitHub" width="80" height="15"></a> <a href="https://twitter.com/"><img src="{self.root}wp-content/uploads/badge-tw.png" alt="Twitter" width="80" height="15"></a> Links and words about data, Google and Apple in the sidebar are not part of any post.</p></div></aside>
<aside id="categories-2" class="widget widget_categories"><h2 class="widget-title">Categories</h2><ul>
{''.join(f'<li class="cat-item"><a href="{self.root}category/{slug}/">{name}</a></li>' for slug, name in CATEGORIES)}
</ul></aside>
</div>
</div>
</div>
"""

    def _footer(self) -> str:
        return f"""<footer id="colophon" class="site-footer" role="contentinfo">
<div class="site-info"><a href="https://wordpress.org/">Proudly powered by WordPress</a></div>
</footer>
</div>
<script type='text/javascript' src='{self.root}wp-content/themes/twentyfifteen/js/functions.js?ver=20150330'></script>
</body>
</html>
"""

    def _time_html(self, post: Post) -> str:
        pub = post.published.isoformat()
        label = f"{MONTHS[post.published.month - 1]} {post.published.day}, {post.published.year}"
        if post.modified == post.published:
            return f'<time class="entry-date published updated" datetime="{pub}">{label}</time>'
        mod = post.modified
        mod_label = f"{MONTHS[mod.month - 1]} {mod.day}, {mod.year}"
        return (f'<time class="entry-date published" datetime="{pub}">{label}</time>'
                f'<time class="updated" datetime="{mod.isoformat()}">{mod_label}</time>')

    def _post_classes(self, post: Post) -> str:
        classes = [f"post-{post.id}", "post", "type-post", "status-publish", "format-standard"]
        if post.thumbnail:
            classes.append("has-post-thumbnail")
        classes.append("hentry")
        classes += [f"category-{slug}" for slug, _ in post.categories]
        classes += [f"tag-{t.replace(' ', '-')}" for t in post.tags]
        return " ".join(classes)

    def _entry_footer(self, post: Post, single: bool) -> str:
        cats = ", ".join(
            f'<a href="{self.root}category/{slug}/" rel="category tag">{html.escape(name)}</a>'
            for slug, name in post.categories)
        tags = ", ".join(
            f'<a href="{self.root}tag/{t.replace(" ", "-")}/" rel="tag">{html.escape(t)}</a>'
            for t in post.tags)
        author_slug = post.author.lower().replace(" ", "-")
        parts = [
            f'<span class="posted-on"><span class="screen-reader-text">Posted on </span>'
            f'<a href="{self.url(post.path)}" rel="bookmark">{self._time_html(post)}</a></span>',
            f'<span class="byline"><span class="author vcard"><span class="screen-reader-text">'
            f'Author </span><a class="url fn n" href="{self.root}author/{author_slug}/">'
            f'{html.escape(post.author)}</a></span></span>',
            f'<span class="cat-links"><span class="screen-reader-text">Categories </span>{cats}</span>',
        ]
        if tags:
            parts.append(f'<span class="tags-links"><span class="screen-reader-text">Tags </span>'
                         f'{tags}</span>')
        if not single:
            n = post.comment_count
            title = html.escape(post.title)
            if n == 0 and not post.comments_open:
                link = f'<span>Comments Off<span class="screen-reader-text"> on {title}</span></span>'
            elif n == 0:
                link = (f'<a href="{self.url(post.path)}#respond">Leave a comment<span '
                        f'class="screen-reader-text"> on {title}</span></a>')
            else:
                link = (f'<a href="{self.url(post.path)}#comments">{n} Comment{"s" if n > 1 else ""}'
                        f'<span class="screen-reader-text"> on {title}</span></a>')
            parts.append(f'<span class="comments-link">{link}</span>')
        return '<footer class="entry-footer">\n' + "\n".join(parts) + "\n</footer>"

    @staticmethod
    def _noise(post: Post, blog: Blog) -> str:
        """Plugin blocks Jetpack puts inside entry-content: share buttons, related posts."""
        related = [p for p in blog.posts if p.id != post.id][:3]
        rel_items = "".join(
            f'<div class="jp-relatedposts-post"><a class="jp-relatedposts-post-a" '
            f'href="{blog.url(p.path)}"><img class="jp-relatedposts-post-img" '
            f'src="{blog.root}wp-content/uploads/thumb-{p.id}.jpg" width="350" alt=""></a>'
            f'<h4 class="jp-relatedposts-post-title"><a href="{blog.url(p.path)}">'
            f'{html.escape(p.title)}</a></h4><p class="jp-relatedposts-post-excerpt">Android, '
            f'Google, Apple and data news of the week.</p></div>' for p in related)
        return (
            '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block '
            'sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3>'
            '<div class="sd-content"><ul><li class="share-twitter"><a rel="nofollow" '
            f'class="share-twitter sd-button" href="{blog.url(post.path)}?share=twitter" '
            'target="_blank" title="Click to share on Twitter"><span>Twitter</span></a></li>'
            '<li class="share-facebook"><a rel="nofollow" class="share-facebook sd-button" '
            f'href="{blog.url(post.path)}?share=facebook" target="_blank"><span>Facebook</span>'
            '</a></li><li class="share-end"></li></ul></div></div></div>\n'
            '<div id=\'jp-relatedposts\' class=\'jp-relatedposts\' ><h3 class="jp-relatedposts-'
            f'headline"><em>Related</em></h3><div class="jp-relatedposts-items">{rel_items}'
            '</div></div>')

    def _author_bio(self, post: Post) -> str:
        slug = post.author.lower().replace(" ", "-")
        return (
            '<div class="author-info">\n<div class="author-avatar"><img alt="" '
            f'src="{self.root}avatar/{slug}.png" class="avatar avatar-42 photo" height="42" '
            'width="42"></div>\n<div class="author-description"><h2 class="author-title">'
            f'<span class="author-heading">Author:</span> {html.escape(post.author)}</h2>\n'
            '<p class="author-bio">Writes about Android, Google, Apple and data every week. '
            f'<a class="author-link" href="{self.root}author/{slug}/" rel="author">View all '
            f'posts by {html.escape(post.author)}</a></p></div>\n</div>')

    def _comment_html(self, post: Post, comment: Comment, depth: int) -> str:
        when = comment.when.isoformat()
        label = f"{MONTHS[comment.when.month - 1]} {comment.when.day}, {comment.when.year}"
        if comment.kind == "pingback":
            return (f'<li id="comment-{comment.id}" class="pingback even thread-even depth-{depth}">'
                    f'\n<div class="comment-body">Pingback: <a href="https://other.example.org/'
                    f'linked-{comment.id}/" rel="external nofollow" class="url">Another blog about '
                    f'Google</a> </div>\n</li>')
        children = "".join(self._comment_html(post, c, depth + 1) for c in comment.children)
        children = f'\n<ol class="children">\n{children}</ol>' if children else ""
        reply = ""
        if post.comments_open:
            reply = (f'<div class="reply"><a rel="nofollow" class="comment-reply-link" '
                     f'href="{self.url(post.path)}?replytocom={comment.id}#respond" '
                     f'aria-label="Reply to {comment.author}">Reply</a></div>')
        return (
            f'<li id="comment-{comment.id}" class="comment even thread-even depth-{depth}'
            f'{" parent" if comment.children else ""}">\n<article id="div-comment-{comment.id}" '
            'class="comment-body">\n<footer class="comment-meta">\n<div class="comment-author '
            f'vcard"><img alt="" src="{self.root}avatar/c{comment.id}.png" class="avatar '
            f'avatar-56 photo" height="56" width="56"><b class="fn">{comment.author}</b> '
            '<span class="says">says:</span></div>\n<div class="comment-metadata"><a href="'
            f'{self.url(post.path)}#comment-{comment.id}"><time datetime="{when}">{label}</time>'
            '</a></div>\n</footer>\n<div class="comment-content"><p>Great roundup, thanks! The '
            f'Android and data links were the best.</p></div>\n{reply}\n</article>{children}\n</li>')

    def _comments_block(self, post: Post) -> str:
        n = post.comment_count
        if n == 0 and not post.comments_open:
            return ""
        title = html.escape(post.title)
        parts = ['<div id="comments" class="comments-area">']
        if n:
            heading = "One thought" if n == 1 else f"{n} thoughts"
            parts.append(f'<h2 class="comments-title">{heading} on &ldquo;{title}&rdquo;</h2>')
            parts.append('<ol class="comment-list">')
            parts += [self._comment_html(post, c, 1) for c in post.comments]
            parts.append("</ol>")
            if not post.comments_open:
                parts.append('<p class="no-comments">Comments are closed.</p>')
        if post.comments_open:
            parts.append(
                '<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-'
                'reply-title">Leave a Reply</h3><form action="' + self.root + 'wp-comments-post.'
                'php" method="post" id="commentform" class="comment-form" novalidate><p class="'
                'comment-form-comment"><label for="comment">Comment</label> <textarea id="comment"'
                ' name="comment" cols="45" rows="8"></textarea></p><p class="form-submit"><input '
                'name="submit" type="submit" id="submit" class="submit" value="Post Comment" />'
                f'<input type="hidden" name="comment_post_ID" value="{post.id}" id="comment_post_ID'
                '" /></p></form></div>')
        parts.append("</div>")
        return "\n".join(parts)

    def _post_nav(self, post: Post) -> str:
        i = self._index[post.id]
        links = []
        if i > 0:
            prev = self.posts[i - 1]
            links.append(f'<div class="nav-previous"><a href="{self.url(prev.path)}" rel="prev">'
                         '<span class="meta-nav" aria-hidden="true">Previous</span> <span '
                         'class="screen-reader-text">Previous post:</span> <span class="post-title">'
                         f'{html.escape(prev.title)}</span></a></div>')
        if i + 1 < len(self.posts):
            nxt = self.posts[i + 1]
            links.append(f'<div class="nav-next"><a href="{self.url(nxt.path)}" rel="next">'
                         '<span class="meta-nav" aria-hidden="true">Next</span> <span '
                         'class="screen-reader-text">Next post:</span> <span class="post-title">'
                         f'{html.escape(nxt.title)}</span></a></div>')
        if not links:
            return ""
        return ('<nav class="navigation post-navigation" role="navigation">\n<h2 class="screen-'
                'reader-text">Post navigation</h2>\n<div class="nav-links">' + "".join(links) +
                "</div>\n</nav>")

    def _entry_content(self, post: Post, single: bool) -> str:
        body = served(self.body(post.id).canonical_html())
        if not single:
            # Archives show the content up to the <!--more--> marker, then "Continue reading".
            cut = body.find(f'<p><span id="more-{post.id}">')
            body = body[:cut] if cut >= 0 else body
            body += (f'<p><a href="{self.url(post.path)}#more-{post.id}" class="more-link">Continue '
                     f'reading <span class="screen-reader-text">{html.escape(post.title)}</span></a></p>')
            return f'<div class="entry-content">\n{body}\n</div>'
        extra = "\n" + self._noise(post, self)
        if post.author_bio:
            extra += "\n" + self._author_bio(post)
        return f'<div class="entry-content">\n{body}\n{extra}\n</div>'

    def _thumbnail(self, post: Post) -> str:
        if not post.thumbnail:
            return ""
        return (f'<div class="post-thumbnail"><img width="825" height="510" src="{self.root}'
                f'wp-content/uploads/feature-{post.id}-825x510.jpg" class="attachment-post-'
                'thumbnail wp-post-image" alt=""></div>\n')

    def single(self, post: Post) -> str:
        i = self._index[post.id]
        title = html.escape(post.title)
        extra = (f'<link rel="alternate" type="application/rss+xml" title="{self.name} &raquo; '
                 f'{title} Comments Feed" href="{self.url(post.path)}feed/" />\n')
        if i > 0:
            prev = self.posts[i - 1]
            extra += (f"<link rel='prev' title='{html.escape(prev.title)}' "
                      f"href='{self.url(prev.path)}' />\n")
        if i + 1 < len(self.posts):
            nxt = self.posts[i + 1]
            extra += f"<link rel='next' title='{html.escape(nxt.title)}' href='{self.url(nxt.path)}' />\n"
        extra += (f"<link rel='canonical' href='{self.url(post.path)}' />\n"
                  f"<link rel='shortlink' href='{self.root}?p={post.id}' />\n")
        return (
            self._head(f"{title} | {self.name}", extra)
            + f'<body class="single single-post postid-{post.id} single-format-standard">\n'
            + '<div id="page" class="hfeed site">\n<a class="skip-link screen-reader-text" '
            + 'href="#content">Skip to content</a>\n'
            + self._sidebar()
            + '<div id="content" class="site-content">\n<div id="primary" class="content-area">\n'
            + '<main id="main" class="site-main" role="main">\n'
            + f'<article id="post-{post.id}" class="{self._post_classes(post)}">\n'
            + self._thumbnail(post)
            + f'<header class="entry-header">\n<h1 class="entry-title">{title}</h1>\n</header>\n'
            + self._entry_content(post, single=True) + "\n"
            + self._entry_footer(post, single=True) + "\n</article>\n"
            + self._comments_block(post) + "\n"
            + self._post_nav(post) + "\n"
            + "</main>\n</div>\n</div>\n"
            + self._footer()
        )

    def _listing(self, posts: list[Post], page: int, base: str, body_class: str,
                 heading: str) -> str | None:
        pages = max(1, -(-len(posts) // PER_PAGE))
        if page < 1 or page > pages or (not posts and base != "/"):
            return None
        chunk = posts[(page - 1) * PER_PAGE: page * PER_PAGE]
        articles = []
        for post in chunk:
            title = html.escape(post.title)
            articles.append(
                f'<article id="post-{post.id}" class="{self._post_classes(post)}">\n'
                + self._thumbnail(post)
                + f'<header class="entry-header">\n<h2 class="entry-title"><a href="'
                f'{self.url(post.path)}" rel="bookmark">{title}</a></h2>\n</header>\n'
                + self._entry_content(post, single=False) + "\n"
                + self._entry_footer(post, single=False) + "\n</article>")
        classes = body_class + (f" paged paged-{page} date-paged-{page}" if page > 1 else "")
        title = heading + (f" | Page {page}" if page > 1 else "")
        header = "" if base == "/" else (
            f'<header class="page-header">\n<h1 class="page-title">{heading}</h1>\n</header>\n')
        return (
            self._head(f"{html.escape(title)} | {self.name}")
            + f'<body class="{classes}">\n<div id="page" class="hfeed site">\n'
            + self._sidebar()
            + '<div id="content" class="site-content">\n<section id="primary" class="content-area">\n'
            + '<main id="main" class="site-main" role="main">\n' + header
            + "\n".join(articles) + "\n"
            + self._pagination(base, page, pages)
            + "</main>\n</section>\n</div>\n" + self._footer())

    def archive(self, year: int, month: int, page: int) -> str | None:
        posts = [p for p in self.posts[::-1] if p.published.year == year
                 and (not month or p.published.month == month)]
        base = f"/{year:04d}/" + (f"{month:02d}/" if month else "")
        heading = f"Month: {MONTHS[month - 1]} {year}" if month else f"Year: {year}"
        return self._listing(posts, page, base, "archive date", heading)

    def _pagination(self, base: str, page: int, pages: int) -> str:
        """`paginate_links` with end_size 1 and mid_size 1, WP 4.3 quoting."""
        if pages < 2:
            return ""

        def href(n: int) -> str:
            return self.url(base if n == 1 else f"{base}page/{n}/")

        items = []
        if page > 1:
            items.append(f'<a class="prev page-numbers" href="{href(page - 1)}">Previous page</a>')
        dots = False
        for n in range(1, pages + 1):
            if n == page:
                items.append(f"<span class='page-numbers current'><span class=\"meta-nav "
                             f"screen-reader-text\">Page </span>{n}</span>")
                dots = True
            elif n in (1, pages) or abs(n - page) <= 1:
                items.append(f"<a class='page-numbers' href='{href(n)}'><span class=\"meta-nav "
                             f"screen-reader-text\">Page </span>{n}</a>")
                dots = True
            elif dots:
                items.append('<span class="page-numbers dots">&hellip;</span>')
                dots = False
        if page < pages:
            items.append(f'<a class="next page-numbers" href="{href(page + 1)}">Next page</a>')
        return ('<nav class="navigation pagination" role="navigation">\n<h2 class="screen-reader-'
                'text">Posts navigation</h2>\n<div class="nav-links">' + "\n".join(items)
                + "</div>\n</nav>\n")

    def side_page(self, post: Post, kind: str) -> str:
        """An attachment or AMP view of a post: never a post of the year itself."""
        title = html.escape(post.title)
        return (self._head(f"{kind} of {title} | {self.name}",
                           f"<link rel='canonical' href='{self.url(post.path)}{kind}/' />\n")
                + '<body class="attachment single">\n<div id="page" class="hfeed site">\n'
                + f'<article id="post-9{post.id}" class="post-9{post.id} attachment type-attachment '
                + 'status-inherit hentry">\n<header class="entry-header"><h1 class="entry-title">'
                + f"{kind}</h1></header>\n<div class=\"entry-content\"><p>Not a post.</p></div>\n"
                + "</article>\n" + self._footer())

    def plain_page(self, path: str) -> str:
        name = path.strip("/").split("/")[-1].replace("-", " ").title()
        return (self._head(f"{name} | {self.name}") + '<body class="page">\n<div id="page">\n'
                + self._sidebar() + f'<article class="page type-page hentry"><header class="entry-'
                f'header"><h1 class="entry-title">{name}</h1></header><div class="entry-content">'
                "<p>A page, not a post.</p></div></article>\n" + self._footer())

    def not_found(self) -> str:
        return (self._head(f"Page not found | {self.name}") + '<body class="error404">\n'
                + '<div id="page"><section class="error-404 not-found"><h1 class="page-title">'
                + "Oops! That page can&rsquo;t be found.</h1></section>\n" + self._footer())

    def feed(self, posts: list[Post] | None = None, page: int = 1) -> str | None:
        """RSS 2.0 as `feed-rss2.php` writes it: the given posts, else page `page` of the site
        feed (`/feed/?paged=N`, 10 items, newest first); None past the last page (a 404)."""
        if posts is None:
            newest = self.posts[::-1]
            if page < 1 or (page - 1) * PER_PAGE >= max(len(newest), 1):
                return None
            posts = newest[(page - 1) * PER_PAGE: page * PER_PAGE]
        items = "".join(
            f"<item><title>{html.escape(p.title)}</title><link>{self.url(p.path)}</link>"
            f"<comments>{self.url(p.path)}#respond</comments>"
            f"<pubDate>{p.published.astimezone(UTC):%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
            f"<dc:creator><![CDATA[{p.author}]]></dc:creator>"
            + "".join(f"<category><![CDATA[{name}]]></category>"
                      for name in [n for _, n in p.categories] + list(p.tags))
            + f"<guid isPermaLink=\"false\">{self.root}?p={p.id}</guid>"
            f"<wfw:commentRss>{self.url(p.path)}feed/</wfw:commentRss>"
            f"<slash:comments>{p.comment_count}</slash:comments></item>" for p in posts)
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
                'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"><channel>'
                f"<title>{self.name}</title><link>{self.root}</link>{items}</channel></rss>")

    # -- REST API (WP >= 4.7) -------------------------------------------------------------------
    def rest_posts(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """`/wp-json/wp/v2/posts`: after/before (exclusive, site-local), per_page (1-100), page,
        order; X-WP-Total, X-WP-TotalPages and Link headers; 400 past the last page."""
        try:
            per_page = int(query.get("per_page", 10))
            page = int(query.get("page", 1))
            after = _local_naive(query["after"], self.tz) if query.get("after") else None
            before = _local_naive(query["before"], self.tz) if query.get("before") else None
        except ValueError as exc:
            return _rest_error("rest_invalid_param", f"Invalid parameter(s): {exc}")
        if not 1 <= per_page <= REST_MAX_PER_PAGE:
            return _rest_error("rest_invalid_param", "Invalid parameter(s): per_page",
                               {"per_page": "per_page must be between 1 (inclusive) and 100 "
                                            "(inclusive)"})
        if page < 1:
            return _rest_error("rest_invalid_param", "Invalid parameter(s): page")
        posts = [p for p in self.posts
                 if (after is None or p.published.replace(tzinfo=None) > after)
                 and (before is None or p.published.replace(tzinfo=None) < before)]
        if query.get("order", "desc") == "desc":
            posts.reverse()
        total, pages = len(posts), math.ceil(len(posts) / per_page)
        if total and page > pages:
            return _rest_error("rest_post_invalid_page_number", "The page number requested is "
                               "larger than the number of pages available.")
        fields = [f for f in query.get("_fields", "").split(",") if f]
        body = [self._rest_post(p, fields) for p in posts[(page - 1) * per_page: page * per_page]]
        headers = {"Content-Type": JSON, "X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        base = self.root + "wp-json/wp/v2/posts"
        links = [f'<{base}?{urlencode({**query, "page": n})}>; rel="{rel}"'
                 for rel, n in (("prev", page - 1), ("next", page + 1)) if 1 <= n <= pages]
        if links:
            headers["Link"] = ", ".join(links)
        return 200, headers, json.dumps(body).encode()

    def _rest_post(self, post: Post, fields: list[str]) -> dict:
        def mysql(when: datetime) -> str:
            return when.replace(tzinfo=None).isoformat()

        def gmt(when: datetime) -> str:
            return when.astimezone(UTC).replace(tzinfo=None).isoformat()

        wanted = (lambda name: name in fields) if fields else (lambda name: True)
        doc = {"id": post.id, "date": mysql(post.published), "date_gmt": gmt(post.published),
               "guid": {"rendered": f"{self.root}?p={post.id}"},
               "modified": mysql(post.modified), "modified_gmt": gmt(post.modified),
               "slug": post.slug, "status": "publish", "type": "post",
               "link": self.url(post.path), "title": {"rendered": html.escape(post.title)}}
        if wanted("content"):
            doc["content"] = {"rendered": served(self.body(post.id).canonical_html()) + "\n",
                              "protected": False}
        doc.update({"author": 1 + AUTHORS.index(post.author), "featured_media": 0,
                    "comment_status": "open" if post.comments_open else "closed",
                    "format": "standard", "categories": [CATEGORIES.index(c) + 2
                                                         for c in post.categories],
                    "tags": [TAG_POOL.index(t) + 20 for t in post.tags]})
        return {k: v for k, v in doc.items() if wanted(k)}

    # -- sitemaps ------------------------------------------------------------------------------
    def sitemap(self, name: str) -> tuple[int, dict[str, str], bytes]:
        """`wp-sitemap.xml` (WP >= 5.5: an index, then 2,000 posts a file by ID ascending, with
        lastmod as 6.5 writes it) and a plain `sitemap.xml` index (SEO plugins: 1,000 a file)."""
        by_id = sorted(self.posts, key=lambda p: p.id)
        indexes: dict[str, list[str]] = {}  # index file -> its sub-sitemaps
        files: dict[str, list[tuple[str, datetime | None]]] = {}
        if "sitemap" in self.surfaces:
            for n in range(max(1, math.ceil(len(by_id) / SITEMAP_MAX_URLS))):
                chunk = by_id[n * SITEMAP_MAX_URLS:(n + 1) * SITEMAP_MAX_URLS]
                files[f"wp-sitemap-posts-post-{n + 1}.xml"] = [
                    (self.url(p.path), p.modified) for p in chunk]
            files["wp-sitemap-posts-page-1.xml"] = [(self.root, None), (self.url("about/"), None)]
            files["wp-sitemap-taxonomies-category-1.xml"] = [
                (self.url(f"category/{slug}/"), None) for slug, _ in CATEGORIES]
            files["wp-sitemap-users-1.xml"] = [
                (self.url(f"author/{a.lower().replace(' ', '-')}/"), None) for a in AUTHORS]
            indexes["wp-sitemap.xml"] = list(files)
        if "sitemap_xml" in self.surfaces:
            seo = []
            for n in range(max(1, math.ceil(len(by_id) / SEO_SITEMAP_MAX_URLS))):
                chunk = by_id[n * SEO_SITEMAP_MAX_URLS:(n + 1) * SEO_SITEMAP_MAX_URLS]
                seo.append(f"post-sitemap{n + 1 if n else ''}.xml")
                files[seo[-1]] = [(self.url(p.path), p.modified) for p in chunk]
            seo.append("page-sitemap.xml")
            files[seo[-1]] = [(self.url("about/"), self.posts[-1].modified)]
            indexes["sitemap.xml"] = seo
        if name in indexes:
            entries = "".join(f"<sitemap><loc>{self.url(f)}</loc></sitemap>"
                              for f in indexes[name])
            return 200, {"Content-Type": XML}, (
                '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="'
                f'{self.root}wp-sitemap-index.xsl" ?>\n<sitemapindex xmlns="{SITEMAP_NS}">'
                f"{entries}</sitemapindex>\n").encode()
        if name not in files:
            return self._not_found()
        urls = "".join(
            f"<url><loc>{html.escape(loc)}</loc>"
            + (f"<lastmod>{when.astimezone(UTC).isoformat(timespec='seconds')}</lastmod>" if when else "")
            + "</url>" for loc, when in files[name])
        return 200, {"Content-Type": XML}, (
            '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="'
            f'{self.root}wp-sitemap.xsl" ?>\n<urlset xmlns="{SITEMAP_NS}">{urls}</urlset>\n'
        ).encode()


def _local_naive(value: str, tz: ZoneInfo) -> datetime:
    """A REST date parameter as a naive site-local time (an offset, if given, is honoured)."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when.astimezone(tz).replace(tzinfo=None) if when.tzinfo else when


def _rest_error(code: str, message: str, params: dict | None = None):
    data: dict = {"status": 400}
    if params:
        data["params"] = params
    body = {"code": code, "message": message, "data": data}
    return 400, {"Content-Type": JSON}, json.dumps(body).encode()
