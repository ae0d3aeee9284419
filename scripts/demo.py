"""`make demo`: everything on this machine, from one command; Ctrl-C stops all it started.

1. a SecantusDB (MongoDB-compatible) server on 127.0.0.1, data kept in ./data/db;
2. the bundled 2015 fixture blog on 127.0.0.1 (or, with BLOG_URL set, that blog, crawled politely);
3. the release step (indexes), then one `scrapy crawl blog` into the local database;
4. the dashboard (gunicorn) on 127.0.0.1:DEMO_PORT, whose URL it prints.

Environment: BLOG_URL, BLOG_YEAR, MONGODB_DATABASE and the crawler's other settings as usual;
DEMO_PORT (dashboard, default 8050), DEMO_DB_PORT (default 27017), DEMO_BLOG_PORT (default 8015):
a default port that is busy is replaced by a free one (and said so); a port you set must be free.
DEMO_DATA_DIR (default ./data) holds the database and its log.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make the project importable

from blogcrawler.clock import _die_with_parent, describe_exit  # noqa: E402

STOP_GRACE_SECONDS = 15.0


class DemoError(RuntimeError):
    """Something the user can fix, said in one sentence."""


def port_is_free(port: int) -> bool:
    """Whether a server can listen on the port now. SO_REUSEADDR, as the servers the demo
    starts set it: a port whose last connections are in TIME_WAIT (a demo stopped with Ctrl-C
    a moment ago) is free to them, and must not be replaced by a random one."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def choose_port(variable: str, default: int, what: str, env=os.environ) -> int:
    """The port in `variable` (it must be free), else `default` if free, else any free port."""
    raw = env.get(variable, "").strip()
    if raw:
        try:
            port = int(raw)
        except ValueError:
            raise DemoError(f"{variable}={raw!r} is not a port number") from None
        if not port_is_free(port):
            raise DemoError(f"{variable}={port} is already in use on 127.0.0.1: choose another")
        return port
    if port_is_free(default):
        return default
    port = free_port()
    say(f"port {default} is busy, so the {what} uses port {port} (set {variable} to choose)")
    return port


def say(message: str) -> None:
    print(f"demo: {message}", flush=True)


