"""Storage: documents per second for bulk upserts against one-at-a-time upserts.

Both write the same realistic post documents (measured by `extract_post` from generated pages,
with the fields the pipeline adds) into fresh databases of one SecantusDB; the two are run
interleaved, so both see the same machine load, and the medians of the repeats are compared.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

from bench.extraction import ROOT_URL, post_pages
from blogcrawler import settings
from blogcrawler.extract import extract_post
from blogcrawler.storage import Storage

BATCH_SIZE = settings.MONGODB_BATCH_SIZE  # as the crawler writes


def post_documents(count: int) -> list[dict]:
    """What StorePostPipeline hands to Storage: the measured fields, site, crawl id and time."""
    docs = []
    now = datetime.now(UTC)
    for body, url in post_pages(count, limit=count):
        doc = extract_post(body, url, encoding="utf-8")
        doc.pop("text")
        docs.append({"site": ROOT_URL, **doc, "crawl_id": "bench", "crawled_at": now})
    return docs


def _storage(uri: str, database: str) -> Storage:
    storage = Storage(uri, database)
    storage.ensure_indexes()
    return storage


def _bulk_pass(storage: Storage, docs: list[dict]) -> float:
    started = time.perf_counter()
    for i in range(0, len(docs), BATCH_SIZE):
        storage.upsert_posts(docs[i:i + BATCH_SIZE])
    return time.perf_counter() - started


def bulk_seconds(uri: str, database: str, docs: list[dict]) -> tuple[float, float]:
    """(seconds to write the posts, seconds to offer them again unchanged: nothing written)."""
    storage = _storage(uri, database)
    try:
        return _bulk_pass(storage, docs), _bulk_pass(storage, docs)
    finally:
        storage.close()


def one_at_a_time_seconds(uri: str, database: str, docs: list[dict]) -> float:
    storage = _storage(uri, database)
    try:
        started = time.perf_counter()
        for doc in docs:
            storage.upsert_post_one_at_a_time(doc)
        return time.perf_counter() - started
    finally:
        storage.close()


def storage_figures(uri: str, count: int, repeats: int) -> dict:
    docs = post_documents(count)
    bulk, unchanged, single, ratios = [], [], [], []
    for repeat in range(repeats):
        first, again = bulk_seconds(uri, f"bench_bulk_{repeat}", docs)
        one = one_at_a_time_seconds(uri, f"bench_one_{repeat}", docs)
        bulk.append(count / first)
        unchanged.append(count / again)
        single.append(count / one)
        ratios.append(one / first)
    return {"documents": count, "repeats": repeats, "bulk_docs_per_second": statistics.median(bulk),
            "one_at_a_time_docs_per_second": statistics.median(single),
            "unchanged_docs_per_second": statistics.median(unchanged),
            "ratio": statistics.median(ratios)}
