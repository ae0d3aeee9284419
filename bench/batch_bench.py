"""The many-blogs benchmark: a pool of workers on 200 fixture blogs, at the default politeness.

    python -m bench.batch_bench                      # 200 blogs, 1 then 2 workers: ~8 minutes
    python -m bench.batch_bench --blogs 40 --concurrency 40     # a quicker look

Everything on 127.0.0.1, each part in its own process: the blogs (bench/many_blogs_server.py,
pages rendered before they answer), SecantusDB in memory, Redis (`redis-server`), and workers
started from the Procfile's `worker` line. The crawls keep the default politeness
(DOWNLOAD_DELAY 0.5 s per blog, AutoThrottle on): a blog gives about 2 pages a second, so a
worker is only as fast as the number of blogs it crawls at once (WORKER_CONCURRENCY, here
`--concurrency`) lets it be, up to its CPU.

Prints one table (also written to bench/results/batch.json):
- blogs per minute and pages per second with 1 and 2 workers, side by side in one run, and
  their ratio; each worker's CPU ms per page and peak memory; SecantusDB's CPU;
- Scrapy's own ceiling on the same server (bench/ceiling.py's link-following spider over every
  blog at once, no delay, no parsing, no storage) and one worker's pages per second against it;
- the queue's overhead per job: enqueuing (MongoDB job + Redis message), and a worker taking
  jobs that need no crawl (lease, claim in MongoDB, acknowledgement), per job;
- Redis memory per queued job, and from all of the above, on paper, what 10,000 blogs a night
  need (Redis memory, MongoDB writes per second, workers at the default politeness).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pymongo
import redis
import scrapy

from bench.processes import LOGS, ROOT, Secantus, Service
from blogcrawler.extensions import HEARTBEAT_SECONDS
from blogcrawler.jobqueue import restore_interval
from blogstats.mongo import SHARED_POOL_SIZE

RESULTS = ROOT / "bench" / "results"
PATIENCE = 1800.0  # bounds a hang only
NIGHT_HOURS = 8.0
NIGHT_BLOGS = 10_000


class Redis(Service):
    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"]

    def ready(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False


class ManyBlogs(Service):
    name = "many-blogs"
    start_timeout = 600.0

    def __init__(self, blogs: int):
        super().__init__()
        self.blogs = blogs
        self.urls_file = Path(tempfile.mkdtemp(prefix="batch-bench-")) / "blogs.txt"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bench.many_blogs_server", "--blogs", str(self.blogs),
                "--urls-file", str(self.urls_file)]

    def ready(self) -> bool:
        return self.urls_file.exists()

    @property
    def urls(self) -> list[str]:
        return self.urls_file.read_text().split()


# -- Scrapy's ceiling over every blog at once --------------------------------------------------
class ManyCeilingSpider(scrapy.Spider):
    """bench/ceiling.py's spider for many roots: archive and post links found by regex."""

    name = "many-ceiling"
    HREF = re.compile(rb"""href=["']([^"'#?]+)["']""")

    def __init__(self, urls_file: str, year: int = 2015, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roots = Path(urls_file).read_text().split()
        self.post_url = re.compile(rf"^http://127\.0\.0\.1:\d+/{year}/\d\d/\d\d/[^/]+/$")
        self.archive_url = re.compile(rf"^http://127\.0\.0\.1:\d+/{year}/(?:\d\d/)?(?:page/\d+/)?$")
        self.year = year

    async def start(self):
        for root in self.roots:
            yield scrapy.Request(f"{root}{self.year}/", callback=self.parse_archive)

    def parse_archive(self, response):
        for match in self.HREF.finditer(response.body):
            url = match.group(1).decode("ascii", "replace")
            if self.post_url.match(url):
                yield scrapy.Request(url, callback=self.parse_post)
            elif self.archive_url.match(url):
                yield scrapy.Request(url, callback=self.parse_archive)

    def parse_post(self, response):
        pass


def run_ceiling(urls_file: str) -> dict:
    from scrapy.crawler import CrawlerProcess

    from bench.ceiling import ceiling_settings

    process = CrawlerProcess(ceiling_settings())
    crawler = process.create_crawler(ManyCeilingSpider)
    process.crawl(crawler, urls_file=urls_file)
    started = time.process_time()
    process.start()
    stats = crawler.stats.get_stats()
    return {"pages": stats.get("response_received_count", 0),
            "elapsed": stats.get("elapsed_time_seconds"),
            "cpu_seconds": time.process_time() - started}


def ceiling(urls_file: Path) -> dict:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "blogcrawler.settings"}
    out = subprocess.run([sys.executable, "-m", "bench.batch_bench", "--ceiling-of",
                          str(urls_file)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=PATIENCE)
    if out.returncode != 0:
        raise RuntimeError(f"the ceiling crawl failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- workers ---------------------------------------------------------------------------------
def procfile_worker() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            return line.partition(":")[2].strip()
    raise RuntimeError("the Procfile has no worker line")


class Pool:
    """N workers started from the Procfile's line, each in its own process group, with their
    CPU time, peak memory and peak connections to MongoDB (sampled every 0.5 s)."""

    def __init__(self, count: int, env: dict[str, str], label: str, mongo_port: int = 0):
        LOGS.mkdir(parents=True, exist_ok=True)
        self.procs = []
        for n in range(count):
            log = open(LOGS / f"batch-worker-{label}-{n + 1}.log", "ab")
            self.procs.append(subprocess.Popen(["bash", "-c", procfile_worker()], cwd=ROOT,
                                               env=env, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True))
        self.peak_rss = [0] * count
        self.cpu = [0.0] * count
        self.mongo_port = mongo_port
        self.peak_mongo = [0] * count  # established connections to the database
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _tree(self, proc) -> list[psutil.Process]:
        try:
            parent = psutil.Process(proc.pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for i, proc in enumerate(self.procs):
                rss, cpu, mongo = 0, 0.0, 0
                for p in self._tree(proc):
                    try:
                        rss += p.memory_info().rss
                        times = p.cpu_times()
                        cpu += times.user + times.system
                        if self.mongo_port:
                            mongo += sum(1 for c in p.net_connections("tcp")
                                         if c.raddr and c.raddr.port == self.mongo_port
                                         and c.status == "ESTABLISHED")
                    except psutil.NoSuchProcess:
                        pass
                self.peak_rss[i] = max(self.peak_rss[i], rss)
                self.cpu[i] = max(self.cpu[i], cpu)
                self.peak_mongo[i] = max(self.peak_mongo[i], mongo)

    def stop(self) -> None:
        self._stop.set()
        self._sampler.join()
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def app_env(redis_url: str, mongo_uri: str, database: str, concurrency: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MONGODB_", "BLOG_", "REDIS_", "JOB_", "WORKER_", "DOWNLOAD_",
                                "AUTOTHROTTLE_"))}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               REDIS_URL=redis_url, MONGODB_URI=mongo_uri, MONGODB_DATABASE=database,
               WORKER_CONCURRENCY=str(concurrency), LOG_LEVEL="WARNING",
               WAYBACK_URL="http://127.0.0.1:9", PYTHONUNBUFFERED="1")
    return env


