"""The extractors the evaluation compares, each turning (page bytes, URL) into the figures the
checks read: `words`, `images`, `links`, `text`, `date` (the calendar day) and `extractor`.

- `ours`: this tree's `extract_post`, with a set of `Rules` (leave-one-site-out switches them);
- `main`: the baseline, `extract_post` of a git revision (default `main`), run in a worker
  process on a `git archive` of that revision, each page right after ours (same load);
- `trafilatura`: trafilatura 2.x with its htmldate date, alone, counted with our word rule.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from blogcrawler.extract import extract_post
from blogcrawler.extraction import DEFAULT_RULES, Rules
from blogcrawler.measure import count_words
from devtools.evaluate.corpus import ROOT, Page

FIELDS = ("words", "images", "links", "text", "date", "extractor")


def ours(body: bytes, url: str, rules: Rules = DEFAULT_RULES) -> dict:
    result = extract_post(body, url, rules=rules)
    return {key: result[key] for key in FIELDS}


def trafilatura_result(body: bytes, url: str) -> dict:
    """trafilatura's main content (links and images kept) and its htmldate publication date,
    from one `bare_extraction` call; words counted with our rule on its text."""
    import trafilatura

    document = trafilatura.bare_extraction(body, url=url, include_links=True,
                                           include_images=True, with_metadata=True)
    if document is None:
        return {"text": "", "words": 0, "images": 0, "links": 0, "date": None,
                "extractor": "trafilatura"}
    text = document.text or ""
    tree = document.body
    images = len(list(tree.iter("graphic"))) if tree is not None else 0
    links = (len([r for r in tree.iter("ref") if r.get("target") is not None])
             if tree is not None else 0)
    day = document.date
    return {"text": text, "words": count_words(text), "images": images, "links": links,
            "date": day[:10] if day else None, "extractor": "trafilatura"}


def timed(function, body: bytes, url: str, repeat: int) -> tuple[dict, float]:
    """(result, best CPU ms of `repeat` calls): CPU time, since the machine is shared and wall
    time there measures the neighbours' load as much as the extractor."""
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.process_time()
        result = function(body, url)
        best = min(best, (time.process_time() - start) * 1000)
    return result, best


class Baseline:
    """`revision`'s own extract_post in a worker process (a `git archive` of that revision), or
    the working tree's (`revision` None), asked one page at a time. The evaluation times both
    this tree and the baseline in such workers, one page right after the other: the same kind
    of process under the same load (the machine is shared). Timed in the evaluating process
    instead, which holds every page and result, the very same code measured slower than in a
    worker (median page ratio 1.02, ratio of medians 1.06)."""

    def __init__(self, revision: str | None = "main", repeat: int = 1):
        self.revision, self.repeat = revision or "the working tree", repeat
        self._checkout = None
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if revision is not None:
            env["PYTHONPATH"] = self._archive(revision)
        self._worker = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("worker.py")), "--repeat", str(repeat)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env, cwd=env["PYTHONPATH"])

    def _archive(self, revision: str) -> str:
        """A temporary checkout of `revision`'s blogcrawler and blogstats packages."""
        self._checkout = tempfile.TemporaryDirectory(prefix="blogstats-baseline-")
        checkout = self._checkout.name
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", revision,
                                  "blogcrawler", "blogstats"],
                                 capture_output=True, check=False)
        if archive.returncode != 0:
            self._checkout.cleanup()
            raise RuntimeError(f"cannot read revision {revision!r} of {ROOT}: "
                               f"{archive.stderr.decode(errors='replace').strip()}")
        tar_path = Path(checkout) / "revision.tar"
        tar_path.write_bytes(archive.stdout)
        with tarfile.open(tar_path) as tar:
            tar.extractall(checkout, filter="data")
        return checkout

    def measure(self, page: Page) -> tuple[dict, float]:
        """(result, best CPU ms of `repeat` calls) of the revision's extract_post on `page`."""
        self._worker.stdin.write(json.dumps({"source": str(page.source), "url": page.url}) + "\n")
        self._worker.stdin.flush()
        line = self._worker.stdout.readline()
        if not line:
            error = self._worker.stderr.read().strip()[-2000:]
            raise RuntimeError(f"the {self.revision} worker failed on {page.name}: {error}")
        result = json.loads(line)
        return {key: result[key] for key in FIELDS}, result["ms"]

    def close(self) -> None:
        if self._worker.poll() is None:
            self._worker.stdin.close()
            try:
                self._worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._worker.kill()
                self._worker.wait()
        for stream in (self._worker.stdout, self._worker.stderr):
            stream.close()
        if self._checkout is not None:
            self._checkout.cleanup()

    def __enter__(self) -> Baseline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
