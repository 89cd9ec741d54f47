"""``metakg diff OLD NEW``: what changed between two built stores (see graph/diff.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _store_dir(path: Path, which: str) -> Path:
    """The store directory ``path`` names: the directory itself, or a file or the RDF
    directory inside one. Exits with a clear message when it is not a store."""
    from graph.store import GRAPH_FILE, MANIFEST_FILE, RDF_DIR, is_store

    if is_store(path):
        return path
    if path.name in (MANIFEST_FILE, GRAPH_FILE, RDF_DIR) and is_store(path.parent):
        return path.parent
    reason = "does not exist" if not path.exists() else f"has no {MANIFEST_FILE} and {RDF_DIR}/"
    click.echo(
        f"metakg: error: {which} {path} is not a metakg store ({reason}); give a directory "
        "written by `metakg build --store DIR`",
        err=True,
    )
    sys.exit(2)


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (keys in a fixed order).")
@click.option("--exit-code", is_flag=True, help="Exit with status 1 when the stores differ.")
def diff(old: Path, new: Path, as_json: bool, exit_code: bool) -> None:
    """Compare two built stores: counts by category, predicate and source, inputs, and the
    nodes and assertions added, removed or changed from OLD to NEW."""
    from graph.diff import diff_graphs, render_text
    from graph.store import KnowledgeStore

    before = KnowledgeStore(_store_dir(old, "OLD"))
    after = KnowledgeStore(_store_dir(new, "NEW"))
    found = diff_graphs(
        before.graph,
        after.graph,
        old_manifest=before.manifest,
        new_manifest=after.manifest,
    )
    if as_json:
        document = found.to_json()
        document["old"] = {"store": str(old), **document["old"]}
        document["new"] = {"store": str(new), **document["new"]}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(found, old_name=str(old), new_name=str(new)), nl=False)
    if exit_code and not found.is_empty:
        sys.exit(1)
