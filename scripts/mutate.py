"""`make mutate`: mutation testing of the modules whose numbers users trust, and its report.

Runs mutmut (configured in pyproject.toml, `[tool.mutmut]`) on measure, dates, pipelines,
storage, the crawl record (extensions, account), the summaries and weeks the dashboard's
figures come from (blogstats), and the dashboard's year, figures, table and URL state, then
prints one table (module, mutants, killed, survived, no tests, timeout, killed %)
and writes `mutation/report.md` (the table, the run's cost, and every surviving mutant as the
line it changed) and `mutation/results.json` (each mutant's status).

    python scripts/mutate.py [--max-children N] [--keep] [--report-only] [PATTERN ...]

PATTERNs are mutmut's mutant names with `*` (e.g. `blogcrawler.measure.*`) to test only some;
`--keep` reuses the previous run's results in mutants/ (mutmut re-tests only functions that
changed, and every mutant a PATTERN names), otherwise every run starts from scratch so the
report is reproducible; the report's cost is then the sum of the runs kept;
`--report-only` writes the report and table again from the last run's results.

Why mutmut (3.x) and not cosmic-ray: mutmut imports the project and pytest once, then forks a
child per mutant and runs in it only the tests that cover the mutated function (it records
which tests call which function first); cosmic-ray edits the file on disk and starts the test
command anew for every mutant, and our pytest takes seconds just to start (Scrapy, Dash,
pandas, the Dash testing plugin). Both work with Python 3.11 and pytest. Neither can see into
our `scrapy crawl` subprocesses, so those tests are left out (see pyproject.toml).

Each test session asks for a SecantusDB (tests/conftest.py `mongo_server`); one is started
here for the whole run and handed to every session through BLOGSTATS_TEST_MONGODB_PORT, instead
of one start and stop per mutant.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import SecantusServer  # noqa: E402 (after the path is set)

OUT = ROOT / "mutation"
COLUMNS = ("module", "mutants", "tested", "killed", "survived", "equivalent", "no tests",
           "timeout", "other", "killed %", "score %")
# Survivors judged equivalent (no input can tell them from the original), each with its reason:
# one `- \`NAME\`: reason` line each, kept by hand.
EQUIVALENT = OUT / "equivalent.md"


def equivalent_names() -> set[str]:
    if not EQUIVALENT.exists():
        return set()
    return set(re.findall(r"^- `([^`]+)`", EQUIVALENT.read_text(), re.MULTILINE))


def run_mutmut(patterns: list[str], max_children: int, log: Path) -> tuple[int, float]:
    """`mutmut run` with one shared SecantusDB; its progress goes to `log`."""
    database = SecantusServer().start()
    env = {**os.environ, "BLOGSTATS_TEST_MONGODB_PORT": str(database.port)}
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children),
               *patterns]
    started = time.monotonic()
    try:
        with log.open("w") as out:
            status = subprocess.run(command, cwd=ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT).returncode
    finally:
        database.stop()
    return status, time.monotonic() - started


def results() -> dict[str, dict[str, str]]:
    """{module: {mutant name: status}} from mutmut's records in mutants/."""
    from mutmut.stats import status_by_exit_code  # mutmut's meaning of each exit code

    configured = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
                     ["only_mutate"])
    found: dict[str, dict[str, str]] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        source = meta.relative_to(ROOT / "mutants").with_suffix("")  # blogcrawler/measure.py
        if source.as_posix() not in configured:  # a module mutated before, no longer asked for
            continue
        module = ".".join(source.with_suffix("").parts)
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        found[module] = {name: status_by_exit_code[codes[name]]
                         for name in sorted(codes, key=_natural)}
    return found


def _natural(name: str) -> tuple[str, int]:
    """`x_f__mutmut_9` before `x_f__mutmut_10`."""
    function, _, number = name.rpartition("__mutmut_")
    return function, int(number) if number.isdigit() else 0


