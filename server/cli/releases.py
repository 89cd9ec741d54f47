"""``metakg releases list`` and ``metakg releases rollback``: the releases kept beside a store.

Each build writes a release (a directory of its own) and then makes the store path name it in
one atomic step; the previous releases stay beside it (graph/store.py). ``list`` shows them,
the current one marked; ``rollback`` makes the store path name an earlier one, under the same
single-writer lock as a build. Nothing is rebuilt or copied: rolling back is one rename.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from server.cli.commands import _fail, _recover, _store_path, writing

STORE_OPTION = click.option(
    "--store",
    type=click.Path(path_type=Path),
    help="Store path (default: METAKG_STORE or the per-user data directory).",
)


@click.group(name="releases")
def releases() -> None:
    """List the releases kept beside a store, or roll back to one of them."""


def _as_json(info: Any) -> dict[str, Any]:
    return {
        "name": info.name,
        "id": info.id,
        "date": info.date,
        "version": info.version,
        "directory": str(info.directory),
        "current": bool(info.current),
    }


@releases.command(name="list")
@STORE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON (oldest first).")
def list_releases(store: Path | None, as_json: bool) -> None:
    """List the releases kept for the store, oldest first; `*` marks the one in use."""
    from graph.errors import MetakgError
    from graph.store import releases as kept

    target = _store_path(store)
    try:
        found = kept(target)
    except MetakgError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps({"store": str(target), "releases": [_as_json(r) for r in found]},
                              indent=2))
        return
    if not found:
        _fail(f"no releases at {target}; build one with `metakg build --store {target}`")
    click.echo(f"Releases of {target}, oldest first (* in use):")
    for info in found:
        mark = "*" if info.current else " "
        click.echo(f"{mark} {info.name}  {info.id}  {info.date}  metakg {info.version}")
    if not any(info.current for info in found):
        click.echo(f"(none is in use: {target} names no kept release; roll back to one)")


@releases.command()
@click.argument("release", required=False)
@STORE_OPTION
def rollback(release: str | None, store: Path | None) -> None:
    """Make the store use another kept release: RELEASE (its name or its id, as `metakg
    releases list` prints them), or by default the one built before the current one."""
    from graph.errors import MetakgError
    from graph.store import rollback as roll_back

    target = _store_path(store)
    with writing(target, create=False):
        try:
            _recover(target)
            info = roll_back(target, release)
        except MetakgError as exc:
            _fail(f"{exc}; the store at {target} was not changed")
    click.echo(f"{target} now uses release {info.name} ({info.id}, {info.date})")
