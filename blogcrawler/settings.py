"""Scrapy settings for the blog crawler.

Everything a deployment changes comes from environment variables (as a PaaS sets them) and can
be overridden for one run with `-s NAME=value`; spider arguments (`-a url=... -a year=...`)
override BLOG_URL and BLOG_YEAR.
"""

import os

BOT_NAME = "blogcrawler"
SPIDER_MODULES = ["blogcrawler.spiders"]
NEWSPIDER_MODULE = "blogcrawler.spiders"
COMMANDS_MODULE = "blogcrawler.commands"

# -- what to crawl -----------------------------------------------------------------------------
BLOG_URL = os.environ.get("BLOG_URL", "http://malm.teqy.net")
BLOG_YEAR = os.environ.get("BLOG_YEAR", "2015")
TRACKED_TERMS = os.environ.get("TRACKED_TERMS", "android,google,apple,data")
# How to find the year's posts: archive, rest, sitemap, feed, wayback, or auto (in that order).
DISCOVERY = os.environ.get("DISCOVERY", "auto")
# The Wayback Machine (tests point it at a local stand-in), asked politely: its own download
# slot, few requests at a time, spaced, with back-off on 429/5xx.
WAYBACK_URL = os.environ.get("WAYBACK_URL", "https://web.archive.org")
WAYBACK_CONCURRENCY = 2
WAYBACK_DELAY = 1.0
WAYBACK_RETRIES = 5
WAYBACK_BACKOFF_SECONDS = 10.0

# -- where the posts go ------------------------------------------------------------------------
MONGODB_URI = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017")
MONGODB_DATABASE = os.environ.get("MONGODB_DATABASE", "blogstats")
MONGODB_POSTS_COLLECTION = os.environ.get("MONGODB_POSTS_COLLECTION", "posts")
MONGODB_CRAWLS_COLLECTION = os.environ.get("MONGODB_CRAWLS_COLLECTION", "crawls")
# How long to wait for the database before giving up, at start and for each write.
MONGODB_TIMEOUT_SECONDS = float(os.environ.get("MONGODB_TIMEOUT_SECONDS", "5"))
# Writes are batched: one bulk upsert per this many posts (and at the end of the crawl).
MONGODB_BATCH_SIZE = int(os.environ.get("MONGODB_BATCH_SIZE", "100"))
# A write that fails is retried for this long before the crawl stops with an error.
MONGODB_RETRY_SECONDS = float(os.environ.get("MONGODB_RETRY_SECONDS", "60"))

ITEM_PIPELINES = {
    "blogcrawler.pipelines.ValidatePostPipeline": 100,
    "blogcrawler.pipelines.StorePostPipeline": 800,
}
EXTENSIONS = {
    "blogcrawler.extensions.CrawlRecorder": 500,
}

# -- politeness --------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
USER_AGENT = os.environ.get(
    "USER_AGENT",
    "blogstats/1.0 (+https://github.com/blogstats/blogstats; a blog's year in numbers)",
)
AUTOTHROTTLE_ENABLED = os.environ.get("AUTOTHROTTLE_ENABLED", "true").lower() in ("1", "true", "yes")
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_DELAY = float(os.environ.get("DOWNLOAD_DELAY", "0.5"))
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
# Scrapy's retries, honouring Retry-After on 429/503 (a longer wait than this gives up), and its
# redirects, failing a redirect loop with a reason instead of dropping it silently.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "blogcrawler.middlewares.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "blogcrawler.middlewares.LoopAwareRedirectMiddleware": 600,
    "blogcrawler.middlewares.BrowserEncodingMiddleware": 950,
}
RETRY_AFTER_MAX_SECONDS = 120

# -- housekeeping ------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
TELNETCONSOLE_ENABLED = False
# No control socket: Scrapy 2.19 otherwise opens a remote-control HTTP port for every crawl.
REMOTE_CONTROL_ENABLED = False
