"""`scrapy crawl`, with clear errors and an exit status that comes from the crawl record.

Exit status: 0 the record says the year is complete; 1 the crawl could not start; 2 a wrong or
unknown argument or setting, or the database is unreachable (one sentence on stderr, nothing
fetched); 3 the record says the run is incomplete or interrupted (failed or unreached posts,
a limit, a stop), listed in its `crawls` document.

A second SIGTERM or Ctrl-C makes Scrapy stop its reactor at once, without closing the spider:
the record component then stores what was measured and writes the record as interrupted
(`CrawlRecorder.abort`) before the process exits.
"""

from __future__ import annotations

import sys

from scrapy.commands import crawl
from scrapy.exceptions import UsageError

from blogcrawler.extensions import EXIT_INCOMPLETE, CrawlRecorder
from blogcrawler.spiders.blog import crawl_config
from blogcrawler.storage import Storage, StorageUnavailableError
from blogstats.config import ConfigError

EXIT_BOOTSTRAP, EXIT_CONFIG = 1, 2


class Command(crawl.Command):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. scrapy crawl blog")
        settings = self.settings
        try:
            if args[0] == "blog":
                crawl_config(settings, **opts.spargs)
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
            return
        recorder = CrawlRecorder.of(crawler)
        if recorder is None:  # another spider, or the record component turned off
            return
        if recorder.record is None and recorder.crawl_id is not None:
            recorder.abort("forced_stop")  # the reactor stopped before the spider closed
        self.exitcode = recorder.exit_status() if recorder.record else EXIT_INCOMPLETE
