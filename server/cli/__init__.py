"""The `metakg` command line: one click group (commands.py) whose other commands live in
modules of their own and are imported only when used (``LAZY_COMMANDS`` in commands.py)."""

from __future__ import annotations

from server.cli.commands import main

__all__ = ["main"]
