"""A crawl meets slow and broken servers: every post that eventually answers is stored exactly
once with the right figures; every post that never does is listed with its reason."""

from __future__ import annotations

import pymongo
import pytest

from fixture_site.faults import NEVER_ANSWER, cp1252_page, malformed_page, serve_faulty_blog
from tests.conftest import run_crawl

VOLATILE = ("_id", "crawled_at", "crawl_id", "fingerprint")
FAULT_SETTINGS = ("-s", "DOWNLOAD_TIMEOUT=2", "-s", "DOWNLOAD_MAXSIZE=1048576",
                  "-s", "RETRY_TIMES=3")


@pytest.fixture(scope="module")
def faulty_blog():
    server = serve_faulty_blog()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def faulty_crawl(faulty_blog, mongo_server):
    db = "faults"
    result = run_crawl(faulty_blog.url, mongo_server.uri, db, *FAULT_SETTINGS)
    client = pymongo.MongoClient(mongo_server.uri, tz_aware=True)
    posts = {d["url"]: d for d in client[db].posts.find()}
    (record,) = list(client[db].crawls.find())
    client.drop_database(db)
    client.close()
    return result, posts, record


def test_every_post_that_answers_is_stored_once_with_true_figures(faulty_crawl, faulty_blog):
    _, stored, _ = faulty_crawl
    blog = faulty_blog.blog
    truth = {d["url"]: d for d in blog.truth()}
    never = set(faulty_blog.expected_failures)
    assert sorted(stored) == sorted(set(truth) - never)
    posts = blog.year_posts()
    cp1252 = cp1252_page(blog.render(posts[9].path)[2])
    assert any(b > 127 for b in cp1252), "the windows-1252 page must hold non-ASCII bytes"
    served_size = {blog.url(posts[9].path): len(cp1252),
                   blog.url(posts[11].path): len(malformed_page(blog.render(posts[11].path)[2]))}
    for url, doc in stored.items():
        expected = dict(truth[url])
        expected["html_bytes"] = served_size.get(url, expected["html_bytes"])
        assert {k: v for k, v in doc.items() if k not in VOLATILE} == expected, url


def test_posts_that_never_answer_are_listed_with_their_reason(faulty_crawl, faulty_blog):
    _, _, record = faulty_crawl
    failed = {f["url"]: f["reason"] for f in record["failures"] if f["kind"] == "post"}
    assert set(failed) == set(faulty_blog.expected_failures)
    for url, why in faulty_blog.expected_failures.items():
        assert why in failed[url], (url, failed[url])
    assert record["posts"]["failed"] == len(NEVER_ANSWER)


def test_exit_status_and_record_say_the_run_was_incomplete(faulty_crawl):
    result, _, record = faulty_crawl
    assert result.returncode == 3, result.stderr[-3000:]
    assert record["complete"] is False
    assert record["finish_reason"] == "finished"
    assert record["posts"]["stored_new"] == 52 - len(NEVER_ANSWER)
    assert record["posts"]["listed"] == 52  # post 12's other URLs are the same post
    assert sum(v for k, v in record["posts"].items() if k != "listed") == 52


def test_transient_faults_were_retried_not_refetched_forever(faulty_blog, faulty_crawl):
    attempts = faulty_blog.attempts
    posts = faulty_blog.blog.year_posts()
    assert attempts[posts[0].path] == 3  # 503, 503, 200
    assert attempts[posts[2].path] == 2  # 429 + Retry-After, then 200
    assert attempts[posts[7].path] == 1  # a 404 is not retried
