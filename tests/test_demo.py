"""`make demo`'s orchestration (scripts/demo.py), run as a user runs it: a real SecantusDB with its
data in a folder, the bundled blog, a crawl, the dashboard; Ctrl-C (SIGINT) stops all of it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pymongo
import pytest

from tests.conftest import ROOT, SecantusServer, free_port

sys.path.insert(0, str(ROOT / "scripts"))
import demo  # noqa: E402  (scripts/ is not a package)

PATIENCE = 300.0  # bounds a hang only: the waits end as soon as the demo is ready


def test_a_busy_default_port_is_replaced_by_a_free_one(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        port = demo.choose_port("DEMO_PORT", taken, "dashboard", env={})
    assert port != taken
    assert f"port {taken} is busy, so the dashboard uses port {port}" in capsys.readouterr().out


def test_a_port_in_time_wait_is_free_again_for_the_next_demo(capsys):
    """Ctrl-C then `make demo` again: the dashboard's port has connections in TIME_WAIT, which
    a server with SO_REUSEADDR (gunicorn) can listen over; the demo must keep the port."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end goes to TIME_WAIT
        client.close()
    assert demo.port_is_free(port)
    assert demo.choose_port("DEMO_PORT", port, "dashboard", env={}) == port
    assert "busy" not in capsys.readouterr().out


def test_a_port_the_user_chose_must_be_free():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with pytest.raises(demo.DemoError, match=f"DEMO_DB_PORT={taken} is already in use"):
            demo.choose_port("DEMO_DB_PORT", 27017, "database", env={"DEMO_DB_PORT": str(taken)})
    with pytest.raises(demo.DemoError, match="not a port number"):
        demo.choose_port("DEMO_PORT", 8050, "dashboard", env={"DEMO_PORT": "eighty"})


class DemoProcess:
    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.log_path = tmp_path / "demo.log"
        self.log = open(self.log_path, "wb")
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("MONGODB_", "BLOG_", "DEMO_", "DISCOVERY"))}
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "demo.py")], cwd=ROOT,
                                     env={**clean, "PYTHONUNBUFFERED": "1", **env},
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern: str) -> re.Match:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text())
            if match:
                return match
            assert self.proc.poll() is None, f"the demo exited:\n{self.text()[-5000:]}"
            time.sleep(0.3)
        raise AssertionError(f"no {pattern!r} in the demo's output:\n{self.text()[-5000:]}")

    def cleanup(self, pids: list[int]) -> None:
        for pid in [self.proc.pid, *pids]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.log.close()


@pytest.mark.skipif(not (ROOT / "dashboard" / "app.py").exists(),
                    reason="dashboard/app.py is not in this checkout yet (issue 3)")
@pytest.mark.slow
def test_demo_serves_the_dashboard_and_ctrl_c_stops_everything(tmp_path):
    data = tmp_path / "data"
    ports = {name: str(free_port()) for name in ("DEMO_PORT", "DEMO_DB_PORT", "DEMO_BLOG_PORT")}
    run = DemoProcess(tmp_path, {"DEMO_DATA_DIR": str(data), **ports})
    started: list[int] = []
    try:
        url = run.wait_for(r"Dashboard: (http://127\.0\.0\.1:\d+/)").group(1)
        assert url == f"http://127.0.0.1:{ports['DEMO_PORT']}/"
        assert "52 posts in blogstats.posts" in run.text()
        with urllib.request.urlopen(url + "healthz", timeout=30) as response:
            assert response.status == 200
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        started = [p.pid for p in psutil.Process(run.proc.pid).children(recursive=True)]
        assert len(started) >= 3  # database, blog, dashboard (and its workers)

        run.proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert run.proc.wait(timeout=PATIENCE) == 0
        left = [pid for pid in started if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
        assert left == [], run.text()[-3000:]
        assert "everything it started is stopped" in run.text()
    finally:
        run.cleanup(started)

    # The database kept its data in DEMO_DATA_DIR/db: a restart finds the posts again.
    server = SecantusServer(storage_path=str(data / "db")).start()
    try:
        client = pymongo.MongoClient(server.uri)
        assert client["blogstats"]["posts"].count_documents({}) == 52
        client.close()
    finally:
        server.stop()
