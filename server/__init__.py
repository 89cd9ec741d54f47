"""Everything that faces a user: the command line and the HTTP service."""

from __future__ import annotations


def version() -> str:
    # importlib.metadata costs about 25 ms to import: only when a version is asked for.
    from importlib import metadata

    try:
        return metadata.version("metakg")
    except metadata.PackageNotFoundError:
        return "0+unknown"