def config_for(env: dict[str, str]):
    from blogstats.config import load

    return load(env)


def wait_for_jobs(mongo_uri: str, database: str, count: int) -> list[dict]:
    client = pymongo.MongoClient(mongo_uri, tz_aware=True)
    try:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            jobs = list(client[database].jobs.find())
            if len(jobs) == count and all(j["state"] in ("done", "failed") for j in jobs):
                return jobs
            time.sleep(1.0)
        raise RuntimeError(f"the jobs did not end within {PATIENCE:.0f} s")
    finally:
        client.close()


def crawl_run(workers: int, urls: list[str], services, concurrency: int, db_cpu) -> dict:
    """Enqueue every blog, run `workers` workers to the end; figures from the jobs' records."""
    from blogcrawler.batch import Blog, enqueue
    from blogcrawler.jobqueue import make_app
    from blogcrawler.jobs import JobStore

    redis_server, secantus = services
    database = f"bench_batch_{workers}w"
    redis.Redis.from_url(redis_server.url).flushall()
    env = app_env(redis_server.url, secantus.uri, database, concurrency)
    config = config_for(env)
    store = JobStore.from_config(config)
    started = time.perf_counter()
    enqueue(store, make_app(config), [Blog(u, None) for u in urls], [2015], False, False)
    enqueue_ms = (time.perf_counter() - started) * 1000 / len(urls)
    store.close()
    cpu_before = db_cpu()
    pool = Pool(workers, env, f"{workers}w", secantus.port)
    try:
        jobs = wait_for_jobs(secantus.uri, database, len(urls))
    finally:
        pool.stop()
    done = [j for j in jobs if j["state"] == "done"]
    first = min(j["started_at"] for j in done)
    last = max(j["finished_at"] for j in done)
    elapsed = (last - first).total_seconds()
    pages = sum((j.get("outcome") or {}).get("pages", 0) for j in done)
    posts = sum(sum((j["outcome"].get("posts") or {}).get(k, 0)
                    for k in ("stored_new", "updated", "unchanged")) for j in done)
    durations = [(j["finished_at"] - j["started_at"]).total_seconds() for j in done]
    return {"workers": workers, "jobs": len(jobs), "done": len(done),
            "complete": sum(1 for j in done if j["outcome"]["complete"]),
            "elapsed": elapsed, "pages": pages, "posts": posts,
            "blogs_per_minute": len(done) / elapsed * 60, "pages_per_second": pages / elapsed,
            "job_seconds_median": statistics.median(durations),
            "pages_per_blog": pages / len(done),
            "cpu_ms_per_page": sum(pool.cpu) * 1000 / pages,
            "peak_rss_mb": [round(r / 2**20) for r in pool.peak_rss],
            "peak_mongo_connections": list(pool.peak_mongo),
            "db_cpu_share": (db_cpu() - cpu_before) / elapsed,
            "enqueue_ms_per_job": enqueue_ms}


