"""The Procfile, run as a PaaS runs it: `honcho` (a Foreman clone) starts `web` and `clock` with
PORT set, against a real SecantusDB and the fixture blog; `release` runs on its own.

Must hold: `web` answers on $PORT and nothing else of the app listens; `release` creates the
indexes (and fails in one sentence when the database is unreachable); the clock's first crawl
fills the collection and the dashboard then shows the posts in a real browser.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pymongo
import pytest

from tests.conftest import ROOT, SecantusServer, free_port

PATIENCE = 240.0  # bounds a hang only: every wait below ends as soon as its event happens
PROCFILE = ROOT / "Procfile"
needs_dashboard = pytest.mark.skipif(not (ROOT / "dashboard" / "app.py").exists(),
                                     reason="dashboard/app.py is not in this checkout yet (issue 3)")


def procfile_entries() -> dict[str, str]:
    entries = {}
    for line in PROCFILE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def app_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment a platform would give the processes: this interpreter's tools first on
    PATH (the Procfile says `python` and `gunicorn`), and no stray configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "BLOG_", "CRAWL_"))}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               PYTHONUNBUFFERED="1", **extra)
    # honcho reads ./.env by default: give it an empty one so a developer's .env changes nothing.
    (tmp_path / "empty.env").write_text("")
    return env


def honcho(tmp_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "honcho", "-e", str(tmp_path / "empty.env"), "-f",
            str(PROCFILE), "-d", str(ROOT), "--no-colour", *args]


def test_procfile_declares_web_clock_and_release():
    entries = procfile_entries()
    assert set(entries) == {"web", "clock", "release", "worker"}
    web = entries["web"]
    # Config vars are shared by all of an app's processes on Heroku and Dokku: the dashboard
    # gets its read-only user's URI from DASHBOARD_MONGODB_URI when it is set.
    assert web.startswith('MONGODB_URI="${DASHBOARD_MONGODB_URI:-$MONGODB_URI}" gunicorn '
                          'dashboard.app:server ')
    assert "--bind 0.0.0.0:$PORT" in web
    assert "--workers ${WEB_CONCURRENCY:-2}" in web
    assert "--access-logfile -" in web
    assert "--no-control-socket" in web
    # slow and idle clients cost a greenlet and are dropped after the keep-alive (see
    # tests/dashboard/test_web_process.py for what that holds off)
    assert "--worker-class gevent" in web and "--keep-alive 5" in web
    assert entries["clock"] == "python -m blogcrawler.clock"
    assert entries["release"] == "python -m blogcrawler.release"
    # The many-blogs mode's crawls (tests/test_batch_workers.py starts it from this line).
    assert entries["worker"] == "python -m blogcrawler.worker"


def test_python_version_pin_is_what_the_platforms_read():
    assert (ROOT / ".python-version").read_text().strip() == "3.11"


def test_release_creates_the_indexes(tmp_path, mongo_db):
    uri, database = mongo_db
    env = app_env(tmp_path, MONGODB_URI=uri, MONGODB_DATABASE=database)
    result = subprocess.run(honcho(tmp_path, "start", "release"), env=env, cwd=ROOT, text=True,
                            capture_output=True, timeout=PATIENCE)
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"indexes ready in {database}" in result.stdout
    client = pymongo.MongoClient(uri)
    try:
        indexes = client[database]["posts"].index_information()
        assert indexes["url_unique"]["unique"] is True
        assert "started_at" in client[database]["crawls"].index_information()
    finally:
        client.close()


def test_release_fails_in_one_sentence_when_the_database_is_unreachable(tmp_path):
    env = app_env(tmp_path, MONGODB_URI=f"mongodb://deploy:s3cret@127.0.0.1:{free_port()}",
                  MONGODB_TIMEOUT_SECONDS="1")
    command = procfile_entries()["release"]
    result = subprocess.run(honcho(tmp_path, "run", "sh", "-c", command), env=env, cwd=ROOT,
                            text=True, capture_output=True, timeout=PATIENCE)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"release: error: cannot reach MongoDB at {env['MONGODB_URI'].replace('s3cret', '***')}"
        " within 1 s (ServerSelectionTimeoutError); start the server or set MONGODB_URI"]
    assert "Traceback" not in result.stdout + result.stderr


# -- web + clock ------------------------------------------------------------------------------

def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


class Honcho:
    """`honcho start web clock` in its own process group, its output in a file."""

    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.log_path = tmp_path / "honcho.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(honcho(tmp_path, "start", "web", "clock"), cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, condition, what: str):
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            assert self.proc.poll() is None, f"honcho exited:\n{self.text()[-5000:]}"
            time.sleep(0.3)
        raise AssertionError(f"{what}: not within {PATIENCE:.0f} s\n{self.text()[-5000:]}")

    def tree(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def cleanup(self) -> None:
        pids = [p.pid for p in self.tree()]
        for pgid in {self.proc.pid, *(_pgid(pid) for pid in pids)} - {None, os.getpgid(0)}:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.log.close()


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def listening_ports(processes: list[psutil.Process]) -> set[int]:
    ports = set()
    for process in processes:
        try:
            for conn in process.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    ports.add(conn.laddr.port)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    return ports


def unix_socket_paths(processes: list[psutil.Process]) -> set[str]:
    paths = set()
    for process in processes:
        try:
            paths |= {c.laddr for c in process.net_connections(kind="unix") if c.laddr}
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    return paths


@pytest.fixture
def start_procfile(tmp_path, blog_server):
    """Start `honcho start web clock` against the fixture blog with a database's settings."""
    apps: list[Honcho] = []

    def start(**database_env: str) -> Honcho:
        port = free_port()
        env = app_env(tmp_path, PORT=str(port), WEB_CONCURRENCY="2", BLOG_URL=blog_server.url,
                      AUTOTHROTTLE_ENABLED="false", DOWNLOAD_DELAY="0", LOG_LEVEL="WARNING",
                      # Never leave 127.0.0.1, even if discovery fell back to the Wayback Machine.
                      DISCOVERY="archive", WAYBACK_URL=f"http://127.0.0.1:{free_port()}",
                      # A control socket would be created under $HOME: keep it in tmp_path.
                      HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path), **database_env)
        app = Honcho(tmp_path, env)
        app.port = port
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.cleanup()


