"""The mutation check (`make mutants`): every mutant of `mutant_list.py` must fail its tests.

Each mutant runs in a fresh pytest process (``-p mutant_plugin``, `CI=1` so Hypothesis is
derandomized) on its own test selection with ``-x``. A mutant is KILLED when pytest reports
failed tests (exit status 1) with the mutant applied; it SURVIVES when the tests pass; anything
else is an ERROR (the target moved, the selection collects no test, a crash, a timeout). The
check prints ``N/N mutants killed`` and exits non-zero unless every mutant is killed.

Usage: ``python tools/mutants.py [--jobs 2] [--only NAME ...] [--list] [--control]``
(``--control`` first runs every selection without a mutant: they must pass).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))

import mutant_list  # noqa: E402

TIMEOUT_SECONDS = 600


def _environment(name: str | None, report: Path) -> dict:
    env = dict(os.environ)
    paths = [str(ROOT), str(TOOLS), str(ROOT / "tests")]
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [env.get("PYTHONPATH")] if p])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["CI"] = env.get("CI") or "1"
    env["KERAS_NOISE_MUTANT_REPORT"] = str(report)
    env.pop("KERAS_NOISE_MUTANT", None)
    if name is not None:
        env["KERAS_NOISE_MUTANT"] = name
    return env


def _pytest(mutant, control: bool) -> tuple[str, str, float]:
    """Runs one mutant (`control`: its selection unmutated); `(verdict, detail, seconds)`."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-x",
            "-q",
            "--no-header",
            "-p",
            "no:cacheprovider",
        ]
        if not control:
            command += ["-p", "mutant_plugin"]
        command += list(mutant.tests)
        try:
            result = subprocess.run(
                command,
                cwd=ROOT,
                env=_environment(None if control else mutant.name, report),
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            return "ERROR", f"timed out after {TIMEOUT_SECONDS} s", time.monotonic() - start
        seconds = time.monotonic() - start
        state = json.loads(report.read_text()) if report.exists() else {}
    tail = (result.stdout + result.stderr).strip().splitlines()[-3:]
    if control:
        verdict = "PASSED" if result.returncode == 0 else "ERROR"
        return verdict, " | ".join(tail), seconds
    if state.get("error"):
        return "ERROR", f"mutant cannot be applied: {state['error']}", seconds
    if not state.get("applied"):
        return "ERROR", "the plugin did not apply the mutant: " + " | ".join(tail), seconds
    if result.returncode == 1 and state.get("failed"):
        return "KILLED", "by " + ", ".join(state["failed"]), seconds
    if result.returncode == 0:
        return "SURVIVED", " | ".join(tail), seconds
    return "ERROR", f"pytest exit status {result.returncode}: " + " | ".join(tail), seconds


def main(argv: list[str] | None = None) -> int:
    """Runs the mutants; 0 if every one is killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants run in parallel (2)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--control", action="store_true", help="run the selections unmutated")
    args = parser.parse_args(argv)

    names = [mutant.name for mutant in mutant_list.MUTANTS]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        print(f"duplicate mutant names: {sorted(duplicates)}")
        return 2
    mutants = (
        [mutant_list.by_name(name) for name in args.only] if args.only else mutant_list.MUTANTS
    )
    if args.list:
        for mutant in mutants:
            print(f"{mutant.name:42s} {mutant.what}\n{'':42s} tests: {' '.join(mutant.tests)}")
        return 0

    start = time.monotonic()
    verdicts = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(_pytest, mutant, args.control): mutant for mutant in mutants}
        for future in concurrent.futures.as_completed(futures):
            mutant = futures[future]
            verdict, detail, seconds = future.result()
            verdicts[mutant.name] = verdict
            print(f"[{verdict:8s}] {mutant.name} ({seconds:.0f} s): {detail}", flush=True)
    elapsed = time.monotonic() - start
    counts = {v: list(verdicts.values()).count(v) for v in ("KILLED", "SURVIVED", "ERROR")}
    if args.control:
        passed = list(verdicts.values()).count("PASSED")
        print(f"{passed}/{len(mutants)} unmutated selections passed in {elapsed:.0f} s")
        return 0 if passed == len(mutants) else 1
    print(
        f"{counts['KILLED']}/{len(mutants)} mutants killed "
        f"({counts['SURVIVED']} survived, {counts['ERROR']} errors) in {elapsed:.0f} s"
    )
    return 0 if counts["KILLED"] == len(mutants) else 1


if __name__ == "__main__":
    sys.exit(main())
