"""The crawl's own signals: what happened to each post, sent to the crawl record.

The discovery runner, the spider and the store pipeline say what happened through these; the
crawl record (`blogcrawler.extensions.CrawlRecorder`) is the one receiver that keeps the account.
Scrapy's own `item_dropped`, `request_dropped` and `spider_error` complete the picture.
Arguments are keywords, as with Scrapy's signals.
"""

# Discovery: a route starts, gives up (why), or lists a post (`url`, `route`).
route_started = object()  # route
route_skipped = object()  # route, reason
post_listed = object()  # url, route
listing_failed = object()  # url, route, reason
limit_reached = object()  # reason

# A post's page: fetched and measured (the listed URL and the document's URL), or failed.
post_measured = object()  # listed, url
post_failed = object()  # url (as listed), reason
canonical_ignored = object()  # url, canonical, why

# Storage: per document URL, what the database acknowledged, or could not take.
posts_stored = object()  # result (storage.UpsertResult)
posts_not_stored = object()  # urls, reason

# A forced stop: the reactor is gone, write what is measured now (synchronously).
flush_now = object()
