"""The ceiling: Scrapy following the blog's archive and post links with no parsing or storage.

Like `scrapy bench`, but on the fixture blog: the same project settings as `scrapy crawl blog`
(concurrency, robots.txt, reactor), no item pipelines, no crawl record, and links found by one
regular expression instead of a DOM. Post pages are fetched and dropped. Run in its own process:

    python -m bench.ceiling --url http://127.0.0.1:PORT/ --year 2015

prints one JSON object: pages, posts, elapsed seconds (Scrapy's own start-to-finish stats).
"""

from __future__ import annotations

import argparse
import json
import re

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

HREF = re.compile(rb"""href=["']([^"'#?]+)["']""")


class CeilingSpider(scrapy.Spider):
    name = "ceiling"

    def __init__(self, url: str, year: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.root = url if url.endswith("/") else url + "/"
        prefix = re.escape(f"{self.root}{year}/")
        self.post_url = re.compile(prefix + r"\d\d/\d\d/[^/]+/$")
        self.archive_url = re.compile(prefix + r"(?:\d\d/)?(?:page/\d+/)?$")
        self.year_url = f"{self.root}{year}/"

    async def start(self):
        yield scrapy.Request(self.year_url, callback=self.parse_archive)

    def parse_archive(self, response):
        for match in HREF.finditer(response.body):
            url = match.group(1).decode("ascii", "replace")
            if self.post_url.match(url):
                yield scrapy.Request(url, callback=self.parse_post)
            elif self.archive_url.match(url):
                yield scrapy.Request(url, callback=self.parse_archive)

    def parse_post(self, response):
        self.crawler.stats.inc_value("ceiling/posts")


def ceiling_settings():
    settings = get_project_settings()
    settings.setdict({
        "ITEM_PIPELINES": {}, "EXTENSIONS": {}, "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0, "LOG_LEVEL": "WARNING",
    }, priority="cmdline")
    return settings


def run(url: str, year: int) -> dict:
    process = CrawlerProcess(ceiling_settings())
    crawler = process.create_crawler(CeilingSpider)
    process.crawl(crawler, url=url, year=year)
    process.start()
    stats = crawler.stats.get_stats()
    return {
        "pages": stats.get("response_received_count", 0),
        "posts": stats.get("ceiling/posts", 0),
        "elapsed": stats.get("elapsed_time_seconds"),
        "finish_reason": stats.get("finish_reason"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--year", type=int, default=2015)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.url, args.year)), flush=True)


if __name__ == "__main__":
    main()
