"""Benchmark: start-up time of the `metakg` command line.

Runs each command in a fresh process N times (after one warm-up run) and prints the best and
the median wall-clock time:

* ``baseline``: ``python -c "import click"``, the least any click program can take;
* ``metakg --help``, ``metakg --version``, ``metakg build --help``, ``metakg query --help``.

For each it prints the ratio of its median to the baseline's median and whether it meets the
targets of issue 11: under 0.3 s, and no more than 5x the baseline. The machine's load moves
both numbers; the ratio, measured in the same run, moves less.

Uses the ``metakg`` console script installed beside this Python (``pip install -e .``), else
``python -m server.cli``; the repository comes first on the import path either way.
Usage: python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.3
TARGET_RATIO = 5.0
COMMANDS = (["--help"], ["--version"], ["build", "--help"], ["query", "--help"])


def _metakg() -> list[str]:
    script = Path(sys.executable).parent / "metakg"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "server.cli"]


def _times(argv: list[str], runs: int, env: dict[str, str]) -> list[float]:
    def once() -> float:
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-2000:]}")
        return elapsed

    once()  # warm-up: the file cache, .pyc files
    return [once() for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="Runs per command (default 15).")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )}
    metakg = _metakg()
    print(f"{args.runs} runs each; metakg = {' '.join(metakg)}")
    baseline = _times([sys.executable, "-c", "import click"], args.runs, env)
    base = statistics.median(baseline)
    print(f"{'command':<22}{'best':>9}{'median':>9}{'x base':>8}  under 0.3 s  under 5x")
    print(f"{'baseline (import click)':<22}{min(baseline):>8.3f}s{base:>8.3f}s{1.0:>8.1f}")
    failed = []
    for command in COMMANDS:
        times = _times(metakg + command, args.runs, env)
        median = statistics.median(times)
        ratio = median / base
        fast, near = median < TARGET_SECONDS, ratio <= TARGET_RATIO
        name = "metakg " + " ".join(command)
        print(
            f"{name:<22}{min(times):>8.3f}s{median:>8.3f}s{ratio:>8.1f}  "
            f"{'yes' if fast else 'NO':<11}  {'yes' if near else 'NO'}"
        )
        if not (fast and near):
            failed.append(name)
    print("all targets met" if not failed else "targets missed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
