"""The Procfile's `web` line started as a platform starts it (honcho, PORT set, its own process
group), for the load scripts. Only 127.0.0.1 is contacted; `stop()` ends the group it started."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def web_line(worker_class: str | None = None, root: Path = ROOT) -> str:
    """The Procfile's web command, with another worker class if asked (a baseline)."""
    for line in (root / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            command = line.partition(":")[2].strip()
            if worker_class:
                command = command.replace("--worker-class gevent", f"--worker-class {worker_class}")
            return command
    raise RuntimeError("the Procfile has no web line")


class WebProcess:
    def __init__(self, port: int, env: dict[str, str], worker_class: str | None = None,
                 root: Path | None = None):
        """`root`: another checkout's code (a baseline), run with its own Procfile."""
        self.port = port
        root = root or ROOT
        self.folder = Path(tempfile.mkdtemp(prefix="blogstats-web-"))
        (self.folder / "Procfile").write_text(f"web: {web_line(worker_class, root)}\n")
        (self.folder / "empty.env").write_text("")
        self.log_path = self.folder / "web.log"
        self.log = open(self.log_path, "wb")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "DASHBOARD_"))}
        full_env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{full_env.get('PATH', '')}",
                        PORT=str(port), PYTHONUNBUFFERED="1", **env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "honcho", "-e", str(self.folder / "empty.env"), "-f",
             str(self.folder / "Procfile"), "-d", str(root), "--no-colour", "start", "web"],
            cwd=root, env=full_env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"web exited: {self.text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status in (200, 503):
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"web did not answer within {timeout:.0f} s: {self.text()[-2000:]}")

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()