def queue_overhead(services, count: int, concurrency: int) -> dict:
    """Jobs that need no crawl (their message is stale) through one worker: what the queue,
    the lease and the claim cost per job; and Redis memory per queued message."""
    from blogcrawler.jobqueue import make_app, send_job
    from blogcrawler.jobs import JobStore

    redis_server, secantus = services
    database = "bench_batch_queue"
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    env = app_env(redis_server.url, secantus.uri, database, concurrency)
    config = config_for(env)
    store = JobStore.from_config(config)
    app = make_app(config)
    sites = [f"http://noop-{i}.invalid/" for i in range(count)]
    for site in sites:
        store.enqueue(site, 2015)
    store.close()
    before = client.info("memory")["used_memory"]
    for site in sites:
        send_job(app, site, 2015, "stale")
    per_message = (client.info("memory")["used_memory"] - before) / count
    client.delete("blogstats")  # measured: now through a worker that is up and waiting

    def drain() -> None:
        deadline = time.monotonic() + PATIENCE
        while client.llen("blogstats") or client.hlen("unacked"):
            if time.monotonic() > deadline:
                raise RuntimeError("the no-op jobs did not drain")
            time.sleep(0.01)

    pool = Pool(1, env, "queue")
    try:
        send_job(app, sites[0], 2015, "stale")  # the worker is ready once this one is gone
        drain()
        started = time.perf_counter()
        for site in sites:
            send_job(app, site, 2015, "stale")
        drain()
        elapsed = time.perf_counter() - started
    finally:
        pool.stop()
    return {"jobs": count, "seconds": elapsed, "ms_per_job": elapsed * 1000 / count,
            "redis_bytes_per_message": per_message}