def function_of(name: str) -> str:
    """The function a mutant changed, as a reader names it (`Storage.check`, `text_of`)."""
    function = name.rpartition("__mutmut_")[0].rsplit(".", 1)[-1]
    return re.sub(r"^x_?", "", function).replace("\u01c1", ".").strip(".")


def table_rows(by_module: dict[str, dict[str, str]]) -> list[tuple]:
    rows = []
    total: Counter = Counter()
    equivalent = equivalent_names()
    for module, statuses in by_module.items():
        counts = Counter("equivalent" if status == "survived" and name in equivalent else status
                         for name, status in statuses.items())
        total.update(counts)
        rows.append(_row(module, counts))
    rows.append(_row("all", total))
    return rows


def _row(module: str, counts: Counter) -> tuple:
    mutants = sum(counts.values())
    tested = mutants - counts["not checked"]  # a sampled run leaves some untested
    known = ("killed", "survived", "equivalent", "no tests", "timeout")
    other = tested - sum(counts[k] for k in known)
    # A mutant whose tests time out is caught (the suite would hang and fail), as in Stryker.
    detected = counts["killed"] + counts["timeout"]
    share = f"{100 * detected / tested:.1f}" if tested else "-"
    # the mutation score: of the mutants a test could tell from the original
    telling = tested - counts["equivalent"]
    score = f"{100 * detected / telling:.1f}" if telling else "-"
    return (module, mutants, tested, counts["killed"], counts["survived"], counts["equivalent"],
            counts["no tests"], counts["timeout"], other, share, score)


def format_table(rows: list[tuple]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(COLUMNS, *rows, strict=False)]
    lines = ["  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                       for i, (v, w) in enumerate(zip(row, widths, strict=True)))
             for row in [COLUMNS, *rows]]
    return "\n".join(lines)


