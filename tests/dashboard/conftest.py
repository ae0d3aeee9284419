"""Dashboard test helpers: apps on real databases, Dash callbacks over HTTP, seeded databases."""

from __future__ import annotations

import json
import tempfile
import threading
import uuid
from datetime import datetime

import pymongo
import pytest
from dashboard_posts import post_docs
from werkzeug.serving import make_server

from blogstats import summaries
from dashboard.app import create_app
from dashboard.config import Config
from fixture_site import serve_blog
from fixture_site.site import REALISTIC
from tests.conftest import run_crawl

# One folder for the shared caches of every app the tests make (each database gets its own
# subfolder), removed with the test session's temporary files.
CACHE_ROOT = tempfile.mkdtemp(prefix="dashboard-test-cache-")


def app_for(uri: str, database: str, **config):
    config.setdefault("cache_dir", CACHE_ROOT)
    return create_app(Config(mongodb_uri=uri, database=database, **config))


def call_callback(client, app, output: str, values: dict, triggered: list[str] | None = None):
    """POST one callback to /_dash-update-component as the browser does; `values` maps
    "id.prop" to each input's (and state's) value. Returns the Flask response."""
    spec = app.callback_map[output]

    def bind(items):
        return [{"id": d["id"], "property": d["property"],
                 "value": values.get(f"{d['id']}.{d['property']}")} for d in items]

    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]}
               for o in output.strip(".").split("...")]
    body = {"output": output, "outputs": outputs if output.startswith("..") else outputs[0],
            "inputs": bind(spec["inputs"]), "state": bind(spec["state"]),
            "changedPropIds": triggered or []}
    return client.post("/_dash-update-component", data=json.dumps(body),
                       content_type="application/json")


def response_of(resp, component: str, prop: str):
    return json.loads(resp.data)["response"][component][prop]


@pytest.fixture
def seeded_db(mongo_db):
    """A database with 8 weekly posts of http://blog.example/ in 2015 and one crawl record."""
    uri, name = mongo_db
    client = pymongo.MongoClient(uri)
    client[name].posts.insert_many(post_docs(8))
    client[name].crawls.insert_one({
        "_id": "c1", "site": "http://blog.example/", "year": 2015, "status": "finished",
        "complete": True, "started_at": datetime(2026, 1, 1, 10), "finish_reason": "finished",
        "finished_at": datetime(2026, 1, 1, 10, 1), "posts": {"listed": 8, "stored_new": 8}})
    summaries.backfill(client[name], "posts")  # as `release` does for posts stored before
    client.close()
    return uri, name


class LiveServer:
    """The app's Flask server on a free 127.0.0.1 port, in a thread of the test process."""

    def __init__(self, app):
        self.app = app
        self.httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture(scope="session")
def realistic_blog_server():
    """The fixture blog with every shape of a real one (fixture_site.REALISTIC): posts on
    29-31 December and 1-3 January around the year, several in some weeks and none in others,
    undated permalinks, minified pages."""
    server = serve_blog(**REALISTIC)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def crawled_realistic_db(mongo_server, realistic_blog_server):
    """A database filled by one real crawl of the realistic blog: (uri, database name)."""
    name = f"crawled_realistic_{uuid.uuid4().hex[:8]}"
    result = run_crawl(realistic_blog_server.url, mongo_server.uri, name)
    assert result.returncode == 0, result.stderr[-3000:]
    return mongo_server.uri, name