class Demo:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.data_dir = Path(env.get("DEMO_DATA_DIR") or ROOT / "data").resolve()
        self.database = env.get("MONGODB_DATABASE") or "blogstats"
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stopping = threading.Event()
        self.signals = 0

    # -- processes -------------------------------------------------------------------------
    def spawn(self, name: str, argv: list[str], env: dict[str, str], **kwargs) -> subprocess.Popen:
        # Own session: Ctrl-C reaches the demo only, which stops each child in order (the
        # database last, cleanly); the parent-death signal covers a demo that is killed.
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True,
                                preexec_fn=_die_with_parent, **kwargs)
        self.children.append((name, proc))
        return proc

    def handle_signal(self, signum, _frame) -> None:
        self.signals += 1
        if self.signals == 1:
            print(flush=True)
            say(f"{signal.Signals(signum).name} received: stopping everything the demo started")
            self.stopping.set()
        else:
            for _, proc in self.children:
                if proc.poll() is None:
                    proc.kill()

    def stop_all(self) -> None:
        for name, proc in reversed(self.children):
            if proc.poll() is not None:
                continue
            proc.terminate()
            try:
                proc.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {STOP_GRACE_SECONDS:.0f} s: killing it")
                proc.kill()
                proc.wait()
            say(f"stopped {name}")
        self.children.clear()

    def wait_until(self, ready, proc: subprocess.Popen, name: str, timeout: float) -> None:
        """Poll `ready()` until true; fail if `proc` exits, time runs out or the user stops."""
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None:
                raise DemoError(f"{name} exited at start (exit {proc.returncode}): see above")
            if time.monotonic() > deadline:
                raise DemoError(f"{name} did not answer within {timeout:.0f} s")
            if self.stopping.wait(0.3):
                raise KeyboardInterrupt

    # -- the steps -------------------------------------------------------------------------
    def start_database(self) -> str:
        port = choose_port("DEMO_DB_PORT", 27017, "database", self.env)
        db_dir = self.data_dir / "db"
        db_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.data_dir / "secantus.log"
        uri = f"mongodb://127.0.0.1:{port}"
        say(f"starting SecantusDB at {uri}, data in {db_dir} (log: {log_path})")
        with open(log_path, "ab") as log:
            proc = self.spawn("the database", [
                sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(port),
                "--storage-path", str(db_dir), "--log-level", "WARNING",
            ], self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self.wait_until(lambda: self._pings(uri), proc, "SecantusDB", timeout=60)
        except DemoError as exc:
            raise DemoError(f"{exc}; its log {log_path} says why (is another demo using "
                            f"{db_dir}?)") from None
        return uri

    @staticmethod
    def _pings(uri: str) -> bool:
        import pymongo

        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
        try:
            client.admin.command("ping")
            return True
        except pymongo.errors.PyMongoError:
            return False
        finally:
            client.close()

    def start_blog(self) -> str:
        port = choose_port("DEMO_BLOG_PORT", 8015, "bundled blog", self.env)
        url = f"http://127.0.0.1:{port}/"
        proc = self.spawn("the bundled blog", [sys.executable, "-m", "fixture_site", "--port",
                                               str(port)], self.env)
        self.wait_until(lambda: _http_status(url) == 200, proc, "the bundled blog", timeout=30)
        return url

    def run_step(self, name: str, argv: list[str], env: dict[str, str]) -> int:
        """Run a one-off command to its end (a Ctrl-C stops it cleanly); returns its exit status."""
        proc = self.spawn(name, argv, env)
        stop_sent = False
        while True:
            try:
                code = proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                pass
            if self.stopping.is_set() and not stop_sent:
                proc.terminate()  # one SIGTERM: a crawl then closes cleanly
                stop_sent = True
        self.children.remove((name, proc))
        return code

    def start_dashboard(self, env: dict[str, str]) -> str:
        if not (ROOT / "dashboard" / "app.py").exists():
            raise DemoError("the dashboard (dashboard/app.py) is not in this checkout yet: "
                            "the crawl's posts are in the database, but there is nothing to "
                            "serve them")
        port = choose_port("DEMO_PORT", 8050, "dashboard", self.env)
        url = f"http://127.0.0.1:{port}/"
        proc = self.spawn("the dashboard", [
            sys.executable, "-m", "gunicorn", "dashboard.app:server",
            "--bind", f"127.0.0.1:{port}", "--workers", env.get("WEB_CONCURRENCY") or "2",
            "--no-control-socket",
        ], env)

        def ready() -> bool:
            status = _http_status(url + "healthz")
            return status in (200, 503) or (status == 404 and _http_status(url) == 200)

        self.wait_until(ready, proc, "the dashboard", timeout=120)
        return url

    def run(self) -> int:
        uri = self.start_database()
        blog_url = self.env.get("BLOG_URL", "").strip()
        crawl_env = {**self.env, "MONGODB_URI": uri, "MONGODB_DATABASE": self.database,
                     "LOG_LEVEL": self.env.get("LOG_LEVEL") or "WARNING"}
        if blog_url:
            # Someone else's blog: keep the crawler's polite defaults (robots.txt, AutoThrottle).
            say(f"crawling {blog_url} politely: this can take several minutes "
                "(LOG_LEVEL=INFO shows progress)")
        else:
            blog_url = self.start_blog()
            # Our own blog on loopback: no need to be slow.
            crawl_env.update(BLOG_URL=blog_url, AUTOTHROTTLE_ENABLED="false", DOWNLOAD_DELAY="0")
            # Its archive lists every post; never fall back to the Wayback Machine for it.
            crawl_env.setdefault("DISCOVERY", "archive")
            say(f"serving the bundled 2015 blog at {blog_url}; crawling it")

        code = self.run_step("the release step", [sys.executable, "-m", "blogcrawler.release"],
                             crawl_env)
        if code != 0:
            raise DemoError(f"the release step failed (exit {code}): see above")
        started = time.monotonic()
        code = self.run_step("the crawl", [sys.executable, "-m", "scrapy", "crawl", "blog"],
                             crawl_env)
        if self.stopping.is_set():
            raise KeyboardInterrupt
        say(f"crawl finished in {time.monotonic() - started:.1f} s: exit {code}, "
            f"{describe_exit(code)}")
        if code in (1, 2):
            raise DemoError("the crawl did not run: see its message above")
        posts = self.env.get("MONGODB_POSTS_COLLECTION") or "posts"
        say(f"{_count_posts(uri, self.database, posts)} posts in {self.database}.{posts}")

        dashboard_env = {**self.env, "MONGODB_URI": uri, "MONGODB_DATABASE": self.database}
        url = self.start_dashboard(dashboard_env)
        print(f"\n  Dashboard: {url}\n  Database:  {uri} (database {self.database}, data in "
              f"{self.data_dir / 'db'})\n  Press Ctrl-C to stop everything.\n", flush=True)

        while not self.stopping.wait(1.0):
            for name, proc in self.children:
                if proc.poll() is not None:
                    raise DemoError(f"{name} stopped unexpectedly (exit {proc.returncode})")
        return 0


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def _count_posts(uri: str, database: str, collection: str) -> int:
    import pymongo

    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        return client[database][collection].count_documents({})
    finally:
        client.close()


def run_demo(demo) -> int:
    """Run `demo` until it ends, Ctrl-C or a signal; whatever happens, stop all it started."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, demo.handle_signal)
    try:
        return demo.run()
    except KeyboardInterrupt:
        return 0
    except DemoError as exc:
        print(f"demo: error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        demo.stop_all()
        say("everything it started is stopped")


def main() -> int:
    return run_demo(Demo(dict(os.environ)))


if __name__ == "__main__":
    sys.exit(main())
