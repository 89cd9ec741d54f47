"""A writer that dies at a chosen file-system step, for tests/test_store_swap.py.

It runs in a process started by multiprocessing's ``forkserver`` (a plain ``fork`` of the test
process can hang in RocksDB once the parent has opened a store). ``os._exit`` ends it at the
step: no ``finally`` or ``except`` of the writer runs, as when the process is killed.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import graph.store as store_module
from graph.model import EdgeRecord, NodeRecord

STEPS = ("_symlink", "_rename", "_replace")
KILLED = 70


def die_at(at: int) -> None:
    """Make this process exit at the ``at``-th step (past the last one: after publishing,
    before old releases are pruned)."""
    counter = itertools.count()
    for name in STEPS:
        real = getattr(store_module, name)

        def step(*args: object, _real: Callable[..., None] = real) -> None:
            if next(counter) == at:
                os._exit(KILLED)
            _real(*args)

        setattr(store_module, name, step)
    store_module._prune = lambda _target: os._exit(KILLED)  # type: ignore[assignment]


def build_and_die(
    path: Path, nodes: list[NodeRecord], edges: list[EdgeRecord], date: str, at: int
) -> None:
    die_at(at)
    store_module.write_store(path, nodes, edges, (), sources=[], version="test", date=date)
