"""The measurement behind the choice of engine (bench/README.md, "Choosing the engine").

    python -m bench.engine_compare          # about a minute

On real Redis and real fixture blogs on 127.0.0.1, it measures what decides between the engines
for this workload (many polite crawls of ~2 pages a second each):

1. memory per blog crawled at once: a crawl in a process of its own, forked from a worker that
   has Scrapy loaded (RQ's model: one work horse per job), against one more crawler in a
   process that already runs crawls (our Celery worker's model: many crawlers in one reactor);
2. the queue's own cost per job: no-op jobs through `rq worker --burst` (fork per job) and
   through a Celery worker with a thread pool, on the same Redis;
3. scrapy-redis 0.9.1 is not measured: what breaks is in the README (it pops requests from
   Redis without acknowledgement, so a killed worker loses them).

Needs `rq` (pip install rq): a benchmark-only dependency, not in the requirements.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import psutil
import redis

from bench.batch_bench import Redis
from bench.noop_job import noop
from bench.processes import ROOT

BLOGS = 12


# -- part 1: memory per concurrent crawl ------------------------------------------------------
def _crawl_settings():
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "blogcrawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict({"ITEM_PIPELINES": {}, "EXTENSIONS": {}, "LOG_LEVEL": "WARNING",
                      "DOWNLOAD_DELAY": 0.3, "AUTOTHROTTLE_ENABLED": False,
                      "WAYBACK_URL": "http://127.0.0.1:9"}, priority="cmdline")
    return settings


def shared_reactor_memory(urls: list[str]) -> dict:
    """RSS of one process before its crawls and at their peak, all crawls at once."""
    from blogcrawler.crawlhost import Crawl, CrawlHost
    from blogcrawler.spiders.blog import BlogSpider

    host = CrawlHost(_crawl_settings(), BlogSpider)
    host.start()
    me = psutil.Process()

    def sample_peak(stop, peak):
        while not stop.wait(0.2):
            peak[0] = max(peak[0], me.memory_info().rss)

    results = {}
    for count in (1, len(urls)):
        base = me.memory_info().rss
        stop, peak = threading.Event(), [base]
        sampler = threading.Thread(target=sample_peak, args=(stop, peak), daemon=True)
        sampler.start()
        threads = [threading.Thread(target=host.run, args=(Crawl({"url": u, "year": "2015"}),))
                   for u in urls[:count]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        sampler.join()
        results[count] = (peak[0] - base) / 2**20
    return {"per_crawl_mb": results[len(urls)] / len(urls), "first_crawl_mb": results[1]}


def forked_crawl_memory(url: str) -> dict:
    """USS of a child forked from a process with Scrapy loaded, running one crawl."""
    from scrapy.crawler import CrawlerProcess

    from blogcrawler.spiders.blog import BlogSpider

    settings = _crawl_settings()
    pid = os.fork()
    if pid == 0:  # the work horse
        process = CrawlerProcess(settings, install_root_handler=False)
        process.crawl(BlogSpider, url=url, year="2015")
        process.start()
        os._exit(0)
    peak_uss = peak_rss = 0
    child = psutil.Process(pid)
    while True:
        try:
            info = child.memory_full_info()
            peak_uss, peak_rss = max(peak_uss, info.uss), max(peak_rss, info.rss)
        except psutil.NoSuchProcess:
            break
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
        time.sleep(0.2)
    return {"uss_mb": peak_uss / 2**20, "rss_mb": peak_rss / 2**20}


# -- part 2: the queue's cost per job ---------------------------------------------------------
def rq_overhead(url: str, jobs: int) -> dict:
    from rq import Queue

    queue = Queue("compare", connection=redis.Redis.from_url(url))
    for _ in range(jobs):
        queue.enqueue("bench.noop_job.noop")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", url, "-q",
                    "compare"], cwd=ROOT, check=True, capture_output=True)
    return {"ms_per_job": (time.perf_counter() - started) * 1000 / jobs}


def celery_overhead(url: str, jobs: int) -> dict:
    env = {**os.environ, "COMPARE_REDIS_URL": url}
    out = subprocess.run([sys.executable, "-m", "bench.engine_compare", "--celery-child",
                          str(jobs)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def celery_child(jobs: int) -> dict:
    """A Celery worker (thread pool, as ours) in a thread of this process; jobs are published
    once it is up, and timed until the last is acknowledged."""
    from celery import Celery

    url = os.environ["COMPARE_REDIS_URL"]
    app = Celery("compare", broker=url, set_as_current=False)
    app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, task_ignore_result=True,
                    worker_hijack_root_logger=False, worker_redirect_stdouts=False,
                    task_default_queue="compare")
    task = app.task(name="compare.noop")(noop)
    worker = app.Worker(pool="threads", concurrency=8, loglevel="WARNING", without_gossip=True,
                        without_mingle=True, without_heartbeat=True, quiet=True)
    threading.Thread(target=worker.start, daemon=True).start()
    client = redis.Redis.from_url(url)
    task.delay()
    while client.llen("compare") or client.hlen("unacked") or not worker.consumer:
        time.sleep(0.01)
    time.sleep(0.5)
    started = time.perf_counter()
    for _ in range(jobs):
        task.delay()
    time.sleep(0.05)
    while client.llen("compare") or client.hlen("unacked"):
        time.sleep(0.005)
    return {"ms_per_job": (time.perf_counter() - started) * 1000 / jobs}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--celery-child"]:
        print(json.dumps(celery_child(int(argv[1]))), flush=True)
        os._exit(0)  # the worker thread does not stop by itself
    from bench.batch_bench import ManyBlogs

    blogs = ManyBlogs(BLOGS)
    with blogs, Redis() as server:
        urls = blogs.urls
        say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
        say("RQ's model: one crawl in a forked work horse")
        forked = forked_crawl_memory(urls[0])
        say(f"our model: {len(urls)} crawls in one reactor")
        shared = shared_reactor_memory(urls)
        say("queue cost per no-op job: RQ, then Celery")
        rq = rq_overhead(server.url, 200)
        celery = celery_overhead(server.url, 200)
    lines = [
        "memory per blog crawled at once:",
        f"  RQ (a forked work horse per job): {forked['uss_mb']:.0f} MB unique to the horse "
        f"(RSS {forked['rss_mb']:.0f} MB)",
        f"  one more crawler in a shared reactor (our Celery worker): "
        f"{shared['per_crawl_mb']:.1f} MB ({len(urls)} crawls at once; the first one "
        f"{shared['first_crawl_mb']:.1f} MB)",
        "queue cost per no-op job (same Redis):",
        f"  RQ, fork per job: {rq['ms_per_job']:.1f} ms",
        f"  Celery, thread pool: {celery['ms_per_job']:.1f} ms",
    ]
    print("\n".join(lines))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "engine_compare.json").write_text(json.dumps(
        {"forked": forked, "shared": shared, "rq": rq, "celery": celery}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
