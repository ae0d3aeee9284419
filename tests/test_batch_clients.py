"""One MongoClient per process: every Storage (a crawl's pipeline and record) and the jobs store
of a process share one client per URI (blogstats.mongo.SharedClient), closed with its last
holder, never under another; a forked child gets its own. A worker running many crawls at once
holds a handful of connections to the database, not two clients per crawl (counted on the
worker's own sockets, a real worker started from the Procfile against a real SecantusDB).
"""

from __future__ import annotations

import os
import time

import psutil
import pytest
from pymongo.errors import InvalidOperation

from blogcrawler.jobs import JobStore
from blogcrawler.storage import Storage
from blogstats.mongo import SHARED_POOL_SIZE, shared_clients
from fixture_site import serve_blogs
from tests.batch_support import (
    RedisServer,
    WorkerProcess,
    app_env,
    batch,
    jobs_of,
    needs_redis,
)

PATIENCE = 300.0  # bounds a hang only


def test_the_storages_and_the_jobs_store_of_a_process_share_one_client(mongo_db):
    uri, db = mongo_db
    # A spelling of the URI no other test of this process uses: its shared client is this
    # test's alone (another test's Storage may still hold the plain URI's).
    uri = f"{uri}/?connectTimeoutMS=20001"
    before = shared_clients()
    pipeline, recorder, jobs = Storage(uri, db), Storage(uri, db), JobStore(uri, db)
    client = pipeline.client
    assert recorder.client is client and jobs.client is client
    assert shared_clients() == before + 1
    # A crawl's pipeline closes first: its record and the jobs go on with the same client.
    pipeline.close()
    recorder.crawls.insert_one({"_id": "c1", "status": "running"})
    assert jobs.crawl_record("c1")["status"] == "running"
    recorder.close()
    assert jobs.jobs.count_documents({}) == 0
    jobs.close()
    # Closed with its last holder; a new holder gets a new, working one.
    assert shared_clients() == before
    with pytest.raises(InvalidOperation):
        client.admin.command("ping")
    again = Storage(uri, db)
    try:
        assert again.client is not client
        assert again.crawls.find_one({"_id": "c1"})["status"] == "running"
    finally:
        again.close()
    # Closing twice, or a Storage that never connected, lets go of nothing else.
    again.close()
    Storage(uri, db).close()
    assert shared_clients() == before


def test_a_forked_child_gets_its_own_client_and_never_closes_its_parents(mongo_db):
    uri, db = mongo_db
    storage = Storage(uri, db)
    parent_client = storage.client
    parent_client.admin.command("ping")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        try:
            child_client = storage.client
            verdict = "same client as the parent" if child_client is parent_client else "ok"
            child_client[db].forked.insert_one({"by": os.getpid()})
            storage.close()  # lets go of the child's client, not the parent's
            os.write(write, verdict.encode())
        except BaseException as exc:  # noqa: BLE001 (anything goes back to the parent)
            os.write(write, repr(exc).encode()[:500])
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as pipe:
        assert pipe.read().decode() == "ok"
    try:
        # The parent's client still works, and is still the one its Storage holds.
        assert storage.client is parent_client
        assert parent_client[db].forked.count_documents({"by": pid}) == 1
    finally:
        storage.close()


def mongo_connections(worker: WorkerProcess, port: int) -> int:
    """Established TCP connections from the worker's processes to the database's port."""
    try:
        root = psutil.Process(worker.pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    count = 0
    for process in processes:
        try:
            count += sum(1 for c in process.net_connections("tcp")
                         if c.raddr and c.raddr.port == port and c.status == "ESTABLISHED")
        except psutil.NoSuchProcess:
            continue
    return count


@needs_redis
@pytest.mark.slow
def test_a_worker_running_many_crawls_at_once_holds_a_handful_of_connections(
        mongo_server, mongo_db, tmp_path):
    uri, db = mongo_db
    farm = serve_blogs(24, seed=700)
    redis = RedisServer().start()
    worker = None
    try:
        env = app_env(redis.url, uri, db, WORKER_CONCURRENCY="12", DOWNLOAD_DELAY="0.05")
        result = batch(env, "--year", "2015", *(blog.root for blog in farm))
        assert result.returncode == 0, result.stderr
        worker = WorkerProcess(env, tmp_path / "worker.log").start()
        samples: list[tuple[int, int]] = []  # (crawls running, connections)
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            connections = mongo_connections(worker, mongo_server.port)
            jobs = jobs_of(uri, db).values()
            samples.append((sum(1 for j in jobs if j["state"] == "running"), connections))
            if len(jobs) == 24 and all(j["state"] in ("done", "failed") for j in jobs):
                break
            assert worker.proc.poll() is None, worker.log()[-3000:]
            time.sleep(0.2)
        else:
            raise AssertionError(f"the jobs did not end\n{worker.log()[-3000:]}")
        assert {j["state"] for j in jobs_of(uri, db).values()} == {"done"}
        busiest = max(running for running, _ in samples)
        assert busiest >= 10, samples  # many crawls at once, each with two Storages
        # One shared client: its monitoring connections and a pool of at most SHARED_POOL_SIZE,
        # whatever the number of crawls (two clients per crawl held 58 with 8 crawls).
        peak = max(connections for _, connections in samples)
        assert 1 <= peak <= SHARED_POOL_SIZE + 2, samples
    finally:
        if worker is not None:
            worker.kill()
        redis.stop()
        farm.shutdown()
