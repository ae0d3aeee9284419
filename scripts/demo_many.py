"""`make demo-many`: a dozen blogs crawled by a pool of workers, on this machine, offline.

1. SecantusDB and Redis (Debian's redis-server) on 127.0.0.1;
2. twelve bundled fixture blogs (fixture_site.serve_blogs), each with content of its own, its
   own time zone and the shapes of real blogs: uneven weeks, so each has a different size;
3. the release step, then two workers (the Procfile's `worker`) and the batch command, which
   enqueues the twelve blog-years and follows them to the end (a bar on a terminal);
4. the dashboard on 127.0.0.1:DEMO_PORT, whose overview compares the blogs.

Ctrl-C stops everything it started. Environment as for `make demo` (DEMO_PORT, DEMO_DB_PORT,
DEMO_DATA_DIR, ...), plus DEMO_REDIS_PORT (default 6390), DEMO_BLOGS (default 12) and
DEMO_WORKERS (default 2). Its database is `blogstats_many` unless MONGODB_DATABASE says.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from demo import Demo, DemoError, choose_port, run_demo, say  # noqa: E402

from fixture_site import serve_blogs  # noqa: E402


class ManyBlogsDemo(Demo):
    def __init__(self, env: dict[str, str]):
        env.setdefault("MONGODB_DATABASE", "blogstats_many")
        super().__init__(env)
        self.farm = None

    def start_redis(self) -> str:
        port = choose_port("DEMO_REDIS_PORT", 6390, "queue (Redis)", self.env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.data_dir / "redis.log"
        with open(log_path, "ab") as log:
            proc = self.spawn("Redis", ["redis-server", "--port", str(port), "--bind",
                                        "127.0.0.1", "--save", "", "--appendonly", "no"],
                              self.env, stdout=log, stderr=subprocess.STDOUT)
        url = f"redis://127.0.0.1:{port}/0"
        self.wait_until(lambda: _redis_pings(url), proc, "Redis", timeout=30)
        say(f"started Redis at {url} (log: {log_path})")
        return url

    def serve_blogs(self, count: int) -> Path:
        """Fixture blogs served from this process, and the file that lists them by name."""
        listing = Path(tempfile.mkdtemp(prefix="demo-many-")) / "blogs.txt"
        self.farm = serve_blogs(count, realistic=True)
        listing.write_text("".join(f"{blog.root} Blog {i + 1} ({blog.tz.key})\n"
                                   for i, blog in enumerate(self.farm.blogs)))
        say(f"serving {count} bundled blogs on 127.0.0.1 (listed in {listing})")
        return listing

    def stop_all(self) -> None:
        super().stop_all()
        if self.farm is not None:
            self.farm.shutdown()
            self.farm = None

    def run(self) -> int:
        uri = self.start_database()
        redis_url = self.start_redis()
        listing = self.serve_blogs(int(self.env.get("DEMO_BLOGS") or 12))
        # Our own blogs on loopback: a short delay, no AutoThrottle, the archive route only.
        env = {**self.env, "MONGODB_URI": uri, "MONGODB_DATABASE": self.database,
               "REDIS_URL": redis_url, "AUTOTHROTTLE_ENABLED": "false",
               "DOWNLOAD_DELAY": self.env.get("DOWNLOAD_DELAY") or "0.05",
               "DISCOVERY": self.env.get("DISCOVERY") or "archive",
               "LOG_LEVEL": self.env.get("LOG_LEVEL") or "WARNING"}
        if self.run_step("the release step", [sys.executable, "-m", "blogcrawler.release"],
                         env) != 0:
            raise DemoError("the release step failed: see above")
        workers = int(self.env.get("DEMO_WORKERS") or 2)
        log_path = self.data_dir / "workers.log"
        with open(log_path, "ab") as log:  # the terminal is the batch's progress bar
            for n in range(workers):
                self.spawn(f"worker {n + 1}", [sys.executable, "-m", "blogcrawler.worker"], env,
                           stdout=log, stderr=subprocess.STDOUT)
        say(f"{workers} workers started (log: {log_path}); enqueuing the blogs and following "
            "them")
        started = time.monotonic()
        code = self.run_step("the batch", [sys.executable, "-m", "blogcrawler.batch",
                                           "--recrawl", "--wait", "--file", str(listing)], env)
        if self.stopping.is_set():
            raise KeyboardInterrupt
        say(f"batch finished in {time.monotonic() - started:.1f} s: exit {code}")
        if code == 2:
            raise DemoError("the batch did not run: see its message above")
        url = self.start_dashboard({**self.env, "MONGODB_URI": uri,
                                    "MONGODB_DATABASE": self.database})
        print(f"\n  Dashboard: {url}\n  Database:  {uri} (database {self.database})\n"
              "  Press Ctrl-C to stop everything.\n", flush=True)
        while not self.stopping.wait(1.0):
            for name, proc in self.children:
                if proc.poll() is not None:
                    raise DemoError(f"{name} stopped unexpectedly (exit {proc.returncode})")
        return 0


def _redis_pings(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def main() -> int:
    return run_demo(ManyBlogsDemo(dict(os.environ)))


if __name__ == "__main__":
    sys.exit(main())
