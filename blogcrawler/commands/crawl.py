"""`scrapy crawl`, with clear errors and an exit status that says whether the run was complete.

Exit status: 0 the year was crawled completely; 1 the crawl could not start; 2 a wrong argument
or setting, or the database is unreachable (one sentence on stderr, nothing fetched);
3 the crawl ran but is incomplete (failed pages or unstored posts, listed in its `crawls` record).
"""

from __future__ import annotations

import sys

from scrapy.commands import crawl
from scrapy.exceptions import UsageError

from blogcrawler.spiders.blog import SPIDER_ARGUMENTS, crawl_config
from blogcrawler.storage import Storage, StorageUnavailableError
from blogstats.config import ConfigError

EXIT_BOOTSTRAP, EXIT_CONFIG, EXIT_INCOMPLETE = 1, 2, 3


class Command(crawl.Command):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. scrapy crawl blog")
        settings = self.settings
        try:
            if args[0] == "blog":
                crawl_config(settings, **{k: v for k, v in opts.spargs.items()
                                          if k in SPIDER_ARGUMENTS})
                if "StorePostPipeline" in str(settings.getdict("ITEM_PIPELINES")):
                    storage = Storage.from_settings(settings)
                    try:
                        storage.check(write=True)
                    finally:
                        storage.close()
        except (ConfigError, StorageUnavailableError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = EXIT_CONFIG
            return

        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = EXIT_BOOTSTRAP
        elif crawler.stats.get_value("blog/complete") is False:
            self.exitcode = EXIT_INCOMPLETE
