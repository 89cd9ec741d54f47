"""Everything that faces a user: the command line and the HTTP service."""

from __future__ import annotations

from importlib import metadata


def version() -> str:
    try:
        return metadata.version("metakg")
    except metadata.PackageNotFoundError:
        return "0+unknown"