def wait_for_the_first_crawl(app: Honcho, uri: str, database: str) -> None:
    app.wait_until(lambda: "crawl 1 finished" in app.text(), "the clock's first crawl")
    assert re.search(r"crawl 1 finished in [\d.]+ s: exit 0, complete", app.text())
    client = pymongo.MongoClient(uri)
    try:
        assert client[database]["posts"].count_documents({}) == 52
    finally:
        client.close()


def the_dashboard_shows_the_posts(base: str, blog) -> None:
    """As a visitor: the overview lists the blog; its link opens the blog's year, whose posts
    table shows the crawled titles."""
    titles = {post.title for post in blog.year_posts()}
    page_text = shown_text(base, lambda text: any(title in text for title in titles),
                           follow=f"td[data-site='{blog.root}'] a")
    assert any(title in page_text for title in titles)


@needs_dashboard
@pytest.mark.browser
@pytest.mark.slow
def test_procfile_serves_the_dashboard_and_the_clock_fills_it(start_procfile, mongo_db, blog):
    uri, database = mongo_db
    app = start_procfile(MONGODB_URI=uri, MONGODB_DATABASE=database)
    base = f"http://127.0.0.1:{app.port}/"
    app.wait_until(lambda: http_status(base + "healthz") == 200, "web answers 200 on /healthz")
    assert http_status(base) == 200
    wait_for_the_first_crawl(app, uri, database)

    # Only $PORT listens: no gunicorn control socket, no Scrapy telnet or remote control.
    processes = app.tree()
    assert listening_ports(processes) == {app.port}
    assert not [p for p in unix_socket_paths(processes) if "gunicorn" in p]
    # The access log goes to stdout, which honcho prefixes with the process name.
    assert re.search(r"web\.1\s+\| .*\"GET /healthz HTTP/1\.1\" 200", app.text())

    the_dashboard_shows_the_posts(base, blog)

    # Stopped as a platform stops a dyno: SIGTERM to honcho, which passes it on.
    app.proc.send_signal(signal.SIGTERM)
    app.proc.wait(timeout=PATIENCE)
    assert not [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


# -- a read-only user for the dashboard, a read-write one for the crawler -----------------------

DATABASE = "blogstats_deploy"
USERS = {"crawler": ("crawler-pw-7f3a", "readWrite"), "dashboard": ("dashboard-pw-91c2", "read")}


def user_uri(server: SecantusServer, user: str) -> str:
    password = USERS[user][0]
    return f"mongodb://{user}:{password}@127.0.0.1:{server.port}/{DATABASE}?authSource={DATABASE}"


@pytest.fixture
def auth_server(tmp_path):
    """SecantusDB with --auth and the two users of docs/deploy.md (created as that page says:
    createUser with role read / readWrite on the database, then the server restarted with auth)."""
    storage = str(tmp_path / "auth-db")
    setup = SecantusServer(storage_path=storage).start()
    client = pymongo.MongoClient(setup.uri)
    for user, (password, role) in USERS.items():
        client[DATABASE].command("createUser", user, pwd=password,
                                 roles=[{"role": role, "db": DATABASE}])
    client.close()
    setup.stop()
    server = SecantusServer(storage_path=storage, extra_args=("--auth",)).start()
    yield server
    server.stop()


def test_release_needs_the_read_write_user(tmp_path, auth_server):
    def release(uri: str) -> subprocess.CompletedProcess:
        env = app_env(tmp_path, MONGODB_URI=uri, MONGODB_DATABASE=DATABASE)
        return subprocess.run(honcho(tmp_path, "start", "release"), env=env, cwd=ROOT, text=True,
                              capture_output=True, timeout=PATIENCE)

    refused = release(user_uri(auth_server, "dashboard"))
    assert refused.returncode != 0
    assert re.search(r"release: error: could not create the indexes in blogstats_deploy on "
                     r"mongodb://dashboard:\*\*\*@.*: not authorized", refused.stdout)
    assert "dashboard-pw" not in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout

    done = release(user_uri(auth_server, "crawler"))
    assert done.returncode == 0, done.stdout[-3000:]
    assert "crawler-pw" not in done.stdout + done.stderr


@needs_dashboard
@pytest.mark.browser
@pytest.mark.slow
def test_dashboard_reads_with_a_read_only_user_while_the_clock_writes(start_procfile,
                                                                      auth_server, blog):
    crawler_uri = user_uri(auth_server, "crawler")
    app = start_procfile(MONGODB_URI=crawler_uri, DASHBOARD_MONGODB_URI=user_uri(
        auth_server, "dashboard"), MONGODB_DATABASE=DATABASE)
    base = f"http://127.0.0.1:{app.port}/"
    app.wait_until(lambda: http_status(base + "healthz") == 200, "web answers 200 on /healthz")
    wait_for_the_first_crawl(app, crawler_uri, DATABASE)
    the_dashboard_shows_the_posts(base, blog)

    # The web process really got the read-only user: it holds no other URI.
    gunicorn = [p for p in app.tree()
                if "gunicorn" in " ".join(p.cmdline()) and p.name() not in ("sh", "dash", "bash")]
    assert gunicorn
    assert {p.environ()["MONGODB_URI"] for p in gunicorn} == {user_uri(auth_server, "dashboard")}
    output = app.text()
    assert "crawler-pw" not in output and "dashboard-pw" not in output


def shown_text(url: str, done, follow: str | None = None) -> str:
    """The page's visible text in headless Chromium, once `done(text)` holds; with `follow` (a
    CSS selector), after clicking the first element it names once it appears."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,2000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(url)
        deadline = time.monotonic() + PATIENCE
        text = ""
        while time.monotonic() < deadline:
            if follow is not None:
                links = driver.find_elements("css selector", follow)
                if links:
                    links[0].click()
                    follow = None
            text = driver.find_element("tag name", "body").text
            if done(text):
                return text
            time.sleep(0.5)
        raise AssertionError(f"the page never showed the posts; it showed:\n{text[:3000]}")
    finally:
        driver.quit()
