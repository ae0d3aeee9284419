"""The crawl is polite by default: robots.txt obeyed, a user agent naming the project."""

from __future__ import annotations

import pymongo

from fixture_site import Blog
from fixture_site.faults import serve_faulty_blog
from tests.conftest import run_crawl


def test_robots_txt_is_obeyed_and_the_skipped_post_is_listed(mongo_db):
    forbidden = Blog("http://paths.only/").year_posts()[20].path
    server = serve_faulty_blog(faults=False, disallow=(forbidden,))
    try:
        uri, db = mongo_db
        result = run_crawl(server.url, uri, db, "-a", "discover=archive")
        assert forbidden not in server.hits
        client = pymongo.MongoClient(uri)
        urls = {d["url"] for d in client[db].posts.find()}
        (record,) = list(client[db].crawls.find())
        client.close()
        assert server.blog.url(forbidden) not in urls
        assert len(urls) == 51
        failed = {f["url"]: f["reason"] for f in record["failures"]}
        assert "robots.txt" in failed[server.blog.url(forbidden)]
        assert result.returncode == 3  # not every post of the year could be measured
        assert any("blogstats" in agent for agent in server.user_agents)
    finally:
        server.shutdown()
        server.server_close()
