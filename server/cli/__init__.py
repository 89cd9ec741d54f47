"""The `metakg` command line: one click group (commands.py) and the simulator command."""

from __future__ import annotations

from server.cli.commands import main

__all__ = ["main"]
