"""Benchmark: start-up time of the `metakg` command line.

Runs each command in a fresh process N times (after one warm-up run; the commands take turns,
so that a burst of load on the machine hits them alike) and prints the best and the median
wall-clock time, and the median CPU time (user + system) of the process:

* ``baseline``: ``python -c "import click"``, the least any click program can take;
* ``metakg --help``, ``metakg --version``, ``metakg build --help``, ``metakg query --help``.

For each it prints the ratio of its median to the baseline's median and whether it meets the
targets of issue 11: under 0.3 s, and no more than 5x the baseline. The machine's load moves
both numbers; the ratio, measured in the same run, moves less.

Uses the ``metakg`` console script installed beside this Python (``pip install -e .``), else
``python -m server.cli``; the repository comes first on the import path either way. With
``--repository DIR`` it measures ``python -m server.cli`` of another checkout instead (for a
before/after figure: ``git archive OLD | tar -x -C DIR``, then ``python -m compileall -q DIR``
so that both sides read compiled files).
Usage: python bench/startup.py [--runs N] [--repository DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.3
TARGET_RATIO = 5.0
COMMANDS = (["--help"], ["--version"], ["build", "--help"], ["query", "--help"])


def _metakg(repository: Path) -> list[str]:
    script = Path(sys.executable).parent / "metakg"
    if repository == ROOT and script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "server.cli"]


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run; output to /dev/null."""
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=quiet)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit status {status})")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="Runs per command (default 15).")
    parser.add_argument("--repository", type=Path, default=ROOT,
                        help="Measure the metakg of this checkout (default: this one).")
    args = parser.parse_args()
    repository = args.repository.resolve()
    os.chdir(repository)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(repository)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )}
    metakg = _metakg(repository)
    commands = {"baseline (import click)": [sys.executable, "-c", "import click"]}
    commands.update({"metakg " + " ".join(c): metakg + c for c in COMMANDS})
    for argv in commands.values():  # warm-up: the file cache, .pyc files
        _once(argv, env)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    # Round robin, so that a burst of load on the machine hits every command alike.
    for _ in range(args.runs):
        for name, argv in commands.items():
            seconds, used = _once(argv, env)
            wall[name].append(seconds)
            cpu[name].append(used)
    print(f"{args.runs} runs each, interleaved; metakg = {' '.join(metakg)} ({repository})")
    base = statistics.median(wall["baseline (import click)"])
    print(f"{'command':<24}{'best':>8}{'median':>8}{'CPU med':>9}{'x base':>8}  "
          "under 0.3 s  under 5x")
    failed = []
    for name in commands:
        median = statistics.median(wall[name])
        ratio = median / base
        fast, near = median < TARGET_SECONDS, ratio <= TARGET_RATIO
        line = (f"{name:<24}{min(wall[name]):>7.3f}s{median:>7.3f}s"
                f"{statistics.median(cpu[name]):>8.3f}s{ratio:>8.1f}")
        if name.startswith("baseline"):
            print(line)
            continue
        print(f"{line}  {'yes' if fast else 'NO':<11}  {'yes' if near else 'NO'}")
        if not (fast and near):
            failed.append(name)
    print("all targets met" if not failed else "targets missed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
