"""Run a command in a child process and measure it: wall time and peak RSS (with children)."""

from __future__ import annotations

import resource
import subprocess
import threading
import time
from dataclasses import dataclass

import psutil

SAMPLE_SECONDS = 0.05


@dataclass
class Run:
    returncode: int
    wall: float
    peak_rss: int  # bytes, the process and all its children, sampled
    stdout: str
    cpu: float  # CPU seconds (user + system) of the process and the children it waited for


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and its children (recursive), in bytes."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


class PeakRss:
    """Samples a process tree's RSS in a thread until stopped; `.peak` is the highest seen."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss(self.process))
            self._done.wait(SAMPLE_SECONDS)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()


def run_measured(command: list[str], cwd, env: dict, log_path, timeout: float) -> Run:
    """Run `command` to its end (killed after `timeout` seconds); stderr goes to `log_path`."""
    with open(log_path, "w") as log:
        cpu_before = _children_cpu()
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=log, text=True)
        with PeakRss(proc.pid) as rss:
            try:
                stdout, _ = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                stdout, _ = proc.communicate()
        wall = time.perf_counter() - started
    return Run(proc.returncode, wall, rss.peak, stdout, _children_cpu() - cpu_before)


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended and been waited for. The services
    (blog, database) are only waited for when they stop, so a difference taken around one run
    is that run's CPU time alone."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
