"""Scrapy settings for the blog crawler.

Everything a deployment changes comes from environment variables (as a PaaS sets them), read and
checked by the one configuration module, `blogstats.config`; it can be overridden for one run
with `-s NAME=value` (checked by the same rules when the crawl starts); spider arguments
(`-a url=... -a year=...`) override BLOG_URL and BLOG_YEAR.
"""

import sys

from blogstats.config import ConfigError, load

try:
    _config = load()
except ConfigError as _exc:  # one sentence and exit 2, never a traceback
    print(f"error: {_exc}", file=sys.stderr)
    sys.exit(2)

BOT_NAME = "blogcrawler"
SPIDER_MODULES = ["blogcrawler.spiders"]
NEWSPIDER_MODULE = "blogcrawler.spiders"
COMMANDS_MODULE = "blogcrawler.commands"

# -- what to crawl -----------------------------------------------------------------------------
BLOG_URL = _config.blog_url
BLOG_YEAR = _config.blog_year
TRACKED_TERMS = list(_config.tracked_terms)
# How to find the year's posts: archive, rest, sitemap, feed, wayback, or auto (in that order).
DISCOVERY = _config.discovery
# The Wayback Machine (tests point it at a local stand-in), asked politely: its own download
# slot, few requests at a time, spaced, with back-off on 429/5xx.
WAYBACK_URL = _config.wayback_url
WAYBACK_CONCURRENCY = 2
WAYBACK_DELAY = 1.0
WAYBACK_RETRIES = 5
WAYBACK_BACKOFF_SECONDS = 10.0

# -- where the posts go ------------------------------------------------------------------------
MONGODB_URI = _config.mongodb_uri
MONGODB_DATABASE = _config.mongodb_database
MONGODB_POSTS_COLLECTION = _config.mongodb_posts_collection
MONGODB_CRAWLS_COLLECTION = _config.mongodb_crawls_collection
# How long to wait for the database before giving up, at start and for each write.
MONGODB_TIMEOUT_SECONDS = _config.mongodb_timeout_seconds
# Writes are batched: one bulk upsert per this many posts (and at the end of the crawl).
MONGODB_BATCH_SIZE = _config.mongodb_batch_size
# A write that fails is retried for this long before the crawl stops with an error.
MONGODB_RETRY_SECONDS = _config.mongodb_retry_seconds
# Journaled writes (j: true): acknowledged means on the server's disk.
MONGODB_JOURNAL = _config.mongodb_journal
# A batch that is not full is written this long after its first post.
MONGODB_FLUSH_SECONDS = _config.mongodb_flush_seconds

# -- the crawl record (blogcrawler.extensions): a heartbeat while the run is alive --------------
HEARTBEAT_SECONDS = 10.0
# A running record whose heartbeat is older than this belongs to a process that died.
HEARTBEAT_STALE_SECONDS = 60.0

# -- limits ------------------------------------------------------------------------------------
CRAWL_MAX_LISTINGS = _config.crawl_max_listings
CRAWL_MAX_POSTS = _config.crawl_max_posts
CRAWL_MAX_HOURS = _config.crawl_max_hours
# The whole run: Scrapy's CloseSpider extension stops it (reason closespider_timeout).
CLOSESPIDER_TIMEOUT = int(_config.crawl_max_hours * 3600)

ITEM_PIPELINES = {
    "blogcrawler.pipelines.ValidatePostPipeline": 100,
    "blogcrawler.pipelines.StorePostPipeline": 800,
}
EXTENSIONS = {
    "blogcrawler.extensions.CrawlRecorder": 500,
    "blogcrawler.progress.Progress": 510,
}
# Progress while crawling: a bar on a terminal, a log line every few seconds otherwise.
PROGRESS = _config.progress
PROGRESS_INTERVAL_SECONDS = _config.progress_interval_seconds

# -- politeness --------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
USER_AGENT = _config.user_agent
AUTOTHROTTLE_ENABLED = _config.autothrottle_enabled
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_DELAY = _config.download_delay
CONCURRENT_REQUESTS_PER_DOMAIN = _config.blog_concurrency
# A blog's concurrency holds only above a delay of 0 in Scrapy 2.19: every delay, however it is
# set (`-s DOWNLOAD_DELAY=0` included), is raised to 1 ms by this add-on (blogcrawler.politeness).
ADDONS = {"blogcrawler.politeness.DelayFloor": 0}
DOWNLOAD_TIMEOUT = 30
# The largest page read: a crawl must stay under 300 MB of memory (a basic dyno has 512 MB), and
# parsing and measuring dense markup costs about 36 times the page's size on top of ~105 MB.
# Measured with `python -m bench.memory`: 3 MB -> 210 MB, 4 MB -> 245 MB, 6 MB -> 322 MB,
# 8 MB -> 392 MB peak. Real posts are tens to hundreds of KB; a larger page fails alone with
# "size limit", listed in the crawl record.
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Scrapy's list less a failed DNS lookup and a refused connection: the host is not there, and
# asking again only delays the verdict (a blog that cannot be reached is reported in seconds).
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectionLost",
    OSError,
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
REDIRECT_MAX_TIMES = 10
# Scrapy's retries, honouring Retry-After on 429/503 and backing off for the Wayback Machine
# (the one retry path); its redirects, failing a loop or a move to another host with a reason;
# robots.txt read as the major crawlers read it (one that does not answer stops the crawl).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "blogcrawler.middlewares.StrictRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "blogcrawler.middlewares.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "blogcrawler.middlewares.SiteAwareRedirectMiddleware": 600,
    "blogcrawler.middlewares.BrowserEncodingMiddleware": 950,
}
RETRY_AFTER_MAX_SECONDS = 120
ROBOTSTXT_TIMEOUT = 10

# -- housekeeping ------------------------------------------------------------------------------
LOG_LEVEL = _config.log_level
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
TELNETCONSOLE_ENABLED = False
# No control socket: Scrapy 2.19 otherwise opens a remote-control HTTP port for every crawl.
REMOTE_CONTROL_ENABLED = False