def changed_lines(name: str) -> str:
    """The lines a mutant changed, as `- old` / `+ new`."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = os.getcwd()
    os.chdir(ROOT)  # mutmut reads mutants/ from the working directory
    try:
        diff = get_diff_for_mutant(name)
    except Exception as exc:  # an internal API: say so rather than lose the report
        return f"(no diff: {type(exc).__name__}: {exc})"
    finally:
        os.chdir(cwd)
    return "\n".join(line for line in diff.splitlines()
                     if line[:1] in "+-" and not line.startswith(("+++", "---")))


def write_report(by_module: dict[str, dict[str, str]], rows: list[tuple], run: dict) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(
        json.dumps({"run": run, "mutants": by_module}, indent=1, sort_keys=True) + "\n")
    runs = run.get("runs") or [run]
    cost = [f"{r['seconds'] / 60:.1f} min on {r['workers']} worker(s)"
            + (f" for {' '.join(r['patterns'])}" if r.get("patterns") else "") for r in runs]
    lines = [
        "# Mutation testing report (`make mutate`)", "",
        f"mutmut, {run['seconds'] / 60:.1f} min wall time in all"
        + (f" ({len(runs)} runs, each mutant's last result counts: " + "; ".join(cost) + ")"
           if len(runs) > 1 else f" ({cost[0]})") + ".",
        "Killed % counts timeouts as caught; score % leaves out the survivors judged equivalent "
        "(mutation/equivalent.md, each with its reason). Survivors and mutants no test reaches "
        "are below;",
        "`.venv-mutate/bin/mutmut show NAME` prints one in full (`mutmut apply NAME` writes it to disk).",
        "", "```", format_table(rows), "```", ""]
    equivalent = equivalent_names()
    for module, statuses in by_module.items():
        left = [name for name, status in statuses.items()
                if status in ("survived", "no tests") and name not in equivalent]
        if not left:
            continue
        lines += [f"## {module}: {len(left)} not killed", ""]
        per_function = Counter(function_of(name) for name in left)
        lines += ["By function: " + ", ".join(f"`{f}` {n}" for f, n in per_function.most_common())
                  + ".", ""]
        for name in left:
            lines += [f"- `{name}` ({statuses[name]})", "", "  ```diff"]
            lines += [f"  {line}" for line in changed_lines(name).splitlines()]
            lines += ["  ```", ""]
    if equivalent:
        lines += [EQUIVALENT.read_text()]
    (OUT / "report.md").write_text("\n".join(lines))


def sample(fraction: float, seed: int, patterns: list[str]) -> list[str]:
    """A share of the mutants mutants/ holds and no run has decided yet, the same share of
    each module (seeded, so a sample is reproducible), and every mutant a run left alive (a
    test written since may kill it). Mutant sampling estimates a module's killed share from
    fewer runs (Zhang et al., "Operator-based and random mutant selection", ICSE 2010)."""
    from mutmut.stats import status_by_exit_code

    chosen: list[str] = []
    rng = random.Random(seed)
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if patterns and not any(fnmatch.fnmatch(name, p) for name in codes for p in patterns):
            continue  # a module the PATTERNs leave out
        pending = sorted((k for k, c in codes.items() if c is None), key=_natural)
        chosen += rng.sample(pending, round(len(pending) * fraction))
        chosen += [k for k, c in codes.items()  # alive, or a run stopped before its verdict
                   if c is not None and status_by_exit_code[c] not in ("killed", "timeout")]
    return chosen


def earlier_runs() -> list[dict]:
    """The runs whose results mutants/ holds so far (`--keep`), from the last report."""
    try:
        run = json.loads((OUT / "results.json").read_text())["run"]
    except (OSError, ValueError, KeyError):
        return []
    return list(run.get("runs") or [{k: run[k] for k in ("seconds", "workers", "patterns")}])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutate.py", description=__doc__.split("\n")[0])
    parser.add_argument("patterns", nargs="*", metavar="PATTERN")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true",
                        help="reuse the previous run's results (mutmut's incremental mode)")
    parser.add_argument("--sample", type=float, metavar="FRACTION",
                        help="with --keep: test only this share of the mutants not decided "
                             "yet (of each module), and again those left alive")
    parser.add_argument("--seed", type=int, default=14, help="of --sample")
    parser.add_argument("--report-only", action="store_true",
                        help="only write the report again from the last run's results")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    if args.report_only:
        try:
            run = json.loads((OUT / "results.json").read_text())["run"]
        except (OSError, ValueError, KeyError):
            run = {"seconds": 0.0, "workers": args.max_children, "patterns": args.patterns}
    else:
        if not args.keep:
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        if args.sample is not None:
            if not args.keep or not (ROOT / "mutants").is_dir():
                print("error: --sample picks from the mutants of an earlier run: run once "
                      "with --keep and no --sample first", file=sys.stderr)
                return 2
            shown = [f"--sample {args.sample} --seed {args.seed}", *args.patterns]
            args.patterns = sample(args.sample, args.seed, args.patterns)
            if not args.patterns:  # without names mutmut would run every mutant
                print("error: --sample left no mutant to test", file=sys.stderr)
                return 2
        log = OUT / "mutmut.log"
        status, seconds = run_mutmut(args.patterns, args.max_children, log)
        if status != 0:
            tail = log.read_text(errors="replace")[-3000:]
            print(f"error: mutmut run failed (exit {status}); its output is in {log}:\n{tail}",
                  file=sys.stderr)
            return 1
        if args.sample is None:
            shown = args.patterns
        run = {"seconds": round(seconds, 1), "workers": args.max_children,
               "patterns": shown, "runs": []}
        if args.keep:  # the results are several runs' together: their cost is all of them
            run["runs"] = earlier_runs()
        run["runs"].append({k: run[k] for k in ("seconds", "workers", "patterns")})
        run["seconds"] = round(sum(r["seconds"] for r in run["runs"]), 1)
    by_module = results()
    if not by_module:
        print("error: no mutation results in mutants/; run `make mutate` first", file=sys.stderr)
        return 1
    rows = table_rows(by_module)
    write_report(by_module, rows, run)
    print(format_table(rows))
    print(f"\n{run['seconds'] / 60:.1f} min on {run['workers']} workers; survivors listed in "
          f"{(OUT / 'report.md').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