# -- the table -------------------------------------------------------------------------------
def paper(one: dict, two: dict, queue: dict, concurrency: int, beat: float) -> list[str]:
    """`beat`: seconds between a running job's heartbeats (its progress)."""
    pages_per_blog = one["pages_per_blog"]
    posts_per_blog = one["posts"] / one["done"]
    night = NIGHT_HOURS * 3600
    # A worker is bound by politeness (blogs at once x pace of one blog) or by its CPU.
    polite_blogs_per_hour = concurrency * 3600 / one["job_seconds_median"]
    cpu_blogs_per_hour = 3600 * 1000 / (one["cpu_ms_per_page"] * pages_per_blog)
    per_worker = min(polite_blogs_per_hour, cpu_blogs_per_hour)
    workers = NIGHT_BLOGS / (per_worker * NIGHT_HOURS)
    redis_mb = NIGHT_BLOGS * queue["redis_bytes_per_message"] / 2**20
    posts_per_s = NIGHT_BLOGS * posts_per_blog / night
    running = min(NIGHT_BLOGS, workers * concurrency)
    job_writes = running / beat + NIGHT_BLOGS * 3 / night
    record_writes = running / HEARTBEAT_SECONDS
    dynos = max(1, -(-workers // 1))
    return [
        f"10,000 blogs a night ({NIGHT_HOURS:g} h), {pages_per_blog:.0f} pages and "
        f"{posts_per_blog:.0f} posts a blog as here:",
        f"  pages: {NIGHT_BLOGS * pages_per_blog:,.0f}, {NIGHT_BLOGS * pages_per_blog / night:.0f}"
        " a second on average",
        f"  one worker (WORKER_CONCURRENCY={concurrency}): {polite_blogs_per_hour:,.0f} blogs/h "
        f"by politeness (a blog takes {one['job_seconds_median']:.0f} s), "
        f"{cpu_blogs_per_hour:,.0f} blogs/h by CPU ({one['cpu_ms_per_page']:.1f} ms a page)",
        f"  workers: {workers:.1f} -> {max(1, -(-workers // 1)):.0f} worker dynos of one core "
        f"(or raise WORKER_CONCURRENCY to about {cpu_blogs_per_hour * one['job_seconds_median'] / 3600:.0f} "
        "to fill each core)",
        f"  Redis: {queue['redis_bytes_per_message']:.0f} bytes a queued job -> "
        f"{redis_mb:.1f} MB with all 10,000 queued at once",
        f"  MongoDB: {posts_per_s:.1f} post writes/s on average (bulk, {posts_per_s / 100:.2f} "
        f"batches/s), plus {job_writes:.1f} job writes/s (heartbeats of {running:.0f} running "
        f"jobs every {beat:g} s, claims and outcomes) and {record_writes:.1f} crawl record "
        f"heartbeats/s; at most {dynos * (SHARED_POOL_SIZE + 2):.0f} connections "
        f"({SHARED_POOL_SIZE} + 2 a worker)",
    ]


def render(one: dict, two: dict, ceil: dict, queue: dict, concurrency: int,
           beat: float) -> str:
    ceiling_pps = ceil["pages"] / ceil["elapsed"]
    rows = [
        ("blogs done (complete)", f"{one['done']} ({one['complete']})",
         f"{two['done']} ({two['complete']})", ""),
        ("elapsed s (first start to last end)", f"{one['elapsed']:.0f}", f"{two['elapsed']:.0f}",
         f"{one['elapsed'] / two['elapsed']:.2f}x"),
        ("blogs per minute", f"{one['blogs_per_minute']:.1f}", f"{two['blogs_per_minute']:.1f}",
         f"{two['blogs_per_minute'] / one['blogs_per_minute']:.2f}x"),
        ("pages per second", f"{one['pages_per_second']:.1f}", f"{two['pages_per_second']:.1f}",
         f"{two['pages_per_second'] / one['pages_per_second']:.2f}x"),
        ("a blog's crawl, median s", f"{one['job_seconds_median']:.0f}",
         f"{two['job_seconds_median']:.0f}", ""),
        ("worker CPU ms per page", f"{one['cpu_ms_per_page']:.1f}",
         f"{two['cpu_ms_per_page']:.1f}", ""),
        ("worker peak RSS MB", "/".join(map(str, one["peak_rss_mb"])),
         "/".join(map(str, two["peak_rss_mb"])), ""),
        ("worker peak MongoDB connections", "/".join(map(str, one["peak_mongo_connections"])),
         "/".join(map(str, two["peak_mongo_connections"])), ""),
        ("SecantusDB CPU (share of a core)", f"{one['db_cpu_share']:.0%}",
         f"{two['db_cpu_share']:.0%}", ""),
        ("enqueue ms per job (batch command)", f"{one['enqueue_ms_per_job']:.1f}",
         f"{two['enqueue_ms_per_job']:.1f}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'':<{width}}  {'1 worker':>10}  {'2 workers':>10}  {'2 / 1':>6}"]
    lines += [f"{a:<{width}}  {b:>10}  {c:>10}  {d:>6}" for a, b, c, d in rows]
    lines += [
        "",
        f"Scrapy's ceiling, one process, every blog at once, same server: {ceiling_pps:.0f} "
        f"pages/s ({ceil['pages']} pages in {ceil['elapsed']:.1f} s, "
        f"{ceil['cpu_seconds'] * 1000 / ceil['pages']:.1f} CPU ms a page)",
        f"one worker / ceiling: {one['pages_per_second'] / ceiling_pps:.0%}  "
        f"(2 workers / ceiling: {two['pages_per_second'] / ceiling_pps:.0%})",
        f"queue overhead: {queue['ms_per_job']:.1f} ms a job through one worker "
        f"({queue['jobs']} jobs needing no crawl in {queue['seconds']:.1f} s: message, lease, "
        f"claim, acknowledgement), {one['enqueue_ms_per_job']:.1f} ms a job to enqueue",
        "",
        *paper(one, two, queue, concurrency, beat),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blogs", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=100,
                        help="WORKER_CONCURRENCY of each worker (default %(default)s)")
    parser.add_argument("--noop-jobs", type=int, default=500)
    parser.add_argument("--ceiling-of", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ceiling_of:  # the child process of `ceiling()`
        print(json.dumps(run_ceiling(args.ceiling_of)), flush=True)
        return 0
    blogs = ManyBlogs(args.blogs)
    with blogs, Redis() as redis_server, Secantus() as secantus:
        say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
        db = psutil.Process(secantus.proc.pid)
        db_cpu = lambda: sum(db.cpu_times()[:2])  # noqa: E731
        urls = blogs.urls
        say(f"{len(urls)} blogs served; Scrapy's ceiling over all of them")
        ceil = ceiling(blogs.urls_file)
        say(f"queue overhead: {args.noop_jobs} jobs needing no crawl")
        queue = queue_overhead((redis_server, secantus), args.noop_jobs, args.concurrency)
        runs = {}
        for workers in (1, 2):
            say(f"{len(urls)} blogs, {workers} worker(s) of {args.concurrency} crawls at once")
            runs[workers] = crawl_run(workers, urls, (redis_server, secantus),
                                      args.concurrency, db_cpu)
        config = config_for({})
        beat = min(restore_interval(config.job_lease_seconds), config.progress_interval_seconds)
        table = render(runs[1], runs[2], ceil, queue, args.concurrency, beat)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch.json").write_text(json.dumps(
        {"runs": runs, "ceiling": ceil, "queue": queue, "table": table,
         "blogs": args.blogs, "concurrency": args.concurrency}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
