"""The `metakg` command line: one click group (commands.py) and the simulator command."""

from __future__ import annotations

# Commands in modules of their own register themselves on `main` when imported.
import server.cli.diff  # noqa: F401  (registers `metakg diff`)
import server.cli.load  # noqa: F401  (registers `metakg load`)
import server.cli.neo4j  # noqa: F401  (registers `metakg neo4j`)
from server.cli import push  # noqa: E402,F401
from server.cli.commands import main

__all__ = ["main"]
