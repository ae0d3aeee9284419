"""Slow and idle clients against the dashboard as the Procfile starts it, while /healthz is
polled once a second: does anyone else still get an answer?

    python -m bench.slow_clients [--clients 60] [--seconds 30] [--kind idle|slowloris|slow-body|all]
    python -m bench.slow_clients --baseline sync   # the same run against sync workers first

Kinds of client (each re-opens its connection when the server drops it, as an attacker does):
- idle: connects and sends nothing;
- slowloris: sends a request line and then one header byte a second, never finishing;
- slow-body: sends a POST's headers announcing 60 kB, then one byte a second.
A real SecantusDB holds the fixture blog's 52 posts. Bounded in clients and time; only
127.0.0.1 is contacted; everything started is stopped by process group at the end.
Prints, per run: polls answered within 1 s, the slowest poll, and how often the server
dropped a slow client.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.web_process import WebProcess  # noqa: E402

KINDS = ("idle", "slowloris", "slow-body")


class SlowClients:
    """`count` connections of one kind held open against 127.0.0.1:port until `stop()`."""

    def __init__(self, port: int, kind: str, count: int):
        if kind not in KINDS or not 1 <= count <= 500:
            raise ValueError("a kind of client and at most 500 of them")
        self.port, self.kind, self.count = port, kind, count
        self.stopping = threading.Event()
        self.dropped = 0
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._hold, daemon=True) for _ in range(count)]

    def start(self) -> SlowClients:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(5)

    def _opening(self) -> bytes:
        if self.kind == "slowloris":
            return b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if self.kind == "slow-body":
            return (b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n")
        return b""

    def _trickle(self) -> bytes:
        return b"X" if self.kind == "slowloris" else b" "

    def _hold(self) -> None:
        while not self.stopping.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    if self._opening():
                        sock.sendall(self._opening())
                    while not self.stopping.wait(1.0):
                        if self.kind != "idle":
                            sock.sendall(self._trickle())
                        else:  # notice a close by the server without sending anything
                            sock.setblocking(False)
                            try:
                                if sock.recv(1) == b"":
                                    raise ConnectionResetError
                            except BlockingIOError:
                                pass
                            sock.setblocking(True)
            except OSError:
                pass
            if not self.stopping.is_set():
                with self._lock:
                    self.dropped += 1
                self.stopping.wait(0.2)


@contextmanager
def slow_clients(port: int, kind: str, count: int):
    clients = SlowClients(port, kind, count).start()
    try:
        yield clients
    finally:
        clients.stop()


def poll_health(port: int, seconds: float, timeout: float = 10.0) -> list[float | None]:
    """GET /healthz once a second on a new connection; each answer's time, None when none."""
    times: list[float | None] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            conn.close()
            times.append(time.monotonic() - started if response.status == 200 else None)
        except (OSError, http.client.HTTPException):
            times.append(None)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    return times


def run(port: int, kinds: tuple[str, ...], count: int, seconds: float) -> dict:
    with _all(port, kinds, count) as clients:
        time.sleep(1.0)  # let the connections open
        polls = poll_health(port, seconds)
    answered = [t for t in polls if t is not None]
    return {"polls": len(polls), "within_1s": sum(1 for t in answered if t <= 1.0),
            "unanswered": len(polls) - len(answered),
            "median_ms": statistics.median(answered) * 1000 if answered else None,
            "max_ms": max(answered) * 1000 if answered else None,
            "dropped": sum(c.dropped for c in clients)}


@contextmanager
def _all(port: int, kinds: tuple[str, ...], count: int):
    clients = [SlowClients(port, kind, count).start() for kind in kinds]
    try:
        yield clients
    finally:
        for c in clients:
            c.stop()


def main(argv: list[str] | None = None) -> int:
    from tests.conftest import SecantusServer, free_port

    parser = argparse.ArgumentParser(prog="python -m bench.slow_clients")
    parser.add_argument("--clients", type=int, default=60, help="per kind")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--kind", choices=(*KINDS, "all"), default="all")
    parser.add_argument("--baseline", choices=("sync", "gthread"), default=None,
                        help="also run against this worker class, first")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 200 and 1 <= args.seconds <= 120):
        parser.error("at most 200 clients per kind and 120 s")
    kinds = KINDS if args.kind == "all" else (args.kind,)
    database = SecantusServer().start()
    rows = []
    try:
        from bench.load_dashboard import fill

        fill(database.uri, "slow")
        for worker_class in ([args.baseline] if args.baseline else []) + [None]:
            port = free_port()
            web = WebProcess(port, {"MONGODB_URI": database.uri, "MONGODB_DATABASE": "slow",
                                    "WEB_CONCURRENCY": "2"}, worker_class)
            try:
                web.wait_ready()
                for kind in kinds:
                    result = run(port, (kind,), args.clients, args.seconds)
                    rows.append((worker_class or "Procfile (gevent)", kind, result))
                    print(f"{rows[-1][0]:<18} {kind:<10} done", file=sys.stderr)
            finally:
                web.stop()
    finally:
        database.stop()
    print(f"{args.clients} clients of each kind held open for {args.seconds:g} s, /healthz polled "
          "once a second, gunicorn with 2 workers, loopback")
    print(f"{'workers':<18} {'clients':<10} {'polls':>6} {'<=1 s':>6} {'none':>5} "
          f"{'median ms':>10} {'max ms':>8} {'dropped':>8}")
    for worker_class, kind, r in rows:
        median = f"{r['median_ms']:.0f}" if r["median_ms"] is not None else "-"
        slowest = f"{r['max_ms']:.0f}" if r["max_ms"] is not None else "-"
        print(f"{worker_class:<18} {kind:<10} {r['polls']:>6} {r['within_1s']:>6} "
              f"{r['unanswered']:>5} {median:>10} {slowest:>8} {r['dropped']:>8}")
    ours = [r for w, _k, r in rows if w.startswith("Procfile")]
    return 0 if all(r["within_1s"] == r["polls"] for r in ours) else 1


if __name__ == "__main__":
    sys.exit(main())
